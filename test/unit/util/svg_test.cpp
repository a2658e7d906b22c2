#include <emtk/util/svg.hpp>

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("svg: a document with shapes and escaped text", "[util][svg]")
{
    emtk::svg_document d{200, 100.5};
    d.title("a < b & \"c\"");
    d.rect(1, 2, 3.14159, 4, "#123456");
    d.line(0, 0, 10, 10, "black", 0.5);
    d.text(5, 6, "x<y>'z'", 12);
    d.stretched_glyph(10, 90, 20, 50, 'A', "#f00");
    d.stretched_glyph(10, 90, 20, 0, 'B', "#f00"); // zero height: not drawn
    std::string const s = d.str();
    CHECK(s.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(s.find("width=\"200\" height=\"100.5\"") != std::string::npos);
    CHECK(s.find("<title>a &lt; b &amp; &quot;c&quot;</title>") != std::string::npos);
    CHECK(s.find("width=\"3.142\"") != std::string::npos);
    CHECK(s.find(">x&lt;y&gt;&apos;z&apos;</text>") != std::string::npos);
    CHECK(s.find(">A</text>") != std::string::npos);
    CHECK(s.find(">B</text>") == std::string::npos);
    CHECK(s.substr(s.size() - 7) == "</svg>\n");
}
