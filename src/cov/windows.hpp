#pragma once
/// \file
/// \brief Choosing chromosomes and windows (private to src/cov): shared by the BAM reader and the
/// --depth-bed reader.

#include <emtk/cov/depth.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace emtk::cov::detail {

/// The windows of one chromosome, sorted by start (ties: by end), possibly overlapping (--by BED).
struct chrom_windows
{
    int tid = -1;                        ///< index in the file's header
    std::string name;
    std::uint64_t length = 0;
    std::uint64_t begin = 0, end = 0;    ///< the range the windows come from (--region), else 0 … length
    std::vector<std::uint64_t> start, stop;
};

/// \brief Selected chromosomes (header order) and their windows: fixed windows of opt.window or the
/// BED of opt.by_bed, restricted to opt.region, opt.chroms, not matching opt.exclude_chroms.
/// `source` names the alignment file for messages.
/// \throws usage_error / user_error: unknown chromosome in --region or --chroms, bad regex, bad BED,
///         nothing selected.
[[nodiscard]] std::vector<chrom_windows> plan_windows(std::vector<std::string> const & names,
                                                      std::vector<std::uint64_t> const & lengths,
                                                      depth_options const & opt, std::string const & source);

} // namespace emtk::cov::detail
