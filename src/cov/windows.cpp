/// \file
/// \brief --region parsing, fixed tiling, --by BED windows and chromosome selection.

#include "windows.hpp"

#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <regex.h>
#include <unordered_map>

namespace emtk::cov {

read_counts & read_counts::operator+=(read_counts const & o)
{
    records += o.records;
    used += o.used;
    filtered_flag += o.filtered_flag;
    filtered_mapq += o.filtered_mapq;
    mate_overlaps += o.mate_overlaps;
    aligned_bases += o.aligned_bases;
    return *this;
}

namespace {

bool parse_position(std::string s, std::uint64_t & out)
{
    s.erase(std::remove(s.begin(), s.end(), ','), s.end());
    if (s.empty())
        return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

bool parse_u64(std::string_view s, std::uint64_t & out)
{
    if (s.empty())
        return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

} // namespace

region_spec parse_region(std::string const & s)
{
    region_spec r;
    auto colon = s.rfind(':');
    if (colon == std::string::npos)
    {
        r.chrom = s;
    }
    else
    {
        r.chrom = s.substr(0, colon);
        std::string const range = s.substr(colon + 1);
        auto dash = range.find('-');
        std::uint64_t a = 0, b = 0;
        bool ok = parse_position(range.substr(0, dash), a) && a >= 1;
        if (ok && dash != std::string::npos)
            ok = parse_position(range.substr(dash + 1), b) && b >= a;
        if (!ok)
            throw option_error(field_name("region") +
                               " expects CHROM, CHROM:START or CHROM:START-END (1-based, START <= END), got '" + s + "'");
        r.start = a - 1;
        r.end = dash == std::string::npos ? 0 : b;
    }
    if (r.chrom.empty())
        throw option_error(field_name("region") + " expects CHROM, CHROM:START or CHROM:START-END, got '" + s + "'");
    return r;
}

void tile_windows(std::uint64_t begin, std::uint64_t end, std::uint32_t w, std::vector<std::uint64_t> & starts,
                  std::vector<std::uint64_t> & ends)
{
    // mosdepth's window_gen: [s, s+w) while s + w < end, then [s, end) unless s == end.
    std::uint64_t s = begin;
    while (s + w < end)
    {
        starts.push_back(s);
        ends.push_back(s + w);
        s += w;
    }
    if (s != end)
    {
        starts.push_back(s);
        ends.push_back(end);
    }
}

namespace detail {

struct name_pattern::impl
{
    regex_t re;
};

name_pattern::name_pattern(std::string const & expr, std::string const & option) : p_{std::make_unique<impl>()}
{
    if (regcomp(&p_->re, expr.c_str(), REG_EXTENDED | REG_NOSUB) != 0)
    {
        p_.reset();
        throw option_error(option + ": '" + expr + "' is not a valid (POSIX extended) regular expression");
    }
}

name_pattern::~name_pattern()
{
    if (p_)
        regfree(&p_->re);
}

bool name_pattern::search(std::string const & name) const { return regexec(&p_->re, name.c_str(), 0, nullptr, 0) == 0; }

namespace {

struct bed_interval
{
    std::uint64_t start, stop;
};

/// The --by BED, grouped by chromosome and sorted by start (mosdepth sorts it the same way).
std::unordered_map<std::string, std::vector<bed_interval>> read_bed(std::string const & path)
{
    std::unordered_map<std::string, std::vector<bed_interval>> out;
    line_reader in{path};
    std::string_view line;
    while (in.next(line))
    {
        if (line.empty() || line.front() == '#' || line.rfind("track", 0) == 0 || line.rfind("browser", 0) == 0)
            continue;
        std::string_view f[3];
        std::size_t pos = 0;
        for (int k = 0; k < 3; ++k)
        {
            auto tab = line.find('\t', pos);
            if (tab == std::string_view::npos && k < 2)
                throw_input_error(path, in.line_number(), "expected 3 tab-separated columns (chrom, start, end)");
            f[k] = line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos);
            pos = tab == std::string_view::npos ? line.size() : tab + 1;
        }
        std::uint64_t a = 0, b = 0;
        if (!parse_u64(f[1], a) || !parse_u64(f[2], b))
            throw_input_error(path, in.line_number(), "start and end must be non-negative integers");
        if (b <= a)
            throw_input_error(path, in.line_number(), "end must be greater than start");
        out[std::string{f[0]}].push_back({a, b});
    }
    for (auto & [name, v] : out)
        std::stable_sort(v.begin(), v.end(), [](bed_interval const & x, bed_interval const & y) {
            return x.start != y.start ? x.start < y.start : x.stop < y.stop;
        });
    return out;
}

} // namespace

std::vector<chrom_windows> plan_windows(std::vector<std::string> const & names,
                                        std::vector<std::uint64_t> const & lengths, depth_options const & opt,
                                        std::string const & source)
{
    std::optional<region_spec> region;
    if (!opt.region.empty())
        region = parse_region(opt.region);
    std::unique_ptr<name_pattern> skip;
    if (!opt.exclude_chroms.empty())
        skip = std::make_unique<name_pattern>(opt.exclude_chroms, field_name("exclude_chroms"));
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < names.size(); ++i)
        index.emplace(names[i], i);
    std::vector<char> wanted(names.size(), opt.chroms.empty() ? 1 : 0);
    for (auto const & c : opt.chroms)
    {
        auto it = index.find(c);
        if (it == index.end())
            throw option_input_error(located_message(source, 0, field_name("chroms") + ": chromosome '" + c + "' is not in the header"));
        wanted[it->second] = 1;
    }
    if (region)
    {
        auto it = index.find(region->chrom);
        if (it == index.end())
            throw option_input_error(
                located_message(source, 0, field_name("region") + ": chromosome '" + region->chrom + "' is not in the header"));
        std::uint64_t const len = lengths[it->second];
        if (region->start >= len)
            throw option_input_error(located_message(source, 0, field_name("region") + " " + opt.region + " starts beyond the end of " +
                                                            region->chrom + " (" + std::to_string(len) + " bp)"));
        if (region->end == 0 || region->end > len)
            region->end = len;
        std::fill(wanted.begin(), wanted.end(), 0);
        wanted[it->second] = 1;
    }
    std::unordered_map<std::string, std::vector<bed_interval>> bed;
    if (!opt.by_bed.empty())
        bed = read_bed(opt.by_bed);
    else if (opt.window == 0)
        throw option_error(field_name("window") + " must be at least 1 bp");

    std::vector<chrom_windows> out;
    for (std::size_t i = 0; i < names.size(); ++i)
    {
        if (!wanted[i] || (skip && skip->search(names[i])))
            continue;
        chrom_windows cw;
        cw.tid = static_cast<int>(i);
        cw.name = names[i];
        cw.length = lengths[i];
        cw.begin = region ? region->start : 0;
        cw.end = region ? region->end : lengths[i];
        if (opt.by_bed.empty())
            tile_windows(cw.begin, cw.end, opt.window, cw.start, cw.stop);
        else
        {
            auto it = bed.find(names[i]);
            if (it == bed.end())
                continue;
            for (auto const & iv : it->second)
            {
                if (iv.stop > cw.length)
                    throw user_error(located_message(opt.by_bed, 0, "a window of " + names[i] + " ends at " +
                                                                        std::to_string(iv.stop) + ", beyond its length " +
                                                                        std::to_string(cw.length)));
                // With --region: the part of the window inside the region.
                std::uint64_t const a = std::max(iv.start, cw.begin), b = std::min(iv.stop, cw.end);
                if (a < b)
                {
                    cw.start.push_back(a);
                    cw.stop.push_back(b);
                }
            }
        }
        if (!cw.start.empty())
            out.push_back(std::move(cw));
    }
    if (out.empty())
        throw user_error(located_message(opt.by_bed.empty() ? source : opt.by_bed, 0,
                                         "no window to compute: no chromosome selected" +
                                             std::string{opt.by_bed.empty() ? "" : " has a window in the BED"}));
    return out;
}

} // namespace detail

} // namespace emtk::cov
