#pragma once
/// \file
/// \brief em::fit — the one EM driver every emtk tool uses.
///
/// fit(model, options) runs `restarts` random starts; each iterates
///     E-step over all items (parallel, fixed-order reduction) → objective → stop rule → M-step
/// and the restart with the highest final objective wins (ties: the lowest index).
///
/// Reproducibility. Items are cut into chunks of `options.chunk_size` consecutive items; each
/// chunk's statistics and log-likelihood are accumulated sequentially by whichever thread takes
/// the chunk, then merged into the total strictly in chunk order. Floating-point sums are
/// therefore evaluated in one order for any thread count: output is byte-identical for any
/// `threads`. Chunks are processed in waves of at most `wave_chunks` so that at most that many
/// chunk statistics exist at once (memory bound: wave_chunks × sizeof(stats)).
///
/// Processes (MPI builds, distributed.hpp): with R > 1 ranks and a model that packs its
/// statistics (packable_model), rank r computes the chunks c with c mod R = r, every rank receives
/// every chunk's statistics and merges them in chunk order: the same sums as one process.
///
/// Monotonicity. EM (and MAP-EM) never decreases the objective. A decrease larger than
/// `decrease_tol` × max(1, |L|) is counted in the result and logged as a warning: it is the first
/// symptom of an E/M-step bug or of an approximation that is too coarse.
///
/// SQUAREM (options.accelerate, models satisfying em::vector_model). One cycle computes
/// θ1 = M(θ0), θ2 = M(θ1) in the model's unconstrained vector space, r = θ1 − θ0,
/// v = θ2 − 2θ1 + θ0, the step length α = ‖r‖/‖v‖ (scheme S3 of Varadhan & Roland 2008,
/// Scand. J. Stat. 35:335) clamped to [1, step_max], the extrapolated θ' = θ0 + 2αr + α²v
/// (α = 1 gives θ2) and one stabilising EM step θ'' = M(θ'). θ'' is kept only if its objective is
/// at least that of θ1; otherwise the cycle falls back to plain EM's θ2. step_max starts at 1 and
/// is multiplied by 4 each time the step reaches it and succeeds, divided by 4 when it fails (the
/// adaptive maximum step of the SQUAREM R package). The recorded trace is therefore still
/// non-decreasing; it holds θ1 and the cycle's end point. Convergence: absolute/relative rules
/// test the gain of each cycle's plain EM step (θ0 → θ1) and of successive cycle ends; the
/// Aitken rule tests the sequence of cycle ends.

#include <emtk/em/convergence.hpp>
#include <emtk/em/distributed.hpp>
#include <emtk/em/model.hpp>
#include <emtk/em/options.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace emtk::em {

/// At most this many chunk statistics are alive at once during an E-step.
inline constexpr std::size_t wave_chunks = 64;

namespace detail {

/// The E-step over MPI ranks (see the file comment and distributed.hpp). `total` holds zero
/// statistics on entry.
template <packable_model M>
double e_step_distributed(M const & m, typename M::params_type const & params, typename M::stats_type & total,
                          options const & opt, std::size_t n, std::size_t chunk, std::size_t n_chunks, int threads)
{
    (void)opt;
    using stats_t = typename M::stats_type;
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
                double ll = 0.0;
                std::size_t const b = mine[q] * chunk, e = std::min(n, b + chunk);
                if constexpr (range_model<M>)
                    ll = m.expect_range(b, e, params, s);
                else
                    for (std::size_t i = b; i < e; ++i)
                        ll += m.expect(i, params, s);
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

/// \brief One E-step: returns Σ_i log p(x_i | θ) and sets `total` to the merged statistics.
/// Deterministic for any thread count (see the file comment). Exceptions thrown by the model are
/// rethrown here (the one of the lowest-numbered chunk).
template <model M>
double e_step(M const & m, typename M::params_type const & params, typename M::stats_type & total,
              options const & opt)
{
    using stats_t = typename M::stats_type;
    std::size_t const n = m.item_count();
    std::size_t const chunk = std::max<std::size_t>(1, opt.chunk_size);
    std::size_t const n_chunks = (n + chunk - 1) / chunk;
    #if defined(_OPENMP)
    int const threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
#else
    int const threads = 1;
#endif

    total = m.make_stats(params);
    if constexpr (packable_model<M>)
        if (dist::size() > 1)
            return detail::e_step_distributed(m, params, total, opt, n, chunk, n_chunks, threads);
    double loglik = 0.0;
    std::vector<std::optional<stats_t>> part;
    std::vector<double> part_ll;
    std::vector<std::exception_ptr> errors;
    for (std::size_t wave = 0; wave < n_chunks; wave += wave_chunks)
    {
        std::size_t const w_end = std::min(n_chunks, wave + wave_chunks);
        std::size_t const w_n = w_end - wave;
        part.assign(w_n, std::nullopt);
        part_ll.assign(w_n, 0.0);
        errors.assign(w_n, nullptr);
        // With a single chunk there is nothing to run in parallel.
        int const team = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), w_n));
#pragma omp parallel for schedule(dynamic, 1) num_threads(team) if (team > 1)
        for (std::size_t c = 0; c < w_n; ++c)
        {
            try
            {
                stats_t s = m.make_stats(params);
                double ll = 0.0;
                std::size_t const b = (wave + c) * chunk, e = std::min(n, b + chunk);
                if constexpr (range_model<M>)
                    ll = m.expect_range(b, e, params, s);
                else
                    for (std::size_t i = b; i < e; ++i)
                        ll += m.expect(i, params, s);
                part[c].emplace(std::move(s));
                part_ll[c] = ll;
            }
            catch (...)
            {
                errors[c] = std::current_exception();
            }
        }
        for (std::size_t c = 0; c < w_n; ++c)
        {
            if (errors[c])
                std::rethrow_exception(errors[c]);
            total += *part[c];
            loglik += part_ll[c];
        }
    }
    return loglik;
}

