#pragma once
// Simulated data sets for the mixture tests (seeded: every test is reproducible).

#include <emtk/mix/dataset.hpp>
#include <emtk/util/rng.hpp>

#include <array>
#include <cmath>
#include <vector>

namespace emtk::mix::test {

/// 1-D Gaussian mixture.
inline dataset gaussian_1d(std::size_t n, std::vector<double> const & w, std::vector<double> const & mu,
                           std::vector<double> const & sd, std::uint64_t seed)
{
    rng gen{seed};
    dataset d;
    d.n = n;
    d.d = 1;
    d.names = {"x"};
    for (std::size_t i = 0; i < n; ++i)
    {
        std::size_t k = gen.categorical(w);
        d.values.push_back(gen.normal(mu[k], sd[k]));
    }
    return d;
}

/// 2-D Gaussian mixture with full covariances given as {s11, s12, s22}.
inline dataset gaussian_2d(std::size_t n, std::vector<double> const & w, std::vector<std::array<double, 2>> const & mu,
                           std::vector<std::array<double, 3>> const & cov, std::uint64_t seed)
{
    rng gen{seed};
    dataset d;
    d.n = n;
    d.d = 2;
    d.names = {"x", "y"};
    for (std::size_t i = 0; i < n; ++i)
    {
        std::size_t k = gen.categorical(w);
        double l11 = std::sqrt(cov[k][0]);
        double l21 = cov[k][1] / l11;
        double l22 = std::sqrt(cov[k][2] - l21 * l21);
        double z1 = gen.normal(), z2 = gen.normal();
        d.values.push_back(mu[k][0] + l11 * z1);
        d.values.push_back(mu[k][1] + l21 * z1 + l22 * z2);
    }
    return d;
}

/// Counts: Poisson (size <= 0) or negative binomial mixture.
inline dataset counts(std::size_t n, std::vector<double> const & w, std::vector<double> const & mean, double size,
                      std::uint64_t seed)
{
    rng gen{seed};
    dataset d;
    d.n = n;
    d.d = 1;
    d.names = {"count"};
    for (std::size_t i = 0; i < n; ++i)
    {
        std::size_t k = gen.categorical(w);
        auto v = size > 0 ? gen.negative_binomial(mean[k], size) : gen.poisson(mean[k]);
        d.values.push_back(static_cast<double>(v));
    }
    return d;
}

} // namespace emtk::mix::test
