#pragma once
/// \file
/// \brief Imputation of the missing genotypes of one block of sites (a chromosome): overlapping
/// windows of markers; in each, stage 1 = EM fits of the fastPHASE model with several random
/// starts, stage 2 = rounds of the template (diploid Li–Stephens) HMM seeded by stage 1's
/// phasing, stage 3 = a haploid Li–Stephens pass over stage 2's haplotypes blended in; windows
/// stitched.
///
/// Three stages. Stage 1 (hapcluster.hpp) fits K haplotype clusters by EM; its posteriors are the
/// result of `--refine 0` (pure fastPHASE), and start 0's fit phases every sample (a posterior
/// draw of its two haplotypes, haplotype_draw). Stage 2 (templates.hpp) re-models each sample as a
/// mosaic of S haplotypes of the other samples (the nearest by Hamming distance in refinement
/// windows), the same O(K²) kernel with templates as clusters, ε and ρ fitted by EM (em::fit),
/// drawing new haplotypes for the next round. 20 clusters cannot represent rare haplotypes; the
/// samples' own haplotypes can (the loss of stage 1 is at MAF < 5%). The genotype posteriors of
/// a window are the mean over the last refine_options::average rounds. Stage 3 (haploid.hpp)
/// imputes each of the last round's haplotypes again with a haploid HMM over 200 states per block
/// chosen for that haplotype, after one pass of phase switches, and blends its genotype
/// posteriors with stage 2's (geometric pool, weight 0.6; haploid.hpp step 6).
///
/// Windows. A block of M sites is cut into the fewest windows of at most `window` markers that
/// overlap by at least `overlap` markers; all have the same length and their starts are spread
/// evenly from the first marker to the last (no redundant last window: on 5,866 markers with
/// window 2000 / overlap 200, 4 windows of 1,617 markers instead of 4 of 2,000). Each window is fitted on its own (em::fit
/// over the samples). Every marker takes its result from the window in which it is most central
/// (the largest distance to the window's nearer end; ties to the earlier window), so a marker is
/// never imputed from a window edge when a window with more context on both sides exists.
///
/// Starts. Each window is fitted `restarts` times from random starts (start r of window w of block
/// b uses rng{seed, b}.split(w).split(r)); the genotype posteriors of the missing genotypes are the
/// average over the starts (as fastPHASE averages over its random starts), not the best start's.
///
/// Determinism: fixed-order reductions in em::fit, posteriors written per sample into their own
/// slots, starts summed in start order: the result is identical for any thread count.
///
/// Memory, per block: the genotype matrix (M × N bytes, referenced), the result (3 floats per
/// missing genotype), per window a sample-major copy (W × N bytes), a slot map (W × N × 4 bytes),
/// the stage-2 panel and draws (about 5 W N bytes) and per thread one forward table
/// (W × K × Kp floats for stage 1, refinement window × S × Sp for stage 2; Kp = K rounded up to
/// 4). 1,000 samples × 50,000 markers: ~60 MB beyond the reader's records (vcf_io.hpp).

#include <emtk/em/options.hpp>
#include <emtk/geno/hapcluster.hpp>
#include <emtk/geno/haploid.hpp>
#include <emtk/geno/templates.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief Which model fills the missing genotypes.
enum class impute_method
{
    hapcluster, ///< fastPHASE haplotype-cluster HMM (hapcluster.hpp)
    hwe         ///< per-site allele frequency, Hardy-Weinberg proportions (hwe.hpp)
};

