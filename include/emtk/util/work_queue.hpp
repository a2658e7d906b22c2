#pragma once
/// \file
/// \brief Independent tasks claimed in order from a shared counter by a few std::thread workers.
///
/// Used where the tasks of one call are uneven in cost and few per call (profile HMM search's
/// model × target pairs and DNA windows of one batch, training candidates), so an OpenMP loop
/// would leave finished threads spinning at its barrier: here a worker that runs out of tasks
/// blocks in join() and leaves its core to whatever else runs (the thread reading the next batch).
/// Each task writes only its own output slot, so the results do not depend on the worker count.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace emtk::util {

/// \brief Runs body(i, w) for every i in [0, n) on min(workers, n) threads (this one included),
/// and returns when all have finished. Tasks are claimed in index order; w in [0, workers) names
/// the worker running the task (for per-worker scratch). With workers ≤ 1 or n ≤ 1 every task runs
/// on this thread with w = 0.
///
/// Exceptions: after a task throws, no further task is claimed; the tasks already claimed finish,
/// and the exception of the lowest failing index is rethrown after the join. Every index below a
/// failing one was claimed before it, so that is the first failure in task order whatever the
/// timing: the same error for any worker count.
template <class Body>
void run_claimed(std::size_t n, std::size_t workers, Body && body)
{
    workers = std::min(std::max<std::size_t>(workers, 1), std::max<std::size_t>(n, 1));
    if (workers == 1)
    {
        for (std::size_t i = 0; i < n; ++i)
            body(i, std::size_t{0});
        return;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_lock;
    std::size_t error_index = std::numeric_limits<std::size_t>::max();
    std::exception_ptr error;
    auto work = [&](std::size_t w) {
        while (!failed.load(std::memory_order_relaxed))
        {
            std::size_t const i = next.fetch_add(1, std::memory_order_relaxed);
            if (i >= n)
                return;
            try
            {
                body(i, w);
            }
            catch (...)
            {
                std::lock_guard<std::mutex> hold(error_lock);
                if (i < error_index)
                    error_index = i, error = std::current_exception();
                failed.store(true, std::memory_order_relaxed);
            }
        }
    };
    {
        std::vector<std::jthread> pool;
        pool.reserve(workers - 1);
        for (std::size_t w = 1; w < workers; ++w)
            pool.emplace_back(work, w);
        work(0);
    } // joined here
    if (error)
        std::rethrow_exception(error);
}

} // namespace emtk::util
