#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <zlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;
using emtk::line_reader;
using emtk::read_numeric_table;
using emtk::test::slurp;
using emtk::test::temp_dir;

namespace {

/// Writes `content` gzip-compressed with zlib's own gzip writer.
std::string write_gz(temp_dir const & dir, std::string const & name, std::string_view content)
{
    std::string const p = dir.file(name);
    gzFile f = gzopen(p.c_str(), "wb");
    REQUIRE(f != nullptr);
    if (!content.empty())
        REQUIRE(gzwrite(f, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
    REQUIRE(gzclose(f) == Z_OK);
    return p;
}

std::vector<std::string> read_all(std::string const & path)
{
    line_reader in{path};
    std::vector<std::string> lines;
    std::string_view line;
    while (in.next(line))
    {
        lines.emplace_back(line);
        REQUIRE(in.line_number() == lines.size());
    }
    // Further calls keep reporting the end.
    CHECK_FALSE(in.next(line));
    CHECK(in.line_number() == lines.size());
    return lines;
}

/// The message of the user_error that `f` throws (fails the test if it throws nothing).
template <typename F>
std::string user_error_message(F && f)
{
    try
    {
        f();
    }
    catch (emtk::user_error const & e)
    {
        return e.what();
    }
    FAIL("expected an emtk::user_error");
    return {};
}

/// Several hundred kB of varied text, so that its gzip form is long enough to cut anywhere.
std::string varied_text()
{
    std::string s;
    std::uint64_t x = 12345;
    for (int i = 0; i < 20000; ++i)
    {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        s += "chr" + std::to_string(1 + (x >> 60)) + "\t" + std::to_string(i * 100) + "\t" +
             std::to_string((x >> 20) % 100000) + "\n";
    }
    return s;
}

/// Restores the working directory at scope exit.
struct cwd_guard
{
    fs::path old = fs::current_path();
    explicit cwd_guard(fs::path const & to) { fs::current_path(to); }
    ~cwd_guard() { fs::current_path(old); }
};

} // namespace

// ------------------------------------------------------------------------------------------------
// line_reader
// ------------------------------------------------------------------------------------------------

TEST_CASE("line_reader: plain and gzip files give the same lines", "[util][table_reader]")
{
    temp_dir dir;
    std::string const text = "first\n\nthird line\twith tab\n  spaced  \n";
    std::vector<std::string> const expected{"first", "", "third line\twith tab", "  spaced  "};
    CHECK(read_all(dir.write("a.txt", text)) == expected);
    // gzip is detected from the content, not from the name.
    CHECK(read_all(write_gz(dir, "a.txt.gz", text)) == expected);
    CHECK(read_all(write_gz(dir, "no_suffix", text)) == expected);
}

TEST_CASE("line_reader: CRLF line ends and a last line without newline", "[util][table_reader]")
{
    temp_dir dir;
    std::string const text = "a\r\nb\r\n\r\nlast";
    std::vector<std::string> const expected{"a", "b", "", "last"};
    CHECK(read_all(dir.write("crlf.txt", text)) == expected);
    CHECK(read_all(write_gz(dir, "crlf.txt.gz", text)) == expected);
    CHECK(read_all(dir.write("nonl.txt", "only line")) == std::vector<std::string>{"only line"});
    CHECK(read_all(dir.write("nonl_crlf.txt", "x\ny\r")) == std::vector<std::string>{"x", "y"});
    // A lone '\r' inside a line is kept.
    CHECK(read_all(dir.write("cr.txt", "a\rb\n")) == std::vector<std::string>{"a\rb"});
}

TEST_CASE("line_reader: empty inputs have no lines", "[util][table_reader]")
{
    temp_dir dir;
    CHECK(read_all(dir.write("empty.txt", "")).empty());
    CHECK(read_all(write_gz(dir, "empty.gz", "")).empty());
    CHECK(read_all(dir.write("newline.txt", "\n")) == std::vector<std::string>{""});
}

TEST_CASE("line_reader: lines longer than the read buffer and line ends across buffer boundaries",
          "[util][table_reader]")
{
    temp_dir dir;
    std::size_t const mib = std::size_t{1} << 20; // the reader's buffer size
    std::string const long_line(mib + mib / 2, 'L');
    std::string const exact(mib - 1, 'e'); // its '\n' is the last byte of the first buffer
    std::string const crlf_split(mib - 1, 'c'); // its '\r' ends the first buffer, '\n' starts the next

    SECTION("a line longer than the buffer")
    {
        auto lines = read_all(dir.write("long.txt", "x\n" + long_line + "\ntail"));
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] == "x");
        CHECK(lines[1] == long_line);
        CHECK(lines[2] == "tail");
    }
    SECTION("newline exactly at the end of the buffer")
    {
        auto lines = read_all(dir.write("exact.txt", exact + "\nnext\n"));
        REQUIRE(lines.size() == 2);
        CHECK(lines[0] == exact);
        CHECK(lines[1] == "next");
    }
    SECTION("CRLF split across two buffers")
    {
        auto lines = read_all(dir.write("split.txt", crlf_split + "\r\nb\r\n"));
        REQUIRE(lines.size() == 2);
        CHECK(lines[0].size() == crlf_split.size());
        CHECK(lines[0] == crlf_split);
        CHECK(lines[1] == "b");
    }
    SECTION("a long gzip line without final newline")
    {
        auto lines = read_all(write_gz(dir, "long.gz", "h\n" + long_line));
        REQUIRE(lines.size() == 2);
        CHECK(lines[1] == long_line);
    }
}

