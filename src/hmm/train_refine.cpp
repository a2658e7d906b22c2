// What train_profile_hmm() does after the restarts (train.hpp, "Entropy weighting", "Surgery"),
// and the helpers the stages share (train_detail.hpp, training_context).
#include "train_detail.hpp"

#include <emtk/em/e_step.hpp>
#include <emtk/hmm/entropy_weight.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/surgery.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <cmath>

namespace emtk::hmm::detail {

void training_context::single_e_step(hmm_training_model const & m, hmm_params const & p, hmm_counts & counts) const
{
    try
    {
        em::e_step(m, p, counts, e_step_options);
    }
    catch (em::degenerate_error const & e)
    {
        throw user_error(where + ": " + e.what());
    }
}

double training_context::entropy_pass(hmm_training_model const & m, hmm_params const & p) const
{
    hmm_counts counts;
    single_e_step(m, p, counts);
    double const target = entropy_target(p.hmm.M, set.type, opt.re_target);
    return entropy_scale(counts, prior, p.hmm, hmmer_background(set.type), target);
}

void training_context::rescale(double s)
{
    for (auto & w : res.weights)
        w *= s;
    res.effective_sequences *= s;
    res.entropy_scales.push_back(s);
}

std::unique_ptr<hmm_training_model> training_context::model_from(profile_hmm const & from, hmm_params & p) const
{
    train_options o = opt;
    o.start_model = from;
    auto m = std::make_unique<hmm_training_model>(set, from.M, prior, res.weights, background, o, nullptr, 0);
    m->set_tally(tally);
    rng unused{opt.seed, 0};
    m->initialize(unused, p); // restart 0: exactly `from`
    return m;
}

void refine_winner(training_context & ctx, bool entropy, em::options const & refit_options)
{
    train_result & res = ctx.res;
    // A refit is one clean phase; its callback sees the surgery round (0: entropy refit) as restart.
    std::vector<em::phase<hmm_training_model>> const refit{{"", refit_options, {}, {}}};
    auto refit_from = [&](profile_hmm const & from, int round) {
        hmm_params start;
        auto m = ctx.model_from(from, start);
        auto f = em::run_phases(*m, std::move(start), refit, round);
        res.decreases += f.decreases;
        return f;
    };
    // Entropy weighting, re-targeted on the trained model: refit when the scale moved by > 20%.
    // Both this and surgery work on the winner through a model whose restart-0 start is exactly
    // a given profile_hmm (train_options::start_model).
    for (int adjust = 0; entropy && adjust < 2; ++adjust)
    {
        hmm_params cur;
        auto m = ctx.model_from(res.hmm, cur);
        double const s1 = ctx.entropy_pass(*m, cur);
        if (std::abs(std::log(s1)) <= std::log(1.2))
            break;
        ctx.rescale(s1);
        auto f = refit_from(res.hmm, 0);
        if (!f.ok())
            throw user_error(ctx.where + ": refit after entropy weighting failed: " + f.message);
        ctx.adopt(f);
    }

    // Model surgery on the winning model (train.hpp, "Surgery").
    res.lengths.push_back(res.hmm.M);
    for (int round = 1; round <= ctx.opt.surgery_rounds; ++round)
    {
        hmm_params cur;
        auto before = ctx.model_from(res.hmm, cur);
        hmm_counts counts;
        ctx.single_e_step(*before, cur, counts);
        surgery_plan const plan = plan_surgery(counts, ctx.opt.surgery);
        surgery_round info;
        info.round = round;
        info.old_M = plan.old_M;
        info.new_M = plan.new_M;
        info.deleted = static_cast<int>(plan.deleted.size());
        for (auto const & ins : plan.inserted)
            info.inserted += ins.count;
        info.objective_before = res.objective;
        if (!plan.changes())
        {
            res.surgery.push_back(info);
            break;
        }
        auto f = refit_from(apply_surgery(res.hmm, plan), round);
        info.iterations = f.iterations;
        if (!f.ok())
        {
            info.message = f.message;
            res.surgery.push_back(info);
            break; // keep the model before this round
        }
        info.objective_after = f.objective;
        res.surgery.push_back(info);
        ctx.adopt(f);
        res.lengths.push_back(res.hmm.M);
    }
}

void collect_tally(logspace_tally const & tally, train_result & res)
{
    res.logspace_sequences.clear();
    res.logspace_e_steps = 0;
    for (std::size_t i = 0; i < tally.size(); ++i)
        if (auto const c = tally.count(i))
        {
            res.logspace_sequences.emplace_back(i, c);
            res.logspace_e_steps += c;
        }
    res.float_fallback_e_steps = tally.float_fallbacks();
    res.double_only_e_steps = tally.double_only();
}

} // namespace emtk::hmm::detail
