#include <emtk/util/log.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

namespace elog = emtk::log;
using emtk::test::stderr_capture;

namespace {
/// Restores the process-wide log level at scope exit.
struct level_guard
{
    elog::level saved = elog::get_level();
    ~level_guard() { elog::set_level(saved); }
};
} // namespace

TEST_CASE("log: the default level is warning", "[util][log]")
{
    // No other test in this executable may leave the level changed (they all use level_guard).
    CHECK(elog::get_level() == elog::level::warning);
}

TEST_CASE("log: enabled(lv) is true exactly for levels at or below the current one", "[util][log]")
{
    level_guard guard;
    elog::level const all[] = {elog::level::error, elog::level::warning, elog::level::info, elog::level::debug};
    for (elog::level current : all)
    {
        elog::set_level(current);
        CHECK(elog::get_level() == current);
        for (elog::level lv : all)
        {
            CAPTURE(static_cast<int>(current), static_cast<int>(lv));
            CHECK(elog::enabled(lv) == (static_cast<int>(lv) <= static_cast<int>(current)));
        }
    }
    // Errors are always shown.
    elog::set_level(elog::level::error);
    CHECK(elog::enabled(elog::level::error));
    CHECK_FALSE(elog::enabled(elog::level::warning));
}

TEST_CASE("log: write() prints one tagged line per enabled message, nothing otherwise", "[util][log]")
{
    level_guard guard;
    elog::set_level(elog::level::info);
    stderr_capture cap;
    elog::error("e1");
    elog::warning("w1");
    elog::info("i1");
    elog::debug("d1"); // filtered out
    elog::write(elog::level::warning, "w2");
    CHECK(cap.text() == "[emtk] error: e1\n[emtk] warning: w1\n[emtk] i1\n[emtk] warning: w2\n");
}

TEST_CASE("log: -q shows only errors, -vv shows debug", "[util][log]")
{
    level_guard guard;
    {
        elog::set_level(elog::level::error);
        stderr_capture cap;
        elog::warning("hidden");
        elog::info("hidden");
        elog::error("shown");
        CHECK(cap.text() == "[emtk] error: shown\n");
    }
    {
        elog::set_level(elog::level::debug);
        stderr_capture cap;
        elog::debug("deep");
        CHECK(cap.text() == "[emtk] debug: deep\n");
    }
}

TEST_CASE("log: concurrent writers never interleave within a line", "[util][log]")
{
    level_guard guard;
    elog::set_level(elog::level::warning);
    stderr_capture cap;
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([t] {
                std::string const msg = "thread " + std::to_string(t) + " " + std::string(200, char('a' + t));
                for (int i = 0; i < 50; ++i)
                    elog::warning(msg);
            });
    }
    std::string const text = cap.text();
    std::size_t lines = 0, pos = 0;
    while (pos < text.size())
    {
        std::size_t const nl = text.find('\n', pos);
        REQUIRE(nl != std::string::npos);
        std::string const line = text.substr(pos, nl - pos);
        REQUIRE(line.rfind("[emtk] warning: thread ", 0) == 0);
        int const t = line[23] - '0';
        REQUIRE(line == "[emtk] warning: thread " + std::to_string(t) + " " + std::string(200, char('a' + t)));
        ++lines;
        pos = nl + 1;
    }
    CHECK(lines == 200);
}

TEST_CASE("log: summary() prints an untagged line at the default level and above, not with -q", "[util][log]")
{
    level_guard guard;
    for (elog::level lv : {elog::level::warning, elog::level::info, elog::level::debug})
    {
        elog::set_level(lv);
        stderr_capture cap;
        elog::summary("K = 3, converged");
        CHECK(cap.text() == "[emtk] K = 3, converged\n");
    }
    elog::set_level(elog::level::error); // -q
    stderr_capture cap;
    elog::summary("hidden");
    CHECK(cap.text().empty());
}
