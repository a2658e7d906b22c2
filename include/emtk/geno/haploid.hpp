#pragma once
/// \file
/// \brief The haploid stage of `emtk impute` (after the template rounds, templates.hpp): each
/// sample's two phased haplotypes are re-imputed one at a time by a haploid Li–Stephens HMM whose
/// states are the other samples' current haplotypes, and the result is blended with the template
/// stage's genotype posteriors.
///
/// Why. The template stage is a diploid HMM over S² pairs of S = 40 templates; a haploid HMM costs
/// O(S) per marker, so it affords 200 states per block, chosen for each haplotype on its own (the
/// nearest matches of that haplotype, not of the pair) — the haploid imputation of Beagle 5 and
/// IMPUTE5 applied to the study's own phased haplotypes. Its posteriors and the template stage's
/// err in different places (phase vs number of states); their mean beats each of them.
///
/// Steps, per stage-1 window of W markers and N samples (the kernels of ref_hmm.hpp, with the 2N
/// study haplotypes as the "panel"):
///  1. The panel: the 2N haplotypes of the last template round (stitched draws: every marker has
///     an allele, imputed ones drawn). Jump probability between markers m−1 and m:
///     min(1, jump_scale × ρ_m) with ρ_m the template stage's fitted rate (jump_scale 0.5: the
///     template stage's rate is of 40 templates, where a jump also absorbs a missing relative; over
///     200 states chosen for the haplotype itself the copied segments are longer).
///  2. Switch passes (not part of the EM; the data of step 3): each sample's two haplotypes, with
///     the alleles of its missing genotypes set missing, get `switch_passes` passes of single-switch
///     refinement (ref_phase_switches) over the union of the two haplotypes' state sets; the states
///     of haplotype h are the `switch_states` haplotypes (never the sample's own two) with the
///     fewest mismatches per block of `block` markers and its neighbours (ref_select_states; the
///     imputation below takes `states` of them the same way), with the haplotype's longest matches
///     first (`pbwt` per PBWT checkpoint, ref_pbwt_neighbours over the pass's panel). The pass
///     judges with the starting ε. Every sample reads the same snapshot of the panel: the result
///     does not depend on the order of the samples or on the threads.
///  3. EM for ε (em::fit, `iterations` E-steps; 1 = an E-step with the template stage's ε, no
///     M-step): items are the 2N switched haplotypes; the objective is Σ_h log p(h | states, ε)
///     (states chosen again for the switched haplotype, deterministically: the same at every
///     E-step); statistics: expected mismatches and observed alleles; M-step ε = mismatches /
///     observed clamped to [error_min, error_max] (the exact maximiser). The E-step writes each
///     haplotype's P(ALT) at the wanted missing genotypes: Σ_j γ_j ((1−ε) if state j carries ALT,
///     else ε), γ the state posteriors.
///  4. Genotype posteriors, assuming the two haplotypes independent given the states:
///     (1−p₁)(1−p₂), p₁(1−p₂) + (1−p₁)p₂, p₁p₂; the output is their blend with the template stage's
///     (step 6). The panel rows of each sample become its switched haplotypes with, at the
///     wanted missing genotypes, the more probable allele of each haplotype (the phase written
///     for imputed heterozygotes).
///
///  4b. Heterozygote flips (`het_flips`): at each observed heterozygote m of a sample, the E-step
///     of each haplotype also gives the exact likelihood ratio of that haplotype with the other allele
///     at m, r_h = Σ_j γ_j(m) e_j(other) / e_j(own) (γ the state posteriors, e_j the emission of
///     state j); if r_1 r_2 > 1 the two alleles at m are swapped in the panel rows (the next pass's
///     phase). A switch pass cannot do this: a lone mis-phased heterozygote needs two switches,
///     each of which alone lowers the likelihood. It matters at rare alleles: phased once by the
///     template draws, the rare heterozygotes (MAF 1–5%) were mis-phased ~10× as often as Beagle's
///     (bench/README.md, session 10), and a mis-phased carrier puts its rare allele on the wrong
///     haplotype of the states the others copy. Approximation: each flip is judged against the
///     current phase of the other heterozygotes, with the states chosen for the unflipped
///     haplotype; the last pass's flips change only the rows, not its posteriors.
///  5. Passes: steps 1–4 run `passes` times (default 2); each pass's panel is the previous pass's
///     rows (its switched haplotypes and imputed alleles), so the second re-phases and re-imputes
///     over better haplotypes, and in it a state whose own genotype is missing at a wanted slot
///     carries the previous pass's P(ALT) of that haplotype instead of the hard allele (an
///     approximation where that state's phase was switched in this pass: the P(ALT) is of the
///     haplotype before the switch). The blend uses the mean of the step-4 genotype posteriors of
///     the last `average` passes (default 1: the last pass's; each pass is one more estimate of
///     the phase and the states, as the template rounds average over rounds).
///  6. The blend (`blend`, haploid_blend_posteriors) of the template stage's genotype posteriors T
///     and the haploid stage's H: by default (`haploid_blend::geometric`, since session 14) the
///     weighted log-linear opinion pool P(g) ∝ T(g)^(1−w) H(g)^w with w = `weight` = 0.6;
///     `haploid_blend::linear` is the arithmetic mean (1 − w) T + w H (the default before, at
///     w = 0.5). Errors on the bench's seeds 1 / 7 / 13 / 21 (13 and 21 held out), linear 0.5 →
///     geometric 0.6: 214 → 208, 208 → 197, 208 → 200, 182 → 183, r² at MAF < 1% up on all four,
///     no CPU cost (bench/README.md, "Geometric pool"). Where the two stages disagree, the arithmetic mean of a confident and a
///     doubtful estimate lands near a tie (most of the MAF 1–5% errors of session 10's diagnosis had
///     a largest GP of 0.5 ± 0.2); the geometric pool follows the estimate that excludes a genotype
///     more strongly. Exact where both stages agree. T and H are floored at `blend_floor` (1e-9)
///     before the powers so that a genotype one stage gives probability 0 (float underflow) is
///     not excluded by that stage alone; the floor changes a posterior by at most ~1e-9^w relative
///     mass, far below the 3 printed digits. Measured in bench/README.md (session 14, within14).
///
/// Determinism: the haplotypes' state selections tie-break by a hash of the haplotype's index; each
/// item writes its own slots; em::fit's reductions are in a fixed order: identical output for any
/// thread count.
///
/// Memory: the bit-packed panel W × ⌈2N/64⌉ words, the switched haplotypes 2N × W bytes, two
/// probabilities per wanted missing genotype; per thread the forward table (W × 2·states doubles
/// for the switch pass) and the state posteriors (W × states floats).

