/// \file
/// \brief `emtk hmm train`: arguments → hmm::training_job → hmm::run_training() (train_pipeline.hpp:
/// read, start, train, calibrate) → the HMMER3/f model, the JSON summary and the MultiQC table.

#include "common.hpp"
#include "run_summary.hpp"
#include "hmm_train.hpp"

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/train_pipeline.hpp>
#include <emtk/seq/sequence.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/format.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>
#include <emtk/version.hpp>

#include <memory>

namespace emtk::cli {

namespace {

/// The library's options from the command line (the checks of the values are the library's).
hmm::training_job make_job(hmm_train_arguments const & a)
{
    hmm::training_job job;
    job.input = a.input;
    job.alphabet = a.alphabet;
    job.seed_msa = a.seed_msa;
    job.seed_hmm = a.seed_hmm;
    hmm::train_options & opt = job.train;
    if (!hmm::parse_prior_kind(a.prior, opt.prior))
        throw usage_error("--prior must be none, laplace or default, got '" + a.prior + "'");
    opt.length = a.length;
    opt.seed_sequence = a.seed_seq;
    opt.restarts = a.restarts;
    opt.seed = a.seed;
    opt.threads = a.threads;
    opt.max_iter = a.max_iter;
    opt.mean_phase_iter = a.no_mean_phase ? 0 : a.max_iter; // posterior-mean phase (train.hpp): bounded like the clean phase
    opt.tol = a.tol;
    opt.consensus_starts = a.consensus_starts;
    opt.consensus_iter = a.consensus_iter;
    if (!hmm::parse_realign_mode(a.realign, opt.realign))
        throw usage_error("--realign must be off, retrain or rebuild, got '" + a.realign + "'");
    if (!hmm::parse_realign_keep(a.realign_keep, opt.realign_keep))
        throw usage_error("--realign-keep must be always, better or accuracy, got '" + a.realign_keep + "'");
    if (!hmm::parse_consistency_mode(a.consistency, opt.consistency))
        throw usage_error("--consistency must be off, pair, profile or both, got '" + a.consistency + "'");
    if (!hmm::parse_consistency_keep(a.consistency_keep, opt.consistency_keep))
        throw usage_error("--consistency-keep must be accuracy or pairs, got '" + a.consistency_keep + "'");
    if (!em::parse_em_mode(a.em_mode, opt.mode))
        throw usage_error("--stepwise must be auto, on or off, got '" + a.em_mode + "'");
    opt.stepwise.batch_size = a.batch_size;
    opt.stepwise.max_passes = a.passes;
    opt.stepwise.polish = a.polish;
    job.stream_min_sequences = a.stream_min;
    opt.anneal_steps = a.anneal;
    opt.anneal_noise = a.anneal_noise;
    opt.realign_anneal = a.realign_anneal;
    opt.realign_anneal_draws = a.realign_anneal_draws;
    opt.realign_anneal_vary_steps = a.realign_anneal_vary == "steps";
    opt.consistency_start_max = a.consistency_start;
    opt.weighting = !a.no_weights;
    opt.weight_identity = a.weight_id;
    opt.effective_number = a.effn;
    opt.entropy_weighting = !a.no_entropy;
    opt.re_target = a.ere;
    opt.surgery_rounds = a.surgery > 0 ? a.surgery : (a.surgery_flag ? 3 : 0);
    return job;
}

/// Warnings and notes about the training that the user should see.
void log_training(hmm_train_arguments const & a, hmm::training_run const & run)
{
    auto const & res = run.result;
    if (res.stepwise.used && !res.stepwise.converged && res.stepwise.polish_iterations == 0)
        log::warning("stepwise training did not converge in " + std::to_string(a.passes) +
                     " passes (raise --passes, or add --polish iterations)");
    else if (res.stepwise.used && !res.stepwise.converged)
        log::info("stepwise passes did not meet their tolerance in " + std::to_string(a.passes) + " passes; " +
                  std::to_string(res.stepwise.polish_iterations) + " batch EM polish iterations followed");
    else if (res.reason == em::stop_reason::max_iter && !res.stepwise.used)
        log::warning("training did not converge in " + std::to_string(a.max_iter) +
                     " iterations (raise --max-iter or loosen --tol)");
    log::info(std::string{"sequence weights and centrality ("} + (res.weights_exact ? "all pairs" : "MinHash candidates") +
              ") in " + format_general(res.weighting_seconds, 3) + " s; effective sequences " +
              format_general(res.effective_sequences, 6));
    if (!res.logspace_sequences.empty())
    {
        std::string names;
        for (std::size_t j = 0; j < res.logspace_sequences.size() && j < 5; ++j)
            names += (j ? ", " : "") + run.record_name(res.logspace_sequences[j].first);
        if (res.logspace_sequences.size() > 5)
            names += ", …";
        log::info(std::to_string(res.logspace_e_steps) + " E-steps of " + std::to_string(res.logspace_sequences.size()) +
                  " sequences (" + names +
                  ") ran in log space: out of the scaled kernel's range against the model (slower, same result)");
    }
    if (res.float_fallback_e_steps > 0)
        log::info(std::to_string(res.float_fallback_e_steps) +
                  " E-steps failed the float kernel's check and ran in double (slower, same result)");
    if (res.realign.mode != hmm::realign_mode::off)
        log::info(std::string{"realignment ("} + hmm::to_string(res.realign.mode) + "): agreement with the consensus " +
                  "candidates " + format_general(res.realign.first_agreement, 4) + " (M = " +
                  std::to_string(res.realign.first_M) + ") -> " + format_general(res.realign.second_agreement, 4) +
                  " (M = " + std::to_string(res.realign.second_M) + "): " +
                  (res.realign.kept ? "the realigned model is kept" : "the first model is kept"));
    else if (a.realign != "off" && !res.realign.message.empty())
        log::info("realignment " + res.realign.message);
    if (res.realign.anneal_M > 0)
        log::info("annealed retrain: match accuracy " + format_general(res.realign.anneal_accuracy, 6) + " (M = " +
                  std::to_string(res.realign.anneal_M) + "): " +
                  (res.realign.anneal_kept ? "the annealed model is kept" : "not kept"));
    else if (!res.realign.anneal_message.empty())
        log::info(res.realign.anneal_message);
    if (res.realign.consistency_M > 0)
        log::info("consistency realignment: match accuracy " + format_general(res.realign.consistency_accuracy, 6) +
                  " (M = " + std::to_string(res.realign.consistency_M) + "): " +
                  (res.realign.consistency_kept ? "the consistency model is kept" : "not kept"));
    else if (!res.realign.consistency_message.empty())
        log::info("consistency realignment " + res.realign.consistency_message);
    if (res.decreases > 0)
        log::warning("the log posterior decreased " + std::to_string(res.decreases) +
                     " times during training beyond round-off (please report this)");
    std::size_t shorter = 0;
    for (std::size_t i = 0; i < run.sequences; ++i)
        shorter += run.record_length(i) * 2 < static_cast<std::size_t>(res.hmm.M);
    if (shorter * 2 > run.sequences)
        log::warning(std::to_string(shorter) + " of " + std::to_string(run.sequences) +
                     " sequences are shorter than half the model length (" + std::to_string(res.hmm.M) + ")");
}

/// The JSON run summary.
void write_summary(json_writer & j, hmm_train_arguments const & a, hmm::training_job const & job,
                   hmm::training_run const & run, hmm::hmmer_model const & out, double total_s)
{
    auto const & res = run.result;
    auto const & set = run.set;
    j.begin_object();
    summary_head(j, "emtk hmm train", static_cast<std::uint64_t>(a.seed), {a.input});
    summary_records(j, record_counts{static_cast<std::uint64_t>(run.sequences), 0, {}});
    j.key("input").begin_object();
    j.field("file", a.input);
    j.field("alphabet", std::string{seq::alphabet::get(set.type).name()});
    j.field("sequences", static_cast<std::uint64_t>(run.sequences));
    j.field("streamed", run.spool != nullptr); // train_stream.hpp: spooled, whole-set steps on a sample
    j.field("sample", static_cast<std::uint64_t>(set.seqs.size()));
    j.field("residues", static_cast<std::uint64_t>(run.residues));
    j.field("effective_sequences", res.effective_sequences);
    j.key("entropy_scales").value(res.entropy_scales);
    j.field("weights", std::string{res.weights_exact ? "exact" : "minhash"}); // weighting.hpp's mode
    j.end_object();
    j.key("model").begin_object();
    j.field("name", out.name);
    j.field("length", res.hmm.M);
    j.field("file", a.output);
    j.end_object();
    j.field("prior", hmm::to_string(job.train.prior));
    j.field("start", res.start);
    j.field("consensus_candidates", res.consensus_candidates); // consensus of starts (train.hpp; 0: not run)
    // Realignment (train.hpp, "Realignment"): what ran and which model was kept.
    j.key("realign").begin_object();
    j.field("mode", std::string{hmm::to_string(job.train.realign)});
    j.field("ran", res.realign.mode != hmm::realign_mode::off);
    j.field("kept", res.realign.kept);
    if (res.realign.mode != hmm::realign_mode::off)
    {
        j.field("first_length", res.realign.first_M);
        j.field("second_length", res.realign.second_M);
        j.field("first_agreement", res.realign.first_agreement);
        j.field("second_agreement", res.realign.second_agreement);
        j.field("first_accuracy", res.realign.first_accuracy);
        j.field("second_accuracy", res.realign.second_accuracy);
        j.field("first_objective", res.realign.first_objective);
        j.field("second_objective", res.realign.second_objective);
    }
    j.field("anneal_steps", job.train.realign_anneal);
    j.field("anneal_draws", job.train.realign_anneal_draws);
    j.field("anneal_vary", std::string{job.train.realign_anneal_vary_steps ? "steps" : "seed"});
    if (res.realign.anneal_M > 0)
    {
        j.field("anneal_length", res.realign.anneal_M);
        j.field("anneal_accuracy", res.realign.anneal_accuracy);
        j.field("anneal_objective", res.realign.anneal_objective);
        j.field("anneal_kept", res.realign.anneal_kept);
        j.field("anneal_kept_draw", res.realign.anneal_kept_draw);
    }
    if (!res.realign.anneal_message.empty())
        j.field("anneal_message", res.realign.anneal_message);
    j.field("consistency_start", job.train.consistency_start_max);
    if (res.realign.cstart_first_M > 0)
    {
        j.field("cstart_first_length", res.realign.cstart_first_M);
        j.field("cstart_first_accuracy", res.realign.cstart_first_accuracy);
        j.field("cstart_second_length", res.realign.cstart_second_M);
        j.field("cstart_second_accuracy", res.realign.cstart_second_accuracy);
        j.field("cstart_kept", res.realign.cstart_kept);
    }
    if (!res.realign.cstart_message.empty())
        j.field("cstart_message", res.realign.cstart_message);
    j.field("consistency", std::string{hmm::to_string(job.train.consistency)});
    if (res.realign.consistency_M > 0)
    {
        j.field("consistency_length", res.realign.consistency_M);
        j.field("consistency_accuracy", res.realign.consistency_accuracy);
        j.field("consistency_kept", res.realign.consistency_kept);
        j.field("consistency_keep", std::string{hmm::to_string(job.train.consistency_keep)});
        if (job.train.consistency_keep == hmm::consistency_keep_rule::pairs)
        {
            j.field("consistency_pairs_current", res.realign.consistency_pairs_current);
            j.field("consistency_pairs_candidate", res.realign.consistency_pairs_candidate);
        }
    }
    if (!res.realign.consistency_message.empty())
        j.field("consistency_message", res.realign.consistency_message);
    if (!res.realign.message.empty())
        j.field("message", res.realign.message);
    j.end_object();
    j.field("restarts", std::max(1, a.restarts));
    j.field("best_start", res.best_restart + 1);
    j.key("starts").begin_array();
    for (std::size_t r = 0; r < res.restarts.size(); ++r)
    {
        auto const & s = res.restarts[r];
        j.begin_object();
        j.field("start", s.restart + 1);
        auto const idx = static_cast<std::size_t>(s.restart);
        if (idx < res.start_sequences.size() && !res.start_sequences[idx].empty())
            j.field("seed_sequence", res.start_sequences[idx]);
        summary_restart(j, s, s.message);
        j.end_object();
    }
    j.end_array();
    j.field("anneal_iterations", res.anneal_iterations);
    j.field("mean_phase_iterations", res.mean_iterations);
    j.key("surgery").begin_array();
    for (auto const & r : res.surgery)
    {
        j.begin_object();
        j.field("round", r.round);
        j.field("old_length", r.old_M);
        j.field("new_length", r.new_M);
        j.field("deleted", r.deleted);
        j.field("inserted", r.inserted);
        j.field("objective_before", r.objective_before);
        if (r.old_M != r.new_M || r.deleted > 0)
        {
            j.field("objective_after", r.objective_after);
            j.field("iterations", r.iterations);
        }
        if (!r.message.empty())
            j.field("message", r.message);
        j.end_object();
    }
    j.end_array();
    j.key("model_lengths").begin_array();
    for (int len : res.lengths)
        j.value(len);
    j.end_array();
    j.field("iterations", res.iterations);
    summary_em_mode(j, res.stepwise);
    j.field("stop_reason", em::to_string(res.reason));
    j.field("objective", res.objective);
    j.field("log_likelihood", res.log_likelihood);
    j.field("log_prior", res.objective - res.log_likelihood);
    j.field("objective_decreases", res.decreases);
    // E-steps recomputed in log space (train.hpp, "Numerical robustness").
    j.key("logspace_fallback").begin_object();
    j.field("e_steps", res.logspace_e_steps);
    j.key("sequences").begin_array();
    for (auto const & [i, n] : res.logspace_sequences)
    {
        j.begin_object();
        j.field("name", run.record_name(i));
        j.field("length", static_cast<std::uint64_t>(run.record_length(i)));
        j.field("e_steps", n);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    // E-steps the float kernel failed or did not apply to (estep_simd.hpp), done in double.
    j.key("float_estep").begin_object();
    j.field("double_fallback_e_steps", res.float_fallback_e_steps);
    j.field("double_only_e_steps", res.double_only_e_steps);
    j.end_object();
    j.key("objective_trace").value(res.trace);
    j.key("calibration").begin_object();
    j.field("msv_mu", out.stats->msv_mu);
    j.field("viterbi_mu", out.stats->viterbi_mu);
    j.field("forward_tau", out.stats->forward_tau);
    j.field("lambda", out.stats->forward_lambda);
    j.end_object();
    summary_run(j, a.threads,
                {{"read_s", run.read_seconds}, {"weighting_s", res.weighting_seconds}, {"train_s", run.train_seconds}, {"calibrate_s", run.calibrate_seconds}, {"total_s", total_s}});
    j.end_object();
}

} // namespace

void hmm_train_run(hmm_train_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    hmm::training_job job = make_job(a);
    hmm::validate(job);
    check_output_path(a.output, a.input);
    check_output_path(a.json, a.input);
    check_output_path(a.multiqc, a.input);

    progress_bar bar{"emtk hmm train: iteration", 0};
    job.train.on_iteration = [&](int phase, em::iteration_info const & it) {
        std::string const what = phase == 0 ? "annealing, " : phase == 3 ? "posterior-mean phase, " : "";
        bar.update(static_cast<std::uint64_t>(it.iteration),
                   (phase == 2 ? "surgery round " + std::to_string(it.restart)
                               : what + "start " + std::to_string(it.restart + 1) + "/" +
                                     std::to_string(it.restarts)) +
                       " log posterior " + format_general(it.objective, 10));
    };
    hmm::training_run const run = hmm::run_training(job);
    bar.finish();
    log_training(a, run);
    auto const & res = run.result;
    auto const & set = run.set;

    // Model file.
    hmm::hmmer_model out;
    out.alphabet = set.type;
    out.name = a.name.empty() ? hmm::model_name_from_path(a.input) : a.name;
    out.hmm = res.hmm;
    out.nseq = static_cast<int>(run.sequences);
    out.effn = res.effective_sequences;
    out.date = hmm::hmmer_date(output_date());
    out.stats = run.stats;

    auto model_file = std::make_unique<atomic_output_file>(a.output);
    std::unique_ptr<atomic_output_file> json_file = a.json.empty() ? nullptr : std::make_unique<atomic_output_file>(a.json);
    hmm::write_hmmer(model_file->stream(), out);
    if (json_file)
    {
        json_writer j{json_file->stream()};
        write_summary(j, a, job, run, out, total.seconds());
    }
    model_file->commit();
    if (json_file)
        json_file->commit();
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "hmm train", "Profile HMMs trained from unaligned sequences (Baum-Welch, MAP-EM).",
                      sample_name(a.input),
                      {{"sequences", static_cast<double>(run.sequences)},
                       {"effective_sequences", res.effective_sequences},
                       {"model_length", static_cast<double>(res.hmm.M)},
                       {"iterations", static_cast<double>(res.iterations)},
                       {"log_posterior", res.objective}});
    log::summary("model " + out.name + ": M = " + std::to_string(res.hmm.M) + ", log posterior " +
              format_general(res.objective, 12) + ", " + std::to_string(res.iterations) + " iterations (" +
              em::to_string(res.reason) + "), start " + std::to_string(res.best_restart + 1));
}

} // namespace emtk::cli
