#pragma once
/// \file
/// \brief Stepwise (mini-batch) EM: em::fit with options.stepwise.enabled.
///
/// Batch EM runs an E-step over every item before each M-step. Stepwise EM (Cappé & Moulines
/// 2009, JRSS B 71:593; Liang & Klein 2009, "Online EM for unsupervised models", NAACL) updates
/// running sufficient statistics from one mini-batch B_k at a time and runs the M-step after each:
///
///     ŝ_k = (n_train / |B_k|) · Σ_{i ∈ B_k} E[s(x_i) | θ_k]      (the batch scaled to the data)
///     s_k = ŝ_0                              for k = 0
///     s_k = (1 − η_k) · s_{k−1} + η_k · ŝ_k  for k ≥ 1,   η_k = (k + 2)^(−α),  0.5 < α ≤ 1
///     θ_{k+1} = M(s_k)
///
/// s_k estimates the full-data statistics, so MAP models whose priors add pseudo-counts see the
/// same balance of data and prior as in batch EM. With α in (0.5, 1] the steps satisfy
/// Σ η_k = ∞, Σ η_k² < ∞, and θ_k converges to a stationary point of the likelihood (Cappé &
/// Moulines, Theorem 1); a pass costs one E-step over the items but makes n/|B| M-steps, which is
/// why it needs far fewer passes than batch EM needs iterations on large, redundant data.
///
/// Mini-batches. The items are cut into blocks of consecutive items (stepwise_options::block);
/// each pass visits the training blocks in an order drawn from rng{seed, restart} (child stream
/// "pass p"), and a mini-batch is the next run of blocks holding ≥ batch_size items. A batch's
/// blocks are E-stepped in parallel and merged in batch order (e_step_ranges), so the result is
/// byte-identical for any thread count and, for packable models, any number of MPI ranks.
///
/// Convergence. Stepwise updates do not increase the objective monotonically, so each pass is
/// judged once, after it: by the full-data objective (one E-step over every item; holdout = 0) or
/// by the log-likelihood of held-out blocks scaled to n plus the log prior (an estimate of the
/// full objective whose sampling error shrinks as 1/√holdout). The run stops when a pass
/// gains less than stepwise.tol × max(1, |L|) — signed: a pass that lowers the objective stops it
/// too, since near the maximum the pass objective moves only by mini-batch noise, up or down, and
/// with |ΔL| a noisy drop larger than tol would keep the passes going — or after max_passes passes. Optional
/// batch iterations (`polish`) then continue from the stepwise estimate with ordinary, monotone
/// EM. options::max_iter caps the trace entries (passes, then polish iterations) as in batch EM.
/// Restarts compare their final objectives as in batch EM (the held-out set is the same for
/// every restart, so the estimates are comparable).
///
/// The only requirement beyond the EM-core contract: statistics form a vector space, i.e. besides
/// `s += t` they can be scaled, `s *= a` (em::stepwise_model).

#include <emtk/em/detail/run.hpp>
#include <emtk/em/e_step.hpp>
#include <emtk/em/model.hpp>
#include <emtk/em/options.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace emtk::em {

/// \brief A model whose statistics can also be scaled (`s *= a`), as stepwise EM needs.
template <typename M>
concept stepwise_model = model<M> && requires(typename M::stats_type & s, double a) { s *= a; };

