#pragma once
/// \file
/// \brief The E-step of em::fit: items cut into chunks, chunks run in parallel (OpenMP) or across
/// MPI ranks, chunk statistics merged in chunk order (byte-identical for any thread or rank count;
/// see fit.hpp's file comment).
///
/// Threads (one process). The threads take chunks in increasing order (dynamic schedule) and
/// the thread that completes the oldest unmerged chunk merges every completed chunk from there
/// on, in chunk order, while the other threads keep computing: no barrier between groups of
/// chunks and no serial merge phase. At most wave_chunks chunk statistics exist at once: a
/// thread takes chunk c only when chunk c − wave_chunks has been merged (it waits otherwise,
/// which needs one chunk to take as long as wave_chunks − threads others).

#include <emtk/em/distributed.hpp>
#include <emtk/em/model.hpp>
#include <emtk/em/options.hpp>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace emtk::em {

/// At most this many chunk statistics are alive at once during an E-step (on one process; with
/// MPI, this many per rank and wave).
inline constexpr std::size_t wave_chunks = 64;

/// \brief Consecutive items [begin, end): the unit of work of an E-step (a chunk).
struct item_range
{
    std::size_t begin = 0, end = 0;
};

namespace detail {

/// One chunk's E-step, sequentially: its log-likelihood, its statistics added to `s`.
template <model M>
double e_step_chunk(M const & m, typename M::params_type const & params, typename M::stats_type & s, item_range r)
{
    double ll = 0.0;
    if constexpr (range_model<M>)
        ll = m.expect_range(r.begin, r.end, params, s);
    else
        for (std::size_t i = r.begin; i < r.end; ++i)
            ll += m.expect(i, params, s);
    return ll;
}

[[nodiscard]] inline int team_size(options const & opt) noexcept
{
#if defined(_OPENMP)
    return opt.threads > 0 ? opt.threads : omp_get_max_threads();
#else
    (void)opt;
    return 1;
#endif
}

/// The E-step over MPI ranks (see the file comment and distributed.hpp). `total` holds zero
/// statistics on entry.
template <packable_model M>
double e_step_distributed(M const & m, typename M::params_type const & params, typename M::stats_type & total,
                          std::span<item_range const> chunks, int threads)
{
    using stats_t = typename M::stats_type;
    std::size_t const n_chunks = chunks.size();
    auto const R = static_cast<std::size_t>(dist::size()), me = static_cast<std::size_t>(dist::rank());
    double loglik = 0.0;
    for (std::size_t wave = 0; wave < n_chunks; wave += wave_chunks * R)
    {
        std::size_t const w_end = std::min(n_chunks, wave + wave_chunks * R);
        // This rank's chunks of the wave, in chunk order.
        std::vector<std::size_t> mine;
        for (std::size_t c = wave; c < w_end; ++c)
            if (c % R == me)
                mine.push_back(c);
        std::vector<std::vector<double>> packed(mine.size());
        std::vector<std::exception_ptr> errors(mine.size());
        int const team = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), mine.size()));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
        for (std::size_t q = 0; q < mine.size(); ++q)
        {
            try
            {
                stats_t s = m.make_stats(params);
                double const ll = e_step_chunk(m, params, s, chunks[mine[q]]);
                packed[q].push_back(ll);
                packed[q].push_back(0.0); // no error
                m.pack(s, packed[q]);
            }
            catch (...)
            {
                errors[q] = std::current_exception();
                packed[q] = {0.0, 1.0}; // error flag, no statistics
            }
        }
        std::vector<double> buffer;
        for (auto const & p : packed)
            buffer.insert(buffer.end(), p.begin(), p.end());
        std::vector<std::vector<double>> const all = dist::allgather(buffer);
        for (std::size_t q = 0; q < mine.size(); ++q)
            if (errors[q])
                std::rethrow_exception(errors[q]);
        std::vector<std::size_t> at(R, 0); // read position in each rank's buffer
        for (std::size_t c = wave; c < w_end; ++c)
        {
            std::size_t const r = c % R;
            std::span<double const> const in{all[r]};
            double const ll = in[at[r]];
            bool const failed = in[at[r] + 1] != 0.0;
            at[r] += 2;
            if (failed)
                throw std::runtime_error("the E-step failed on MPI rank " + std::to_string(r));
            stats_t s = m.make_stats(params);
            at[r] += m.unpack(in.subspan(at[r]), s);
            total += s;
            loglik += ll;
        }
    }
    return loglik;
}

} // namespace detail