TEST_CASE("line_reader: concatenated gzip members (bgzip style) are read as one stream", "[util][table_reader]")
{
    temp_dir dir;
    std::string const a = slurp(write_gz(dir, "a.gz", "one\ntwo\n"));
    std::string const b = slurp(write_gz(dir, "b.gz", "three\n"));
    std::string const both = dir.write("both.gz", a + b);
    CHECK(read_all(both) == std::vector<std::string>{"one", "two", "three"});
}

TEST_CASE("line_reader: a missing file is a user error naming it", "[util][table_reader]")
{
    temp_dir dir;
    std::string const p = dir.file("does_not_exist.tsv");
    std::string const msg = user_error_message([&] { line_reader in{p}; });
    CHECK_THAT(msg, Catch::Matchers::StartsWith(p + ": cannot open"));
}

TEST_CASE("line_reader: a truncated gzip file is a user error, not a silent short read", "[util][table_reader]")
{
    temp_dir dir;
    std::string const text = varied_text();
    std::string const gz = slurp(write_gz(dir, "full.gz", text));
    REQUIRE(gz.size() > 1000);
    REQUIRE(read_all(dir.write("full_copy.gz", gz)).size() == 20000);

    // Cut in the middle of the deflate data, and cut only the 8-byte trailer (CRC32 + size).
    for (std::size_t cut : {gz.size() / 2, gz.size() - 8, gz.size() - 1})
    {
        CAPTURE(cut, gz.size());
        std::string const p = dir.write("cut.gz", gz.substr(0, cut));
        std::size_t lines = 0;
        std::string const msg = user_error_message([&] {
            line_reader in{p};
            std::string_view line;
            while (in.next(line))
                ++lines;
        });
        // Named by the line where the data ended: the one after the last complete line returned.
        CHECK_THAT(msg, Catch::Matchers::StartsWith(p + ":" + std::to_string(lines + 1) + ": "));
        CHECK_THAT(msg, Catch::Matchers::Contains("truncated"));
        CHECK(lines <= 20000);
    }
}

