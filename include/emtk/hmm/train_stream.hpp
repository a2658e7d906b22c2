#pragma once
/// \file
/// \brief Streaming input for `emtk hmm train` (issue 17): training sets too large to hold.
///
/// With stepwise EM (train.hpp, train_options::stepwise) a set of at least
/// stream_threshold() sequences is not held in memory: the input (plain, gzip or stdin; no option
/// needs a seekable file) is parsed once into a spool (seq/spool.hpp) and every E-step reads its
/// mini-batch back from it (train_options::stream). Memory is then bounded by the mini-batch, the
/// model, the DP workspaces and 16 + 8 + 8 bytes per sequence (spool index, weight, fallback tally),
/// not by the residues.
///
/// What needs the whole set works on a sample instead: stream_sample_size sequences drawn
/// uniformly (seeded, seq::sample_records(); the --seed-seq record always included). On it:
/// - the k-mer cluster weights (weighting.hpp): every sequence gets the sample's mean cluster
///   weight (spread_sample_weights()), so Neff = N × that mean before entropy weighting. An
///   approximation: near-duplicates are not down-weighted one by one, only on average. Entropy
///   weighting (the default) then rescales Neff to its relative-entropy target as usual, from a
///   full E-step over the spool;
/// - the reference length, the central start and the consensus of starts (train.hpp, "Starts");
/// - the check for a mixed alphabet.
/// The residue composition (null model) counts every residue (spool code counts); the stepwise
/// held-out blocks, passes, polish iterations, entropy passes and surgery E-steps see every
/// sequence. The output is the same for any thread count and depends on --seed through the sample.

#include <emtk/hmm/train.hpp>
#include <emtk/seq/spool.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace emtk::hmm {

struct training_job;
struct training_run;

/// \brief Sequences drawn for the whole-set steps of a streamed training (file comment).
inline constexpr std::size_t stream_sample_size = 2000;

/// \brief The number of sequences from which run_training() streams: never in batch mode; else
/// `stream_min`, and with the automatic mode at least opt.stepwise_min_sequences (so that a
/// streamed set always trains stepwise).
[[nodiscard]] std::size_t stream_threshold(train_options const & opt, std::size_t stream_min) noexcept;

/// \brief run_training()'s input step: reads job.input, in memory (run.set) below
/// stream_threshold(opt, job.stream_min_sequences) sequences, else into a spool (run.spool, and
/// opt.stream) with stream_sample() as run.set. Sets run.sequences and run.residues.
/// \throws user_error as seq::read_or_spool() and stream_sample().
void read_training_set(training_job const & job, std::optional<seq::alphabet_type> forced, training_run & run,
                       train_options & opt);

/// \brief The sample of a streamed training set (file comment), with opt.seed_sequence's record.
/// \throws user_error when opt.seed_sequence names no record.
[[nodiscard]] seq::sequence_set stream_sample(seq::sequence_spool const & spool, train_options const & opt);

/// \brief residue_composition() (train.hpp) of every spooled record, from the code counts.
[[nodiscard]] std::vector<double> stream_composition(seq::sequence_spool const & spool);

/// \brief After set_sequence_weights() on the sample: every one of `n` sequences gets the
/// sample's mean weight (rescaled to opt.effective_number when it is > 0).
void spread_sample_weights(train_options const & opt, std::size_t n, train_result & res);

} // namespace emtk::hmm
