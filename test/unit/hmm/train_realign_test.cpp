// Realignment after training (train.hpp, "Realignment"; train_options::realign).
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include "test_residues.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;
using emtk::seq::sequence_set;

namespace {

using emtk::hmm::test::indel_model;

train_options base_options()
{
    train_options o;
    o.max_iter = 15;
    o.consensus_starts = 5;
    o.realign = realign_mode::retrain;
    o.realign_keep = realign_keep_rule::agreement;
    o.threads = 1;
    return o;
}

} // namespace

TEST_CASE("train realign: parse and print the modes", "[hmm][train][realign]")
{
    realign_mode m = realign_mode::off;
    CHECK(parse_realign_mode("retrain", m));
    CHECK(m == realign_mode::retrain);
    CHECK(parse_realign_mode("rebuild", m));
    CHECK(m == realign_mode::rebuild);
    CHECK(parse_realign_mode("off", m));
    CHECK(m == realign_mode::off);
    CHECK_FALSE(parse_realign_mode("on", m));
    CHECK(std::string{to_string(realign_mode::retrain)} == "retrain");
    CHECK(train_options{}.realign == realign_mode::retrain);
    CHECK(train_options{}.realign_keep == realign_keep_rule::accuracy);
    realign_keep_rule k = realign_keep_rule::always;
    CHECK(parse_realign_keep("accuracy", k));
    CHECK(k == realign_keep_rule::accuracy);
    CHECK(parse_realign_keep("better", k));
    CHECK(k == realign_keep_rule::agreement);
    CHECK(parse_realign_keep("always", k));
    CHECK(k == realign_keep_rule::always);
    CHECK_FALSE(parse_realign_keep("never", k));
    CHECK(std::string{to_string(realign_keep_rule::accuracy)} == "accuracy");
    CHECK(std::string{to_string(realign_keep_rule::agreement)} == "better");
}

TEST_CASE("train realign: the accuracy rule keeps the model with the larger sum of match posteriors",
          "[hmm][train][realign]")
{
    emtk::rng r{7};
    profile_hmm const truth = indel_model(r, 18);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 20, 43);
    std::size_t residues = 0;
    for (auto const & x : s.seqs)
        residues += x.dsq.size();
    train_options o = base_options();
    o.realign_keep = realign_keep_rule::accuracy;
    train_result const a = train_profile_hmm(s, o);
    auto const & ra = a.realign;
    REQUIRE(ra.mode == realign_mode::retrain);
    // Expected numbers of residues in match columns: positive, at most every residue.
    CHECK(ra.first_accuracy > 0);
    CHECK(ra.first_accuracy <= static_cast<double>(residues));
    CHECK(ra.second_accuracy > 0);
    CHECK(ra.second_accuracy <= static_cast<double>(residues));
    CHECK(ra.kept == (ra.second_accuracy > ra.first_accuracy));
    if (!ra.anneal_kept)
    {
        CHECK(a.hmm.M == (ra.kept ? ra.second_M : ra.first_M));
        CHECK(a.objective == (ra.kept ? ra.second_objective : ra.first_objective));
    }

    // The same two models as the always rule trains, whichever is kept; the same for 2 threads.
    o.realign_keep = realign_keep_rule::always;
    train_result const always = train_profile_hmm(s, o);
    CHECK(always.realign.second_objective == ra.second_objective);
    CHECK(always.realign.first_objective == ra.first_objective);
    CHECK(always.realign.first_accuracy == 0);
    o.realign_keep = realign_keep_rule::accuracy;
    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(b.realign.first_accuracy == ra.first_accuracy);
    CHECK(b.realign.second_accuracy == ra.second_accuracy);
    CHECK(b.hmm.mat == a.hmm.mat);
    CHECK(b.hmm.t == a.hmm.t);
}

