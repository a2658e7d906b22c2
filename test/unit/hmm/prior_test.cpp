#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <vector>

using namespace emtk::hmm;

TEST_CASE("prior: HMMER's parameter values are copied correctly", "[hmm][prior]")
{
    // Spot checks against HMMER 3 src/p7_prior.c (p7_prior_CreateAmino / CreateNucleic).
    hmm_prior const a = amino_prior();
    REQUIRE(a.em.q.size() == 9);
    REQUIRE(a.em.K() == 20);
    CHECK(a.em.q[0] == 0.178091);
    CHECK(a.em.q[8] == 0.234585);
    CHECK(a.em.alpha[0][0] == 0.270671);  // component 1, A
    CHECK(a.em.alpha[4][9] == 0.999446);  // component 5, L
    CHECK(a.em.alpha[5][17] == 0.944340); // component 6, V
    CHECK(a.em.alpha[8][19] == 0.002686); // component 9, Y
    CHECK(a.tm.alpha[0] == std::vector<double>{0.7939, 0.0278, 0.0135});
    CHECK(a.ti.alpha[0] == std::vector<double>{0.1551, 0.1331});
    CHECK(a.td.alpha[0] == std::vector<double>{0.9002, 0.5630});
    CHECK(a.ei.alpha[0][5] == 902.);  // G
    CHECK(a.ei.alpha[0][18] == 102.); // W
    hmm_prior const n = nucleic_prior();
    CHECK(n.em.q == std::vector<double>{0.24, 0.26, 0.08, 0.42});
    CHECK(n.em.alpha[2] == std::vector<double>{1.29, 0.40, 6.58, 0.51});
    CHECK(n.tm.alpha[0] == std::vector<double>{2.0, 0.1, 0.1});
    CHECK(n.ti.alpha[0] == std::vector<double>{0.12, 0.4});
    CHECK(n.td.alpha[0] == std::vector<double>{0.5, 1.0});
    for (auto const * p : {&a, &n})
        CHECK(std::accumulate(p->em.q.begin(), p->em.q.end(), 0.0) == Approx(1.0).margin(1e-5));
}

TEST_CASE("prior: single Dirichlet update is the hand-computed (c + alpha) / (N + sum alpha)", "[hmm][prior]")
{
    // Nucleic match transitions alpha = (2, 0.1, 0.1), counts (8, 1, 1): (10, 1.1, 1.1) / 12.2.
    dirichlet_mixture const d = nucleic_prior().tm;
    std::vector<double> const c{8, 1, 1};
    std::vector<double> theta{1.0 / 3, 1.0 / 3, 1.0 / 3}, mean(3);
    map_update(d, c, theta, mixture_inner_steps);
    CHECK(theta[0] == Approx(10.0 / 12.2).epsilon(1e-12));
    CHECK(theta[1] == Approx(1.1 / 12.2).epsilon(1e-12));
    CHECK(theta[2] == Approx(1.1 / 12.2).epsilon(1e-12));
    posterior_mean(d, c, mean);
    for (int a = 0; a < 3; ++a)
        CHECK(mean[a] == Approx(theta[a]).epsilon(1e-12));
    // Objective density Dir(theta; alpha + 1): Laplace on K = 2 is Dir(2, 2); at (1/2, 1/2) it is
    // Gamma(4) / (Gamma(2) Gamma(2)) * 1/2 * 1/2 = 1.5.
    std::vector<double> const half{0.5, 0.5};
    CHECK(log_objective_density(laplace_prior(2).ti, half) == Approx(std::log(1.5)).epsilon(1e-12));
}

