#pragma once
/// \file
/// \brief Read depth in windows from BAM/CRAM (mosdepth's semantics) or from mosdepth's
/// PREFIX.regions.bed(.gz).
///
/// Semantics (those of `mosdepth -n --by W`, v0.3, read from its source to match its output):
/// - a record is skipped when (flag & exclude_flags) != 0, when include_flags != 0 and
///   (flag & include_flags) == 0, or when its MAPQ < min_mapq;
/// - a kept record covers the reference bases of its M/=/X operations (D and N do not count);
///   `fast_mode` counts start … end (bam_endpos) instead and skips the mate handling (mosdepth -x);
/// - overlapping mates of a proper pair (not supplementary, same chromosome) are counted once:
///   the first mate is held until the second arrives and the bases both cover are subtracted once,
///   exactly by mosdepth's rule (including its shortcut for two single-operation CIGARs, which
///   subtracts [second.start, first.end));
/// - a window's depth is the mean per-base depth over [start, end): Σ depth / (end − start).
///   Fixed windows of W bp tile each chromosome from 0, the last one shorter (mosdepth's windows).
///
/// Memory. Depth is accumulated in a ring buffer of start/end increments that only has to span the
/// longest distance between a record's start and the last base it (or its held mate) touches, so
/// memory is O(longest record span + held mates) per worker thread, never O(chromosome length)
/// (mosdepth holds a 4-byte counter per base of the chromosome). Window sums are 64-bit integers.
///
/// Threads. With an index, chromosomes are distributed over `threads` workers, each with its own
/// file handle, all sharing one htslib decompression pool of `threads` threads; results are stored
/// per chromosome, so the output order and values do not depend on the thread count. Without an
/// index the file is read once in order (and must be coordinate-sorted).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace emtk::cov {

/// \brief Which windows and which records (defaults are the documented ones).
struct depth_options
{
    std::string reference;              ///< FASTA (with .fai) for CRAM input; "" = none
    std::uint32_t window = 1000;        ///< fixed window size, bp (ignored with by_bed)
    std::string by_bed;                 ///< BED of windows (chrom start end …), overrides `window`
    std::string region;                 ///< "chr", "chr:start-end" (1-based, inclusive); "" = whole genome
    std::vector<std::string> chroms;    ///< only these chromosomes ("" = all)
    std::string exclude_chroms;         ///< POSIX extended regex: skip chromosomes whose name it matches (anywhere)
    std::uint16_t exclude_flags = 1796; ///< -F: UNMAP | SECONDARY | QCFAIL | DUP
    std::uint16_t include_flags = 0;    ///< -f: keep only records with one of these flags (0 = all)
    int min_mapq = 0;                   ///< -Q
    bool fast_mode = false;             ///< start … end, no CIGAR, no mate handling (mosdepth -x)
    int threads = 1;                    ///< workers and decompression threads
};

/// \brief Counts of the records seen, for the run summary.
struct read_counts
{
    std::uint64_t records = 0;          ///< records read on the selected chromosomes
    std::uint64_t used = 0;             ///< records that passed the filters
    std::uint64_t filtered_flag = 0;    ///< skipped by -F / -f
    std::uint64_t filtered_mapq = 0;    ///< skipped by -Q
    std::uint64_t mate_overlaps = 0;    ///< overlapping mate pairs counted once
    std::uint64_t aligned_bases = 0;    ///< Σ reference span (start … end) of the used records
    read_counts & operator+=(read_counts const & o);
};