TEST_CASE("train realign: the annealed retrain is one more candidate of the accuracy rule",
          "[hmm][train][realign]")
{
    emtk::rng r{11};
    profile_hmm const truth = indel_model(r, 24);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 16, 5);
    std::size_t residues = 0;
    for (auto const & x : s.seqs)
        residues += x.dsq.size();
    CHECK(train_options{}.realign_anneal == 10);
    train_options o = base_options();
    o.realign_keep = realign_keep_rule::accuracy;
    o.realign_anneal = 0;
    train_result const off = train_profile_hmm(s, o);
    CHECK(off.realign.anneal_M == 0);
    CHECK_FALSE(off.realign.anneal_kept);

    o.realign_anneal = 10;
    train_result const a = train_profile_hmm(s, o);
    auto const & ra = a.realign;
    REQUIRE(ra.mode == realign_mode::retrain);
    REQUIRE(ra.anneal_message.empty());
    // The first two candidates are those of the run without it.
    CHECK(ra.first_accuracy == off.realign.first_accuracy);
    CHECK(ra.second_accuracy == off.realign.second_accuracy);
    CHECK(ra.kept == off.realign.kept);
    // The annealed model: made, finite, its accuracy at most every residue, kept exactly when it is
    // the largest of the candidates', and then the result.
    CHECK(ra.anneal_M >= 1);
    CHECK(std::isfinite(ra.anneal_objective));
    CHECK(ra.anneal_accuracy > 0);
    CHECK(ra.anneal_accuracy <= static_cast<double>(residues));
    double const before = ra.kept ? ra.second_accuracy : ra.first_accuracy;
    CHECK(ra.anneal_kept == (ra.anneal_accuracy > before));
    if (ra.anneal_kept)
    {
        CHECK(a.hmm.M == ra.anneal_M);
        CHECK(a.objective == ra.anneal_objective);
    }
    else
    {
        CHECK(a.hmm.mat == off.hmm.mat);
        CHECK(a.hmm.t == off.hmm.t);
    }
    // The noise differs from the plain retrain's (no noise): another model.
    CHECK(ra.anneal_objective != ra.second_objective);
    // Deterministic from the seed: identical for 2 threads.
    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(b.realign.anneal_accuracy == ra.anneal_accuracy);
    CHECK(b.realign.anneal_kept == ra.anneal_kept);
    CHECK(b.hmm.mat == a.hmm.mat);
    CHECK(b.hmm.t == a.hmm.t);
}

TEST_CASE("train realign: retrain keeps the model its rule picks, finite, identical for 1 and 2 threads",
          "[hmm][train][realign]")
{
    emtk::rng r{7};
    profile_hmm const truth = indel_model(r, 18);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 20, 43);
    train_options o = base_options();
    train_result const a = train_profile_hmm(s, o);
    REQUIRE(a.consensus_candidates >= 3);
    auto const & ra = a.realign;
    CHECK(ra.mode == realign_mode::retrain);
    CHECK(ra.message.empty());
    CHECK(std::isfinite(ra.first_objective));
    CHECK(std::isfinite(ra.second_objective));
    CHECK(std::isfinite(a.objective));
    CHECK(ra.first_agreement > 0);
    CHECK(ra.first_agreement <= 1);
    CHECK(ra.second_agreement > 0);
    CHECK(ra.second_agreement <= 1);
    CHECK(ra.second_M >= 1);
    // The keep/reject rule: the second model exactly when its agreement is higher.
    CHECK(ra.kept == (ra.second_agreement > ra.first_agreement));
    CHECK(a.hmm.M == (ra.kept ? ra.second_M : ra.first_M));
    CHECK(a.objective == (ra.kept ? ra.second_objective : ra.first_objective));
    CHECK(a.decreases == 0);

    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(b.realign.kept == ra.kept);
    CHECK(b.realign.first_agreement == ra.first_agreement);
    CHECK(b.realign.second_agreement == ra.second_agreement);
    CHECK(b.trace == a.trace);
    CHECK(b.hmm.mat == a.hmm.mat);
    CHECK(b.hmm.t == a.hmm.t);

    // Off: the first model, unchanged.
    o.threads = 1;
    o.realign = realign_mode::off;
    train_result const off = train_profile_hmm(s, o);
    CHECK(off.realign.mode == realign_mode::off);
    CHECK_FALSE(off.realign.kept);
    CHECK(off.hmm.M == ra.first_M);
    CHECK(off.objective == ra.first_objective);
    if (!ra.kept)
        CHECK(off.hmm.mat == a.hmm.mat);

    // Always: the second model whatever the agreement says.
    o.realign = realign_mode::retrain;
    o.realign_keep = realign_keep_rule::always;
    train_result const always = train_profile_hmm(s, o);
    CHECK(always.realign.kept);
    CHECK(always.hmm.M == ra.second_M);
    CHECK(always.objective == ra.second_objective);
    CHECK(always.realign.second_agreement == ra.second_agreement);
}

