#include <emtk/em/fit.hpp>
#include <emtk/util/log.hpp>

#include "em/toy_models.hpp"
#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace em = emtk::em;
using em::stop_reason;
using em::stop_rule;
using emtk::test::gauss_mix;
using emtk::test::geometric_model;
using emtk::test::geometric_vector_model;
using emtk::test::mix_params;

namespace {

/// Restores the log level at scope exit (some tests provoke warnings on purpose).
struct quiet_log
{
    emtk::log::level saved = emtk::log::get_level();
    quiet_log() { emtk::log::set_level(emtk::log::level::error); }
    ~quiet_log() { emtk::log::set_level(saved); }
};

em::options rule_options(stop_rule rule, double tol)
{
    em::options o;
    o.rule = rule;
    o.tol = tol;
    o.max_iter = 1000;
    return o;
}

/// The closed-form trace of geometric_model: L_t = -start * rate^(t-1) + prior.
std::vector<double> geometric_trace(geometric_model const & m, int n)
{
    std::vector<double> v;
    double x = m.start;
    for (int t = 0; t < n; ++t)
    {
        v.push_back(-x + m.prior);
        x *= m.rate;
    }
    return v;
}

void check_non_decreasing(std::vector<double> const & trace)
{
    for (std::size_t t = 1; t < trace.size(); ++t)
    {
        CAPTURE(t, trace[t - 1], trace[t]);
        REQUIRE(trace[t] - trace[t - 1] >= -1e-12 * std::max(1.0, std::fabs(trace[t])));
    }
}

bool rel_close(double a, double b, double rel)
{
    return std::fabs(a - b) <= rel * std::max({1.0, std::fabs(a), std::fabs(b)});
}

bool params_close(mix_params const & a, mix_params const & b, double rel)
{
    return rel_close(a.w, b.w, rel) && rel_close(a.mu1, b.mu1, rel) && rel_close(a.mu2, b.mu2, rel);
}

/// Two well separated components: 0.3 N(-2, 1) + 0.7 N(1.5, 1).
std::vector<double> const & separated_data()
{
    static std::vector<double> const d = emtk::test::simulate_mixture(2000, 0.3, -2.0, 1.5, 2024);
    return d;
}

} // namespace

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

namespace {

/// Geometric toy whose M-step reports a degenerate state for starts drawn below 0.5.
struct sometimes_degenerate
{
    struct params
    {
        double x = 0;
        bool bad = false;
    };
    using params_type = params;
    using stats_type = emtk::test::item_count_stats;
    bool always_bad = false;

    std::size_t item_count() const { return 3; }
    stats_type make_stats(params const &) const { return {}; }
    double expect(std::size_t, params const & p, stats_type & s) const
    {
        ++s.items;
        return -p.x / 3.0;
    }
    void maximize(stats_type const &, params & p) const
    {
        if (p.bad)
            throw em::degenerate_error("component 2 lost all its points");
        p.x *= 0.5;
    }
    double log_prior(params const &) const { return 0; }
    void initialize(emtk::rng & r, params & p) const
    {
        double const u = r.uniform();
        p.x = 1 + 100 * u;
        p.bad = always_bad || u < 0.5;
    }
};

/// Geometric toy whose objective becomes NaN (or +inf) after `bad_after` M-steps.
struct diverging
{
    struct params
    {
        double x = 100;
        int steps = 0;
    };
    using params_type = params;
    using stats_type = emtk::test::item_count_stats;
    int bad_after = 3;
    double bad_value = std::nan("");

