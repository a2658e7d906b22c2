#pragma once
/// \file
/// \brief Streaming window sums of per-base depth from start/end increments (private to src/cov).
///
/// Records arrive sorted by start. Each adds +1 at the first base of every covered block and −1
/// after its last base (mosdepth's difference array). Once a record starting at s has been seen, no
/// later record changes a position < s, so every position < s can be turned into depth and added
/// into the windows: `advance(s)`. The increments not yet consumed live in a ring buffer that spans
/// [P, P + capacity) with P the first unconsumed position; it doubles when a record reaches further.
/// Memory: O(longest span from a record's start to the last position it changes), not O(chromosome).
///
/// Window sums use prefix sums C(p) = Σ_{q<p} depth(q): a window [a, b) gets C(b) − C(a), which
/// also serves overlapping BED windows. Depth and sums are signed 64-bit (mosdepth's overlap
/// shortcut can subtract more than a record added, so per-base depth can be negative there, as in
/// mosdepth).
///
/// Depth distributions (mosdepth's PREFIX.mosdepth.*.txt): every consumed stretch also goes into
/// two histograms: `bases()` over [hist_begin, hist_end) (the chromosome, or the --region range)
/// and `window_bases()` over the windows, each base counted once per window that holds it (as
/// mosdepth counts overlapping BED regions). Window starts/ends and the two range ends split the
/// stretches, so within one the window multiplicity is constant; a stretch of constant depth costs
/// O(1). With `float_means` (fixed windows, which never overlap) each window also gets mosdepth's
/// own floating-point mean, Σ (depth / length) added base by base in order (mosdepth's imean): its
/// rounding error decides on which side of .5 a mean falls in mosdepth's region distribution of
/// fixed windows, so it is reproduced rather than computed exactly. Zero depth adds nothing, so a
/// stretch without reads still costs O(1).

#include <emtk/cov/depth.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace emtk::cov::detail {

class depth_accumulator
{
public:
    /// \param starts, stops windows sorted by start (0-based, half-open), all within [0, length]
    /// \param hist_begin, hist_end the range of bases() (within [0, length])
    depth_accumulator(std::vector<std::uint64_t> const & starts, std::vector<std::uint64_t> const & stops,
                      std::uint64_t length, std::uint64_t hist_begin, std::uint64_t hist_end, bool float_means)
        : starts_{starts}, stops_{stops}, length_{length}, hist_begin_{std::min(hist_begin, length)},
          hist_end_{std::min(hist_end, length)}, sums_(starts.size(), 0), c_at_start_(starts.size(), 0),
          end_order_(starts.size())
    {
        if (float_means)
            float_means_.assign(starts.size(), 0.0);
        std::iota(end_order_.begin(), end_order_.end(), std::size_t{0});
        std::stable_sort(end_order_.begin(), end_order_.end(),
                         [&](std::size_t x, std::size_t y) { return stops_[x] < stops_[y]; });
        buf_.assign(1u << 12, 0);
        mask_ = buf_.size() - 1;
    }

    /// First position not yet turned into depth.
    [[nodiscard]] std::uint64_t position() const noexcept { return p_; }

    /// Adds v at position pos (>= position(); clamped to the chromosome length).
    void add(std::uint64_t pos, std::int32_t v)
    {
        pos = std::min(pos, length_);
        EMTK_ASSERT(pos >= p_, "depth increment before the consumed position");
        if (pos - p_ >= buf_.size())
            grow(pos - p_ + 1);
        buf_[pos & mask_] += v;
        furthest_ = std::max(furthest_, pos + 1);
    }

    /// Turns every position < target into depth (target clamped to the length).
    void advance(std::uint64_t target)
    {
        target = std::min(target, length_);
        while (p_ < target)
        {
            std::uint64_t next = target;
            if (next_start_ < starts_.size())
                next = std::min(next, starts_[next_start_]);
            if (next_end_ < end_order_.size())
                next = std::min(next, stops_[end_order_[next_end_]]);
            if (p_ < hist_begin_)
                next = std::min(next, hist_begin_);
            if (p_ < hist_end_)
                next = std::min(next, hist_end_);
            if (next > p_)
                consume(next);
            events_at(p_);
        }
        events_at(p_);
    }

    /// Consumes to the chromosome end and returns the window sums Σ depth (one per window).
    [[nodiscard]] std::vector<std::int64_t> const & finish()
    {
        advance(length_);
        events_at(length_);
        return sums_;
    }

