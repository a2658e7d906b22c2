// em::run_phases and em::best_of_restarts (phases.hpp) on toy models.
#include <emtk/em/phases.hpp>

#include "em/fit_support.hpp"

using namespace emtk::test;

namespace {

using geo_phase = em::phase<geometric_model>;

em::options fixed_iterations(int n)
{
    em::options o;
    o.rule = stop_rule::absolute;
    o.tol = 0; // never converged: exactly n iterations
    o.min_iter = n;
    o.max_iter = n;
    return o;
}

/// Geometric toy whose objective becomes infinite once x has fallen below `floor` (a phase that
/// diverges).
struct floored_geometric : geometric_model
{
    double floor = -1;
    double expect(std::size_t i, double const & x, stats_type & s) const
    {
        double const l = geometric_model::expect(i, x, s);
        return x < floor ? std::numeric_limits<double>::infinity() : l;
    }
};

} // namespace

TEST_CASE("run_phases: each phase starts where the previous ended, with its own setting", "[em][phases]")
{
    geometric_model m;
    m.start = 1000;
    m.rate = 0.8;
    std::vector<std::string> calls;
    std::vector<geo_phase> phases{
        {"fast", fixed_iterations(3), [&](geometric_model & g) { calls.push_back("enter fast"); g.rate = 0.5; },
         [&](geometric_model & g) { calls.push_back("leave fast"); g.rate = 0.8; }},
        {"", fixed_iterations(4), {}, {}}};
    auto const res = em::run_phases(m, 1000.0, phases);
    REQUIRE(res.ok());
    CHECK(calls == std::vector<std::string>{"enter fast", "leave fast"});
    CHECK(m.rate == 0.8);
    CHECK(res.phase_iterations == std::vector<int>{3, 4});
    CHECK(res.failed_phase == -1);
    // Phase 1 evaluates x = 1000, 500, 250 and stops there (max_iter: the parameters of the last
    // evaluation); phase 2 evaluates 250, 200, 160, 128 (rate 0.8): its trace is the result's.
    std::vector<double> const want{-250.0, -200.0, -160.0, -128.0};
    REQUIRE(res.trace.size() == want.size());
    for (std::size_t t = 0; t < want.size(); ++t)
        CHECK(res.trace[t] == Approx(want[t]));
    CHECK(res.iterations == 4);
    CHECK(res.objective == res.trace.back());
    CHECK(res.params == Approx(128.0));
    CHECK(res.e_steps == 7);
    REQUIRE(res.restarts.size() == 1);
    CHECK(res.restarts[0].iterations == 4);
    CHECK(res.restarts[0].objective == res.objective);
}

TEST_CASE("run_phases: the callbacks see the given restart and each phase's own iterations", "[em][phases]")
{
    geometric_model m;
    std::vector<std::pair<int, int>> seen; // (phase, iteration)
    auto cb = [&](int phase) {
        return [&seen, phase](em::iteration_info const & it) {
            CHECK(it.restart == 2);
            CHECK(it.restarts == 5);
            seen.emplace_back(phase, it.iteration);
        };
    };
    std::vector<geo_phase> phases{{"a", fixed_iterations(2), {}, {}}, {"b", fixed_iterations(1), {}, {}}};
    phases[0].opt.on_iteration = cb(0);
    phases[1].opt.on_iteration = cb(1);
    auto const res = em::run_phases(m, 10.0, phases, 2, 5);
    REQUIRE(res.ok());
    CHECK(seen == std::vector<std::pair<int, int>>{{0, 1}, {0, 2}, {1, 1}});
}

TEST_CASE("run_phases: a failing phase ends the run with its name, and its setting is undone", "[em][phases]")
{
    floored_geometric m;
    m.rate = 0.5;
    m.floor = 100; // diverges once x < 100: at the 5th evaluation from 1000
    bool left = false;
    std::vector<em::phase<floored_geometric>> phases{
        {"warm-up", fixed_iterations(10), [](floored_geometric &) {}, [&](floored_geometric &) { left = true; }},
        {"", fixed_iterations(3), {}, {}}};
    auto const res = em::run_phases(m, 1000.0, phases);
    CHECK_FALSE(res.ok());
    CHECK(left);
    CHECK(res.failed_phase == 0);
    CHECK(res.reason == stop_reason::diverged);
    CHECK(res.message == "warm-up: the objective became infinite at iteration 5");
    CHECK(res.iterations == 0); // the last phase never ran
    CHECK(res.phase_iterations == std::vector<int>{0}); // em::fit's iterations of a failed run
    REQUIRE(res.restarts.size() == 1);
    CHECK(res.restarts[0].message == res.message);

    // The same failure in the last (unnamed) phase, which starts at x = 1000 too: the bare message.
    phases[0].opt = fixed_iterations(1);
    phases[1].opt = fixed_iterations(10);
    auto const last = em::run_phases(m, 1000.0, phases);
    CHECK_FALSE(last.ok());
    CHECK(last.failed_phase == 1);
    CHECK(last.message == "the objective became infinite at iteration 5");
    CHECK(last.phase_iterations == std::vector<int>{1, 0});
}

