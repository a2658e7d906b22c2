// Mixture fits through the EM core: recovery of simulated parameters, BIC, monotone objective,
// determinism across threads, SQUAREM, hard EM, collapse handling.
//
// Tolerances: with n rows a weight has standard error sqrt(w(1-w)/n), a mean sd/sqrt(n w), a
// variance ~ var*sqrt(2/(n w)). Each tolerance below is about 5 of those standard errors (or
// more), so a correct fit passes with a fixed seed and any seed in practice, while a wrong M-step
// (e.g. a biased variance, swapped components) fails by a wide margin.

#include <catch2/catch.hpp>

#include "mix/fit_checks.hpp"
#include "mix/simulate.hpp"

#include <emtk/mix/mixture.hpp>
#include <emtk/util/error.hpp>

#include <cmath>

using namespace emtk;
using namespace emtk::mix;

namespace {

mixture_options base(family f, int k)
{
    mixture_options o;
    o.fam = f;
    o.k = k;
    o.em.restarts = 3;
    o.em.seed = 7;
    o.em.tol = 1e-8;
    o.em.max_iter = 1000;
    return o;
}

using test::check_monotone;

} // namespace

TEST_CASE("1-D Gaussian mixture recovers simulated parameters", "[mix][gaussian]")
{
    auto data = test::gaussian_1d(20000, {0.5, 0.3, 0.2}, {0, 5, 12}, {1, 1.5, 2}, 11);
    auto fit = fit_mixture(data, base(family::gaussian, 3));
    check_monotone(fit);
    CHECK(fit.reason == em::stop_reason::converged);
    auto const & c = fit.model.components;
    REQUIRE(c.size() == 3);
    double const w[] = {0.5, 0.3, 0.2}, mu[] = {0, 5, 12}, sd[] = {1, 1.5, 2};
    for (int k = 0; k < 3; ++k)
    {
        CHECK(c[k].weight == Approx(w[k]).margin(0.02));
        CHECK(c[k].mean[0] == Approx(mu[k]).margin(0.1));
        CHECK(std::sqrt(c[k].covariance[0]) == Approx(sd[k]).margin(0.1));
    }
    CHECK(fit.n_params == 8);
    CHECK(fit.bic == Approx(-2 * fit.log_likelihood + 8 * std::log(20000.0)));
    // The reported log-likelihood is the one of the reported parameters.
    CHECK(log_likelihood(data, fit.model) == Approx(fit.log_likelihood).epsilon(1e-10));
}

TEST_CASE("1-D Gaussian with shared variance", "[mix][gaussian]")
{
    auto data = test::gaussian_1d(20000, {0.6, 0.4}, {0, 4}, {1, 1}, 12);
    auto opt = base(family::gaussian, 2);
    opt.shared_variance = true;
    auto fit = fit_mixture(data, opt);
    check_monotone(fit);
    auto const & c = fit.model.components;
    CHECK(c[0].covariance[0] == c[1].covariance[0]);
    CHECK(c[0].covariance[0] == Approx(1.0).margin(0.05));
    CHECK(c[0].mean[0] == Approx(0).margin(0.05));
    CHECK(c[1].mean[0] == Approx(4).margin(0.05));
    CHECK(fit.n_params == 4); // 1 weight + 2 means + 1 variance
}

