#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;
using emtk::seq::sequence_set;

namespace {

sequence_set random_set(emtk::rng & r, alphabet_type type, std::size_t n, std::size_t L)
{
    sequence_set s;
    s.type = type;
    s.source = "random";
    int const K = emtk::seq::alphabet::get(type).K();
    for (std::size_t i = 0; i < n; ++i)
    {
        emtk::seq::sequence q;
        q.name = std::to_string(i);
        q.name.insert(0, 1, 's'); // (not "s" + to_string: GCC 12 -Wrestrict false positive)
        std::size_t const len = L - 3 + r.below(7);
        for (std::size_t j = 0; j < len; ++j)
            q.dsq.push_back(static_cast<std::uint8_t>(r.below(static_cast<std::uint64_t>(K))));
        s.seqs.push_back(std::move(q));
    }
    return s;
}

/// A DNA model with peaked match emissions (0.85 on one residue) and a strong main line.
profile_hmm peaked_model(emtk::rng & r, int M)
{
    profile_hmm h(M, 4);
    for (int k = 0; k <= M; ++k)
    {
        auto & t = h.t[static_cast<std::size_t>(k)];
        t = {0.9, 0.05, 0.05, 0.6, 0.4, 0.7, 0.3};
        if (k == 0)
            t[t_dm] = 1, t[t_dd] = 0;
        if (k == M)
            t = {0.95, 0.05, 0.0, 0.6, 0.4, 1.0, 0.0};
        if (k >= 1)
        {
            int const top = static_cast<int>(r.below(4));
            for (int a = 0; a < 4; ++a)
                h.match(k)[static_cast<std::size_t>(a)] = a == top ? 0.85 : 0.05;
        }
    }
    return h;
}

double total_loglik(profile_hmm const & h, sequence_set const & s)
{
    profile_options o;
    o.local = false;
    o.multihit = false;
    profile const p = make_profile(h, residue_sets_of(emtk::seq::alphabet::get(s.type)), o);
    dp_matrix f;
    double ll = 0;
    for (auto const & q : s.seqs)
        ll += forward(p, q.dsq, f);
    return ll;
}

} // namespace

TEST_CASE("train: k-mer cluster weights share one unit among near-duplicates", "[hmm][train]")
{
    emtk::rng r{4};
    sequence_set s = random_set(r, alphabet_type::dna, 3, 40);
    s.seqs.push_back(s.seqs[0]); // a duplicate of sequence 0
    double neff = 0;
    auto const w = kmer_cluster_weights(s, 0.8, neff);
    CHECK(w[0] == 0.5);
    CHECK(w[3] == 0.5);
    CHECK(w[1] == 1.0);
    CHECK(w[2] == 1.0);
    CHECK(neff == 3.0);
}

TEST_CASE("train: the clean-phase objective never decreases, DNA with annealing", "[hmm][train]")
{
    emtk::rng r{21};
    sequence_set const s = random_set(r, alphabet_type::dna, 40, 16);
    train_options o;
    o.length = 10;
    o.anneal_steps = 4;
    o.max_iter = 25;
    o.tol = 0; // run all iterations
    o.restarts = 2;
    train_result const res = train_profile_hmm(s, o);
    CHECK(res.decreases == 0);
    REQUIRE(res.trace.size() >= 2);
    for (std::size_t i = 1; i < res.trace.size(); ++i)
        CHECK(res.trace[i] >= res.trace[i - 1] - 1e-9 * std::fabs(res.trace[i]));
    CHECK_FALSE(profile_hmm_problem(res.hmm).has_value());
    CHECK(res.restarts.size() == 2);
    CHECK(res.hmm.M == 10);
}