    std::size_t item_count() const { return 2; }
    stats_type make_stats(params const &) const { return {}; }
    double expect(std::size_t, params const & p, stats_type & s) const
    {
        ++s.items;
        return p.steps >= bad_after ? bad_value : -p.x / 2;
    }
    void maximize(stats_type const &, params & p) const
    {
        p.x *= 0.5;
        ++p.steps;
    }
    double log_prior(params const &) const { return 0; }
    void initialize(emtk::rng &, params & p) const { p = {}; }
};

/// initialize() itself reports a degenerate start.
struct bad_start : geometric_model
{
    void initialize(emtk::rng &, double &) const { throw em::degenerate_error("fewer points than components"); }
};

/// expect() throws an ordinary exception for some items.
struct throwing_items : geometric_model
{
    std::vector<std::size_t> bad;
    double expect(std::size_t i, double const & x, stats_type & s) const
    {
        if (std::find(bad.begin(), bad.end(), i) != bad.end())
            throw std::runtime_error("bad item " + std::to_string(i));
        return geometric_model::expect(i, x, s);
    }
};

} // namespace

TEST_CASE("fit: a degenerate M-step ends the restart, and when all restarts are degenerate, ok() is false",
          "[em][fit]")
{
    sometimes_degenerate m;
    m.always_bad = true;
    em::options o;
    o.restarts = 3;
    auto const res = em::fit(m, o);
    CHECK_FALSE(res.ok());
    CHECK(res.best_restart == -1);
    CHECK(res.reason == stop_reason::degenerate);
    CHECK(res.message == "component 2 lost all its points");
    CHECK(res.trace.empty());
    REQUIRE(res.restarts.size() == 3);
    for (int r = 0; r < 3; ++r)
    {
        CHECK(res.restarts[r].restart == r);
        CHECK(res.restarts[r].reason == stop_reason::degenerate);
        CHECK(res.restarts[r].message == "component 2 lost all its points");
        CHECK(res.restarts[r].iterations == 1); // one E-step, then the M-step threw
    }
}

TEST_CASE("fit: degenerate restarts never win", "[em][fit]")
{
    sometimes_degenerate const m;
    em::options o;
    o.restarts = 10;
    o.seed = 5;
    o.rule = stop_rule::absolute;
    o.tol = 1e-6;
    // Which restarts are bad is known from the streams rng{seed, r}.
    int n_bad = 0;
    for (int r = 0; r < 10; ++r)
    {
        emtk::rng g{o.seed, static_cast<std::uint64_t>(r)};
        n_bad += g.uniform() < 0.5;
    }
    REQUIRE(n_bad > 0);
    REQUIRE(n_bad < 10);

    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    REQUIRE(res.restarts.size() == 10);
    int degenerate = 0;
    for (auto const & s : res.restarts)
    {
        emtk::rng g{o.seed, static_cast<std::uint64_t>(s.restart)};
        bool const bad = g.uniform() < 0.5;
        CHECK((s.reason == stop_reason::degenerate) == bad);
        degenerate += s.reason == stop_reason::degenerate;
    }
    CHECK(degenerate == n_bad);
    CHECK(res.restarts[static_cast<std::size_t>(res.best_restart)].reason == stop_reason::converged);
    CHECK(res.reason == stop_reason::converged);
    CHECK(res.message.empty());
}

TEST_CASE("fit: a degenerate initialize ends the restart before any iteration", "[em][fit]")
{
    bad_start const m;
    em::options o;
    o.restarts = 2;
    auto const res = em::fit(m, o);
    CHECK_FALSE(res.ok());
    CHECK(res.reason == stop_reason::degenerate);
    CHECK(res.message == "fewer points than components");
    REQUIRE(res.restarts.size() == 2);
    CHECK(res.restarts[0].iterations == 0);
    CHECK(res.restarts[1].iterations == 0);
}

TEST_CASE("fit: a NaN or infinite objective stops the run as diverged", "[em][fit]")
{
    diverging m;
    em::options o;
    o.rule = stop_rule::absolute;
    o.tol = 0;
    SECTION("NaN")
    {
        auto const res = em::fit(m, o);
        CHECK_FALSE(res.ok());
        CHECK(res.reason == stop_reason::diverged);
        CHECK(res.message == "the objective became NaN at iteration 4");
        REQUIRE(res.restarts.size() == 1);
        CHECK(res.restarts[0].iterations == 3); // the non-finite value is not in the trace
        CHECK(res.restarts[0].objective == -25.0);
        CHECK(res.decreases == 0);
    }
    SECTION("+inf")
    {
        m.bad_value = std::numeric_limits<double>::infinity();
        m.bad_after = 1;
        auto const res = em::fit(m, o);
        CHECK_FALSE(res.ok());
        CHECK(res.reason == stop_reason::diverged);
        CHECK(res.message == "the objective became infinite at iteration 2");
    }
    SECTION("fit from a given start reports it the same way")
    {
        auto const res = em::fit(m, diverging::params{}, o);
        CHECK_FALSE(res.ok());
        CHECK(res.reason == stop_reason::diverged);
        CHECK(res.message == "the objective became NaN at iteration 4");
    }
}

