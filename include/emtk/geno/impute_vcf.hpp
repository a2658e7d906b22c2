#pragma once
/// \file
/// \brief `emtk impute` (within-study) over a whole VCF/BCF: read it contig by contig
/// (vcf_reader), impute each contig's missing genotypes (impute_block), write the records
/// (vcf_writer) and return what happened, for the command's summary.
///
/// The random streams of a contig depend on its name only (contig_stream: not on its position in
/// the file), so imputing one contig alone (--region, a pipeline's scatter) gives exactly the
/// records of the whole-file run.

#include <emtk/geno/impute.hpp>
#include <emtk/geno/vcf_io.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief Options of impute_vcf.
struct impute_vcf_options
{
    std::string input;                     ///< VCF / VCF.gz / BCF ("-" = stdin)
    std::string region;                    ///< "" or "chr[:from-to]" (indexed input)
    std::string output;                    ///< VCF/BCF ("-" = stdout)
    std::vector<std::string> header_lines; ///< extra "##" lines for the output
    impute_options impute;                 ///< the model (impute.hpp)
};

/// \brief One contig's imputation.
struct impute_contig_report
{
    std::string contig;
    std::size_t sites = 0, missing = 0;
    std::vector<window_summary> windows;
};

/// \brief What impute_vcf did.
struct impute_vcf_summary
{
    vcf_counts counts;                      ///< the reader's counts
    std::size_t samples = 0;
    std::uint64_t samples_all_missing = 0;  ///< samples without an observed genotype
    std::vector<impute_contig_report> contigs;
    std::size_t imputed = 0;                ///< genotypes imputed
    int iterations = 0;                     ///< EM iterations of every start and round
    int decreases = 0;                      ///< objective decreases (a bug if > 0)
    double fit_s = 0;                       ///< wall seconds in impute_block
    std::string index;                      ///< index written ("" for plain VCF / stdout)
};

/// \brief Callbacks of impute_vcf (each may be empty).
struct impute_vcf_callbacks
{
    std::function<void(std::string const & contig)> start_done;       ///< after each fitted start
    std::function<void(impute_contig_report const &)> contig_done;     ///< after each contig
    /// After the last contig, before the output is committed (a failure there leaves no output).
    std::function<void(impute_vcf_summary const &)> before_commit;
};

/// \brief A contig's random-stream index: 64-bit FNV-1a of its name.
[[nodiscard]] std::uint64_t contig_stream(std::string const & name);

/// \brief Runs the pipeline (see the file comment); the output is written atomically.
/// \throws user_error on bad input (vcf_io.hpp) or a failed fit, leaving no output.
[[nodiscard]] impute_vcf_summary impute_vcf(impute_vcf_options const & opt, impute_vcf_callbacks const & cb = {});

} // namespace emtk::geno