/// \brief Options of impute_block. Defaults are documented here and nowhere else.
///
/// Defaults: stage 1 K = 12, 1 start from the data, 10 EM iterations; stage 2 5 rounds of S = 40
/// templates in refinement windows of 1,000 markers (overlap 200), round 1 with 2 EM iterations,
/// the others 1, posteriors averaged over the last 3 rounds; stage 3 two haploid passes (200 states,
/// jump scale 0.5, tables at the end). First chosen on a fixed tuning set
/// (scripts/impute_simulate.sh OUT 1000 500000 4e-4 0.05 11: 500 samples, 1,486 sites, 5% masked;
/// discordance / dosage r² at the masked genotypes; CPU = user seconds, 1 thread, on a loaded
/// 2-core machine, so ±20%). Beagle 5.4 on the same file: 40 s, 0.184%, r² 0.9946.
///
///     stage 1             rounds  S   window/overlap  average  CPU s  discordance  r²
///     K20, 2 x 15          0      -   -               -         27    0.89%        0.977  (old defaults)
///     K12, 1 x 10          0      -   -               -          5    1.60%        0.962
///     K20, 2 x 15          2     32    400/100        1         44    0.42%        0.988
///     K20, 2 x 15          3     32    400/100        1         46    0.35%        0.989
///     K20, 2 x 15          2     64    400/100        1         72    0.32%        0.989
///     K20, 2 x 15          2     32    200/50         1         46    0.56%        0.980
///     K20, 2 x 15          2     32    800/150        1         48    0.37%        0.990
///     K12, 1 x 10          2     32    400/100        1         17    0.41%        0.988
///     K12, 1 x 10          4     32    400/100        1         24    0.39%        0.989
///     K12, 1 x 10          6     32    800/150        1         29    0.31%        0.991
///     K12, 1 x 10          4     32   2000/200        1         22    0.35%        0.991
///     K12, 1 x 10          4     32   1000/200        1         23    0.29%        0.992
///     K12, 1 x 10          4     24   1000/200        1         16    0.45%        0.988
///     K12, 1 x 10          4     48   1000/200        1         37    0.29%        0.993
///     K12, 1 x 10          4     32   1000/200        2         20    0.27%        0.993
///     K12, 1 x 10          5     32   1000/200        3         20    0.23%        0.993  (earlier defaults)
///     K12, 1 x 10          6     32   1000/200        4         24    0.23%        0.994
///     defaults, composite templates, blocks of 128    -         38    0.57%        0.986
///     defaults, composite templates, blocks of 64     -         52    0.82%        0.979
///
/// Then S, rounds and averaging on a second, larger tuning set (scripts/impute_simulate.sh OUT 1000
/// 2000000 4e-4 0.05 2: 500 samples, 6,112 sites, 5% masked; not the benchmark's seed 1), 2 threads,
/// user CPU seconds on an idle machine, stage 1 and windows at the defaults. Beagle 5.4 on the same
/// file: 98 s, 0.141%, r² 0.9956.
///
///     rounds  S   average   CPU s   discordance   r²
///     5      32   3          55     0.227%        0.9937  (48 s with the AVX2 kernel clone)
///     6      32   4          74     0.219%        0.9939
///     8      32   6          71     0.212%        0.9942
///     5      40   3          69     0.208%        0.9942
///     6      40   4          82     0.196%        0.9945  (defaults)
///     5      48   3         124     0.182%        0.9947
///     6      48   4         135     0.173%        0.9949
///
/// CPU figures are of the SSE2-only binary except the first row's second figure; the AVX2 clone
/// saves ~13% (55 → 48 s). S costs S² per marker, rounds linearly; S = 48 is more accurate still but slower than Beagle on
/// two threads, so the default stops at 40.
///
/// The refinement carries the accuracy, so stage 1 is light: it only has to phase well enough
/// for the first template choice. Rounds and averaging over rounds matter more than S beyond 32;
/// refinement windows shorter than ~800 markers lose context (and add stitching of phase);
/// composite templates (template sets chosen again per block of markers, templates.hpp) were worse
/// here, so the default is one template set per refinement window (template_block = 0).
/// Stage-1 tuning (restarts, K) before the refinement existed, same tuning set, refine 0:
///
///     K   starts x iterations   start     CPU s   discordance   r²
///     12   2 x 30               uniform    35     1.40%         0.965
///     12   2 x 30               data       43     1.15%         0.971
///     16   4 x 15               data       34     0.97%         0.975
///     20   2 x 15               data       28     0.85%         0.978
///     32   1 x 12               data       25     0.93%         0.978
///
/// Starting θ from the data (hapcluster_options::data_start) is the largest stage-1 gain.
///
/// Stage 3, the haploid pass (haploid.hpp), on the second tuning set (seed 2, 500 samples, 6,112
/// sites; Beagle 5.4 0.141%, r² 0.9956, 98 s), 1 thread, user CPU seconds on a machine loaded
/// ~12 on 2 cores (±10%), 2026-12-06:
///
///     rounds/average  haploid states  switch states  CPU s   discordance   r²
///     6 / 4           off             -               66     0.196%        0.9945
///     6 / 4           200             200            109     0.168%        0.9955
///     6 / 4           200             100             97     0.169%        0.9955
///     5 / 3           200             100             91     0.165%        0.9955  (defaults)
///
/// The haploid pass (blend weight 0.5, one switch pass, blocks of 32 markers, the template
/// rounds' ρ and ε) takes a sixth off the discordance at every MAF; with it one template round
/// fewer costs nothing in accuracy and pays for most of its CPU.
///
/// Haploid passes and jump scale (2026-12-06; seed 1 of bench/impute_vs_beagle.sh, 500 samples,
/// 5,866 sites, Beagle 5.4 0.119%, r² 0.9964; 2 threads, user CPU seconds at load ~13; the
/// choice was then checked on seeds 7, 13 and 21, bench/README.md). "soft": in the second pass a
/// state whose own genotype is missing carries its previous P(ALT) (haploid.hpp step 5):
///
///     passes        jump scale  weight  rounds  CPU s   discordance (MAF 1–5%)   r²
///     1             1           0.5     5        79     0.186% (0.170%)          0.9951
///     2             1           1       5       102     0.177% (0.147%)          0.9952
///     2             1           0.5     5       102     0.176% (0.156%)          0.9955
///     2, soft       1           0.5     5        94     0.177% (0.150%)          0.9955
///     2, soft       1           0.5     4        88     0.177% (0.153%)          0.9952
///     2, soft       0.5         0.5     5        94     0.165% (0.147%)          0.9956  (defaults)
///     2, soft       0.25        0.5     5        74*    0.182% (0.170%)          0.9953
///
/// (* at load 10, not 13: CPU seconds rise with the load on this machine.) Jump scale 0.25 also
/// loses on seed 21 (0.140% against 0.131% at 0.5).
///
/// The second pass re-phases with the first pass's haplotypes and gains most at MAF 1–5%; the
/// blend with the rounds still helps (weight 1 loses at MAF ≥ 5%); the soft states are neutral
/// here. The template rounds' ρ is of 40 templates; over 200 states chosen for the haplotype
/// itself half of it fits better.
///
/// PBWT longest-match states in the haploid passes (`haploid_options::pbwt`, up to 4 × 8 of the
/// 200 states per block; 2026-12-06, bench/impute_vs_beagle.sh seeds 1, 7, 13, one run each
/// beside Beagle 5.4, 2 threads, load ~24 on 2 cores), discordance (MAF 1–5%) / user CPU s:
///
///     seed   pbwt 0                  pbwt 8 (default)         Beagle 5.4
///     1      0.165% (0.147%)  98     0.152% (0.127%) 107      0.119% (0.061%)  71
///     7      0.163% (0.129%)  95     0.151% (0.098%)  98      0.140% (0.037%)  69
///     13     0.146% (0.094%)  97     0.140% (0.091%) 100      0.140% (0.043%)  80
///
/// Among haplotypes with few mismatches over a block and its neighbours, those that match on
/// for longest are the closest relatives; the gain is largest at MAF 1–5%, for +3–9% CPU.
///
/// Not kept (2026-12-06, seeds 1, 7, 13, `-t 1`, bench/README.md): mismatches at the haplotype's
/// rare alleles (frequency < 5%) counted 8× in the haploid state choice (discordance ratio
/// 1.013 / 0.974 / 1.000: the carriers are already among the 200 states); 32 templates (−19% CPU,
/// discordance +2.0 to +9.2%).
///
/// Session 10 (2026-12-07, bench/README.md "Where the MAF 1–5% gap is"): emtk's errors at MAF
/// 1–5% are not the masked sample's own phase but mis-phased rare heterozygotes of the other
/// samples (lone flips, ~10× Beagle's rate), which no single switch can undo: the haploid stage's
/// heterozygote flips (haploid.hpp step 4b) fix them. `--haploid-passes 3`: −2% discordance for
/// ~+20% CPU on seeds 1, 7, 13 (not kept); `--haploid-average 2`: mixed (not kept).
///
/// Session 12 (2026-12-07, seeds 1 and 7, bench/README.md "Soft heterozygote states"): 3 template
/// rounds (average 2) + 3 haploid passes at the same CPU: discordance +7.5% / +1.4% (not kept);
/// states' heterozygous alleles weighted by their phase probability: +2.7% / +4.9% (not merged).
struct impute_options
{
    impute_method method = impute_method::hapcluster;
    hapcluster_options model = [] {
        hapcluster_options o;
        o.clusters = 12;
        return o;
    }();                          ///< K, clamps, precision, data start
    int restarts = 1;             ///< random starts per window; posteriors averaged over them
    refine_options refine;        ///< stage 2: template rounds (rounds = 0: pure fastPHASE)
    haploid_options haploid;      ///< stage 3: haploid pass after the rounds (haploid.hpp)
    /// Heterozygote flips of the panel after each template round (panel_het_flips in haploid.hpp,
    /// with the haploid stage's state choice and the round's ε and ρ): the next round's templates
    /// and the haploid stage's states carry fewer lone mis-phased (rare) heterozygotes.
    bool refine_flips = false;
    std::size_t window = 2000;    ///< markers per window
    std::size_t overlap = 200;    ///< markers shared by consecutive windows (< window)
    /// EM driver settings (max_iter, tol, rule, seed, threads, chunk_size). restarts is ignored:
    /// impute_block runs the starts itself to average their posteriors.
    em::options em = [] {
        em::options o;
        o.max_iter = 10;
        o.min_iter = 2;
        o.tol = 1e-5;
        o.rule = em::stop_rule::relative;
        o.chunk_size = 8;
        // The single-precision E-step (hapcluster_options::single_precision) carries ~1e-8 relative
        // round-off in the objective: only decreases beyond 1e-7 relative are reported (windows
        // under 1e6 pair cells run in double: impute.cpp).
        o.decrease_tol = 1e-7;
        return o;
    }();
};