TEST_CASE("fit: a wrong M-step that decreases the objective is counted and logged once", "[em][fit]")
{
    geometric_model m;
    m.rate = 1.25; // x grows, so the objective -x decreases at every iteration
    auto o = rule_options(stop_rule::absolute, 0.0);
    o.max_iter = 10;
    auto const saved = emtk::log::get_level();
    emtk::log::set_level(emtk::log::level::warning);
    emtk::test::stderr_capture cap;
    auto const res = em::fit(m, o);
    std::string const logged = cap.text();
    emtk::log::set_level(saved);

    CHECK(res.ok());
    CHECK(res.iterations == 10);
    CHECK(res.decreases == 9);
    // The largest decrease is the last: 1000 * 1.25^8 * 0.25.
    CHECK(res.largest_decrease == Approx(1000 * std::pow(1.25, 8) * 0.25).epsilon(1e-12));
    CHECK(logged == "[emtk] warning: EM objective decreased by 250.000000 at iteration 2 (restart 1): an E/M-step "
                    "bug or a too coarse approximation\n");
}

TEST_CASE("fit: decreases at round-off level are not counted", "[em][fit]")
{
    quiet_log quiet;
    geometric_model m;
    m.rate = 1 + 1e-13; // the objective -x drifts down by ~1e-10 per iteration: round-off for |L| = 1000
    auto o = rule_options(stop_rule::absolute, 0.0);
    o.max_iter = 20;
    CHECK(em::fit(m, o).decreases == 0);
    // ... but they are with a tolerance below that drift.
    o.decrease_tol = 1e-16;
    CHECK(em::fit(m, o).decreases == 19);
}

TEST_CASE("fit: decreases are summed over restarts", "[em][fit]")
{
    quiet_log quiet;
    geometric_model m;
    m.rate = 1.5;
    auto o = rule_options(stop_rule::absolute, 0.0);
    o.max_iter = 4;
    o.restarts = 3;
    auto const res = em::fit(m, o);
    CHECK(res.decreases == 9);
}

TEST_CASE("fit: model exceptions propagate, the lowest chunk's is rethrown for any thread count", "[em][fit]")
{
    throwing_items m;
    m.n = 1000;
    m.bad = {950, 150, 420};
    for (int threads : {1, 2, 3})
    {
        em::options o;
        o.chunk_size = 100;
        o.threads = threads;
        CAPTURE(threads);
        CHECK_THROWS_MATCHES(em::fit(m, o), std::runtime_error, Catch::Matchers::Message("bad item 150"));
    }
}

TEST_CASE("fit: a degenerate_error thrown in the E-step ends the restart as degenerate", "[em][fit]")
{
    struct e_degenerate : geometric_model
    {
        double expect(std::size_t, double const &, stats_type &) const
        {
            throw em::degenerate_error("empty window set");
        }
    };
    auto const res = em::fit(e_degenerate{}, em::options{});
    CHECK_FALSE(res.ok());
    CHECK(res.reason == stop_reason::degenerate);
    CHECK(res.message == "empty window set");
}

// ------------------------------------------------------------------------------------------------
// e_step: deterministic fixed-order reduction.
// ------------------------------------------------------------------------------------------------

namespace {

/// Records the order in which item statistics were merged, and returns an item-dependent value.
struct order_model
{
    struct stats
    {
        std::vector<std::size_t> items;
        stats & operator+=(stats const & o)
        {
            items.insert(items.end(), o.items.begin(), o.items.end());
            return *this;
        }
    };
    using params_type = double;
    using stats_type = stats;
    std::size_t n = 0;

