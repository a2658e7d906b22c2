// em::fit: stop rules, iteration limits, callbacks, final M-step.
#include "em/fit_support.hpp"

using namespace emtk::test;
using emtk::test::quiet_log;


// ------------------------------------------------------------------------------------------------
// The geometric toy: exact stopping iterations.
// ------------------------------------------------------------------------------------------------

TEST_CASE("fit: the geometric toy follows its closed-form trace", "[em][fit]")
{
    geometric_model const m;
    auto const res = em::fit(m, rule_options(stop_rule::absolute, 1e-3));
    REQUIRE(res.ok());
    auto const expected = geometric_trace(m, res.iterations);
    REQUIRE(res.trace.size() == expected.size());
    for (std::size_t t = 0; t < expected.size(); ++t)
        CHECK(res.trace[t] == Approx(expected[t]).epsilon(1e-13).margin(1e-15));
    CHECK(res.iterations == static_cast<int>(res.trace.size()));
    CHECK(res.objective == res.trace.back());
    CHECK(res.log_likelihood == res.objective); // no prior
    CHECK(res.e_steps == res.iterations);      // plain EM: one E-step per iteration
    // The parameters are those at which the last objective was evaluated: no M-step after stopping.
    CHECK(-res.params == Approx(res.trace.back()).epsilon(1e-13));
    CHECK(res.decreases == 0);
    CHECK(res.best_restart == 0);
    REQUIRE(res.restarts.size() == 1);
    CHECK(res.restarts[0].iterations == res.iterations);
    CHECK(res.restarts[0].objective == res.objective);
    CHECK(res.restarts[0].reason == stop_reason::converged);
}

TEST_CASE("fit: each stop rule stops the geometric toy at the predicted iteration", "[em][fit]")
{
    // start = 1000, rate = 0.8: L_t = -1000 * 0.8^(t-1), step L_t - L_{t-1} = 200 * 0.8^(t-2).
    geometric_model m;

    SECTION("absolute, tol 1e-3: first t with 200 * 0.8^(t-2) < 1e-3 is t = 57")
    {
        auto const res = em::fit(m, rule_options(stop_rule::absolute, 1e-3));
        CHECK(res.reason == stop_reason::converged);
        CHECK(res.iterations == 57);
    }
    SECTION("absolute, tol 1e-6: t = 88")
    {
        auto const res = em::fit(m, rule_options(stop_rule::absolute, 1e-6));
        CHECK(res.reason == stop_reason::converged);
        CHECK(res.iterations == 88);
    }
    SECTION("relative, tol 1e-6, objective offset by a prior of -1e6: step < ~1, t = 26")
    {
        m.prior = -1e6;
        auto const res = em::fit(m, rule_options(stop_rule::relative, 1e-6));
        CHECK(res.reason == stop_reason::converged);
        CHECK(res.iterations == 26);
        // objective = log-likelihood + log prior
        CHECK(res.log_likelihood == Approx(res.objective + 1e6).margin(1e-9)); // |L| = 1e6: ulp 1.2e-10
        CHECK(res.log_likelihood == Approx(-1000 * std::pow(0.8, 25)).epsilon(1e-9));
        // The absolute rule with the same tolerance needs many more iterations.
        CHECK(em::fit(m, rule_options(stop_rule::absolute, 1e-6)).iterations == 88);
    }
    SECTION("relative, tol 1e-3, |L| < 1 at the end: scale 1, same as absolute: t = 57")
    {
        auto const res = em::fit(m, rule_options(stop_rule::relative, 1e-3));
        CHECK(res.iterations == 57);
    }
    SECTION("aitken, tol 1e-3: the Aitken limit is exactly the optimum 0, first t with 1000 * 0.8^(t-1) < 1e-3 is 63")
    {
        auto const res = em::fit(m, rule_options(stop_rule::aitken, 1e-3));
        CHECK(res.reason == stop_reason::converged);
        CHECK(res.iterations == 63);
        CHECK(std::fabs(res.objective) < 1e-3);
        CHECK(std::fabs(res.trace[res.trace.size() - 2]) >= 1e-3);
    }
    SECTION("aitken is unaffected by a constant prior: t = 63")
    {
        m.prior = -1e6;
        auto const res = em::fit(m, rule_options(stop_rule::aitken, 1e-3));
        CHECK(res.iterations == 63);
    }
}

TEST_CASE("fit: min_iter and max_iter", "[em][fit]")
{
    geometric_model const m;

    SECTION("a huge tolerance stops after 2 iterations (the rules need 2 values) unless min_iter is larger")
    {
        for (int min_iter : {0, 1, 2})
        {
            auto o = rule_options(stop_rule::absolute, 1e9);
            o.min_iter = min_iter;
            auto const res = em::fit(m, o);
            CHECK(res.iterations == 2);
            CHECK(res.reason == stop_reason::converged);
        }
        auto o = rule_options(stop_rule::absolute, 1e9);
        o.min_iter = 7;
        auto const res = em::fit(m, o);
        CHECK(res.iterations == 7);
        CHECK(res.reason == stop_reason::converged);
    }
    SECTION("min_iter beyond the natural stop delays it")
    {
        auto o = rule_options(stop_rule::absolute, 1e-3);
        o.min_iter = 70;
        auto const res = em::fit(m, o);
        CHECK(res.iterations == 70);
        CHECK(res.reason == stop_reason::converged);
        o.min_iter = 10; // below the natural stop: no effect
        CHECK(em::fit(m, o).iterations == 57);
    }
    SECTION("max_iter: the trace holds exactly max_iter values and the reason is max_iter")
    {
        auto o = rule_options(stop_rule::absolute, 1e-3);
        o.max_iter = 56;
        auto res = em::fit(m, o);
        CHECK(res.iterations == 56);
        CHECK(res.trace.size() == 56);
        CHECK(res.reason == stop_reason::max_iter);
        CHECK(res.restarts[0].reason == stop_reason::max_iter);
        CHECK(res.ok()); // stopping at max_iter is still a usable result
        CHECK(-res.params == Approx(res.trace.back()).epsilon(1e-13));

        // Converging on the last allowed iteration counts as converged.
        o.max_iter = 57;
        res = em::fit(m, o);
        CHECK(res.iterations == 57);
        CHECK(res.reason == stop_reason::converged);

        o.max_iter = 1;
        res = em::fit(m, o);
        CHECK(res.iterations == 1);
        CHECK(res.reason == stop_reason::max_iter);
        CHECK(res.params == m.start); // no M-step was run
    }
    SECTION("tol 0 never converges")
    {
        auto o = rule_options(stop_rule::absolute, 0.0);
        o.max_iter = 100;
        auto const res = em::fit(m, o);
        CHECK(res.iterations == 100);
        CHECK(res.reason == stop_reason::max_iter);
    }
}

