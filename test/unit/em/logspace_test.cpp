#include <emtk/em/logspace.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

using emtk::em::fast_log_add;
using emtk::em::log_add;
using emtk::em::log_normalize;
using emtk::em::log_sum_exp;
using emtk::em::log_zero;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
/// The documented error bound of fast_log_add (logspace.hpp): 5e-7 nats for all finite inputs.
constexpr double fast_bound = 5e-7;
} // namespace

TEST_CASE("logspace: log_add agrees with the naive formula where the naive one is safe", "[em][logspace]")
{
    for (double a = -30; a <= 30; a += 0.37)
        for (double b = -30; b <= 30; b += 0.41)
        {
            double const naive = std::log(std::exp(a) + std::exp(b));
            double const got = log_add(a, b);
            CAPTURE(a, b);
            REQUIRE(std::fabs(got - naive) <= 1e-14 * std::max(1.0, std::fabs(naive)));
            REQUIRE(got == log_add(b, a)); // symmetric, exactly
            REQUIRE(got >= std::max(a, b)); // adding a probability never lowers the sum
            REQUIRE(got <= std::max(a, b) + std::log(2.0) + 1e-15);
        }
}

TEST_CASE("logspace: log_add where the naive formula under- or overflows", "[em][logspace]")
{
    // exp(-1000) underflows to 0, exp(1000) overflows: log_add is exact anyway.
    CHECK(log_add(-1000, -1000) == Approx(-1000 + std::log(2.0)).epsilon(1e-15));
    CHECK(log_add(1000, 1000) == Approx(1000 + std::log(2.0)).epsilon(1e-15));
    CHECK(log_add(-1000, -1001) == Approx(-1000 + std::log1p(std::exp(-1.0))).epsilon(1e-15));
    // A negligible term leaves the larger one unchanged.
    CHECK(log_add(0, -800) == 0.0);
}

TEST_CASE("logspace: log_add with log(0) = -inf", "[em][logspace]")
{
    CHECK(log_zero == -inf);
    CHECK(log_add(-3.5, log_zero) == -3.5);
    CHECK(log_add(log_zero, -3.5) == -3.5);
    CHECK(log_add(log_zero, log_zero) == log_zero);
    CHECK(log_add(700, log_zero) == 700);
}

TEST_CASE("logspace: log_sum_exp of empty and all -inf inputs is -inf", "[em][logspace]")
{
    std::vector<double> const empty;
    CHECK(log_sum_exp(empty) == log_zero);
    std::vector<double> const zeros(5, log_zero);
    CHECK(log_sum_exp(zeros) == log_zero);
}

TEST_CASE("logspace: log_sum_exp equals the pairwise log_add fold and the naive sum", "[em][logspace]")
{
    emtk::rng g{17};
    for (int rep = 0; rep < 200; ++rep)
    {
        std::size_t const n = 1 + g.below(20);
        std::vector<double> xs(n);
        double naive = 0;
        for (auto & x : xs)
        {
            x = g.normal(0.0, 10.0);
            naive += std::exp(x);
        }
        if (g.below(4) == 0)
            xs[g.below(n)] = log_zero; // some zero probabilities
        naive = 0;
        for (double x : xs)
            naive += std::exp(x);
        double fold = log_zero;
        for (double x : xs)
            fold = log_add(fold, x);
        double const lse = log_sum_exp(xs);
        CAPTURE(n);
        REQUIRE(lse == Approx(std::log(naive)).epsilon(1e-13).margin(1e-13));
        REQUIRE(lse == Approx(fold).epsilon(1e-13).margin(1e-13));
    }
    // Large magnitudes: shifted by the max, no overflow.
    std::vector<double> const big{1000, 1000, 1000};
    CHECK(log_sum_exp(big) == Approx(1000 + std::log(3.0)).epsilon(1e-15));
    std::vector<double> const small{-1e4, -1e4 - std::log(3.0), log_zero};
    CHECK(log_sum_exp(small) == Approx(-1e4 + std::log(4.0 / 3.0)).epsilon(1e-15));
}