TEST_CASE("2-D Gaussian with full covariance recovers means and covariances", "[mix][gaussian]")
{
    std::vector<std::array<double, 3>> cov{{1.0, 0.6, 1.0}, {2.0, -0.8, 1.0}, {0.5, 0.0, 2.0}};
    auto data = test::gaussian_2d(20000, {0.5, 0.3, 0.2}, {{0, 0}, {8, 3}, {2, 9}}, cov, 13);
    auto fit = fit_mixture(data, base(family::gaussian, 3));
    check_monotone(fit);
    auto const & c = fit.model.components;
    REQUIRE(c.size() == 3);
    double const mx[] = {0, 2, 8}, my[] = {0, 9, 3}; // sorted by x
    int const truth[] = {0, 2, 1};
    for (int k = 0; k < 3; ++k)
    {
        CHECK(c[k].mean[0] == Approx(mx[k]).margin(0.08));
        CHECK(c[k].mean[1] == Approx(my[k]).margin(0.08));
        auto const & s = cov[truth[k]];
        REQUIRE(c[k].covariance.size() == 4);
        CHECK(c[k].covariance[0] == Approx(s[0]).margin(0.1 * s[0] + 0.02));
        CHECK(c[k].covariance[1] == Approx(s[1]).margin(0.08));
        CHECK(c[k].covariance[2] == Approx(s[1]).margin(0.08));
        CHECK(c[k].covariance[3] == Approx(s[2]).margin(0.1 * s[2] + 0.02));
    }
    CHECK(fit.n_params == 2 + 3 * 2 + 3 * 3);
}

TEST_CASE("2-D Gaussian with diagonal covariance ignores correlation", "[mix][gaussian]")
{
    std::vector<std::array<double, 3>> cov{{1.0, 0.0, 2.0}, {0.5, 0.0, 0.5}};
    auto data = test::gaussian_2d(10000, {0.5, 0.5}, {{0, 0}, {6, 6}}, cov, 14);
    auto opt = base(family::gaussian, 2);
    opt.cov = covariance_type::diagonal;
    auto fit = fit_mixture(data, opt);
    check_monotone(fit);
    auto const & c = fit.model.components;
    REQUIRE(c[0].covariance.size() == 2);
    CHECK(c[0].covariance[0] == Approx(1.0).margin(0.1));
    CHECK(c[0].covariance[1] == Approx(2.0).margin(0.2));
    CHECK(c[1].covariance[0] == Approx(0.5).margin(0.05));
    CHECK(fit.n_params == 1 + 4 + 4);
}

TEST_CASE("Poisson mixture recovers rates and weights", "[mix][poisson]")
{
    auto data = test::counts(20000, {0.3, 0.5, 0.2}, {5, 20, 50}, 0, 15);
    auto fit = fit_mixture(data, base(family::poisson, 3));
    check_monotone(fit);
    auto const & c = fit.model.components;
    double const w[] = {0.3, 0.5, 0.2}, lam[] = {5, 20, 50};
    for (int k = 0; k < 3; ++k)
    {
        CHECK(c[k].weight == Approx(w[k]).margin(0.02));
        CHECK(c[k].mean[0] == Approx(lam[k]).epsilon(0.03));
    }
    CHECK(fit.n_params == 5);
    CHECK(log_likelihood(data, fit.model) == Approx(fit.log_likelihood).epsilon(1e-10));
}

TEST_CASE("negative-binomial mixture recovers means, sizes and weights", "[mix][negbin]")
{
    auto data = test::counts(30000, {0.4, 0.35, 0.25}, {10, 40, 100}, 20, 16);
    auto fit = fit_mixture(data, base(family::negbin, 3));
    check_monotone(fit);
    auto const & c = fit.model.components;
    double const w[] = {0.4, 0.35, 0.25}, mu[] = {10, 40, 100};
    for (int k = 0; k < 3; ++k)
    {
        CHECK(c[k].weight == Approx(w[k]).margin(0.03));
        CHECK(c[k].mean[0] == Approx(mu[k]).epsilon(0.04));
        CHECK(c[k].size == Approx(20).epsilon(0.3));
    }
    CHECK(fit.n_params == 8);
    CHECK(log_likelihood(data, fit.model) == Approx(fit.log_likelihood).epsilon(1e-10));
}

