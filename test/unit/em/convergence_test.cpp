#include <emtk/em/convergence.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using emtk::em::has_converged;
using emtk::em::stop_rule;

namespace {

/// The first trace length t (>= 2) at which `rule` holds on the prefix trace[0..t), or 0 if never.
int first_stop(std::vector<double> const & trace, stop_rule rule, double tol)
{
    for (std::size_t t = 2; t <= trace.size(); ++t)
        if (has_converged(std::span<double const>{trace.data(), t}, rule, tol))
            return static_cast<int>(t);
    return 0;
}

/// L_t = -c r^t, t = 1..n: a linearly convergent trace with limit exactly 0.
std::vector<double> geometric(double c, double r, int n)
{
    std::vector<double> v;
    for (int t = 1; t <= n; ++t)
        v.push_back(-c * std::pow(r, t));
    return v;
}

} // namespace

TEST_CASE("convergence: too short a trace never converges", "[em][convergence]")
{
    std::vector<double> const none, one{-5.0}, two{-5.0, -5.0};
    for (auto rule : {stop_rule::absolute, stop_rule::relative, stop_rule::aitken})
    {
        CHECK_FALSE(has_converged(none, rule, 1e9));
        CHECK_FALSE(has_converged(one, rule, 1e9));
    }
    CHECK(has_converged(two, stop_rule::absolute, 1e-12));
    CHECK(has_converged(two, stop_rule::relative, 1e-12));
    CHECK_FALSE(has_converged(two, stop_rule::aitken, 1e9)); // Aitken needs 3 values
}

TEST_CASE("convergence: only the last step matters for absolute and relative", "[em][convergence]")
{
    // A big jump earlier in the trace does not prevent convergence now.
    std::vector<double> const t{-1000.0, -10.0, -10.0 + 1e-9};
    CHECK(has_converged(t, stop_rule::absolute, 1e-8));
    CHECK(has_converged(t, stop_rule::relative, 1e-9));
}

TEST_CASE("convergence: absolute rule |L_t - L_{t-1}| < tol, strict", "[em][convergence]")
{
    CHECK(has_converged(std::vector<double>{-10.0, -10.0 + 0.5e-3}, stop_rule::absolute, 1e-3));
    CHECK_FALSE(has_converged(std::vector<double>{-10.0, -10.0 + 2e-3}, stop_rule::absolute, 1e-3));
    CHECK_FALSE(has_converged(std::vector<double>{-10.0, -10.0 - 2e-3}, stop_rule::absolute, 1e-3)); // |.|
    CHECK(has_converged(std::vector<double>{-10.0, -10.0 - 0.5e-3}, stop_rule::absolute, 1e-3));
    CHECK_FALSE(has_converged(std::vector<double>{0.0, 0.25}, stop_rule::absolute, 0.25)); // strict <
    CHECK_FALSE(has_converged(std::vector<double>{-1.0, -1.0}, stop_rule::absolute, 0.0));
}

TEST_CASE("convergence: relative rule scales tol by max(1, |L_t|)", "[em][convergence]")
{
    // |L| = 1e6: a step of 0.5 is below 1e-6 * 1e6 = 1 (but not below an absolute 1e-6).
    std::vector<double> const big{-1e6, -1e6 + 0.5};
    CHECK(has_converged(big, stop_rule::relative, 1e-6));
    CHECK_FALSE(has_converged(big, stop_rule::absolute, 1e-6));
    std::vector<double> const big2{-1e6, -1e6 + 2.0};
    CHECK_FALSE(has_converged(big2, stop_rule::relative, 1e-6));
    // |L| < 1: the scale is 1, i.e. the rule is absolute.
    CHECK(has_converged(std::vector<double>{-0.5, -0.5 + 5e-7}, stop_rule::relative, 1e-6));
    CHECK_FALSE(has_converged(std::vector<double>{-0.5, -0.5 + 2e-6}, stop_rule::relative, 1e-6));
    CHECK(has_converged(std::vector<double>{-1e-3, -1e-3 + 5e-10}, stop_rule::relative, 1e-9)); // not 1e-9 * 1e-3
    // The scale is |L_t| (the last value), not |L_{t-1}|: |step| = 98.5 in both cases.
    CHECK(has_converged(std::vector<double>{-1.5, -100.0}, stop_rule::relative, 0.99));       // 98.5 < 99
    CHECK_FALSE(has_converged(std::vector<double>{-100.0, -1.5}, stop_rule::relative, 0.99)); // 98.5 > 1.485
}

