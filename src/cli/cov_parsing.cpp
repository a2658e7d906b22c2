/// \file
/// \brief Declares `emtk cov`'s options on its SeqAn3 sub-parser and registers the tool.

#include "cov_command.hpp"
#include "command_registry.hpp"
#include "em_parsing.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void cov_declare(seqan3::argument_parser & parser, cov_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "read depth in windows (mosdepth's semantics) and copy-number states by EM";
    info.synopsis.push_back("emtk cov [-w 1000 | --by windows.bed] [--region chr:a-b] [-Q 0] [-F 1796] [--segment] "
                            "[--family nb|poisson|gaussian] [--max-cn 6] [-t N] -o PREFIX sample.bam|sample.cram");
    info.synopsis.push_back("emtk cov --depth-bed [options] -o PREFIX sample.regions.bed.gz");
    info.description.push_back(
        "Computes the mean per-base depth of every window from a coordinate-sorted BAM/CRAM exactly as "
        "'mosdepth -n --by W' does (exclude flags, MAPQ, CIGAR-aware counting, overlapping mates counted once; "
        "--fast-mode as mosdepth -x), or reads mosdepth's regions file (--depth-bed). Then fits a copy-number "
        "mixture whose component means are CN x haploid depth (CN 0 ... --max-cn; negative binomial, Poisson or "
        "Gaussian) with emtk's EM core, or an untied mixture with K chosen by BIC (--free), and with --segment an HMM "
        "over consecutive windows (Baum-Welch, Viterbi segments with a posterior quality).");
    info.description.push_back(
        "Writes PREFIX.windows.bed.gz (+ .tbi: chrom, start, end, depth, CN, posterior), PREFIX.segments.bed "
        "(chrom, start, end, CN, windows, mean depth, quality = mean posterior of the CN), PREFIX.json (haploid "
        "depth, weights, BIC table, objective traces, reads used and filtered) and PREFIX.svg; from a BAM/CRAM also "
        "mosdepth's PREFIX.mosdepth.summary.txt, PREFIX.mosdepth.global.dist.txt and PREFIX.mosdepth.region.dist.txt "
        "(MultiQC's mosdepth module reads them). With --reference, "
        "depths are GC-corrected before the fit (not in the depth column). A failed run leaves no output file.");
    info.examples.push_back("emtk cov -t 2 --segment -o out/sample data/cov/sample.bam");
    info.examples.push_back("emtk cov -w 500 --region chr1:1-500000 -Q 20 -o out/chr1 sample.bam");
    info.examples.push_back("emtk cov --depth-bed --read-length 150 -o out/s s.regions.bed.gz");

    parser.add_positional_option(a.input, "Coordinate-sorted BAM/CRAM (indexed for --region and threads), or "
                                          "mosdepth's regions.bed(.gz) with --depth-bed.");
    parser.add_option(a.output, 'o', "output", "Output prefix.", seqan3::option_spec::required);
    declare_reports(parser, a.json, a.multiqc, "Write the JSON summary here instead of PREFIX.json.");
    parser.add_flag(a.depth_bed, '\0', "depth-bed", "The input is mosdepth's PREFIX.regions.bed(.gz) (its last column).");
    parser.add_option(a.window, 'w', "window", "Window size in bp (windows tile each chromosome from 0).");
    parser.add_option(a.by, '\0', "by", "BED file of windows instead of -w.");
    parser.add_option(a.region, '\0', "region", "Only this region: CHROM or CHROM:START-END (1-based); needs an index.");
    parser.add_option(a.chroms, '\0', "chroms", "Only these chromosomes (comma-separated).");
    parser.add_option(a.exclude_chroms, '\0', "exclude-chroms",
                      "Skip chromosomes whose name matches this regular expression (e.g. '_alt$|_decoy$|^HLA-').");
    parser.add_option(a.exclude_flags, 'F', "exclude-flags", "Skip records with any of these SAM flags.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 65535});
    parser.add_option(a.include_flags, '\0', "include-flags", "Keep only records with one of these flags (0: all).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 65535});
    parser.add_option(a.mapq, 'Q', "mapq", "Skip records with a mapping quality below this.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 255});
    parser.add_flag(a.fast_mode, 'x', "fast-mode", "Count each record from start to end: no CIGAR, no mate overlap "
                                                   "(mosdepth -x).");
    parser.add_option(a.reference, 'r', "reference", "Indexed FASTA: the CRAM reference; also turns on GC correction.");
    parser.add_option(a.fasta, 'f', "fasta", "The same as --reference (mosdepth's name of the option).");
    parser.add_flag(a.no_gc, '\0', "no-gc-correction", "With --reference, do not GC-correct the depths.");
    parser.add_option(a.read_length, '\0', "read-length",
                      "--depth-bed with a count family: the read length that turns depths into read counts.");
    parser.add_option(a.family, '\0', "family", "Component family.", seqan3::option_spec::standard,
                      seqan3::value_list_validator{"nb", "negbin", "poisson", "gaussian"});
    parser.add_option(a.max_cn, '\0', "max-cn", "Largest copy number (states 0 ... max-cn).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.ploidy, '\0', "ploidy", "Copy number of most of the genome (sets the haploid depth's start).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.cn0_mean, '\0', "cn0-mean", "Mean of CN 0 as a fixed fraction of the haploid depth.",
                      seqan3::option_spec::advanced);
    parser.add_flag(a.free, '\0', "free", "Untied mixture with K = 1 ... max-cn+1 chosen by BIC; components mapped to "
                                          "copy numbers by their means.");
    parser.add_flag(a.segment, '\0', "segment", "HMM segmentation over consecutive windows (Baum-Welch + Viterbi).");
    declare_em_options(parser, a.restarts, a.max_iter, a.tol, //
                       {"Starts of the mixture fit; the best objective wins.", 1000,
                        "Maximum EM iterations.", 1000000,
                        "Relative convergence tolerance of EM."});
    declare_seed(parser, a.seed, "Random seed (restarts beyond the first).");
    declare_threads(parser, a.threads, "Threads: decompression, chromosomes, E-steps (output identical for any).");
    declare_verbosity(parser, a.quiet, a.verbose);
}

namespace {

command_registrar const cov_registration{{"", "cov",
                                          "read depth in windows and copy-number states (mixture + HMM segmentation)",
                                          "emtk cov needs an alignment file and -o PREFIX (see 'emtk cov --help')", 30,
                                          parse_and_run<cov_arguments, cov_declare, cov_run>, "",
                                          "window=-w/--window,by_bed=--by,exclude_flags=-F,min_mapq=-Q"}};

} // namespace

} // namespace emtk::cli
