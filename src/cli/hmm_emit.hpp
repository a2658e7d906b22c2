#pragma once
/// \file
/// \brief `emtk hmm emit` (issue 4): arguments, declaration of the options on its SeqAn3
/// sub-parser (hmm_emit_parsing.cpp) and the run (hmm_emit_command.cpp).

#include <cstdint>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// `emtk hmm emit`. Defaults here are the documented ones.
struct hmm_emit_arguments
{
    std::string model;                 ///< HMMER3 file
    std::string output = "-";          ///< FASTA; "-" = stdout
    std::string name;                  ///< select the model with this NAME (default: the first)
    int index = 0;                     ///< select the model by 1-based position (0 = unset)
    int n = 10;                        ///< -N: number of sequences
    std::uint64_t seed = 1;
    std::string mode = "glocal";       ///< glocal | local
    std::string json;                  ///< --json FILE: run summary (run_summary.hpp); empty = none
    std::string multiqc;               ///< --multiqc FILE: MultiQC custom content; empty = none
    bool quiet = false;
    bool verbose = false;
};

/// Declares the options on the `emtk hmm emit` sub-parser.
void hmm_emit_declare(seqan3::argument_parser & parser, hmm_emit_arguments & args);
/// Runs `emtk hmm emit`. \throws user_error / usage_error.
void hmm_emit_run(hmm_emit_arguments const & args);

} // namespace emtk::cli
