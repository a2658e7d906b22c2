// Independent training candidates fitted side by side (src/hmm/train_concurrent.hpp): every task
// runs once with its share of the threads, errors come back in task order, and a training run
// (consensus short fits, retrain and annealed retrain side by side) is identical — model, trace,
// keep decisions and the progress callbacks' sequence — for 1, 2 and 4 threads.
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/util/rng.hpp>

#include "hmm/train_concurrent.hpp"
#include "test_residues.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;
using emtk::seq::sequence_set;

TEST_CASE("run_concurrently: every task once, with its share of the threads; errors in task order",
          "[hmm][train][concurrent]")
{
    for (int threads : {1, 2, 3, 4})
    {
        INFO("threads " << threads);
        std::vector<int> ran(7, 0), given(7, 0);
        std::vector<std::size_t> worker(7, 99);
        detail::run_concurrently(ran.size(), threads, [&](std::size_t i, std::size_t w, int t) {
            ++ran[i];
            given[i] = t;
            worker[i] = w;
        });
        std::size_t const workers = static_cast<std::size_t>(std::min(threads, 7));
        for (std::size_t i = 0; i < ran.size(); ++i)
        {
            CHECK(ran[i] == 1);
            CHECK(given[i] == (workers > 1 ? threads / static_cast<int>(workers) : threads));
            CHECK(worker[i] < workers);
        }
        // Tasks 2 and 5 fail: task 2's error is the one rethrown, whatever the timing (every task
        // below a failing one was claimed before it and runs to its end).
        std::atomic<int> count{0};
        try
        {
            detail::run_concurrently(7, threads, [&](std::size_t i, std::size_t, int) {
                ++count;
                if (i == 2 || i == 5)
                    throw std::runtime_error("task " + std::to_string(i));
            });
            FAIL("no exception");
        }
        catch (std::runtime_error const & e)
        {
            CHECK(std::string{e.what()} == "task 2");
        }
        // Tasks 0–2 ran; after the failure no further task starts (one after another on this
        // thread, threads = 1, the loop stops at task 2).
        CHECK(count.load() >= 3);
        if (threads == 1)
            CHECK(count.load() == 3);
    }
}

using emtk::hmm::test::indel_model;

TEST_CASE("train: candidates side by side give the same model and progress for 1, 2 and 4 threads",
          "[hmm][train][concurrent]")
{
    emtk::rng r{23};
    profile_hmm const truth = indel_model(r, 20);
    sequence_set const s = emit_sequences(truth, alphabet_type::dna, 14, 17);
    using call = std::tuple<int, int, int, double>; // phase, restart, iteration, objective
    auto run = [&](int threads, std::vector<call> & calls) {
        train_options o;
        o.max_iter = 12;
        o.consensus_starts = 5;
        o.realign = realign_mode::retrain;
        o.realign_keep = realign_keep_rule::accuracy;
        o.realign_anneal = 6;
        o.threads = threads;
        o.on_iteration = [&calls](int phase, emtk::em::iteration_info const & it) {
            calls.emplace_back(phase, it.restart, it.iteration, it.objective);
        };
        return train_profile_hmm(s, o);
    };
    std::vector<call> c1, c2, c4;
    train_result const a = run(1, c1);
    REQUIRE(a.consensus_candidates >= 3);
    REQUIRE(a.realign.message.empty());
    REQUIRE(a.realign.anneal_message.empty());
    CHECK(a.realign.anneal_M >= 1);
    for (auto [threads, calls] : {std::pair{2, &c2}, std::pair{4, &c4}})
    {
        INFO("threads " << threads);
        train_result const b = run(threads, *calls);
        CHECK(b.start_sequences == a.start_sequences);
        CHECK(b.realign.first_accuracy == a.realign.first_accuracy);
        CHECK(b.realign.second_accuracy == a.realign.second_accuracy);
        CHECK(b.realign.anneal_accuracy == a.realign.anneal_accuracy);
        CHECK(b.realign.kept == a.realign.kept);
        CHECK(b.realign.anneal_kept == a.realign.anneal_kept);
        CHECK(b.trace == a.trace);
        CHECK(b.hmm.mat == a.hmm.mat);
        CHECK(b.hmm.ins == a.hmm.ins);
        CHECK(b.hmm.t == a.hmm.t);
        CHECK(*calls == c1); // the retrains' progress replayed in candidate order
    }
}
