#pragma once
/// \file
/// \brief `emtk hmm search` (issue 4): its arguments, declared on the SeqAn3 sub-parser in
/// hmm_search_parsing.cpp and run by hmm_search_command.cpp.

#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// `emtk hmm search` arguments. Defaults are the documented ones (hmmsearch's).
struct hmm_search_arguments
{
    std::string models;          ///< HMMER3 model file (one or many models, plain or gzip)
    std::string targets;         ///< FASTA/FASTQ targets, plain or gzip; "-" = stdin
    std::string tblout;          ///< per-sequence TSV (optional; "-" = stdout)
    std::string domtblout;       ///< per-domain TSV (optional; "-" = stdout)
    std::string alphabet;        ///< amino|dna|rna; empty = guess from the targets
    double evalue = 10.0;        ///< -E
    double bits = 0;             ///< -T (used when given)
    double dom_evalue = 10.0;    ///< --domE
    double dom_bits = 0;         ///< --domT (used when given)
    double Z = 0;                ///< -Z (used when given)
    double domZ = 0;             ///< --domZ (used when given)
    bool bits_set = false, dom_bits_set = false, Z_set = false, domZ_set = false;
    bool no_domains = false;     ///< --noali-like: skip domain definition
    int threads = 1;
    bool quiet = false;
    bool verbose = false;
};

/// Declares the options on the `emtk hmm search` sub-parser.
void hmm_search_declare(seqan3::argument_parser & parser, hmm_search_arguments & args);
/// Runs `emtk hmm search`. \throws user_error / usage_error.
void hmm_search_run(hmm_search_arguments const & args);

} // namespace emtk::cli
