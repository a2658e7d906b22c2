// Invariants of the haplotype-cluster HMM: the O(K²) forward-backward against the naive O(K⁴)
// recursion, forward = backward likelihood, posteriors normalised, EM monotone, parameters recovered.

#include "simulate_genotypes.hpp"

#include <emtk/em/fit.hpp>
#include <emtk/geno/hapcluster.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace emtk;
using namespace emtk::geno;

namespace {

double emit(int g, double a, double b)
{
    if (g == 0)
        return (1 - a) * (1 - b);
    if (g == 1)
        return a * (1 - b) + (1 - a) * b;
    if (g == 2)
        return a * b;
    return 1;
}

double trans(hapcluster_params const & p, std::size_t m, int k, int l)
{
    return (1 - p.jump[m]) * (k == l ? 1.0 : 0.0) + p.jump[m] * p.alpha[m * p.K + l];
}

/// The naive O(K⁴)-per-marker recursion, unscaled (small M only): forward and backward tables.
struct naive
{
    std::vector<double> f, b;
    double lik = 0;
};

naive naive_fb(hapcluster_params const & p, std::vector<std::int8_t> const & g)
{
    int const K = p.K;
    std::size_t const M = p.M, KK = static_cast<std::size_t>(K * K);
    naive n;
    n.f.assign(M * KK, 0);
    n.b.assign(M * KK, 0);
    for (int k = 0; k < K; ++k)
        for (int l = 0; l < K; ++l)
            n.f[k * K + l] = p.alpha[k] * p.alpha[l] * emit(g[0], p.theta[k], p.theta[l]);
    for (std::size_t m = 1; m < M; ++m)
        for (int l1 = 0; l1 < K; ++l1)
            for (int l2 = 0; l2 < K; ++l2)
            {
                double s = 0;
                for (int k1 = 0; k1 < K; ++k1)
                    for (int k2 = 0; k2 < K; ++k2)
                        s += n.f[(m - 1) * KK + k1 * K + k2] * trans(p, m, k1, l1) * trans(p, m, k2, l2);
                n.f[m * KK + l1 * K + l2] = s * emit(g[m], p.theta[m * K + l1], p.theta[m * K + l2]);
            }
    for (std::size_t j = 0; j < KK; ++j)
        n.b[(M - 1) * KK + j] = 1;
    for (std::size_t m = M - 1; m >= 1; --m)
        for (int k1 = 0; k1 < K; ++k1)
            for (int k2 = 0; k2 < K; ++k2)
            {
                double s = 0;
                for (int l1 = 0; l1 < K; ++l1)
                    for (int l2 = 0; l2 < K; ++l2)
                        s += trans(p, m, k1, l1) * trans(p, m, k2, l2) *
                             emit(g[m], p.theta[m * K + l1], p.theta[m * K + l2]) * n.b[m * KK + l1 * K + l2];
                n.b[(m - 1) * KK + k1 * K + k2] = s;
            }
    n.lik = 0;
    for (std::size_t j = 0; j < KK; ++j)
        n.lik += n.f[(M - 1) * KK + j];
    return n;
}

hapcluster_params random_params(int K, std::size_t M, std::uint64_t seed)
{
    rng r{seed, 7};
    hapcluster_params p;
    hapcluster_options opt;
    hapcluster_initialize(p, K, M, opt, r);
    for (std::size_t m = 1; m < M; ++m)
        p.jump[m] = 0.02 + 0.5 * r.uniform();
    for (std::size_t m = 0; m < M; ++m)
    {
        double s = 0;
        for (int k = 0; k < K; ++k)
            s += p.alpha[m * K + k] = 0.1 + r.uniform();
        for (int k = 0; k < K; ++k)
            p.alpha[m * K + k] /= s;
    }
    return p;
}

std::vector<std::int8_t> random_genotypes(std::size_t M, std::uint64_t seed, double missing = 0.2)
{
    rng r{seed, 9};
    std::vector<std::int8_t> g(M);
    for (auto & x : g)
        x = r.uniform() < missing ? missing_genotype : static_cast<std::int8_t>(r.below(3));
    return g;
}

} // namespace

