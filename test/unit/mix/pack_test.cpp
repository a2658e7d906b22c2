// The MPI E-step sends statistics as doubles (em::packable_model, em/distributed.hpp): packing and
// unpacking must reproduce the statistics bit for bit, so that the distributed E-step gives the
// single-process sums exactly.
#include "mix/count_models.hpp"
#include "mix/gaussian_model.hpp"
#include "simulate.hpp"

#include <emtk/em/fit.hpp>
#include <emtk/em/model.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

using namespace emtk::mix;
using namespace emtk::mix::detail;

static_assert(emtk::em::packable_model<gaussian_model>);
static_assert(emtk::em::packable_model<count_model>);

namespace {

bool same_bits(std::vector<double> const & a, std::vector<double> const & b)
{
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

} // namespace

TEST_CASE("mix pack: Gaussian statistics survive pack and unpack bit for bit", "[mix][pack]")
{
    dataset const d = emtk::mix::test::gaussian_2d(300, {0.5, 0.5}, {{{0.0, 0.0}}, {{5.0, 5.0}}}, {{{1.0, 0.2, 1.0}}, {{1.0, 0.0, 1.0}}}, 3);
    mixture_options o;
    o.k = 2;
    gaussian_model const m{d, o};
    emtk::rng r{1};
    gauss_params p;
    m.initialize(r, p);
    flat_stats s = m.make_stats(p);
    for (std::size_t i = 0; i < 100; ++i)
        (void)m.expect(i, p, s);
    std::vector<double> buf{42.0}; // packing appends
    m.pack(s, buf);
    flat_stats back = m.make_stats(p);
    std::size_t const used = m.unpack(std::span<double const>{buf}.subspan(1), back);
    CHECK(used == buf.size() - 1);
    CHECK(same_bits(s.v, back.v));
    CHECK_THROWS(m.unpack(std::span<double const>{buf}.subspan(0, 3), back));
}

TEST_CASE("mix pack: negative-binomial statistics with per-item responsibilities round-trip", "[mix][pack]")
{
    dataset const d = emtk::mix::test::counts(400, {0.5, 0.5}, {5.0, 40.0}, 10.0, 9);
    mixture_options o;
    o.fam = family::negbin;
    o.k = 2;
    count_model const m{d, o};
    emtk::rng r{2};
    count_params p;
    m.initialize(r, p);
    count_stats s = m.make_stats(p);
    for (std::size_t i = 0; i < m.item_count(); ++i)
        (void)m.expect(i, p, s);
    REQUIRE_FALSE(s.item.empty());
    std::vector<double> buf;
    m.pack(s, buf);
    m.pack(s, buf); // two encodings back to back: each unpack reads exactly one
    count_stats a = m.make_stats(p), b = m.make_stats(p);
    std::size_t const n1 = m.unpack(buf, a);
    std::size_t const n2 = m.unpack(std::span<double const>{buf}.subspan(n1), b);
    CHECK(n1 + n2 == buf.size());
    for (count_stats const * c : {&a, &b})
    {
        CHECK(same_bits(c->sums, s.sums));
        CHECK(same_bits(c->resp, s.resp));
        CHECK(c->item == s.item);
    }
}