TEST_CASE("BIC picks the true K on well-separated data", "[mix][bic]")
{
    auto base = [](family f, int k) {
        auto o = ::base(f, k);
        o.em.accelerate = true; // K above the truth converges slowly; SQUAREM keeps the test fast
        o.em.tol = 1e-7;
        return o;
    };
    SECTION("1-D Gaussian, K = 3")
    {
        auto data = test::gaussian_1d(3000, {0.4, 0.3, 0.3}, {0, 8, 16}, {1, 1, 1}, 21);
        auto sel = select_by_bic(data, base(family::gaussian, 1), 1, 6);
        REQUIRE(sel.best >= 0);
        CHECK(sel.ks[static_cast<std::size_t>(sel.best)] == 3);
    }
    SECTION("2-D Gaussian, K = 4")
    {
        std::vector<std::array<double, 3>> cov(4, {1.0, 0.3, 1.0});
        auto data = test::gaussian_2d(4000, {0.25, 0.25, 0.25, 0.25}, {{0, 0}, {10, 0}, {0, 10}, {10, 10}}, cov, 22);
        auto sel = select_by_bic(data, base(family::gaussian, 1), 1, 7);
        REQUIRE(sel.best >= 0);
        CHECK(sel.ks[static_cast<std::size_t>(sel.best)] == 4);
    }
    SECTION("Poisson, K = 2")
    {
        auto data = test::counts(3000, {0.5, 0.5}, {5, 40}, 0, 23);
        auto sel = select_by_bic(data, base(family::poisson, 1), 1, 5);
        REQUIRE(sel.best >= 0);
        CHECK(sel.ks[static_cast<std::size_t>(sel.best)] == 2);
    }
    SECTION("negative binomial, K = 3")
    {
        auto data = test::counts(4000, {0.3, 0.4, 0.3}, {10, 50, 150}, 30, 24);
        auto sel = select_by_bic(data, base(family::negbin, 1), 1, 5);
        REQUIRE(sel.best >= 0);
        CHECK(sel.ks[static_cast<std::size_t>(sel.best)] == 3);
    }
}

TEST_CASE("objective never decreases, for every family and option", "[mix][invariant]")
{
    auto g1 = test::gaussian_1d(3000, {0.5, 0.5}, {0, 2}, {1, 1}, 31); // overlapping: many iterations
    std::vector<std::array<double, 3>> cov{{1.0, 0.5, 1.0}, {1.0, -0.5, 1.0}};
    auto g2 = test::gaussian_2d(3000, {0.5, 0.5}, {{0, 0}, {2, 1}}, cov, 32);
    auto pc = test::counts(3000, {0.5, 0.5}, {10, 16}, 0, 33);
    auto nb = test::counts(3000, {0.5, 0.5}, {10, 25}, 5, 34);
    for (bool accelerate : {false, true})
        for (bool hard : {false, true})
        {
            auto run = [&](dataset const & d, family f, covariance_type ct, bool shared) {
                auto o = base(f, 2);
                o.em.accelerate = accelerate;
                o.hard = hard;
                o.cov = ct;
                o.shared_variance = shared;
                auto fit = fit_mixture(d, o);
                INFO("family " << to_string(f) << " accelerate " << accelerate << " hard " << hard << " shared "
                               << shared << " cov " << to_string(ct));
                check_monotone(fit);
                for (auto const & r : fit.restarts)
                    CHECK(r.reason != em::stop_reason::diverged);
            };
            run(g1, family::gaussian, covariance_type::full, false);
            run(g1, family::gaussian, covariance_type::full, true);
            run(g2, family::gaussian, covariance_type::full, false);
            run(g2, family::gaussian, covariance_type::diagonal, false);
            run(g2, family::gaussian, covariance_type::full, true);
            run(pc, family::poisson, covariance_type::full, false);
            run(nb, family::negbin, covariance_type::full, false);
        }
}

