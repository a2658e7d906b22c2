// Streaming input for emtk mix (mix/rows.hpp): a table spooled to a temporary file gives the same
// rows, the same line numbers, and the same stepwise fit as the dataset in memory.

#include "seq/gzip_fixture.hpp"
#include "simulate.hpp"

#include <catch2/catch.hpp>

#include <emtk/mix/mixture.hpp>
#include <emtk/mix/rows.hpp>
#include <emtk/util/error.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace emtk::mix;

namespace {

std::string write_table(std::string const & name, dataset const & d, std::string const & head)
{
    auto p = std::filesystem::temp_directory_path() / ("emtk_rows_test_" + name);
    std::ofstream out{p};
    out << head;
    char buf[64];
    for (std::size_t i = 0; i < d.n; ++i)
    {
        for (std::size_t j = 0; j < d.d; ++j)
        {
            std::snprintf(buf, sizeof buf, "%.17g", d.at(i, j));
            out << (j ? "\t" : "") << buf;
        }
        out << '\n';
        if (i == 10)
            out << "# a comment\n\n";
    }
    return p.string();
}

} // namespace

TEST_CASE("spooled_rows: the values, names and line numbers of the table", "[mix][rows]")
{
    dataset const d = test::gaussian_2d(5000, {0.5, 0.5}, {{{0, 0}}, {{4, 4}}}, {{{1, 0.2, 1}}, {{1, -0.3, 2}}}, 11);
    std::string const p = write_table("a.tsv", d, "# head\nx\ty\n");
    spooled_rows const s{p, {"x", "y"}};
    REQUIRE(s.n() == d.n);
    REQUIRE(s.d() == 2);
    CHECK(s.names() == std::vector<std::string>{"x", "y"});
    std::vector<double> buf;
    double const * r = s.rows(100, 200, buf);
    for (std::size_t q = 0; q < 200; ++q)
        CHECK(r[q] == d.values[200 + q]);
    CHECK(s.line(0) == 3);
    CHECK(s.line(10) == 13);
    CHECK(s.line(11) == 16); // after the comment and the blank line
    dataset const back = s.load();
    CHECK(back.values == d.values);
    CHECK(back.line(4999) == 5000 + 2 + 2);
    CHECK(first_distinct_rows(s, 3) == std::vector<std::size_t>{0, 1, 2});
    std::filesystem::remove(p);
}

TEST_CASE("stepwise fit: streamed = in memory, for 1 and 2 threads, with a start sample", "[mix][rows]")
{
    dataset const d = test::gaussian_1d(30000, {0.3, 0.7}, {0, 5}, {1, 1.5}, 5);
    std::string const p = write_table("b.tsv", d, "x\n");
    spooled_rows const s{p, {}};
    dataset const mem = s.load();
    mixture_options o;
    o.k = 2;
    o.mode = emtk::em::em_mode::stepwise;
    o.em.stepwise.batch_size = 2000;
    o.stepwise_init_rows = 1000; // below n: k-means++ runs on a sample
    o.em.restarts = 2;
    mixture_fit const a = fit_mixture(s, o);
    mixture_fit const b = fit_mixture(mem, o);
    o.em.threads = 2;
    mixture_fit const c = fit_mixture(s, o);
    REQUIRE(a.ok);
    REQUIRE(b.ok);
    CHECK(a.stepwise.used);
    // The same doubles through the same arithmetic: tolerance zero.
    CHECK(a.log_likelihood == b.log_likelihood);
    CHECK(a.log_likelihood == c.log_likelihood);
    CHECK(a.model.components[1].mean == c.model.components[1].mean);
    // Recovery of the simulated parameters.
    CHECK(a.model.components[0].mean[0] == Approx(0).margin(0.1));
    CHECK(a.model.components[1].mean[0] == Approx(5).margin(0.1));
    CHECK(a.model.components[0].weight == Approx(0.3).margin(0.02));
    // Posteriors in blocks = all at once.
    std::vector<double> const all = posteriors(mem, a.model, false, 1);
    posterior_blocks const pb{s, a.model, false, 2};
    std::vector<double> part(2 * 777);
    pb(1234, 1234 + 777, part.data());
    for (std::size_t q = 0; q < part.size(); ++q)
        CHECK(part[q] == all[1234 * 2 + q]);
    std::filesystem::remove(p);
}

TEST_CASE("spooled_rows: bad input is reported with file and line", "[mix][rows]")
{
    auto p = (std::filesystem::temp_directory_path() / "emtk_rows_test_bad.tsv").string();
    std::ofstream{p} << "x\n1\n2\nabc\n";
    try
    {
        spooled_rows const s{p, {}};
        FAIL("no error");
    }
    catch (emtk::user_error const & e)
    {
        CHECK(std::string{e.what()} == p + ":4: column 1 (x): expected a finite number, found 'abc'");
    }
    std::filesystem::remove(p);
}

TEST_CASE("spooled_rows: a truncated gzip table is one clear error naming the file and line", "[mix][rows]")
{
    // Streaming reads the input once, front to back: a gzip stream that ends early must stop the
    // run with the file and the line reached, not be taken for the end of the table.
    dataset const d = test::gaussian_1d(40000, {0.5, 0.5}, {0, 4}, {1, 1}, 3);
    std::string const plain = write_table("c.tsv", d, "x\n");
    std::string text;
    {
        std::ifstream in{plain, std::ios::binary};
        text.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
    }
    auto const dir = std::filesystem::temp_directory_path();
    std::string const full = (dir / "emtk_rows_test_full.tsv.gz").string();
    emtk::test::write_gzip(full, text);
    spooled_rows const whole{full, {}};
    CHECK(whole.n() == d.n); // the intact file is read to its end
    std::string gz;
    {
        std::ifstream in{full, std::ios::binary};
        gz.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
    }
    std::string const cut = (dir / "emtk_rows_test_cut.tsv.gz").string();
    std::ofstream{cut, std::ios::binary} << gz.substr(0, gz.size() / 2);
    std::string msg;
    try
    {
        spooled_rows const s{cut, {}};
        FAIL("no error for a truncated gzip file");
    }
    catch (emtk::user_error const & e)
    {
        msg = e.what();
    }
    INFO(msg);
    CHECK(msg.starts_with(cut + ":"));
    CHECK(msg.ends_with("truncated gzip file (unexpected end of data)"));
    CHECK(msg.find('\n') == std::string::npos);
    std::filesystem::remove(plain);
    std::filesystem::remove(full);
    std::filesystem::remove(cut);
}
