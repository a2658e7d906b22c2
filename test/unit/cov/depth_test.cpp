// Window depth: the streaming accumulator against a per-base array, region parsing, tiling.

#include <catch2/catch.hpp>

#include "cov/accumulator.hpp"

#include <emtk/cov/depth.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

using namespace emtk;

namespace {

struct event
{
    std::uint64_t pos;
    std::int32_t v;
};

} // namespace

TEST_CASE("accumulator window sums and depth histograms equal a per-base depth array", "[cov]")
{
    for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u})
    {
        for (bool fixed : {false, true})
        {
        rng r{seed};
        std::uint64_t const len = 20000 + r.below(20000);
        // Windows: fixed tiling plus overlapping random ones, sorted by start.
        std::vector<std::uint64_t> starts, stops;
        cov::tile_windows(0, len, 700, starts, stops);
        for (int k = 0; k < (fixed ? 0 : 40); ++k)
        {
            std::uint64_t a = r.below(len), b = a + 1 + r.below(5000);
            starts.push_back(a);
            stops.push_back(std::min(b, len));
        }
        std::vector<std::size_t> order(starts.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return starts[x] < starts[y]; });
        std::vector<std::uint64_t> s2, e2;
        for (auto i : order)
        {
            s2.push_back(starts[i]);
            e2.push_back(stops[i]);
        }
        // Records sorted by start; some long (forcing the ring buffer to grow), some blocks split.
        std::vector<std::int64_t> naive(len + 1, 0);
        // Histogram range: the middle half (a --region); fixed windows also get mosdepth's float means.
        std::uint64_t const hb = len / 4, he = 3 * len / 4;
        cov::detail::depth_accumulator acc{s2, e2, len, hb, he, fixed};
        std::uint64_t pos = 0;
        while (true)
        {
            pos += r.below(60);
            if (pos >= len)
                break;
            std::uint64_t span = r.uniform() < 0.01 ? 5000 + r.below(20000) : 50 + r.below(150);
            acc.advance(pos);
            std::uint64_t a = pos;
            int blocks = 1 + static_cast<int>(r.below(3));
            for (int b = 0; b < blocks; ++b)
            {
                std::uint64_t const e = std::min(len, a + span / static_cast<std::uint64_t>(blocks));
                acc.add(a, 1);
                acc.add(e, -1);
                for (std::uint64_t p = a; p < e; ++p)
                    ++naive[p];
                a = e + r.below(30); // a deletion / skip between blocks
                if (a >= len)
                    break;
            }
        }
        auto const & sums = acc.finish();
        REQUIRE(sums.size() == s2.size());
        for (std::size_t w = 0; w < s2.size(); ++w)
        {
            std::int64_t want = 0;
            for (std::uint64_t p = s2[w]; p < e2[w]; ++p)
                want += naive[p];
            INFO("seed " << seed << " window " << s2[w] << "-" << e2[w]);
            CHECK(sums[w] == want);
            if (fixed)
            {
                double m = 0; // mosdepth's imean: depth / length added base by base
                for (std::uint64_t p = s2[w]; p < e2[w]; ++p)
                    m += static_cast<double>(naive[p]) / static_cast<double>(e2[w] - s2[w]);
                CHECK(acc.float_means()[w] == m);
            }
        }
        cov::depth_histogram in_range, in_windows;
        for (std::uint64_t p = hb; p < he; ++p)
            in_range.add(naive[p], 1);
        for (std::size_t w = 0; w < s2.size(); ++w)
            for (std::uint64_t p = s2[w]; p < e2[w]; ++p)
                in_windows.add(naive[p], 1);
        for (auto const & [got, want] : {std::pair{&acc.bases(), &in_range}, std::pair{&acc.window_bases(), &in_windows}})
        {
            INFO("seed " << seed << (fixed ? " fixed windows" : " overlapping windows"));
            CHECK(got->length == want->length);
            CHECK(got->sum == want->sum);
            CHECK(got->min() == want->min());
            CHECK(got->max() == want->max());
            std::vector<std::uint64_t> a = got->bases, b = want->bases;
            a.resize(std::max(a.size(), b.size()), 0);
            b.resize(a.size(), 0);
            CHECK(a == b);
        }
        CHECK(acc.bases().length == he - hb);
        CHECK(acc.float_means().size() == (fixed ? s2.size() : 0));
        }
    }
}

TEST_CASE("depth_histogram: negative depths apart, min and max, sums", "[cov]")
{
    cov::depth_histogram h;
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    h.add(3, 2);
    h.add(0, 5);
    h.add(200, 1);
    CHECK(h.min() == 0);
    CHECK(h.max() == 200);
    CHECK(h.length == 8);
    CHECK(h.sum == 206);
    h.add(-1, 2);
    CHECK(h.min() == -1);
    CHECK(h.negative == 2);
    CHECK(h.length == 10);
    CHECK(h.sum == 204);
    CHECK(h.bases[3] == 2);
    cov::depth_histogram g;
    g.add(1, 1);
    g += h;
    CHECK(g.length == 11);
    CHECK(g.bases[1] == 1);
    CHECK(g.bases[200] == 1);
}

TEST_CASE("fixed windows tile like mosdepth: the last one is shorter", "[cov]")
{
    std::vector<std::uint64_t> s, e;
    cov::tile_windows(0, 2500, 1000, s, e);
    CHECK(s == std::vector<std::uint64_t>{0, 1000, 2000});
    CHECK(e == std::vector<std::uint64_t>{1000, 2000, 2500});
    s.clear();
    e.clear();
    cov::tile_windows(0, 2000, 1000, s, e);
    CHECK(e == std::vector<std::uint64_t>{1000, 2000});
    s.clear();
    e.clear();
    cov::tile_windows(100, 350, 100, s, e);
    CHECK(s == std::vector<std::uint64_t>{100, 200, 300});
    CHECK(e == std::vector<std::uint64_t>{200, 300, 350});
}

TEST_CASE("regions parse 1-based inclusive into 0-based half-open", "[cov]")
{
    auto r = cov::parse_region("chr1:1,001-2,000");
    CHECK(r.chrom == "chr1");
    CHECK(r.start == 1000);
    CHECK(r.end == 2000);
    r = cov::parse_region("HLA-A*01:01");
    CHECK(r.chrom == "HLA-A*01");
    CHECK(r.start == 0);
    CHECK(r.end == 0);
    r = cov::parse_region("chrX");
    CHECK(r.chrom == "chrX");
    CHECK_THROWS_AS(cov::parse_region("chr1:0-10"), usage_error);
    CHECK_THROWS_AS(cov::parse_region("chr1:20-10"), usage_error);
    CHECK_THROWS_AS(cov::parse_region(":1-10"), usage_error);
}
