// Copy-number mixture and HMM: parameter recovery on simulated windows, monotone EM, determinism.

#include <catch2/catch.hpp>

#include <emtk/cov/cn_model.hpp>
#include <emtk/cov/gc.hpp>
#include <emtk/cov/segment.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace emtk;

namespace {

/// Windows along chromosomes of `n` windows each, CN 2 with segments of CN 0, 1, 3, 4; depth =
/// NB(mean CN × haploid × scale, size) / scale (read-equivalent counts turned back into depth).
struct sim
{
    std::vector<double> depth;
    std::vector<int> cn;
    std::vector<std::size_t> offsets{0};
};

sim simulate(std::uint64_t seed, int chroms, int n, double haploid, double scale, double size)
{
    rng r{seed};
    sim s;
    int const cns[] = {0, 1, 3, 4};
    for (int c = 0; c < chroms; ++c)
    {
        std::vector<int> cn(static_cast<std::size_t>(n), 2);
        for (int k = 0; k < 4; ++k)
        {
            int const a = static_cast<int>(r.below(static_cast<std::uint64_t>(n - 60))) + 10;
            int const len = 20 + static_cast<int>(r.below(40));
            for (int i = a; i < std::min(n, a + len); ++i)
                cn[static_cast<std::size_t>(i)] = cns[k];
        }
        for (int i = 0; i < n; ++i)
        {
            int const c0 = cn[static_cast<std::size_t>(i)];
            double const mu = (c0 == 0 ? 0.01 : c0) * haploid * scale;
            s.depth.push_back(static_cast<double>(r.negative_binomial(mu, size)) / scale);
            s.cn.push_back(c0);
        }
        s.offsets.push_back(s.depth.size());
    }
    return s;
}

double accuracy(std::vector<int> const & a, std::vector<int> const & b)
{
    std::size_t good = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        good += a[i] == b[i];
    return static_cast<double>(good) / static_cast<double>(a.size());
}

bool non_decreasing(std::vector<double> const & t)
{
    for (std::size_t i = 1; i < t.size(); ++i)
        if (t[i] < t[i - 1] - 1e-9 * std::max(1.0, std::fabs(t[i])))
            return false;
    return true;
}

} // namespace

TEST_CASE("tied negative binomial mixture recovers the haploid depth and the copy numbers", "[cov]")
{
    sim const s = simulate(7, 3, 1500, 10.0, 10.0, 200.0);
    cov::cn_options opt;
    opt.count_scale = 10.0;
    cov::cn_values const v = cov::make_values(s.depth, opt);
    auto const f = cov::fit_cn_mixture(v, opt);
    REQUIRE(f.ok);
    CHECK(f.haploid_depth == Approx(10.0).epsilon(0.02));
    CHECK(f.size == Approx(200.0).epsilon(0.3));
    CHECK(f.decreases == 0);
    CHECK(non_decreasing(f.trace));
    CHECK(f.weights.size() == 7);
    CHECK(f.weights[2] > 0.8);
    auto const st = cov::tied_states(v, f);
    std::vector<int> cn;
    std::vector<double> post;
    cov::mixture_calls(v, st, cn, post);
    CHECK(accuracy(cn, s.cn) > 0.99);
    for (double p : post)
        REQUIRE((p >= 0 && p <= 1 + 1e-12));
}

TEST_CASE("Poisson and Gaussian families call the same copy numbers on clean data", "[cov]")
{
    sim const s = simulate(11, 2, 1500, 10.0, 10.0, 1e6);
    for (auto fam : {mix::family::poisson, mix::family::gaussian})
    {
        cov::cn_options opt;
        opt.family = fam;
        opt.count_scale = 10.0;
        cov::cn_values const v = cov::make_values(s.depth, opt);
        auto const f = cov::fit_cn_mixture(v, opt);
        REQUIRE(f.ok);
        INFO(mix::to_string(fam));
        CHECK(f.haploid_depth == Approx(10.0).epsilon(0.02));
        CHECK(f.decreases == 0);
        std::vector<int> cn;
        std::vector<double> post;
        cov::mixture_calls(v, cov::tied_states(v, f), cn, post);
        CHECK(accuracy(cn, s.cn) > 0.98);
    }
}

