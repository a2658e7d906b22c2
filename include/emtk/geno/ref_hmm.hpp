#pragma once
/// \file
/// \brief The kernels of reference-panel imputation (issue 20): state selection, diploid phasing
/// and haploid Li–Stephens posteriors over panel haplotypes. Used by ref_impute.cpp.
///
/// Model (Li & Stephens 2003, as in IMPUTE2 / Beagle 4.1+ / Minimac): a study haplotype is a
/// mosaic of panel haplotypes. Between the typed markers t−1 and t the copied haplotype is
/// re-drawn uniformly from the current states with probability ρ_t = 1 − exp(−0.04 Ne d_t / H)
/// (d_t in cM from the genetic map, H the panel's haplotypes: Beagle's parameterisation, so the
/// same map and Ne mean the same), else kept; an allele is emitted with probability 1 − ε when it
/// equals the copied haplotype's, ε otherwise (a missing allele emits 1).
///
/// States. The typed markers of a window are cut into blocks of `block` markers (boundaries shifted
/// by ref_window::offset). Each block has
/// its own state set: the S panel haplotypes with the fewest mismatches with the study haplotype
/// (or, for the unphased diploid stage, the fewest opposite homozygotes with the genotype) over the
/// block and its two neighbours (IBS matching on the typed markers, counted 64 haplotypes at a
/// time with bit-sliced counters); ties by the mismatches over the wider context of 4 blocks on
/// each side (among equally good haplotypes the longer match is the closer relative: on the
/// 5,000-haplotype benchmark panel this cut the discordance from 0.103% to 0.086%), then by a
/// hash of (salt, haplotype), so equally good haplotypes are sampled evenly, not by their order in
/// the panel. At a block boundary a state
/// continues only if its haplotype is in both sets; the others are reached by a jump. The HMM
/// costs O(S) per typed marker and haplotype (O(S²) for the diploid stage), independent of H;
/// selection costs O(H / 64) word operations per typed marker and O(H) per block.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace emtk::geno {

/// \brief The typed markers of a window as the HMM sees them.
struct ref_window
{
    std::size_t haps = 0;                  ///< H, panel haplotypes
    std::size_t words = 0;                 ///< (H + 63) / 64
    std::size_t typed = 0;                 ///< K, typed markers in the window
    std::vector<std::uint64_t> bits;       ///< K × words: panel alleles at the typed markers
    std::vector<double> rho;               ///< K: jump probability from typed marker t−1 to t (rho[0] = 0)
    std::size_t block = 32;                ///< typed markers per state block
    /// Shift of the block boundaries (< block): block b covers the typed markers
    /// [b·block − offset, (b+1)·block − offset) ∩ [0, K), so block 0 is shorter when offset > 0.
    std::size_t offset = 0;
    /// State selection (ref_select_states) in the blocks at the window's ends: false, the block and
    /// its one existing neighbour (and the wider context cut at the end); true, as many blocks as
    /// inside, the span moved inwards (block 0 is matched over blocks 0–2, its context over 0–8).
    bool edge_context = false;
    /// States at the chromosome's ends: ref_select_states gives the first block (`first_end`) and
    /// the last block (`last_end`) ceil(end_scale × states) states (at most the haplotypes left).
    /// There the HMM has one side's typed markers only, and the posterior over the many
    /// haplotypes that match them follows the composition of the state set more than inside; a
    /// larger set is closer to the full panel. Set by the reference pipeline on the first window's
    /// first block and the last window's last block (the other windows' ends are in the overlap,
    /// not written).
    double end_scale = 1;
    bool first_end = false, last_end = false;
    /// Optional haplotype-major copy of `bits` (ref_fill_hap_bits): H rows of hap_words =
    /// (K + 63) / 64 words, bit t of row h = h's allele at typed marker t. When present,
    /// ref_select_states counts each block's mismatches with one popcount per haplotype and word
    /// of the block instead of bit-sliced counters over the markers (the same integer counts,
    /// so the same states; ~20× fewer operations for blocks of 32 markers).
    std::vector<std::uint64_t> hap_bits;
    std::size_t hap_words = 0;
    [[nodiscard]] std::size_t blocks() const noexcept
    {
        return typed == 0 ? 0 : (typed + offset + block - 1) / block;
    }
    [[nodiscard]] std::size_t block_of(std::size_t t) const noexcept { return (t + offset) / block; }
    [[nodiscard]] std::size_t block_begin(std::size_t b) const noexcept
    {
        return b * block > offset ? b * block - offset : 0;
    }
    [[nodiscard]] std::size_t block_end(std::size_t b) const noexcept
    {
        return std::min(typed, (b + 1) * block - offset);
    }
    [[nodiscard]] bool allele(std::size_t t, std::uint32_t h) const noexcept
    {
        return (bits[t * words + h / 64] >> (h % 64)) & 1U;
    }
};

