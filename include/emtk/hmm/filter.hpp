#pragma once
/// \file
/// \brief The accelerated filter cascade of `emtk hmm search` (HMMER 3's pipeline, Eddy 2011,
/// "Accelerated profile HMM searches", PLoS Comput Biol 7:e1002195): an ungapped multi-segment
/// filter (MSV) in saturating unsigned bytes, a composition-bias filter, a Viterbi filter in
/// saturating signed 16-bit words, each vectorised in Farrar's striped layout (Farrar 2007,
/// Bioinformatics 23:156) with runtime dispatch between AVX2, SSE4.1 and a plain scalar code.
///
/// Stages and P-values (HMMER 3.3 src/p7_pipeline.c, p7_Pipeline; read, not copied). For a target
/// x of length L, with null1 = null1_score(L, L) (score.hpp):
/// 1. MSV: usc = the MSV filter score (below); bits = (usc − null1)/ln 2; P from the STATS LOCAL
///    MSV Gumbel; the target passes when P ≤ F1 (0.02).
/// 2. Bias: the "null2-like" composition filter of p7_bg_FilterScore: a two-state HMM, state 0
///    emitting the background (mean stay 400 residues), state 1 emitting the model's mean match
///    composition (the COMPO line; mean stay M/8), start 0.999 / 0.001, run by Forward, plus the
///    null1 length term. corr = (filtersc − null1)/ln 2 ≥ 0 in practice; the MSV P-value is
///    recomputed at bits − corr and must still be ≤ F1. Without the bias filter corr = 0.
/// 3. Viterbi: the 16-bit Viterbi filter score, P from STATS LOCAL VITERBI at bits − corr ≤ F2 (1e-3).
/// 4. Forward: the caller's Forward score (score.hpp forward_bits), P from STATS LOCAL FORWARD
///    (exponential tail) at bits − corr ≤ F3 (1e-5). Only then are domains defined.
/// A filter whose arithmetic overflows reports +∞ (the target is certainly significant) and passes.
///
/// MSV arithmetic (exactly the byte emulation of hmmer_scorer::msv_bits(·, score_mode::filter),
/// with which the STATS MSV mu is calibrated; HMMER's p7_oprofile.c mf_conversion): scores in
/// units of 1/3 bit, costs c = −round(3/ln2 · s) + bias saturated to [0, 255] (−∞ → 255), base 190,
/// cell update M(i,k) = max(M(i−1,k−1), B − tBM) ⊕ bias ⊖ c(k, x_i) with ⊕/⊖ the unsigned saturating
/// byte operations. N/C/J loops are 0 and 3 nats are subtracted at the end. A row whose best cell
/// reaches 255 − bias overflows. The single-segment pass that runs first (and DNA's SSV rows) uses
/// HMMER 3.3's signed-byte form of the same recursion (two operations per vector, row vectors kept
/// in registers), which equals the unsigned one under conditions checked at run time
/// (filter_kernels.hpp ssv_signed), else the unsigned kernel runs: the scores are the same.
///
/// Viterbi arithmetic (16-bit words, as HMMER's vitfilter.c in spirit): every log-odds score and
/// transition is rounded to units of 1/500 bit, −∞ is −32768, additions saturate in
/// [−32768, 32767], specials start at a base of 12000 units, N/C/J loops are 0 and 3 nats are
/// subtracted at the end (the same "filter" model as hmmer_scorer::viterbi_bits(·, filter), which
/// the STATS VITERBI mu is calibrated on). *Approximation*: each term is rounded by at most 1/1000
/// bit, so the score differs from the double-precision filter score by at most (path length)/1000
/// bits, typically far less (rounding errors of opposite signs cancel); a best cell that reaches
/// 32767 (scores above ≈ 41 bits) overflows. D → D chains in the striped layout use Farrar's lazy-F
/// loop, which reaches the same fixed point as the serial recursion: the results are identical.
///
/// Every SIMD kernel computes exactly the values of its scalar reference (same saturating operations
/// in the same order; only maxima are taken in another order): the scores of all dispatch levels
/// are identical, which test/unit/hmm/filter_test.cpp checks on random models and sequences,
/// including saturating ones.

#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/seq/alphabet.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace emtk::hmm {

class hmmer_scorer;

/// \brief Instruction-set level of the filter kernels.
enum class simd_level
{
    scalar = 0, ///< portable code: the scalar reference kernels
    sse41 = 1,  ///< 16-byte vectors (x86-64 SSE4.1)
    avx2 = 2    ///< 32-byte vectors (x86-64 AVX2)
};

/// \brief The best level this CPU supports and this build contains.
[[nodiscard]] simd_level simd_supported() noexcept;
/// \brief The level used by default: simd_supported(), or lower when the environment variable
/// EMTK_SIMD is `scalar` or `sse4.1` (for tests and comparisons; a level above simd_supported() is
/// capped). Read once.
[[nodiscard]] simd_level simd_active() noexcept;
/// \brief "scalar", "sse4.1" or "avx2".
[[nodiscard]] char const * simd_name(simd_level level) noexcept;