TEST_CASE("results are byte-identical for any thread count", "[mix][determinism]")
{
    std::vector<std::array<double, 3>> cov{{1.0, 0.5, 1.0}, {1.0, -0.5, 1.0}, {2.0, 0.0, 0.5}};
    auto g2 = test::gaussian_2d(3000, {0.3, 0.3, 0.4}, {{0, 0}, {3, 1}, {1, 4}}, cov, 41);
    auto nb = test::counts(3000, {0.5, 0.5}, {10, 25}, 5, 42);
    for (bool accelerate : {false, true})
        for (auto const * d : {&g2, &nb})
        {
            auto o = base(d->d == 2 ? family::gaussian : family::negbin, d->d == 2 ? 3 : 2);
            o.em.accelerate = accelerate;
            o.em.chunk_size = 100; // many chunks, so threads really split the work
            o.em.restarts = 2;
            o.em.threads = 1;
            auto a = fit_mixture(*d, o);
            o.em.threads = 2;
            auto b = fit_mixture(*d, o);
            o.em.threads = 3;
            auto c = fit_mixture(*d, o);
            REQUIRE(a.ok);
            CHECK(a.trace == b.trace);
            CHECK(a.trace == c.trace);
            CHECK(a.log_likelihood == b.log_likelihood);
            for (std::size_t k = 0; k < a.model.components.size(); ++k)
            {
                CHECK(a.model.components[k].weight == b.model.components[k].weight);
                CHECK(a.model.components[k].mean == b.model.components[k].mean);
                CHECK(a.model.components[k].covariance == c.model.components[k].covariance);
                CHECK(a.model.components[k].size == c.model.components[k].size);
            }
            CHECK(posteriors(*d, a.model, false, 1) == posteriors(*d, a.model, false, 2));
        }
}

TEST_CASE("SQUAREM reaches the same optimum with fewer E-steps", "[mix][squarem]")
{
    // Heavily overlapping components: plain EM converges slowly here.
    auto data = test::gaussian_1d(3000, {0.5, 0.5}, {0, 1.5}, {1, 1}, 51);
    auto o = base(family::gaussian, 2);
    o.em.restarts = 1;
    o.em.rule = em::stop_rule::absolute;
    o.em.tol = 1e-6;
    o.em.max_iter = 100000;
    auto plain = fit_mixture(data, o);
    o.em.accelerate = true;
    auto fast = fit_mixture(data, o);
    check_monotone(plain);
    check_monotone(fast);
    // Plain EM converges slowly here and stops a little below the optimum (its last steps gain
    // < tol each, but many such steps remain): SQUAREM must be as high, and close.
    CHECK(fast.log_likelihood >= plain.log_likelihood - 1e-6);
    CHECK(fast.log_likelihood - plain.log_likelihood < 1e-3);
    CHECK(fast.e_steps < plain.e_steps / 2);
}

TEST_CASE("hard EM gives one-hot posteriors and agrees with soft EM on separated data", "[mix][hard]")
{
    auto data = test::gaussian_1d(2000, {0.5, 0.5}, {0, 10}, {1, 1}, 61);
    auto o = base(family::gaussian, 2);
    o.hard = true;
    auto hard = fit_mixture(data, o);
    check_monotone(hard);
    CHECK(hard.objective <= hard.log_likelihood); // classification likelihood <= mixture likelihood
    auto post = posteriors(data, hard.model, true);
    for (std::size_t i = 0; i < data.n; ++i)
    {
        CHECK((post[2 * i] == 0.0 || post[2 * i] == 1.0));
        CHECK(post[2 * i] + post[2 * i + 1] == 1.0);
    }
    o.hard = false;
    auto soft = fit_mixture(data, o);
    CHECK(hard.model.components[0].mean[0] == Approx(soft.model.components[0].mean[0]).margin(0.02));
    CHECK(hard.model.components[1].mean[0] == Approx(soft.model.components[1].mean[0]).margin(0.02));
}