TEST_CASE("line_reader: corrupt gzip data is a user error", "[util][table_reader]")
{
    temp_dir dir;
    std::string gz = slurp(write_gz(dir, "full.gz", varied_text()));
    // Flip bits in the middle of the compressed data: the stream decodes to garbage or fails, and
    // the CRC check at the end fails in any case.
    for (std::size_t k = gz.size() / 2; k < gz.size() / 2 + 16; ++k)
        gz[k] = static_cast<char>(gz[k] ^ 0x5a);
    std::string const p = dir.write("corrupt.gz", gz);
    std::string const msg = user_error_message([&] {
        line_reader in{p};
        std::string_view line;
        while (in.next(line))
        {
        }
    });
    CHECK_THAT(msg, Catch::Matchers::StartsWith(p + ": corrupt gzip data ("));
}

// ------------------------------------------------------------------------------------------------
// parse_double
// ------------------------------------------------------------------------------------------------

TEST_CASE("parse_double: whole finite numbers only", "[util][table_reader]")
{
    double v = -1;
    CHECK(emtk::parse_double("1.5", v));
    CHECK(v == 1.5);
    CHECK(emtk::parse_double("-2e3", v));
    CHECK(v == -2000.0);
    CHECK(emtk::parse_double("+7", v));
    CHECK(v == 7.0);
    CHECK(emtk::parse_double("  42  ", v));
    CHECK(v == 42.0);
    CHECK(emtk::parse_double(".25", v));
    CHECK(v == 0.25);
    CHECK(emtk::parse_double("0.1", v));
    CHECK(v == 0.1); // correctly rounded

    for (std::string_view bad : {"", " ", "abc", "1.5x", "x1.5", "1,5", "inf", "-inf", "nan", "NaN", "NA", ".",
                                 "1e400", "-1e400", "+", "++1", "1 2", "0x10"})
    {
        CAPTURE(bad);
        CHECK_FALSE(emtk::parse_double(bad, v));
    }
}

TEST_CASE("parse_double: a sign after the optional '+' is not a number", "[util][table_reader]")
{
    // "+-3" is not a number in any notation; the '+' is stripped and then "-3" must not be accepted.
    double v = 0;
    CHECK_FALSE(emtk::parse_double("+-3", v));
}

// ------------------------------------------------------------------------------------------------
// read_numeric_table
// ------------------------------------------------------------------------------------------------

TEST_CASE("read_numeric_table: no header, default column 1", "[util][table_reader]")
{
    temp_dir dir;
    auto t = read_numeric_table(dir.write("t.tsv", "1\t2\n3.5\t4\n-5e-1\t6\n"), {});
    CHECK_FALSE(t.had_header);
    CHECK(t.n == 3);
    CHECK(t.d == 1);
    CHECK(t.names == std::vector<std::string>{"column 1"});
    CHECK(t.indices == std::vector<std::size_t>{1});
    CHECK(t.values == std::vector<double>{1, 3.5, -0.5});
    CHECK(t.line_of_row == std::vector<std::uint64_t>{1, 2, 3});
}

TEST_CASE("read_numeric_table: invariants of the result", "[util][table_reader]")
{
    temp_dir dir;
    auto t = read_numeric_table(dir.write("t.tsv", "#c\nchr\ts\te\td\nchr1\t0\t10\t1\n\nchr1\t10\t20\t2\n"),
                                {"4", "2", "e"});
    CHECK(t.values.size() == t.n * t.d);
    CHECK(t.line_of_row.size() == t.n);
    CHECK(t.names.size() == t.d);
    CHECK(t.indices.size() == t.d);
    CHECK(t.d == 3);
    CHECK(std::is_sorted(t.line_of_row.begin(), t.line_of_row.end()));
    // Row-major, in the order the columns were requested.
    CHECK(t.values == std::vector<double>{1, 0, 10, 2, 10, 20});
    CHECK(t.indices == std::vector<std::size_t>{4, 2, 3});
    CHECK(t.names == std::vector<std::string>{"d", "s", "e"});
    CHECK(t.line_of_row == std::vector<std::uint64_t>{3, 5});
}