/// \brief Thresholds of the cascade; defaults are hmmsearch's.
struct filter_options
{
    double F1 = 0.02;  ///< --F1: MSV P-value threshold
    double F2 = 1e-3;  ///< --F2: Viterbi P-value threshold
    double F3 = 1e-5;  ///< --F3: Forward P-value threshold
    bool bias = true;  ///< composition-bias filter (--nobias turns it off)
    bool max = false;  ///< --max: no filter at all (every target gets the full Forward)
};

/// \brief One model's filter profiles (MSV bytes, Viterbi words, bias HMM), striped for one SIMD
/// level. Immutable after construction; methods are safe to call from many threads.
class search_filter
{
public:
    /// \brief Builds the filters of `scorer`'s model. `compo` is the model's mean match composition
    /// (K values, the COMPO line), `a` its alphabet.
    search_filter(hmmer_scorer const & scorer, std::span<double const> compo, seq::alphabet_type a,
                  simd_level level = simd_active());
    ~search_filter();
    search_filter(search_filter &&) noexcept;
    search_filter & operator=(search_filter &&) noexcept;

    /// \brief The level the kernels run at.
    [[nodiscard]] simd_level level() const noexcept { return level_; }

    /// \brief MSV filter score in bits, (usc − null1)/ln 2; +∞ on byte overflow, −∞ for an empty x.
    [[nodiscard]] double msv_bits(digital_sequence x) const;
    /// \brief The same with the scalar reference kernel (serial loops over k).
    [[nodiscard]] double msv_bits_reference(digital_sequence x) const;
    /// \brief Viterbi filter score in bits; +∞ on 16-bit overflow, −∞ for an empty x.
    [[nodiscard]] double viterbi_bits(digital_sequence x) const;
    /// \brief The same with the scalar reference kernel.
    [[nodiscard]] double viterbi_bits_reference(digital_sequence x) const;
    /// \brief DNA (nhmmer's SSV stage): the 0-based positions i of x at which some ungapped
    /// segment ending at i scores at least the MSV threshold of F1 for a sequence of length W: the
    /// MSV filter score (bytes, with the length model of W) of a W-long sequence holding only that
    /// segment has P-value ≤ F1 under the STATS MSV line. One ungapped diagonal, no J state: the
    /// recursion of the MSV kernel with B fixed at its initial value. In increasing order.
    [[nodiscard]] std::vector<std::size_t> ssv_rows(digital_sequence x, std::size_t W, hmmer_stats const & stats,
                                                    double F1) const;
    /// \brief The same with the scalar reference kernel.
    [[nodiscard]] std::vector<std::size_t> ssv_rows_reference(digital_sequence x, std::size_t W,
                                                              hmmer_stats const & stats, double F1) const;
    /// \brief DNA (nhmmer's windows around SSV diagonals): for every row i of ssv_rows() and every
    /// cell (i, k) of it at or above the threshold, the ungapped diagonal ending there, from node k0
    /// (x position i − (k − k0), k0 where the segment of best score starts) to node k, extended by
    /// `before[k0]` residues before its first position and `after[k]` after its last; the windows
    /// [from, to) clipped to x, merged where they overlap or touch, in increasing order. The cells
    /// are recomputed by the serial recursion from row i − M + 1 on (a diagonal ending at node k
    /// spans k rows), so the result does not depend on the level. `before` and `after` hold M + 1
    /// values.
    [[nodiscard]] std::vector<std::pair<std::size_t, std::size_t>>
    ssv_windows(digital_sequence x, std::size_t W, hmmer_stats const & stats, double F1,
                std::span<std::size_t const> before, std::span<std::size_t const> after) const;
    /// \brief The same from the scalar reference rows, every row's cells computed from the first row.
    [[nodiscard]] std::vector<std::pair<std::size_t, std::size_t>>
    ssv_windows_reference(digital_sequence x, std::size_t W, hmmer_stats const & stats, double F1,
                          std::span<std::size_t const> before, std::span<std::size_t const> after) const;
    /// \brief The composition-bias correction (filtersc − null1)/ln 2 in bits (see the file comment).
    [[nodiscard]] double bias_bits(digital_sequence x) const;

    /// \brief Runs the cascade up to (not including) Forward: whether x passes MSV, bias and
    /// Viterbi under `stats` and `o`; `correction` receives the bias correction in bits (0 without
    /// the bias filter), to be subtracted from the Forward score before its F3 test.
    [[nodiscard]] bool passes_before_forward(digital_sequence x, hmmer_stats const & stats, filter_options const & o,
                                             double & correction) const;

    struct tables; ///< the striped and serial profiles (src/hmm/filter.cpp)

private:
    simd_level level_;
    std::unique_ptr<tables> t_;
};

} // namespace emtk::hmm
