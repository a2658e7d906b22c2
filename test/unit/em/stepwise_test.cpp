// Stepwise (mini-batch) EM in em::fit (stepwise.hpp): convergence to the batch maximum, the
// step-size schedule, mini-batch coverage, reproducibility for any thread count, the held-out
// objective and the batch polish.
#include "em/fit_support.hpp"

#include <emtk/em/stepwise.hpp>

#include <map>
#include <mutex>

using namespace emtk::test;

namespace {

/// The mixture fitted by batch EM to convergence (the target of the stepwise runs).
em::fit_result<mix_params> batch_fit(gauss_mix const & m, std::uint64_t seed)
{
    em::options o;
    o.tol = 1e-12;
    o.seed = seed;
    o.restarts = 3;
    auto res = em::fit(m, o);
    REQUIRE(res.ok());
    return res;
}

mix_params ordered(mix_params p)
{
    return p.mu1 <= p.mu2 ? p : mix_params{1 - p.w, p.mu2, p.mu1};
}

em::options stepwise_options(std::size_t batch, int passes)
{
    em::options o;
    o.stepwise.enabled = true;
    o.stepwise.batch_size = batch;
    o.stepwise.max_passes = passes;
    o.stepwise.tol = 1e-9;
    o.restarts = 3;
    return o;
}

std::vector<double> const & big_data()
{
    static std::vector<double> const d = simulate_mixture(20000, 0.3, -2.0, 1.5, 77);
    return d;
}

/// θ = a mean; statistics (Σ x, count) scale; the E-step logs the first item of every chunk it
/// runs (single-threaded use only) and the M-step logs every θ, so a test can replay the schedule.
struct mean_model
{
    struct stats
    {
        double sum = 0, count = 0;
        stats & operator+=(stats const & o)
        {
            sum += o.sum;
            count += o.count;
            return *this;
        }
        stats & operator*=(double a)
        {
            sum *= a;
            count *= a;
            return *this;
        }
    };
    using params_type = double;
    using stats_type = stats;

    std::vector<double> x;
    mutable std::vector<std::size_t> visits; ///< E-step calls per item
    mutable std::vector<double> thetas;      ///< θ after every M-step

    [[nodiscard]] std::size_t item_count() const { return x.size(); }
    [[nodiscard]] stats make_stats(double const &) const { return {}; }
    double expect(std::size_t i, double const & mu, stats & s) const
    {
        static std::mutex guard;
        {
            std::lock_guard lock{guard};
            if (visits.size() < x.size())
                visits.assign(x.size(), 0);
            ++visits[i];
        }
        s.sum += x[i];
        s.count += 1;
        return -0.5 * (x[i] - mu) * (x[i] - mu);
    }
    void maximize(stats const & s, double & mu) const
    {
        mu = s.sum / s.count;
        thetas.push_back(mu);
    }
    [[nodiscard]] double log_prior(double const &) const { return 0.0; }
    void initialize(emtk::rng &, double & mu) const { mu = 0; }
};

} // namespace

TEST_CASE("stepwise: only models whose statistics scale qualify", "[em][stepwise]")
{
    STATIC_REQUIRE(em::stepwise_model<gauss_mix>);
    STATIC_REQUIRE(em::stepwise_model<mean_model>);
    STATIC_REQUIRE_FALSE(em::stepwise_model<geometric_model>);
    em::options o = stepwise_options(2, 3);
    CHECK_THROWS_AS(em::fit(geometric_model{}, o), std::invalid_argument);
    o.stepwise.alpha = 0.5; // outside (0.5, 1]
    CHECK_THROWS_AS(em::fit(gauss_mix{separated_data()}, o), std::invalid_argument);
    o.stepwise.alpha = 1.01;
    CHECK_THROWS_AS(em::fit(gauss_mix{separated_data()}, o), std::invalid_argument);
}

TEST_CASE("stepwise: every training item is in one mini-batch per pass, and the pass objective sees them all",
          "[em][stepwise]")
{
    mean_model m;
    for (int i = 0; i < 1003; ++i)
        m.x.push_back(i % 17);
    em::options o = stepwise_options(100, 4);
    o.restarts = 1;
    o.stepwise.tol = 0; // exactly max_passes passes
    o.stepwise.block = 7;
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    CHECK(res.stepwise.used);
    CHECK(res.stepwise.passes == 4);
    CHECK(res.stepwise.pass_objective.size() == 4);
    CHECK(res.trace == res.stepwise.pass_objective);
    // Each pass: one visit in a mini-batch and one in the full-data objective.
    for (std::size_t v : m.visits)
        REQUIRE(v == 2u * 4u);
    // ⌈1003 / 7⌉ = 144 blocks, batches of ≥ 100 items = 15 blocks: ⌈144 / 15⌉ = 10 updates a pass.
    CHECK(res.stepwise.updates == 40);
    CHECK(m.thetas.size() == 40);
}

