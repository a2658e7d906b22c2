#include <emtk/hmm/residues.hpp>

#include <cmath>

namespace emtk::hmm {

residue_sets canonical_residue_sets(int K)
{
    residue_sets s;
    s.K = K;
    s.members.resize(static_cast<std::size_t>(K));
    for (int c = 0; c < K; ++c)
        s.members[static_cast<std::size_t>(c)] = {static_cast<std::uint8_t>(c)};
    return s;
}

void emission_log_table(std::span<double const> p, residue_sets const & sets, std::span<double> out) noexcept
{
    // Sums in probability space: a degenerate code stands for at most 20 residues whose
    // probabilities are each <= 1, so the sum is exact to round-off and log() is taken once.
    for (std::size_t c = 0; c < sets.members.size(); ++c)
    {
        double s = 0;
        for (std::uint8_t a : sets.members[c])
            s += p[a];
        out[c] = std::log(s); // log(0) = -inf: a code no member of which can be emitted
    }
}

} // namespace emtk::hmm
