#include <catch2/catch.hpp>

#include <emtk/util/format.hpp>
#include <emtk/util/rng.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

using emtk::append_probability;
using emtk::append_uint;

namespace {
std::string prob(double p, int d = 6)
{
    std::string s;
    append_probability(s, p, d);
    return s;
}
} // namespace

TEST_CASE("format: append_uint writes decimal digits", "[util][format]")
{
    std::string s;
    append_uint(s, 0);
    s += ' ';
    append_uint(s, 7);
    s += ' ';
    append_uint(s, 1234567890);
    s += ' ';
    append_uint(s, std::numeric_limits<std::uint64_t>::max());
    CHECK(s == "0 7 1234567890 18446744073709551615");
}

TEST_CASE("format: probabilities rounded to fixed decimals, trailing zeros dropped", "[util][format]")
{
    CHECK(prob(1.0) == "1");
    CHECK(prob(0.0) == "0");
    CHECK(prob(0.25) == "0.25");
    CHECK(prob(0.5) == "0.5");
    CHECK(prob(0.999974) == "0.999974");
    CHECK(prob(0.9999996) == "1");
    CHECK(prob(3e-7) == "0");
    CHECK(prob(2.6369e-05) == "0.000026");
    CHECK(prob(0.1, 1) == "0.1");
    CHECK(prob(1.0000000002) == "1"); // round-off above 1 is clamped
    CHECK(prob(-1e-17) == "0");
    CHECK(prob(std::nan("")) == "nan");
}

TEST_CASE("format: probabilities read back within half a unit of the last decimal", "[util][format]")
{
    emtk::rng gen{2024};
    for (int i = 0; i < 100000; ++i)
    {
        double p = gen.uniform();
        if (i % 3 == 0)
            p = std::pow(p, 8.0); // many small values too
        std::string s = prob(p);
        double back = std::strtod(s.c_str(), nullptr);
        INFO(p << " -> " << s);
        CHECK(std::fabs(back - p) <= 0.5e-6 + 1e-15);
        CHECK(s.back() != '.');
        if (s.find('.') != std::string::npos)
            CHECK(s.back() != '0');
    }
}