    /// Per-base depth over [hist_begin, hist_end) (complete after finish()).
    [[nodiscard]] depth_histogram const & bases() const noexcept { return bases_; }
    /// Per-base depth over the windows, a base once per window holding it (after finish()).
    [[nodiscard]] depth_histogram const & window_bases() const noexcept { return window_bases_; }
    /// mosdepth's floating-point window means (float_means; empty otherwise), after finish().
    [[nodiscard]] std::vector<double> const & float_means() const noexcept { return float_means_; }

private:
    void events_at(std::uint64_t pos)
    {
        while (next_start_ < starts_.size() && starts_[next_start_] <= pos)
        {
            c_at_start_[next_start_++] = c_;
            ++open_windows_;
        }
        while (next_end_ < end_order_.size() && stops_[end_order_[next_end_]] <= pos)
        {
            std::size_t const w = end_order_[next_end_++];
            sums_[w] = c_ - c_at_start_[w];
            --open_windows_;
        }
    }

    /// n bases at depth d, at the current stretch (constant range membership and multiplicity).
    void tally(std::int64_t d, std::uint64_t n, bool in_range)
    {
        if (in_range)
            bases_.add(d, n);
        if (open_windows_ > 0)
        {
            window_bases_.add(d, n * open_windows_);
            if (!float_means_.empty() && d != 0)
            {
                // Fixed windows do not overlap: the open one is the last started.
                std::size_t const w = next_start_ - 1;
                if (d != quotient_depth_ || w != quotient_window_)
                {
                    // The same depth in the same window: the same quotient (one division per change).
                    quotient_depth_ = d;
                    quotient_window_ = w;
                    quotient_ = static_cast<double>(d) / static_cast<double>(stops_[w] - starts_[w]);
                }
                double const x = quotient_;
                double & m = float_means_[w];
                for (std::uint64_t k = 0; k < n; ++k)
                    m += x;
            }
        }
    }

    /// Consumes positions [p_, to): depth and prefix sum; a stretch with nothing pending is skipped.
    void consume(std::uint64_t to)
    {
        bool const in_range = p_ >= hist_begin_ && p_ < hist_end_; // constant over [p_, to): advance() splits there
        if (d_ == 0 && p_ >= furthest_)
        {
            tally(0, to - p_, in_range);
            p_ = to; // no increment pending: depth stays 0, C unchanged
            return;
        }
        std::uint64_t const stop = std::min(to, std::max(furthest_, p_));
        std::int64_t d = d_, c = c_;
        std::int32_t * const b = buf_.data();
        std::uint64_t const m = mask_;
        for (std::uint64_t p = p_; p < stop; ++p)
        {
            std::int32_t & slot = b[p & m];
            d += slot;
            slot = 0;
            c += d;
            tally(d, 1, in_range);
        }
        std::uint64_t const rest = to - std::max(stop, p_);
        c += d * static_cast<std::int64_t>(rest); // beyond the last increment: constant depth
        if (rest > 0)
            tally(d, rest, in_range);
        d_ = d;
        c_ = c;
        p_ = to;
    }

    void grow(std::uint64_t need)
    {
        std::size_t cap = buf_.size();
        while (cap < need)
            cap *= 2;
        std::vector<std::int32_t> nb(cap, 0);
        std::uint64_t const nm = cap - 1;
        for (std::uint64_t p = p_; p < p_ + buf_.size(); ++p)
            nb[p & nm] = buf_[p & mask_];
        buf_.swap(nb);
        mask_ = nm;
    }

    std::vector<std::uint64_t> const & starts_;
    std::vector<std::uint64_t> const & stops_;
    std::uint64_t length_, hist_begin_, hist_end_;
    std::vector<std::int64_t> sums_, c_at_start_;
    std::uint64_t open_windows_ = 0; // windows holding the current position
    depth_histogram bases_, window_bases_;
    std::vector<double> float_means_;
    std::int64_t quotient_depth_ = 0;
    std::size_t quotient_window_ = static_cast<std::size_t>(-1);
    double quotient_ = 0;
    std::vector<std::size_t> end_order_;
    std::size_t next_start_ = 0, next_end_ = 0;
    std::vector<std::int32_t> buf_;
    std::uint64_t mask_ = 0;
    std::uint64_t p_ = 0;        // first unconsumed position
    std::uint64_t furthest_ = 0; // one past the furthest position holding an increment
    std::int64_t d_ = 0, c_ = 0; // depth at p_-1 carried, prefix sum C(p_)
};

} // namespace emtk::cov::detail