    std::size_t item_count() const { return n; }
    stats_type make_stats(double const &) const { return {}; }
    static double value(std::size_t i) { return std::log(static_cast<double>(i) + 1.5) * 0.1 - 1.0 / (i + 3.0); }
    double expect(std::size_t i, double const &, stats_type & s) const
    {
        s.items.push_back(i);
        return value(i);
    }
    void maximize(stats_type const &, double &) const {}
    double log_prior(double const &) const { return 0; }
    void initialize(emtk::rng &, double &) const {}
};

} // namespace

TEST_CASE("e_step: statistics are merged in item order and sums are evaluated chunk by chunk", "[em][fit]")
{
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{200}, std::size_t{5000}})
        for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{64}, std::size_t{1024}})
            for (int threads : {1, 2, 3})
            {
                order_model m;
                m.n = n;
                em::options o;
                o.chunk_size = chunk;
                o.threads = threads;
                order_model::stats total;
                total.items = {999999}; // must be reset
                double const ll = em::e_step(m, 0.0, total, o);
                CAPTURE(n, chunk, threads);
                // Every item exactly once, in order (chunk order, waves included: 5000/1 = 79 waves of 64).
                REQUIRE(total.items.size() == n);
                for (std::size_t i = 0; i < n; ++i)
                    REQUIRE(total.items[i] == i);
                // The documented evaluation order: sequential within a chunk, chunks added in order.
                double expected = 0;
                for (std::size_t b = 0; b < n; b += chunk)
                {
                    double part = 0;
                    for (std::size_t i = b; i < std::min(n, b + chunk); ++i)
                        part += order_model::value(i);
                    expected += part;
                }
                REQUIRE(ll == expected);
            }
}

// ------------------------------------------------------------------------------------------------
// A real model: two-component Gaussian mixture.
// ------------------------------------------------------------------------------------------------

TEST_CASE("fit: the Gaussian mixture's objective never decreases and the fit recovers the truth", "[em][fit]")
{
    gauss_mix const m{separated_data()};
    em::options o;
    o.restarts = 3;
    o.tol = 1e-10;
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    CHECK(res.reason == stop_reason::converged);
    CHECK(res.decreases == 0);
    check_non_decreasing(res.trace);
    CHECK(res.trace.size() > 3);
    // Truth: 0.3 N(-2, 1) + 0.7 N(1.5, 1), n = 2000: the weight's s.e. is ~0.011 and the means' ~0.05.
    mix_params p = res.params;
    if (p.mu1 > p.mu2)
        p = {1 - p.w, p.mu2, p.mu1};
    CHECK(p.w == Approx(0.3).margin(0.05));
    CHECK(p.mu1 == Approx(-2.0).margin(0.2));
    CHECK(p.mu2 == Approx(1.5).margin(0.2));
    // At a fixed point of EM, one more iteration changes nothing (up to the tolerance).
    mix_params q = res.params;
    auto stats = m.make_stats(q);
    (void)em::e_step(m, q, stats, o);
    m.maximize(stats, q);
    CHECK(params_close(q, res.params, 1e-5));
}

TEST_CASE("fit: results are byte-identical for any thread count", "[em][fit]")
{
    gauss_mix const m{separated_data()};
    em::options o;
    o.rule = stop_rule::absolute;
    o.tol = 0; // a fixed number of iterations
    o.max_iter = 40;
    o.chunk_size = 16; // 125 chunks: two waves of at most 64
    o.restarts = 2;
    o.accelerate = GENERATE(false, true);
    o.threads = 1;
    auto const ref = em::fit(m, o);
    REQUIRE(ref.ok());
    REQUIRE(ref.iterations == 40);
    for (int threads : {2, 3, 0})
    {
        CAPTURE(o.accelerate, threads);
        o.threads = threads;
        m.max_thread = 0;
        auto const res = em::fit(m, o);
        CHECK(res.params == ref.params);
        CHECK(res.trace == ref.trace);
        CHECK(res.objective == ref.objective);
        CHECK(res.best_restart == ref.best_restart);
        CHECK(res.e_steps == ref.e_steps);
#if defined(_OPENMP)
        // The comparison is not vacuous: the E-step really ran in a team of several threads.
        if (threads > 1)
            CHECK(m.max_thread.load() > 0);
#endif
    }
}