TEST_CASE("train: the objective never decreases with the amino mixture prior and with none", "[hmm][train]")
{
    emtk::rng r{22};
    sequence_set const s = random_set(r, alphabet_type::amino, 20, 12);
    // The double E-step: monotone to 1e-9 relative; the float E-step: to float_decrease_tol.
    for (bool fl : {false, true})
    for (prior_kind k : {prior_kind::standard, prior_kind::none, prior_kind::laplace})
    {
        train_options o;
        o.prior = k;
        o.max_iter = 15;
        o.tol = 0;
        o.float_estep = fl;
        train_result const res = train_profile_hmm(s, o);
        INFO("prior " << to_string(k) << ", float E-step " << fl);
        CHECK(res.decreases == 0);
        double const slack = fl ? float_decrease_tol : 1e-9;
        for (std::size_t i = 1; i < res.trace.size(); ++i)
            CHECK(res.trace[i] >= res.trace[i - 1] - slack * std::fabs(res.trace[i]));
        CHECK(res.hmm.M >= 9); // median of lengths 9 … 15
    }
}

TEST_CASE("train: results are byte-identical for 1 and 2 threads", "[hmm][train]")
{
    emtk::rng r{23};
    sequence_set const s = random_set(r, alphabet_type::dna, 48, 14);
    train_options o;
    o.length = 8;
    o.anneal_steps = 3;
    o.max_iter = 10;
    o.chunk_size = 4;
    o.threads = 1;
    train_result const a = train_profile_hmm(s, o);
    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(a.trace == b.trace);
    CHECK(a.hmm.mat == b.hmm.mat);
    CHECK(a.hmm.ins == b.hmm.ins);
    CHECK(a.hmm.t == b.hmm.t);
}

TEST_CASE("train: a seed-sequence start sets M and bad input is a user error", "[hmm][train]")
{
    emtk::rng r{24};
    sequence_set s = random_set(r, alphabet_type::dna, 10, 12);
    train_options o;
    o.seed_sequence = "s3";
    o.max_iter = 3;
    train_result const res = train_profile_hmm(s, o);
    CHECK(res.hmm.M == static_cast<int>(s.seqs[3].dsq.size()));
    o.seed_sequence = "nope";
    CHECK_THROWS_AS(train_profile_hmm(s, o), emtk::user_error);
    s.seqs.resize(1);
    CHECK_THROWS_AS(train_profile_hmm(s, train_options{}), emtk::user_error);
}

TEST_CASE("train: recovers the match emissions of a known DNA model", "[hmm][train]")
{
    // 300 sequences emitted (glocal) from a peaked M = 12 model; train with M known. Tolerances:
    // mean |trained − true| over all match emissions < 0.05, and a held-out log-likelihood
    // (100 sequences, same null model and profile configuration) within 0.1 nats per sequence of
    // the true model's.
    emtk::rng r{2024};
    int const M = 12;
    profile_hmm truth = peaked_model(r, M);
    sequence_set const train = emit_sequences(truth, alphabet_type::dna, 300, 77);
    sequence_set const held = emit_sequences(truth, alphabet_type::dna, 100, 78);
    train_options o;
    o.length = M;
    o.restarts = 2;
    o.anneal_steps = 5;
    o.max_iter = 60;
    o.tol = 1e-7;
    o.weighting = false;
    o.threads = 2;
    train_result const res = train_profile_hmm(train, o);
    CHECK(res.decreases == 0);
    double mad = 0;
    for (int k = 1; k <= M; ++k)
        for (int a = 0; a < 4; ++a)
            mad += std::fabs(res.hmm.match(k)[static_cast<std::size_t>(a)] - truth.match(k)[static_cast<std::size_t>(a)]);
    mad /= 4.0 * M;
    INFO("mean absolute difference of match emissions " << mad);
    CHECK(mad < 0.05);
    profile_hmm trained = res.hmm;
    trained.null = truth.null;
    double const l_true = total_loglik(truth, held), l_fit = total_loglik(trained, held);
    INFO("held-out log-likelihood: true " << l_true << ", trained " << l_fit);
    CHECK(l_fit > l_true - 0.1 * 100);
}

