#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/json_read.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

using emtk::json_value;
using emtk::parse_json;

TEST_CASE("json_read: what json_writer writes reads back, doubles to the same bits", "[util][json]")
{
    std::vector<double> const xs{0.1, -1e-300, 1.0 / 3.0, 6.02214076e23, 5e-324, -0.0, 123456789.0};
    std::ostringstream os;
    {
        emtk::json_writer j{os};
        j.begin_object();
        j.field("name", "a \"quoted\"\ttab\\ and \xc3\xa9");
        j.key("values").value(xs);
        j.field("flag", true);
        j.key("nothing").null();
        j.key("empty").begin_array();
        j.end_array();
        j.end_object();
    }
    json_value const v = parse_json(os.str(), "t.json");
    REQUIRE(v.type == json_value::kind::object);
    REQUIRE(v.members.size() == 5);
    CHECK(v.members[0].first == "name");
    CHECK(v.find("name")->string == "a \"quoted\"\ttab\\ and \xc3\xa9");
    json_value const * values = v.find("values");
    REQUIRE(values);
    REQUIRE(values->items.size() == xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i)
    {
        CHECK(values->items[i].number == xs[i]);
        CHECK(std::signbit(values->items[i].number) == std::signbit(xs[i]));
    }
    CHECK(v.find("flag")->boolean);
    CHECK(v.find("nothing")->type == json_value::kind::null);
    CHECK(v.find("empty")->items.empty());
    CHECK(v.find("absent") == nullptr);
    CHECK(values->find("x") == nullptr); // not an object
}

TEST_CASE("json_read: escapes, including surrogate pairs", "[util][json]")
{
    json_value const v = parse_json(R"(["\u00e9\u20ac\ud83d\ude00\/\b\f\n\r"])", "t");
    REQUIRE(v.items.size() == 1);
    CHECK(v.items[0].string == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\b\f\n\r");
}

TEST_CASE("json_read: malformed text is a user error naming the file and line", "[util][json]")
{
    auto message = [](std::string const & text) {
        try
        {
            (void)parse_json(text, "m.json");
        }
        catch (emtk::user_error const & e)
        {
            return std::string{e.what()};
        }
        return std::string{"no error"};
    };
    CHECK(message("{\"a\": 1,\n \"b\" 2}") == "m.json:2: not valid JSON: expected ':'");
    CHECK(message("[1, 2") == "m.json:1: not valid JSON: expected ']'");
    CHECK(message("{\"a\": tru}") == "m.json:1: not valid JSON: expected a value (object, array, string, number, true, false or null)");
    CHECK(message("\"abc") == "m.json:1: not valid JSON: the text ends inside a string");
    CHECK(message("[1] x") == "m.json:1: not valid JSON: unexpected text after the JSON value");
    CHECK(message("") == "m.json:1: not valid JSON: the text ends where a value was expected");
    CHECK(message("\"\\q\"") == "m.json:1: not valid JSON: unknown escape '\\q' in a string");
    CHECK(message(std::string(1000, '[')) == "m.json:1: not valid JSON: nested deeper than 256 levels");
    CHECK(message("1e999") == "m.json:1: not valid JSON: number out of range");
}
