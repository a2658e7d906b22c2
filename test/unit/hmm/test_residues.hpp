#pragma once
// Residue sets, random digital sequences, sharpened random models, profile modes and flattened counts
// shared by the hmm tests.

#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/hmm/residues.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include <cstdint>
#include <string>
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

/// A random profile HMM over K residues that looks like a family: every match emission raised to the
/// power `power` (then renormalised), and `mm` added to each M→M and `dm` to each D→M transition
/// (a strong main line) before normalising.
inline profile_hmm sharpened_hmm(emtk::rng & r, int M, int K, int power, double mm, double dm)
{
    profile_hmm h = random_profile_hmm(r, M, K);
    for (int k = 1; k <= M; ++k)
        for (auto & v : h.match(k))
        {
            double p = v;
            for (int i = 1; i < power; ++i)
                p *= v;
            v = p;
        }
    for (int k = 0; k < M; ++k)
    {
        auto & t = h.t[static_cast<std::size_t>(k)];
        t[t_mm] += mm;
        t[t_dm] += dm;
    }
    normalize(h);
    return h;
}

/// Residue codes as the alphabet's symbols.
inline std::string text_of(std::vector<std::uint8_t> const & x, emtk::seq::alphabet_type type)
{
    auto const & abc = emtk::seq::alphabet::get(type);
    std::string s;
    for (auto c : x)
        s.push_back(abc.symbol(c));
    return s;
}

/// Profile options with the given local/multihit configuration.
inline profile_options mode(bool local, bool multihit)
{
    profile_options o;
    o.local = local;
    o.multihit = multihit;
    return o;
}

/// The amino-acid residue sets (20 canonical residues and the degenerate codes).
inline residue_sets amino_sets() { return residue_sets_of(emtk::seq::alphabet::get(emtk::seq::alphabet_type::amino)); }

/// Every value of a hmm_counts, in a fixed order.
inline std::vector<double> flatten(hmm_counts const & c)
{
    std::vector<double> v;
    for (auto const & row : c.t)
        v.insert(v.end(), row.begin(), row.end());
    for (auto const * part : {&c.mat, &c.ins, &c.enter, &c.exit_m, &c.exit_d})
        v.insert(v.end(), part->begin(), part->end());
    v.push_back(c.exit_i);
    v.insert(v.end(), c.special.begin(), c.special.end());
    v.insert(v.end(), c.flank.begin(), c.flank.end());
    v.push_back(c.sequences);
    return v;
}

/// A DNA model of M nodes with peaked match emissions (0.8 on one residue drawn from r) and some
/// indels (M→I, M→D 0.07): the realignment and concurrent-training tests' family.
inline profile_hmm indel_model(emtk::rng & r, int M)
{
    profile_hmm h(M, 4);
    for (int k = 0; k <= M; ++k)
    {
        auto & t = h.t[static_cast<std::size_t>(k)];
        t = {0.86, 0.07, 0.07, 0.6, 0.4, 0.7, 0.3};
        if (k == 0)
            t[t_dm] = 1, t[t_dd] = 0;
        if (k == M)
            t = {0.93, 0.07, 0.0, 0.6, 0.4, 1.0, 0.0};
        if (k >= 1)
        {
            int const top = static_cast<int>(r.below(4));
            for (int a = 0; a < 4; ++a)
                h.match(k)[static_cast<std::size_t>(a)] = a == top ? 0.8 : 0.2 / 3;
        }
    }
    return h;
}

} // namespace emtk::hmm::test