/// \brief The genotypes of one block, site-major: g[m * n_samples + i] ∈ {-1, 0, 1, 2}.
struct genotype_matrix
{
    std::size_t n_sites = 0;
    std::size_t n_samples = 0;
    std::vector<std::int8_t> g;
};

/// \brief One EM run (start) of one window.
struct start_summary
{
    double objective = 0;
    int iterations = 0;
    std::string stop_reason;
    int decreases = 0;
};

/// \brief What happened in one window.
struct window_summary
{
    std::size_t first = 0, end = 0;             ///< marker range [first, end) in the block
    std::size_t core_first = 0, core_end = 0;   ///< markers whose results come from this window
    std::vector<start_summary> starts;
    std::vector<double> trace;                  ///< objective trace of the first start
    std::vector<refine_round_summary> refine;   ///< stage-2 rounds (empty: not refined)
    haploid_summary haploid;                    ///< stage 3 (run = false: not run)
    std::size_t refine_flips = 0;               ///< heterozygotes flipped after the rounds (impute_options::refine_flips)
};

/// \brief impute_result::phase of a genotype whose phase the model did not draw.
inline constexpr std::uint8_t phase_unknown = 0xFF;

/// \brief The imputed posteriors of one block.
struct impute_result
{
    /// P(g = 0, 1, 2) of every missing genotype, 3 floats each, in site-major order (site by
    /// site, samples in order within a site).
    std::vector<float> gp;
    /// The model's phase of every missing genotype, one byte each in gp's order: bit 0 = the allele
    /// on haplotype 1, bit 1 = the allele on haplotype 2 of the sample's last haplotypes (stage 2's
    /// panel after its rounds, re-phased and re-imputed by stage 3 when it runs), or phase_unknown when the model drew no haplotypes
    /// (`--refine 0`, the allele-frequency method, a single sample).
    std::vector<std::uint8_t> phase;
    std::size_t missing = 0;
    std::vector<window_summary> windows;
};

/// \brief Fills the missing genotypes of `g` (see the file comment).
/// \param block    the block's index, for the random streams (rng{seed, block})
/// \param progress called after each fitted start as (done, total) starts; may be empty
/// \throws user_error if a window's fit fails (every start diverged)
[[nodiscard]] impute_result impute_block(genotype_matrix const & g, impute_options const & opt, std::uint64_t block,
                                         std::function<void(std::size_t, std::size_t)> const & progress = {});

/// \brief The windows [first, end) of a block of n markers (also the stitching cores).
[[nodiscard]] std::vector<window_summary> plan_windows(std::size_t n, std::size_t window, std::size_t overlap);

} // namespace emtk::geno
