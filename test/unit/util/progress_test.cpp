#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using emtk::progress_bar;
using emtk::test::stderr_capture;

TEST_CASE("progress: a disabled bar writes nothing", "[util][progress]")
{
    stderr_capture cap;
    {
        progress_bar bar{"fit", 10, false};
        CHECK_FALSE(bar.enabled());
        bar.update(3, "msg");
        bar.finish();
    }
    CHECK(cap.text().empty());
}

TEST_CASE("progress: not a terminal means disabled by default", "[util][progress]")
{
    stderr_capture cap; // stderr is now a regular file
    CHECK_FALSE(progress_bar::stderr_is_terminal());
    progress_bar bar{"fit", 10};
    CHECK_FALSE(bar.enabled());
    bar.update(1);
    bar.finish();
    CHECK(cap.text().empty());
}

TEST_CASE("progress: an enabled bar draws label, bar, counter and message, and finish ends the line",
          "[util][progress]")
{
    stderr_capture cap;
    {
        progress_bar bar{"train", 100, true};
        CHECK(bar.enabled());
        bar.update(50, "L=-3.5");
        bar.finish();
        bar.finish(); // idempotent
    }
    std::string const half = "\rtrain [" + std::string(15, '#') + std::string(15, '.') + "] 50/100  L=-3.5\x1b[K";
    std::string const full = "\rtrain [" + std::string(30, '#') + "] 100/100  L=-3.5\x1b[K";
    CHECK(cap.text() == half + full + "\n");
}

TEST_CASE("progress: redraws are throttled to one per 100 ms, the final state is always drawn",
          "[util][progress]")
{
    stderr_capture cap;
    {
        progress_bar bar{"x", 0, true}; // unknown total: a counter
        bar.update(1);
        bar.update(2); // within 100 ms of the first draw: not drawn
        bar.update(3);
        std::this_thread::sleep_for(std::chrono::milliseconds(120));
        bar.update(4);
        bar.finish();
    }
    std::string const text = cap.text();
    // Updates 2 and 3 come within microseconds of the first draw and are normally skipped; on a
    // heavily loaded machine they could fall after the 100 ms, so only what is certain is checked.
    std::string const head = "\rx 1\x1b[K", tail = "\rx 4\x1b[K\rx 4\x1b[K\n";
    CHECK(text.rfind(head, 0) == 0);
    REQUIRE(text.size() >= tail.size());
    CHECK(text.compare(text.size() - tail.size(), tail.size(), tail) == 0);
    CHECK(text.size() <= head.size() * 3 + tail.size());
}

TEST_CASE("progress: the destructor ends a drawn line that was not finished", "[util][progress]")
{
    stderr_capture cap;
    {
        progress_bar bar{"y", 4, true};
        bar.update(5); // more than the total: a full bar
    }
    CHECK(cap.text() == "\ry [" + std::string(30, '#') + "] 5/4\x1b[K\n");
}