TEST_CASE("logspace: log_normalize gives probabilities summing to 1 and returns the log of the sum",
          "[em][logspace]")
{
    emtk::rng g{23};
    for (int rep = 0; rep < 200; ++rep)
    {
        std::size_t const n = 1 + g.below(30);
        std::vector<double> xs(n);
        for (auto & x : xs)
            x = g.normal(-500.0, 20.0); // all underflow in linear space
        if (n > 1)
            xs[0] = log_zero;
        std::vector<double> const orig = xs;
        double const expected = log_sum_exp(orig);
        double const got = log_normalize(xs);
        REQUIRE(got == expected);
        double const sum = std::accumulate(xs.begin(), xs.end(), 0.0);
        REQUIRE(sum == Approx(1.0).epsilon(1e-14));
        for (std::size_t i = 0; i < n; ++i)
        {
            REQUIRE(xs[i] >= 0.0);
            REQUIRE(xs[i] <= 1.0);
            // Each probability is exp(x_i - lse).
            REQUIRE(xs[i] == Approx(std::exp(orig[i] - expected)).epsilon(1e-13).margin(1e-300));
        }
        if (n > 1)
            REQUIRE(xs[0] == 0.0);
    }
}

TEST_CASE("logspace: log_normalize of all -inf leaves a uniform vector and returns -inf", "[em][logspace]")
{
    std::vector<double> xs(4, log_zero);
    CHECK(log_normalize(xs) == log_zero);
    CHECK(xs == std::vector<double>(4, 0.25));
    std::vector<double> empty;
    CHECK(log_normalize(empty) == log_zero);
}

TEST_CASE("logspace: fast_log_add is within 5e-7 nats of log_add on a dense grid of differences", "[em][logspace]")
{
    // Differences d = a - b in [0, 40]: inside the table ([0, 16)), at its end, and beyond. The step
    // is incommensurate with the table step 1/256 so that every interpolation phase is visited.
    double worst = 0;
    for (double const a : {0.0, -3.25, 12.5, -745.0})
    {
        bool symmetric = true;
        int violations = 0;
        for (double d = 0; d <= 40; d += 1.0 / 2711.0)
        {
            double const b = a - d;
            double const err = std::fabs(fast_log_add(a, b) - log_add(a, b));
            worst = std::max(worst, err);
            violations += !(err <= fast_bound); // NaN counts as a violation
            symmetric = symmetric && fast_log_add(b, a) == fast_log_add(a, b);
        }
        CAPTURE(a, worst);
        REQUIRE(violations == 0);
        REQUIRE(symmetric);
        // The table nodes themselves and the last interval before 16.
        for (int i = 0; i <= 4096; ++i)
        {
            double const d = i / 256.0;
            REQUIRE(std::fabs(fast_log_add(a, a - d) - log_add(a, a - d)) <= fast_bound);
        }
        double const last = std::nextafter(16.0, 0.0);
        REQUIRE(std::fabs(fast_log_add(a, a - last) - log_add(a, a - last)) <= fast_bound);
    }
    // The bound is not vacuous: interpolation does err, by close to h^2/32 = 4.8e-7 near d = 0.
    CHECK(worst > 1e-7);
}

TEST_CASE("logspace: fast_log_add is within 5e-7 nats of log_add on random pairs", "[em][logspace]")
{
    emtk::rng g{99};
    double worst = 0, worst_a = 0, worst_b = 0;
    int violations = 0;
    for (int i = 0; i < 200000; ++i)
    {
        double const scale = (i % 3 == 0) ? 5.0 : (i % 3 == 1 ? 50.0 : 500.0);
        double const a = g.normal(0.0, scale), b = g.normal(0.0, scale);
        double const err = std::fabs(fast_log_add(a, b) - log_add(a, b));
        violations += !(err <= fast_bound); // NaN counts as a violation
        if (err > worst)
        {
            worst = err;
            worst_a = a;
            worst_b = b;
        }
    }
    CAPTURE(worst, worst_a, worst_b);
    CHECK(violations == 0);
}

TEST_CASE("logspace: fast_log_add with -inf", "[em][logspace]")
{
    CHECK(fast_log_add(-2.0, log_zero) == -2.0);
    CHECK(fast_log_add(log_zero, -2.0) == -2.0);
    CHECK(fast_log_add(log_zero, log_zero) == log_zero);
    CHECK(fast_log_add(0.0, 0.0) == Approx(std::log(2.0)).margin(fast_bound));
}