/// \brief Per-base depth distribution of a set of bases (mosdepth's dist and summary files).
struct depth_histogram
{
    std::vector<std::uint64_t> bases;   ///< bases[d]: bases at depth d (d >= 0)
    std::uint64_t length = 0;           ///< bases counted, negative depths included
    std::int64_t sum = 0;               ///< Σ depth
    /// Bases at a negative depth (only mosdepth's mate-overlap shortcut makes them); left out of
    /// `bases`, as mosdepth leaves them out of its distributions.
    std::uint64_t negative = 0;
    std::int64_t min_negative = 0;      ///< the lowest negative depth (0: none)
    /// \brief Adds n bases at depth d (inline: called per base in the depth pass).
    void add(std::int64_t d, std::uint64_t n)
    {
        if (d >= 0 && static_cast<std::uint64_t>(d) < bases.size()) [[likely]]
        {
            bases[static_cast<std::size_t>(d)] += n;
            length += n;
            sum += d * static_cast<std::int64_t>(n);
            return;
        }
        add_rare(d, n);
    }
    /// \brief add() for a negative depth or one beyond the table (grows it).
    void add_rare(std::int64_t d, std::uint64_t n);
    depth_histogram & operator+=(depth_histogram const & o);
    [[nodiscard]] std::int64_t min() const noexcept; ///< lowest depth (0 when empty)
    [[nodiscard]] std::int64_t max() const noexcept; ///< highest depth (0 when empty)
};

/// \brief Windows of the selected chromosomes, in header order, sorted by start within each.
struct window_table
{
    std::vector<std::string> chrom_names;   ///< selected chromosomes, header order
    std::vector<std::uint64_t> chrom_length;///< their lengths
    std::vector<std::uint32_t> chrom;       ///< per window: index into chrom_names
    std::vector<std::uint64_t> start, end;  ///< per window, 0-based half-open
    std::vector<double> depth;              ///< per window: mean per-base depth
    read_counts reads;                      ///< from a BAM/CRAM; all zero for --depth-bed input
    double mean_read_span = 0;              ///< aligned_bases / used (0 when unknown)
    /// From a BAM/CRAM only (empty for --depth-bed input), per selected chromosome: the per-base
    /// depth over the range read (the chromosome, or the --region range), over the windows (a base
    /// once per window holding it), and whether the file has any record on it (mosdepth writes no
    /// summary or distribution line for a chromosome without records).
    std::vector<depth_histogram> chrom_bases, chrom_window_bases;
    std::vector<bool> chrom_has_records;
    /// From a BAM/CRAM with fixed windows: per window, mosdepth's floating-point mean (Σ depth/length
    /// added base by base; within ~1e-12 of `depth`), which its region distribution rounds.
    std::vector<double> mosdepth_window_mean;
    std::string source;                     ///< the input file, for messages
    [[nodiscard]] std::size_t size() const noexcept { return start.size(); }
};

/// \brief Computes window depths from a coordinate-sorted BAM or CRAM.
/// \throws user_error: unreadable/truncated file, unsorted records, CRAM without reference,
///         an index needed (region, --chroms) but missing, unknown chromosome, bad BED, no window.
[[nodiscard]] window_table bam_window_depth(std::string const & path, depth_options const & opt);

/// \brief Reads window depths from mosdepth's PREFIX.regions.bed(.gz) (chrom start end [name] mean:
/// the last column is the depth); `opt.region`, `opt.chroms` and `opt.exclude_chroms` select.
/// \throws user_error naming the file and line of a malformed or unsorted line.
[[nodiscard]] window_table read_depth_bed(std::string const & path, depth_options const & opt);

/// \brief A parsed --region: chromosome name and 0-based half-open range (end 0 = to the end).
struct region_spec
{
    std::string chrom;
    std::uint64_t start = 0, end = 0;
};
/// \brief Parses "chr", "chr:start-end" or "chr:start" (1-based inclusive, commas allowed).
/// \throws usage_error for a malformed region.
[[nodiscard]] region_spec parse_region(std::string const & s);

/// \brief Fixed windows of `w` bp over [begin, end): mosdepth's tiling (last window shorter).
void tile_windows(std::uint64_t begin, std::uint64_t end, std::uint32_t w, std::vector<std::uint64_t> & starts,
                  std::vector<std::uint64_t> & ends);

} // namespace emtk::cov
