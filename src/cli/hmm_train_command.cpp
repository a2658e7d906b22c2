/// \file
/// \brief `emtk hmm train`: read sequences, train (hmm/train.hpp), calibrate (hmm/calibrate.hpp),
/// write the HMMER3/f model and the JSON summary.

#include "common.hpp"
#include "run_summary.hpp"
#include "hmm_command.hpp"

#include <emtk/hmm/build.hpp>
#include <emtk/hmm/calibrate.hpp>
#include <emtk/hmm/msa.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/seq/sequence.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>
#include <emtk/version.hpp>

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>

namespace emtk::cli {

namespace {

std::string format_g(double v, int digits)
{
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
    return std::string(buf, res.ptr);
}

/// The model name from the input path: the file name without .gz and a sequence extension.
std::string default_name(std::string const & input)
{
    if (input == "-")
        return "emtk_model";
    std::string n = std::filesystem::path{input}.filename().string();
    for (char const * ext : {".gz", ".fasta", ".fastq", ".fas", ".faa", ".fna", ".fa", ".fq", ".seq", ".txt"})
    {
        std::string const e{ext};
        if (n.size() > e.size() && n.compare(n.size() - e.size(), e.size(), e) == 0)
            n.resize(n.size() - e.size());
    }
    for (auto & c : n)
        if (c == ' ' || c == '\t')
            c = '_';
    return n.empty() ? "emtk_model" : n;
}


} // namespace

void hmm_train_run(hmm_train_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);

    hmm::train_options opt;
    if (!hmm::parse_prior_kind(a.prior, opt.prior))
        throw usage_error("--prior must be none, laplace or default, got '" + a.prior + "'");
    int const n_seeds = !a.seed_seq.empty() + !a.seed_msa.empty() + !a.seed_hmm.empty();
    if (n_seeds > 1)
        throw usage_error("--seed-seq, --seed-msa and --seed-hmm are exclusive: give one");
    if (n_seeds == 1 && a.length > 0)
        throw usage_error("--length cannot be combined with a seed: the seed sets the model length");
    if (!(a.tol > 0))
        throw usage_error("--tol must be > 0");
    if (!(a.anneal_noise >= 0))
        throw usage_error("--anneal-noise must be >= 0");
    if (!(a.weight_id > 0 && a.weight_id <= 1))
        throw usage_error("--weight-id must be in (0, 1]");
    check_output_path(a.output, a.input);
    check_output_path(a.json, a.input);
    check_output_path(a.multiqc, a.input);

    std::optional<seq::alphabet_type> forced;
    if (!a.alphabet.empty())
        forced = seq::alphabet::parse(a.alphabet);

    // Read.
    stopwatch read_clock;
    seq::sequence_set set = seq::read_sequences(a.input, forced);
    if (!forced)
        if (auto problem = seq::mixed_alphabet_problem(set))
            throw user_error(*problem);
    std::size_t residues = 0;
    for (auto const & s : set.seqs)
        residues += s.dsq.size();
    double const read_s = read_clock.seconds();
    std::string const shown = a.input == "-" ? std::string{"<stdin>"} : a.input;
    log::info("read " + std::to_string(set.seqs.size()) + " sequences (" + std::to_string(residues) + " residues, " +
              std::string{seq::alphabet::get(set.type).name()} + ") from " + shown);

    opt.length = a.length;
    opt.seed_sequence = a.seed_seq;
    opt.restarts = a.restarts;
    opt.seed = a.seed;
    opt.threads = a.threads;
    opt.max_iter = a.max_iter;
    opt.mean_phase_iter = a.no_mean_phase ? 0 : a.max_iter; // posterior-mean phase (train.hpp): bounded like the clean phase
    opt.tol = a.tol;
    if (!em::parse_em_mode(a.em_mode, opt.mode))
        throw usage_error("--stepwise must be auto, on or off, got '" + a.em_mode + "'");
    opt.stepwise.batch_size = a.batch_size;
    opt.stepwise.max_passes = a.passes;
    opt.anneal_steps = a.anneal;
    opt.anneal_noise = a.anneal_noise;
    opt.weighting = !a.no_weights;
    opt.weight_identity = a.weight_id;
    if (!(a.effn >= 0))
        throw usage_error("--effn must be >= 0");
    opt.effective_number = a.effn;
    opt.entropy_weighting = !a.no_entropy;
    if (!(a.ere >= 0))
        throw usage_error("--ere must be >= 0");
    opt.re_target = a.ere;
    opt.surgery_rounds = a.surgery > 0 ? a.surgery : (a.surgery_flag ? 3 : 0);
    if (!a.seed_hmm.empty())
    {
        auto models = hmm::read_hmmer_all(a.seed_hmm);
        auto & m = models.front();
        if (m.alphabet != set.type)
            throw user_error(a.seed_hmm + ": the seed model is " + std::string{seq::alphabet::get(m.alphabet).name()} +
                             " but " + shown + " holds " + std::string{seq::alphabet::get(set.type).name()} +
                             " sequences");
        if (models.size() > 1)
            log::warning(a.seed_hmm + " holds " + std::to_string(models.size()) + " models; starting from the first (" +
                         m.name + ")");
        opt.start_model = std::move(m.hmm);
    }

