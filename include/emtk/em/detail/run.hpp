#pragma once
/// \file
/// \brief The state of one EM run and the plain (batch) EM loop, shared by em::fit (fit.hpp) and
/// the stepwise driver (stepwise.hpp). Not a public API.

#include <emtk/em/convergence.hpp>
#include <emtk/em/e_step.hpp>
#include <emtk/em/model.hpp>
#include <emtk/em/options.hpp>
#include <emtk/util/log.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace emtk::em {

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
    /// Trace entries before this index are not checked for decreases (stepwise EM's passes are
    /// not monotone; its batch polish is, from its second entry on).
    std::size_t monotone_from = 0;
    stepwise_summary stepwise;
    /// Restart screening (fit.hpp): > 0 pauses the run once the trace holds this many entries
    /// (SQUAREM: at the first cycle boundary from there on); reason is then stop_reason::screened.
    /// A paused run resumes where it stopped when run again with `resume` set (and pause_at = 0).
    int pause_at = 0;
    bool resume = false; ///< run_plain/run_squarem: st is a paused run to continue (cleared on use)
    /// SQUAREM's state between cycles, kept so that a paused run resumes exactly: the objective at
    /// each cycle start and the adaptive maximum step length.
    std::vector<double> cycle_trace;
    double step_max = 1.0;
};

/// True (and the reason set to stop_reason::screened) when a screened run must pause here.
template <model M>
bool pause_now(run_state<M> & st)
{
    if (st.pause_at <= 0 || static_cast<int>(st.trace.size()) < st.pause_at)
        return false;
    st.reason = stop_reason::screened;
    return true;
}

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
    if (!st.trace.empty() && st.trace.size() >= st.monotone_from && -change > opt.decrease_tol * std::max(1.0, std::fabs(objective)))
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

/// Plain EM from st.params. A run paused by restart screening (st.resume) resumes: the
/// E-step of st.params is computed again (its objective is trace.back(), recorded and tested
/// already) and the run goes on with its M-step, as if it had not paused.
template <model M>
void run_plain(M const & m, run_state<M> & st, int restart, options const & opt)
{
    typename M::stats_type stats = m.make_stats(st.params);
    bool resuming = std::exchange(st.resume, false);
    for (;;)
    {
        double const ll = e_step(m, st.params, stats, opt);
        ++st.e_steps;
        st.last_loglik = ll;
        if (resuming)
            resuming = false;
        else
        {
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
            if (pause_now(st))
                return;
        }
        m.maximize(stats, st.params);
    }
}

} // namespace detail
} // namespace emtk::em