TEST_CASE("stepwise: the step sizes are (k + 2)^-alpha and the batch statistics are scaled to the data",
          "[em][stepwise]")
{
    // Three blocks of constant values: every mini-batch (one block) has a known mean b_q, so the
    // running statistics' mean after update k is the η-weighted mean of the batch means.
    mean_model m;
    for (double v : {1.0, 10.0, 100.0})
        for (int i = 0; i < 5; ++i)
            m.x.push_back(v);
    em::options o = stepwise_options(5, 2);
    o.restarts = 1;
    o.stepwise.tol = 0;
    o.stepwise.block = 5;
    o.stepwise.alpha = GENERATE(0.6, 0.8, 1.0);
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    REQUIRE(m.thetas.size() == 6);
    // Replay: the batch mean of update k is the value of its block, recovered from the θ sequence
    // itself at k = 0 and from θ_k = (1-η) θ_{k-1} + η b_k (the counts are equal, n each) after.
    std::map<double, int> seen;
    double prev = m.thetas[0];
    seen[prev]++;
    for (std::size_t k = 1; k < m.thetas.size(); ++k)
    {
        double const eta = std::pow(static_cast<double>(k) + 2.0, -o.stepwise.alpha);
        double const b = (m.thetas[k] - (1 - eta) * prev) / eta;
        CAPTURE(k, b);
        // b must be one of the block values (scaling by n/|B| keeps counts equal, so the running
        // mean is exactly this convex combination).
        bool const is_block = std::fabs(b - 1.0) < 1e-9 || std::fabs(b - 10.0) < 1e-9 || std::fabs(b - 100.0) < 1e-9;
        REQUIRE(is_block);
        seen[std::round(b)]++;
        prev = m.thetas[k];
    }
    // Two passes over three blocks: each block twice.
    for (auto const & [v, count] : seen)
        CHECK(count == 2);
}

TEST_CASE("stepwise: converges to the batch EM maximum", "[em][stepwise]")
{
    gauss_mix const m{big_data()};
    auto const batch = batch_fit(m, 5);
    mix_params const b = ordered(batch.params);
    em::options o = stepwise_options(200, 40);
    o.stepwise.tol = 1e-8;
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    CHECK(res.stepwise.used);
    mix_params const s = ordered(res.params);
    // The stepwise estimate fluctuates around the maximum with a spread that decays like the step
    // size; after 100 updates a pass, within a few hundredths (n = 20,000: the estimates' own
    // standard errors are ~0.004 for w and ~0.01 for the means).
    CHECK(s.w == Approx(b.w).margin(0.01));
    CHECK(s.mu1 == Approx(b.mu1).margin(0.03));
    CHECK(s.mu2 == Approx(b.mu2).margin(0.03));
    // Log-likelihood per item within 1e-3 of batch EM's.
    double const per_item = 1.0 / static_cast<double>(big_data().size());
    CHECK(std::fabs(res.log_likelihood - batch.log_likelihood) * per_item < 1e-3);
    CHECK(res.log_likelihood <= batch.log_likelihood + 1e-6 * std::fabs(batch.log_likelihood));

    SECTION("with batch polish, to the batch maximum itself, and the polish is monotone")
    {
        o.stepwise.polish = 200;
        o.tol = 1e-12;
        auto const pol = em::fit(m, o);
        REQUIRE(pol.ok());
        CHECK(pol.stepwise.polish_iterations > 1);
        CHECK(pol.decreases == 0);
        std::vector<double> const tail(pol.trace.begin() + pol.stepwise.passes, pol.trace.end());
        check_non_decreasing(tail);
        CHECK(params_close(ordered(pol.params), b, 1e-5));
        CHECK(pol.objective == Approx(batch.objective).epsilon(1e-10));
    }
}

TEST_CASE("stepwise: the held-out objective", "[em][stepwise]")
{
    gauss_mix const m{big_data()};
    auto const batch = batch_fit(m, 5);
    em::options o = stepwise_options(250, 40);
    o.stepwise.tol = 1e-7;
    o.stepwise.holdout = 2000;
    auto const res = em::fit(m, o);
    REQUIRE(res.ok());
    // Whole blocks of 250 / 32 = 7 items until ≥ 2,000 items: 286 blocks.
    CHECK(res.stepwise.held_out == 286u * 7u);
    // The estimate of the full objective from 2,002 held-out items: its sampling error is ~1.5% of
    // n·(per-item log-likelihood spread); the parameters, fitted on the rest, stay close.
    CHECK(res.objective == Approx(batch.objective).epsilon(0.03));
    mix_params const s = ordered(res.params), b = ordered(batch.params);
    CHECK(s.w == Approx(b.w).margin(0.02));
    CHECK(s.mu1 == Approx(b.mu1).margin(0.05));
    CHECK(s.mu2 == Approx(b.mu2).margin(0.05));
}

