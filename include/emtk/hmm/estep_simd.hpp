#pragma once
/// \file
/// \brief The training E-step in single precision with SIMD: scaled forward, backward and
/// expected counts (scaled_dp.hpp's algorithm) in float, 8 nodes at a time, with runtime dispatch
/// (filter.hpp's simd_level), falling back per sequence to the double kernel and from there to
/// the log-space reference.
///
/// What it computes. The same recurrences, scaling and counts as scaled_expected_counts()
/// (scaled_dp.hpp: per-row power-of-two scale factors taken from forward and reused by backward,
/// emission counts per (code, node) split over degenerate codes once per sequence), with the
/// forward matrix, the backward rows and the per-row flows in float. The flows are summed in
/// float over at most 32 rows and then added to double totals; the counts (weight / P̃ ×
/// parameter × flow) and log P are formed in double.
///
/// Vectorisation. Rows are structure-of-arrays over nodes; the M and I recurrences, the flows and
/// the emission accumulators are independent across nodes and run on 8-node blocks. The D chains
/// (forward D_k from D_{k−1}, backward from D_{k+1}) are solved per block by a prefix scan with
/// precomputed products of the D → D probabilities, one carried value per block
/// (src/hmm/estep_float_kernel.hpp explains it). No FMA and no reassociation: the portable level
/// (8-float arrays), SSE4.1 (two 4-float registers) and AVX2 (one 8-float register) perform the
/// same IEEE operations in the same order on every lane, horizontal sums use one fixed tree, so
/// **the three levels give bit-identical results** (tested), and training output does not depend
/// on the CPU. Per sequence the result does not depend on the thread count either; em::fit's
/// fixed-order reduction across sequences is unchanged.
///
/// Range. Forward values are scaled so that each row's maximum is in [1/2, 1); the kernel runs
/// with the x86 flush-to-zero and denormals-are-zero modes set (restored afterwards), so a value
/// below FLT_MIN ≈ 1.2e−38 becomes 0 — the float analogue of scaled_dp.hpp's flush threshold, at
/// no cost per cell. A parameter below FLT_MIN is 0 in float: for the glocal entries and exits
/// (deep retracted-wing entries t0(MD) Π t(DD) t(DM) reach it at a few hundred nodes) the posterior
/// mass of their paths is computed from flows the kernel accumulates anyway and checked; any other
/// parameter below FLT_MIN (prob_profile::float_ok false) sends every sequence to the double
/// kernel.
///
/// Tilt. The row scaling keeps each row's maximum in range, not the cells that matter: from a
/// start whose model is longer than the sequences (a central start of M = 325 against Pkinase
/// sequences of 250–300 residues), every path deletes dozens of nodes, while the row maximum sits
/// on paths that have not paid their deletions yet. At row L the path through node M is then
/// t_DD^(M−L) (2^−100 and below) under the row maximum on top of the emissions, below FLT_MIN: the
/// forward flushes it, P̃ = 0 and the sequence went to the double kernel (4,998 of 5,000 sequences
/// of the first E-step there; bench/README.md). The remedy is a similarity transform by a
/// per-node constant τ_k = 2^(T_k): node k's forward values are multiplied by τ_k and its backward
/// values by τ_M / τ_k, i.e. every transition k → k+1 is multiplied by 2^(T_{k+1} − T_k), an entry
/// B → node k by τ_k and an exit node k → E by τ_M / τ_k. Every path of a unihit profile enters
/// once and leaves once, so each path's probability — and P — is multiplied by exactly τ_M; every
/// posterior and every expected count is unchanged. T_k = Σ_{j ≤ k} δ_j with δ_j = ⌊d_j / 2⌋,
/// 2^(−d_j) the power of two at or below t_DD(j−1) (δ_j ≤ tilt_max_step): a run of deletions decays
/// about as √t_DD per node instead of t_DD. Half, because the tilt works both ways: it lifts the
/// paths ahead of the row maximum (deletions) and lowers those behind it (insertions) by the same
/// factor; the full compensation (t_DD 2^d ∈ [1/2, 1)) made the backward overflow and the forward
/// lose the inserting paths (measured from 4 seed-sequence starts, M = 267–302, on 100 hmmemit
/// Pkinase sequences each: plain table 1 of 100 sequences pass, full tilt 0, half tilt 100 of 100,
/// a quarter 1; bench/README.md). Error bound: the tilt factors are powers of two, so multiplying
/// the parameters by them in double and rounding to float gives the same float as rounding first
/// (no new rounding; a tilted parameter that leaves the float range disables the tilted table),
/// the kernel does the same operations, and the flows are untilted in double by powers of two
/// (exact); log P subtracts T_M exactly from the integer log2 of the scales. So the tilted kernel
/// has the plain kernel's tolerance below and the same check: only *which* cells float can
/// represent changes. The kernel tries the plain table first and the tilted one when that fails
/// its check (tilted first for L < M, where most of the failures are), then the double kernel.
/// Unihit profiles only (training: glocal unihit); with the J loop a path of h hits would carry
/// τ_M^h.
///
/// Tolerance. Against the double kernel (and so the log-space reference): log P within
/// float_check_tol relative of P (i.e. absolute in log P; measured: ~1e−6 for L ≈ 200–400,
/// M = 200), every expected count within 1e−4 relative of the count's sequence total (a count's
/// relative error grows as the count gets smaller than its neighbours: float round-off of the
/// products, ~1e−7 relative to the largest term). Between levels: 0 (bit-identical). The unit
/// tests (test/unit/hmm/estep_simd_test.cpp) check all three.
///
/// When the float result is not used. fast_expected_counts_checked() runs the float kernel when
/// float_estep_applies() (float_ok, and the whole float forward matrix, (L+1)(3(W+16)+16) × 4
/// bytes, fits in estep_workspace::full_limit: the float kernel does not checkpoint) and accepts
/// its result when P̃ > 0, B̂(0, N) is finite, |B̂(0, N)/P̃ − 1| ≤ float_check_tol (forward and
/// backward agree: nothing forward flushed mattered) and the mass of float-floored entry/exit
/// paths is ≤ float_check_tol. Otherwise it runs scaled_expected_counts_checked() (double) with
/// `tol`; when that fails too the caller runs the log-space reference (train.hpp).

