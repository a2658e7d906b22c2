/// \file
/// \brief mosdepth's summary and distribution files (formats in include/emtk/cov/mosdepth_output.hpp).

#include <emtk/cov/mosdepth_output.hpp>
#include <emtk/util/error.hpp>

#include <cstdio>

namespace emtk::cov {

namespace {

std::string two_decimals(double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

void summary_line(std::string & out, std::string const & name, depth_histogram const & h)
{
    double const mean = h.length > 0 ? static_cast<double>(h.sum) / static_cast<double>(h.length) : 0.0;
    out += name + '\t' + std::to_string(h.length) + '\t' + std::to_string(h.sum) + '\t' + two_decimals(mean) + '\t' +
           std::to_string(h.min()) + '\t' + std::to_string(h.max()) + '\n';
}

void distribution_lines(std::string & out, std::string const & name, depth_histogram const & h)
{
    std::uint64_t total = 0;
    for (auto n : h.bases)
        total += n;
    if (total == 0)
        return;
    // Cumulated from the highest depth down, in mosdepth's order (the same float sums).
    double cum = 0;
    for (std::size_t d = h.bases.size(); d-- > 0;)
    {
        std::uint64_t const n = h.bases[d];
        if (d > 300 && n == 0)
            continue;
        cum += static_cast<double>(n) / static_cast<double>(total);
        if (cum < 8e-5)
            continue;
        out += name + '\t' + std::to_string(d) + '\t' + two_decimals(cum) + '\n';
    }
}

void check_filled(window_table const & t)
{
    EMTK_ASSERT(t.chrom_bases.size() == t.chrom_names.size() && t.chrom_window_bases.size() == t.chrom_names.size() &&
                    t.chrom_has_records.size() == t.chrom_names.size(),
                "mosdepth files need the per-base depths of a BAM/CRAM");
}

} // namespace

std::string mosdepth_summary(window_table const & t)
{
    check_filled(t);
    std::string out = "chrom\tlength\tbases\tmean\tmin\tmax\n";
    depth_histogram total, total_windows;
    for (std::size_t c = 0; c < t.chrom_names.size(); ++c)
    {
        if (!t.chrom_has_records[c])
            continue;
        summary_line(out, t.chrom_names[c], t.chrom_bases[c]);
        summary_line(out, t.chrom_names[c] + "_region", t.chrom_window_bases[c]);
        total += t.chrom_bases[c];
        total_windows += t.chrom_window_bases[c];
    }
    summary_line(out, "total", total);
    summary_line(out, "total_region", total_windows);
    return out;
}

std::string mosdepth_distribution(window_table const & t, bool windows)
{
    check_filled(t);
    std::vector<depth_histogram> rounded;
    if (windows && !t.mosdepth_window_mean.empty())
    {
        // Fixed windows: mosdepth counts each window once, at its mean rounded half up.
        EMTK_ASSERT(t.mosdepth_window_mean.size() == t.size(), "one mosdepth mean per window");
        rounded.resize(t.chrom_names.size());
        for (std::size_t i = 0; i < t.size(); ++i)
            if (double const m = t.mosdepth_window_mean[i]; m >= 0)
                rounded[t.chrom[i]].add(static_cast<std::int64_t>(m + 0.5), 1);
    }
    auto const & per_chrom = !rounded.empty() ? rounded : windows ? t.chrom_window_bases : t.chrom_bases;
    std::string out;
    depth_histogram total;
    for (std::size_t c = 0; c < t.chrom_names.size(); ++c)
    {
        if (!t.chrom_has_records[c])
            continue;
        distribution_lines(out, t.chrom_names[c], per_chrom[c]);
        total += per_chrom[c];
    }
    distribution_lines(out, "total", total);
    return out;
}

} // namespace emtk::cov