TEST_CASE("read_numeric_table: a header is recognised when no selected field is a number", "[util][table_reader]")
{
    temp_dir dir;
    std::string const p = dir.write("h.tsv", "a\tb\n1\t2\n3\t4\n");
    auto t = read_numeric_table(p, {"2"});
    CHECK(t.had_header);
    CHECK(t.n == 2);
    CHECK(t.names == std::vector<std::string>{"b"});
    CHECK(t.indices == std::vector<std::size_t>{2});
    CHECK(t.values == std::vector<double>{2, 4});
    CHECK(t.line_of_row == std::vector<std::uint64_t>{2, 3});

    // A numeric first line is data, even if another (unselected) column is text.
    auto u = read_numeric_table(dir.write("nh.tsv", "x\t5\ny\t6\n"), {"2"});
    CHECK_FALSE(u.had_header);
    CHECK(u.values == std::vector<double>{5, 6});
    CHECK(u.names == std::vector<std::string>{"column 2"});
}

TEST_CASE("read_numeric_table: named columns, mixed with numbers", "[util][table_reader]")
{
    temp_dir dir;
    std::string const p = dir.write("named.tsv", "chrom\tstart\tend\tdepth\nchr1\t0\t100\t3.5\nchr2\t100\t200\t7\n");
    auto t = read_numeric_table(p, {"depth", "2"});
    CHECK(t.had_header);
    CHECK(t.names == std::vector<std::string>{"depth", "start"});
    CHECK(t.indices == std::vector<std::size_t>{4, 2});
    CHECK(t.values == std::vector<double>{3.5, 0, 7, 100});
}

TEST_CASE("read_numeric_table: comment, track, browser and blank lines are skipped but counted",
          "[util][table_reader]")
{
    temp_dir dir;
    std::string const p = dir.write("bed.bed", "track name=cov\n"
                                               "browser position chr1:1-100\n"
                                               "# a comment\n"
                                               "\n"
                                               "chr1\t0\t100\t5.5\n"
                                               "   \n"
                                               "#mid\n"
                                               "chr1\t100\t200\t6\n");
    auto t = read_numeric_table(p, {"4"});
    CHECK_FALSE(t.had_header);
    CHECK(t.values == std::vector<double>{5.5, 6});
    CHECK(t.line_of_row == std::vector<std::uint64_t>{5, 8});
}

TEST_CASE("read_numeric_table: space-separated when the first line has no tab", "[util][table_reader]")
{
    temp_dir dir;
    auto t = read_numeric_table(dir.write("sp.txt", "x y\n1 2\n3   4\n"), {"y", "x"});
    CHECK(t.had_header);
    CHECK(t.values == std::vector<double>{2, 1, 4, 3});
}

TEST_CASE("read_numeric_table: gzip and CRLF input", "[util][table_reader]")
{
    temp_dir dir;
    std::string const text = "a\tb\r\n1\t2\r\n3\t4";
    for (std::string const & p : {dir.write("crlf.tsv", text), write_gz(dir, "crlf.tsv.gz", text)})
    {
        auto t = read_numeric_table(p, {"b"});
        CHECK(t.names == std::vector<std::string>{"b"}); // no stray '\r' in the last header name
        CHECK(t.values == std::vector<double>{2, 4});
    }
}

