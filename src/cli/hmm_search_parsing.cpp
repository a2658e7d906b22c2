/// \file
/// \brief Declares `emtk hmm search`'s options on its SeqAn3 sub-parser and registers the
/// subcommand.

#include "command_registry.hpp"
#include "em_parsing.hpp"
#include "hmm_search.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void hmm_search_declare(seqan3::argument_parser & parser, hmm_search_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "search proteins or annotate DNA (both strands) with profile HMMs";
    info.synopsis.push_back("emtk hmm search [-o F] [-A F] [--tblout F] [--domtblout F] [--dfamtblout F] [--tsv F] "
                            "[--noali] [-E X | -T S | --cut_ga] [--incE X] [-Z N] [--gff3 F] [--bed F] [--cpu N] "
                            "models.hmm targets");
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
        "Targets (FASTA, FASTQ, EMBL/UniProt or GenBank, plain or gzip) are streamed in batches (memory does not "
        "grow with their number) and scored in parallel with -t/--cpu; output is identical for any -t.");
    info.description.push_back(
        "Outputs a HMMER user's pipeline reads unchanged: the main report on stdout (or -o) in hmmsearch's layout "
        "(hits sorted by E-value, '!' included / '?' reported-only domains, alignments unless --noali), "
        "--tblout and --domtblout (nhmmer's --tblout and --dfamtblout for DNA) in HMMER's space-separated "
        "layouts with its comment header and footer, -A a Stockholm alignment of the included domains. Bias "
        "columns are 0.0 for proteins (scores are not null2-corrected). emtk's own tab-separated tables with a "
        "header line: --tsv (per sequence, DNA per hit) and --domtsv (per domain). The footer's date is "
        "SOURCE_DATE_EPOCH when set.");
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
    info.examples.push_back("emtk hmm search --tblout hits.tbl --domtblout domains.tbl --cpu 2 Pkinase.hmm proteome.fa.gz");
    info.examples.push_back("emtk hmm search --cut_ga -A kinases.sto -o report.txt Pkinase.hmm uniprot.dat");
    info.examples.push_back("emtk hmm search --gff3 made1.gff3 --bed made1.bed -E 1e-3 MADE1.hmm chr1.fa.gz");
    info.examples.push_back("emtk hmm search -E 1e-5 models/globins45.hmm data/globins45.fa");

    parser.add_positional_option(a.models, "Profile HMMs: a HMMER3 file (one or many models, plain or .gz).");
    parser.add_positional_option(a.targets, "Target sequences: FASTA, FASTQ, EMBL/UniProt or GenBank, plain or .gz; "
                                            "'-' for stdin.");
    parser.add_option(a.output, 'o', "", "Write the main report here instead of stdout.");
    parser.add_option(a.msa, 'A', "", "Write a Stockholm alignment of the included domains here (protein).");
    parser.add_option(a.tblout, '\0', "tblout", "Write per-sequence hits (DNA: per hit) as HMMER's table here ('-' "
                                              "for stdout).");
    parser.add_option(a.domtblout, '\0', "domtblout", "Write per-domain hits as HMMER's table here ('-' for stdout; "
                                                    "protein searches).");
    parser.add_option(a.dfamtblout, '\0', "dfamtblout", "DNA: write the hits as nhmmer's Dfam table here.");
    parser.add_option(a.tsv, '\0', "tsv", "Write per-sequence hits (DNA: per hit) as TSV with a header line here.");
    parser.add_option(a.domtsv, '\0', "domtsv", "Write per-domain hits as TSV with a header line here (protein).");
    parser.add_flag(a.noali, '\0', "noali", "No alignments in the main report.");
    parser.add_option(a.gff3, '\0', "gff3", "Write the hits (protein: reported domains) as GFF3 here ('-' for stdout).");
    parser.add_option(a.bed, '\0', "bed", "Write the hits (protein: reported domains) as BED6 here ('-' for stdout).");
    declare_reports(parser, a.json, a.multiqc, "Write a JSON run summary here (targets, hits per model, Z, timings).");
    parser.add_option(a.evalue, 'E', "", "Report sequences with E-value <= this.");
    parser.add_option(a.bits, 'T', "", "Report sequences with score >= this (bits) instead of -E.");
    parser.add_option(a.dom_evalue, '\0', "domE", "Report domains with conditional E-value <= this.");
    parser.add_option(a.dom_bits, '\0', "domT", "Report domains with score >= this (bits) instead of --domE.");
    parser.add_option(a.Z, 'Z', "", "Search space for E-values: proteins, the number of targets to assume; "
                                     "DNA, the database size in megabases (default: what was searched).");
    parser.add_option(a.inc_evalue, '\0', "incE", "Include (mark '!', -A) sequences with E-value <= this.");
    parser.add_option(a.inc_bits, '\0', "incT", "Include sequences with score >= this (bits) instead of --incE.");
    parser.add_option(a.incdom_evalue, '\0', "incdomE", "Include domains with conditional E-value <= this.");
    parser.add_option(a.incdom_bits, '\0', "incdomT", "Include domains with score >= this instead of --incdomE.");
    parser.add_flag(a.cut_ga, '\0', "cut_ga", "Use each model's GA gathering cutoffs as -T/--domT/--incT/--incdomT.");
    parser.add_flag(a.cut_tc, '\0', "cut_tc", "Use each model's TC trusted cutoffs as thresholds.");
    parser.add_flag(a.cut_nc, '\0', "cut_nc", "Use each model's NC noise cutoffs as thresholds.");
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
    declare_threads(parser, a.threads);
    parser.add_option(a.cpu, '\0', "cpu", "Threads (HMMER's name for -t).", seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{1, 1024});
    declare_verbosity(parser, a.quiet, a.verbose);
}

namespace {

command_registrar const search_registration{
    {"hmm", "search", "search proteins (hits, domains) or annotate DNA, both strands (GFF3, BED)",
     "emtk hmm search needs models.hmm and targets.fa (see 'emtk hmm search --help')", 20,
     [](seqan3::argument_parser & sub) {
         hmm_search_arguments args;
         hmm_search_declare(sub, args);
         sub.parse();
         args.bits_set = sub.is_option_set('T');
         args.dom_bits_set = sub.is_option_set("domT");
         args.Z_set = sub.is_option_set('Z');
         args.domZ_set = sub.is_option_set("domZ");
         args.inc_bits_set = sub.is_option_set("incT");
         args.incdom_bits_set = sub.is_option_set("incdomT");
         args.cpu_set = sub.is_option_set("cpu");
         hmm_search_run(args);
     },
     "",
     "bits=-T,dom_bits=--domT,cut_ga=--cut_ga,cut_tc=--cut_tc,cut_nc=--cut_nc"}};

} // namespace

} // namespace emtk::cli
