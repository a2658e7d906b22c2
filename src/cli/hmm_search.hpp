#pragma once
/// \file
/// \brief `emtk hmm search` (issue 4): its arguments, declared on the SeqAn3 sub-parser in
/// hmm_search_parsing.cpp and run by hmm_search_command.cpp.

#include <iosfwd>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::hmm {
struct dna_search_result;
}

namespace emtk::cli {

/// `emtk hmm search` arguments. Defaults are the documented ones (hmmsearch's).
struct hmm_search_arguments
{
    std::string models;          ///< HMMER3 model file (one or many models, plain or gzip)
    std::string targets;         ///< FASTA/FASTQ targets, plain or gzip; "-" = stdin
    std::string tblout;          ///< per-sequence (DNA: per-hit) table in HMMER's layout (optional; "-" = stdout)
    std::string domtblout;       ///< per-domain table in HMMER's layout (optional; "-" = stdout; protein searches)
    std::string gff3;            ///< GFF3 of the hits (optional; "-" = stdout)
    std::string bed;             ///< BED6 of the hits (optional; "-" = stdout)
    std::string json;            ///< run summary (optional)
    std::string multiqc;         ///< MultiQC custom content (optional)
    std::string alphabet;        ///< amino|dna|rna; empty = guess from the targets
    double evalue = 10.0;        ///< -E
    double bits = 0;             ///< -T (used when given)
    double dom_evalue = 10.0;    ///< --domE
    double dom_bits = 0;         ///< --domT (used when given)
    double Z = 0;                ///< -Z (used when given)
    double domZ = 0;             ///< --domZ (used when given)
    bool bits_set = false, dom_bits_set = false, Z_set = false, domZ_set = false;
    bool no_domains = false;     ///< --noali-like: skip domain definition
    bool watson = false;         ///< DNA: top strand only
    bool crick = false;          ///< DNA: bottom strand only
    bool nonull2 = false;        ///< DNA: no composition-bias correction
    int window = 100000;         ///< DNA: window length
    int threads = 1;
    // --- HMMER-compatible output (issue 15) ---
    std::string dfamtblout;      ///< DNA: nhmmer's Dfam table (optional; "-" = stdout)
    std::string tsv;             ///< per-sequence (DNA: per-hit) TSV with a header line (emtk's own)
    std::string domtsv;          ///< per-domain TSV with a header line (protein)
    std::string output;          ///< -o: the main report here instead of stdout
    std::string msa;             ///< -A: Stockholm of the included domains (protein)
    bool noali = false;          ///< --noali: no alignments in the main report
    int cpu = 0;                 ///< --cpu: alias of -t (used when given)
    double inc_evalue = 0.01;    ///< --incE
    double incdom_evalue = 0.01; ///< --incdomE
    double inc_bits = 0;         ///< --incT (used when given)
    double incdom_bits = 0;      ///< --incdomT (used when given)
    bool inc_bits_set = false, incdom_bits_set = false, cpu_set = false;
    bool cut_ga = false, cut_tc = false, cut_nc = false; ///< model score cutoffs as thresholds
    bool quiet = false;
    bool verbose = false;

    // ---- accelerated filter cascade (issue 15; hmm::filter_options) ----
    double F1 = 0.02;            ///< --F1: MSV filter P-value threshold
    double F2 = 1e-3;            ///< --F2: Viterbi filter P-value threshold
    double F3 = 1e-5;            ///< --F3: Forward filter P-value threshold
    bool nobias = false;         ///< --nobias: no composition-bias filter
    bool max = false;            ///< --max: every filter off (full Forward on every target)
};

/// Declares the options on the `emtk hmm search` sub-parser.
void hmm_search_declare(seqan3::argument_parser & parser, hmm_search_arguments & args);
/// Runs `emtk hmm search`. \throws user_error / usage_error.
void hmm_search_run(hmm_search_arguments const & args);

/// DNA hits as TSV with a header line (hmm_search_dna.cpp; --tsv).
void write_dna_tblout(std::ostream & out, hmm::dna_search_result const & r);

} // namespace emtk::cli