TEST_CASE("train: surgery moves M toward the truth and keeps the objective consistent", "[hmm][train][surgery]")
{
    // 200 sequences emitted (glocal) from a peaked M = 12 model; training starts 3 nodes too long
    // (--length 15, random start) and runs up to 3 surgery rounds. Checks: every refit is monotone;
    // the rounds chain (each round starts from the previous round's objective); the reported
    // objective equals the weighted log-likelihood of the final model recomputed independently
    // with the log-space forward plus the log prior (to 1e-6 relative: em::fit reports the
    // objective of its last E-step, one converged M-step before the returned parameters); the
    // final M is within one node of the truth.
    emtk::rng r{77};
    int const M = 12;
    profile_hmm const truth = peaked_model(r, M);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 200, 79);
    train_options o;
    o.length = 15;
    o.surgery_rounds = 3;
    o.max_iter = 100;
    o.tol = 1e-9;
    o.threads = 2;
    train_result const res = train_profile_hmm(s, o);
    CHECK(res.decreases == 0);
    REQUIRE(!res.surgery.empty());
    REQUIRE(res.lengths.size() >= 2);
    CHECK(res.lengths.front() == 15);
    CHECK(res.lengths.back() == res.hmm.M);
    CHECK(std::abs(res.hmm.M - M) <= 1);
    for (std::size_t i = 1; i < res.surgery.size(); ++i)
        CHECK(res.surgery[i].objective_before == res.surgery[i - 1].objective_after);

    // Independent recomputation: glocal unihit profile with the training composition as null.
    profile_options po;
    po.local = false;
    po.multihit = false;
    profile_hmm h = res.hmm;
    h.null = residue_composition(s);
    profile const p = make_profile(h, residue_sets_of(emtk::seq::alphabet::get(s.type)), po);
    dp_matrix f;
    double ll = 0;
    for (std::size_t i = 0; i < s.seqs.size(); ++i)
        ll += res.weights[i] * forward(p, s.seqs[i].dsq, f);
    double const obj = ll + log_prior_density(res.hmm, make_prior(o.prior, s.type));
    INFO("reported objective " << res.objective << ", recomputed " << obj);
    CHECK(std::abs(obj - res.objective) <= 1e-6 * std::abs(obj));
    CHECK(std::abs(ll - res.log_likelihood) <= 1e-6 * std::abs(ll));
}

TEST_CASE("train: stepwise EM is chosen by size and recovers a known DNA model as batch EM does",
          "[hmm][train][stepwise]")
{
    train_options o;
    CHECK_FALSE(uses_stepwise(o.stepwise_min_sequences - 1, o));
    CHECK(uses_stepwise(o.stepwise_min_sequences, o));
    o.mode = emtk::em::em_mode::batch;
    CHECK_FALSE(uses_stepwise(1'000'000, o));
    o.mode = emtk::em::em_mode::stepwise;
    CHECK(uses_stepwise(2, o));

    // 2,000 sequences emitted from a peaked M = 12 model; mini-batches of 100 (20 M-steps a pass),
    // the pass objective on 100 held-out sequences (1/20 of the set). The stepwise model is batch
    // EM's (match emissions within 0.03, held-out log-likelihood within 0.05 nats per sequence) and
    // as good as the truth on held-out sequences (within 0.1 nats per sequence).
    emtk::rng r{2025};
    int const M = 12;
    profile_hmm truth = peaked_model(r, M);
    sequence_set const train = emit_sequences(truth, alphabet_type::dna, 2000, 81);
    sequence_set const held = emit_sequences(truth, alphabet_type::dna, 200, 82);
    o.length = M;
    o.weighting = false;
    o.max_iter = 60;
    o.tol = 1e-7;
    o.stepwise.batch_size = 100;
    o.stepwise.max_passes = 15;
    o.threads = 1;
    train_result const sw = train_profile_hmm(train, o);
    REQUIRE(sw.stepwise.used);
    CHECK(sw.stepwise.held_out >= 100); // whole blocks of 100 / 32 = 3 sequences
    CHECK(sw.stepwise.held_out < 103);
    CHECK(sw.stepwise.passes >= 2);
    CHECK(std::isfinite(sw.objective));
    o.mode = emtk::em::em_mode::batch;
    train_result const batch = train_profile_hmm(train, o);
    CHECK_FALSE(batch.stepwise.used);
    // The stepwise and the batch model: match emissions within 0.03 of each other on average.
    double mad = 0;
    for (int k = 1; k <= M; ++k)
        for (int a = 0; a < 4; ++a)
            mad += std::fabs(sw.hmm.match(k)[static_cast<std::size_t>(a)] - batch.hmm.match(k)[static_cast<std::size_t>(a)]);
    mad /= 4.0 * M;
    INFO("mean absolute difference of match emissions, stepwise vs batch " << mad);
    CHECK(mad < 0.03);
    profile_hmm a = sw.hmm, b = batch.hmm;
    a.null = b.null = truth.null;
    double const l_true = total_loglik(truth, held), l_sw = total_loglik(a, held), l_batch = total_loglik(b, held);
    INFO("held-out log-likelihood: true " << l_true << ", stepwise " << l_sw << ", batch " << l_batch);
    CHECK(l_sw > l_true - 0.1 * 200);
    CHECK(std::fabs(l_sw - l_batch) < 0.05 * 200);

    o.mode = emtk::em::em_mode::stepwise;
    o.threads = 2;
    train_result const sw2 = train_profile_hmm(train, o);
    CHECK(sw2.trace == sw.trace);
    CHECK(sw2.hmm.mat == sw.hmm.mat);
    CHECK(sw2.hmm.t == sw.hmm.t);
}

