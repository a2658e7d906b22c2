#include <emtk/util/log.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

namespace log = emtk::log;
using emtk::test::stderr_capture;

namespace {
/// Restores the process-wide log level at scope exit.
struct level_guard
{
    log::level saved = log::get_level();
    ~level_guard() { log::set_level(saved); }
};
} // namespace

TEST_CASE("log: the default level is warning", "[util][log]")
{
    // No other test in this executable may leave the level changed (they all use level_guard).
    CHECK(log::get_level() == log::level::warning);
}

TEST_CASE("log: enabled(lv) is true exactly for levels at or below the current one", "[util][log]")
{
    level_guard guard;
    log::level const all[] = {log::level::error, log::level::warning, log::level::info, log::level::debug};
    for (log::level current : all)
    {
        log::set_level(current);
        CHECK(log::get_level() == current);
        for (log::level lv : all)
        {
            CAPTURE(static_cast<int>(current), static_cast<int>(lv));
            CHECK(log::enabled(lv) == (static_cast<int>(lv) <= static_cast<int>(current)));
        }
    }
    // Errors are always shown.
    log::set_level(log::level::error);
    CHECK(log::enabled(log::level::error));
    CHECK_FALSE(log::enabled(log::level::warning));
}

TEST_CASE("log: write() prints one tagged line per enabled message, nothing otherwise", "[util][log]")
{
    level_guard guard;
    log::set_level(log::level::info);
    stderr_capture cap;
    log::error("e1");
    log::warning("w1");
    log::info("i1");
    log::debug("d1"); // filtered out
    log::write(log::level::warning, "w2");
    CHECK(cap.text() == "[emtk] error: e1\n[emtk] warning: w1\n[emtk] i1\n[emtk] warning: w2\n");
}

TEST_CASE("log: -q shows only errors, -vv shows debug", "[util][log]")
{
    level_guard guard;
    {
        log::set_level(log::level::error);
        stderr_capture cap;
        log::warning("hidden");
        log::info("hidden");
        log::error("shown");
        CHECK(cap.text() == "[emtk] error: shown\n");
    }
    {
        log::set_level(log::level::debug);
        stderr_capture cap;
        log::debug("deep");
        CHECK(cap.text() == "[emtk] debug: deep\n");
    }
}

TEST_CASE("log: concurrent writers never interleave within a line", "[util][log]")
{
    level_guard guard;
    log::set_level(log::level::warning);
    stderr_capture cap;
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([t] {
                std::string const msg = "thread " + std::to_string(t) + " " + std::string(200, char('a' + t));
                for (int i = 0; i < 50; ++i)
                    log::warning(msg);
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
