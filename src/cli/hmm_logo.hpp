#pragma once
/// \file
/// \brief `emtk hmm logo`: arguments and run (parsing in hmm_logo_parsing.cpp).

#include <string>

namespace emtk::cli {

struct hmm_logo_arguments
{
    std::string model;   ///< HMMER3 file ("-" = stdin)
    std::string output;  ///< SVG path ("-" = stdout)
    std::string name;    ///< which model of the file (default: the first)
    int per_row = 60;    ///< match states per row of the drawing
    std::string json;    ///< --json FILE: run summary (run_summary.hpp); empty = none
    std::string multiqc; ///< --multiqc FILE: MultiQC custom content; empty = none
    bool quiet = false;
    bool verbose = false;
};

/// Runs `emtk hmm logo`. \throws user_error / usage_error.
void hmm_logo_run(hmm_logo_arguments const & args);

} // namespace emtk::cli
