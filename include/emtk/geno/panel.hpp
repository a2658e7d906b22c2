#pragma once
/// \file
/// \brief Reference-panel imputation input (`emtk impute --ref`, issue 20): the study's genotypes,
/// the phased panel read marker by marker, and the matching of study markers to panel markers.
///
/// Study (read_study): every record of a VCF/BCF is read once and kept per contig; a record is
/// usable when it is biallelic with FORMAT/GT and every call is diploid or missing (`./1` counts as
/// missing). Multiallelic records and records without GT or with a non-diploid call are counted
/// and left out (they are not in the output, as for Beagle, whose output holds the panel's markers).
///
/// Panel (panel_reader): a phased VCF/BCF, bgzipped (or BCF) with a .tbi/.csi index beside it;
/// read sequentially, contig by contig, in the panel's order. Checks (user_error naming the file and
/// the record): no index, no samples or no GT in the header, an unphased, missing or non-diploid
/// call, records out of order within a contig, a contig that reappears. A multiallelic panel
/// record with A ALT alleles is split into A biallelic markers (as `bcftools norm -m-`: marker k
/// carries ALT k, a haplotype's bit is set when its allele is ALT k), returned one after the other
/// with `allele` = k and `alleles` = A + 1, and re-joined into one record on output
/// (ref_impute.hpp). Records without an ALT allele are skipped and counted.
///
/// Matching (match_alleles): by position, then alleles: the same REF/ALT (`same`), swapped
/// (`swap`: the study's genotype g becomes 2 − g), the reverse complement of a SNP's alleles
/// (`flip`, a strand flip), or both (`flip_swap`). For strand-ambiguous SNPs (A/T, C/G) the
/// identity (or the swap) wins, as a flip cannot be told from it. Anything else is a mismatch.
/// Contig names match with or without a leading "chr".

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief The usable records of one study contig, in input order (sorted by position).
struct study_contig
{
    std::string name;
    std::vector<std::int64_t> pos;      ///< 1-based
    std::vector<std::string> ref, alt;
    std::vector<std::int8_t> g;         ///< site-major: g[site * samples + i] ∈ {-1, 0, 1, 2}
};

/// \brief What read_study met.
struct study_counts
{
    std::uint64_t records = 0;
    std::uint64_t usable = 0;        ///< biallelic, GT, diploid or missing calls
    std::uint64_t multiallelic = 0;  ///< left out (also records without ALT)
    std::uint64_t no_gt = 0;         ///< left out
    std::uint64_t non_diploid = 0;   ///< left out: a haploid or polyploid call
};

struct study_data
{
    std::string path;
    std::vector<std::string> samples;
    std::vector<study_contig> contigs;
    study_counts counts;
    /// \brief The contig matching a panel contig name (with or without "chr"); nullptr if none.
    [[nodiscard]] study_contig const * find(std::string const & panel_contig) const;
};

/// \brief Reads the whole study (see the file comment). \throws user_error on unreadable input,
/// no samples, or records out of order within a contig.
[[nodiscard]] study_data read_study(std::string const & path);

/// \brief How a study marker's alleles relate to a panel marker's.
enum class allele_match
{
    same,
    swap,
    flip,
    flip_swap,
    mismatch
};

/// \brief See the file comment (alleles compared case-insensitively).
[[nodiscard]] allele_match match_alleles(std::string const & study_ref, std::string const & study_alt,
                                         std::string const & panel_ref, std::string const & panel_alt);

/// \brief One biallelic panel marker (or one ALT allele of a multiallelic record): alleles of
/// every panel haplotype as bits.
struct panel_marker
{
    std::int64_t pos = 0;
    std::string id, ref, alt;
    std::vector<std::uint64_t> bits; ///< haplotype h's allele is bit h % 64 of word h / 64 (1 = ALT)
    std::uint32_t alt_count = 0;     ///< haplotypes carrying ALT
    std::uint32_t allele = 1;        ///< which ALT of the record this marker is (1-based)
    std::uint32_t alleles = 2;       ///< alleles of the record (REF + ALTs); > 2: split record
};

/// \brief What panel_reader met.
struct panel_counts
{
    std::uint64_t records = 0;
    std::uint64_t markers = 0;       ///< biallelic markers returned (split records: one per ALT)
    std::uint64_t multiallelic = 0;  ///< records split into biallelic markers
    std::uint64_t no_alt = 0;        ///< records without an ALT allele: skipped
};

class panel_reader
{
public:
    /// \throws user_error when the panel cannot be opened, has no index or an unusable header
    explicit panel_reader(std::string path);
    ~panel_reader();
    panel_reader(panel_reader const &) = delete;
    panel_reader & operator=(panel_reader const &) = delete;

    [[nodiscard]] std::size_t haplotypes() const noexcept;
    [[nodiscard]] std::string const & path() const noexcept;
    /// \brief Reads the next biallelic marker (the next ALT of a split record first). \returns false at the end of the panel.
    /// `contig` receives the marker's contig name. \throws user_error on a bad record
    bool next(std::string & contig, panel_marker & out);
    /// \brief The contig's length from the header (0 if unknown).
    [[nodiscard]] std::int64_t contig_length(std::string const & contig) const;
    [[nodiscard]] panel_counts const & counts() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

} // namespace emtk::geno
