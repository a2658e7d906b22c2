#pragma once
/// \file
/// \brief `emtk hmm …` subcommands: a registry that main.cpp dispatches through, and each tool's
/// arguments, parsing (SeqAn3, hmm_*_parsing.cpp) and run.
///
/// Adding a subcommand = adding files src/cli/hmm_<name>_*.cpp (globbed by CMakeLists.txt), one
/// of which defines a namespace-scope `hmm_registrar` for it: main.cpp needs no change.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// \brief One `emtk hmm` subcommand.
struct hmm_subcommand
{
    char const * name = "";       ///< e.g. "train"
    char const * summary = "";    ///< one line for `emtk hmm --help`
    char const * no_args = "";    ///< the usage error printed for `emtk hmm NAME` without arguments
    int order = 0;                ///< position in listings (registration order across files is unspecified)
    void (*run)(seqan3::argument_parser & sub) = nullptr; ///< declares the options, parses, runs
};

/// \brief The registered subcommands, sorted by `order`.
[[nodiscard]] std::vector<hmm_subcommand> const & hmm_subcommands();

/// \brief Registers a subcommand at static initialisation (one namespace-scope object per tool).
struct hmm_registrar
{
    explicit hmm_registrar(hmm_subcommand c);
};

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
    int surgery = 0;              ///< --surgery-rounds (0 = off)
    bool surgery_flag = false;    ///< --surgery: 3 rounds unless --surgery-rounds is given
    int max_iter = 200;
    double tol = 1e-6;
    std::string em_mode = "auto";   ///< --stepwise auto|on|off
    std::size_t batch_size = 1000;  ///< --batch-size (stepwise EM)
    int passes = 10;                ///< --passes (stepwise EM, per phase)
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