TEST_CASE("the CN 0 state cannot collapse onto exact zeros", "[cov]")
{
    // Half the windows are exactly 0: with a free mean the CN-0 component would collapse onto 0
    // (infinite density for the Gaussian); tied to a fixed fraction of λ it stays finite.
    sim s = simulate(3, 1, 2000, 8.0, 10.0, 1e4);
    for (std::size_t i = 0; i < 1000; ++i)
        s.depth[i] = 0;
    for (auto fam : {mix::family::negbin, mix::family::gaussian})
    {
        cov::cn_options opt;
        opt.family = fam;
        opt.count_scale = 10.0;
        auto const v = cov::make_values(s.depth, opt);
        auto const f = cov::fit_cn_mixture(v, opt);
        REQUIRE(f.ok);
        CHECK(std::isfinite(f.log_likelihood));
        CHECK(f.weights[0] == Approx(0.5).epsilon(0.05));
        CHECK(f.haploid_depth == Approx(8.0).epsilon(0.05));
    }
}

TEST_CASE("the HMM beats window-by-window calls on noisy data and its Baum-Welch objective never decreases", "[cov]")
{
    // Over-dispersed windows (size 25): single windows are often misclassified, segments are not.
    sim const s = simulate(5, 4, 1200, 10.0, 10.0, 25.0);
    cov::cn_options opt;
    opt.count_scale = 10.0;
    auto const v = cov::make_values(s.depth, opt);
    auto const f = cov::fit_cn_mixture(v, opt);
    REQUIRE(f.ok);
    auto const st = cov::tied_states(v, f);
    std::vector<int> cn;
    std::vector<double> post;
    cov::mixture_calls(v, st, cn, post);
    cov::hmm_options ho;
    ho.em.threads = 1;
    auto const h1 = cov::fit_cn_hmm(v, st, s.offsets, ho);
    REQUIRE(h1.ok);
    double const mix_acc = accuracy(cn, s.cn), hmm_acc = accuracy(h1.cn, s.cn);
    INFO("mixture " << mix_acc << " hmm " << hmm_acc);
    CHECK(hmm_acc > mix_acc);
    CHECK(hmm_acc > 0.97);
    CHECK(h1.decreases == 0);
    CHECK(non_decreasing(h1.trace));
    // Rows of the transition matrix and the initial distribution sum to 1.
    std::size_t const S = st.states;
    for (std::size_t i = 0; i < S; ++i)
    {
        double row = 0;
        for (std::size_t j = 0; j < S; ++j)
            row += h1.transition[i * S + j];
        CHECK(row == Approx(1.0).epsilon(1e-12));
    }
    // Same result with 2 threads (chromosomes in parallel, fixed-order merge).
    ho.em.threads = 2;
    auto const h2 = cov::fit_cn_hmm(v, st, s.offsets, ho);
    CHECK(h2.trace == h1.trace);
    CHECK(h2.cn == h1.cn);
    CHECK(h2.posterior == h1.posterior);
    auto const segs = cov::make_segments(s.offsets, h1.cn, h1.posterior, s.depth);
    std::size_t covered = 0;
    for (auto const & g : segs)
    {
        covered += g.last - g.first + 1;
        CHECK((g.quality >= 0 && g.quality <= 1 + 1e-12));
    }
    CHECK(covered == s.depth.size());
}

TEST_CASE("GC correction removes a GC trend from the depths", "[cov]")
{
    rng r{9};
    std::vector<double> depth, gc;
    for (int i = 0; i < 20000; ++i)
    {
        double const g = 0.3 + 0.4 * r.uniform();
        gc.push_back(g);
        depth.push_back(20.0 * (1.0 + 1.5 * (g - 0.5)) + r.normal(0, 1));
    }
    auto const before = depth;
    auto const s = cov::gc_correct(depth, gc);
    CHECK(s.corrected == 20000);
    // Mean depth of low-GC and high-GC windows: far apart before, close after.
    auto split = [&](std::vector<double> const & d) {
        double lo = 0, hi = 0;
        int nl = 0, nh = 0;
        for (std::size_t i = 0; i < d.size(); ++i)
            (gc[i] < 0.4 ? (lo += d[i], ++nl) : gc[i] > 0.6 ? (hi += d[i], ++nh) : 0);
        return hi / nh - lo / nl;
    };
    CHECK(split(before) > 5.0);
    CHECK(std::fabs(split(depth)) < 0.5);
}