TEST_CASE("convergence: Aitken on a geometric trace stops when the true distance to the limit is below tol",
          "[em][convergence]")
{
    // L_t = -c r^t has a_t = r and Aitken limit exactly 0, so |L_inf - L_t| = c r^t is the true error.
    double const c = 100.0, r = 0.9, tol = 1e-3;
    auto const trace = geometric(c, r, 400);
    int const stop = first_stop(trace, stop_rule::aitken, tol);
    // c r^t < tol  <=>  t > log(tol / c) / log(r) = 109.27: t = 110.
    CHECK(stop == 110);
    REQUIRE(stop >= 3);
    CHECK(std::fabs(trace[stop - 1]) < tol);  // really within tol of the limit when it stops
    CHECK(std::fabs(trace[stop - 2]) >= tol); // and not one iteration earlier

    // The absolute rule on the same trace stops too early: the step c r^{t-1} (1-r) < tol at t = 89,
    // when the objective is still 100 * 0.9^89 = 8.5e-3 > tol from its limit.
    int const stop_abs = first_stop(trace, stop_rule::absolute, tol);
    CHECK(stop_abs == 89);
    CHECK(std::fabs(trace[stop_abs - 1]) > 8 * tol);
}

TEST_CASE("convergence: Aitken for several rates and tolerances", "[em][convergence]")
{
    for (double r : {0.3, 0.5, 0.8, 0.95, 0.99})
        for (double tol : {1e-2, 1e-5, 1e-8})
        {
            double const c = 50.0;
            auto const trace = geometric(c, r, 5000);
            int const stop = first_stop(trace, stop_rule::aitken, tol);
            // Expected: the first t >= 3 with c r^t < tol.
            int expected = 3;
            while (c * std::pow(r, expected) >= tol)
                ++expected;
            CAPTURE(r, tol);
            // Allow one iteration of slack when c r^t is within round-off of tol.
            bool const near_tie = std::fabs(c * std::pow(r, expected) / tol - 1) < 1e-9 ||
                                  std::fabs(c * std::pow(r, expected - 1) / tol - 1) < 1e-9;
            if (near_tie)
                CHECK(std::abs(stop - expected) <= 1);
            else
                CHECK(stop == expected);
        }
}

TEST_CASE("convergence: Aitken refuses outside the linear regime 0 <= a < 1", "[em][convergence]")
{
    // Oscillating steps (a < 0): not converged, even with a huge tolerance... unless a step is 0.
    CHECK_FALSE(has_converged(std::vector<double>{-10.0, -5.0, -6.0}, stop_rule::aitken, 1e9));
    // Accelerating steps (a >= 1): no finite extrapolated limit.
    CHECK_FALSE(has_converged(std::vector<double>{-10.0, -9.0, -7.0}, stop_rule::aitken, 1e9));
    CHECK_FALSE(has_converged(std::vector<double>{-10.0, -9.0, -8.0}, stop_rule::aitken, 1e9)); // a = 1
    // Previous step 0, current step not: no ratio.
    CHECK_FALSE(has_converged(std::vector<double>{-9.0, -9.0, -8.0}, stop_rule::aitken, 1e9));
    // No change at all: at the limit.
    CHECK(has_converged(std::vector<double>{-10.0, -9.0, -9.0}, stop_rule::aitken, 1e-300));
    // A slowly (a close to 1) converging trace whose steps are tiny is NOT converged by Aitken
    // although the absolute rule says so: L_t = -1 * 0.9999^t, step ~1e-4 * 0.99.
    auto const slow = geometric(1.0, 0.9999, 10);
    CHECK(has_converged(slow, stop_rule::absolute, 2e-4));
    CHECK_FALSE(has_converged(slow, stop_rule::aitken, 2e-4));
}