/// \brief Fills w.hap_bits / w.hap_words from w.bits (the haplotype-major copy; O(K H)).
void ref_fill_hap_bits(ref_window & w);

/// \brief One state set per block (sorted haplotype indices).
using state_sets = std::vector<std::vector<std::uint32_t>>;

/// \brief Chooses the state sets of one study haplotype (`diploid` false: alleles 0/1/−1) or one
/// unphased genotype vector (`diploid` true: 0/1/2/−1), `states` per block (at most H minus the
/// excluded; more at the chromosome's ends with ref_window::end_scale). The haplotypes in `exclude` are never chosen (a study sample's own haplotypes when the
/// window's templates include the study's).
///
/// `prefer` (optional, one sorted list per block): these haplotypes come first in the block's
/// order (e.g. ref_pbwt_neighbours' longest matches), the mismatch order among them and after them.
[[nodiscard]] state_sets ref_select_states(ref_window const & w, std::span<std::int8_t const> obs, bool diploid,
                                           std::size_t states, std::uint64_t salt,
                                           std::span<std::uint32_t const> exclude = {},
                                           state_sets const * prefer = nullptr);

/// \brief Positional Burrows–Wheeler transform of a window's panel (Durbin 2014, Bioinformatics
/// 30:1266, algorithm 2; own code), kept at the block boundaries only: for each block b the
/// haplotypes sorted by their reversed prefixes up to the block's last marker (forward) and by
/// their suffixes from the block's first marker (backward), with the divergence arrays (where the
/// match with the previous haplotype in the order begins). Neighbours in these orders are the
/// haplotypes with the longest exact matches ending at the block's end / starting at its start.
/// Costs O(K H) to build, 6 × blocks × H words of memory.
struct ref_pbwt
{
    std::size_t haps = 0, blocks = 0;
    /// blocks × H each: order (haplotype at each position), divergence (in processed-marker units
    /// of that direction: the match of order[p] and order[p−1] covers the markers processed since
    /// div[p]) and position (inverse of order).
    std::vector<std::uint32_t> fwd_order, fwd_div, fwd_pos, bwd_order, bwd_div, bwd_pos;
};

/// \brief Builds the PBWT checkpoints of `w` (one forward and one backward per block).
[[nodiscard]] ref_pbwt ref_build_pbwt(ref_window const & w);

/// \brief IMPUTE5-style state choice (Rubinacci et al. 2020) for a panel member `h`: per block b,
/// the `per_checkpoint` haplotypes nearest to h in the forward order at the ends of blocks b and
/// b+1 and in the backward order at the starts of blocks b and b−1 (the longest matches into and
/// out of the block, covering the same ±1 block as ref_select_states), never those in `exclude`.
/// Only haplotypes below `limit` are chosen (the walk passes over the others: a panel extended by
/// the study's haplotypes, of which only the panel's are wanted). Up to 4 × per_checkpoint per
/// block (sorted, duplicates removed). The matches are those of h's panel row (an approximation
/// where the caller's haplotype differs from its row: missing alleles, switched phase).
[[nodiscard]] state_sets ref_pbwt_neighbours(ref_pbwt const & p, std::uint32_t h, std::size_t per_checkpoint,
                                             std::span<std::uint32_t const> exclude,
                                             std::uint32_t limit = ~std::uint32_t{0});

/// \brief Phases one sample: the Viterbi path of the diploid HMM over ordered pairs of states
/// (blocks' sets from ref_select_states(diploid = true)); writes the two haplotypes' alleles at the
/// typed markers (−1 where the genotype is missing). Observed genotypes are kept: h1 + h2 = g.
void ref_phase(ref_window const & w, std::span<std::int8_t const> g, state_sets const & sets, double eps,
               std::span<std::int8_t> h1, std::span<std::int8_t> h2);

/// \brief Improves a phasing (h1, h2 of genotype g) by single switches, at linear cost in the
/// states: with forward (α) and backward (β) probabilities of both haplotypes over the same state
/// sets, the likelihood of the pair with the phase switched between the heterozygous markers k−1
/// and k, relative to the current pair, is (Σ α¹_u β²_u)(Σ α²_u β¹_u) / ((Σ α¹_u β¹_u)(Σ α²_u β²_u))
/// at the last marker u before k (exact in the haploid model: the two haplotypes are equal between
/// heterozygous markers). Every switch with a ratio above 1 is made (each judged against the
/// current phase: an approximation when two are close; call again to re-judge). \returns the
/// number of switches made.
std::size_t ref_phase_switches(ref_window const & w, state_sets const & sets, double eps, std::span<std::int8_t> h1,
                               std::span<std::int8_t> h2);

