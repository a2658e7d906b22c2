#pragma once
/// \file
/// \brief `emtk impute --ref`: imputation of a study (array-like genotypes) to the markers of a
/// phased reference panel (issue 20).
///
/// Pipeline, per panel contig that the study has (contig names with or without "chr"):
///  1. The panel is streamed in windows of `window` markers overlapping by `overlap` (only one
///     window of bit-packed haplotypes is in memory: window × H / 8 bytes); each marker is matched
///     to the study's markers at its position (panel.hpp: same alleles, swapped, strand-flipped).
///     Matched markers are the window's typed markers.
///  2. Phasing: every study sample's genotypes at the typed markers are phased by the Viterbi path of
///     the diploid Li–Stephens HMM over pairs of `phase_states` panel haplotypes chosen per block of
///     typed markers (ref_hmm.hpp); `phase_rounds` − 1 more Viterbi rounds choose the states from
///     the current haplotypes, among the panel's and the other study samples' haplotypes of the
///     previous round (as Beagle and SHAPEIT iterate); then `switch_passes` passes of single-switch
///     refinement (ref_phase_switches: linear in the states, so each haplotype gets
///     `switch_states`). On the benchmark's seed 21, 2 switch passes after 3 Viterbi rounds took the
///     switch error at the typed heterozygotes from 0.27% to 0.13% (1,000 panel haplotypes; Beagle
///     0.06%) and from 0.18% to 0.08% (5,000; Beagle 0.01%); the defaults (2 rounds + 3 passes)
///     0.14% and 0.14%.
///  3. The mismatch rate ε is fitted by EM (em::fit over the 2N study haplotypes: expected
///     mismatches / observed alleles), starting from the previous window's value (the first from
///     `error`). Fixed: the jump probabilities (from the genetic map and `ne`: ρ = 1 − exp(−0.04
///     Ne d_cM / H), Beagle's form), ε of the phasing stage (the value fitted in the previous window).
///  4. Imputation: each study haplotype's state posteriors at the typed markers (haploid HMM over
///     `states` haplotypes per block), interpolated linearly in cM between the flanking typed
///     markers (Beagle's approximation: it ignores the emissions between typed markers, exact at
///     the typed markers, and both flanking posteriors are exact); P(ALT) of the haplotype at a
///     panel marker = Σ_states posterior × the state's allele, over the states with posterior ≥
///     `min_posterior` (rescaled to sum 1: Beagle's sparse state probabilities), so the
///     interpolation costs the few likely states per marker, not `states`.
///  5. Output per panel marker in the core of its window (the markers not in the outer half of an
///     overlap): GT phased (each haplotype's more probable allele; observed genotypes kept exactly,
///     phased), DS = p1 + p2, GP = ((1−p1)(1−p2), p1(1−p2) + p2(1−p1), p1 p2), INFO AF (mean
///     dosage / 2), IMP_R2 (Beagle's DR2: var(DS) / E[var(G)] over all samples), IMP (flag: the
///     marker was not typed in the study).
///
/// Multiallelic panel records: split into one biallelic marker per ALT allele (panel.hpp), each
/// imputed as a marker of its own, and re-joined into one output record (as `bcftools norm -m-`
/// then `-m+`): per haplotype the ALT probabilities are scaled to sum to at most 1 (an observed
/// ALT excludes the others), REF takes the rest; GT is the most probable allele, DS, AF and IMP_R2
/// per ALT (Number=A), GP over the (A+1)(A+2)/2 genotypes in VCF order. A study record typed for
/// one ALT (biallelic, e.g. after `bcftools norm -m-`) matches that ALT's marker.
///
/// Markers of the study that are not in the panel, or whose alleles do not match, are left out and
/// counted; so are multiallelic study records (the output holds the panel's markers, as Beagle's
/// does; split them with `bcftools norm -m-` to use them) and panel records without ALT. Deterministic: no random numbers (ties in the state
/// selection by a hash of the sample); parallel over samples with every result in its own slot.