    if (!a.seed_msa.empty())
    {
        // The start: a model built from the seed alignment as hmmbuild would (build.hpp).
        hmm::msa aln = hmm::read_msa(a.seed_msa, set.type);
        hmm::build_options bopt;
        bopt.prior = opt.prior;
        bopt.effn_rule = hmm::effective_number::entropy;
        opt.start_model = hmm::build_profile_hmm(aln, bopt).hmm;
        log::info("seed alignment " + a.seed_msa + ": " + std::to_string(aln.size()) + " rows, " +
                  std::to_string(aln.columns()) + " columns, " + std::to_string(opt.start_model->M) +
                  " match states");
    }

    // Warnings about data that make a poor training set.
    if (set.seqs.size() >= 2)
    {
        std::size_t shortest = set.seqs.front().dsq.size();
        for (auto const & s : set.seqs)
            shortest = std::min(shortest, s.dsq.size());
        if (a.length > 0 && static_cast<std::size_t>(a.length) > 2 * shortest)
            log::warning("the model length " + std::to_string(a.length) + " is over twice the shortest sequence (" +
                         std::to_string(shortest) + " residues): short sequences are explained by delete states");
    }

    // Train.
    stopwatch train_clock;
    progress_bar bar{"emtk hmm train: iteration", 0};
    opt.on_iteration = [&](int phase, em::iteration_info const & it) {
        std::string const what = phase == 0 ? "annealing, " : phase == 3 ? "posterior-mean phase, " : "";
        bar.update(static_cast<std::uint64_t>(it.iteration),
                   (phase == 2 ? "surgery round " + std::to_string(it.restart)
                               : what + "start " + std::to_string(it.restart + 1) + "/" +
                                     std::to_string(it.restarts)) +
                       " log posterior " + format_g(it.objective, 10));
    };
    hmm::train_result res = hmm::train_profile_hmm(set, opt);
    bar.finish();
    double const train_s = train_clock.seconds();
    if (res.reason == em::stop_reason::max_iter && res.stepwise.used)
        log::warning("stepwise training did not converge in " + std::to_string(a.passes) + " passes (raise --passes)");
    else if (res.reason == em::stop_reason::max_iter)
        log::warning("training did not converge in " + std::to_string(a.max_iter) +
                     " iterations (raise --max-iter or loosen --tol)");
    log::info(std::string{"sequence weights and centrality ("} + (res.weights_exact ? "all pairs" : "MinHash candidates") +
              ") in " + format_g(res.weighting_seconds, 3) + " s; effective sequences " +
              format_g(res.effective_sequences, 6));
    if (!res.logspace_sequences.empty())
    {
        std::string names;
        for (std::size_t j = 0; j < res.logspace_sequences.size() && j < 5; ++j)
            names += (j ? ", " : "") + set.seqs[res.logspace_sequences[j].first].name;
        if (res.logspace_sequences.size() > 5)
            names += ", …";
        log::info(std::to_string(res.logspace_e_steps) + " E-steps of " + std::to_string(res.logspace_sequences.size()) +
                  " sequences (" + names +
                  ") ran in log space: out of the scaled kernel's range against the model (slower, same result)");
    }
    if (res.decreases > 0)
        log::warning("the log posterior decreased " + std::to_string(res.decreases) +
                     " times during training beyond round-off (please report this)");
    {
        std::size_t shorter = 0;
        for (auto const & s : set.seqs)
            shorter += s.dsq.size() * 2 < static_cast<std::size_t>(res.hmm.M);
        if (shorter * 2 > set.seqs.size())
            log::warning(std::to_string(shorter) + " of " + std::to_string(set.seqs.size()) +
                         " sequences are shorter than half the model length (" + std::to_string(res.hmm.M) + ")");
    }