TEST_CASE("train: the consensus of starts trains from one of its candidates, identically for 1 and 2 threads",
          "[hmm][train][consensus]")
{
    emtk::rng r{31};
    profile_hmm const truth = peaked_model(r, 14);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 16, 91);
    train_options o;
    o.max_iter = 12;
    o.consensus_starts = 5;
    o.realign = realign_mode::off; // compared with a seeded run below, which cannot realign
    o.threads = 1;
    train_result const a = train_profile_hmm(s, o);
    CHECK(a.start == "central");
    CHECK(a.consensus_candidates >= 3);
    CHECK(a.consensus_candidates <= 5);
    REQUIRE(a.start_sequences.size() == 1);
    REQUIRE_FALSE(a.start_sequences[0].empty());
    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(a.start_sequences == b.start_sequences);
    CHECK(a.trace == b.trace);
    CHECK(a.hmm.mat == b.hmm.mat);
    CHECK(a.hmm.t == b.hmm.t);
    // The consensus only chooses the start: training from the chosen sequence gives the same model.
    train_options seeded = o;
    seeded.consensus_starts = 0;
    seeded.seed_sequence = a.start_sequences[0];
    train_result const c = train_profile_hmm(s, seeded);
    CHECK(c.consensus_candidates == 0);
    CHECK(c.hmm.M == a.hmm.M);
    CHECK(c.trace == a.trace);
    CHECK(c.hmm.mat == a.hmm.mat);
    // Off (0, or fewer than 3 candidates): no candidates compared.
    o.consensus_starts = 2;
    CHECK(train_profile_hmm(s, o).consensus_candidates == 0);
}

TEST_CASE("train: the consensus of starts picks the same start with stepwise and with batch EM",
          "[hmm][train][consensus][stepwise]")
{
    // Its short fits run batch EM in either mode (train.cpp), so the EM mode of the training does
    // not change the start: small noisy sets, where the candidates' alignments disagree.
    int compared = 0;
    for (std::uint64_t seed = 1; seed <= 5; ++seed)
    {
        emtk::rng r{seed};
        profile_hmm const truth = peaked_model(r, 10);
        sequence_set const s = emit_sequences(truth, alphabet_type::dna, 40, 300 + seed);
        train_options o;
        o.max_iter = 15;
        o.consensus_starts = 6;
        o.threads = 1;
        o.stepwise.batch_size = 4;
        o.stepwise.max_passes = 6;
        o.mode = emtk::em::em_mode::batch;
        train_result const batch = train_profile_hmm(s, o);
        o.mode = emtk::em::em_mode::stepwise;
        train_result const sw = train_profile_hmm(s, o);
        CAPTURE(seed);
        REQUIRE(sw.stepwise.used);
        CHECK(sw.consensus_candidates == batch.consensus_candidates);
        CHECK(sw.start_sequences == batch.start_sequences);
        compared += batch.consensus_candidates >= 3 ? 1 : 0;
    }
    CHECK(compared >= 3);
}
