/// \file
/// \brief Window GC content (htslib faidx) and binned-median GC correction (see gc.hpp).

#include <emtk/cov/depth.hpp>
#include <emtk/cov/gc.hpp>
#include <emtk/util/error.hpp>

#include <htslib/faidx.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>

namespace emtk::cov {

namespace {

double median_of(std::vector<double> v)
{
    if (v.empty())
        return std::numeric_limits<double>::quiet_NaN();
    auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

} // namespace

std::vector<double> window_gc(std::string const & fasta, window_table const & t)
{
    std::unique_ptr<faidx_t, void (*)(faidx_t *)> fai{fai_load(fasta.c_str()), fai_destroy};
    if (!fai)
        throw user_error(located_message(fasta, 0, "cannot open as an indexed FASTA (samtools faidx " + fasta + ")"));
    for (auto const & name : t.chrom_names)
        if (!faidx_has_seq(fai.get(), name.c_str()))
            throw user_error(located_message(fasta, 0, "chromosome '" + name + "' of " + t.source + " is not in the FASTA"));
    std::vector<double> gc(t.size(), std::numeric_limits<double>::quiet_NaN());
    // One fetch per block of windows of a chromosome (at most ~1 Mb at a time).
    std::size_t i = 0;
    while (i < t.size())
    {
        std::size_t j = i;
        while (j < t.size() && t.chrom[j] == t.chrom[i] && t.end[j] - t.start[i] <= (1u << 20))
            ++j;
        if (j == i)
            ++j;
        std::uint64_t lo = t.start[i], hi = t.end[i];
        for (std::size_t k = i; k < j; ++k)
        {
            lo = std::min(lo, t.start[k]);
            hi = std::max(hi, t.end[k]);
        }
        hts_pos_t len = 0;
        std::unique_ptr<char, void (*)(void *)> const owned{
            faidx_fetch_seq64(fai.get(), t.chrom_names[t.chrom[i]].c_str(), static_cast<hts_pos_t>(lo),
                              static_cast<hts_pos_t>(hi) - 1, &len),
            std::free};
        char const * seq = owned.get();
        if (!seq || len < 0)
        {
            throw user_error(located_message(fasta, 0, "cannot read " + t.chrom_names[t.chrom[i]] + ":" +
                                                           std::to_string(lo + 1) + "-" + std::to_string(hi)));
        }
        for (std::size_t k = i; k < j; ++k)
        {
            std::uint64_t gcn = 0, acgt = 0;
            for (std::uint64_t p = t.start[k]; p < t.end[k] && static_cast<hts_pos_t>(p - lo) < len; ++p)
            {
                switch (seq[p - lo])
                {
                case 'G': case 'C': case 'g': case 'c': ++gcn; ++acgt; break;
                case 'A': case 'T': case 'a': case 't': ++acgt; break;
                default: break;
                }
            }
            if (2 * acgt >= t.end[k] - t.start[k] && acgt > 0)
                gc[k] = static_cast<double>(gcn) / static_cast<double>(acgt);
        }
        i = j;
    }
    return gc;
}

gc_summary gc_correct(std::vector<double> & depth, std::vector<double> const & gc, std::size_t min_windows)
{
    constexpr int bins = 101;
    std::vector<std::vector<double>> by_bin(bins);
    std::vector<double> all;
    for (std::size_t i = 0; i < depth.size(); ++i)
        if (std::isfinite(gc[i]) && depth[i] > 0)
        {
            by_bin[static_cast<std::size_t>(std::lround(gc[i] * 100))].push_back(depth[i]);
            all.push_back(depth[i]);
        }
    gc_summary s;
    double const global = median_of(all);
    if (!(global > 0))
        return s;
    std::vector<double> factor(bins, 1.0);
    for (int b = 0; b < bins; ++b)
    {
        // Widen symmetrically until the pooled bins hold min_windows windows.
        std::vector<double> pool(by_bin[static_cast<std::size_t>(b)]);
        for (int w = 1; pool.size() < min_windows && w < bins; ++w)
        {
            if (b - w >= 0)
                pool.insert(pool.end(), by_bin[static_cast<std::size_t>(b - w)].begin(), by_bin[static_cast<std::size_t>(b - w)].end());
            if (b + w < bins)
                pool.insert(pool.end(), by_bin[static_cast<std::size_t>(b + w)].begin(), by_bin[static_cast<std::size_t>(b + w)].end());
        }
        double const m = median_of(pool);
        factor[static_cast<std::size_t>(b)] = m > 0 ? std::clamp(global / m, 0.25, 4.0) : 1.0;
    }
    s.min_factor = std::numeric_limits<double>::infinity();
    s.max_factor = 0;
    for (std::size_t i = 0; i < depth.size(); ++i)
    {
        if (!std::isfinite(gc[i]))
            continue;
        double const f = factor[static_cast<std::size_t>(std::lround(gc[i] * 100))];
        depth[i] *= f;
        ++s.corrected;
        s.min_factor = std::min(s.min_factor, f);
        s.max_factor = std::max(s.max_factor, f);
    }
    if (s.corrected == 0)
        s.min_factor = s.max_factor = 1;
    return s;
}

} // namespace emtk::cov
