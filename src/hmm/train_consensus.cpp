// Consensus of starts (train.hpp, train_options::consensus_starts): short fits from the most
// central candidates, each aligns the training set, and the candidate whose alignment the others
// support most (start_consensus.hpp) becomes restart 0's start sequence.
#include "train_concurrent.hpp"
#include "train_detail.hpp"

#include <emtk/hmm/align.hpp>
#include <emtk/hmm/start_consensus.hpp>
#include <emtk/hmm/viterbi.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <omp.h>
#include <exception>
#include <optional>

namespace emtk::hmm::detail {

/// The match column of every residue (start_consensus.hpp) in each sequence's Viterbi path
/// against `prof`: one log-space DP per sequence. OA paths (hmmalign's, align.hpp) need forward,
/// backward, decoding and the OA fill, about 4x the time; the consensus only compares the
/// candidates' alignments with each other, so the most probable path serves (an approximation
/// of hmmalign's alignment; the choice it makes is measured in bench/README.md).
residue_columns viterbi_columns(profile const & prof, std::vector<digital_sequence> const & xs, int threads,
                              std::vector<dp_matrix> & scratch)
{
    residue_columns cols(xs.size());
    auto const n = static_cast<long long>(xs.size());
#pragma omp parallel num_threads(threads)
    {
        // One matrix per thread, reused by every candidate: a fresh (L+1)(M+1) matrix per sequence
        // cost more in page faults than the Viterbi fill itself (bench/README.md).
        dp_matrix & v = scratch[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 1)
        for (long long si = 0; si < n; ++si)
        {
            auto const s = static_cast<std::size_t>(si);
            cols[s].assign(xs[s].size(), 0);
            for (auto const & st : viterbi(prof, xs[s], v).path)
                if (st.state == state_type::M && st.i >= 1)
                    cols[s][st.i - 1] = st.k;
        }
    }
    return cols;
}


consensus_alignments choose_consensus_start(training_context & ctx, start_plan & plan, bool entropy, em::options const & anneal,
                            em::options const & mean_phase, em::options const & clean)
{
    auto const & opt = ctx.opt;
    auto & pool = plan.pool;
    std::size_t const n_candidates = std::min<std::size_t>(pool.size(), static_cast<std::size_t>(std::max(0, opt.consensus_starts)));
    if (n_candidates < 3)
        return {};
    // The short fits and the alignments use the sequences at least half the shortest candidate's
    // length: a fragment says little about the start and, against a long glocal model, costs a
    // log-space E-step (train.hpp, "Numerical robustness") in every iteration.
    std::size_t min_len = ctx.set.seqs[pool.front()].dsq.size();
    for (std::size_t ci = 0; ci < n_candidates; ++ci)
        min_len = std::min(min_len, ctx.set.seqs[pool[ci]].dsq.size());
    seq::sequence_set set{ctx.set.type, {}, ctx.set.source};
    std::vector<double> weights;
    std::vector<std::size_t> index(ctx.set.seqs.size()); // ctx.set index -> set index
    for (std::size_t i = 0; i < ctx.set.seqs.size(); ++i)
    {
        index[i] = set.seqs.size();
        if (2 * ctx.set.seqs[i].dsq.size() < min_len)
            continue;
        set.seqs.push_back(ctx.set.seqs[i]);
        weights.push_back(ctx.res.weights[i]);
    }
    std::vector<digital_sequence> xs;
    for (auto const & sq : set.seqs)
        xs.emplace_back(sq.dsq.data(), sq.dsq.size());
    auto const & abc = seq::alphabet::get(set.type);
    std::vector<em::phase<hmm_training_model>> short_fit;
    em::options a = anneal, mp = mean_phase, c = clean;
    mp.max_iter = std::min(mp.max_iter, opt.consensus_iter);
    c.max_iter = std::min(c.max_iter, opt.consensus_iter);
    if (opt.anneal_steps > 0)
        short_fit.push_back({"annealing", a, [&opt](hmm_training_model & m) { m.set_annealing(opt.anneal_steps); },
                             [](hmm_training_model & m) { m.set_annealing(0); }});
    if (opt.mean_phase_iter > 0 && !ctx.prior.none)
        short_fit.push_back({"posterior-mean phase", mp, [](hmm_training_model & m) { m.set_mean_estimator(true); },
                             [](hmm_training_model & m) { m.set_mean_estimator(false); }});
    short_fit.push_back({"", c, {}, {}});
    // The candidates are independent: fitted side by side (train_concurrent.hpp), each into its
    // own slot, and combined in candidate order, so the choice is the same for any thread count.
    std::vector<std::optional<residue_columns>> slots(n_candidates);
    std::vector<std::vector<dp_matrix>> viterbi_scratch(std::max<std::size_t>(1, concurrent_workers(n_candidates, opt.threads)));
    run_concurrently(n_candidates, opt.threads, [&](std::size_t ci, std::size_t worker, int threads) {
        seq::sequence const & sq = set.seqs[index[pool[ci]]];
        std::vector<double> w = weights;
        em::options e_step = ctx.e_step_options;
        e_step.threads = threads;
        training_context const tctx{ctx.set, ctx.opt, ctx.where, ctx.prior, ctx.background, ctx.tally, e_step, ctx.res};
        std::vector<em::phase<hmm_training_model>> fit = short_fit;
        for (auto & ph : fit)
            ph.opt.threads = threads;
        hmm_training_model m(set, static_cast<int>(sq.dsq.size()), ctx.prior, w, ctx.background, opt, &sq, 0);
        hmm_params p;
        rng gen{opt.seed, 0};
        try
        {
            m.initialize(gen, p);
            if (entropy)
            {
                double const sc = tctx.entropy_pass(m, p);
                for (auto & v : w)
                    v *= sc;
                m = hmm_training_model(set, static_cast<int>(sq.dsq.size()), ctx.prior, w, ctx.background, opt, &sq, 0);
            }
        }
        catch (std::exception const &) // em::degenerate_error, or user_error from the E-step: not a candidate
        {
            return;
        }
        auto f = em::run_phases(m, std::move(p), fit);
        if (!f.ok())
            return;
        profile const prof = make_profile(f.params.hmm, residue_sets_of(abc), alignment_profile_options());
        auto & scratch = viterbi_scratch[worker];
        scratch.resize(static_cast<std::size_t>(threads));
        slots[ci] = viterbi_columns(prof, xs, threads, scratch);
    });
    std::vector<residue_columns> columns;
    std::vector<std::size_t> chosen_from;
    for (std::size_t ci = 0; ci < n_candidates; ++ci)
        if (slots[ci])
        {
            columns.push_back(std::move(*slots[ci]));
            chosen_from.push_back(ci);
        }
    if (columns.size() >= 3)
    {
        std::size_t const pick = chosen_from[consensus_medoid(columns)];
        std::rotate(pool.begin(), pool.begin() + static_cast<long>(pick), pool.begin() + static_cast<long>(pick) + 1);
        plan.M = static_cast<int>(ctx.set.seqs[pool.front()].dsq.size());
        ctx.res.consensus_candidates = static_cast<int>(columns.size());
        return {std::move(set), std::move(columns)};
    }
    return {};
}

} // namespace emtk::hmm::detail
