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
/// `threads`. At most `wave_chunks` chunk statistics exist at once (memory bound: wave_chunks ×
/// sizeof(stats)); the threads merge completed chunks while others compute (e_step.hpp).
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
///
/// Stepwise EM (options.stepwise, models satisfying em::stepwise_model): see stepwise.hpp.
///
/// Restart screening (options.screen_iterations = S > 0, restarts > 1, batch EM). Every restart
/// runs until its trace holds S entries (SQUAREM: until the first cycle boundary from there on,
/// so at most one cycle more) or until it stops earlier (converged, degenerate, ...). The
/// restart with the highest objective at that point (ties: the lowest index; degenerate and
/// diverged ones never) resumes and runs to its stop; the others keep stop_reason::screened and
/// their objective after screening in the summary. Resuming recomputes one E-step (the paused
/// run's statistics are not kept: they can be large) and keeps SQUAREM's cycle state, so the
/// winner's trace and parameters are exactly those of the same restart run without screening
/// (a unit test checks this). What it approximates: "the best final objective wins" becomes "the
/// best objective after S iterations wins", which picks another local optimum when a start that
/// is behind after S iterations would have overtaken later. Cost: S iterations per losing
/// restart instead of a run to convergence, plus one E-step.

#include <emtk/em/detail/run.hpp>
#include <emtk/em/e_step.hpp>
#include <emtk/em/model.hpp>
#include <emtk/em/options.hpp>
#include <emtk/em/stepwise.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace emtk::em {

namespace detail {

/// SQUAREM-accelerated EM from st.params (see the file comment); resumes a paused run.
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
    double & step_max = st.step_max;
    std::vector<double> & cycle_trace = st.cycle_trace; // objective at the start of each cycle
    double ll0 = 0;
    double obj0 = objective(st.params, stats0, ll0);
    st.last_loglik = ll0;
    // A run paused by restart screening resumes at the cycle start where it paused (its
    // objective, obj0, is recorded already).
    if (!std::exchange(st.resume, false))
    {
        if (record(st, obj0, false, restart, opt))
            return;
        cycle_trace.assign(1, obj0);
    }
    for (;;)
    {
        if (full())
        {
            st.reason = stop_reason::max_iter;
            return;
        }
        if (pause_now(st))
            return;
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
        if (opt.stepwise.enabled)
        {
            if constexpr (stepwise_model<M>)
            {
                run_stepwise(m, st, restart, opt);
                return st;
            }
            else
                throw std::invalid_argument("stepwise EM needs statistics that can be scaled (em::stepwise_model)");
        }
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
                        st.reason != stop_reason::diverged && st.reason != stop_reason::screened;
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
        res.stepwise = std::move(st.stepwise);
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

/// Restart r's starting state, m.initialize(rng{seed, r}); a degenerate start sets the reason.
template <model M>
run_state<M> start_run(M const & m, options const & opt, int r)
{
    run_state<M> st;
    try
    {
        rng gen{opt.seed, static_cast<std::uint64_t>(r)};
        m.initialize(gen, st.params);
    }
    catch (degenerate_error const & e)
    {
        st.reason = stop_reason::degenerate;
        st.message = e.what();
    }
    return st;
}

/// em::fit with restart screening (see the file comment); opt.restarts > 1.
template <model M>
fit_result<typename M::params_type> fit_screened(M const & m, options const & opt)
{
    std::vector<run_state<M>> runs(static_cast<std::size_t>(opt.restarts));
    for (int r = 0; r < opt.restarts; ++r)
    {
        run_state<M> & st = runs[static_cast<std::size_t>(r)];
        st = start_run(m, opt, r);
        if (st.reason == stop_reason::degenerate)
            continue;
        st.pause_at = opt.screen_iterations;
        st = run_one(m, std::move(st), r, opt);
    }
    // The best run after screening resumes; should it then fail (degenerate, diverged), the next
    // best does, and so on.
    auto usable = [](run_state<M> const & st) {
        return !st.trace.empty() && st.reason != stop_reason::degenerate && st.reason != stop_reason::diverged;
    };
    for (;;)
    {
        int best = -1;
        for (int r = 0; r < opt.restarts; ++r)
        {
            auto const & st = runs[static_cast<std::size_t>(r)];
            if (usable(st) && (best < 0 || st.trace.back() > runs[static_cast<std::size_t>(best)].trace.back()))
                best = r;
        }
        if (best < 0 || runs[static_cast<std::size_t>(best)].reason != stop_reason::screened)
            break;
        run_state<M> & st = runs[static_cast<std::size_t>(best)];
        st.pause_at = 0;
        st.resume = true;
        st = run_one(m, std::move(st), best, opt);
        if (usable(st))
            break;
    }
    fit_result<typename M::params_type> res;
    for (int r = 0; r < opt.restarts; ++r)
        absorb(res, std::move(runs[static_cast<std::size_t>(r)]), r, m);
    finish<M>(res);
    return res;
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
    if (opt.screen_iterations > 0 && restarts > 1 && !opt.stepwise.enabled)
        return detail::fit_screened(m, run_opt);
    for (int r = 0; r < restarts; ++r)
    {
        detail::run_state<M> st = detail::start_run(m, opt, r);
        if (st.reason == stop_reason::degenerate)
            detail::absorb(res, std::move(st), r, m);
        else
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