TEST_CASE("best_of_restarts with one phase is em::fit with restarts", "[em][phases]")
{
    gauss_mix m{separated_data()};
    em::options o;
    o.restarts = 5;
    o.seed = 11;
    o.tol = 1e-10;
    auto const direct = em::fit(m, o);
    std::vector<em::phase<gauss_mix>> const one{{"", o, {}, {}}};
    auto const phased = em::best_of_restarts(o.restarts, o.seed, [&](int r, emtk::rng & gen) {
        mix_params start;
        m.initialize(gen, start);
        return em::run_phases(m, start, one, r, o.restarts);
    });
    REQUIRE(direct.ok());
    REQUIRE(phased.ok());
    CHECK(phased.best_restart == direct.best_restart);
    CHECK(phased.objective == direct.objective);
    CHECK(phased.params == direct.params);
    CHECK(phased.trace == direct.trace);
    REQUIRE(phased.restarts.size() == direct.restarts.size());
    for (std::size_t r = 0; r < direct.restarts.size(); ++r)
    {
        CHECK(phased.restarts[r].restart == direct.restarts[r].restart);
        CHECK(phased.restarts[r].objective == direct.restarts[r].objective);
        CHECK(phased.restarts[r].iterations == direct.restarts[r].iterations);
        CHECK(phased.restarts[r].reason == direct.restarts[r].reason);
    }
    check_non_decreasing(phased.trace);
}

TEST_CASE("best_of_restarts: failures are recorded, not thrown; ties go to the lowest index", "[em][phases]")
{
    quiet_log quiet;
    // Restart r starts the geometric toy at x = start_of[r] and runs 3 iterations (rate 0.5).
    std::vector<double> const start_of{800, 100, 0, 100, 400};
    floored_geometric m;
    m.rate = 0.5;
    m.floor = 150; // restart 4 (400 → 200 → 100) diverges at its 3rd evaluation
    std::vector<em::phase<floored_geometric>> const one{{"main", fixed_iterations(3), {}, {}}};
    std::vector<std::uint64_t> draws;
    auto const res = em::best_of_restarts(5, 7, [&](int r, emtk::rng & gen) {
        draws.push_back(gen());
        if (r == 2)
            throw em::degenerate_error("no start for restart 3");
        floored_geometric g = m;
        g.floor = r == 4 ? 150 : -1;
        return em::run_phases(g, start_of[static_cast<std::size_t>(r)], one, r, 5);
    });
    REQUIRE(res.ok());
    // Restarts 1 and 3 tie at -25 (100 → 50 → 25), above restart 0 (-200): the lower index wins.
    CHECK(res.best_restart == 1);
    CHECK(res.objective == Approx(-25.0));
    REQUIRE(res.restarts.size() == 5);
    CHECK(res.restarts[2].reason == stop_reason::degenerate);
    CHECK(res.restarts[2].message == "no start for restart 3");
    CHECK(res.restarts[2].iterations == 0);
    CHECK(res.restarts[4].reason == stop_reason::diverged);
    CHECK(res.restarts[4].message == "main: the objective became infinite at iteration 3");
    CHECK(res.restarts[0].objective == Approx(-200.0));
    // Restart r's generator is rng{seed, r}.
    for (std::size_t r = 0; r < draws.size(); ++r)
    {
        emtk::rng want{7, r};
        CHECK(draws[r] == want());
    }
}

TEST_CASE("best_of_restarts: when every restart fails, the first failure is the message", "[em][phases]")
{
    auto const res = em::best_of_restarts(3, 1, [](int r, emtk::rng &) -> em::phased_result<double> {
        throw em::degenerate_error("restart " + std::to_string(r + 1) + " failed");
    });
    CHECK_FALSE(res.ok());
    CHECK(res.restarts.size() == 3);
    CHECK(res.reason == stop_reason::degenerate);
    CHECK(res.message == "restart 1 failed");
}