TEST_CASE("fit: the E-step sees every item once per iteration, whatever the chunking", "[em][fit]")
{
    // geometric_model::maximize throws std::logic_error if the merged statistics miss an item.
    geometric_model m;
    m.n = 1000;
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{5000}})
        for (int threads : {1, 2, 3})
        {
            auto o = rule_options(stop_rule::absolute, 1e-3);
            o.chunk_size = chunk;
            o.threads = threads;
            CAPTURE(chunk, threads);
            auto const res = em::fit(m, o);
            CHECK(res.iterations == 57);
        }
}

TEST_CASE("fit: the per-iteration callback is called once per trace entry, in order", "[em][fit]")
{
    geometric_model const m;
    std::vector<em::iteration_info> seen;
    auto o = rule_options(stop_rule::absolute, 1e-3);
    o.restarts = 3;
    o.on_iteration = [&](em::iteration_info const & info) { seen.push_back(info); };
    auto const res = em::fit(m, o);

    std::size_t total = 0;
    for (auto const & r : res.restarts)
        total += static_cast<std::size_t>(r.iterations);
    REQUIRE(seen.size() == total);
    REQUIRE(total == 3 * 57);

    std::size_t k = 0;
    for (int r = 0; r < 3; ++r)
    {
        auto const expected = geometric_trace(m, 57);
        for (int t = 1; t <= 57; ++t, ++k)
        {
            auto const & info = seen[k];
            CAPTURE(r, t);
            REQUIRE(info.restart == r);
            REQUIRE(info.restarts == 3);
            REQUIRE(info.iteration == t);
            REQUIRE(info.objective == Approx(expected[static_cast<std::size_t>(t - 1)]).epsilon(1e-13));
            if (t == 1)
                REQUIRE(info.change == 0.0);
            else
                REQUIRE(info.change == Approx(expected[static_cast<std::size_t>(t - 1)] -
                                              expected[static_cast<std::size_t>(t - 2)])
                                           .epsilon(1e-9));
            REQUIRE_FALSE(info.accelerated);
        }
    }
    // The winner's trace is what the callback saw for that restart (ties: the lowest index wins).
    CHECK(res.best_restart == 0);
    for (std::size_t t = 0; t < res.trace.size(); ++t)
        CHECK(seen[t].objective == res.trace[t]);
}

TEST_CASE("fit: the callback's restart count is the number of runs actually made", "[em][fit]")
{
    // iteration_info::restarts is "number of restarts in this fit" (a progress bar shows
    // "restart r+1 of restarts"). fit() runs max(1, options.restarts) restarts, and the overload
    // with a given start runs exactly one.
    geometric_model const m;
    auto o = rule_options(stop_rule::absolute, 1e-3);
    std::vector<em::iteration_info> seen;
    o.on_iteration = [&](em::iteration_info const & info) { seen.push_back(info); };

    o.restarts = 0;
    auto const res = em::fit(m, o);
    REQUIRE(res.restarts.size() == 1);
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.front().restarts == 1);
    CHECK(seen.front().restart < seen.front().restarts);

    seen.clear();
    o.restarts = 4;
    auto const from_start = em::fit(m, 1000.0, o);
    REQUIRE(from_start.restarts.size() == 1);
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.front().restarts == 1);
}

// ------------------------------------------------------------------------------------------------
// Failures: degenerate, diverged, decreasing, exceptions.
// ------------------------------------------------------------------------------------------------

TEST_CASE("fit: final_m_step returns the parameters one M-step past the stop, evaluated", "[em][fit]")
{
    geometric_model const m;
    em::options o = rule_options(stop_rule::absolute, 1e-3);
    auto const plain = em::fit(m, o);
    o.final_m_step = true;
    auto const polished = em::fit(m, o);
    REQUIRE(plain.reason == stop_reason::converged);
    REQUIRE(polished.reason == stop_reason::converged);
    // Same stop, then one more M-step and its evaluation.
    REQUIRE(polished.trace.size() == plain.trace.size() + 1);
    CHECK(std::equal(plain.trace.begin(), plain.trace.end(), polished.trace.begin()));
    CHECK(polished.params == plain.params * m.rate);
    CHECK(polished.objective == polished.trace.back());
    CHECK(polished.objective >= plain.objective);
    CHECK(polished.e_steps == plain.e_steps + 1);
    // Not applied when the run ends at max_iter.
    o.max_iter = 5;
    auto const capped = em::fit(m, o);
    CHECK(capped.reason == stop_reason::max_iter);
    CHECK(capped.trace.size() == 5);
}