TEST_CASE("prior: mixture posterior weights sum to 1 and the mean is a hand-checkable mixture", "[hmm][prior]")
{
    // Two components on K = 2: alpha1 = (1, 1), alpha2 = (10, 1), q = (0.5, 0.5), counts (2, 0).
    // B(c + a)/B(a): comp 1: B(3,1)/B(1,1) = (1/3)/1; comp 2: B(12,1)/B(10,1) = (1/12)/(1/10) = 10/12.
    dirichlet_mixture d;
    d.q = {0.5, 0.5};
    d.alpha = {{1, 1}, {10, 1}};
    std::vector<double> const c{2, 0};
    std::vector<double> mean(2), w(2);
    posterior_mean(d, c, mean, w);
    double const w1 = (1.0 / 3) / (1.0 / 3 + 10.0 / 12), w2 = 1 - w1;
    CHECK(w[0] + w[1] == Approx(1.0).epsilon(1e-14));
    CHECK(w[0] == Approx(w1).epsilon(1e-12));
    CHECK(mean[0] == Approx(w1 * 3.0 / 4 + w2 * 12.0 / 13).epsilon(1e-12));
    CHECK(mean[0] + mean[1] == Approx(1.0).epsilon(1e-14));

    // The amino mixture's posterior weights sum to 1 for arbitrary counts.
    emtk::rng r{7};
    dirichlet_mixture const em = amino_prior().em;
    std::vector<double> cnt(20), m20(20), w9(9);
    for (auto & v : cnt)
        v = r.uniform() * 5;
    posterior_mean(em, cnt, m20, w9);
    CHECK(std::accumulate(w9.begin(), w9.end(), 0.0) == Approx(1.0).epsilon(1e-12));
    CHECK(std::accumulate(m20.begin(), m20.end(), 0.0) == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("prior: each mixture MM step never decreases c log theta + log p(theta)", "[hmm][prior]")
{
    emtk::rng r{11};
    dirichlet_mixture const em = amino_prior().em;
    for (int trial = 0; trial < 20; ++trial)
    {
        std::vector<double> c(20), theta(20, 1.0 / 20);
        for (auto & v : c)
            v = r.uniform() < 0.3 ? r.uniform() * 10 : 0.0;
        auto f = [&](std::vector<double> const & t) {
            double s = log_objective_density(em, t);
            for (int a = 0; a < 20; ++a)
                s += c[a] * std::log(t[a]);
            return s;
        };
        double prev = f(theta);
        for (int step = 0; step < 10; ++step)
        {
            map_update(em, c, theta, 1);
            double const now = f(theta);
            CHECK(now >= prev - 1e-10 * std::fabs(prev));
            prev = now;
        }
    }
}

TEST_CASE("prior: estimate_parameters maximises counts plus log prior over whole models", "[hmm][prior]")
{
    emtk::rng r{3};
    int const M = 5, K = 4;
    hmm_prior const pri = nucleic_prior();
    profile_hmm h = random_profile_hmm(r, M, K);
    hmm_counts c{M, K};
    for (int k = 0; k <= M; ++k)
    {
        for (int x = 0; x < n_transitions; ++x)
            c.t[static_cast<std::size_t>(k)][static_cast<std::size_t>(x)] = r.uniform() * 5;
        for (int a = 0; a < K; ++a)
        {
            c.mat[static_cast<std::size_t>(k * K + a)] = k ? r.uniform() * 5 : 0;
            c.ins[static_cast<std::size_t>(k * K + a)] = r.uniform() * 2;
        }
    }
    auto objective = [&](profile_hmm const & p) {
        double s = log_prior_density(p, pri);
        for (int k = 0; k <= M; ++k)
        {
            auto const & t = p.t[static_cast<std::size_t>(k)];
            auto const & n = c.t[static_cast<std::size_t>(k)];
            for (int x = 0; x < n_transitions; ++x)
                if (t[static_cast<std::size_t>(x)] > 0)
                    s += n[static_cast<std::size_t>(x)] * std::log(t[static_cast<std::size_t>(x)]);
            for (int a = 0; a < K; ++a)
            {
                if (k)
                    s += c.match(k, a) * std::log(p.match(k)[static_cast<std::size_t>(a)]);
                s += c.insert(k, a) * std::log(p.insert(k)[static_cast<std::size_t>(a)]);
            }
        }
        return s;
    };
    double prev = objective(h);
    for (int it = 0; it < 5; ++it)
    {
        estimate_parameters(c, pri, h);
        REQUIRE_FALSE(profile_hmm_problem(h, 1e-9).has_value());
        double const now = objective(h);
        CHECK(now >= prev - 1e-9 * std::fabs(prev));
        prev = now;
    }
    // Small perturbations of the single-Dirichlet rows (exact maximisers) do not do better.
    for (int trial = 0; trial < 10; ++trial)
    {
        profile_hmm q = h;
        for (auto & t : q.t)
            for (int x = 0; x < 3; ++x)
                t[static_cast<std::size_t>(x)] *= 1 + 0.05 * (r.uniform() - 0.5);
        normalize(q);
        CHECK(objective(q) <= objective(h) + 1e-6);
    }
}

TEST_CASE("prior: kinds parse and none gives maximum likelihood", "[hmm][prior]")
{
    prior_kind k{};
    CHECK(parse_prior_kind("default", k));
    CHECK(k == prior_kind::standard);
    CHECK(parse_prior_kind("laplace", k));
    CHECK(parse_prior_kind("none", k));
    CHECK(k == prior_kind::none);
    CHECK_FALSE(parse_prior_kind("dirichlet", k));
    CHECK(make_prior(prior_kind::none, emtk::seq::alphabet_type::dna).none);
    CHECK(make_prior(prior_kind::standard, emtk::seq::alphabet_type::amino).em.q.size() == 9);
    CHECK(make_prior(prior_kind::laplace, emtk::seq::alphabet_type::rna).em.K() == 4);
}

TEST_CASE("prior: cached normalisers give exactly the values computed without them", "[hmm][prior]")
{
    emtk::rng r{12};
    for (dirichlet_mixture const & cached : {amino_prior().em, nucleic_prior().em, amino_prior().tm, amino_prior().tm.head(2)})
    {
        REQUIRE(cached.shifted_norm.size() == cached.q.size());
        REQUIRE(cached.log_beta.size() == cached.q.size());
        dirichlet_mixture plain;
        plain.q = cached.q;
        plain.alpha = cached.alpha;
        auto const K = static_cast<std::size_t>(cached.K());
        for (int trial = 0; trial < 10; ++trial)
        {
            std::vector<double> c(K), theta(K);
            double z = 0;
            for (std::size_t a = 0; a < K; ++a)
            {
                c[a] = r.uniform() < 0.4 ? r.uniform() * 8 : 0.0;
                z += theta[a] = 0.05 + r.uniform();
            }
            for (auto & v : theta)
                v /= z;
            CHECK(log_objective_density(cached, theta) == log_objective_density(plain, theta));
            std::vector<double> t1 = theta, t2 = theta;
            map_update(cached, c, t1, mixture_inner_steps);
            map_update(plain, c, t2, mixture_inner_steps);
            CHECK(t1 == t2);
            std::vector<double> m1(K), m2(K), w1(cached.q.size()), w2(cached.q.size());
            posterior_mean(cached, c, m1, w1);
            posterior_mean(plain, c, m2, w2);
            CHECK(m1 == m2);
            CHECK(w1 == w2);
        }
    }
}
