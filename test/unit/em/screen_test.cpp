// em::fit with restart screening (options::screen_iterations; fit.hpp, "Restart screening").
#include "em/fit_support.hpp"

using namespace emtk::test;

namespace {

/// Three clusters fitted with two components: the starts reach clearly different optima.
std::vector<double> three_clusters()
{
    std::vector<double> data;
    for (double c : {-4.0, 0.5, 4.0})
    {
        auto part = emtk::test::simulate_mixture(300, 1.0, c, c, static_cast<std::uint64_t>(100 + c));
        data.insert(data.end(), part.begin(), part.end());
    }
    return data;
}

/// The run of restart r alone, without screening: initialize(rng{seed, r}), then fit from there.
em::fit_result<mix_params> lone_run(gauss_mix const & m, em::options o, int r)
{
    mix_params start;
    emtk::rng g{o.seed, static_cast<std::uint64_t>(r)};
    m.initialize(g, start);
    o.screen_iterations = 0;
    return em::fit(m, start, o);
}

/// p with the components ordered by mean (label switching between starts undone).
mix_params by_label(mix_params p)
{
    if (p.mu1 > p.mu2)
        p = {1 - p.w, p.mu2, p.mu1};
    return p;
}

} // namespace

TEST_CASE("fit: screening keeps the best start after S iterations, which then runs exactly as alone", "[em][fit][screen]")
{
    gauss_mix const m{three_clusters()};
    for (bool squarem : {false, true})
        for (int screen : {1, 3, 4})
        {
            em::options o;
            o.restarts = 8;
            o.seed = 3;
            o.tol = 1e-10;
            o.accelerate = squarem;
            o.screen_iterations = screen;
            CAPTURE(squarem, screen);
            auto const res = em::fit(m, o);
            REQUIRE(res.ok());
            REQUIRE(res.restarts.size() == 8);
            check_non_decreasing(res.trace);
            CHECK(res.decreases == 0);

            // Every start but the winner stopped at the screening point (SQUAREM: at the first cycle
            // boundary from S iterations on, at most 2 more entries) with reason "screened", and the
            // winner had the highest objective there (ties: the lowest index).
            int screened = 0, argmax = -1;
            double best_screened = -std::numeric_limits<double>::infinity();
            for (int r = 0; r < 8; ++r)
            {
                auto const & s = res.restarts[static_cast<std::size_t>(r)];
                CHECK(s.restart == r);
                if (r == res.best_restart)
                {
                    CHECK(s.reason == stop_reason::converged);
                    continue;
                }
                REQUIRE(s.reason == stop_reason::screened);
                ++screened;
                CHECK(s.iterations >= screen);
                CHECK(s.iterations <= (squarem ? screen + 2 : screen));
                if (s.objective > best_screened)
                {
                    best_screened = s.objective;
                    argmax = r;
                }
            }
            CHECK(screened == 7);
            auto const & win = res.restarts[static_cast<std::size_t>(res.best_restart)];
            std::size_t const at = static_cast<std::size_t>(res.restarts[static_cast<std::size_t>(argmax)].iterations);
            // The winner's objective at the screening point beat (or tied, with a lower index) every other's.
            REQUIRE(res.trace.size() >= at);
            CHECK((res.trace[at - 1] > best_screened || (res.trace[at - 1] == best_screened && res.best_restart < argmax)));
            CHECK(win.objective == res.objective);

            // Resumed exactly: the same trace and parameters as the winner run alone, unscreened.
            auto const alone = lone_run(m, o, res.best_restart);
            CHECK(alone.trace == res.trace);
            CHECK(alone.params == res.params);
            CHECK(alone.reason == res.reason);
            CHECK(res.e_steps == alone.e_steps + 1); // the resumed run recomputes one E-step
        }
}

TEST_CASE("fit: screening gives the same output for any thread count", "[em][fit][screen]")
{
    gauss_mix const m{three_clusters()};
    em::options o;
    o.restarts = 5;
    o.seed = 11;
    o.screen_iterations = 4;
    o.chunk_size = 64;
    o.accelerate = true;
    o.threads = 1;
    auto const a = em::fit(m, o);
    o.threads = 2;
    auto const b = em::fit(m, o);
    REQUIRE(a.ok());
    CHECK(a.trace == b.trace);
    CHECK(a.params == b.params);
    CHECK(a.best_restart == b.best_restart);
    for (std::size_t r = 0; r < a.restarts.size(); ++r)
    {
        CHECK(a.restarts[r].objective == b.restarts[r].objective);
        CHECK(a.restarts[r].reason == b.restarts[r].reason);
    }
}