TEST_CASE("fit: different chunk sizes agree to round-off", "[em][fit]")
{
    gauss_mix const m{separated_data()};
    em::options o;
    o.rule = stop_rule::absolute;
    o.tol = 0;
    o.max_iter = 40;
    o.chunk_size = 16;
    auto const ref = em::fit(m, o);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{1999}, std::size_t{100000}})
    {
        CAPTURE(chunk);
        o.chunk_size = chunk;
        o.threads = 2;
        auto const res = em::fit(m, o);
        REQUIRE(res.trace.size() == ref.trace.size());
        for (std::size_t t = 0; t < ref.trace.size(); ++t)
            REQUIRE(rel_close(res.trace[t], ref.trace[t], 1e-9));
        CHECK(params_close(res.params, ref.params, 1e-9));
    }
}

TEST_CASE("fit: restarts keep the best objective, and restart r starts from rng{seed, r}", "[em][fit]")
{
    // Three clusters fitted with two components, and only 3 iterations per restart: the restarts
    // end at clearly different objectives, so which one wins matters.
    std::vector<double> data;
    for (double c : {-4.0, 0.5, 4.0})
    {
        auto part = emtk::test::simulate_mixture(300, 1.0, c, c, static_cast<std::uint64_t>(100 + c));
        data.insert(data.end(), part.begin(), part.end());
    }
    gauss_mix const m{data};
    em::options o;
    o.restarts = 8;
    o.seed = 3;
    o.rule = stop_rule::absolute;
    o.tol = 0;
    o.max_iter = 3;
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    REQUIRE(res.restarts.size() == 8);

    int argmax = -1;
    double best = -std::numeric_limits<double>::infinity();
    double worst = std::numeric_limits<double>::infinity();
    for (int r = 0; r < 8; ++r)
    {
        auto const & s = res.restarts[static_cast<std::size_t>(r)];
        CHECK(s.restart == r);
        CHECK(s.iterations > 0);
        if (s.objective > best) // strict: ties go to the lowest index
        {
            best = s.objective;
            argmax = r;
        }
        worst = std::min(worst, s.objective);
    }
    CHECK(res.best_restart == argmax);
    CHECK(res.objective == best);
    CHECK(res.trace.back() == best);
    CHECK(res.iterations == res.restarts[static_cast<std::size_t>(argmax)].iterations);
    CHECK(worst < best - 1.0); // the restarts did end at different objectives: the choice mattered
    CHECK(res.best_restart != 0);

    // The winner is reproduced by a single run from initialize(rng{seed, best_restart}).
    mix_params start;
    emtk::rng g{o.seed, static_cast<std::uint64_t>(res.best_restart)};
    m.initialize(g, start);
    auto const again = em::fit(m, start, o);
    CHECK(again.trace == res.trace);
    CHECK(again.params == res.params);
    CHECK(again.best_restart == 0);
    CHECK(again.restarts.size() == 1);
}

TEST_CASE("fit: same seed gives identical results, another seed starts elsewhere", "[em][fit]")
{
    gauss_mix const m{separated_data()};
    em::options o;
    o.restarts = 2;
    o.seed = 77;
    auto const a = em::fit(m, o);
    auto const b = em::fit(m, o);
    CHECK(a.params == b.params);
    CHECK(a.trace == b.trace);
    CHECK(a.best_restart == b.best_restart);
    o.seed = 78;
    auto const c = em::fit(m, o);
    CHECK(c.trace.front() != a.trace.front()); // different random starts
    // ... but the same optimum on this easy problem.
    CHECK(rel_close(c.objective, a.objective, 1e-8));
}

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
