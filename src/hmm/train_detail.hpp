#pragma once
/// \file
/// \brief Private to src/hmm/train*.cpp (do not depend on this elsewhere): the stages of
/// train_profile_hmm() (train.hpp) and the state they share. The pipeline, one file per stage:
/// - train_start.cpp: residue composition, sequence weights, the start of each restart;
/// - train_consensus.cpp: the consensus of starts (optional), which reorders the candidates;
/// - train.cpp: the phases and the restarts (em::run_phases, em::best_of_restarts);
/// - train_refine.cpp: on the winner, the entropy re-targeting refits and model surgery.
/// The em::model itself (starts, E-step, M-step) is train_model.cpp.

#include <emtk/em/options.hpp>
#include <emtk/em/phases.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/hmm/build.hpp>
#include <emtk/hmm/consistency.hpp>
#include <emtk/hmm/dp_matrix.hpp>
#include <emtk/hmm/msa.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/start_consensus.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/hmm/weighting.hpp>
#include <emtk/seq/sequence.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace emtk::hmm::detail {

/// \brief res.weights and res.effective_sequences from the k-mer clusters (sim; train.hpp,
/// "Sequence weights") or all 1, rescaled to opt.effective_number when it is > 0.
void set_sequence_weights(train_options const & opt, kmer_similarity const * sim, std::size_t n, train_result & res);

/// \brief The start of each restart (train.hpp, "Starts").
struct start_plan
{
    int M = 0;                            ///< model length of the fixed-length starts
    seq::sequence const * seed = nullptr; ///< "sequence" start: the seed record
    std::vector<std::size_t> pool;        ///< "central" start: candidate seed sequences, most central first

    /// \brief Restart r's seed sequence: central mode, the first candidate for restart 0 and none
    /// (a random start of length M) for r > 0; else the fixed seed (or none).
    [[nodiscard]] seq::sequence const * seed_of(seq::sequence_set const & set, int r) const
    {
        if (pool.empty())
            return seed;
        return r == 0 ? &set.seqs[pool.front()] : nullptr;
    }
};

/// \brief The start plan for `set` (res.start is set); sim is needed for the central start.
/// \throws user_error for a start model of another alphabet, an unknown seed sequence, a length < 1.
[[nodiscard]] start_plan plan_start(seq::sequence_set const & set, train_options const & opt,
                                    kmer_similarity const * sim, std::string const & where, train_result & res);

/// \brief What the stages after the start share: the inputs, the E-step options and the result.
struct training_context
{
    seq::sequence_set const & set;
    train_options const & opt;
    std::string const & where;          ///< the input's name for messages
    hmm_prior const & prior;
    std::vector<double> const & background;
    std::shared_ptr<logspace_tally> const & tally;
    em::options const & e_step_options; ///< threads and chunks of a single E-step
    train_result & res;

    /// \brief One E-step outside em::fit: a sequence out of every kernel's reach is a user error here.
    void single_e_step(hmm_training_model const & m, hmm_params const & p, hmm_counts & counts) const;
    /// \brief The entropy-weighting scale (entropy_weight.hpp) from one E-step of p.
    [[nodiscard]] double entropy_pass(hmm_training_model const & m, hmm_params const & p) const;
    /// \brief Scales res's weights and Neff by s and records s.
    void rescale(double s);
    /// \brief A model whose restart-0 start is exactly `from` (train_options::start_model), with
    /// the current weights; p is that start.
    [[nodiscard]] std::unique_ptr<hmm_training_model> model_from(profile_hmm const & from, hmm_params & p) const;
    /// \brief Makes a fit's model and outcome the result's.
    template <typename Fit>
    void adopt(Fit && f)
    {
        res.hmm = std::move(f.params.hmm);
        em::take_run_outcome(res, f);
    }
};

/// \brief The candidates' alignments of the consensus of starts, kept for the realignment's
/// criterion (train.hpp, "Realignment").
struct consensus_alignments
{
    seq::sequence_set set;                 ///< the sequences the candidates aligned (fragments left out)
    std::vector<residue_columns> columns;  ///< one per candidate that fitted (empty: no consensus)
};

/// \brief The match column of every residue of `xs` in its Viterbi path against `prof`
/// (start_consensus.hpp's form); one dp_matrix per thread in `scratch` (threads of them).
[[nodiscard]] residue_columns viterbi_columns(profile const & prof, std::vector<digital_sequence> const & xs,
                                              int threads, std::vector<dp_matrix> & scratch);

