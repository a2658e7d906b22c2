// em::fit with SQUAREM acceleration.
#include "em/fit_support.hpp"

using namespace emtk::test;
using emtk::test::quiet_log;

TEST_CASE("fit: SQUAREM reaches the same optimum in no more iterations, with a non-decreasing trace",
          "[em][fit]")
{
    // Overlapping components converge slowly under plain EM: SQUAREM's use case.
    gauss_mix const m{emtk::test::simulate_mixture(1000, 0.4, -1.0, 1.0, 555)};
    for (auto [rule, tol] : {std::pair{stop_rule::absolute, 1e-11}, std::pair{stop_rule::relative, 1e-14},
                             std::pair{stop_rule::aitken, 1e-9}})
    {
        em::options o;
        o.rule = rule;
        o.tol = tol;
        o.max_iter = 20000;
        o.seed = 9;
        auto const plain = em::fit(m, o);
        REQUIRE(plain.ok());
        REQUIRE(plain.reason == stop_reason::converged);

        int accelerated_points = 0;
        o.accelerate = true;
        o.on_iteration = [&](em::iteration_info const & info) { accelerated_points += info.accelerated; };
        auto const sq = em::fit(m, o);
        CAPTURE(em::to_string(rule), plain.iterations, sq.iterations, plain.e_steps, sq.e_steps);
        REQUIRE(sq.ok());
        CHECK(sq.reason == stop_reason::converged);
        CHECK(sq.decreases == 0);
        check_non_decreasing(sq.trace);
        CHECK(sq.objective == Approx(plain.objective).margin(1e-6));
        mix_params a = plain.params, b = sq.params;
        if ((a.mu1 < a.mu2) != (b.mu1 < b.mu2))
            b = {1 - b.w, b.mu2, b.mu1};
        CHECK(a.w == Approx(b.w).margin(1e-4));
        CHECK(a.mu1 == Approx(b.mu1).margin(1e-4));
        CHECK(a.mu2 == Approx(b.mu2).margin(1e-4));
        CHECK(accelerated_points > 0);
        CHECK(sq.iterations <= plain.iterations);
        CHECK(sq.e_steps <= plain.e_steps);
        CHECK(sq.e_steps >= sq.iterations);
    }
}

TEST_CASE("fit: SQUAREM on a linear EM map lands exactly on the fixed point", "[em][fit]")
{
    // M(x) = x/2 is linear, so the S3 extrapolation with the unclamped step alpha = |r|/|v| = 2 is
    // exact: x' = x0 + 2 alpha r + alpha^2 v = x0 - 2 x0 + x0 = 0, the optimum; M(0) = 0.
    geometric_vector_model m;
    m.start = 1024;
    m.rate = 0.5;
    em::options o;
    o.accelerate = true;
    std::vector<bool> accelerated;
    o.on_iteration = [&](em::iteration_info const & info) { accelerated.push_back(info.accelerated); };
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    CHECK(res.reason == stop_reason::converged);
    CHECK(res.params == 0.0);
    CHECK(res.objective == 0.0);
    CHECK(res.decreases == 0);
    check_non_decreasing(res.trace);
    CHECK(accelerated.size() == res.trace.size());
    CHECK(std::count(accelerated.begin(), accelerated.end(), true) >= 1);
    CHECK(res.iterations <= 10);
    CHECK(res.e_steps >= res.iterations);

    // The log-likelihood is reported without the prior in accelerated runs too.
    geometric_vector_model with_prior = m;
    with_prior.prior = -7.0;
    auto const p = em::fit(with_prior, o);
    CHECK(p.objective == -7.0);
    CHECK(p.log_likelihood == 0.0);

    // Without acceleration the same model needs many more iterations (and never reaches 0 exactly).
    o.accelerate = false;
    auto const plain = em::fit(m, o);
    CHECK(plain.iterations > 30);
    CHECK(plain.params != 0.0);
}

TEST_CASE("fit: SQUAREM falls back to plain EM when the extrapolation is worse or invalid", "[em][fit]")
{
    auto o = rule_options(stop_rule::absolute, 1e-3);
    o.accelerate = true;
    std::vector<bool> accelerated;
    o.on_iteration = [&](em::iteration_info const & info) { accelerated.push_back(info.accelerated); };

    // With every extrapolation rejected, the trace holds θ1, θ2, θ3, ... of plain EM: exactly the
    // closed-form geometric trace, with no accelerated point.
    auto check_plain_sequence = [&](auto const & res) {
        REQUIRE(res.ok());
        CHECK(res.reason == stop_reason::converged);
        CHECK(res.decreases == 0);
        auto const expected = geometric_trace(geometric_model{}, res.iterations);
        REQUIRE(res.trace.size() == expected.size());
        for (std::size_t t = 0; t < expected.size(); ++t)
            REQUIRE(res.trace[t] == Approx(expected[t]).epsilon(1e-13).margin(1e-15));
        CHECK(std::count(accelerated.begin(), accelerated.end(), true) == 0);
        // It stops no earlier than plain EM with the same rule (t = 57), and not much later.
        CHECK(res.iterations >= 57);
        CHECK(res.iterations <= 60);
    };

    SECTION("extrapolated point with a lower objective is rejected")
    {
        // from_vector is deliberately inconsistent: every extrapolated point lands at x = 1e6.
        struct worse : geometric_vector_model
        {
            void from_vector(std::vector<double> const &, double & x) const { x = 1e6; }
        };
        auto const res = em::fit(worse{}, o);
        check_plain_sequence(res);
        // Rejected extrapolations cost extra E-steps.
        CHECK(res.e_steps > res.iterations);
    }
    SECTION("extrapolated point that the model calls degenerate is skipped")
    {
        struct refuses : geometric_vector_model
        {
            void from_vector(std::vector<double> const &, double &) const
            {
                throw em::degenerate_error("negative variance");
            }
        };
        auto const res = em::fit(refuses{}, o);
        check_plain_sequence(res);
        CHECK(res.e_steps == res.iterations); // no E-step was spent on a refused point
    }
}

TEST_CASE("fit: accelerate on a model without a vector form runs plain EM", "[em][fit]")
{
    geometric_model const m;
    auto o = rule_options(stop_rule::aitken, 1e-3);
    auto const plain = em::fit(m, o);
    o.accelerate = true;
    auto const res = em::fit(m, o);
    CHECK(res.trace == plain.trace);
    CHECK(res.e_steps == plain.e_steps);
}

TEST_CASE("fit: SQUAREM respects max_iter", "[em][fit]")
{
    gauss_mix const m{separated_data()};
    em::options o;
    o.accelerate = true;
    o.rule = stop_rule::absolute;
    o.tol = 0;
    for (int max_iter : {1, 2, 3, 10})
    {
        o.max_iter = max_iter;
        auto const res = em::fit(m, o);
        CAPTURE(max_iter);
        CHECK(res.iterations == max_iter);
        CHECK(res.reason == stop_reason::max_iter);
    }
}

