#pragma once
// Residue sets and random digital sequences shared by the hmm DP tests.

#include <emtk/hmm/residues.hpp>
#include <emtk/util/rng.hpp>

#include <cstdint>
#include <vector>

namespace emtk::hmm::test {

/// K = 4 with two degenerate codes: 4 = {0, 2} (like R), 5 = {0, 1, 2, 3} (like N).
inline residue_sets dna_like()
{
    residue_sets s = canonical_residue_sets(4);
    s.members.push_back({0, 2});
    s.members.push_back({0, 1, 2, 3});
    return s;
}

/// L codes drawn uniformly from 0 … Kp−1.
inline std::vector<std::uint8_t> random_sequence(emtk::rng & r, std::size_t L, int Kp)
{
    std::vector<std::uint8_t> x(L);
    for (auto & c : x)
        c = static_cast<std::uint8_t>(r.below(static_cast<std::uint64_t>(Kp)));
    return x;
}

} // namespace emtk::hmm::test
