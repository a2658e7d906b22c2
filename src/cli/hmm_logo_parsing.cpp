/// \file
/// \brief Declares `emtk hmm logo`'s options on its SeqAn3 sub-parser and registers the subcommand.

#include "command_registry.hpp"
#include "em_parsing.hpp"
#include "hmm_logo.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

namespace {

void declare(seqan3::argument_parser & parser, hmm_logo_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "draw a sequence logo of a profile HMM as SVG";
    info.synopsis.push_back("emtk hmm logo [--name NAME] [--per-row N] -o logo.svg model.hmm");
    info.description.push_back(
        "Draws the match states of a HMMER3 model (from emtk or HMMER) as a sequence logo: each stack is as tall "
        "as the state's relative entropy to HMMER's background (information content above background, bits, "
        "as Skylign and hmmlogo), each residue takes its emission probability's share, the most probable on "
        "top. Long models wrap into rows. The SVG opens in any web browser.");
    info.examples.push_back("emtk hmm logo -o globins45.svg models/globins45.hmm");
    parser.add_positional_option(a.model, "Profile HMM file (HMMER3/a-f, plain or gzip; '-' for stdin).");
    parser.add_option(a.output, 'o', "output", "SVG file ('-' for stdout).", seqan3::option_spec::required);
    parser.add_option(a.name, 'n', "name", "Draw the model of this NAME (default: the first model of the file).");
    parser.add_option(a.per_row, '\0', "per-row", "Match states per row of the drawing.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1, 100000});
    declare_verbosity(parser, a.quiet, a.verbose);
    declare_reports(parser, a.json, a.multiqc, "Write a JSON run summary here (model, length, rows, timings).");
}

command_registrar const logo_registration{{"hmm", "logo", "sequence logo of a model as SVG",
                                       "emtk hmm logo needs a model file and -o logo.svg (see 'emtk hmm logo --help')",
                                       50, [](seqan3::argument_parser & sub) {
                                           hmm_logo_arguments args;
                                           declare(sub, args);
                                           sub.parse();
                                           hmm_logo_run(args);
                                       }}};

} // namespace

} // namespace emtk::cli
