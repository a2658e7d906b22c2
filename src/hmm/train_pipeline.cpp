/// \file
/// \brief `emtk hmm train`'s pipeline (train_pipeline.hpp): read → start → train → calibrate.

#include <emtk/hmm/build.hpp>
#include <emtk/hmm/calibrate.hpp>
#include <emtk/hmm/msa.hpp>
#include <emtk/hmm/train_pipeline.hpp>
#include <emtk/hmm/train_stream.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/log.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace emtk::hmm {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string shown_name(std::string const & input) { return input == "-" ? std::string{"<stdin>"} : input; }

/// The start model of --seed-hmm / --seed-msa into opt.start_model (nothing without one).
void load_start(training_job const & job, seq::sequence_set const & set, train_options & opt)
{
    if (!job.seed_hmm.empty())
    {
        auto models = read_hmmer_all(job.seed_hmm);
        auto & m = models.front();
        if (m.alphabet != set.type)
            throw user_error(job.seed_hmm + ": the seed model is " + std::string{seq::alphabet::get(m.alphabet).name()} +
                             " but " + shown_name(job.input) + " holds " +
                             std::string{seq::alphabet::get(set.type).name()} + " sequences");
        if (models.size() > 1)
            log::warning(job.seed_hmm + " holds " + std::to_string(models.size()) +
                         " models; starting from the first (" + m.name + ")");
        opt.start_model = std::move(m.hmm);
    }
    if (!job.seed_msa.empty())
    {
        // The start: a model built from the seed alignment as hmmbuild would (build.hpp).
        msa aln = read_msa(job.seed_msa, set.type);
        build_options bopt;
        bopt.prior = opt.prior;
        bopt.effn_rule = effective_number::entropy;
        opt.start_model = build_profile_hmm(aln, bopt).hmm;
        log::info("seed alignment " + job.seed_msa + ": " + std::to_string(aln.size()) + " rows, " +
                  std::to_string(aln.columns()) + " columns, " + std::to_string(opt.start_model->M) +
                  " match states");
    }
}

} // namespace

void validate(training_job const & job)
{
    train_options const & o = job.train;
    int const n_seeds = !o.seed_sequence.empty() + !job.seed_msa.empty() + !job.seed_hmm.empty();
    if (n_seeds > 1)
        throw option_error(field_name("seed_sequence") + ", " + field_name("seed_msa") + " and " +
                           field_name("seed_hmm") + " are exclusive: give one");
    if (n_seeds == 1 && o.length > 0)
        throw option_error(field_name("length") + " cannot be combined with a seed: the seed sets the model length");
    if (!(o.tol > 0))
        throw option_error(field_name("tol") + " must be > 0");
    if (!(o.anneal_noise >= 0))
        throw option_error(field_name("anneal_noise") + " must be >= 0");
    if (!(o.weight_identity > 0 && o.weight_identity <= 1))
        throw option_error(field_name("weight_identity") + " must be in (0, 1]");
    if (!(o.effective_number >= 0))
        throw option_error(field_name("effective_number") + " must be >= 0");
    if (!(o.re_target >= 0))
        throw option_error(field_name("re_target") + " must be >= 0");
}

training_run run_training(training_job const & job)
{
    validate(job);
    training_run run;
    std::optional<seq::alphabet_type> forced;
    if (!job.alphabet.empty())
        forced = seq::alphabet::parse(job.alphabet);
    auto clock = std::chrono::steady_clock::now();
    train_options opt = job.train;
    read_training_set(job, forced, run, opt);
    seq::sequence_set const & set = run.set;
    if (!forced)
        if (auto problem = seq::mixed_alphabet_problem(set))
            throw option_input_error(*problem);
    run.read_seconds = seconds_since(clock);
    log::info("read " + std::to_string(run.sequences) + " sequences (" + std::to_string(run.residues) +
              " residues, " + std::string{seq::alphabet::get(set.type).name()} + ") from " + shown_name(job.input) +
              (run.spool ? "; streamed from a temporary spool, " + std::to_string(set.seqs.size()) +
                               " sampled for the weights and the start"
                         : std::string{}));

    load_start(job, set, opt);
    if (set.seqs.size() >= 2)
    {
        std::size_t shortest = set.seqs.front().dsq.size();
        for (auto const & s : set.seqs)
            shortest = std::min(shortest, s.dsq.size());
        if (opt.length > 0 && static_cast<std::size_t>(opt.length) > 2 * shortest)
            log::warning("the model length " + std::to_string(opt.length) + " is over twice the shortest sequence (" +
                         std::to_string(shortest) + " residues): short sequences are explained by delete states");
    }

    clock = std::chrono::steady_clock::now();
    run.result = train_profile_hmm(set, opt);
    run.train_seconds = seconds_since(clock);

    // E-value calibration as hmmbuild does (calibrate.hpp): STATS LOCAL MSV/VITERBI/FORWARD.
    clock = std::chrono::steady_clock::now();
    calibrate_options copt;
    copt.seed = opt.seed;
    copt.threads = opt.threads;
    profile_hmm scored = run.result.hmm;
    scored.null = hmmer_background(set.type);
    run.stats = calibrate(scored, set.type, copt);
    run.calibrate_seconds = seconds_since(clock);
    return run;
}

std::string model_name_from_path(std::string const & input)
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

} // namespace emtk::hmm
