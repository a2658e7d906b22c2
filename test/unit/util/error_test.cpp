#include <emtk/util/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using emtk::located_message;

TEST_CASE("error: user_error and usage_error form a hierarchy under std::runtime_error", "[util][error]")
{
    STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, emtk::user_error>);
    STATIC_REQUIRE(std::is_base_of_v<emtk::user_error, emtk::usage_error>);

    // A usage error is caught by a handler for user errors (the CLI distinguishes them by type).
    bool caught_as_user_error = false;
    try
    {
        throw emtk::usage_error("bad flag");
    }
    catch (emtk::user_error const & e)
    {
        caught_as_user_error = true;
        CHECK(std::string{e.what()} == "bad flag");
        CHECK(dynamic_cast<emtk::usage_error const *>(&e) != nullptr);
    }
    CHECK(caught_as_user_error);
}

TEST_CASE("error: located_message is FILE:LINE: WHAT, LINE omitted when 0, '-' shown as <stdin>",
          "[util][error]")
{
    CHECK(located_message("data.tsv", 12, "expected a number") == "data.tsv:12: expected a number");
    CHECK(located_message("data.tsv", 0, "no data") == "data.tsv: no data");
    CHECK(located_message("-", 3, "bad") == "<stdin>:3: bad");
    CHECK(located_message("-", 0, "empty") == "<stdin>: empty");
    CHECK(located_message("dir/x.bed.gz", 18446744073709551615ULL, "w") == "dir/x.bed.gz:18446744073709551615: w");
    // Only the exact name "-" is stdin.
    CHECK(located_message("./-", 1, "w") == "./-:1: w");
}

TEST_CASE("error: throw_input_error throws a user_error (not a usage_error) with the located message",
          "[util][error]")
{
    CHECK_THROWS_MATCHES(emtk::throw_input_error("in.bed", 7, "short line"), emtk::user_error,
                         Catch::Matchers::Message("in.bed:7: short line"));
    try
    {
        emtk::throw_input_error("in.bed", 0, "x");
    }
    catch (emtk::user_error const & e)
    {
        CHECK(dynamic_cast<emtk::usage_error const *>(&e) == nullptr);
        CHECK(std::string{e.what()} == "in.bed: x");
    }
}

TEST_CASE("error: EMTK_ASSERT does not evaluate to a failure for a true expression", "[util][error]")
{
    int evaluations = 0;
    EMTK_ASSERT(++evaluations == 1, "evaluated once");
    CHECK(evaluations == 1); // the expression is evaluated exactly once, in every build type
}

TEST_CASE("error: option_error names fields; a front end renames them", "[util][error]")
{
    emtk::option_error const e{emtk::field_name("ploidy") + " must not exceed " + emtk::field_name("max_cn")};
    CHECK(std::string{e.what()} == "ploidy must not exceed max_cn");
    CHECK(dynamic_cast<emtk::usage_error const *>(&e) != nullptr);
    auto const flag = [](std::string const & f) { return f == "max_cn" ? std::string{"--max-cn"} : "--" + f; };
    CHECK(e.renamed(flag) == "--ploidy must not exceed --max-cn");

    // A field inside a located message; a path that spells a field name is left alone.
    emtk::option_input_error const in{located_message("dir/region.bam", 0, emtk::field_name("region") + " needs an index")};
    CHECK(std::string{in.what()} == "dir/region.bam: region needs an index");
    CHECK(in.renamed([](std::string const & f) { return "--" + f; }) == "dir/region.bam: --region needs an index");
    emtk::field_message const & as_fields = in; // how the CLI catches both kinds
    CHECK(dynamic_cast<emtk::usage_error const *>(&as_fields) == nullptr);
}
