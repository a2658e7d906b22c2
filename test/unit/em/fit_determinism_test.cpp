// em::fit and e_step: reduction order, thread counts, chunking, restarts and seeds.
#include "em/fit_support.hpp"

#include <atomic>

using namespace emtk::test;
using emtk::test::quiet_log;

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

/// order_model with statistics that count their live objects; item 0 is slow, so that the other
/// threads run ahead of the merge (the window of em::wave_chunks unmerged chunks must hold them back).
struct live_model : order_model
{
    static inline std::atomic<int> live{0}, peak{0};
    struct stats : order_model::stats
    {
        stats() { note(++live); }
        stats(stats const & o) : order_model::stats(o) { note(++live); }
        stats(stats && o) noexcept : order_model::stats(std::move(o)) { note(++live); }
        stats & operator=(stats const &) = default;
        stats & operator=(stats &&) = default;
        ~stats() { --live; }
        static void note(int now)
        {
            int p = peak.load();
            while (now > p && !peak.compare_exchange_weak(p, now))
            {
            }
        }
    };
    using stats_type = stats;
    stats_type make_stats(double const &) const { return {}; }
    double expect(std::size_t i, double const &, stats_type & s) const
    {
        if (i == 0) // busy work, no sleep: the others take many chunks meanwhile
        {
            volatile double x = 0;
            for (int j = 0; j < 20000000; ++j)
                x = x + 1e-9;
        }
        s.items.push_back(i);
        return 0.0;
    }
};

} // namespace

TEST_CASE("e_step: at most wave_chunks chunk statistics are alive, however slow one chunk is", "[em][fit]")
{
    for (int threads : {2, 3})
    {
        live_model m;
        m.n = 4000;
        em::options o;
        o.chunk_size = 1;
        o.threads = threads;
        live_model::stats total;
        live_model::live = 1; // total
        live_model::peak = 0;
        (void)em::e_step(m, 0.0, total, o);
        CAPTURE(threads);
        REQUIRE(total.items.size() == m.n);
        for (std::size_t i = 0; i < m.n; ++i)
            REQUIRE(total.items[i] == i);
        // The window, one statistics object per thread being computed, the total and the
        // temporaries of a hand-over (make_stats' return value moved into the slot).
        CHECK(live_model::peak <= static_cast<int>(em::wave_chunks) + 2 * threads + 2);
    }
}

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