/// \brief The posterior probability of a switch before each heterozygous marker, each judged
/// alone against the current phase (the ratio r of ref_phase_switches, as r / (1 + r); exact in
/// the haploid-pair model given the phase elsewhere). post[t] for every heterozygote t after the
/// first (the switch between it and the previous heterozygote), 0 elsewhere (`post`: ≥ K slots).
void ref_switch_posteriors(ref_window const & w, state_sets const & sets, double eps, std::span<std::int8_t const> h1,
                           std::span<std::int8_t const> h2, std::span<float> post);

/// \brief Exchanges the alleles of single heterozygous markers (a double switch around one marker,
/// which single switches cannot make: each alone moves the whole suffix). With the forward and
/// backward probabilities of both haplotypes, the likelihood ratio of the pair with marker k's
/// alleles exchanged is exact (only k's emissions change); every exchange with a ratio above 1 is
/// made, each judged against the current phase (two neighbouring exchanges judged alone: an
/// approximation). \returns the number of markers exchanged.
///
/// With `max_run` > 1, runs of up to `max_run` consecutive heterozygotes are exchanged together too
/// (two or three neighbouring heterozygotes mis-phased together need two switches as well, and
/// exchanging either alone can lower the likelihood): each run's ratio is exact (its span carried
/// forward with the new alleles, segment_log_ratio in ref_hmm.cpp; one forward step per marker of
/// the span), and the non-overlapping runs and single exchanges with the largest total log ratio
/// are made (dynamic programming over the heterozygotes; ratios of runs near each other added as if
/// independent, the same approximation as above). `max_run` 1: single markers only, 0: nothing.
std::size_t ref_phase_flips(ref_window const & w, state_sets const & sets, double eps, std::span<std::int8_t> h1,
                            std::span<std::int8_t> h2, std::size_t max_run = 1);

/// \brief The parameter of an EM for ε over haploid HMMs (ref_impute.cpp and haploid.cpp).
struct haploid_em_params
{
    double eps = 1e-3;
};

/// \brief Its expected statistics (from ref_haploid_posteriors); the M-step is ε = mismatches / observed.
struct haploid_em_stats
{
    double mismatches = 0, observed = 0;
    haploid_em_stats & operator+=(haploid_em_stats const & o)
    {
        mismatches += o.mismatches;
        observed += o.observed;
        return *this;
    }
};

/// \brief Forward-backward of one haplotype. \returns log p(alleles). If `gamma` is not empty
/// (K × stride floats) it receives the state posteriors at each typed marker (state j of the
/// marker's block set at gamma[t * stride + j]). Adds the expected mismatches and the number of
/// observed alleles to `mismatches` / `observed` (E-step statistics of ε). If `jumps` is not empty
/// (≥ K slots), jumps[t] += P(a jump between typed markers t − 1 and t | alleles) for t ≥ 1 (the
/// E-step statistics of the jump rate, i.e. of Ne: ref_fit_ne); the other outputs do not change.
double ref_haploid_posteriors(ref_window const & w, std::span<std::int8_t const> hap, state_sets const & sets,
                              double eps, std::span<float> gamma, std::size_t stride, double & mismatches,
                              double & observed, std::span<double> jumps = {});

/// \brief The jump probabilities of the model, ρ_t = 1 − exp(−c_t Ne) with c_t = 0.04 d_t / H
/// (d_t the cM from typed marker t − 1 to t; c_0 = 0, so ρ_0 = 0).
[[nodiscard]] std::vector<double> ref_jump_rates(std::span<double const> c, double ne);

/// \brief M-step for Ne: the maximiser of Σ_t [J_t log ρ_t(Ne) + (n − J_t) log(1 − ρ_t(Ne))] with
/// ρ_t = 1 − exp(−c_t Ne), J_t the expected jumps at t summed over n haplotypes (the expected
/// complete-data log-likelihood of the jump events). Concave in Ne (log(1 − e^{−x}) is concave and
/// log(1 − ρ) = −c Ne linear), so its derivative decreases and is solved by bisection on log Ne
/// within [lo, hi] (returned at a bound when the root lies beyond it). Markers with c_t = 0 carry
/// no information and are skipped.
[[nodiscard]] double ref_fit_ne(std::span<double const> c, std::span<double const> jumps, double n, double lo,
                                double hi);

} // namespace emtk::geno
