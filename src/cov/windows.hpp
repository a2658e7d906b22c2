#pragma once
/// \file
/// \brief Choosing chromosomes and windows (private to src/cov): shared by the BAM reader and the
/// --depth-bed reader.

#include <emtk/cov/depth.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace emtk::cov::detail {

/// \brief A POSIX extended regular expression matched anywhere in a name (--exclude-chroms).
/// POSIX regcomp rather than std::regex: GCC 12's <regex> trips -Wmaybe-uninitialized.
class name_pattern
{
public:
    /// \throws usage_error for an invalid expression (the message names `option`).
    name_pattern(std::string const & expr, std::string const & option);
    ~name_pattern();
    name_pattern(name_pattern const &) = delete;
    name_pattern & operator=(name_pattern const &) = delete;
    [[nodiscard]] bool search(std::string const & name) const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

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
