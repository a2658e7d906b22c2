#pragma once
/// \file
/// \brief Multi-phase fits and restarts over em::fit: em::run_phases and em::best_of_restarts.
///
/// Some fits are more than one EM run. Profile-HMM training (hmm/train.hpp) anneals with noise,
/// then runs a posterior-mean phase, then the clean MAP-EM phase, from several starts, and refits
/// the winner after entropy weighting and model surgery. Each phase is one em::fit from the
/// previous phase's parameters, with its own options (a phase whose objective is not monotone
/// turns the decrease check off) and its own model setting, applied by a hook before the phase
/// and undone by another after it (also when the phase fails or throws).
///
/// run_phases(m, start, phases): the phases in order. The result is the last phase's em::fit
/// result (parameters, objective, log-likelihood, trace, stop reason, stepwise summary) with
/// `phase_iterations` (one entry per phase run) and, summed over the phases, `e_steps` and the
/// objective decreases. A phase that fails (em::fit's ok() is false: diverged or degenerate) ends
/// the run: ok() is false, `failed_phase` is its index, `message` is "NAME: what happened" (the
/// bare message for a phase without a name). Iterations are em::fit's result.iterations, which
/// are 0 for a failed run; `iterations` counts the last phase only (0 when an earlier phase
/// failed). `restarts` holds one summary of the whole run.
///
/// best_of_restarts(n, seed, run): restart r is run(r, rng{seed, r}) for r = 0 … n−1 (the model
/// can differ per restart: run builds it, draws its start from the generator and fits it, e.g.
/// with run_phases). The restart with the highest final objective wins (ties: the lowest index),
/// exactly as inside em::fit. A restart that fails — run returns a result whose ok() is false,
/// or throws em::degenerate_error — is recorded in `restarts` (reason, message, iterations) and the
/// others go on; nothing is thrown. When every restart fails, ok() is false and `message` is the
/// first failure's. Objective decreases are summed over all restarts.
///
/// Both are sequential loops over em::fit: reproducibility (byte-identical output for any thread
/// count) is em::fit's, restart by restart.

#include <emtk/em/fit.hpp>
#include <emtk/em/options.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace emtk::em {

/// \brief One phase of a multi-phase fit (run_phases).
template <typename M>
struct phase
{
    std::string name;                 ///< prefixes a failure message ("annealing: …"); empty: none
    options opt;                      ///< the phase's EM options (`restarts` is ignored: one run)
    std::function<void(M &)> enter;   ///< sets the model up for the phase (may be empty)
    std::function<void(M &)> leave;   ///< undoes `enter` after the phase, also on failure (may be empty)
};

/// \brief Result of run_phases / best_of_restarts: the last phase's em::fit result, plus phases.
template <typename Params>
struct phased_result : fit_result<Params>
{
    std::vector<int> phase_iterations; ///< iterations of each phase run, in order (0 for a failed one)
    int failed_phase = -1;             ///< index of the phase that failed (-1: none)
};

/// \brief Copies what describes a run's end (objective, log-likelihood, trace, iterations, stop
/// reason, stepwise summary; not the parameters) from a fit result `from` into `to`, any struct
/// with those fields (a fit_result, or a tool's own result).
template <typename To, typename From>
void take_run_outcome(To & to, From && from)
{
    to.objective = from.objective;
    to.log_likelihood = from.log_likelihood;
    to.trace = std::move(from.trace);
    to.iterations = from.iterations;
    to.reason = from.reason;
    to.stepwise = std::move(from.stepwise);
}

