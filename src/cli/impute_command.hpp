#pragma once
/// \file
/// \brief `emtk impute` (issue 6): its arguments, declared on the SeqAn3 sub-parser in
/// impute_parsing.cpp and run by impute_command.cpp.

#include <cstdint>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// `emtk impute` arguments. Defaults here are the documented ones (geno/impute.hpp explains them).
struct impute_arguments
{
    std::string input;            ///< VCF / VCF.gz / BCF; "-" = stdin
    std::string output;           ///< output VCF/BCF; "-" = stdout
    std::string json;             ///< run summary (optional)
    std::string multiqc;          ///< MultiQC custom content (optional)
    std::string region;           ///< --region CHR[:FROM-TO] (indexed input)
    std::string method = "hapcluster";
    int clusters = 12;            ///< -K
    int restarts = 1;
    int max_iter = 10;
    double tol = 1e-5;
    int window = 2000;
    int overlap = 200;
    double theta_min = 0.001;
    int refine = 6;               ///< template rounds after the fastPHASE fit (0: pure fastPHASE)
    int templates = 40;           ///< templates per sample and refinement window
    int refine_window = 1000;
    int refine_overlap = 200;
    int refine_average = 4;       ///< posteriors averaged over the last rounds
    int template_block = 0;       ///< markers per composite-template block (multiple of 64; 0 = whole window)
    std::uint64_t seed = 1;
    int threads = 1;
    bool quiet = false;
    bool verbose = false;
};

/// Declares the options on the `emtk impute` sub-parser.
void impute_declare(seqan3::argument_parser & parser, impute_arguments & args);
/// Runs `emtk impute`. \throws user_error / usage_error.
void impute_run(impute_arguments const & args);

} // namespace emtk::cli
