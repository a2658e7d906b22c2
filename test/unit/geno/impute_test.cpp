// Windows and stitching, determinism across threads, the HWE baseline.

#include "simulate_genotypes.hpp"

#include <emtk/em/fit.hpp>
#include <emtk/geno/hwe.hpp>
#include <emtk/geno/impute.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace emtk;
using namespace emtk::geno;

namespace {

/// A site-major matrix from a known 3-cluster model (N samples × M sites), 5% missing.
genotype_matrix simulated_block(std::size_t N, std::size_t M, std::uint64_t seed)
{
    hapcluster_params p;
    rng r{seed, 3};
    hapcluster_options opt;
    hapcluster_initialize(p, 3, M, opt, r);
    for (std::size_t m = 1; m < M; ++m)
        p.jump[m] = 0.05;
    for (auto & t : p.theta)
        t = r.uniform() < 0.5 ? 0.01 : 0.98;
    return test::site_major(test::simulate_hapcluster(p, N, 0.05, seed), N, M);
}

} // namespace

TEST_CASE("window cores partition the markers, each marker in its most central window", "[geno][impute]")
{
    for (std::size_t n : {1u, 5u, 100u, 101u, 1000u, 1234u, 5866u})
        for (auto [w, o] : {std::pair<std::size_t, std::size_t>{100, 20}, {50, 0}, {30, 29}, {2000, 200}})
        {
            auto const plan = plan_windows(n, w, o);
            INFO("n = " << n << ", window = " << w << ", overlap = " << o);
            std::vector<int> owner(n, -1);
            for (std::size_t j = 0; j < plan.size(); ++j)
            {
                CHECK(plan[j].end - plan[j].first <= w);
                CHECK(plan[j].end <= n);
                for (std::size_t m = plan[j].core_first; m < plan[j].core_end; ++m)
                {
                    CHECK(owner[m] == -1);
                    owner[m] = static_cast<int>(j);
                    CHECK(m >= plan[j].first);
                    CHECK(m < plan[j].end);
                }
            }
            for (std::size_t m = 0; m < n; ++m)
            {
                REQUIRE(owner[m] >= 0);
                auto const & me = plan[static_cast<std::size_t>(owner[m])];
                std::size_t const d = std::min(m - me.first, me.end - 1 - m);
                for (auto const & other : plan)
                    if (m >= other.first && m < other.end)
                        CHECK(std::min(m - other.first, other.end - 1 - m) <= d);
            }
            if (n > 0)
            {
                CHECK(plan.front().first == 0);
                CHECK(plan.back().end == n);
            }
            // Consecutive windows overlap by at least `overlap` markers, and no window could be
            // dropped: the count is the fewest that can cover n with that overlap.
            for (std::size_t j = 1; j < plan.size(); ++j)
            {
                CHECK(plan[j].first > plan[j - 1].first);
                CHECK(plan[j - 1].end >= plan[j].first + o);
            }
            if (n > w)
                CHECK(plan.size() == (n - o + (w - o) - 1) / (w - o));
        }
}

TEST_CASE("impute_block is identical for 1 and 3 threads and gives normalised posteriors", "[geno][impute]")
{
    auto const gm = simulated_block(120, 300, 4);
    impute_options opt;
    opt.model.clusters = 4;
    opt.restarts = 2;
    opt.window = 120;
    opt.overlap = 30;
    opt.refine.window = 60;
    opt.refine.overlap = 20;
    opt.em.max_iter = 8;
    opt.em.threads = 1;
    auto const a = impute_block(gm, opt, 0);
    opt.em.threads = 3;
    auto const b = impute_block(gm, opt, 0);
    REQUIRE(a.missing > 0);
    REQUIRE(a.gp.size() == 3 * a.missing);
    CHECK(a.gp == b.gp);
    for (std::size_t j = 0; j < a.missing; ++j)
        CHECK(a.gp[3 * j] + a.gp[3 * j + 1] + a.gp[3 * j + 2] == Approx(1.0).epsilon(1e-5));
    CHECK(a.windows.size() == 3);
    for (auto const & w : a.windows)
    {
        CHECK(w.starts.size() == 2);
        for (auto const & s : w.starts)
            CHECK(s.decreases == 0);
        CHECK(w.refine.size() == static_cast<std::size_t>(opt.refine.rounds));
        for (auto const & r : w.refine)
            CHECK(r.decreases == 0);
    }
    // Another block index draws other starts.
    auto const c = impute_block(gm, opt, 1);
    CHECK(c.gp != a.gp);
}

TEST_CASE("the haplotype-cluster model imputes better than the allele-frequency baseline", "[geno][impute]")
{
    // Truth: simulate, then mask every 21st genotype.
    std::size_t const N = 200, M = 150;
    auto truth = simulated_block(N, M, 9);
    for (auto & x : truth.g)
        if (x < 0)
            x = 0; // (rare) simulated missing values count as 0 in the truth: they are not masked
    genotype_matrix masked = truth;
    for (std::size_t j = 0; j < masked.g.size(); j += 21) // 21: every sample, at different sites
        masked.g[j] = missing_genotype;
    auto err = [&](impute_result const & r) {
        std::size_t k = 0, wrong = 0;
        for (std::size_t j = 0; j < masked.g.size(); ++j)
            if (masked.g[j] == missing_genotype)
            {
                float const * p = r.gp.data() + 3 * k++;
                int const best = (p[1] > p[0] && p[1] >= p[2]) ? 1 : (p[2] > p[0] && p[2] > p[1]) ? 2 : 0;
                wrong += best != truth.g[j];
            }
        return static_cast<double>(wrong) / static_cast<double>(k);
    };
    impute_options opt;
    opt.model.clusters = 4;
    auto const hc = impute_block(masked, opt, 0);
    opt.method = impute_method::hwe;
    auto const hw = impute_block(masked, opt, 0);
    INFO("hapcluster " << err(hc) << ", hwe " << err(hw));
    CHECK(err(hc) < 0.5 * err(hw));
}

TEST_CASE("the HWE EM converges to the observed allele frequency without decreasing", "[geno][hwe]")
{
    std::vector<std::int8_t> g = {0, 1, 2, -1, 0, 0, 1, -1, 2, 2, -1, 1}; // 4 samples × 3 sites, sample-major
    hwe_model const model{g, 4, 3};
    em::options opt;
    opt.max_iter = 500;
    opt.tol = 1e-14;
    auto const r = em::fit(model, opt);
    REQUIRE(r.ok());
    CHECK(r.decreases == 0);
    // site 0: observed 0, 1, 2 → 3/6; site 1: 1, 0 → 1/4; site 2: 2, 0, 2, 1 → 5/8
    CHECK(r.params[0] == Approx(3.0 / 6).epsilon(1e-6));
    CHECK(r.params[1] == Approx(1.0 / 4).epsilon(1e-6));
    CHECK(r.params[2] == Approx(5.0 / 8).epsilon(1e-6));
    double q[3];
    hwe_model::genotype_probabilities(0.25, q);
    CHECK(q[0] == Approx(0.5625));
    CHECK(q[1] == Approx(0.375));
    CHECK(q[2] == Approx(0.0625));
}