/// \brief Runs `phases` in order from `start` (see the file comment).
/// \param restart,restarts what the phases' on_iteration callbacks see as iteration_info::restart
///        and ::restarts (each em::fit here is a single run).
template <model M>
phased_result<typename M::params_type> run_phases(M & m, typename M::params_type start,
                                                  std::vector<phase<M>> const & phases, int restart = 0,
                                                  int restarts = 1)
{
    phased_result<typename M::params_type> res;
    restart_summary summary;
    summary.restart = restart;
    auto params = std::move(start);
    for (std::size_t i = 0; i < phases.size(); ++i)
    {
        auto const & ph = phases[i];
        bool const last = i + 1 == phases.size();
        options opt = ph.opt;
        if (ph.opt.on_iteration)
            opt.on_iteration = [&ph, restart, restarts](iteration_info const & it) {
                iteration_info copy = it;
                copy.restart = restart;
                copy.restarts = restarts;
                ph.opt.on_iteration(copy);
            };
        struct leave_guard // undoes the phase's setting on every way out
        {
            M & m;
            std::function<void(M &)> const & leave;
            ~leave_guard()
            {
                if (leave)
                    leave(m);
            }
        };
        fit_result<typename M::params_type> f;
        {
            if (ph.enter)
                ph.enter(m);
            leave_guard const guard{m, ph.leave};
            f = fit(m, std::move(params), opt);
        }
        res.decreases += f.decreases;
        res.largest_decrease = std::max(res.largest_decrease, f.largest_decrease);
        res.e_steps += f.e_steps;
        res.phase_iterations.push_back(f.iterations);
        if (last)
            summary.iterations = f.iterations;
        if (!f.ok())
        {
            res.failed_phase = static_cast<int>(i);
            res.reason = f.reason;
            res.message = ph.name.empty() ? f.message : ph.name + ": " + f.message;
            res.iterations = summary.iterations;
            summary.reason = res.reason;
            summary.message = res.message;
            res.restarts.push_back(std::move(summary));
            return res;
        }
        if (last)
        {
            res.params = std::move(f.params);
            take_run_outcome(res, f);
        }
        else
            params = std::move(f.params);
    }
    if (phases.empty()) // nothing to run: the start is the result, with no objective
    {
        res.params = std::move(params);
        res.reason = stop_reason::max_iter;
    }
    res.best_restart = restart;
    summary.objective = res.objective;
    summary.reason = res.reason;
    res.restarts.push_back(std::move(summary));
    return res;
}

/// \brief The best of `restarts` seeded runs (see the file comment).
/// \param run callable as run(int r, rng & gen) returning a phased_result (or fit_result) of the
///        restart r, whose start is drawn from gen = rng{seed, r}; may throw degenerate_error.
template <typename Run>
auto best_of_restarts(int restarts, std::uint64_t seed, Run && run)
{
    using result_t = std::remove_cvref_t<std::invoke_result_t<Run &, int, rng &>>;
    result_t best;
    std::vector<restart_summary> summaries;
    int decreases = 0;
    double largest = 0;
    int const n = std::max(1, restarts);
    for (int r = 0; r < n; ++r)
    {
        restart_summary s;
        s.restart = r;
        try
        {
            rng gen{seed, static_cast<std::uint64_t>(r)};
            result_t f = run(r, gen);
            decreases += f.decreases;
            largest = std::max(largest, f.largest_decrease);
            s.iterations = f.iterations;
            s.reason = f.reason;
            if (!f.ok())
            {
                s.message = f.message;
                summaries.push_back(std::move(s));
                continue;
            }
            s.objective = f.objective;
            summaries.push_back(std::move(s));
            if (best.best_restart < 0 || f.objective > best.objective)
            {
                best = std::move(f);
                best.best_restart = r;
            }
        }
        catch (degenerate_error const & e)
        {
            s.reason = stop_reason::degenerate;
            s.message = e.what();
            summaries.push_back(std::move(s));
        }
    }
    best.restarts = std::move(summaries);
    best.decreases = decreases;
    best.largest_decrease = largest;
    if (best.best_restart < 0)
    {
        best.reason = best.restarts.front().reason;
        best.message = best.restarts.front().message;
    }
    return best;
}

} // namespace emtk::em
