/// \file
/// \brief Declares `emtk hmm emit`'s options on its SeqAn3 sub-parser and registers the tool.

#include "hmm_emit.hpp"
#include "command_registry.hpp"
#include "em_parsing.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void hmm_emit_declare(seqan3::argument_parser & parser, hmm_emit_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "sample sequences from a profile HMM, FASTA output";
    info.synopsis.push_back("emtk hmm emit [-N 10] [--seed S] [--mode glocal|local] [--name NAME | --index I] "
                            "[-o out.fa] model.hmm");
    info.description.push_back(
        "Samples sequences from a model of a HMMER3 file (the first one, or the one chosen with --name or --index): "
        "glocal mode draws whole paths through the core model (B to E, no flanks); local mode draws a fragment "
        "of the model uniformly and a path through it. Sequence i is drawn from its own random stream, so the "
        "first N sequences are the same for any larger -N, and the same --seed gives the same file. Records are "
        "named MODEL-sample1, MODEL-sample2, ...");
    info.examples.push_back("emtk hmm emit -N 100 --seed 7 -o sample.fa globins.hmm");
    info.examples.push_back("emtk hmm emit --name fn3 --mode local -N 5 Pfam-A.hmm");

    parser.add_positional_option(a.model, "Profile HMMs, HMMER3 text ('-' for stdin).");
    parser.add_option(a.output, 'o', "output", "Output FASTA ('-' for stdout).");
    parser.add_option(a.n, 'N', "number", "Number of sequences.", seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{1, 100000000});
    declare_seed(parser, a.seed, "Random seed: same model and seed give the same sequences.");
    parser.add_option(a.mode, '\0', "mode", "glocal: whole model paths; local: uniform model fragments.",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"glocal", "local"});
    parser.add_option(a.name, '\0', "name", "Use the model with this NAME (default: the first model).");
    parser.add_option(a.index, '\0', "index", "Use the model at this 1-based position in the file.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1, 100000000});
    declare_verbosity(parser, a.quiet, a.verbose);
    declare_reports(parser, a.json, a.multiqc, "Write a JSON run summary here (model, sequences, lengths, timings).");
}

namespace {

command_registrar const emit_registration{{"hmm", "emit", "sample sequences from a profile HMM, FASTA output",
                                       "emtk hmm emit needs a model (see 'emtk hmm emit --help')", 40,
                                       [](seqan3::argument_parser & sub) {
                                           hmm_emit_arguments args;
                                           hmm_emit_declare(sub, args);
                                           sub.parse();
                                           hmm_emit_run(args);
                                       }}};

} // namespace

} // namespace emtk::cli