TEST_CASE("train realign: rebuild takes the built model; no consensus, no realignment", "[hmm][train][realign]")
{
    emtk::rng r{11};
    profile_hmm const truth = indel_model(r, 15);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 16, 5);
    train_options o = base_options();
    o.realign = realign_mode::rebuild;
    o.realign_keep = realign_keep_rule::always;
    train_result const a = train_profile_hmm(s, o);
    CHECK(a.realign.mode == realign_mode::rebuild);
    CHECK(a.realign.kept);
    CHECK(a.hmm.M == a.realign.second_M);
    CHECK(std::isfinite(a.objective));
    CHECK(a.objective == a.realign.second_objective);
    for (int k = 1; k <= a.hmm.M; ++k)
    {
        double sum = 0;
        for (double v : a.hmm.match(k))
            sum += v;
        CHECK(std::abs(sum - 1) < 1e-9);
    }

    // A seeded start has no consensus candidates: the step does not run and says why.
    train_options seeded = base_options();
    seeded.realign = realign_mode::retrain;
    seeded.seed_sequence = s.seqs[3].name;
    train_result const b = train_profile_hmm(s, seeded);
    CHECK(b.realign.mode == realign_mode::off);
    CHECK_FALSE(b.realign.kept);
    CHECK_FALSE(b.realign.message.empty());
}

TEST_CASE("train realign: given sequence weights replace the k-mer clusters'", "[hmm][train][realign]")
{
    // The retrain takes its alignment's Henikoff weights (train_options::sequence_weights).
    emtk::rng r{9};
    profile_hmm const truth = indel_model(r, 12);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 6, 45);
    train_options o = base_options();
    o.realign = realign_mode::off;
    o.consensus_starts = 0;
    o.entropy_weighting = false;
    o.sequence_weights = {1.5, 0.5, 1, 1, 2, 0};
    train_result const a = train_profile_hmm(s, o);
    CHECK(a.weights == o.sequence_weights);
    CHECK(a.effective_sequences == 6);
    o.sequence_weights.pop_back();
    CHECK_THROWS_AS(train_profile_hmm(s, o), emtk::usage_error);
}

TEST_CASE("train realign: more annealed draws are more candidates; draw 0 is the single annealed retrain",
          "[hmm][train][realign]")
{
    emtk::rng r{11};
    profile_hmm const truth = indel_model(r, 24);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 16, 5);
    CHECK(train_options{}.realign_anneal_draws == 1);
    train_options o = base_options();
    o.realign_keep = realign_keep_rule::accuracy;
    train_result const one = train_profile_hmm(s, o);
    REQUIRE(one.realign.anneal_accuracies.size() == 1);
    CHECK(one.realign.anneal_accuracies[0] == one.realign.anneal_accuracy);
    CHECK(one.realign.anneal_kept_draw == (one.realign.anneal_kept ? 0 : -1));

    o.realign_anneal_draws = 3;
    train_result const a = train_profile_hmm(s, o);
    auto const & ra = a.realign;
    REQUIRE(ra.anneal_message.empty());
    REQUIRE(ra.anneal_accuracies.size() == 3);
    // Draw 0 has the run's noise: the same model as the single annealed retrain.
    CHECK(ra.anneal_accuracies[0] == one.realign.anneal_accuracy);
    CHECK(ra.first_accuracy == one.realign.first_accuracy);
    CHECK(ra.second_accuracy == one.realign.second_accuracy);
    // The other draws are other models; the reported draw is the best (the earliest on ties).
    CHECK(ra.anneal_accuracies[1] != ra.anneal_accuracies[0]);
    CHECK(ra.anneal_accuracies[2] != ra.anneal_accuracies[1]);
    double const best = *std::max_element(ra.anneal_accuracies.begin(), ra.anneal_accuracies.end());
    CHECK(ra.anneal_accuracy == best);
    double const before = ra.kept ? ra.second_accuracy : ra.first_accuracy;
    CHECK(ra.anneal_kept == (best > before));
    if (ra.anneal_kept)
    {
        CHECK(ra.anneal_accuracies[static_cast<std::size_t>(ra.anneal_kept_draw)] == best);
        CHECK(a.hmm.M == ra.anneal_M);
        CHECK(a.objective == ra.anneal_objective);
    }
    else
        CHECK(ra.anneal_kept_draw == -1);
    // Identical for 1, 2 and 4 threads (the draws run side by side).
    for (int t : {2, 4})
    {
        o.threads = t;
        train_result const b = train_profile_hmm(s, o);
        CHECK(b.realign.anneal_accuracies == ra.anneal_accuracies);
        CHECK(b.realign.anneal_kept_draw == ra.anneal_kept_draw);
        CHECK(b.hmm.mat == a.hmm.mat);
        CHECK(b.hmm.t == a.hmm.t);
    }
}

