#pragma once
/// \file
/// \brief Search results in HMMER 3's own output formats, so that a pipeline written for
/// hmmsearch or nhmmer reads emtk's files unchanged (HMMER 3 User's Guide, "Tabular output
/// formats"; layouts checked field by field against the files hmmsearch/nhmmer 3.3.2 write,
/// test/cli/hmm_search_hmmer_format_test.sh).
///
/// - `--tblout` (protein): per reported sequence, space-separated columns in HMMER's order and
///   widths: target name, accession, query name, accession, full-sequence E-value, score, bias,
///   best-domain E-value, score, bias, exp, reg, clu, ov, env, dom, rep, inc, description. Name
///   columns are padded to max(20, longest name), accessions to max(10, longest); missing
///   accession and description are "-". The description is the last column and may hold spaces
///   (HMMER's rule: split on white space at most 18 times).
/// - `--domtblout` (protein): per reported domain of a reported sequence: target name, accession,
///   tlen, query name, accession, qlen, sequence E-value, score, bias, domain # and of, c-Evalue,
///   i-Evalue, score, bias, hmm/ali/env from–to, acc, description (22 split points).
/// - `--tblout` (DNA, nhmmer's): target, accession, query, accession, hmmfrom, hmm to, alifrom,
///   ali to, envfrom, env to, sq len, strand, E-value, score, bias, description.
/// - `--dfamtblout` (DNA, nhmmer's Dfam table): target, query accession, query, bits, E-value,
///   bias, hmm-st, hmm-en, strand, ali-st, ali-en, env-st, env-en, sq-len, description.
/// Every table starts with HMMER's three comment lines (its two-line header for the Dfam
/// table) once, lists the hits of each model in turn sorted by E-value (then target name, then
/// input order), and ends with HMMER's footer: program, version, pipeline mode, query and target
/// files, option settings, current directory, date, "[ok]".
///
/// What differs from HMMER, by design: bias columns are 0.0 for proteins (emtk's scores are not
/// corrected by null2, see search.hpp: the score is what `hmmsearch --nonull2` reports); the
/// overlap count `ov` is 0 (the deterministic region split never overlaps); the version line
/// names emtk; the option settings leave out the thread count, so that any `-t` gives the same
/// bytes.
///
/// The main ("-o") report follows hmmsearch's layout: a header naming the files, per model the
/// query block, the per-sequence list (E-value order, an "inclusion threshold" line before the
/// first hit that is not included), the domain annotation with '!' (included) and '?' (reported
/// only) marks and HMMER's '['/']' end marks, the alignments of each domain (unless `noali`) in
/// HMMER's four-line display, and the summary statistics. `-A`: a Stockholm alignment of the
/// included domains of each model (names NAME/FROM-TO, #=GR PP lines, #=GC RF).

#include <emtk/hmm/align.hpp>
#include <emtk/hmm/search.hpp>
#include <emtk/hmm/search_dna.hpp>

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace emtk::hmm {

/// \brief What the footer and the report header name.
struct hmmer_run_info
{
    std::string program = "emtk hmm search"; ///< "# Program:" line
    std::string version;                     ///< "# Version:" line
    std::string query_file, target_file;     ///< as given
    std::string options;                     ///< the command line (without thread options)
    std::string current_dir;                 ///< "# Current dir:"
    std::string date;                        ///< "# Date:" (ctime style)
    // Report header lines (empty = not written).
    std::string output_file, msa_file, tblout_file, domtblout_file, dfamtblout_file;
};

/// \brief Options of the main report.
struct hmmer_report_options
{
    bool alignments = true;  ///< false: --noali
    std::size_t width = 120; ///< line width of the alignment display (HMMER's --textw)
};

/// \brief Indices of `hits` sorted as HMMER lists them: E-value, then name, then input order.
[[nodiscard]] std::vector<std::size_t> hmmer_order(std::vector<sequence_hit> const & hits);
/// \brief The same for DNA hits.
[[nodiscard]] std::vector<std::size_t> hmmer_order(std::vector<dna_hit> const & hits);

/// \brief Protein per-sequence table (see the file comment).
void write_hmmer_tblout(std::ostream & out, search_result const & r, hmmer_run_info const & info);
/// \brief Protein per-domain table.
void write_hmmer_domtblout(std::ostream & out, search_result const & r, hmmer_run_info const & info);
/// \brief DNA hit table (nhmmer's --tblout).
void write_hmmer_tblout(std::ostream & out, dna_search_result const & r, hmmer_run_info const & info);
/// \brief DNA Dfam table (nhmmer's --dfamtblout).
void write_hmmer_dfamtblout(std::ostream & out, dna_search_result const & r, hmmer_run_info const & info);
/// \brief HMMER's table footer (written by the four writers above).
void write_hmmer_table_footer(std::ostream & out, hmmer_run_info const & info);

/// \brief The main report of a protein search (hmmsearch's layout).
void write_hmmer_report(std::ostream & out, search_result const & r, hmmer_run_info const & info,
                        hmmer_report_options const & opt);
/// \brief The main report of a DNA search (nhmmer's hit list and hit annotation, no alignments).
void write_hmmer_report(std::ostream & out, dna_search_result const & r, hmmer_run_info const & info,
                        hmmer_report_options const & opt);

/// \brief The included domains of one model as a multiple alignment: match columns 1 … M (upper
/// case, '-' for deletions and model positions outside the domain), insert columns between them
/// (lower case, '.' padding, inserts left-justified), #=GC RF 'x'/'.'; rows NAME/ALIFROM-ALITO.
[[nodiscard]] text_alignment included_domains_alignment(model_hits const & m);
/// \brief Stockholm of the included domains of every model with at least one (one alignment per
/// model, each with #=GF ID/AC/DE); returns the number of domains written.
std::size_t write_included_stockholm(std::ostream & out, search_result const & r);

} // namespace emtk::hmm
