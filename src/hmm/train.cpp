// Profile-HMM training from unaligned sequences (see include/emtk/hmm/train.hpp): the phases and
// the restarts. The stages before and after them: train_detail.hpp.
#include "train_detail.hpp"

#include <emtk/em/fit.hpp>
#include <emtk/em/phases.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/hmm/train_stream.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace emtk::hmm {

bool uses_stepwise(std::size_t n, train_options const & opt) noexcept
{
    switch (opt.mode)
    {
    case em::em_mode::batch: return false;
    case em::em_mode::stepwise: return true;
    case em::em_mode::automatic: break;
    }
    return n >= opt.stepwise_min_sequences;
}

train_result train_profile_hmm(seq::sequence_set const & set, train_options const & opt)
{
    std::string const where = set.source.empty() ? "training set" : set.source;
    // Streamed (train_stream.hpp): `set` is a sample of the spool's n sequences.
    std::size_t const n = opt.stream ? opt.stream->size() : set.seqs.size();
    if (n < 2)
        throw user_error(where + ": training needs at least two sequences, got " + std::to_string(n));
    for (auto const & s : set.seqs)
        if (s.dsq.empty())
            throw user_error(where + ": record '" + s.name + "' is empty");
    train_result res;
    std::vector<double> background = opt.stream ? stream_composition(*opt.stream) : residue_composition(set);
    // k-mer similarities once (weighting.hpp): the weights and the central start's ranking.
    kmer_options kopt;
    kopt.identity = opt.weight_identity;
    kopt.exact_limit = opt.weight_exact_limit;
    bool const central = !opt.start_model && opt.seed_sequence.empty() && opt.length <= 0 && opt.central_start;
    std::optional<kmer_similarity> sim;
    if ((opt.weighting && opt.sequence_weights.empty()) || central)
    {
        auto const t0 = std::chrono::steady_clock::now();
        sim = kmer_similarities(set, kopt);
        res.weighting_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        res.weights_exact = sim->exact;
    }
    kmer_similarity const * simp = sim ? &*sim : nullptr;
    detail::set_sequence_weights(opt, simp, set.seqs.size(), res);
    if (opt.stream)
        spread_sample_weights(opt, n, res);

    // The start of each restart (see train.hpp, "Starts").
    detail::start_plan plan = detail::plan_start(set, opt, simp, where, res);
    hmm_prior const prior = make_prior(opt.prior, set.type);
    auto const tally = std::make_shared<logspace_tally>(n);

    em::options anneal;
    anneal.max_iter = opt.anneal_steps + 1; // one E-step before each of the anneal_steps M-steps, and the last
    anneal.rule = em::stop_rule::absolute;
    anneal.tol = 0; // never "converged": |ΔL| < 0 is false
    anneal.min_iter = anneal.max_iter;
    anneal.decrease_tol = std::numeric_limits<double>::infinity();
    anneal.threads = opt.threads;
    anneal.chunk_size = opt.chunk_size;
    em::options clean;
    clean.max_iter = opt.max_iter;
    clean.tol = opt.tol;
    clean.rule = em::stop_rule::relative;
    clean.threads = opt.threads;
    clean.chunk_size = opt.chunk_size;
    if (opt.float_estep)
        clean.decrease_tol = float_decrease_tol;
    if (uses_stepwise(n, opt))
    {
        clean.stepwise = opt.stepwise;
        clean.stepwise.enabled = true;
        clean.stepwise.holdout = std::min(opt.stepwise.holdout, n / 20);
    }
    em::options mean_phase = clean; // objective not monotone: no decrease check (train.hpp)
    mean_phase.max_iter = std::max(1, opt.mean_phase_iter);
    mean_phase.decrease_tol = std::numeric_limits<double>::infinity();

    // Entropy weighting (entropy_weight.hpp): one scale for every restart, from the E-step of
    // restart 0's start, so that the restarts' objectives stay comparable.
    bool const entropy = opt.entropy_weighting && !(opt.effective_number > 0) && !prior.none;
    detail::training_context ctx{set, opt, where, prior, background, tally, clean, res};
    // Consensus of starts (train.hpp): may change restart 0's start sequence. Streamed: on the sample.
    // Its short fits run batch EM in either mode: consensus_iter batch iterations cost about as
    // many E-steps as that many passes, and the start no longer depends on the EM mode (with
    // stepwise short fits the 5,000-sequence benchmark trained stepwise and batch EM from
    // different starts; bench/README.md, "emtk hmm train at scale").
    train_options sample_opt = opt;
    sample_opt.stream.reset();
    detail::training_context sample_ctx{set, sample_opt, where, prior, background, tally, clean, res};
    em::options short_mean = mean_phase, short_clean = clean;
    short_mean.stepwise.enabled = short_clean.stepwise.enabled = false;
    detail::consensus_alignments const cons = detail::choose_consensus_start(
        opt.stream ? sample_ctx : ctx, plan, entropy, anneal, short_mean, short_clean);
    if (entropy)
    {
        seq::sequence const * seed_seq = plan.seed_of(set, 0);
        hmm_training_model m0(set, seed_seq ? static_cast<int>(seed_seq->dsq.size()) : plan.M, prior, res.weights,
                              background, opt, seed_seq, 0);
        m0.set_tally(tally);
        hmm_params p0;
        rng gen{opt.seed, 0};
        m0.initialize(gen, p0);
        ctx.rescale(ctx.entropy_pass(m0, p0));
    }

    // Each restart (train.hpp, "Starts"): annealing, posterior-mean phase, clean MAP-EM phase,
    // through em::run_phases; the best restart through em::best_of_restarts.
    res.anneal_iterations = std::max(0, opt.anneal_steps);
    int const n_restarts = std::max(1, opt.restarts);
    auto relay = [&opt](int phase) -> std::function<void(em::iteration_info const &)> {
        if (!opt.on_iteration)
            return {};
        return [&opt, phase](em::iteration_info const & it) { opt.on_iteration(phase, it); };
    };
    using training_phase = em::phase<hmm_training_model>;
    std::vector<training_phase> phases;
    if (opt.anneal_steps > 0)
    {
        anneal.on_iteration = relay(0);
        phases.push_back({"annealing", anneal, [&opt](hmm_training_model & m) { m.set_annealing(opt.anneal_steps); },
                          [](hmm_training_model & m) { m.set_annealing(0); }});
    }
    int mean_phase_index = -1;
    if (opt.mean_phase_iter > 0 && !prior.none)
    {
        mean_phase.on_iteration = relay(3);
        mean_phase_index = static_cast<int>(phases.size());
        phases.push_back({"posterior-mean phase", mean_phase,
                          [](hmm_training_model & m) { m.set_mean_estimator(true); },
                          [](hmm_training_model & m) { m.set_mean_estimator(false); }});
    }
    clean.on_iteration = relay(1);
    phases.push_back({"", clean, {}, {}});
    auto best = em::best_of_restarts(n_restarts, opt.seed, [&](int r, rng & gen) {
        seq::sequence const * seed_seq = plan.seed_of(set, r);
        int const M = seed_seq ? static_cast<int>(seed_seq->dsq.size()) : plan.M;
        res.start_sequences.push_back(seed_seq ? seed_seq->name : std::string{});
        hmm_training_model model(set, M, prior, res.weights, background, opt, seed_seq, r);
        model.set_tally(tally);
        hmm_params start;
        model.initialize(gen, start);
        return em::run_phases(model, std::move(start), phases, r, n_restarts);
    });
    res.restarts = std::move(best.restarts);
    res.decreases += best.decreases;
    if (!best.ok())
        throw user_error(where + ": profile HMM training failed in every restart: " + best.message);
    res.best_restart = best.best_restart;
    res.mean_iterations =
        mean_phase_index < 0 ? 0 : best.phase_iterations[static_cast<std::size_t>(mean_phase_index)];
    ctx.adopt(best);

    // On the winner: entropy re-targeting and surgery (train_refine.cpp), refits seen as phase 2.
    clean.on_iteration = relay(2);
    detail::refine_winner(ctx, entropy, clean);
    detail::collect_tally(*tally, res);
    // Realignment (train_realign.cpp): a second training from the model's alignment, kept when the
    // consensus candidates' alignments agree with it more.
    detail::realign_winner(ctx, cons);
    return res;
}

} // namespace emtk::hmm