/// \brief The E-step over the given chunks: returns Σ log p(x_i | θ) over their items and sets
/// `total` to the statistics merged in the order of `chunks`. Deterministic for any thread count
/// (see the file comment). Exceptions thrown by the model are rethrown here (the one of the
/// lowest-numbered chunk).
template <model M>
double e_step_ranges(M const & m, typename M::params_type const & params, typename M::stats_type & total,
                     options const & opt, std::span<item_range const> chunks)
{
    using stats_t = typename M::stats_type;
    std::size_t const n_chunks = chunks.size();
    int const threads = detail::team_size(opt);

    total = m.make_stats(params);
    if constexpr (packable_model<M>)
        if (dist::size() > 1)
            return detail::e_step_distributed(m, params, total, chunks, threads);
    double loglik = 0.0;
    int const team = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, threads)), n_chunks));
    if (team <= 1)
    {
        // One thread: the same sums, chunk by chunk (a chunk's statistics from zero, then merged).
        for (std::size_t c = 0; c < n_chunks; ++c)
        {
            stats_t s = m.make_stats(params);
            loglik += detail::e_step_chunk(m, params, s, chunks[c]);
            total += s;
        }
        return loglik;
    }
    // Several threads (file comment, "Threads"): chunk c's statistics wait in slot c mod
    // wave_chunks until every chunk before it is merged.
    std::size_t const window = std::min(n_chunks, wave_chunks);
    std::vector<std::optional<stats_t>> slot(window);
    std::vector<double> slot_ll(window, 0.0);
    std::mutex mu;
    std::condition_variable cv;
    std::size_t next = 0, merged = 0;       // the next chunk to take; chunks [0, merged) are in total
    bool stop = false;                      // a chunk failed: take no more
    std::size_t failed = n_chunks;          // the lowest-numbered failed chunk
    std::exception_ptr error;
#pragma omp parallel num_threads(team)
    for (;;)
    {
        std::size_t c = 0;
        {
            std::unique_lock<std::mutex> lock(mu);
            cv.wait(lock, [&] { return stop || next >= n_chunks || next < merged + window; });
            if (stop || next >= n_chunks)
                break;
            c = next++;
        }
        std::optional<stats_t> s;
        double ll = 0.0;
        std::exception_ptr err;
        try
        {
            s.emplace(m.make_stats(params));
            ll = detail::e_step_chunk(m, params, *s, chunks[c]);
        }
        catch (...)
        {
            err = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(mu);
        if (!err)
        {
            try
            {
                slot[c % window] = std::move(s);
                slot_ll[c % window] = ll;
                // Merge every completed chunk from the oldest unmerged one on, in chunk order.
                while (merged < n_chunks && !stop && slot[merged % window])
                {
                    total += *slot[merged % window];
                    loglik += slot_ll[merged % window];
                    slot[merged % window].reset();
                    ++merged;
                }
            }
            catch (...)
            {
                err = std::current_exception();
            }
        }
        if (err)
        {
            stop = true;
            if (c < failed)
                failed = c, error = err;
        }
        cv.notify_all();
    }
    // The exception of the lowest-numbered failed chunk (every chunk before it ran).
    if (error)
        std::rethrow_exception(error);
    return loglik;
}

/// \brief [begin, end) cut into chunks of `chunk` items (the last one shorter), appended to `out`.
inline void append_chunks(std::vector<item_range> & out, std::size_t begin, std::size_t end, std::size_t chunk)
{
    chunk = std::max<std::size_t>(1, chunk);
    for (std::size_t b = begin; b < end; b += chunk)
        out.push_back({b, std::min(end, b + chunk)});
}

/// \brief One E-step over all items: returns Σ_i log p(x_i | θ) and sets `total` to the merged
/// statistics (chunks of options.chunk_size consecutive items, merged in item order).
template <model M>
double e_step(M const & m, typename M::params_type const & params, typename M::stats_type & total,
              options const & opt)
{
    std::vector<item_range> chunks;
    append_chunks(chunks, 0, m.item_count(), opt.chunk_size);
    return e_step_ranges(m, params, total, opt, chunks);
}

} // namespace emtk::em
