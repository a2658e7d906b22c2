#pragma once
// Genotypes emitted by a known haplotype-cluster model (for parameter-recovery tests).

#include <emtk/geno/hapcluster.hpp>
#include <emtk/geno/impute.hpp>
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

} // namespace emtk::test
