#pragma once
/// \file
/// \brief Private to src/hmm/train*.cpp: independent training candidates fitted side by side.
///
/// The training pipeline fits several independent candidates: the consensus of starts' short fits
/// (train_consensus.cpp), the realignment's retrain and annealed retrain (train_realign.cpp). Each
/// fit's E-step is parallel over chunks of train_options::chunk_size sequences, which leaves
/// threads idle on the small families (6–30 sequences: one or two chunks per E-step). Running the
/// candidates concurrently instead, each with its share of the threads, uses them. The output does
/// not change: a fit's result does not depend on its thread count (the chunking fixes every
/// summation order, em/e_step.hpp), each task writes only its own slot, and the caller combines the
/// slots in task order after all have finished.

#include <emtk/em/distributed.hpp>
#include <emtk/util/work_queue.hpp>

#include <algorithm>
#include <cstddef>

namespace emtk::hmm::detail {

/// \brief The workers run_concurrently uses for n tasks: min(threads, n) in one process, else 1
/// (MPI calls stay on the main thread). Callers size per-worker scratch by it.
inline std::size_t concurrent_workers(std::size_t n, int threads)
{
    return em::dist::size() == 1 ? std::min<std::size_t>(static_cast<std::size_t>(std::max(1, threads)), n) : 1;
}

/// \brief Runs task(i, worker, threads) for every i in [0, n) and returns when all have finished.
/// With `threads` > 1, n ≥ 2 and one process (MPI calls stay on the main thread), min(threads, n)
/// workers take the tasks in order (util::run_claimed), each task running with threads / workers
/// threads (worker w is in [0, workers), for per-worker scratch); otherwise the tasks run one after
/// another on this thread, each with `threads`. After a failure no further task starts; the first
/// exception in task order is rethrown after the join. Tasks must not share mutable state other
/// than their own output slot.
template <class Task>
void run_concurrently(std::size_t n, int threads, Task && task)
{
    threads = std::max(1, threads);
    std::size_t const workers = concurrent_workers(n, threads);
    int const each = workers > 1 ? threads / static_cast<int>(workers) : threads;
    util::run_claimed(n, workers, [&](std::size_t i, std::size_t w) { task(i, w, each); });
}

} // namespace emtk::hmm::detail