TEST_CASE("stepwise: byte-identical for any thread count, and the mini-batch order follows the seed",
          "[em][stepwise]")
{
    gauss_mix const m{simulate_mixture(5000, 0.4, -1.0, 2.0, 9)};
    em::options o = stepwise_options(100, 5);
    o.stepwise.tol = 0;
    o.stepwise.holdout = GENERATE(std::size_t{0}, std::size_t{500});
    o.chunk_size = 16;
    o.threads = 1;
    auto const ref = em::fit(m, o);
    REQUIRE(ref.ok());
    for (int threads : {2, 3})
    {
        CAPTURE(threads, o.stepwise.holdout);
        o.threads = threads;
        auto const res = em::fit(m, o);
        CHECK(res.params == ref.params);
        CHECK(res.trace == ref.trace);
        CHECK(res.best_restart == ref.best_restart);
    }
    o.threads = 2;
    auto const again = em::fit(m, o);
    CHECK(again.trace == ref.trace);
    o.seed = 2;
    auto const other = em::fit(m, o);
    REQUIRE(other.ok());
    CHECK(other.trace != ref.trace);
}

TEST_CASE("stepwise: the stop rule is signed, a pass that lowers the objective ends the passes",
          "[em][stepwise]")
{
    // Mini-batches of 20 items and α = 0.55: the estimate keeps jumping around the maximum, so
    // the pass objective (full data) goes down as often as up once it is near it. The rule must
    // stop at the first pass whose change is below tol · max(1, |L|), negative changes included,
    // and never before. With |ΔL| (the old rule) a drop larger than tol would have gone on.
    gauss_mix const m{simulate_mixture(4000, 0.35, -1.5, 1.5, 31)};
    int stopped_on_drop = 0;
    for (std::uint64_t seed = 1; seed <= 6; ++seed)
    {
        em::options o = stepwise_options(20, 40);
        o.restarts = 1;
        o.seed = seed;
        o.stepwise.alpha = 0.55;
        o.stepwise.tol = 1e-6;
        auto const res = em::fit(m, o);
        REQUIRE(res.ok());
        std::vector<double> const & p = res.stepwise.pass_objective;
        CAPTURE(seed, p);
        REQUIRE(p.size() >= 2);
        for (std::size_t t = 1; t + 1 < p.size(); ++t)
            CHECK(p[t] - p[t - 1] >= o.stepwise.tol * std::max(1.0, std::fabs(p[t])));
        if (!res.stepwise.converged)
            continue;
        double const last = p.back() - p[p.size() - 2];
        double const thr = o.stepwise.tol * std::max(1.0, std::fabs(p.back()));
        CHECK(last < thr);
        if (last <= -thr)
            ++stopped_on_drop;
    }
    // The seeds are fixed: at least one run ends on a drop the absolute rule would not stop at.
    CHECK(stopped_on_drop >= 1);
}

TEST_CASE("stepwise: the mini-batch order follows the seed alone (fixed start)", "[em][stepwise]")
{
    // mean_model starts at θ = 0 whatever the seed, so the M-step sequence differs only by the
    // order of the mini-batches.
    auto thetas = [](std::uint64_t seed, int threads) {
        mean_model m;
        for (int i = 0; i < 600; ++i)
            m.x.push_back(std::sin(0.37 * i) * 10.0 + i % 13);
        em::options o = stepwise_options(50, 3);
        o.restarts = 1;
        o.stepwise.tol = 0;
        o.seed = seed;
        o.threads = threads;
        o.chunk_size = 8;
        auto const res = em::fit(m, o);
        REQUIRE(res.ok());
        return m.thetas;
    };
    auto const a = thetas(1, 1);
    CHECK(thetas(1, 1) == a);
    CHECK(thetas(1, 2) == a);
    CHECK(thetas(2, 1) != a);
    REQUIRE(a.size() == thetas(2, 1).size());
}

TEST_CASE("stepwise: options::max_iter caps the passes, then the polish iterations", "[em][stepwise]")
{
    // A pass is one trace entry, as a batch iteration is: max_iter bounds both (the consensus of
    // starts' short fits in hmm train rely on it), whatever max_passes and polish say.
    gauss_mix const m{simulate_mixture(2000, 0.3, -2.0, 1.5, 5)};
    em::options o = stepwise_options(100, 20);
    o.restarts = 1;
    o.stepwise.tol = 0; // every pass runs
    o.tol = 0;          // and every polish iteration
    o.max_iter = 3;
    o.stepwise.polish = 10;
    auto const a = em::fit(m, o);
    REQUIRE(a.ok());
    CHECK(a.trace.size() == 3);
    CHECK(a.stepwise.passes == 3);
    CHECK(a.stepwise.polish_iterations == 0);
    CHECK(a.reason == em::stop_reason::max_iter);
    o.stepwise.max_passes = 2;
    o.max_iter = 5;
    auto const b = em::fit(m, o);
    REQUIRE(b.ok());
    CHECK(b.stepwise.passes == 2);
    CHECK(b.stepwise.polish_iterations == 3);
    CHECK(b.trace.size() == 5);
    // Below the cap nothing changes: 2 passes and all 10 polish iterations.
    o.max_iter = 1000;
    auto const c = em::fit(m, o);
    REQUIRE(c.ok());
    CHECK(c.stepwise.passes == 2);
    CHECK(c.stepwise.polish_iterations == 10);
    CHECK(c.trace.size() == 12);
}
