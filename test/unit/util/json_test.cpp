#include <emtk/util/json.hpp>

#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using emtk::json_writer;

namespace {
double parse_back(std::string const & s)
{
    double v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    REQUIRE(res.ec == std::errc{});
    REQUIRE(res.ptr == s.data() + s.size());
    return v;
}
} // namespace

TEST_CASE("json: a nested document is written one member per line, scalar arrays on one line", "[util][json]")
{
    std::ostringstream out;
    {
        json_writer w{out};
        w.begin_object();
        w.field("name", "emtk");
        w.field("iterations", 12);
        w.field("seed", std::uint64_t{18446744073709551615ULL});
        w.field("converged", true);
        w.key("trace").value(std::vector<double>{-10.5, -2, 0.1});
        w.key("nested").begin_object();
        w.field("ok", false);
        w.key("missing").null();
        w.end_object();
        w.key("list").begin_array();
        w.begin_object().field("a", std::int64_t{-1}).end_object();
        w.value(2);
        w.end_array();
        w.key("names").value(std::vector<std::string>{"x", "y"});
        w.key("empty_object").begin_object().end_object();
        w.key("empty_array").begin_array().end_array();
        w.end_object();
    }
    std::string const expected = "{\n"
                                 "  \"name\": \"emtk\",\n"
                                 "  \"iterations\": 12,\n"
                                 "  \"seed\": 18446744073709551615,\n"
                                 "  \"converged\": true,\n"
                                 "  \"trace\": [-10.5, -2, 0.1],\n"
                                 "  \"nested\": {\n"
                                 "    \"ok\": false,\n"
                                 "    \"missing\": null\n"
                                 "  },\n"
                                 "  \"list\": [\n"
                                 "    {\n"
                                 "      \"a\": -1\n"
                                 "    },\n"
                                 "    2\n"
                                 "  ],\n"
                                 "  \"names\": [\"x\", \"y\"],\n"
                                 "  \"empty_object\": {},\n"
                                 "  \"empty_array\": []\n"
                                 "}\n";
    CHECK(out.str() == expected);
}

TEST_CASE("json: the indent width is a parameter", "[util][json]")
{
    std::ostringstream out;
    json_writer w{out, 4};
    w.begin_object().key("o").begin_object().field("k", 1).end_object().end_object();
    CHECK(out.str() == "{\n    \"o\": {\n        \"k\": 1\n    }\n}\n");
}

TEST_CASE("json: a top-level array of scalars", "[util][json]")
{
    std::ostringstream out;
    json_writer w{out};
    w.begin_array().value(1).value("two").value(3.5).null().value(true).end_array();
    CHECK(out.str() == "[1, \"two\", 3.5, null, true]\n");
}

TEST_CASE("json: strings are escaped", "[util][json]")
{
    CHECK(json_writer::quote("") == "\"\"");
    CHECK(json_writer::quote("plain text") == "\"plain text\"");
    CHECK(json_writer::quote("a\"b") == "\"a\\\"b\"");
    CHECK(json_writer::quote("back\\slash") == "\"back\\\\slash\"");
    CHECK(json_writer::quote("l1\nl2\tt\rr") == "\"l1\\nl2\\tt\\rr\"");
    CHECK(json_writer::quote(std::string_view{"\x01\x1f\0z", 4}) == "\"\\u0001\\u001f\\u0000z\"");
    // UTF-8 bytes (>= 0x80) and DEL pass through unchanged.
    CHECK(json_writer::quote("\xc3\xa9\x7f") == "\"\xc3\xa9\x7f\"");

    // Keys go through the same escaping.
    std::ostringstream out;
    json_writer w{out};
    w.begin_object().field("k\"ey", "v\\al").end_object();
    CHECK(out.str() == "{\n  \"k\\\"ey\": \"v\\\\al\"\n}\n");
}

TEST_CASE("json: every escaped string contains no raw control character", "[util][json]")
{
    std::string all;
    for (int c = 0; c < 256; ++c)
        all += static_cast<char>(c);
    std::string const q = json_writer::quote(all);
    for (char c : q)
        CHECK(static_cast<unsigned char>(c) >= 0x20);
    CHECK(q.front() == '"');
    CHECK(q.back() == '"');
}

TEST_CASE("json: doubles are written in the shortest form that reads back exactly", "[util][json]")
{
    CHECK(json_writer::number(0.1) == "0.1");
    CHECK(json_writer::number(-2.0) == "-2");
    CHECK(json_writer::number(0.0) == "0");
    CHECK(json_writer::number(-0.0) == "-0");
    CHECK(json_writer::number(1e300) == "1e+300");
    CHECK(json_writer::number(1.0 / 3.0) == "0.3333333333333333");
    CHECK(json_writer::number(5e-324) == "5e-324");

    SECTION("round trip over many magnitudes")
    {
        // Deterministic pseudo-random bit patterns (a fixed LCG): finite doubles of every exponent.
        std::uint64_t x = 0x9E3779B97F4A7C15ULL;
        int tested = 0;
        for (int k = 0; k < 20000; ++k)
        {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            double v;
            std::memcpy(&v, &x, sizeof v);
            if (!std::isfinite(v))
                continue;
            std::string const s = json_writer::number(v);
            double const back = parse_back(s);
            REQUIRE(std::memcmp(&back, &v, sizeof v) == 0);
            // Shortest: to_chars' shortest representation is what we get.
            char buf[64];
            auto res = std::to_chars(buf, buf + sizeof buf, v);
            REQUIRE(s == std::string(buf, res.ptr));
            ++tested;
        }
        CHECK(tested > 19000);
    }
}

TEST_CASE("json: NaN and infinities are written as null", "[util][json]")
{
    CHECK(json_writer::number(std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(json_writer::number(std::numeric_limits<double>::infinity()) == "null");
    CHECK(json_writer::number(-std::numeric_limits<double>::infinity()) == "null");

    std::ostringstream out;
    json_writer w{out};
    w.begin_object();
    w.field("nan", std::numeric_limits<double>::quiet_NaN());
    w.key("arr").value(std::vector<double>{1.0, std::numeric_limits<double>::infinity(), -0.5});
    w.end_object();
    CHECK(out.str() == "{\n  \"nan\": null,\n  \"arr\": [1, null, -0.5]\n}\n");
}

TEST_CASE("json: integers are exact at the extremes", "[util][json]")
{
    std::ostringstream out;
    json_writer w{out};
    w.begin_array()
        .value(std::numeric_limits<std::int64_t>::min())
        .value(std::numeric_limits<std::uint64_t>::max())
        .value(0)
        .end_array();
    CHECK(out.str() == "[-9223372036854775808, 18446744073709551615, 0]\n");
}