#include <emtk/em/options.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief Options of ref_impute. Defaults are documented here.
///
/// Chosen on the benchmark's simulations (scripts/impute_ref_simulate.sh OUT 1000|5000 200 2000000
/// 0.05 1: 200 study samples typed at 5% of the markers; discordance at the untyped markers,
/// 2 threads on a loaded machine). Panel of 1,000 haplotypes (Beagle 5.4: 0.236%, 22 s):
///
///     phase states  rounds  block  states   discordance  wall s
///     32            1       24     160      0.389%        8.8
///     64            1       24     160      0.316%       11.9
///     32            3       24     160      0.304%       15.8
///     96            3       24     160      0.256%       21.3
///     128           2       24     160      0.248%       23.9
///     64            3       48     160      0.269%       14.5   (the defaults before the switch passes)
///
/// Panel of 5,000 haplotypes (Beagle 5.4: 0.045%): defaults with blocks of 24 0.086%, 48 0.083%;
/// 320 states 0.078%; Ne 2e4 / 1e5 / 5e5: 0.087% / 0.086% / 0.104%. Phasing carries most of the
/// remaining gap on the small panel (S² pairs per typed marker), state choice on the large one.
///
/// Since (2026-12-05; seed 21 of the benchmark, not one of the seeds of bench/README.md's table):
/// the switch passes (2 × 100 states per haplotype) took 0.271% / 0.083% (1,000 / 5,000 panel;
/// Beagle 0.231% / 0.043%) to 0.248% / 0.068%; 4 passes 0.245% / 0.067%, 3 × 200 states 0.249% /
/// 0.067% (kept 2 × 100). With the switch passes, 160 / 400 / 800 imputation states gave 0.248% /
/// 0.232% / 0.230% and 0.068% / 0.057% / 0.054%; with the true phase (each true haplotype imputed
/// as a homozygous sample) the 5,000 panel reaches 0.060% / 0.049% / 0.045% (160 / 400 / 800):
/// the rest of the gap there is the states, not the phase. 400 states cost ~1.6× the CPU of 160
/// without the sparse posteriors; with them and 2 EM iterations for ε (4 before: the objective
/// changes by < 0.1% after the second) the CPU stays below Beagle's. A fixed ε (1e-4 or 3e-5)
/// gives the same discordance as the fitted one. Rounds: 2 Viterbi rounds instead of 3 save
/// ~12% of the CPU at the same discordance within the noise of the phasing (seeds 1 and 21);
/// defaults: 2 Viterbi rounds + 3 switch passes (seed 1: 0.243% / 0.064%, seed 21: 0.235% /
/// 0.063%, against 0.240% / 0.066% and 0.241% / 0.057% with 3 rounds + 2 passes).
///
/// PBWT longest-match states (`pbwt`, ref_pbwt_neighbours: up to 4 × pbwt haplotypes per block
/// put first in the switch passes' and the imputation's state sets; 2026-12-06, one run each
/// beside Beagle 5.4, bench/README.md), discordance 1,000 / 5,000 panel:
///
///     seed   pbwt 0            pbwt 8            pbwt 32           Beagle 5.4
///     1      0.243% / 0.064%   0.244% / 0.049%   0.243% / 0.054%   0.236% / 0.045%
///     7      0.226% / 0.060%   0.225% / 0.055%   0.229% / 0.056%   0.225% / 0.051%
///     13     0.234% / 0.047%   0.232% / 0.038%   0.226% / 0.037%   0.224% / 0.035%
///     21     - / 0.063%        - / 0.049%        -                 - / 0.043% (held out)
///
/// (seed 1, 5,000 panel: pbwt 4 0.054%, 16 0.051%.) The longest matches are what the mismatch
/// count over a block and its neighbours misses on a large panel: many haplotypes tie there, and
/// the ones that match on for longest are the closest relatives. Same CPU (±5%), same memory.
///
/// Shifted blocks (2026-12-07, bench/README.md "Shifted state blocks"): the discordance moves by up
/// to ±20% on the 5,000 panel with the block size alone (seed 1: blocks of 24 / 48 / 72 / 96:
/// 0.061% / 0.049% / 0.045% / 0.057%), i.e. with where the boundaries fall. `shift_blocks` and
/// `impute_offsets` 2 (all without het_flips), discordance 1,000 / 5,000 panel (Beagle 5.4 beside):
///
///     seed   default           shift_blocks      + impute_offsets 2   Beagle 5.4
///     1      0.244% / 0.049%   0.241% / 0.048%   0.240% / 0.046%      0.236% / 0.045%
///     7      0.225% / 0.055%   0.219% / 0.049%   0.215% / 0.048%      0.225% / 0.051%
///     13     0.232% / 0.038%   0.232% / 0.039%   0.228% / 0.038%      0.224% / 0.035%
///     21     0.234% / 0.049%   0.241% / 0.047%   0.240% / 0.047%      0.231% / 0.043% (held out)
///
/// Mean / worst ratio to Beagle over the four seeds, 5,000 panel: 1.10 / 1.14 (default), 1.06 /
/// 1.11 (shift_blocks), 1.04 / 1.09 (both); 1,000 panel 1.02 / 1.04 for all three. Of the size of
/// the seed-to-seed noise, no seed brought to ≤ 1.0×, `impute_offsets 2` at 1.3–1.6× the CPU:
/// both off by default. Both with 300 states (about the default's CPU): 5,000 panel 1.05 / 1.11,
/// 1,000 panel 1.01 / 1.04 (seed 21 0.239% / 0.047%). Tried and not kept: switch passes that decide each switch given the
/// ones already made (a backward sweep), 5 switch passes × 200 states, 96 phase states, 800
/// imputation states: none better than the default beyond the noise on the seeds measured.
///
/// Heterozygote flips (`het_flips`, ref_phase_flips after each switch pass; default since
/// 2026-12-07). Single switches cannot mend one heterozygote with its alleles exchanged (two
/// switches one marker apart, each judged alone); on seed 31's 5,000 panel such isolated errors
/// were most of emtk's 30 switch errors (Beagle 3). Discordance 1,000 / 5,000 panel, without →
/// with (Beagle 5.4): seed 1 0.244% → 0.238% / 0.049% → 0.049% (0.236% / 0.045%), 7 0.225% →
/// 0.214% / 0.055% → 0.050% (0.225% / 0.051%), 13 0.232% → 0.226% / 0.038% → 0.035% (0.224% /
/// 0.035%), 21 0.234% → 0.225% / 0.049% → 0.043% (0.231% / 0.043%), 31 0.274% → 0.264% / 0.053% →
/// 0.045% (0.267% / 0.039%); +5–30% CPU (one more forward-backward of each haplotype per switch
/// pass), still ≤ 0.73× Beagle's.
///
/// Runs of flips (`het_flips` N > 1: up to N consecutive heterozygotes exchanged together; session
/// 11, bench/README.md "Where the remaining 5,000-panel errors are"): errors at the untyped markers
/// of the 5,000 panel, N = 1 → 2, seeds 1 / 7 / 13 / 21 / 31: 677 / 707 / 477 / 601 / 639 → 675 /
/// 707 / 469 / 585 / 651 (Beagle 611 / 716 / 477 / 606 / 558); N = 3 on seeds 1 / 31: 675 / 659.
/// The worst seed gets worse (a lone heterozygote mis-phased where a run was judged better): 1 kept.
///
/// Edge context (`edge_context`, default since 2026-12-07, session 12): the first and last state
/// blocks of a window were matched over 2 blocks (the block and its one neighbour) and a wider
/// context cut at the end, so at the chromosome's ends the states were chosen on fewer typed
/// markers than inside (more ties, the true donor's relatives missed); seed 31's 5,000 panel had
/// 81 of its 130 emtk-only errors within 100 kb of the first or last typed marker. Now the span is
/// moved inwards (block 0 over blocks 0–2, its context over 0–8). Errors at the untyped markers,
/// default → edge_context (Beagle 5.4), 5,000 panel seeds 1 / 31 / 7 / 13 / 21: 677 / 639 / 707 /
/// 477 / 601 → 668 / 612 / 704 / 475 / 602 (611 / 558 / 716 / 477 / 606); 1,000 panel seeds 1 / 13:
/// 2825 / 2702 → 2792 / 2730 (2800 / 2684). Total 8,628 → 8,583; the worst change +28 (seed 13,
/// 1,000 panel: one sample's segment is ±30–60 errors there). Same CPU. Also walking the end
/// blocks' own PBWT checkpoint twice as far (it is counted twice there): 609 / 667 / 707 / 476 on
/// seeds 31 / 1 / 7 / 13 of the 5,000 panel, 2846 on seed 1's 1,000 panel: not kept.
///
/// States at the ends (`end_scale` 2.5, default since session 13, panel13): the first block of a
/// contig and its last get 2.5× the states in the switch passes (250 per haplotype) and the
/// imputation (1,000). There the HMM sees one side's typed markers only: the posterior at the
/// end follows the composition of the state set among the many haplotypes that match those
/// markers, and a small set put emtk confidently on the wrong donor where Beagle was split
/// (seed 31: samples 57, 61, 179 at the ends; 1,000 states in every block mended 57 and 61 at
/// +45% CPU). Errors at the untyped markers, 1 → 2.5 (Beagle 5.4), 5,000 panel seeds 1 / 31 / 7 /
/// 13 / 21 / 41: 668 / 612 / 704 / 475 / 602 / 570 → 664 / 582 / 704 / 474 / 596 / 551 (611 / 558 /
/// 716 / 477 / 606 / 543); 1,000 panel seeds 1 / 13 / 41: 2792 / 2730 / 2730 → 2758 / 2729 / 2742
/// (2800 / 2684 / 2784); seed 41 not used while choosing. CPU: the imputation's and switch
/// passes' forward-backward +30% (72 of 360 typed markers in the end blocks), partly paid back by
/// the carrier sums of the interpolation (ref_impute.cpp): +6.6% instructions in all (seed 31). Not in the Viterbi rounds (their pairs cost the square of the states), and only at
/// the contig's ends (a window's other ends lie in the overlap, not written). Half the end
/// blocks' states by the inward span and half by the block's own span instead: worse (seed 31
/// 643, seed 1 699).
///
/// In the Viterbi round 2 (`viterbi_end_scale` 1.25, default since session 14): the end blocks'
/// state selection takes 1.25× the states per haplotype (pairs of up to 80 states instead of 64).
/// Errors at the untyped markers, 1 → 1.25, 1,000 panel seeds 1 / 13 / 41: 2758 / 2729 / 2742 →
/// 2746 / 2684 / 2742 (Beagle 2800 / 2684 / 2784); 5,000 panel seeds 1 / 31 / 7 / 13 / 21 / 41:
/// 664 / 582 / 704 / 474 / 596 / 551 → 664 / 585 / 704 / 474 / 596 / 543; +3.2% instructions
/// (cachegrind, -t 1, seed 13's 1,000 panel). 1.5 gained 13 more errors on seed 1's 1,000 panel at
/// +7.0% instructions; 2.5 (160 states) the same as 1.5 at +25–60% CPU. bench/README.md, "Viterbi
/// end states".
///
/// Ne by EM (`fit_ne`, off): ε and Ne fitted together (the expected jumps of the study haplotypes
/// over the imputation states; ref_fit_ne), the imputation run at the fitted Ne (29–31 thousand on
/// the 5,000 panel, Beagle's own estimate 47–64 thousand for its model). Errors, default → fit_ne:
/// 5,000 panel seeds 1 / 31 / 7: 677 / 639 / 707 → 688 / 639 / 707; 1,000 panel seed 1: 2825 → 2989,
/// at +10–25% CPU. The jump rate that fits emtk's model best is not the one that imputes best.
///
/// Phase by the imputation's likelihood (`phase_mix`, default since session 15, panel15): the
/// switch passes judge each switch with 100 + 100 states per pair; where a switch's posterior
/// there is ≥ 1% (42 / 46 switches over the 200 samples of seeds 1 / 31 of the 5,000 panel), the
/// pair with that switch is imputed as two more haplotypes (400 states each, chosen with the PBWT
/// neighbours of the study haplotype whose alleles each block holds), and the switch is made when
/// the imputation's log-likelihood of that pair (the sum of its two haplotypes') exceeds the
/// current pair's by more than 1 (`phase_mix_margin`); those samples are then imputed again with
/// their switches (PBWT rows updated). Where both models are uncertain the imputation's (more
/// states, its own per haplotype) is the better judge: seed 1's samples 54 and 137 (a switch across
/// a 23 kb gap, Beagle right) mended. Errors at the untyped markers, main → phase_mix (Beagle 5.4),
/// 5,000 panel seeds 1 / 31 (tuning), 7 / 13 (held out), 21 / 41: 664 / 585 / 704 / 474 / 596 /
/// 543 → 644 / 572 / 686 / 460 / 583 / 561 (611 / 558 / 716 / 477 / 606 / 543); 1,000 panel seed 1
/// (held out): 2746 → 2726 (2800). Seed 41's loss is two samples whose switches were right at the
/// typed heterozygotes (switch errors 3 → 1) but whose imputation got worse. Margin 0 made wrong
/// switches (seed 31: 592; log ratios 0.25–0.9 in the samples that got worse), 2 left a right one
/// (581). Mixing both phasings' P(ALT) in the stretch of the switches not made
/// (`phase_mix_soft`): seeds 1 / 31 / 7 / 13 of the 5,000 panel and 1 of the 1,000: 642 / 577 /
/// 703 / 458 / 2737 against 644 / 572 / 686 / 460 / 2726 without — not kept. CPU +4–7% (5,000
/// panel), +25% (1,000: more uncertain switches), memory +3 / +13 MB. bench/README.md "Phase by
/// the imputation's likelihood".
struct ref_impute_options
{
    std::string study;              ///< VCF/BCF with the study's genotypes ("-" = stdin)
    std::string panel;              ///< phased, indexed VCF.gz/BCF
    std::string output;             ///< VCF/BCF ("-" = stdout; .gz bgzipped + .tbi; .bcf + .csi)
    std::string map;                ///< PLINK map ("" = constant rate)
    double cm_per_mb = 1.0;         ///< rate without a map (and outside a contig of one map line)
    double ne = 100000;             ///< effective population size in ρ (Beagle's default)
    /// Ne fitted by EM in each window with ε (ref_fit_ne: expected jumps of the study haplotypes over
    /// the imputation states), the imputation then run at the fitted value; the phasing keeps `ne`.
    /// Off: measured worse (see "Ne by EM" above).
    bool fit_ne = false;
    double ne_min = 1000, ne_max = 1e7; ///< bounds of the fitted Ne
    /// State blocks at a window's ends matched over as many typed markers as inside
    /// (ref_window::edge_context; every state selection of the pipeline). See "Edge context" above.
    bool edge_context = true;
    /// The first block of a contig and its last (the chromosome's ends) get this many times the
    /// states in the switch passes and the imputation (ref_window::end_scale; the Viterbi rounds:
    /// `viterbi_end_scale`). See "States at the ends" above.
    double end_scale = 2.5;
    /// The same for the Viterbi rounds after the first (ref_window::end_scale of their state
    /// selection; the end blocks' pairs cost the square: 1.5 → 2.25× there). See "States at the
    /// ends" above.
    double viterbi_end_scale = 1.25;
    double error = 1e-3;            ///< starting ε of the first window's EM
    bool fit_error = true;          ///< false: ε stays at `error`
    std::size_t states = 400;       ///< haploid states per block (imputation)
    std::size_t phase_states = 64;  ///< diploid stage: states per block (pairs: the square)
    int phase_rounds = 2;           ///< phasing rounds (round 2+: states from the current haplotypes)
    int switch_passes = 3;          ///< then passes of single-switch refinement (ref_phase_switches)
    std::size_t switch_states = 100; ///< states per block and haplotype of those passes
    /// Phasing round r of R (Viterbi rounds and switch passes) shifts the state blocks' boundaries
    /// by r / R of a block (ref_window::offset), so no boundary stays at the same typed marker.
    bool shift_blocks = false;
    /// The imputation is run over this many block offsets (0, 1/n, ... of a block; new state sets
    /// for each) and the haplotypes' P(ALT) averaged: the states are a per-block approximation of
    /// the full panel (a state not in the next block's set is left by a jump), and averaging over
    /// where the boundaries fall smooths that approximation. Costs n × the imputation's CPU.
    std::size_t impute_offsets = 1;
    /// After each switch pass, heterozygous markers exchanged between the haplotypes (ref_phase_flips),
    /// alone or in runs of up to this many consecutive heterozygotes (0: off).
    std::size_t het_flips = 1;
    /// Phase re-judged by the imputation's model ("Phase by the imputation's likelihood" above):
    /// every switch between consecutive heterozygotes whose posterior in the last switch pass
    /// (ref_switch_posteriors) is at least this is imputed both ways (the switched pair as two more
    /// haplotypes, over their own states); 0: off (and needs switch_passes > 0).
    double phase_mix = 0.01;
    /// Such a switch is made when the log-likelihood of the switched pair under the imputation's
    /// HMM exceeds the current pair's by more than this (each judged alone against the current
    /// phase); the sample is then imputed again with all of its switches made.
    double phase_mix_margin = 1;
    /// For the switches not made: in the stretch between the two heterozygotes each haplotype's
    /// P(ALT) is the mixture of the two phasings' weighted by their likelihoods (off: measured no
    /// better, see above).
    bool phase_mix_soft = false;
    /// Runs of exchanged heterozygotes (session 16): two uncertain switches of one sample at most
    /// this many apart in its list of uncertain switches (1: neighbours) are also judged together
    /// (the pair with the heterozygotes between them exchanged, as two more haplotypes); each sample's
    /// candidates, single switches and such runs, are made greedily by decreasing log-likelihood
    /// ratio above phase_mix_margin, a switch in at most one of them. 0: off (single switches only;
    /// session 15's records).
    std::size_t phase_mix_runs = 1;
    /// The samples whose phase the imputation's likelihood changed are imputed again over at least
    /// this many block offsets (as impute_offsets, for these samples only: their P(ALT) averaged
    /// over as many state selections). A re-imputed pair's states are a new draw where many
    /// templates tie (long homozygous stretches): averaging two draws damps that noise (session 16,
    /// seed 41's samples 165 and 180). 1: off (with phase_mix_runs 0: session 15's records).
    std::size_t phase_mix_offsets = 2;
    /// Every sample with an uncertain switch, its phase changed or not, is imputed again over
    /// phase_mix_offsets offsets (more state draws where the phase is in doubt). Default since
    /// session 16 (lead, bench/README.md): errors at the untyped markers 1,000 panel seeds
    /// 1/13/41 8,152 → 8,099 (each lower), 5,000 panel nine seeds −10 in all (from −15 to +14 per
    /// seed); +6–14% CPU. false: only the re-phased samples (session 16's first default).
    bool phase_mix_redraw = true;
    bool study_templates = true;    ///< rounds 2+: the study's other haplotypes are templates too
    std::size_t pbwt = 8;           ///< switch passes and imputation: PBWT longest-match states per checkpoint put first (0: off)
    float min_posterior = 1e-4f;    ///< imputation: state posteriors below are dropped (sparse)
    std::size_t block = 48;         ///< typed markers per state block
    std::size_t window = 40000;     ///< panel markers per window
    std::size_t overlap = 4000;     ///< panel markers shared by consecutive windows
    std::vector<std::string> header_lines; ///< extra "##" lines for the output
    /// EM settings for ε (threads and chunking used; seed unused: no random start).
    em::options em = [] {
        em::options o;
        o.max_iter = 2;
        o.min_iter = 1;
        o.tol = 1e-4;
        o.rule = em::stop_rule::relative;
        o.chunk_size = 16;
        return o;
    }();
};

