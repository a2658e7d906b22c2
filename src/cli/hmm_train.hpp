#pragma once
/// \file
/// \brief `emtk hmm train`: its arguments, parsing (SeqAn3, hmm_train_parsing.cpp) and the run
/// (hmm_train_command.cpp).

#include <emtk/hmm/train.hpp>
#include <emtk/hmm/train_pipeline.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// `emtk hmm train` (issue 3). Defaults here are the documented ones.
struct hmm_train_arguments
{
    std::string input;            ///< FASTA/FASTQ, plain or gzip; "-" = stdin
    std::string output;           ///< HMMER3/f file; "-" = stdout
    std::string json;             ///< run summary (optional)
    std::string multiqc;          ///< MultiQC custom content (optional)
    std::string name;             ///< NAME of the model (default: from the input file name)
    std::string alphabet;         ///< amino|dna|rna; empty = guess
    int length = 0;               ///< model length M; 0 = from the data
    std::string seed_seq;         ///< start from this record
    std::string seed_msa;         ///< start from a model built from this alignment
    std::string seed_hmm;         ///< start from this HMMER3 model
    std::string prior = "default";
    int restarts = 1;
    int anneal = 0;               ///< noise-annealing steps per restart
    double anneal_noise = 0.5;
    bool no_mean_phase = false;   ///< skip the posterior-mean phase (train.hpp)
    int consensus_starts = hmm::train_options{}.consensus_starts; ///< candidates of the consensus of starts (0 = off)
    int consensus_iter = hmm::train_options{}.consensus_iter;     ///< EM iterations per phase of each candidate's short fit
    std::string realign = hmm::to_string(hmm::train_options{}.realign); ///< --realign off|retrain|rebuild
    std::string realign_keep = hmm::to_string(hmm::train_options{}.realign_keep); ///< --realign-keep always|better|accuracy
    int realign_anneal = hmm::train_options{}.realign_anneal; ///< --realign-anneal N (0 = off)
    int realign_anneal_draws = hmm::train_options{}.realign_anneal_draws; ///< --realign-anneal-draws K
    std::string realign_anneal_vary = "seed"; ///< --realign-anneal-vary seed|steps
    std::size_t consistency_start = hmm::train_options{}.consistency_start_max; ///< --consistency-start N (0 = off)
    std::string consistency = hmm::to_string(hmm::train_options{}.consistency); ///< --consistency off|pair|profile|both
    std::string consistency_keep = hmm::to_string(hmm::train_options{}.consistency_keep); ///< --consistency-keep accuracy|pairs
    int surgery = 0;              ///< --surgery-rounds (0 = off)
    bool surgery_flag = false;    ///< --surgery: 3 rounds unless --surgery-rounds is given
    int max_iter = 200;
    double tol = 1e-6;
    std::string em_mode = "auto";   ///< --stepwise auto|on|off
    std::size_t batch_size = hmm::train_options{}.stepwise.batch_size; ///< --batch-size (stepwise EM)
    int passes = hmm::train_options{}.stepwise.max_passes; ///< --passes (stepwise EM, per phase)
    int polish = hmm::train_options{}.stepwise.polish;     ///< --polish (batch EM iterations after each stepwise phase)
    std::size_t stream_min = hmm::training_job{}.stream_min_sequences; ///< --stream-min (train_stream.hpp)
    bool no_weights = false;
    double weight_id = 0.8;
    double effn = 0;              ///< --effn: total sequence weight (0 = entropy weighting)
    bool no_entropy = false;      ///< --no-entropy-weighting: Σ cluster weights
    double ere = 0;               ///< --ere: entropy target (0 = 0.59 amino, 0.62 DNA/RNA)
    std::uint64_t seed = 1;
    int threads = 1;
    bool quiet = false;
    bool verbose = false;
};

/// Declares the options on the `emtk hmm train` sub-parser.
void hmm_train_declare(seqan3::argument_parser & parser, hmm_train_arguments & args);
/// Runs `emtk hmm train`. \throws user_error / usage_error.
void hmm_train_run(hmm_train_arguments const & args);

} // namespace emtk::cli
