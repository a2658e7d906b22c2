// The vectorised one-column Gaussian E-step against libm and against the per-item path.

#include <catch2/catch.hpp>

#include "mix/gauss1d_kernel.hpp"
#include "mix/simulate.hpp"

#include <emtk/em/logspace.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/util/rng.hpp>

#include <cmath>
#include <vector>

using namespace emtk;
using namespace emtk::mix::detail;

TEST_CASE("exp_poly is within 5e-16 relative of libm's exp", "[mix][kernel]")
{
    double worst = 0;
    for (int i = 0; i <= 2000000; ++i)
    {
        double const x = -708.0 + 1417.0 * i / 2000000.0;
        double const e = std::exp(x);
        worst = std::max(worst, std::fabs(exp_poly_checked(x) - e) / e);
    }
    CHECK(worst < 5e-16);
    CHECK(exp_poly_checked(0.0) == 1.0);
    CHECK(exp_poly_checked(-709.0) == 0.0);
    CHECK(exp_poly_checked(-1e300) == 0.0);
    CHECK(exp_poly_checked(-std::numeric_limits<double>::infinity()) == 0.0);
}

TEST_CASE("log_poly is within 3e-16 relative (or 1e-16 absolute) of libm's log", "[mix][kernel]")
{
    double worst = 0;
    emtk::rng gen{5};
    for (int i = 0; i < 1000000; ++i)
    {
        // Spread over many binades, and densely near 1 where log is small.
        double const x = (i % 2 == 0) ? std::exp(gen.uniform() * 1400 - 700) : 1.0 + (gen.uniform() - 0.5) * 1e-3;
        double const l = std::log(x);
        worst = std::max(worst, std::fabs(log_poly_checked(x) - l) / std::max(std::fabs(l), 0.5));
    }
    CHECK(worst < 3e-16);
    CHECK(log_poly_checked(1.0) == 0.0);
    CHECK(log_poly_checked(2.0) == Approx(std::log(2.0)).epsilon(1e-16));
}

TEST_CASE("gauss1d_estep equals the per-item E-step", "[mix][kernel]")
{
    auto data = mix::test::gaussian_1d(10007, {0.2, 0.5, 0.3}, {-3, 0, 40}, {1, 2, 0.5}, 77);
    int const k = 3;
    std::vector<double> const lnorm{-2.1, -1.4, -3.0}, mu{-3.1, 0.2, 40.0}, ivar{1.1, 0.26, 3.9};
    std::vector<double> stats(3 * k, 0.0), resp(data.n * k);
    double const ll = gauss1d_estep(data.values.data(), data.n, k, lnorm.data(), mu.data(), ivar.data(),
                                    stats.data(), resp.data());
    double ll_ref = 0;
    std::vector<double> stats_ref(3 * k, 0.0);
    double worst_resp = 0;
    for (std::size_t i = 0; i < data.n; ++i)
    {
        double const x = data.values[i];
        double lp[3];
        for (int c = 0; c < k; ++c)
            lp[c] = lnorm[c] - 0.5 * ivar[c] * (x - mu[c]) * (x - mu[c]);
        ll_ref += em::log_normalize(std::span<double>{lp, 3});
        for (int c = 0; c < k; ++c)
        {
            stats_ref[3 * c] += lp[c];
            stats_ref[3 * c + 1] += lp[c] * x;
            stats_ref[3 * c + 2] += lp[c] * x * x;
            worst_resp = std::max(worst_resp, std::fabs(resp[i * k + c] - lp[c]));
        }
    }
    CHECK(ll == Approx(ll_ref).epsilon(1e-13));
    CHECK(worst_resp < 1e-14);
    for (int j = 0; j < 3 * k; ++j)
        CHECK(stats[j] == Approx(stats_ref[j]).epsilon(1e-12).margin(1e-12));
    // Outliers far from every component (lp - max below -708 for the others) give one-hot posteriors.
    double const far[2] = {1e6, -1e6};
    std::vector<double> r(2 * k);
    double const llf = gauss1d_estep(far, 2, k, lnorm.data(), mu.data(), ivar.data(), nullptr, r.data());
    CHECK(std::isfinite(llf));
    // Far out, the widest component (smallest precision, index 1) takes everything.
    CHECK(r[1] == 1.0);
    CHECK(r[0] + r[1] + r[2] == 1.0);
    CHECK(r[k + 1] == 1.0);
    CHECK(r[k + 0] + r[k + 1] + r[k + 2] == 1.0);
}