TEST_CASE("forward equals the naive O(K^4) recursion and the backward likelihood", "[geno][hapcluster]")
{
    for (int K : {1, 2, 3, 4})
        for (std::uint64_t seed : {1u, 2u, 3u})
        {
            std::size_t const M = 9;
            auto p = random_params(K, M, seed);
            auto g = random_genotypes(M, seed);
            naive const n = naive_fb(p, g);
            double const fw = hapcluster_forward_backward(p, g, nullptr);
            double const bw = hapcluster_backward_loglik(p, g);
            INFO("K = " << K << ", seed = " << seed);
            CHECK(fw == Approx(std::log(n.lik)).epsilon(1e-12));
            CHECK(bw == Approx(fw).epsilon(1e-12));
        }
}

TEST_CASE("pair posteriors are normalised, symmetric and equal the naive ones", "[geno][hapcluster]")
{
    int const K = 3;
    std::size_t const M = 8, KK = 9;
    auto p = random_params(K, M, 11);
    auto g = random_genotypes(M, 12);
    std::vector<double> pair;
    hapcluster_forward_backward(p, g, nullptr, nullptr, &pair);
    naive const n = naive_fb(p, g);
    for (std::size_t m = 0; m < M; ++m)
    {
        double s = 0;
        for (std::size_t j = 0; j < KK; ++j)
            s += pair[m * KK + j];
        CHECK(s == Approx(1.0).epsilon(1e-12));
        for (int k = 0; k < K; ++k)
            for (int l = 0; l < K; ++l)
            {
                CHECK(pair[m * KK + k * K + l] == Approx(pair[m * KK + l * K + k]).margin(1e-14));
                double const want = n.f[m * KK + k * K + l] * n.b[m * KK + k * K + l] / n.lik;
                CHECK(pair[m * KK + k * K + l] == Approx(want).margin(1e-12));
            }
    }
}

TEST_CASE("expected jumps equal the naive two-marker posterior", "[geno][hapcluster]")
{
    int const K = 3;
    std::size_t const M = 7, KK = 9;
    auto p = random_params(K, M, 21);
    auto g = random_genotypes(M, 22);
    auto s = make_hapcluster_stats(K, M);
    hapcluster_forward_backward(p, g, &s);
    naive const n = naive_fb(p, g);
    CHECK(s.jumps[0] == 2.0);
    CHECK(s.samples == 1.0);
    for (std::size_t m = 1; m < M; ++m)
    {
        double total = 0;
        for (int l1 = 0; l1 < K; ++l1)
        {
            // P(chain 1 jumps into l1 at m | g), both chains: twice that.
            double v = 0;
            for (int k1 = 0; k1 < K; ++k1)
                for (int k2 = 0; k2 < K; ++k2)
                    for (int l2 = 0; l2 < K; ++l2)
                        v += n.f[(m - 1) * KK + k1 * K + k2] * p.jump[m] * p.alpha[m * K + l1] * trans(p, m, k2, l2) *
                             emit(g[m], p.theta[m * K + l1], p.theta[m * K + l2]) * n.b[m * KK + l1 * K + l2];
            v = 2 * v / n.lik;
            CHECK(s.jump_to[m * K + l1] == Approx(v).margin(1e-12));
            total += v;
        }
        CHECK(s.jumps[m] == Approx(total).margin(1e-12));
        CHECK(s.jumps[m] <= 2.0 + 1e-12);
    }
}

TEST_CASE("genotype posteriors at a missing marker are the likelihood ratio", "[geno][hapcluster]")
{
    int const K = 4;
    std::size_t const M = 12;
    auto p = random_params(K, M, 31);
    auto g = random_genotypes(M, 32, 0.0);
    std::size_t const m = 5;
    g[m] = missing_genotype;
    std::vector<double> post(3 * M);
    double const l_missing = hapcluster_forward_backward(p, g, nullptr, post.data());
    double sum = 0;
    for (int x = 0; x < 3; ++x)
    {
        auto gx = g;
        gx[m] = static_cast<std::int8_t>(x);
        double const lx = hapcluster_forward_backward(p, gx, nullptr);
        CHECK(post[3 * m + x] == Approx(std::exp(lx - l_missing)).epsilon(1e-10));
        sum += post[3 * m + x];
    }
    CHECK(sum == Approx(1.0).epsilon(1e-12));
    // Observed markers: a point mass on the observed genotype (never changed).
    for (std::size_t j = 0; j < M; ++j)
        if (j != m)
            CHECK(post[3 * j + g[j]] == 1.0);
}