#include <emtk/hmm/filter.hpp>
#include <emtk/hmm/scaled_dp.hpp>

#include <cstddef>
#include <optional>

namespace emtk::hmm {

/// \brief Relative tolerance of the float kernel's check (file comment, "Tolerance").
inline constexpr double float_check_tol = 1e-4;

/// \brief Largest per-node step of the tilt, in powers of two (file comment, "Tilt"), so that a
/// tilted transition stays ≤ 2^16 (reached for t_DD below 2^−32).
inline constexpr int tilt_max_step = 16;

/// \brief Which kernel computed a sequence's E-step (fast_expected_counts_checked()).
enum class estep_kernel
{
    float_simd,      ///< the float kernel (plain or tilted table) passed its check
    double_fallback, ///< the float kernel applied but failed its check: the double kernel
    double_only,     ///< the float kernel does not apply (float_estep_applies() false): the double kernel
    none             ///< both failed: nothing added, run the log-space reference
};

/// \brief Whether the float kernel runs for a sequence of length L with this workspace.
[[nodiscard]] bool float_estep_applies(prob_profile const & pp, std::size_t L, estep_workspace const & ws) noexcept;

/// \brief The float E-step at a given level (capped at simd_supported()) with its check: adds
/// weight × the expected counts and returns log P(x), or adds nothing and returns nothing when
/// the check fails. Precondition (asserted): float_estep_applies().
std::optional<double> float_expected_counts(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                            double weight, estep_workspace & ws, simd_level level = simd_active(),
                                            double tol = float_check_tol);

/// \brief The training E-step of one sequence: the float kernel when it applies and passes its
/// check, else scaled_expected_counts_checked() with `tol`. Returns nothing (and adds nothing)
/// when both fail: run the log-space reference.
/// `used` (optional) says which kernel it was.
std::optional<double> fast_expected_counts_checked(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                                   double weight, estep_workspace & ws,
                                                   double tol = scaled_check_tol, simd_level level = simd_active(),
                                                   estep_kernel * used = nullptr);

} // namespace emtk::hmm
