#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <set>
#include <vector>

using emtk::rng;

namespace {

/// Sample mean, variance and the standard errors of both, from the sample's own moments:
/// se(mean) = sqrt(var / n), se(var) = sqrt((m4 - var^2) / n).
struct moments
{
    double mean = 0, var = 0, se_mean = 0, se_var = 0;
};

template <typename T>
moments sample_moments(std::vector<T> const & xs)
{
    double const n = static_cast<double>(xs.size());
    double mean = 0;
    for (auto x : xs)
        mean += static_cast<double>(x);
    mean /= n;
    double m2 = 0, m4 = 0;
    for (auto x : xs)
    {
        double const d = static_cast<double>(x) - mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    m2 /= n;
    m4 /= n;
    return {mean, m2 * n / (n - 1), std::sqrt(m2 / n), std::sqrt(std::max(0.0, m4 - m2 * m2) / n)};
}

/// Tolerance used for every statistical check below: 5 standard errors. The seeds are fixed, so
/// these tests are deterministic; 5 s.e. keeps them meaningful (a biased sampler fails) while a
/// change of seed fails them with probability ~1e-6 per check.
constexpr double z = 5.0;

void check_moments(moments const & m, double mean, double var)
{
    CAPTURE(m.mean, mean, m.se_mean, m.var, var, m.se_var);
    CHECK(std::fabs(m.mean - mean) < z * m.se_mean);
    CHECK(std::fabs(m.var - var) < z * m.se_var);
}

constexpr std::size_t draws = 200000;
constexpr std::uint64_t seed = 20240611;

} // namespace

TEST_CASE("rng: the sequence depends only on (seed, stream)", "[util][rng]")
{
    rng a{7, 3}, b{7, 3};
    for (int i = 0; i < 1000; ++i)
        REQUIRE(a() == b());
    // Interleaving other draws from other generators does not matter.
    rng c{7, 3}, d{7, 3}, other{7, 4};
    std::vector<double> xs, ys;
    for (int i = 0; i < 200; ++i)
    {
        xs.push_back(c.normal());
        (void)other();
        ys.push_back(d.normal());
    }
    CHECK(xs == ys);
}

TEST_CASE("rng: different streams and different seeds give different sequences", "[util][rng]")
{
    auto first = [](rng g) {
        std::vector<std::uint64_t> v(8);
        for (auto & x : v)
            x = g();
        return v;
    };
    std::set<std::vector<std::uint64_t>> seen;
    for (std::uint64_t s = 0; s < 4; ++s)
        for (std::uint64_t st = 0; st < 16; ++st)
            seen.insert(first(rng{s, st}));
    CHECK(seen.size() == 4 * 16);
    // The default stream is stream 0.
    CHECK(first(rng{9}) == first(rng{9, 0}));
}

TEST_CASE("rng: streams are not shifted copies of each other", "[util][rng]")
{
    // Neighbouring streams must not overlap: no value of stream 1's first 10000 outputs appears in
    // stream 0's first 10000 (64-bit collisions by chance have probability ~5e-12).
    rng a{1, 0}, b{1, 1};
    std::vector<std::uint64_t> va(10000), vb(10000);
    for (auto & x : va)
        x = a();
    for (auto & x : vb)
        x = b();
    std::sort(va.begin(), va.end());
    std::vector<std::uint64_t> common;
    std::sort(vb.begin(), vb.end());
    std::set_intersection(va.begin(), va.end(), vb.begin(), vb.end(), std::back_inserter(common));
    CHECK(common.empty());
}

TEST_CASE("rng: split() is deterministic, children differ from each other and from the parent", "[util][rng]")
{
    rng parent{11, 2};
    rng const parent_copy = parent;
    auto first = [](rng g) {
        std::vector<std::uint64_t> v(8);
        for (auto & x : v)
            x = g();
        return v;
    };
    CHECK(first(parent.split(5)) == first(parent_copy.split(5)));
    // split does not depend on how far the parent has advanced (it is a function of seed, stream).
    rng advanced = parent;
    for (int i = 0; i < 100; ++i)
        (void)advanced();
    CHECK(first(advanced.split(5)) == first(parent.split(5)));

    std::set<std::vector<std::uint64_t>> seen;
    seen.insert(first(parent));
    for (std::uint64_t c = 0; c < 32; ++c)
        seen.insert(first(parent.split(c)));
    CHECK(seen.size() == 33);
    // Children of different parents differ, and a child differs from the plain stream with its id.
    CHECK(first(rng{11, 2}.split(0)) != first(rng{11, 3}.split(0)));
    CHECK(first(rng{11, 2}.split(0)) != first(rng{12, 2}.split(0)));
    CHECK(first(parent.split(2)) != first(rng{11, 2}));
    // Grandchildren are distinct too.
    CHECK(first(parent.split(1).split(1)) != first(parent.split(1)));
}

TEST_CASE("rng: uniform() is in 0 <= u < 1 with mean 1/2 and variance 1/12", "[util][rng]")
{
    rng g{seed};
    std::vector<double> xs(draws);
    for (auto & x : xs)
    {
        x = g.uniform();
        REQUIRE(x >= 0.0);
        REQUIRE(x < 1.0);
    }
    check_moments(sample_moments(xs), 0.5, 1.0 / 12.0);
    // Deciles: each holds 10% of the draws within 5 s.e. (s.e. = sqrt(0.1*0.9/n)).
    std::array<int, 10> counts{};
    for (double x : xs)
        ++counts[static_cast<std::size_t>(x * 10)];
    double const se = std::sqrt(0.1 * 0.9 / draws);
    for (int c : counts)
        CHECK(std::fabs(c / double(draws) - 0.1) < z * se);
    // 53 random bits: low bits are used too (a float-only generator would leave them zero).
    bool low_bit_set = false;
    for (int i = 0; i < 100 && !low_bit_set; ++i)
    {
        double const u = g.uniform();
        low_bit_set = std::fmod(u * 0x1.0p53, 2.0) == 1.0;
    }
    CHECK(low_bit_set);
}

TEST_CASE("rng: below(n) is in 0 <= k < n and roughly uniform", "[util][rng]")
{
    rng g{seed, 1};
    CHECK(g.below(1) == 0);

    for (std::uint64_t n : {2ULL, 3ULL, 7ULL, 10ULL})
    {
        std::vector<int> counts(n, 0);
        int const m = 100000;
        for (int i = 0; i < m; ++i)
        {
            std::uint64_t k = g.below(n);
            REQUIRE(k < n);
            ++counts[k];
        }
        double const p = 1.0 / static_cast<double>(n);
        double const se = std::sqrt(p * (1 - p) / m);
        for (int c : counts)
        {
            CAPTURE(n, c);
            CHECK(std::fabs(c / double(m) - p) < z * se);
        }
    }
    // A bound just above 2^63 makes about half of the raw values rejected: still in range, and both
    // halves of the range are hit about equally.
    std::uint64_t const big = (1ULL << 63) + 12345;
    int upper = 0;
    int const m = 20000;
    for (int i = 0; i < m; ++i)
    {
        std::uint64_t k = g.below(big);
        REQUIRE(k < big);
        upper += k >= big / 2;
    }
    CHECK(std::fabs(upper / double(m) - 0.5) < z * std::sqrt(0.25 / m));
}

TEST_CASE("rng: usable as a UniformRandomBitGenerator", "[util][rng]")
{
    STATIC_REQUIRE(std::uniform_random_bit_generator<rng>);
    std::vector<int> v(100);
    std::iota(v.begin(), v.end(), 0);
    auto w = v;
    rng g1{5}, g2{5};
    std::shuffle(v.begin(), v.end(), g1);
    std::shuffle(w.begin(), w.end(), g2);
    CHECK(v == w);
    auto sorted = v;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> id(100);
    std::iota(id.begin(), id.end(), 0);
    CHECK(sorted == id);
}

TEST_CASE("rng: normal() has mean 0 and variance 1, normal(mu, sd) is shifted and scaled", "[util][rng]")
{
    rng g{seed, 2};
    std::vector<double> xs(draws);
    for (auto & x : xs)
        x = g.normal();
    check_moments(sample_moments(xs), 0.0, 1.0);
    // Tail mass beyond 1.96: 5%.
    double const tail = std::count_if(xs.begin(), xs.end(), [](double x) { return std::fabs(x) > 1.959964; }) /
                        double(draws);
    CHECK(std::fabs(tail - 0.05) < z * std::sqrt(0.05 * 0.95 / draws));

    for (auto & x : xs)
        x = g.normal(10.0, 3.0);
    check_moments(sample_moments(xs), 10.0, 9.0);
}

TEST_CASE("rng: gamma(shape) has mean and variance equal to shape", "[util][rng]")
{
    for (double shape : {0.3, 1.0, 2.5, 10.0, 100.0})
    {
        CAPTURE(shape);
        rng g{seed, 3};
        std::vector<double> xs(draws);
        for (auto & x : xs)
        {
            x = g.gamma(shape);
            REQUIRE(x >= 0.0);
            REQUIRE(std::isfinite(x));
        }
        check_moments(sample_moments(xs), shape, shape);
    }
}

TEST_CASE("rng: poisson(lambda) has mean and variance lambda, across both algorithms", "[util][rng]")
{
    // lambda < 30 uses inversion, lambda >= 30 the PTRS rejection method: test both sides of the switch.
    for (double lambda : {0.05, 1.0, 5.0, 29.9, 30.0, 45.0, 1000.0, 1e6})
    {
        CAPTURE(lambda);
        rng g{seed, 4};
        std::vector<std::uint64_t> xs(draws);
        for (auto & x : xs)
            x = g.poisson(lambda);
        check_moments(sample_moments(xs), lambda, lambda);
    }
    rng g{seed, 5};
    CHECK(g.poisson(0.0) == 0);
    CHECK(g.poisson(-3.0) == 0);
}

TEST_CASE("rng: poisson frequencies match the pmf near the mode (PTRS branch)", "[util][rng]")
{
    double const lambda = 50.0;
    rng g{seed, 6};
    std::vector<int> counts(200, 0);
    for (std::size_t i = 0; i < draws; ++i)
    {
        std::uint64_t k = g.poisson(lambda);
        if (k < counts.size())
            ++counts[k];
    }
    for (int k = 30; k <= 70; ++k)
    {
        double const p = std::exp(-lambda + k * std::log(lambda) - std::lgamma(k + 1.0));
        double const f = counts[static_cast<std::size_t>(k)] / double(draws);
        CAPTURE(k, p, f);
        CHECK(std::fabs(f - p) < z * std::sqrt(p * (1 - p) / draws) + 1e-5);
    }
}

TEST_CASE("rng: negative_binomial(mean, size) has variance mean + mean^2/size", "[util][rng]")
{
    for (auto [mean, size] : {std::pair{5.0, 2.0}, std::pair{30.0, 10.0}, std::pair{100.0, 0.5}, std::pair{2.0, 100.0}})
    {
        CAPTURE(mean, size);
        rng g{seed, 7};
        std::vector<std::uint64_t> xs(draws);
        for (auto & x : xs)
            x = g.negative_binomial(mean, size);
        check_moments(sample_moments(xs), mean, mean + mean * mean / size);
    }
}

TEST_CASE("rng: categorical() draws indices in proportion to the weights", "[util][rng]")
{
    std::vector<double> const w{1.0, 0.0, 3.0, 6.0};
    rng g{seed, 8};
    std::vector<int> counts(w.size(), 0);
    for (std::size_t i = 0; i < draws; ++i)
    {
        std::size_t k = g.categorical(w);
        REQUIRE(k < w.size());
        ++counts[k];
    }
    CHECK(counts[1] == 0); // zero weight is never drawn
    for (std::size_t k : {0u, 2u, 3u})
    {
        double const p = w[k] / 10.0;
        CHECK(std::fabs(counts[k] / double(draws) - p) < z * std::sqrt(p * (1 - p) / draws));
    }
    // A single positive weight, even after zeros, is always chosen.
    std::vector<double> const one{0.0, 0.0, 2.5, 0.0};
    for (int i = 0; i < 1000; ++i)
        REQUIRE(g.categorical(one) == 2);
}

TEST_CASE("rng: splitmix64 advances its state and mixes", "[util][rng]")
{
    std::uint64_t x = 0;
    std::uint64_t const a = emtk::splitmix64(x);
    CHECK(x == 0x9E3779B97F4A7C15ULL);
    // Reference output of SplitMix64 from state 0 (Vigna's splitmix64.c).
    CHECK(a == 0xE220A8397B1DCDAFULL);
    std::uint64_t const b = emtk::splitmix64(x);
    CHECK(b != a);
    CHECK(x == 2 * 0x9E3779B97F4A7C15ULL);
}