namespace detail {

template <model M>
struct run_state
{
    typename M::params_type params{};
    std::vector<double> trace;
    int e_steps = 0;
    stop_reason reason = stop_reason::max_iter;
    std::string message;
    int decreases = 0;
    double largest_decrease = 0;
    double last_loglik = 0;
};

/// Appends an objective to the trace, checks monotonicity, calls the callback; returns true when
/// the run must stop because the objective is not finite (diverged).
template <model M>
bool record(run_state<M> & st, double objective, bool accelerated, int restart, options const & opt)
{
    if (!std::isfinite(objective))
    {
        st.reason = stop_reason::diverged;
        st.message = "the objective became " + std::string{std::isnan(objective) ? "NaN" : "infinite"} +
                     " at iteration " + std::to_string(st.trace.size() + 1);
        return true;
    }
    double change = st.trace.empty() ? 0.0 : objective - st.trace.back();
    if (!st.trace.empty() && -change > opt.decrease_tol * std::max(1.0, std::fabs(objective)))
    {
        if (st.decreases == 0)
            log::warning("EM objective decreased by " + std::to_string(-change) + " at iteration " +
                         std::to_string(st.trace.size() + 1) + " (restart " + std::to_string(restart + 1) +
                         "): an E/M-step bug or a too coarse approximation");
        ++st.decreases;
        st.largest_decrease = std::max(st.largest_decrease, -change);
    }
    st.trace.push_back(objective);
    if (opt.on_iteration)
        opt.on_iteration(iteration_info{restart, opt.restarts, static_cast<int>(st.trace.size()), objective, change,
                                        accelerated});
    return false;
}

/// Applies the stop rule to `seq` once min_iter iterations are done; sets the reason.
template <model M>
bool check_converged(run_state<M> & st, std::span<double const> seq, options const & opt)
{
    if (static_cast<int>(st.trace.size()) >= std::max(2, opt.min_iter) && has_converged(seq, opt.rule, opt.tol))
    {
        st.reason = stop_reason::converged;
        return true;
    }
    return false;
}

/// After convergence with options.final_m_step: one more M-step from `stats` (the E-step of
/// st.params) and its evaluation, kept unless it is degenerate or not finite.
template <model M>
void final_step(M const & m, run_state<M> & st, typename M::stats_type const & stats, int restart,
                options const & opt)
{
    if (!opt.final_m_step || st.reason != stop_reason::converged)
        return;
    typename M::params_type p = st.params;
    try
    {
        m.maximize(stats, p);
    }
    catch (degenerate_error const &)
    {
        return;
    }
    typename M::stats_type s = m.make_stats(p);
    double const ll = e_step(m, p, s, opt);
    ++st.e_steps;
    double const obj = ll + m.log_prior(p);
    if (!std::isfinite(obj))
        return;
    st.params = std::move(p);
    st.last_loglik = ll;
    record(st, obj, false, restart, opt);
}

/// Plain EM from st.params.
template <model M>
void run_plain(M const & m, run_state<M> & st, int restart, options const & opt)
{
    typename M::stats_type stats = m.make_stats(st.params);
    for (;;)
    {
        double const ll = e_step(m, st.params, stats, opt);
        ++st.e_steps;
        st.last_loglik = ll;
        if (record(st, ll + m.log_prior(st.params), false, restart, opt))
            return;
        if (check_converged(st, st.trace, opt))
        {
            final_step(m, st, stats, restart, opt);
            return;
        }
        if (static_cast<int>(st.trace.size()) >= opt.max_iter)
        {
            st.reason = stop_reason::max_iter;
            return;
        }
        m.maximize(stats, st.params);
    }
}

/// SQUAREM-accelerated EM from st.params (see the file comment).
template <vector_model M>
void run_squarem(M const & m, run_state<M> & st, int restart, options const & opt)
{
    using params_t = typename M::params_type;
    typename M::stats_type stats0 = m.make_stats(st.params), stats1 = stats0, stats_x = stats0, stats_new = stats0;
    auto full = [&] { return static_cast<int>(st.trace.size()) >= opt.max_iter; };
    auto objective = [&](params_t const & p, typename M::stats_type & s, double & ll) {
        ll = e_step(m, p, s, opt);
        ++st.e_steps;
        return ll + m.log_prior(p);
    };
    constexpr double step_factor = 4.0; // "mstep" of Varadhan & Roland's SQUAREM
    double step_max = 1.0;
    double ll0 = 0;
    double obj0 = objective(st.params, stats0, ll0);
    st.last_loglik = ll0;
    if (record(st, obj0, false, restart, opt))
        return;
    std::vector<double> cycle_trace{obj0}; // objective at the start of each cycle
    for (;;)
    {
        if (full())
        {
            st.reason = stop_reason::max_iter;
            return;
        }
        // Plain EM step θ0 → θ1: the stop rule looks at its gain (or, for Aitken, at the cycle starts).
        params_t const p0 = st.params;
        params_t p1 = p0;
        m.maximize(stats0, p1);
        double ll1 = 0;
        double const obj1 = objective(p1, stats1, ll1);
        st.params = p1;
        st.last_loglik = ll1;
        if (record(st, obj1, false, restart, opt))
            return;
        double const em_pair[2] = {obj0, obj1};
        if (opt.rule != stop_rule::aitken && check_converged(st, em_pair, opt))
        {
            final_step(m, st, stats1, restart, opt);
            return;
        }
        if (full())
        {
            st.reason = stop_reason::max_iter;
            return;
        }
        params_t p2 = p1;
        m.maximize(stats1, p2);

        std::vector<double> const v0 = m.to_vector(p0), v1 = m.to_vector(p1), v2 = m.to_vector(p2);
        double rr = 0, vv = 0;
        for (std::size_t j = 0; j < v0.size(); ++j)
        {
            double const r = v1[j] - v0[j], v = v2[j] - 2 * v1[j] + v0[j];
            rr += r * r;
            vv += v * v;
        }
        double alpha = (vv > 0 && rr > 0) ? std::sqrt(rr / vv) : 1.0;
        alpha = std::clamp(alpha, 1.0, step_max);
        bool accepted = false;
        params_t p_new = p2;
        double ll_new = 0, obj_new = 0;
        if (alpha > 1.01)
        {
            std::vector<double> vx(v0.size());
            for (std::size_t j = 0; j < v0.size(); ++j)
            {
                double const r = v1[j] - v0[j], v = v2[j] - 2 * v1[j] + v0[j];
                vx[j] = v0[j] + 2 * alpha * r + alpha * alpha * v;
            }
            try
            {
                if (std::all_of(vx.begin(), vx.end(), [](double x) { return std::isfinite(x); }))
                {
                    params_t px = p2;
                    m.from_vector(vx, px);
                    double llx = 0;
                    double const objx = objective(px, stats_x, llx);
                    if (std::isfinite(objx))
                    {
                        // Stabilising EM step from the extrapolated point.
                        m.maximize(stats_x, p_new = px);
                        obj_new = objective(p_new, stats_new, ll_new);
                        accepted = std::isfinite(obj_new) && obj_new >= obj1;
                    }
                }
            }
            catch (degenerate_error const &)
            {
                accepted = false;
            }
            if (!accepted && alpha == step_max)
                step_max = std::max(1.0, step_max / step_factor);
            else if (accepted && alpha == step_max)
                step_max *= step_factor;
        }
        else if (alpha == step_max)
            step_max *= step_factor;
        if (!accepted)
        {
            p_new = std::move(p2);
            obj_new = objective(p_new, stats_new, ll_new);
        }
        st.params = std::move(p_new);
        std::swap(stats0, stats_new);
        st.last_loglik = ll_new;
        obj0 = obj_new;
        if (record(st, obj_new, accepted, restart, opt))
            return;
        cycle_trace.push_back(obj0);
        if (check_converged(st, cycle_trace, opt))
        {
            final_step(m, st, stats0, restart, opt);
            return;
        }
    }
}

template <model M>
run_state<M> run_one(M const & m, run_state<M> st, int restart, options const & opt)
{
    try
    {
        if constexpr (vector_model<M>)
        {
            if (opt.accelerate)
            {
                run_squarem(m, st, restart, opt);
                return st;
            }
        }
        run_plain(m, st, restart, opt);
    }
    catch (degenerate_error const & e)
    {
        st.reason = stop_reason::degenerate;
        st.message = e.what();
    }
    return st;
}

template <model M>
void absorb(fit_result<typename M::params_type> & res, run_state<M> && st, int restart, M const & m)
{
    restart_summary s;
    s.restart = restart;
    s.iterations = static_cast<int>(st.trace.size());
    s.reason = st.reason;
    s.message = st.message;
    bool const usable = !st.trace.empty() && st.reason != stop_reason::degenerate &&
                        st.reason != stop_reason::diverged;
    if (!st.trace.empty())
        s.objective = st.trace.back();
    res.decreases += st.decreases;
    res.largest_decrease = std::max(res.largest_decrease, st.largest_decrease);
    res.restarts.push_back(s);
    if (usable && (res.best_restart < 0 || s.objective > res.objective))
    {
        res.best_restart = restart;
        res.objective = s.objective;
        res.log_likelihood = st.last_loglik;
        res.params = std::move(st.params);
        res.trace = std::move(st.trace);
        res.iterations = s.iterations;
        res.e_steps = st.e_steps;
        res.reason = st.reason;
    }
    (void)m;
}

template <model M>
void finish(fit_result<typename M::params_type> & res)
{
    if (res.best_restart >= 0)
        return;
    // No restart succeeded: report the first one's reason and message.
    res.reason = res.restarts.empty() ? stop_reason::degenerate : res.restarts.front().reason;
    res.message = res.restarts.empty() ? "no restart was run" : res.restarts.front().message;
}

} // namespace detail

