#include <emtk/util/work_queue.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

using emtk::util::run_claimed;

TEST_CASE("run_claimed: every task once, on a worker in range", "[util][work_queue]")
{
    for (std::size_t workers : {0, 1, 2, 3, 8})
        for (std::size_t n : {0, 1, 2, 5, 100})
        {
            INFO("workers " << workers << ", tasks " << n);
            std::vector<std::atomic<int>> ran(n);
            std::vector<std::size_t> by(n, 99);
            run_claimed(n, workers, [&](std::size_t i, std::size_t w) {
                ++ran[i];
                by[i] = w;
            });
            std::size_t const used = std::max<std::size_t>(1, std::min(workers, std::max<std::size_t>(n, 1)));
            for (std::size_t i = 0; i < n; ++i)
            {
                CHECK(ran[i].load() == 1);
                CHECK(by[i] < used);
            }
        }
}

TEST_CASE("run_claimed: the first failure in task order is rethrown, and no task starts after it",
          "[util][work_queue]")
{
    for (std::size_t workers : {1, 2, 4})
        for (int repeat = 0; repeat < 20; ++repeat)
        {
            INFO("workers " << workers);
            std::atomic<int> started{0};
            try
            {
                run_claimed(1000, workers, [&](std::size_t i, std::size_t) {
                    ++started;
                    if (i == 3 || i == 4 || i == 600)
                        throw std::runtime_error("task " + std::to_string(i));
                });
                FAIL("no exception");
            }
            catch (std::runtime_error const & e)
            {
                CHECK(std::string{e.what()} == "task 3");
            }
            // Tasks 0–3 ran; a worker already past its check may start one more task each.
            CHECK(started.load() >= 4);
            CHECK(started.load() <= 4 + 2 * static_cast<int>(workers));
        }
}
