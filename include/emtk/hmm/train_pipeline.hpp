#pragma once
/// \file
/// \brief `emtk hmm train`'s pipeline as one library call: read the sequences, build the start
/// (a seed HMM, or a model built from a seed alignment as hmmbuild would), train
/// (train_profile_hmm(), train.hpp) and calibrate the E-value statistics (calibrate.hpp). A front
/// end fills training_job, calls run_training() and writes the model (write_hmmer()) and a summary.

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/seq/sequence.hpp>
#include <emtk/seq/spool.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace emtk::hmm {

/// \brief Everything run_training() needs.
struct training_job
{
    std::string input;           ///< FASTA/FASTQ, plain or gzip; "-" = stdin
    std::string alphabet;        ///< "amino", "dna", "rna"; empty = guess from the data
    std::string seed_msa;        ///< start from a model built from this alignment (Stockholm, aligned FASTA)
    std::string seed_hmm;        ///< start from the first model of this HMMER3 file
    train_options train;         ///< training (train.hpp); seed and threads also seed the calibration
    /// With stepwise EM, inputs of at least this many sequences are streamed (train_stream.hpp:
    /// spooled to $TMPDIR, a sample for the whole-set steps); see stream_threshold().
    std::size_t stream_min_sequences = 20'000;
};

/// \brief Checks the options before any work.
/// \throws option_error naming the fields (one start: seed_sequence, seed_msa, seed_hmm; length
///         with a seed; tol, anneal_noise, weight_identity, effective_number, re_target ranges).
void validate(training_job const & job);

/// \brief What run_training() made.
struct training_run
{
    seq::sequence_set set;       ///< the training sequences; streamed: the sample (train_stream.hpp)
    std::shared_ptr<seq::sequence_spool const> spool; ///< streamed: every training sequence (else null)
    std::size_t sequences = 0;   ///< training sequences
    std::size_t residues = 0;    ///< Σ sequence lengths
    train_result result;         ///< the trained model and its fit (train.hpp)
    hmmer_stats stats;           ///< E-value calibration of the trained model (calibrate.hpp)
    double read_seconds = 0, train_seconds = 0, calibrate_seconds = 0;

    /// \brief Name and length of training sequence i (< sequences), streamed or not.
    [[nodiscard]] std::string record_name(std::size_t i) const;
    [[nodiscard]] std::size_t record_length(std::size_t i) const;
};

/// \brief Runs the pipeline (validate() first). Warnings about a poor training set go to the log.
/// \throws user_error for unreadable input or seeds (the message names the file), or when
///         training fails (train_profile_hmm()).
[[nodiscard]] training_run run_training(training_job const & job);

/// \brief The model name for an input path: the file name without .gz and a sequence extension,
/// blanks replaced by '_' ("emtk_model" for stdin or an empty name).
[[nodiscard]] std::string model_name_from_path(std::string const & input);

} // namespace emtk::hmm