/// \brief Fits `m` by EM with `opt.restarts` random starts (model.initialize with rng{seed, r}).
/// \returns the best restart's parameters and trace, and a summary of every restart. When every
/// restart ends degenerate or diverged, result.ok() is false and result.message says why.
template <model M>
fit_result<typename M::params_type> fit(M const & m, options const & opt)
{
    fit_result<typename M::params_type> res;
    int const restarts = std::max(1, opt.restarts);
    options run_opt = opt; // the callback reports the number of runs actually made
    run_opt.restarts = restarts;
    for (int r = 0; r < restarts; ++r)
    {
        detail::run_state<M> st;
        try
        {
            rng gen{opt.seed, static_cast<std::uint64_t>(r)};
            m.initialize(gen, st.params);
        }
        catch (degenerate_error const & e)
        {
            st.reason = stop_reason::degenerate;
            st.message = e.what();
            detail::absorb(res, std::move(st), r, m);
            continue;
        }
        detail::absorb(res, detail::run_one(m, std::move(st), r, run_opt), r, m);
    }
    detail::finish<M>(res);
    return res;
}

/// \brief Fits `m` by EM from the given starting parameters (one run, no random restart).
template <model M>
fit_result<typename M::params_type> fit(M const & m, typename M::params_type start, options const & opt)
{
    fit_result<typename M::params_type> res;
    detail::run_state<M> st;
    st.params = std::move(start);
    options run_opt = opt;
    run_opt.restarts = 1;
    detail::absorb(res, detail::run_one(m, std::move(st), 0, run_opt), 0, m);
    detail::finish<M>(res);
    return res;
}

} // namespace emtk::em