TEST_CASE("posteriors are normalised", "[mix][invariant]")
{
    auto data = test::gaussian_1d(1000, {0.5, 0.5}, {0, 2}, {1, 1}, 71);
    auto fit = fit_mixture(data, base(family::gaussian, 2));
    auto post = posteriors(data, fit.model);
    for (std::size_t i = 0; i < data.n; ++i)
        CHECK(post[2 * i] + post[2 * i + 1] == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("restarts keep the best objective", "[mix][restarts]")
{
    auto data = test::gaussian_1d(1000, {0.3, 0.3, 0.2, 0.2}, {0, 3, 6, 9}, {1, 1, 1, 1}, 81);
    auto o = base(family::gaussian, 4);
    o.em.restarts = 6;
    auto fit = fit_mixture(data, o);
    REQUIRE(fit.ok);
    REQUIRE(fit.restarts.size() == 6);
    double best = -1e300;
    for (auto const & r : fit.restarts)
        if (r.reason == em::stop_reason::converged || r.reason == em::stop_reason::max_iter)
            best = std::max(best, r.objective);
    CHECK(fit.objective == best);
    CHECK(fit.restarts[static_cast<std::size_t>(fit.best_restart)].objective == best);
}

TEST_CASE("bad data are user errors, collapses are reported", "[mix][errors]")
{
    SECTION("K larger than the number of distinct values")
    {
        dataset d;
        d.n = 6;
        d.d = 1;
        d.names = {"x"};
        d.source = "v.tsv";
        d.values = {1, 1, 2, 2, 3, 3};
        auto o = base(family::gaussian, 4);
        CHECK_THROWS_WITH(fit_mixture(d, o),
                          "v.tsv: K = 4 components but column 'x' has only 3 distinct values; use at most 3");
    }
    SECTION("non-integer counts")
    {
        dataset d;
        d.n = 3;
        d.d = 1;
        d.names = {"depth"};
        d.source = "c.tsv";
        d.values = {1, 2.5, 3};
        d.line_of_row = {2, 3, 4};
        CHECK_THROWS_WITH(fit_mixture(d, base(family::poisson, 2)),
                          "c.tsv:3: column 'depth': the poisson family needs non-negative integer counts, found 2.5");
    }
    SECTION("a component that collapses onto repeated values")
    {
        auto d = test::gaussian_1d(200, {1.0}, {0}, {1}, 91);
        for (int i = 0; i < 200; ++i)
            d.values.push_back(50.0);
        d.n = 400;
        auto o = base(family::gaussian, 3);
        auto fit = fit_mixture(d, o);
        CHECK_FALSE(fit.ok);
        CHECK_THAT(fit.message, Catch::Contains("collapsed"));
        CHECK(fit.reason == em::stop_reason::degenerate);
    }
}

TEST_CASE("stepwise EM with the mixture defaults meets its pass tolerance, within 1e-3 per value of batch EM",
          "[mix][stepwise]")
{
    // The data of bench/mix_scale_gen.py: four overlapping components, where EM converges slowly
    // (its rate is close to 1). 100 mini-batches per pass, as 10^7 rows in batches of 100,000.
    std::size_t const n = 200'000;
    dataset const d = test::gaussian_1d(n, {0.1, 0.2, 0.3, 0.4}, {0, 3, 6, 10}, {1, 0.7, 1.2, 1.5}, 11);
    mixture_options o;
    o.k = 4;
    o.em.restarts = 1;
    o.em.seed = 3;
    o.mode = em::em_mode::batch;
    mixture_fit const batch = fit_mixture(d, o);
    o.mode = em::em_mode::stepwise;
    o.em.stepwise.batch_size = n / 100;
    mixture_fit const step = fit_mixture(d, o);
    REQUIRE(batch.ok);
    REQUIRE(step.ok);
    CHECK(batch.reason == em::stop_reason::converged);
    // The pass objective met stepwise.tol before the pass limit (default 20 passes).
    CHECK(step.stepwise.converged);
    CHECK(step.stepwise.passes < o.em.stepwise.max_passes);
    double const gap = (batch.log_likelihood - step.log_likelihood) / static_cast<double>(n);
    INFO("log-likelihood per value: batch " << batch.log_likelihood / n << ", stepwise "
                                            << step.log_likelihood / n << ", " << step.stepwise.passes << " passes");
    CHECK(std::fabs(gap) < 1e-3);
    CHECK(gap > -1e-6); // stepwise does not beat the batch maximum it approximates (round-off aside)
}