/// \brief One window's fit.
struct ref_window_summary
{
    std::string contig;
    std::int64_t first_pos = 0, last_pos = 0;
    std::size_t markers = 0, typed = 0;
    double error = 0;               ///< fitted ε
    double ne = 0;                  ///< fitted Ne (0: not fitted)
    int iterations = 0;
    std::string stop_reason = "none"; ///< em::fit's stop reason ("none": ε not fitted)
    std::vector<double> trace;      ///< EM objective (log-likelihood of the study haplotypes)
    int decreases = 0;
};

/// \brief What ref_impute did.
struct ref_impute_summary
{
    std::size_t samples = 0, panel_haplotypes = 0;
    // study
    std::uint64_t study_records = 0, study_usable = 0, study_multiallelic = 0, study_no_gt = 0,
                  study_non_diploid = 0;
    std::uint64_t matched = 0, matched_swap = 0, matched_flip = 0, matched_flip_swap = 0;
    std::uint64_t dropped_allele_mismatch = 0; ///< a panel marker at the position, other alleles
    std::uint64_t dropped_not_in_panel = 0;    ///< no panel marker at the position (incl. contigs not in the panel)
    std::vector<std::string> contigs_not_in_panel;
    // panel
    std::uint64_t panel_records = 0, panel_markers = 0;
    std::uint64_t panel_multiallelic = 0; ///< records split into one marker per ALT, re-joined on output
    std::uint64_t panel_no_alt = 0;       ///< records without ALT: skipped
    std::uint64_t written = 0, imputed_markers = 0;
    std::vector<ref_window_summary> windows;
    std::string index; ///< index written ("" for plain VCF / stdout)
};

/// \brief Runs the pipeline (see the file comment) and writes the output atomically.
/// \throws user_error on bad input (panel not phased, not sorted, not indexed; no marker of the
/// study in the panel; a bad map), leaving no output.
[[nodiscard]] ref_impute_summary ref_impute(ref_impute_options const & opt);

} // namespace emtk::geno
