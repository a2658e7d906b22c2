#pragma once
/// \file
/// \brief `emtk hmm align` (issue 4): arguments, declaration of the options on its SeqAn3
/// sub-parser (hmm_align_parsing.cpp) and the run (hmm_align_command.cpp).

#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// `emtk hmm align`. Defaults here are the documented ones.
struct hmm_align_arguments
{
    std::string model;                 ///< HMMER3 file (its first model is used)
    std::string input;                 ///< FASTA/FASTQ, plain or gzip; "-" = stdin
    std::string output = "-";          ///< alignment; "-" = stdout
    std::string format = "stockholm";  ///< stockholm | a2m
    std::string alphabet;              ///< amino|dna|rna; empty = guess
    bool trim = false;                 ///< drop the N/C flank residues
    bool viterbi = false;              ///< Viterbi path instead of optimal accuracy
    int threads = 1;
    std::string json;                  ///< --json FILE: run summary (run_summary.hpp); empty = none
    std::string multiqc;               ///< --multiqc FILE: MultiQC custom content; empty = none
    bool quiet = false;
    bool verbose = false;
};

/// Declares the options on the `emtk hmm align` sub-parser.
void hmm_align_declare(seqan3::argument_parser & parser, hmm_align_arguments & args);
/// Runs `emtk hmm align`. \throws user_error / usage_error.
void hmm_align_run(hmm_align_arguments const & args);

} // namespace emtk::cli
