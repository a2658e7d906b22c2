#pragma once
// Genotypes emitted by a known haplotype-cluster model (for parameter-recovery tests).

#include <emtk/geno/hapcluster.hpp>
#include <emtk/geno/impute.hpp>
#include <emtk/geno/templates.hpp>
#include <emtk/util/rng.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace emtk::test {

/// N samples × M markers, sample-major, drawn from `p`; each genotype is then set missing with
/// probability `missing`.
inline std::vector<std::int8_t> simulate_hapcluster(geno::hapcluster_params const & p, std::size_t N,
                                                    double missing, std::uint64_t seed)
{
    std::size_t const M = p.M, K = static_cast<std::size_t>(p.K);
    std::vector<std::int8_t> g(N * M);
    for (std::size_t i = 0; i < N; ++i)
    {
        rng r{seed, 1000 + i};
        std::size_t z[2] = {0, 0};
        for (std::size_t m = 0; m < M; ++m)
        {
            int x = 0;
            for (auto & c : z)
            {
                if (m == 0 || r.uniform() < p.jump[m])
                    c = r.categorical(std::span<double const>{p.alpha.data() + m * K, K});
                x += r.uniform() < p.theta[m * K + c] ? 1 : 0;
            }
            g[i * M + m] = r.uniform() < missing ? geno::missing_genotype : static_cast<std::int8_t>(x);
        }
    }
    return g;
}

/// The site-major genotype_matrix (impute_block's input) of N samples × M markers held sample-major
/// (as simulate_hapcluster returns them).
inline geno::genotype_matrix site_major(std::vector<std::int8_t> const & g, std::size_t N, std::size_t M)
{
    geno::genotype_matrix gm;
    gm.n_samples = N;
    gm.n_sites = M;
    gm.g.resize(N * M);
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t m = 0; m < M; ++m)
            gm.g[m * N + i] = g[i * M + m];
    return gm;
}


/// A phasing test case: N samples × W markers simulated from `p` (8% missing, seed `sim_seed`),
/// the missing genotypes numbered site by site (as impute.cpp does) and each sample's haplotypes
/// drawn from the generating model (stream `draw_seed`), as the first stage would leave them.
struct phased_case
{
    std::size_t N = 0, W = 0;
    std::vector<std::int8_t> g; // sample-major
    std::vector<std::int32_t> slot;
    std::size_t missing = 0;
    geno::haplotype_panel panel;
    std::vector<double> jump;
};

inline phased_case make_phased_case(geno::hapcluster_params const & p, std::size_t N, std::uint64_t sim_seed,
                                    std::uint64_t draw_seed)
{
    phased_case c;
    c.N = N;
    c.W = p.M;
    c.g = simulate_hapcluster(p, c.N, 0.08, sim_seed);
    c.slot.assign(c.N * c.W, -1);
    std::int32_t next = 0;
    for (std::size_t m = 0; m < c.W; ++m)
        for (std::size_t i = 0; i < c.N; ++i)
            if (c.g[i * c.W + m] == geno::missing_genotype)
                c.slot[i * c.W + m] = next++;
    c.missing = static_cast<std::size_t>(next);
    c.panel.n_samples = c.N;
    c.panel.n_markers = c.W;
    c.panel.hap.resize(2 * c.N * c.W);
    for (std::size_t i = 0; i < c.N; ++i)
    {
        rng r{draw_seed, i};
        geno::haplotype_draw const d{&r, c.panel.row(2 * i), c.panel.row(2 * i + 1)};
        geno::hapcluster_forward_backward(p, std::span<std::int8_t const>{c.g.data() + i * c.W, c.W}, nullptr,
                                          nullptr, nullptr, &d);
    }
    c.jump = p.jump;
    return c;
}

} // namespace emtk::test
