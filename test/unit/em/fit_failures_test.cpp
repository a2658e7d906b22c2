// em::fit: degenerate, diverging and exception-throwing models; decrease detection.
#include "em/fit_support.hpp"

using namespace emtk::test;
using emtk::test::quiet_log;

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