TEST_CASE("fit: on well-separated data screening finds the optimum of full restarts", "[em][fit][screen]")
{
    gauss_mix const m{separated_data()};
    for (std::uint64_t seed : {1, 2, 3})
    {
        em::options o;
        o.restarts = 4;
        o.seed = seed;
        o.tol = 1e-12;
        auto const full = em::fit(m, o);
        o.screen_iterations = 5;
        auto const screened = em::fit(m, o);
        CAPTURE(seed, full.best_restart, screened.best_restart, screened.params.w, full.params.w, screened.params.mu1,
                full.params.mu1, screened.params.mu2, full.params.mu2);
        REQUIRE(full.ok());
        REQUIRE(screened.ok());
        CHECK(rel_close(screened.objective, full.objective, 1e-10));
        // The same optimum (to the stop rule: the objective is flat there, the parameters agree to
        // ~1e-5), possibly with the two labels swapped (starts differ).
        CHECK(params_close(by_label(screened.params), by_label(full.params), 1e-4));
        // Fewer E-steps in all: the losers stopped after 5.
        int full_e = 0, screened_e = 0;
        for (auto const & s : full.restarts)
            full_e += s.iterations;
        for (auto const & s : screened.restarts)
            screened_e += s.iterations;
        CHECK(screened_e < full_e);
    }
}

TEST_CASE("fit: screening is off for one start, and starts that stop early are not resumed", "[em][fit][screen]")
{
    gauss_mix const m{separated_data()};
    em::options o;
    o.seed = 4;
    auto const plain = em::fit(m, o);
    o.screen_iterations = 3;
    auto const one = em::fit(m, o); // restarts = 1: nothing to screen
    CHECK(one.trace == plain.trace);
    CHECK(one.params == plain.params);
    CHECK(one.e_steps == plain.e_steps);

    // A screening point beyond max_iter: every start stops at max_iter, none is screened.
    o.restarts = 3;
    o.max_iter = 4;
    o.screen_iterations = 10;
    auto const capped = em::fit(m, o);
    o.screen_iterations = 0;
    auto const capped_plain = em::fit(m, o);
    for (auto const & s : capped.restarts)
        CHECK(s.reason == stop_reason::max_iter);
    CHECK(capped.trace == capped_plain.trace);
    CHECK(capped.best_restart == capped_plain.best_restart);
}

/// gauss_mix whose M-step throws degenerate_error on its throw_at-th call (0: never).
struct fragile_mix : gauss_mix
{
    using gauss_mix::gauss_mix;
    int throw_at = 0;
    mutable int calls = 0;
    void maximize(mix_stats const & s, mix_params & p) const
    {
        if (++calls == throw_at)
            throw em::degenerate_error("fragile");
        gauss_mix::maximize(s, p);
    }
};

TEST_CASE("fit: when the screened winner fails on resuming, the next best start runs", "[em][fit][screen]")
{
    fragile_mix m{three_clusters()};
    em::options o;
    o.restarts = 3;
    o.seed = 3;
    o.tol = 1e-12;
    o.screen_iterations = 3;
    auto const first = em::fit(m, o);
    REQUIRE(first.ok());
    int const w1 = first.best_restart;
    // Screening: 3 starts × 2 M-steps (3 trace entries each; none converges that fast). The
    // winner's second M-step after resuming throws.
    for (auto const & s : first.restarts)
        REQUIRE(s.iterations >= 3);
    m.calls = 0;
    m.throw_at = 3 * 2 + 2;
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    CHECK(res.restarts[static_cast<std::size_t>(w1)].reason == stop_reason::degenerate);
    REQUIRE(res.best_restart != w1);
    int const w2 = res.best_restart;
    // w2 had the better screened objective of the two others.
    int const other = 3 - w1 - w2;
    auto const & lost = res.restarts[static_cast<std::size_t>(other)];
    CHECK(lost.reason == stop_reason::screened);
    auto const alone = lone_run(m, o, w2);
    CHECK(alone.trace == res.trace);
    CHECK(alone.params == res.params);
    CHECK(res.trace[static_cast<std::size_t>(lost.iterations) - 1] >= lost.objective);
}