#include <emtk/em/options.hpp>
#include <emtk/geno/templates.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief How the haploid stage's genotype posteriors are blended with the template stage's (step 6).
enum class haploid_blend
{
    linear,   ///< (1 − w) T + w H
    geometric ///< T^(1−w) H^w, normalised (weighted log-linear pool)
};

/// \brief Options of the haploid stage. Defaults documented in impute.hpp (tuning table).
struct haploid_options
{
    std::size_t states = 200;   ///< states per block and haplotype (0: no haploid stage)
    std::size_t block = 32;     ///< markers per state block
    int switch_passes = 1;      ///< single-switch passes before the imputation (0: none)
    std::size_t switch_states = 100; ///< states per block and haplotype of those passes (the pair: their union)
    double weight = 0.6;        ///< weight of the haploid posteriors in the blend (0: stage off)
    haploid_blend blend = haploid_blend::geometric; ///< step 6: how the two stages' posteriors are pooled
    double jump_scale = 0.5;    ///< jump probability = min(1, jump_scale × the template stage's ρ_m)
    std::size_t pbwt = 8;       ///< longest-match states per PBWT checkpoint put first in each block's set (0: off)
    int passes = 2;             ///< haploid passes (steps 1–4 again over the previous pass's haplotypes)
    int average = 1;            ///< the blend takes the mean genotype posteriors of the last this many passes
    bool het_flips = true;      ///< step 4b: single heterozygotes flipped between the sample's haplotypes
    int iterations = 1;         ///< E-steps of the EM for ε (1: the template stage's ε, no M-step)
    double error_min = 1e-4;    ///< ε clamp
    double error_max = 0.25;
};

/// \brief What the haploid stage did in one window.
struct haploid_summary
{
    bool run = false;
    double objective = 0;
    int iterations = 0;
    std::string stop_reason;
    int decreases = 0;
    double error = 0;               ///< ε after the EM
    std::size_t switches = 0;       ///< phase switches made by the passes
    std::size_t flips = 0;          ///< heterozygotes flipped by the passes (step 4b)
    std::vector<double> trace;      ///< EM objective per E-step (of the last pass)
};

/// \brief Heterozygote flips of the whole panel (used after each template round, refine_window's
/// `after_round`, when `impute_options::refine_flips`): each sample's two rows, with the alleles of
/// its missing genotypes set missing, get one ref_phase_flips (single markers) over the union of
/// the two haplotypes' `switch_states` states per block (chosen as in step 2, selection salt
/// `salt`), judged with ε = `error` and the jump rates min(1, jump_scale × jump); the exchanged
/// alleles are written back to the rows. Every sample reads the same snapshot of the panel: the
/// result does not depend on the order of the samples or the threads. \returns the exchanges made.
std::size_t panel_het_flips(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
                            haplotype_panel & panel, std::span<double const> jump, double error,
                            haploid_options const & opt, int salt, int threads);

/// \brief Step 6: pools the template stage's genotype posteriors with the haploid stage's.
/// \param posterior  3 values per genotype: the template stage's in, the blend out (sums to 1)
/// \param haploid    3 values per genotype: the haploid stage's (each triple sums to 1)
/// \param weight     w, the haploid stage's weight in [0, 1]
/// \param rule       linear: (1 − w) T + w H; geometric: T^(1−w) H^w normalised, T and H floored
///                   at blend_floor
void haploid_blend_posteriors(std::span<double> posterior, std::span<double const> haploid, double weight,
                              haploid_blend rule);

/// \brief Floor of both stages' posteriors in the geometric blend (haploid.hpp step 6).
inline constexpr double blend_floor = 1e-9;

/// \brief Runs the haploid stage on one stage-1 window (see the file comment).
/// \param genotypes  N × W sample-major
/// \param panel      the last template round's haplotypes; rows of each sample updated (step 4)
/// \param jump       the template stage's ρ (W values; jump[0] unused)
/// \param error      the template stage's ε (start of the EM)
/// \param slot       N × W: output slot of each missing genotype wanted, or -1
/// \param posterior  3 values per slot: the template stage's posteriors in, the blend out
/// \param em_opt     driver settings (threads, chunk size, tolerance); max_iter from `opt`
/// \throws user_error if the fit fails
[[nodiscard]] haploid_summary haploid_window(std::span<std::int8_t const> genotypes, std::size_t n_samples,
                                             std::size_t n_markers, haplotype_panel & panel,
                                             std::span<double const> jump, double error,
                                             std::span<std::int32_t const> slot, std::span<double> posterior,
                                             haploid_options const & opt, em::options const & em_opt);

} // namespace emtk::geno
