/// \file
/// \brief Unit tests of streaming input for hmm train (include/emtk/hmm/train_stream.hpp): the
/// threshold, the composition from spool counts, the spread of the sample's weights, and a
/// streamed training that equals the in-memory one where both see the same data.

#include <emtk/hmm/train_pipeline.hpp>
#include <emtk/hmm/train_stream.hpp>
#include <emtk/util/error.hpp>

#include "seq/gzip_fixture.hpp"
#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace emtk::hmm;
using emtk::test::temp_dir;

namespace {

/// n DNA records around one ancestor (every 5th record has an N), deterministic.
std::string dna_fasta(int n, int len)
{
    std::string const nt = "ACGT";
    std::string out;
    for (int i = 0; i < n; ++i)
    {
        out += ">d" + std::to_string(i) + "\n";
        for (int j = 0; j < len; ++j)
        {
            int const base = (j * 7 + j / 3) % 4;
            bool const mutate = (i * 31 + j * 17) % 11 == 0;
            out.push_back(i % 5 == 0 && j == len / 2 ? 'N' : nt[static_cast<std::size_t>(mutate ? (base + 1) % 4 : base)]);
        }
        out += "\n";
    }
    return out;
}

} // namespace

TEST_CASE("stream_threshold: never in batch mode, at least the stepwise threshold in auto", "[hmm][train][stream]")
{
    train_options o;
    o.mode = emtk::em::em_mode::batch;
    CHECK(stream_threshold(o, 10) == std::numeric_limits<std::size_t>::max());
    o.mode = emtk::em::em_mode::stepwise;
    CHECK(stream_threshold(o, 10) == 10);
    CHECK(stream_threshold(o, 0) == 2);
    o.mode = emtk::em::em_mode::automatic;
    CHECK(stream_threshold(o, 10) == o.stepwise_min_sequences);
    CHECK(stream_threshold(o, o.stepwise_min_sequences + 5) == o.stepwise_min_sequences + 5);
}

TEST_CASE("stream_composition and spread_sample_weights", "[hmm][train][stream]")
{
    temp_dir dir;
    auto const path = dir.write("d.fa", dna_fasta(40, 30));
    auto const all = emtk::seq::read_sequences(path);
    auto const in = emtk::seq::read_or_spool(path, {}, 2, dir.path().string());
    REQUIRE(in.spool);
    auto const a = residue_composition(all), b = stream_composition(*in.spool);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k)
        CHECK(b[k] == Approx(a[k]).epsilon(1e-14));

    train_options o;
    train_result r;
    r.weights = {1.0, 0.5, 0.5, 1.0};
    r.effective_sequences = 3.0;
    spread_sample_weights(o, 10, r);
    REQUIRE(r.weights.size() == 10);
    CHECK(r.weights[9] == 0.75);
    CHECK(r.effective_sequences == 7.5);
    o.effective_number = 2;
    spread_sample_weights(o, 8, r);
    CHECK(r.weights[0] == Approx(0.25));
    CHECK(r.effective_sequences == 2);
}

TEST_CASE("streamed training equals in-memory training on the same data", "[hmm][train][stream]")
{
    // 40 sequences: the sample is the whole set; no weights, no consensus of starts (file
    // comment of train_stream.hpp), so both runs see the same data and the same steps.
    temp_dir dir;
    training_job job;
    job.input = dir.write("d.fa", dna_fasta(40, 30));
    job.train.mode = emtk::em::em_mode::stepwise;
    job.train.stepwise.batch_size = 8;
    job.train.stepwise.max_passes = 3;
    job.train.stepwise.polish = 2;
    job.train.weighting = false;
    job.train.consensus_starts = 0;
    job.train.threads = 2;
    auto const mem = run_training(job);
    CHECK(mem.spool == nullptr);
    job.stream_min_sequences = 2;
    auto const st = run_training(job);
    REQUIRE(st.spool != nullptr);
    CHECK(st.sequences == 40);
    CHECK(st.residues == mem.residues);
    CHECK(st.record_name(39) == "d39");
    CHECK(st.result.objective == mem.result.objective);
    CHECK(st.result.hmm.mat == mem.result.hmm.mat);
    CHECK(st.result.stepwise.used);

    job.train.seed_sequence = "nope";
    job.train.consensus_starts = 0;
    CHECK_THROWS_WITH(run_training(job), Catch::Contains("no sequence named 'nope'"));
}

TEST_CASE("streamed training: a truncated gzip input is one user error naming the file and record",
          "[hmm][train][stream]")
{
    // The spool is written in one front-to-back pass; a gzip stream cut in the middle must stop
    // training before any model is made, with the file and the record being read.
    temp_dir dir;
    auto const full = dir.file("full.fa.gz");
    emtk::test::write_gzip(full, dna_fasta(3000, 60));
    auto const bytes = emtk::test::slurp(full);
    training_job job;
    job.input = dir.write("cut.fa.gz", bytes.substr(0, bytes.size() / 2));
    job.train.mode = emtk::em::em_mode::stepwise;
    job.train.consensus_starts = 0;
    job.stream_min_sequences = 2;
    std::string msg;
    try
    {
        (void)run_training(job);
        FAIL("no error for a truncated gzip file");
    }
    catch (emtk::user_error const & e)
    {
        msg = e.what();
    }
    INFO(msg);
    CHECK(msg.starts_with(job.input + ": record "));
    CHECK(msg.ends_with(": truncated gzip file (unexpected end of data)"));
}