/// \brief Consensus of starts (train_options::consensus_starts; train.hpp): moves the chosen
/// candidate to the front of plan.pool and sets plan.M and res.consensus_candidates. Nothing with
/// fewer than 3 candidates. The short fits run the anneal, mean_phase and clean options' phases.
/// Returns the candidates' alignments (columns empty when the consensus did not run).
[[nodiscard]] consensus_alignments choose_consensus_start(training_context & ctx, start_plan & plan, bool entropy, em::options const & anneal,
                            em::options const & mean_phase, em::options const & clean);

/// \brief After the restarts (train.hpp, "Entropy weighting", "Surgery"): re-targets the entropy
/// weighting on the winner (refits when the scale moved by > 20%) and runs the surgery rounds;
/// each refit runs one clean phase with `refit_options`.
/// \throws user_error when an entropy refit fails.
void refine_winner(training_context & ctx, bool entropy, em::options const & refit_options);

/// \brief Realignment (train_options::realign; train.hpp, "Realignment") of res.hmm, judged
/// against the consensus candidates' alignments; sets res.realign and, when the realigned model
/// is kept, the result's model and fit.
void realign_winner(training_context & ctx, consensus_alignments const & cons);

/// \brief The realignment's optimal-accuracy traces of the training set under `hmm`'s glocal
/// alignment profile with local exits (train_realign.cpp); a trace is empty when the model cannot
/// emit its sequence.
[[nodiscard]] std::vector<alignment_trace> local_exit_traces(profile_hmm const & hmm, seq::sequence_set const & set, int threads);

/// \brief Σ of the match-state posteriors on the traces' paths: the keep rule "accuracy".
[[nodiscard]] double match_accuracy(std::vector<alignment_trace> const & traces);

/// \brief True when every trace has a path (the model can emit every sequence).
[[nodiscard]] bool all_aligned(std::vector<alignment_trace> const & traces);

/// \brief A candidate's score under the keep rule "accuracy": match_accuracy() when all_aligned(),
/// else 0 (a model that cannot emit some training sequence is never kept over one that can).
[[nodiscard]] double candidate_accuracy(std::vector<alignment_trace> const & traces);

/// \brief Adds `other`'s log-space fallback counts to res's.
void merge_tally(train_result & res, train_result const & other);

/// \brief res takes `second`'s model and fit (the start and the fallback counts stay res's).
void adopt_model(train_result & res, train_result && second);

/// \brief The consistency alignment of the training set (train_consistency.cpp): pairwise
/// posteriors (train_options::consistency: pair-HMM, `hmm`'s, or their mean), two consistency
/// rounds, progressive alignment; empty with `why` set when `hmm` cannot emit some sequence.
/// `post_out`, when given, receives the transformed posteriors.
[[nodiscard]] msa consistency_msa(seq::sequence_set const & set, profile_hmm const & hmm,
                                  consistency_mode mode, int threads, std::string & why,
                                  posterior_set * post_out = nullptr);

/// \brief Consistency realignment (train_options::consistency): builds and retrains a model from
/// consistency_msa() and adopts it when its match accuracy exceeds `current_accuracy` (the kept
/// model's); records what it did in info.consistency_*.
void consistency_round(training_context & ctx, realign_summary & info, double current_accuracy);

/// \brief The training set aligned by local_exit_traces() under `hmm` as an msa for the build
/// (flanks as insert columns); empty when the model cannot emit some sequence. `accuracy`
/// receives match_accuracy() of the traces.
[[nodiscard]] msa realigned_msa(profile_hmm const & hmm, seq::sequence_set const & set, int threads, double & accuracy);

/// \brief The realignment's build of `aln` (entropy-weighted effective number, end deletions
/// missing, the run's prior and entropy target; train_realign.cpp).
[[nodiscard]] build_result realignment_build(msa const & aln, train_options const & opt);

/// \brief Consistency start (train_options::consistency_start_max): trains a second pipeline from
/// the pair-HMM consistency alignment (EM from its built model, then its realigned retrain) and
/// adopts the better of the two models when its match accuracy exceeds `kept_accuracy`
/// (updated); records what it did in info.cstart_*.
void consistency_start_round(training_context & ctx, realign_summary & info, double & kept_accuracy);

/// \brief res.logspace_sequences and res.logspace_e_steps from the tally.
void collect_tally(logspace_tally const & tally, train_result & res);

} // namespace emtk::hmm::detail