TEST_CASE("EM never decreases the objective and recovers the generating model", "[geno][hapcluster]")
{
    // Seed printed by Catch on failure through INFO; fixed so that luck cannot fail the test.
    std::uint64_t const seed = 5;
    INFO("seed " << seed);
    int const K = 2;
    std::size_t const M = 30, N = 1500;
    hapcluster_params truth;
    truth.K = K;
    truth.M = M;
    truth.jump.assign(M, 0.1);
    truth.jump[0] = 1;
    truth.alpha.assign(M * K, 0.5);
    truth.theta.resize(M * K);
    rng r{seed, 1};
    for (std::size_t m = 0; m < M; ++m)
    {
        // Two clearly different haplotype clusters at every marker.
        double const hi = 0.8 + 0.15 * r.uniform(), lo = 0.05 + 0.15 * r.uniform();
        bool const flip = r.uniform() < 0.5;
        truth.theta[m * K + 0] = flip ? lo : hi;
        truth.theta[m * K + 1] = flip ? hi : lo;
    }
    auto const data = test::simulate_hapcluster(truth, N, 0.05, seed);
    // Double precision: no decrease beyond round-off. Single precision (the default E-step): its
    // objective carries ~1e-8 relative round-off, so decreases are counted beyond 1e-7 only.
    for (bool const single : {false, true})
    {
        INFO("single precision " << single);
        hapcluster_options hopt;
        hopt.clusters = K;
        hopt.single_precision = single;
        hapcluster_model const model{data, N, M, hopt};
        em::options opt;
        opt.max_iter = 300;
        opt.tol = 1e-9;
        opt.restarts = 3;
        opt.seed = seed;
        opt.threads = 2;
        opt.chunk_size = 64;
        double const tol = single ? 1e-7 : 1e-9;
        opt.decrease_tol = tol;
        auto const res = em::fit(model, opt);
        REQUIRE(res.ok());
        CHECK(res.decreases == 0);
        for (std::size_t t = 1; t < res.trace.size(); ++t)
            CHECK(res.trace[t] >= res.trace[t - 1] - tol * std::abs(res.trace[t]));
        // The fitted likelihood is at least the true model's (EM maximises it), up to convergence.
        double l_true = 0;
        for (std::size_t i = 0; i < N; ++i)
            l_true += hapcluster_forward_backward(truth, model.sample(i), nullptr);
        CHECK(res.log_likelihood >= l_true - 1.0);
        // Jump rates and the θ of each marker (as a set: clusters are identified up to a permutation).
        double jump_err = 0, theta_err = 0;
        for (std::size_t m = 1; m < M; ++m)
            jump_err += std::abs(res.params.jump[m] - truth.jump[m]);
        for (std::size_t m = 0; m < M; ++m)
        {
            double a0 = res.params.theta[m * K], a1 = res.params.theta[m * K + 1];
            double b0 = truth.theta[m * K], b1 = truth.theta[m * K + 1];
            theta_err += std::abs(std::min(a0, a1) - std::min(b0, b1)) + std::abs(std::max(a0, a1) - std::max(b0, b1));
        }
        CHECK(jump_err / (M - 1) < 0.03);
        CHECK(theta_err / (2 * M) < 0.03);
    }
}

TEST_CASE("the single-precision forward-backward agrees with the double one", "[geno][hapcluster]")
{
    // Documented bounds (hapcluster.hpp): log-likelihood ~1e-7 relative per marker, statistics and
    // posteriors ~1e-5. K = 13 and 5 exercise the row padding (K not a multiple of 4).
    for (int const K : {1, 5, 12, 13})
    {
        INFO("K " << K);
        std::size_t const M = 400;
        auto const p = random_params(K, M, 40 + static_cast<std::uint64_t>(K));
        auto const g = random_genotypes(M, 41, 0.1);
        auto sd = make_hapcluster_stats(K, M), sf = make_hapcluster_stats(K, M);
        std::vector<double> gd(3 * M), gf(3 * M);
        double const ld = hapcluster_forward_backward(p, g, &sd, gd.data());
        hapcluster_prepared const pp{p};
        bool fell_back = true;
        double const lf = hapcluster_forward_backward(pp, g, &sf, gf.data(), &fell_back);
        CHECK_FALSE(fell_back);
        CHECK(lf == Approx(ld).epsilon(1e-6));
        CHECK(lf != ld); // really computed in another precision (the test could not tell otherwise)
        for (std::size_t j = 0; j < sd.alt.size(); ++j)
        {
            CHECK(sf.chains[j] == Approx(sd.chains[j]).margin(1e-5));
            CHECK(sf.alt[j] == Approx(sd.alt[j]).margin(1e-5));
            CHECK(sf.jump_to[j] == Approx(sd.jump_to[j]).margin(1e-5));
        }
        for (std::size_t m = 0; m < M; ++m)
            CHECK(sf.jumps[m] == Approx(sd.jumps[m]).margin(1e-5));
        CHECK(sf.samples == 1.0);
        for (std::size_t j = 0; j < 3 * M; ++j)
            CHECK(gf[j] == Approx(gd[j]).margin(1e-5));
    }
}

