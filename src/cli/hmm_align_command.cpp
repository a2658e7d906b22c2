/// \file
/// \brief `emtk hmm align`: read the model and the sequences, align (hmm/align.hpp), write the
/// Stockholm or A2M alignment (hmm/alignment_io.hpp) through an atomic output file.

#include "common.hpp"
#include "hmm_align.hpp"
#include "run_summary.hpp"

#include <emtk/hmm/align.hpp>
#include <emtk/hmm/alignment_io.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/residues.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/seq/sequence.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace emtk::cli {

namespace {

std::string display(std::string const & path) { return path == "-" ? "<stdin>" : path; }

} // namespace

void hmm_align_run(hmm_align_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    if (a.format != "stockholm" && a.format != "a2m")
        throw usage_error("--format must be stockholm or a2m, got '" + a.format + "'");
    if (a.model == "-" && a.input == "-")
        throw usage_error("the model and the sequences cannot both be read from stdin");
    check_output_path(a.output, a.input);
    check_output_path(a.output, a.model);
    check_summary_paths(a.json, a.multiqc, {a.input, a.model, a.output});

    // The model: the first of the file.
    hmm::hmmer_model model;
    {
        hmm::hmmer_reader reader(a.model);
        if (!reader.next(model))
            throw user_error(located_message(a.model, 0, "no HMMER3 model in the file"));
        hmm::hmmer_model extra;
        if (reader.next(extra))
            log::warning(display(a.model) + " holds more than one model: aligning to the first, " + model.name);
    }

    std::optional<seq::alphabet_type> forced;
    if (!a.alphabet.empty())
        forced = seq::alphabet::parse(a.alphabet);
    auto const & model_abc = seq::alphabet::get(model.alphabet);
    if (forced && *forced != model.alphabet)
        throw usage_error("--alphabet " + a.alphabet + " does not match the alphabet of model " + model.name + " (" +
                          std::string{model_abc.name()} + ")");
    seq::sequence_set set = seq::read_sequences(a.input, forced);
    if (!forced)
        if (auto problem = seq::mixed_alphabet_problem(set))
            throw option_input_error(*problem);
    if (set.type != model.alphabet)
        throw user_error(display(a.input) + ": the sequences are " +
                         std::string{seq::alphabet::get(set.type).name()} + " but model " + model.name + " (" +
                         display(a.model) + ") is " + std::string{model_abc.name()} +
                         " (use --alphabet to force the model's alphabet)");
    std::vector<std::string> names;
    std::vector<hmm::digital_sequence> xs;
    names.reserve(set.seqs.size());
    xs.reserve(set.seqs.size());
    for (auto const & s : set.seqs)
    {
        names.push_back(s.name);
        xs.emplace_back(s.dsq);
    }
    if (auto problem = hmm::stockholm_name_problem(names))
        throw user_error(display(a.input) + ": " + *problem);
    log::info("model " + model.name + " (M = " + std::to_string(model.hmm.M) + "), " + std::to_string(xs.size()) +
              " sequences");

    hmm::profile const prof = hmm::make_profile(model.hmm, hmm::residue_sets_of(model_abc),
                                                hmm::alignment_profile_options());
    auto const method = a.viterbi ? hmm::align_method::viterbi : hmm::align_method::optimal_accuracy;
    std::vector<hmm::alignment_trace> const traces = hmm::align_sequences(prof, xs, method, a.threads);
    double accuracy = 0;
    std::size_t residues = 0;
    for (std::size_t s = 0; s < traces.size(); ++s)
    {
        if (traces[s].path.empty())
            throw user_error(display(a.input) + ": record " + std::to_string(s + 1) + " (" + names[s] +
                             "): cannot be aligned to model " + model.name + " (no path emits it)");
        accuracy += traces[s].accuracy;
        residues += xs[s].size();
    }

    hmm::text_alignment text =
        hmm::make_text_alignment(prof.M, traces, xs, names, model_abc.symbols(), a.trim);
    for (std::size_t s = 0; s < set.seqs.size(); ++s)
        text.descriptions[s] = set.seqs[s].description;

    atomic_output_file out(a.output);
    if (a.format == "a2m")
        hmm::write_a2m(out.stream(), text);
    else
        hmm::write_stockholm(out.stream(), text);
    out.commit();
    double const mean_accuracy = residues ? accuracy / static_cast<double>(residues) : 0.0;
    if (!a.json.empty())
        write_no_em_summary(
            a.json, "emtk hmm align", std::nullopt, {a.model, a.input}, {xs.size(), 0, {}},
            [&](json_writer & j) {
                j.field("model", model.name);
                j.field("model_length", model.hmm.M);
                j.field("method", a.viterbi ? "viterbi" : "optimal_accuracy");
                j.field("format", a.format);
                j.field("residues", static_cast<std::uint64_t>(residues));
                j.field("columns", static_cast<std::uint64_t>(text.rf.size()));
                j.field("expected_accuracy", mean_accuracy);
            },
            a.threads, total.seconds());
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "hmm align", "Sequences aligned to a profile HMM (posterior decoding).",
                      sample_name(a.input),
                      {{"sequences", static_cast<double>(xs.size())},
                       {"columns", static_cast<double>(text.rf.size())},
                       {"expected_accuracy", mean_accuracy}});
    log::summary("aligned " + std::to_string(xs.size()) + " sequences (" + std::to_string(residues) +
                 " residues) to " + model.name + " (M = " + std::to_string(model.hmm.M) + "): " +
                 std::to_string(text.rf.size()) + " columns, expected accuracy " + json_writer::number(std::round(mean_accuracy * 1000) / 1000));
}

} // namespace emtk::cli
