#pragma once
/// \file
/// \brief `emtk mix`: its arguments, parsing (SeqAn3, in mix_parsing.cpp) and the run (mix_command.cpp).

#include <cstddef>
#include <cstdint>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

struct mix_arguments
{
    std::string input;             ///< values table ("-" = stdin)
    std::string output;            ///< PREFIX ("-" = the TSV to stdout)
    std::string json;              ///< summary path (default PREFIX.json)
    std::string model;             ///< --model FIT.json: assign the rows with a fitted model (no fit)
    std::string multiqc;           ///< MultiQC custom content (optional)
    int k = 3;
    std::string k_range;           ///< "A:B", empty = use k
    std::string family = "gaussian";
    std::string columns;           ///< comma-separated numbers or names
    std::string covariance = "full";
    bool shared_variance = false;
    bool hard = false;
    int restarts = 3;
    int screen = -1;               ///< --screen N; -1 = mix::mixture_options' default (by missingness)
    int max_iter = 1000;
    int min_iter = 2;
    double tol = 1e-8;
    std::string stop_rule = "relative";
    bool accelerate = false;
    double ridge = 1e-6;
    std::string em_mode = "auto";  ///< --stepwise auto|on|off
    std::size_t batch_size = 100'000;
    int passes = 20;
    double step_alpha = 0.51;      ///< mix::mixture_options' default (see there why not em's 0.7)
    int polish = 0;
    std::uint64_t seed = 1;
    int threads = 1;
    std::string missing = "error"; ///< missing entries: error | drop | model
    int draws = 0;                 ///< multiple imputations written (--missing model)
    bool quiet = false;
    bool verbose = false;
};

/// Declares the options on the `emtk mix` sub-parser.
void mix_declare(seqan3::argument_parser & parser, mix_arguments & args);
/// Runs `emtk mix`. \throws user_error / usage_error.
void mix_run(mix_arguments const & args);
/// Runs `emtk mix --model FIT.json` (mix_predict_command.cpp): the rows' posteriors under a fitted
/// model, written as the fit's PREFIX.tsv. \throws user_error / usage_error.
void mix_predict_run(mix_arguments const & args);

} // namespace emtk::cli
