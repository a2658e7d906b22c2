/// \file
/// \brief Declares `emtk hmm align`'s options on its SeqAn3 sub-parser and registers the tool.

#include "hmm_align.hpp"
#include "command_registry.hpp"
#include "em_parsing.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void hmm_align_declare(seqan3::argument_parser & parser, hmm_align_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "align sequences to a profile HMM (optimal accuracy or Viterbi), Stockholm or A2M";
    info.synopsis.push_back("emtk hmm align [--format stockholm|a2m] [--trim] [--viterbi] [-t N] [-o out.sto] "
                            "model.hmm seqs.fa");
    info.description.push_back(
        "Aligns every sequence to the first model of a HMMER3 file as hmmalign does: glocal (the whole model, "
        "part of the sequence), one hit per sequence, posterior decoding and the optimal-accuracy path (the valid "
        "path with the largest sum of posterior probabilities of its residues), or the most probable (Viterbi) "
        "path with --viterbi. Sequences: FASTA or FASTQ, plain or .gz, '-' for stdin, in the model's alphabet.");
    info.description.push_back(
        "Stockholm output (default): match columns in upper case ('-' for a deleted match state), insert columns "
        "in lower case padded with '.', a '#=GC RF' line ('x' on match columns) and per sequence a '#=GR NAME PP' "
        "line with HMMER's posterior codes ('0'-'9' for tenths, '*' for 0.95 and above, '.' on gaps). Residues "
        "before the first and after the last match are shown as flank inserts at the ends; --trim leaves them out. "
        "A2M: FASTA with the same upper/lower case and '-', without the '.' padding. The output is identical for "
        "any -t.");
    info.examples.push_back("emtk hmm align -o globins.sto globins.hmm data/globins45.fa");
    info.examples.push_back("emtk hmm align --trim --format a2m -t 2 -o family.a2m family.hmm family.fa.gz");

    parser.add_positional_option(a.model, "Profile HMM, HMMER3 text (the first model of the file is used).");
    parser.add_positional_option(a.input, "Sequences: FASTA or FASTQ, plain or .gz; '-' for stdin.");
    parser.add_option(a.output, 'o', "output", "Output alignment ('-' for stdout).");
    parser.add_option(a.format, '\0', "format", "Output format.", seqan3::option_spec::standard,
                      seqan3::value_list_validator{"stockholm", "a2m"});
    parser.add_flag(a.trim, '\0', "trim", "Leave out the residues before the first and after the last match.");
    parser.add_flag(a.viterbi, '\0', "viterbi", "Report the Viterbi path instead of the optimal-accuracy path.");
    parser.add_option(a.alphabet, '\0', "alphabet", "Alphabet of the sequences (default: guessed from the data).",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"amino", "dna", "rna"});
    declare_threads(parser, a.threads);
    declare_verbosity(parser, a.quiet, a.verbose);
    declare_reports(parser, a.json, a.multiqc,
                    "Write a JSON run summary here (sequences, residues, columns, expected accuracy, timings).");
}

namespace {

command_registrar const align_registration{{"hmm", "align", "align sequences to a profile HMM, Stockholm or A2M output",
                                        "emtk hmm align needs a model and sequences (see 'emtk hmm align --help')",
                                        30, [](seqan3::argument_parser & sub) {
                                            hmm_align_arguments args;
                                            hmm_align_declare(sub, args);
                                            sub.parse();
                                            hmm_align_run(args);
                                        }}};

} // namespace

} // namespace emtk::cli
