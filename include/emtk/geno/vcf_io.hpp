#pragma once
/// \file
/// \brief VCF/BCF in and out for `emtk impute` (htslib hidden in src/geno/vcf_*.cpp).
///
/// Reading. vcf_reader reads VCF, bgzipped VCF or BCF (a path or "-" for stdin), optionally only
/// a region (needs a .tbi/.csi index), one contig at a time: next_block() returns the genotype
/// matrix of the next contig's *modelled* sites and keeps every record of the contig, in input
/// order, for the writer. A record is modelled when it is biallelic, has FORMAT/GT, every call is
/// diploid or missing, and at least one genotype is observed. Otherwise it passes through unchanged
/// and is counted: multiallelic, no GT, a haploid (or polyploid) call, every genotype missing.
/// A call with one missing allele (`./1`) counts as missing.
///
/// Checks (user_error, one line naming the file and the record): unreadable or truncated input
/// (a truncated BGZF block), no samples or no FORMAT/GT in the header, records out of order within
/// a contig, a contig that reappears after another one. Records at the same position (duplicate
/// positions) are allowed: each is modelled as its own marker, and they are counted.
///
/// Writing. vcf_writer writes the input header plus FORMAT/GT, DS, GP and INFO/AF, IMP_R2, IMP_N
/// declarations, then each block's records: for a modelled record GT keeps every observed call
/// exactly (phase included) and gets the most probable genotype for each missing one: unphased
/// (`0/1`) unless every observed call of the record is phased; then phased like the rest of the
/// file: a homozygote as `0|0` / `1|1`, a heterozygote oriented by the sample's haplotypes of the
/// model's last draw (impute_result::phase) when they are heterozygous there, else `0|1` (no draw:
/// `--refine 0`, `--method hwe`; or a draw homozygous where the posterior favours 0/1);
/// DS (expected ALT dosage) and GP (posterior of 0/0, 0/1, 1/1) are written for all samples,
/// observed calls getting hard values (DS 0/1/2, GP 1,0,0 / 0,1,0 / 0,0,1); INFO/AF is the
/// estimated ALT frequency (observed calls + imputed dosages), IMP_N the number of imputed
/// genotypes and IMP_R2 the estimated squared correlation between imputed dosage and true
/// genotype over the imputed genotypes (Beagle's DR2 estimator, Browning & Browning 2009 AJHG
/// 84:210, restricted to the imputed genotypes: var(DS) / E[var(G)]; 0 when the imputed
/// genotypes do not vary, "." when none was imputed). GP and DS are rounded to 3 decimals.
/// Output type from the name: ".bcf" → BCF + .csi index, ".gz" → bgzipped VCF + .tbi index,
/// "-" or anything else → plain VCF. The files are written under temporary names beside the target
/// and renamed by commit(); the destructor removes them if commit() was not reached.
///
/// Memory: the records of one contig (about the size of its uncompressed BCF) plus its genotype
/// matrix (sites × samples bytes).

#include <emtk/geno/impute.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief Counts of what the reader met (all contigs so far).
struct vcf_counts
{
    std::uint64_t records = 0;            ///< records read
    std::uint64_t modelled = 0;           ///< records imputed (biallelic, diploid GT, >= 1 observed)
    std::uint64_t multiallelic = 0;       ///< passed through: more than one ALT allele
    std::uint64_t no_gt = 0;              ///< passed through: no FORMAT/GT in the record
    std::uint64_t haploid = 0;            ///< passed through: at least one non-diploid call
    std::uint64_t haploid_calls = 0;      ///< non-diploid calls in those records
    std::uint64_t all_missing_sites = 0;  ///< passed through: every genotype missing
    std::uint64_t duplicate_positions = 0;///< records at the same position as the previous one
    std::uint64_t half_missing_calls = 0; ///< `./1`-like calls, treated as missing
    std::uint64_t missing_genotypes = 0;  ///< missing genotypes at modelled sites (imputed)
    std::uint64_t contigs = 0;            ///< blocks returned
};

/// \brief One contig's modelled sites.
struct vcf_block
{
    std::string contig;
    std::vector<std::int64_t> positions; ///< 1-based, one per modelled site
    genotype_matrix genotypes;           ///< modelled sites × samples
};

class vcf_writer;

class vcf_reader
{
public:
    /// \param path   VCF / VCF.gz / BCF, or "-" for stdin
    /// \param region "" for all records, or "chr", "chr:from-to" (needs an index beside the file)
    /// \throws user_error when the file cannot be opened or its header is unusable
    vcf_reader(std::string path, std::string region = {});
    ~vcf_reader();
    vcf_reader(vcf_reader const &) = delete;
    vcf_reader & operator=(vcf_reader const &) = delete;

    [[nodiscard]] std::vector<std::string> const & samples() const noexcept;
    /// \brief Reads the next contig. \returns false at the end of the input.
    /// \throws user_error on a bad record (see the file comment)
    bool next_block(vcf_block & out);
    [[nodiscard]] vcf_counts const & counts() const noexcept;
    /// \brief Per sample: observed genotypes at modelled sites so far (0 = every genotype missing).
    [[nodiscard]] std::vector<std::uint64_t> const & observed_per_sample() const noexcept;
    [[nodiscard]] std::string const & path() const noexcept;

private:
    friend class vcf_writer;
    struct impl;
    std::unique_ptr<impl> p_;
};

class vcf_writer
{
public:
    /// \param path        output path ("-" = stdout; see the file comment for the type)
    /// \param reader      its header is copied (with emtk's lines added)
    /// \param header_lines extra "##key=value" lines (e.g. the command line)
    /// \param threads     htslib compression threads
    vcf_writer(std::string path, vcf_reader const & reader, std::vector<std::string> const & header_lines,
               int threads = 1);
    ~vcf_writer();
    vcf_writer(vcf_writer const &) = delete;
    vcf_writer & operator=(vcf_writer const &) = delete;

    /// \brief Writes the records of the reader's current block; `gp` holds P(0/0, 0/1, 1/1) of each
    /// missing genotype of the block's matrix, site-major (impute_result::gp); `phase` the model's
    /// phase of each (impute_result::phase; empty: unknown).
    void write_block(vcf_reader & reader, vcf_block const & block, std::span<float const> gp,
                     std::span<std::uint8_t const> phase = {});
    /// \brief Closes, writes the index, renames onto the target. \throws user_error on failure
    void commit();
    /// \brief The index written (empty for plain VCF and stdout).
    [[nodiscard]] std::string index_path() const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

} // namespace emtk::geno