TEST_CASE("train realign: the consistency start is one more candidate, off by default and above its bounds",
          "[hmm][train][realign]")
{
    emtk::rng r{7};
    profile_hmm const truth = indel_model(r, 18);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 12, 43);
    std::size_t residues = 0;
    for (auto const & x : s.seqs)
        residues += x.dsq.size();
    CHECK(train_options{}.consistency_start_max == 0);
    train_options o = base_options();
    o.realign_keep = realign_keep_rule::accuracy;
    train_result const off = train_profile_hmm(s, o);
    CHECK(off.realign.cstart_first_M == 0);
    CHECK(off.realign.cstart_kept == 0);

    o.consistency_start_max = 40;
    train_result const a = train_profile_hmm(s, o);
    auto const & ra = a.realign;
    REQUIRE(ra.cstart_message.empty());
    // The main pipeline's candidates are unchanged.
    CHECK(ra.first_accuracy == off.realign.first_accuracy);
    CHECK(ra.second_accuracy == off.realign.second_accuracy);
    CHECK(ra.anneal_accuracy == off.realign.anneal_accuracy);
    CHECK(ra.cstart_first_M >= 1);
    CHECK(ra.cstart_first_accuracy > 0);
    CHECK(ra.cstart_first_accuracy <= static_cast<double>(residues));
    CHECK(ra.cstart_second_accuracy <= static_cast<double>(residues));
    double kept = ra.kept ? ra.second_accuracy : ra.first_accuracy;
    if (ra.anneal_kept)
        kept = ra.anneal_accuracy;
    double const cs = std::max(ra.cstart_first_accuracy, ra.cstart_second_accuracy);
    CHECK((ra.cstart_kept != 0) == (cs > kept));
    if (ra.cstart_kept == 0)
    {
        CHECK(a.hmm.mat == off.hmm.mat);
        CHECK(a.hmm.t == off.hmm.t);
    }
    else
        CHECK(a.hmm.M == (ra.cstart_kept == 2 ? ra.cstart_second_M : ra.cstart_first_M));
    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(b.realign.cstart_first_accuracy == ra.cstart_first_accuracy);
    CHECK(b.realign.cstart_second_accuracy == ra.cstart_second_accuracy);
    CHECK(b.realign.cstart_kept == ra.cstart_kept);
    CHECK(b.hmm.mat == a.hmm.mat);
    CHECK(b.hmm.t == a.hmm.t);

    // Above the sequence bound or the cell bound: not run, says why, the model unchanged.
    o.threads = 1;
    o.consistency_start_max = 11;
    train_result const few = train_profile_hmm(s, o);
    CHECK(few.realign.cstart_first_M == 0);
    CHECK_FALSE(few.realign.cstart_message.empty());
    CHECK(few.hmm.mat == off.hmm.mat);
    o.consistency_start_max = 40;
    o.consistency_start_max_cells = 100;
    train_result const big = train_profile_hmm(s, o);
    CHECK(big.realign.cstart_first_M == 0);
    CHECK_FALSE(big.realign.cstart_message.empty());
    CHECK(big.hmm.mat == off.hmm.mat);
}
