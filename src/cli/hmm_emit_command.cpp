/// \file
/// \brief `emtk hmm emit`: select a model of a HMMER3 file, sample sequences (hmm/emit.hpp), write
/// FASTA through an atomic output file.

#include "common.hpp"
#include "hmm_emit.hpp"
#include "run_summary.hpp"

#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>

namespace emtk::cli {

void hmm_emit_run(hmm_emit_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    if (a.mode != "glocal" && a.mode != "local")
        throw usage_error("--mode must be glocal or local, got '" + a.mode + "'");
    if (!a.name.empty() && a.index > 0)
        throw usage_error("--name and --index are exclusive: give one");
    if (a.n < 1)
        throw usage_error("-N must be at least 1");
    check_output_path(a.output, a.model, "model file");
    check_summary_paths(a.json, a.multiqc, {a.model, a.output});
    std::string const shown = a.model == "-" ? "<stdin>" : a.model;

    // Select the model, streaming the file (memory does not grow with the number of models).
    hmm::hmmer_model model;
    bool found = false;
    int count = 0;
    {
        hmm::hmmer_reader reader(a.model);
        while (reader.next(model))
        {
            ++count;
            if ((a.name.empty() && a.index == 0) || (!a.name.empty() && model.name == a.name) || count == a.index)
            {
                found = true;
                break;
            }
        }
    }
    if (!found)
    {
        if (count == 0)
            throw user_error(located_message(a.model, 0, "no HMMER3 model in the file"));
        if (!a.name.empty())
            throw user_error(shown + ": no model named '" + a.name + "' (the file holds " + std::to_string(count) +
                             (count == 1 ? " model)" : " models)"));
        throw user_error(shown + ": no model number " + std::to_string(a.index) + " (the file holds " +
                         std::to_string(count) + (count == 1 ? " model)" : " models)"));
    }

    hmm::emit_options opt;
    opt.local = a.mode == "local";
    seq::sequence_set const set =
        hmm::emit_sequences(model.hmm, model.alphabet, static_cast<std::size_t>(a.n), a.seed, opt);
    auto const & abc = seq::alphabet::get(model.alphabet);

    atomic_output_file out(a.output);
    std::ostream & os = out.stream();
    std::string line;
    std::uint64_t residues = 0;
    for (std::size_t s = 0; s < set.seqs.size(); ++s)
    {
        os << '>' << model.name << "-sample" << (s + 1) << '\n';
        auto const & dsq = set.seqs[s].dsq;
        residues += dsq.size();
        for (std::size_t from = 0; from < dsq.size(); from += 60)
        {
            line.clear();
            for (std::size_t i = from; i < std::min(dsq.size(), from + 60); ++i)
                line.push_back(abc.symbol(dsq[i]));
            os << line << '\n';
        }
    }
    out.commit();
    double const mean_length = set.seqs.empty() ? 0.0 : static_cast<double>(residues) / static_cast<double>(set.seqs.size());
    // Records: the models read; those before the selected one are passed over.
    record_counts const models_read{1, static_cast<std::uint64_t>(count - 1),
                                    count > 1 ? std::vector<std::pair<std::string, std::uint64_t>>{
                                                    {"not selected", static_cast<std::uint64_t>(count - 1)}}
                                              : std::vector<std::pair<std::string, std::uint64_t>>{}};
    if (!a.json.empty())
        write_no_em_summary(
            a.json, "emtk hmm emit", a.seed, {a.model}, models_read,
            [&](json_writer & j) {
                j.field("model", model.name);
                j.field("model_length", model.hmm.M);
                j.field("mode", a.mode);
                j.field("sequences", static_cast<std::uint64_t>(set.seqs.size()));
                j.field("residues", residues);
                j.field("mean_length", mean_length);
            },
            1, total.seconds());
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "hmm emit", "Sequences sampled from a profile HMM.", sample_name(a.model),
                      {{"sequences", static_cast<double>(set.seqs.size())}, {"mean_length", mean_length}});
    log::summary("emitted " + std::to_string(set.seqs.size()) + (set.seqs.size() == 1 ? " sequence (" : " sequences (") + a.mode + ", mean length " +
                 json_writer::number(std::round(mean_length * 10) / 10) + ") from model " + model.name + " (M = " + std::to_string(model.hmm.M) + ")");
}

} // namespace emtk::cli
