/// \file
/// \brief The coverage SVG (see plot.hpp).

#include <emtk/cov/plot.hpp>
#include <emtk/util/svg.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_set>

namespace emtk::cov {

char const * cn_colour(int cn) noexcept
{
    static char const * const colours[] = {"#d62728", "#ff7f0e", "#7f7f7f", "#1f77b4",
                                           "#9467bd", "#2ca02c", "#17becf", "#8c564b"};
    return colours[std::clamp(cn, 0, 7)];
}

std::string coverage_svg(window_table const & t, std::vector<double> const & depth, std::vector<int> const & cn,
                         double haploid_depth, int max_cn, std::string const & title)
{
    double const W = 1200, H = 420, x0 = 60, x1 = 1150, y0 = 40, y1 = 360;
    svg_document svg{W, H};
    svg.title(title);
    svg.text(x0, 24, title, 14, "#000", "start", "bold");
    std::size_t const C = t.chrom_names.size();
    // Span of each chromosome's windows and its offset on the x axis.
    std::vector<double> lo(C, 1e300), hi(C, 0), offset(C, 0);
    for (std::size_t i = 0; i < t.size(); ++i)
    {
        lo[t.chrom[i]] = std::min(lo[t.chrom[i]], static_cast<double>(t.start[i]));
        hi[t.chrom[i]] = std::max(hi[t.chrom[i]], static_cast<double>(t.end[i]));
    }
    double total = 0;
    for (std::size_t c = 0; c < C; ++c)
    {
        offset[c] = total;
        if (hi[c] > lo[c])
            total += hi[c] - lo[c];
    }
    if (!(total > 0))
        total = 1;
    double const ymax = std::max(1e-9, (max_cn + 0.5) * haploid_depth);
    auto xpix = [&](std::size_t c, double pos) { return x0 + (offset[c] + pos - lo[c]) / total * (x1 - x0); };
    auto ypix = [&](double d) { return y1 - std::clamp(d / ymax, 0.0, 1.0) * (y1 - y0); };

    // Axes, copy-number levels.
    svg.line(x0, y1, x1, y1, "#000");
    svg.line(x0, y0, x0, y1, "#000");
    for (int c = 0; c <= max_cn; ++c)
    {
        double const y = ypix(c * haploid_depth);
        svg.line(x0, y, x1, y, "#dddddd", 0.8);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", c * haploid_depth);
        svg.text(x0 - 6, y + 4, buf, 10, "#444", "end");
        std::snprintf(buf, sizeof buf, "CN %d", c);
        svg.text(x1 + 4, y + 4, buf, 9, cn_colour(c));
    }
    svg.text(16, (y0 + y1) / 2, "depth", 11, "#000", "middle");
    // Chromosome boundaries and names.
    for (std::size_t c = 0; c < C; ++c)
    {
        if (!(hi[c] > lo[c]))
            continue;
        double const a = xpix(c, lo[c]), b = xpix(c, hi[c]);
        if (c > 0)
            svg.line(a, y0, a, y1, "#999", 0.6);
        svg.text((a + b) / 2, y1 + 16, t.chrom_names[c], 10, "#000", "middle");
    }
    // Points, deduplicated per pixel and copy number.
    std::unordered_set<std::uint64_t> drawn;
    for (std::size_t i = 0; i < t.size(); ++i)
    {
        double const x = xpix(t.chrom[i], 0.5 * static_cast<double>(t.start[i] + t.end[i]));
        double const y = ypix(depth[i]);
        auto const px = static_cast<std::uint64_t>(std::lround(x)), py = static_cast<std::uint64_t>(std::lround(y));
        auto const state = static_cast<std::uint64_t>(std::clamp(cn[i], 0, 255));
        if (!drawn.insert((px << 24) | (py << 8) | state).second)
            continue;
        svg.rect(static_cast<double>(px) - 0.75, static_cast<double>(py) - 0.75, 1.5, 1.5, cn_colour(cn[i]));
    }
    // Legend.
    double lx = x0;
    for (int c = 0; c <= std::min(max_cn, 7); ++c)
    {
        svg.rect(lx, H - 30, 10, 10, cn_colour(c));
        char buf[32];
        std::snprintf(buf, sizeof buf, c == 7 && max_cn > 7 ? "CN %d+" : "CN %d", c);
        svg.text(lx + 14, H - 21, buf, 10);
        lx += 70;
    }
    return svg.str();
}

} // namespace emtk::cov
