/// \file
/// \brief Declares `emtk hmm search`'s options on its SeqAn3 sub-parser and registers the
/// subcommand.

#include "hmm_command.hpp"
#include "hmm_search.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void hmm_search_declare(seqan3::argument_parser & parser, hmm_search_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "search proteins or annotate DNA (both strands) with profile HMMs";
    info.synopsis.push_back("emtk hmm search [-E X | -T S] [-Z N] [--domZ N] [--tblout F] [--domtblout F] [--gff3 F] "
                            "[--bed F] [-t N] models.hmm targets.fa[.gz]");
    info.description.push_back(
        "Scores every target sequence against every model of a HMMER3 file (HMMER3/a-f, from emtk or HMMER, "
        "plain or gzip) as hmmsearch does: local multi-hit Forward score in bits against HMMER's null model, with "
        "the P-value from the model's STATS LOCAL FORWARD line and E-value = P-value x Z (Z = number of targets, "
        "or -Z). Targets first pass HMMER's accelerated filters (MSV, composition bias, Viterbi, Forward: --F1, "
        "--F2, --F3, --nobias; --max turns them off). No null2 bias correction: scores match "
        "'hmmsearch --max --nonull2'. Models without STATS lines are calibrated first (as emtk hmm train does).");
    info.description.push_back(
        "For each reported sequence, domains are found from posterior decoding (HMMER's domain definition "
        "heuristics), each envelope is rescored on its own (domain score, conditional E-value with domZ = "
        "number of reported sequences, independent E-value with Z) and aligned (optimal accuracy, as HMMER) to give the model "
        "and sequence coordinates.");
    info.description.push_back(
        "Targets are streamed in batches (memory does not grow with their number) and scored in parallel with "
        "-t; hits are listed per model in target input order, identical for any -t. The default output on "
        "stdout is a readable hit table; --tblout and --domtblout write tab-separated tables with a header line.");
    info.description.push_back(
        "DNA models (ALPH DNA or RNA, e.g. Dfam's) annotate DNA targets as nhmmer does: both strands (--watson, "
        "--crick for one), long sequences in overlapping windows (--window) filtered as nhmmer filters them (SSV "
        "diagonals, then Viterbi and Forward on the windows around them; --max turns this off), each hit a local "
        "alignment with "
        "its own score, composition-bias correction (--nonull2 turns it off) and E-value = P-value x Z, "
        "Z = residues searched (both strands) / the model's maximum hit length MAXL (-Z: database size in "
        "megabases). Minus-strand hits are reported as nhmmer does (from > to on the forward strand). "
        "--gff3 writes GFF3 (validated with genometools' gt gff3validator), --bed BED6; both also work for "
        "protein domains.");
    info.examples.push_back("emtk hmm search --tblout hits.tsv --domtblout domains.tsv -t 2 Pkinase.hmm proteome.fa.gz");
    info.examples.push_back("emtk hmm search --gff3 made1.gff3 --bed made1.bed -E 1e-3 MADE1.hmm chr1.fa.gz");
    info.examples.push_back("emtk hmm search -E 1e-5 models/globins45.hmm data/globins45.fa");

    parser.add_positional_option(a.models, "Profile HMMs: a HMMER3 file (one or many models, plain or .gz).");
    parser.add_positional_option(a.targets, "Target sequences: FASTA or FASTQ, plain or .gz; '-' for stdin.");
    parser.add_option(a.tblout, '\0', "tblout", "Write per-sequence hits as TSV here ('-' for stdout).");
    parser.add_option(a.domtblout, '\0', "domtblout", "Write per-domain hits as TSV here ('-' for stdout; protein "
                                                    "searches: DNA hits are single alignments, see --tblout).");
    parser.add_option(a.gff3, '\0', "gff3", "Write the hits (protein: reported domains) as GFF3 here ('-' for stdout).");
    parser.add_option(a.bed, '\0', "bed", "Write the hits (protein: reported domains) as BED6 here ('-' for stdout).");
    parser.add_option(a.json, '\0', "json", "Write a JSON run summary here (targets, hits per model, Z, timings).");
    parser.add_option(a.multiqc, '\0', "multiqc", "Write a MultiQC custom-content table here (name it *_mqc.json).");
    parser.add_option(a.evalue, 'E', "", "Report sequences with E-value <= this.");
    parser.add_option(a.bits, 'T', "", "Report sequences with score >= this (bits) instead of -E.");
    parser.add_option(a.dom_evalue, '\0', "domE", "Report domains with conditional E-value <= this.");
    parser.add_option(a.dom_bits, '\0', "domT", "Report domains with score >= this (bits) instead of --domE.");
    parser.add_option(a.Z, 'Z', "", "Search space for E-values: proteins, the number of targets to assume; "
                                     "DNA, the database size in megabases (default: what was searched).");
    parser.add_option(a.domZ, '\0', "domZ", "Search space for conditional domain E-values (default: the number "
                                            "of sequences reported for the model).");
    parser.add_flag(a.no_domains, '\0', "no-domains", "Per-sequence hits only (no domain definition; protein).");
    parser.add_flag(a.watson, '\0', "watson", "DNA: search the top (given) strand only.");
    parser.add_flag(a.crick, '\0', "crick", "DNA: search the bottom strand (reverse complement) only.");
    parser.add_flag(a.nonull2, '\0', "nonull2", "DNA: no composition-bias correction of hit scores.");
    parser.add_option(a.window, '\0', "window", "DNA: window length (residues); windows overlap by the model's "
                                               "maximum hit length.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1000, 100000000});
    parser.add_option(a.alphabet, '\0', "alphabet", "Alphabet of the targets (default: guessed from the data).",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"amino", "dna", "rna"});
    // Accelerated filter cascade (issue 15): hmmsearch's options and defaults.
    parser.add_option(a.F1, '\0', "F1", "Protein: MSV filter threshold: targets with MSV P-value > this are dropped.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0.0, 1.0});
    parser.add_option(a.F2, '\0', "F2", "Protein: Viterbi filter threshold (P-value).", seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{0.0, 1.0});
    parser.add_option(a.F3, '\0', "F3", "Protein: Forward filter threshold (P-value).", seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{0.0, 1.0});
    parser.add_flag(a.nobias, '\0', "nobias", "Protein: no composition-bias filter.");
    parser.add_flag(a.max, '\0', "max", "No filters at all (protein: full Forward on every target; DNA: every window fully "
                    "decoded, as nhmmer --max; slow).");
    parser.add_option(a.threads, 't', "threads", "Threads (output is identical for any number).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1, 1024});
    parser.add_flag(a.quiet, 'q', "quiet", "Only errors on stderr.");
    parser.add_flag(a.verbose, 'v', "verbose", "More messages on stderr.");
}

namespace {

hmm_registrar const search_registration{
    {"search", "search proteins (hits, domains) or annotate DNA, both strands (GFF3, BED)",
     "emtk hmm search needs models.hmm and targets.fa (see 'emtk hmm search --help')", 20,
     [](seqan3::argument_parser & sub) {
         hmm_search_arguments args;
         hmm_search_declare(sub, args);
         sub.parse();
         args.bits_set = sub.is_option_set('T');
         args.dom_bits_set = sub.is_option_set("domT");
         args.Z_set = sub.is_option_set('Z');
         args.domZ_set = sub.is_option_set("domZ");
         hmm_search_run(args);
     }}};

} // namespace

} // namespace emtk::cli