TEST_CASE("a draw without backward outputs (forward only) equals the draw with them", "[geno][hapcluster]")
{
    // hapcluster_forward_backward skips the backward pass when neither statistics nor genotype
    // posteriors are wanted: the log-likelihood and the draw must not change (both precisions).
    for (int const K : {5, 12})
    {
        std::size_t const M = 300;
        auto const p = random_params(K, M, 70 + static_cast<std::uint64_t>(K));
        auto const g = random_genotypes(M, 71, 0.1);
        hapcluster_prepared const pp{p};
        std::vector<double> post(3 * M);
        for (bool const single : {true, false})
        {
            std::vector<std::uint8_t> a1(M), a2(M), b1(M), b2(M);
            rng ra{5, 1}, rb{5, 1};
            haplotype_draw const da{&ra, a1.data(), a2.data()}, db{&rb, b1.data(), b2.data()};
            double const la = single ? hapcluster_forward_backward(pp, g, nullptr, post.data(), nullptr, &da)
                                     : hapcluster_forward_backward(p, g, nullptr, post.data(), nullptr, &da);
            double const lb = single ? hapcluster_forward_backward(pp, g, nullptr, nullptr, nullptr, &db)
                                     : hapcluster_forward_backward(p, g, nullptr, nullptr, nullptr, &db);
            CHECK(la == lb);
            CHECK(a1 == b1);
            CHECK(a2 == b2);
        }
    }
}

TEST_CASE("the single-precision forward-backward falls back to double when float underflows", "[geno][hapcluster]")
{
    // θ = 1e-30 in both clusters at marker 3 with genotype 2: the emission 1e-60 is 0 in float
    // (c_3 = 0), representable in double. The fast call must notice and return the double result.
    int const K = 2;
    std::size_t const M = 8;
    auto p = random_params(K, M, 50);
    auto g = random_genotypes(M, 51, 0.0);
    p.theta[3 * K] = p.theta[3 * K + 1] = 1e-30;
    g[3] = 2;
    auto sd = make_hapcluster_stats(K, M), sf = make_hapcluster_stats(K, M);
    double const ld = hapcluster_forward_backward(p, g, &sd);
    REQUIRE(std::isfinite(ld));
    hapcluster_prepared const pp{p};
    bool fell_back = false;
    double const lf = hapcluster_forward_backward(pp, g, &sf, nullptr, &fell_back);
    CHECK(fell_back);
    CHECK(lf == ld);
    CHECK(sf.chains == sd.chains);
    CHECK(sf.jump_to == sd.jump_to);
    CHECK(sf.samples == 1.0);
}

TEST_CASE("statistics merge and the M-step clamps", "[geno][hapcluster]")
{
    int const K = 2;
    std::size_t const M = 3;
    auto a = make_hapcluster_stats(K, M), b = make_hapcluster_stats(K, M);
    a.alt[1] = 1;
    b.alt[1] = 2;
    a.samples = 1;
    b.samples = 2;
    a += b;
    CHECK(a.alt[1] == 3);
    CHECK(a.samples == 3);
    hapcluster_options opt;
    hapcluster_params p;
    rng r{1};
    hapcluster_initialize(p, K, M, opt, r);
    auto s = make_hapcluster_stats(K, M);
    s.samples = 10;
    s.chains[0] = 4;
    s.alt[0] = 4; // θ = 1 → clamped
    s.chains[1] = 4;
    s.alt[1] = 0; // θ = 0 → clamped
    double const keep = p.theta[2];
    hapcluster_maximize(s, p, opt);
    CHECK(p.theta[0] == opt.theta_max);
    CHECK(p.theta[1] == opt.theta_min);
    CHECK(p.theta[2] == keep); // no data at marker 1: unchanged
    CHECK(p.jump[1] == opt.jump_min);
}
