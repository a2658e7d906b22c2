// The posterior-mean phase of profile-HMM training (include/emtk/hmm/train.hpp).
#include <emtk/hmm/prior.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;
using emtk::seq::sequence_set;

namespace {

/// n amino-acid sequences of lengths L-2 … L+2, each a noisy copy (70% kept) of one random
/// ancestor, so that training has a family to find.
sequence_set family_set(emtk::rng & r, std::size_t n, std::size_t L)
{
    std::vector<std::uint8_t> ancestor;
    for (std::size_t j = 0; j < L; ++j)
        ancestor.push_back(static_cast<std::uint8_t>(r.below(20)));
    sequence_set s;
    s.type = alphabet_type::amino;
    s.source = "family";
    for (std::size_t i = 0; i < n; ++i)
    {
        emtk::seq::sequence q;
        q.name = std::to_string(i);
        q.name.insert(0, 1, 'f');
        for (std::size_t j = 0; j < L; ++j)
        {
            if (r.below(20) == 0)
                continue; // a deletion
            q.dsq.push_back(r.below(10) < 7 ? ancestor[j] : static_cast<std::uint8_t>(r.below(20)));
            if (r.below(25) == 0)
                q.dsq.push_back(static_cast<std::uint8_t>(r.below(20))); // an insertion
        }
        s.seqs.push_back(std::move(q));
    }
    return s;
}

} // namespace

TEST_CASE("train: the mean estimator takes HMMER's posterior mean for match rows only", "[hmm][train]")
{
    emtk::rng r{31};
    sequence_set const s = family_set(r, 6, 12);
    int const M = 8, K = 20;
    hmm_prior const prior = make_prior(prior_kind::standard, alphabet_type::amino);
    train_options opt;
    opt.length = M;
    hmm_training_model model(s, M, prior, {}, residue_composition(s), opt);
    hmm_params start;
    emtk::rng gen{5, 0};
    model.initialize(gen, start);

    // Small counts (as under entropy weighting): a few residues per match row, some transitions.
    hmm_counts c(M, K);
    for (int k = 0; k <= M; ++k)
    {
        auto & t = c.t[static_cast<std::size_t>(k)];
        t[t_mm] = 2.5;
        t[t_mi] = 0.2;
        t[t_im] = 0.2;
        t[t_ii] = 0.1;
        if (k >= 1 && k < M)
        {
            t[t_md] = 0.1;
            t[t_dm] = 0.1;
        }
        for (int a = 0; a < K; ++a)
        {
            c.ins[static_cast<std::size_t>(k * K + a)] = 0.01;
            if (k >= 1)
                c.mat[static_cast<std::size_t>(k * K + a)] = a == k ? 2.0 : (a == k + 1 ? 0.6 : 0.0);
        }
    }
    c.sequences = 3;

    hmm_params map_p = start, mean_p = start;
    model.maximize(c, map_p);
    model.set_mean_estimator(true);
    model.maximize(c, mean_p);
    model.set_mean_estimator(false);

    std::vector<double> pm(static_cast<std::size_t>(K));
    double largest_map_difference = 0;
    for (int k = 1; k <= M; ++k)
    {
        std::vector<double> row(c.mat.begin() + k * K, c.mat.begin() + (k + 1) * K);
        posterior_mean(prior.em, row, pm);
        for (int a = 0; a < K; ++a)
        {
            auto const ua = static_cast<std::size_t>(a);
            CHECK(mean_p.hmm.match(k)[ua] == Approx(pm[ua]).epsilon(1e-12));
            largest_map_difference = std::max(largest_map_difference, std::fabs(map_p.hmm.match(k)[ua] - pm[ua]));
        }
    }
    // The two estimators differ at these small counts (else the phase would change nothing).
    CHECK(largest_map_difference > 1e-3);
    // Everything else is the MAP update in both cases.
    CHECK(mean_p.hmm.t == map_p.hmm.t);
    CHECK(mean_p.hmm.ins == map_p.hmm.ins);
    CHECK_FALSE(profile_hmm_problem(mean_p.hmm).has_value());
    // The profile used by the next E-step is rebuilt from the new parameters.
    REQUIRE(mean_p.prof);
    CHECK(mean_p.prof->M == M);
}

TEST_CASE("train: with the posterior-mean phase the reported MAP phase stays monotone", "[hmm][train]")
{
    emtk::rng r{32};
    sequence_set const s = family_set(r, 24, 20);
    train_options on;
    on.max_iter = 60;
    on.restarts = 2;
    train_options off = on;
    off.mean_phase_iter = 0;
    train_result const a = train_profile_hmm(s, on);
    train_result const b = train_profile_hmm(s, off);
    CHECK(a.mean_iterations >= 1);
    CHECK(a.mean_iterations <= on.mean_phase_iter);
    CHECK(b.mean_iterations == 0);
    CHECK(a.decreases == 0);
    REQUIRE(a.trace.size() >= 1);
    for (std::size_t i = 1; i < a.trace.size(); ++i)
        CHECK(a.trace[i] >= a.trace[i - 1] - 1e-9 * std::fabs(a.trace[i]));
    CHECK(a.objective == a.trace.back());
    CHECK_FALSE(profile_hmm_problem(a.hmm).has_value());
    // The phase changes the path EM takes, so the models differ.
    CHECK(a.hmm.mat != b.hmm.mat);

    // A phase of at most one iteration is bounded as asked.
    train_options one = on;
    one.mean_phase_iter = 1;
    one.restarts = 1;
    CHECK(train_profile_hmm(s, one).mean_iterations == 1);

    // No prior: no posterior mean, no phase.
    train_options none = on;
    none.prior = prior_kind::none;
    none.restarts = 1;
    CHECK(train_profile_hmm(s, none).mean_iterations == 0);
}