TEST_CASE("read_numeric_table: exact messages for bad values name the file, line and column",
          "[util][table_reader]")
{
    temp_dir dir;
    SECTION("non-numeric field, relative name as given by the user")
    {
        dir.write("x.tsv", "a\tb\n1\t2\n3\tabc\n");
        cwd_guard cwd{dir.path()};
        CHECK(user_error_message([] { (void)read_numeric_table("x.tsv", {"b"}); }) ==
              "x.tsv:3: column 2 (b): expected a finite number, found 'abc'");
    }
    std::string const p = dir.file("t.tsv");
    auto msg = [&](std::string const & content, std::vector<std::string> cols) {
        dir.write("t.tsv", content);
        return user_error_message([&] { (void)read_numeric_table(p, cols); });
    };
    SECTION("non-numeric field without a header")
    {
        CHECK(msg("1\t2\n3\tabc\n", {"2"}) == p + ":2: column 2: expected a finite number, found 'abc'");
    }
    SECTION("line numbers count skipped lines")
    {
        CHECK(msg("# comment\na\tb\n\n1\tfoo\n", {"b"}) ==
              p + ":4: column 2 (b): expected a finite number, found 'foo'");
    }
    SECTION("infinity is not finite")
    {
        CHECK(msg("1\n2\ninf\n", {}) == p + ":3: column 1: expected a finite number, found 'inf'");
    }
    SECTION("a long field is shown cut to 40 characters")
    {
        std::string const junk(100, 'z');
        CHECK(msg("1\n" + junk + "\n", {"1"}) ==
              p + ":2: column 1: expected a finite number, found '" + std::string(40, 'z') + "'");
    }
    SECTION("empty field")
    {
        CHECK(msg("a\tb\n1\t2\n3\t\n", {"b"}) == p + ":3: column 2 (b): missing value (empty field); expected a number");
    }
    SECTION("NA and friends")
    {
        CHECK(msg("a\tb\n1\t2\n3\tNA\n", {"b"}) == p + ":3: column 2 (b): missing value 'NA'; expected a number");
        CHECK(msg("a\tb\n1\t2\n3\t.\n", {"b"}) == p + ":3: column 2 (b): missing value '.'; expected a number");
        CHECK(msg("a\tb\n1\tNaN\n", {"b"}) == p + ":2: column 2 (b): missing value 'NaN'; expected a number");
    }
    SECTION("short line")
    {
        CHECK(msg("a\tb\n1\t2\n3\n", {"b"}) ==
              p + ":3: column 2 (b): missing value (the line has only 1 column)");
        CHECK(msg("a\tb\tc\n1\t2\t3\n4\t5\n", {"c"}) ==
              p + ":3: column 3 (c): missing value (the line has only 2 columns)");
    }
    SECTION("unknown column name")
    {
        CHECK(msg("a\tb\n1\t2\n", {"c"}) == p + ":1: no column named 'c' in the header (columns: a, b)");
    }
    SECTION("column number beyond the first line")
    {
        CHECK(msg("1\t2\n3\t4\n", {"5"}) == p + ":1: column 5 requested but the line has 2 columns");
        CHECK(msg("1\n3\n", {"2"}) == p + ":1: column 2 requested but the line has 1 column");
    }
    SECTION("header only: no data rows")
    {
        CHECK(msg("a\tb\n", {"b"}) == p + ": no data rows: the selected column is empty");
        CHECK(msg("a\tb\n# nothing\n\n", {"a", "b"}) == p + ": no data rows: the selected columns are empty");
    }
    SECTION("empty input")
    {
        CHECK(msg("", {}) == p + ": no data: the input is empty");
        CHECK(msg("# only a comment\n\ntrack x\n", {}) == p + ": no data: the input is empty");
    }
}

TEST_CASE("read_numeric_table: a missing file is a user error", "[util][table_reader]")
{
    temp_dir dir;
    std::string const p = dir.file("absent.tsv");
    CHECK_THAT(user_error_message([&] { (void)read_numeric_table(p, {}); }),
               Catch::Matchers::StartsWith(p + ": cannot open"));
}

TEST_CASE("read_numeric_table: column 0 is a usage error", "[util][table_reader]")
{
    temp_dir dir;
    std::string const p = dir.write("t.tsv", "1\n");
    CHECK_THROWS_MATCHES(read_numeric_table(p, {"0"}), emtk::usage_error,
                         Catch::Matchers::Message("column numbers are 1-based: 0 is not a column"));
}

TEST_CASE("read_numeric_table: a column number too large for an integer is a user error", "[util][table_reader]")
{
    // Column references come from the command line: whatever the user types must end as a
    // user_error (exit status 1/2 with a message), never as std::out_of_range from std::stoull.
    temp_dir dir;
    std::string const p = dir.write("t.tsv", "1\t2\n");
    CHECK_THROWS_AS(read_numeric_table(p, {"99999999999999999999999"}), emtk::user_error);
}