namespace detail {

/// Child-stream tags of the stepwise driver's random streams.
inline constexpr std::uint64_t stepwise_pass_stream = 0x5354'4550'5041'5353ULL;    // "STEPPASS"
inline constexpr std::uint64_t stepwise_holdout_stream = 0x5354'4550'484f'4c44ULL; // "STEPHOLD"

/// Items per block (see stepwise_options::block).
[[nodiscard]] inline std::size_t stepwise_block(stepwise_options const & o) noexcept
{
    return o.block > 0 ? o.block : std::max<std::size_t>(1, o.batch_size / 32);
}

/// The blocks of n items, split into held-out blocks (about `holdout` items, drawn from the seed
/// alone so every restart holds out the same items) and training blocks (in item order).
struct stepwise_blocks
{
    std::vector<item_range> train, held_out;
    std::size_t train_items = 0, held_out_items = 0;
};

[[nodiscard]] inline stepwise_blocks make_stepwise_blocks(std::size_t n, stepwise_options const & o,
                                                          std::uint64_t seed)
{
    std::vector<item_range> all;
    append_chunks(all, 0, n, stepwise_block(o));
    std::vector<char> hold(all.size(), 0);
    if (o.holdout > 0 && all.size() > 1)
    {
        std::vector<std::size_t> order(all.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        rng r = rng{seed, 0}.split(stepwise_holdout_stream);
        std::shuffle(order.begin(), order.end(), r);
        std::size_t items = 0;
        // Never hold out every block: at least one trains.
        for (std::size_t q = 0; q + 1 < order.size() && items < o.holdout; ++q)
        {
            hold[order[q]] = 1;
            items += all[order[q]].end - all[order[q]].begin;
        }
    }
    stepwise_blocks b;
    for (std::size_t q = 0; q < all.size(); ++q)
    {
        std::size_t const len = all[q].end - all[q].begin;
        (hold[q] ? b.held_out : b.train).push_back(all[q]);
        (hold[q] ? b.held_out_items : b.train_items) += len;
    }
    return b;
}

/// Stepwise EM from st.params (see the file comment).
template <stepwise_model M>
void run_stepwise(M const & m, run_state<M> & st, int restart, options const & opt)
{
    using stats_t = typename M::stats_type;
    stepwise_options const & so = opt.stepwise;
    if (!(so.alpha > 0.5 && so.alpha <= 1.0))
        throw std::invalid_argument("stepwise EM: alpha must be in (0.5, 1]");
    if (so.batch_size == 0 || so.max_passes < 1)
        throw std::invalid_argument("stepwise EM: batch_size and max_passes must be positive");
    std::size_t const n = m.item_count();
    stepwise_blocks const blocks = make_stepwise_blocks(n, so, opt.seed);
    st.stepwise.used = true;
    st.stepwise.batch_size = so.batch_size;
    st.stepwise.alpha = so.alpha;
    st.stepwise.held_out = blocks.held_out_items;
    st.monotone_from = static_cast<std::size_t>(-1); // passes are not monotone

    rng const restart_stream = rng{opt.seed, static_cast<std::uint64_t>(restart)}.split(stepwise_pass_stream);
    stats_t running = m.make_stats(st.params), batch = running;
    std::vector<item_range> chunks;
    std::size_t k = 0; // mini-batch updates so far

    // The objective after a pass: full data, or held-out blocks scaled to n.
    auto pass_objective = [&] {
        double ll = 0;
        if (blocks.held_out.empty())
            ll = e_step(m, st.params, batch, opt);
        else
            ll = e_step_ranges(m, st.params, batch, opt, blocks.held_out) * static_cast<double>(n) /
                 static_cast<double>(blocks.held_out_items);
        ++st.e_steps;
        st.last_loglik = ll;
        return ll + m.log_prior(st.params);
    };

    std::vector<std::size_t> order(blocks.train.size());
    // A pass is one trace entry: options::max_iter caps the passes as it caps batch iterations.
    for (int pass = 0; pass < so.max_passes && static_cast<int>(st.trace.size()) < opt.max_iter; ++pass)
    {
        std::iota(order.begin(), order.end(), std::size_t{0});
        rng r = restart_stream.split(static_cast<std::uint64_t>(pass));
        std::shuffle(order.begin(), order.end(), r);
        for (std::size_t q = 0; q < order.size();)
        {
            chunks.clear();
            std::size_t items = 0;
            for (; q < order.size() && items < so.batch_size; ++q)
            {
                chunks.push_back(blocks.train[order[q]]);
                items += chunks.back().end - chunks.back().begin;
            }
            e_step_ranges(m, st.params, batch, opt, chunks);
            ++st.e_steps;
            batch *= static_cast<double>(blocks.train_items) / static_cast<double>(items);
            if (k == 0)
                std::swap(running, batch);
            else
            {
                double const eta = std::pow(static_cast<double>(k) + 2.0, -so.alpha);
                running *= 1.0 - eta;
                batch *= eta;
                running += batch;
            }
            ++k;
            m.maximize(running, st.params);
        }
        st.stepwise.passes = pass + 1;
        st.stepwise.updates = k;
        double const obj = pass_objective();
        if (record(st, obj, false, restart, opt))
            return;
        st.stepwise.pass_objective.push_back(obj);
        std::size_t const t = st.trace.size();
        // Signed (file comment, "Convergence"): a pass that gains less than tol, or loses, ends the passes.
        if (so.tol > 0 && t >= 2 && st.trace[t - 1] - st.trace[t - 2] < so.tol * std::max(1.0, std::fabs(obj)))
        {
            st.stepwise.converged = true;
            break;
        }
    }
    st.reason = st.stepwise.converged ? stop_reason::converged : stop_reason::max_iter;
    int const polish = std::min(so.polish, opt.max_iter - static_cast<int>(st.trace.size())); // max_iter caps it too
    if (polish <= 0)
        return;
    // Batch EM from the stepwise estimate: monotone from its second entry on (its first entry is
    // the full objective, the last pass entry may be a held-out estimate).
    std::size_t const before = st.trace.size();
    st.monotone_from = before + 1;
    options polish_opt = opt;
    polish_opt.max_iter = static_cast<int>(before) + polish;
    polish_opt.min_iter = static_cast<int>(before) + std::max(2, opt.min_iter);
    run_plain(m, st, restart, polish_opt);
    st.stepwise.polish_iterations = static_cast<int>(st.trace.size() - before);
}

} // namespace detail
} // namespace emtk::em