    // Model file.
    hmm::hmmer_model out;
    out.alphabet = set.type;
    out.name = a.name.empty() ? default_name(a.input) : a.name;
    out.hmm = res.hmm;
    out.nseq = static_cast<int>(set.seqs.size());
    out.effn = res.effective_sequences;
    out.date = hmm::hmmer_date(output_date());
    stopwatch calibrate_clock;
    {
        // E-value calibration as hmmbuild does (calibrate.hpp): STATS LOCAL MSV/VITERBI/FORWARD.
        hmm::calibrate_options copt;
        copt.seed = a.seed;
        copt.threads = a.threads;
        hmm::profile_hmm scored = res.hmm;
        scored.null = hmm::hmmer_background(set.type);
        out.stats = hmm::calibrate(scored, set.type, copt);
    }
    double const calibrate_s = calibrate_clock.seconds();

    auto model_file = std::make_unique<atomic_output_file>(a.output);
    std::unique_ptr<atomic_output_file> json_file = a.json.empty() ? nullptr : std::make_unique<atomic_output_file>(a.json);
    hmm::write_hmmer(model_file->stream(), out);
    if (json_file)
    {
        json_writer j{json_file->stream()};
        j.begin_object();
        summary_head(j, "emtk hmm train", static_cast<std::uint64_t>(a.seed), {a.input});
        summary_records(j, record_counts{static_cast<std::uint64_t>(set.seqs.size()), 0, {}});
        j.key("input").begin_object();
        j.field("file", a.input);
        j.field("alphabet", std::string{seq::alphabet::get(set.type).name()});
        j.field("sequences", static_cast<std::uint64_t>(set.seqs.size()));
        j.field("residues", static_cast<std::uint64_t>(residues));
        j.field("effective_sequences", res.effective_sequences);
        j.key("entropy_scales").value(res.entropy_scales);
        j.field("weights", std::string{res.weights_exact ? "exact" : "minhash"}); // weighting.hpp's mode
        j.end_object();
        j.key("model").begin_object();
        j.field("name", out.name);
        j.field("length", res.hmm.M);
        j.field("file", a.output);
        j.end_object();
        j.field("prior", hmm::to_string(opt.prior));
        j.field("start", res.start);
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
            if (s.reason == em::stop_reason::degenerate || s.reason == em::stop_reason::diverged)
                j.key("objective").null();
            else
                j.field("objective", s.objective);
            j.field("iterations", s.iterations);
            j.field("stop_reason", em::to_string(s.reason));
            if (!s.message.empty())
                j.field("message", s.message);
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
            j.field("name", set.seqs[i].name);
            j.field("length", static_cast<std::uint64_t>(set.seqs[i].dsq.size()));
            j.field("e_steps", n);
            j.end_object();
        }
        j.end_array();
        j.end_object();
        j.key("objective_trace").value(res.trace);
        j.key("calibration").begin_object();
        j.field("msv_mu", out.stats->msv_mu);
        j.field("viterbi_mu", out.stats->viterbi_mu);
        j.field("forward_tau", out.stats->forward_tau);
        j.field("lambda", out.stats->forward_lambda);
        j.end_object();
        summary_run(j, a.threads,
                    {{"read_s", read_s}, {"weighting_s", res.weighting_seconds}, {"train_s", train_s}, {"calibrate_s", calibrate_s}, {"total_s", total.seconds()}});
        j.end_object();
    }
    model_file->commit();
    if (json_file)
        json_file->commit();
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "hmm train", "Profile HMMs trained from unaligned sequences (Baum-Welch, MAP-EM).",
                      sample_name(a.input),
                      {{"sequences", static_cast<double>(set.seqs.size())},
                       {"effective_sequences", res.effective_sequences},
                       {"model_length", static_cast<double>(res.hmm.M)},
                       {"iterations", static_cast<double>(res.iterations)},
                       {"log_posterior", res.objective}});
    log::summary("model " + out.name + ": M = " + std::to_string(res.hmm.M) + ", log posterior " +
              format_g(res.objective, 12) + ", " + std::to_string(res.iterations) + " iterations (" +
              em::to_string(res.reason) + "), start " + std::to_string(res.best_restart + 1));
}

} // namespace emtk::cli
