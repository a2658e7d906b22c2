/// \file
/// \brief Declares `emtk impute`'s options on its SeqAn3 sub-parser and registers the tool.

#include "impute_command.hpp"
#include "command_registry.hpp"
#include "em_parsing.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void impute_declare(seqan3::argument_parser & parser, impute_arguments & a)
{
    auto & info = parser.info;
    info.short_description = "impute missing genotypes with haplotype-cluster HMMs (fastPHASE, then templates) fitted by EM";
    info.synopsis.push_back("emtk impute [-K 12] [--restarts 1] [--max-iter 10] [--refine 5] [--templates 40] "
                            "[--haploid-states 200] [--window 2000 --overlap 200] [--method hapcluster|hwe] "
                            "[--region CHR:FROM-TO] [--seed S] [-t N] [--json FILE] -o out.vcf.gz in.vcf.gz|in.bcf");
    info.description.push_back(
        "Fills the missing genotypes ('./.', and half-missing calls such as './1') of a VCF/BCF. Each contig is cut "
        "into overlapping windows of markers; in each window the haplotype-cluster model of fastPHASE (Scheet & "
        "Stephens 2006: K clusters, per-interval jump rates, cluster weights and allele frequencies) is fitted by EM "
        "from --restarts random starts (cluster allele frequencies seeded from random samples' genotypes), and "
        "the posterior genotype probabilities of the missing genotypes are "
        "averaged over the starts. Every marker takes its result from the window where it is most central.");
    info.description.push_back(
        "Refinement (--refine ROUNDS, default 5; --refine 0 = pure fastPHASE): the fastPHASE fit phases every sample "
        "(a posterior draw of its two haplotypes); then, in each round, every sample is re-modelled as a mosaic of "
        "--templates haplotypes of the other samples (the nearest by Hamming distance in refinement windows of "
        "--refine-window markers): the same HMM with templates as clusters (diploid Li-Stephens, as IMPUTE2 and "
        "MaCH), its mismatch and jump rates fitted by EM, which re-phases the samples for the next round. The "
        "genotype probabilities are the mean over the last --refine-average rounds.");
    info.description.push_back(
        "Haploid stage (--haploid-states, default 200; 0 = off): after the rounds each haplotype is imputed again by "
        "a haploid Li-Stephens HMM over the other samples' haplotypes, with states chosen per block of "
        "--haploid-block markers for that haplotype alone (after --haploid-switch-passes passes of single phase "
        "switches); its genotype probabilities are pooled with the rounds' (--haploid-blend, weight --haploid-weight).");
    info.description.push_back(
        "Output: every observed genotype is kept exactly; each missing one gets the most probable genotype in GT. "
        "FORMAT/DS (ALT dosage) and FORMAT/GP (P of 0/0, 0/1, 1/1) are written for all samples (observed genotypes: "
        "hard values), INFO/AF (estimated ALT frequency), INFO/IMP_R2 (estimated r2 of the imputed dosages, like "
        "Beagle's DR2) and INFO/IMP_N (genotypes imputed). Multiallelic records, records without GT, records with "
        "haploid calls and records where every genotype is missing pass through unchanged and are counted in the "
        "--json summary. Records at the same position are imputed as separate markers.");
    info.description.push_back(
        "Output type from the name: .bcf = BCF with a .csi index, .gz = bgzipped VCF with a .tbi index, '-' = VCF on "
        "stdout. Results are identical for any -t. Memory grows with the records of one contig plus "
        "window x samples x 12 bytes and window x max(K, templates)^2 x 4 bytes per thread.");
    info.examples.push_back("emtk impute -o imputed.vcf.gz data/impute/example.vcf.gz");
    info.examples.push_back("emtk impute -K 16 -t 2 --json run.json -o imputed.bcf masked.vcf.gz");
    info.examples.push_back("emtk impute --method hwe -o baseline.vcf.gz data/impute/example.vcf.gz");
    info.examples.push_back("emtk impute --refine 0 -K 20 --restarts 2 -o fastphase.vcf.gz data/impute/example.vcf.gz");

    parser.add_positional_option(a.input, "Genotypes: VCF, VCF.gz or BCF; '-' for stdin.");
    parser.add_option(a.output, 'o', "output", "Output VCF/BCF ('.bcf', '.gz' or '-' for stdout).",
                      seqan3::option_spec::required);
    declare_reports(parser, a.json, a.multiqc, "Write a JSON run summary here.");
    parser.add_option(a.region, '\0', "region", "Only this region, CHR or CHR:FROM-TO (needs an index).");
    parser.add_option(a.method, '\0', "method",
                      "hapcluster: the haplotype-cluster HMM; hwe: per-site allele frequency (baseline).",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"hapcluster", "hwe"});
    parser.add_option(a.clusters, 'K', "clusters", "Haplotype clusters K.", seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{1, 100});
    declare_em_options(parser, a.restarts, a.max_iter, a.tol, //
                       {"Random starts per window; posteriors are averaged over them.", 1000,
                        "Maximum EM iterations per start.", 100000,
                        "Relative change of the log-likelihood at which EM stops."});
    parser.add_option(a.window, '\0', "window", "Markers per window.", seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{2, 100000000});
    parser.add_option(a.overlap, '\0', "overlap", "Markers shared by consecutive windows (< --window).",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 100000000});
    parser.add_option(a.refine, '\0', "refine",
                      "Template rounds after the fastPHASE fit (diploid Li-Stephens over the other samples' "
                      "haplotypes); 0 = pure fastPHASE.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 100});
    parser.add_option(a.templates, '\0', "templates", "Templates (nearest haplotypes) per sample and refinement window.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{2, 1000});
    parser.add_option(a.refine_window, '\0', "refine-window", "Markers per refinement window.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{2, 100000000});
    parser.add_option(a.refine_overlap, '\0', "refine-overlap",
                      "Markers shared by consecutive refinement windows (< --refine-window).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100000000});
    parser.add_option(a.refine_average, '\0', "refine-average",
                      "Genotype posteriors are averaged over the last N template rounds.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.template_block, '\0', "template-block",
                      "Templates are chosen again every N markers (composite templates; a multiple of 64; 0 = one "
                      "set per refinement window).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100000000});
    parser.add_option(a.haploid_states, '\0', "haploid-states",
                      "Haploid stage after the template rounds (each haplotype re-imputed from the other samples' "
                      "haplotypes, blended in): states per block and haplotype; 0 = no haploid stage.",
                      seqan3::option_spec::standard, seqan3::arithmetic_range_validator{0, 100000});
    parser.add_option(a.haploid_block, '\0', "haploid-block", "Haploid stage: markers per state block.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100000});
    parser.add_option(a.haploid_switch_passes, '\0', "haploid-switch-passes",
                      "Haploid stage: single-switch phasing passes before the imputation.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100});
    parser.add_option(a.haploid_switch_states, '\0', "haploid-switch-states",
                      "Haploid stage: states per block and haplotype of the switch passes.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100000});
    parser.add_option(a.haploid_weight, '\0', "haploid-weight",
                      "Haploid stage: weight of its genotype probabilities in the blend with the template rounds' "
                      "(0 = stage off, 1 = haploid only).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 1});
    parser.add_option(a.haploid_blend, '\0', "haploid-blend",
                      "Haploid stage: how its genotype probabilities are pooled with the template rounds': linear "
                      "((1-w) T + w H; w = --haploid-weight) or geometric (T^(1-w) H^w, normalised).",
                      seqan3::option_spec::advanced, seqan3::value_list_validator{"linear", "geometric"});
    parser.add_option(a.haploid_jump_scale, '\0', "haploid-jump-scale",
                      "Haploid stage: jump probability = this x the template rounds' fitted rate (at most 1).",
                      seqan3::option_spec::advanced);
    parser.add_option(a.haploid_pbwt, '\0', "haploid-pbwt",
                      "Haploid stage: haplotypes with the longest matches (PBWT neighbours) put first in each "
                      "block's states, per checkpoint (4 checkpoints per block; 0 = mismatch order only).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100000});
    parser.add_option(a.haploid_passes, '\0', "haploid-passes",
                      "Haploid stage: passes (each re-phases and re-imputes over the previous pass's haplotypes).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.haploid_average, '\0', "haploid-average",
                      "Haploid stage: its genotype probabilities are the mean over the last this many passes.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.haploid_flips, '\0', "haploid-flips",
                      "Haploid stage: 1 = flip single heterozygotes between a sample's haplotypes where both gain "
                      "(fixes lone mis-phased rare heterozygotes), 0 = off.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 1});
    parser.add_option(a.refine_flips, '\0', "refine-flips",
                      "1 = after each template round, flip single heterozygotes between a sample's haplotypes "
                      "where both gain (as --haploid-flips, over the haploid stage's switch states), 0 = off.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 1});
    parser.add_option(a.haploid_iterations, '\0', "haploid-iterations",
                      "Haploid stage: EM iterations for its mismatch rate (1 = the template rounds' rate).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 1000});
    parser.add_option(a.theta_min, '\0', "theta-min",
                      "Cluster allele frequencies are kept in [x, 1-x].", seqan3::option_spec::advanced);
    declare_seed(parser, a.seed, "Random seed: same input and seed give the same output.");
    declare_threads(parser, a.threads);
    // Reference panel (issue 20): geno/ref_impute.hpp.
    parser.add_option(a.ref, '\0', "ref",
                      "Impute to the markers of this phased reference panel (VCF.gz/BCF with a .tbi/.csi index): "
                      "study markers matched by position and alleles (swaps and strand flips handled), every panel "
                      "marker written with phased GT, DS, GP, INFO AF, IMP_R2 and the IMP flag for untyped markers.");
    parser.add_option(a.map, '\0', "map", "With --ref: PLINK genetic map (chrom id cM bp), interpolated linearly.");
    parser.add_option(a.cm_per_mb, '\0', "cm-per-mb", "With --ref and no --map: constant recombination rate.");
    parser.add_option(a.ne, '\0', "ne", "With --ref: effective population size in the jump rate.",
                      seqan3::option_spec::advanced);
    parser.add_option(a.fit_ne, '\0', "fit-ne",
                      "With --ref: fit Ne by EM in each window (with the mismatch rate, from the expected jumps of the "
                      "study haplotypes) and impute at the fitted value, --ne being the start (1/0).",
                      seqan3::option_spec::advanced);
    parser.add_option(a.edge_context, '\0', "edge-context",
                      "With --ref: choose the states of the blocks at a window's ends over as many typed markers as "
                      "inside (1/0).",
                      seqan3::option_spec::advanced);
    parser.add_option(a.end_scale, '\0', "end-scale",
                      "With --ref: the first and last state block of a contig get this many times the states in the "
                      "switch passes and the imputation (1 = as inside).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.viterbi_end_scale, '\0', "viterbi-end-scale",
                      "With --ref: the same for the phasing rounds after the first (their state pairs cost the square; "
                      "1 = as inside).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.ref_states, '\0', "ref-states", "With --ref: panel haplotypes per block (imputation).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100000});
    parser.add_option(a.phase_states, '\0', "phase-states", "With --ref: panel haplotypes per block (phasing).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 1000});
    parser.add_option(a.phase_rounds, '\0', "phase-rounds",
                      "With --ref: phasing rounds (later rounds choose states from the current haplotypes).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100});
    parser.add_option(a.ref_block, '\0', "ref-block", "With --ref: typed markers per state block.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100000});
    parser.add_option(a.ref_window, '\0', "ref-window", "With --ref: panel markers per window.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{2, 100000000});
    parser.add_option(a.ref_overlap, '\0', "ref-overlap", "With --ref: panel markers shared by windows.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100000000});
    parser.add_option(a.ref_error, '\0', "ref-error", "With --ref: starting mismatch rate (fitted by EM).",
                      seqan3::option_spec::advanced);
    parser.add_flag(a.ref_fixed_error, '\0', "ref-fixed-error", "With --ref: keep --ref-error, do not fit it.",
                    seqan3::option_spec::advanced);
    parser.add_option(a.switch_passes, '\0', "switch-passes",
                      "With --ref: single-switch phasing passes after the Viterbi rounds.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100});
    parser.add_option(a.switch_states, '\0', "switch-states",
                      "With --ref: states per block and haplotype of the switch passes.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100000});
    parser.add_option(a.shift_blocks, '\0', "shift-blocks",
                      "With --ref: phasing round r of R shifts the state blocks' boundaries by r/R of a block (1/0).",
                      seqan3::option_spec::advanced);
    parser.add_option(a.impute_offsets, '\0', "impute-offsets",
                      "With --ref: average the imputation over this many shifts of the state blocks' boundaries.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 8});
    parser.add_option(a.het_flips, '\0', "het-flips",
                      "With --ref: after each switch pass, exchange the alleles of heterozygous markers where that "
                      "raises the pair's likelihood, alone or in runs of up to this many consecutive heterozygotes "
                      "(0 = off).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 8});
    parser.add_option(a.phase_mix, '\0', "phase-mix",
                      "With --ref: re-judge every switch between heterozygotes whose posterior in the last switch "
                      "pass is at least this by the imputation's likelihoods of both phasings (0 = off).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 1});
    parser.add_option(a.phase_mix_margin, '\0', "phase-mix-margin",
                      "With --ref and --phase-mix: make such a switch when its log-likelihood ratio exceeds this.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 1000});
    parser.add_option(a.phase_mix_soft, '\0', "phase-mix-soft",
                      "With --ref and --phase-mix: between the two heterozygotes of a switch not made, mix both "
                      "phasings' imputations by their likelihoods (1/0).",
                      seqan3::option_spec::advanced);
    parser.add_option(a.phase_mix_runs, '\0', "phase-mix-runs",
                      "With --ref and --phase-mix: also judge two uncertain switches of a sample at most this many "
                      "apart together (the heterozygotes between them exchanged; 0 = single switches only).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 16});
    parser.add_option(a.phase_mix_offsets, '\0', "phase-mix-offsets",
                      "With --ref and --phase-mix: impute the samples whose phase was changed again over at least "
                      "this many block offsets, averaged (1 = as the other samples).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 8});
    parser.add_option(a.phase_mix_redraw, '\0', "phase-mix-redraw",
                      "With --ref and --phase-mix: impute every sample with an uncertain switch again over "
                      "--phase-mix-offsets offsets, its phase changed or not (1/0; 0 = only the re-phased samples).",
                      seqan3::option_spec::advanced);
    parser.add_option(a.ref_pbwt, '\0', "ref-pbwt",
                      "With --ref: haplotypes with the longest matches (PBWT neighbours) put first in the states "
                      "of the switch passes and of the imputation, per checkpoint (0 = mismatch order only).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 100000});
    parser.add_flag(a.no_study_templates, '\0', "no-study-templates",
                    "With --ref: phasing rounds after the first use panel haplotypes only, not the other study "
                    "samples' haplotypes.",
                    seqan3::option_spec::advanced);
    parser.add_option(a.min_posterior, '\0', "min-posterior",
                      "With --ref: state posteriors below this are dropped in the imputation (sparse).",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{0, 1});
    declare_verbosity(parser, a.quiet, a.verbose);
}

namespace {

command_registrar const impute_registration{
    {"", "impute", "impute missing genotypes of a VCF/BCF (haplotype-cluster HMM)",
     "emtk impute needs an input VCF/BCF and -o OUTPUT (see 'emtk impute --help')", 40,
     [](seqan3::argument_parser & sub) {
         impute_arguments args;
         impute_declare(sub, args);
         sub.parse();
         impute_run(args);
     }}};

} // namespace

} // namespace emtk::cli
