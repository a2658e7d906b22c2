/// \file
/// \brief --depth-bed: window depths from mosdepth's PREFIX.regions.bed(.gz).

#include "windows.hpp"

#include <emtk/cov/depth.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace emtk::cov {

window_table read_depth_bed(std::string const & path, depth_options const & opt)
{
    std::optional<region_spec> region;
    if (!opt.region.empty())
        region = parse_region(opt.region);
    std::unique_ptr<detail::name_pattern> skip;
    if (!opt.exclude_chroms.empty())
        skip = std::make_unique<detail::name_pattern>(opt.exclude_chroms, field_name("exclude_chroms"));
    std::unordered_set<std::string> wanted(opt.chroms.begin(), opt.chroms.end());

    window_table t;
    t.source = path;
    line_reader in{path};
    std::string_view line;
    std::unordered_map<std::string, int> seen; // chromosome → index (-1: not selected)
    std::string last_chrom;
    int current = -1;
    std::uint64_t last_start = 0;
    while (in.next(line))
    {
        if (line.empty() || line.front() == '#' || line.rfind("track", 0) == 0 || line.rfind("browser", 0) == 0)
            continue;
        std::vector<std::string_view> f;
        std::size_t pos = 0;
        for (;;)
        {
            auto tab = line.find('\t', pos);
            f.push_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos));
            if (tab == std::string_view::npos)
                break;
            pos = tab + 1;
        }
        if (f.size() < 4)
            throw_input_error(path, in.line_number(), "expected chrom, start, end and the mean depth (mosdepth's regions.bed)");
        std::uint64_t a = 0, b = 0;
        auto r1 = std::from_chars(f[1].data(), f[1].data() + f[1].size(), a);
        auto r2 = std::from_chars(f[2].data(), f[2].data() + f[2].size(), b);
        if (r1.ec != std::errc{} || r1.ptr != f[1].data() + f[1].size() || r2.ec != std::errc{} ||
            r2.ptr != f[2].data() + f[2].size() || b <= a)
            throw_input_error(path, in.line_number(), "start and end must be integers with start < end");
        double depth = 0;
        if (!parse_double(f.back(), depth) || depth < 0)
            throw_input_error(path, in.line_number(), "the last column must be a mean depth >= 0, got '" +
                                                          std::string{f.back()} + "'");
        std::string chrom{f[0]};
        if (chrom != last_chrom)
        {
            if (seen.count(chrom))
                throw_input_error(path, in.line_number(), "not sorted: " + chrom + " appears again after " + last_chrom);
            bool selected = (wanted.empty() || wanted.count(chrom)) && !(skip && skip->search(chrom)) &&
                            (!region || region->chrom == chrom);
            current = -1;
            if (selected)
            {
                current = static_cast<int>(t.chrom_names.size());
                t.chrom_names.push_back(chrom);
                t.chrom_length.push_back(0);
            }
            seen.emplace(chrom, current);
            last_chrom = chrom;
            last_start = 0;
        }
        if (a < last_start)
            throw_input_error(path, in.line_number(), "not sorted: start " + std::to_string(a) + " after " +
                                                          std::to_string(last_start) + " on " + chrom);
        last_start = a;
        if (current < 0)
            continue;
        if (region && (b <= region->start || (region->end != 0 && a >= region->end)))
            continue;
        auto const c = static_cast<std::size_t>(current);
        t.chrom_length[c] = std::max(t.chrom_length[c], b);
        t.chrom.push_back(static_cast<std::uint32_t>(current));
        t.start.push_back(a);
        t.end.push_back(b);
        t.depth.push_back(depth);
    }
    for (auto const & c : opt.chroms)
        if (!seen.count(c))
            throw option_input_error(located_message(path, 0, field_name("chroms") + ": chromosome '" + c + "' has no window in the file"));
    if (t.size() == 0)
        throw option_input_error(
            located_message(path, 0, "no window selected (empty file, or " + field_name("region") + "/" + field_name("chroms") +
                                         " select nothing)"));
    // Drop chromosomes that ended up without windows (a region outside them).
    return t;
}

} // namespace emtk::cov
