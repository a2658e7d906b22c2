#pragma once
/// \file
/// \brief Fast, memory-bounded Baum-Welch E-step: forward, backward and expected counts in
/// probability space with per-row scaling, and checkpointing for long sequences.
///
/// Semantics. scaled_expected_counts() computes exactly what expected_counts() (counts.hpp) does —
/// the same hmm_counts for every profile configuration (local/glocal, unihit/multihit, I0 and I_M,
/// the special states, flank residues, degenerate codes split over their members in proportion to
/// the emission probabilities) and the same log P(x | profile) — up to floating-point round-off.
/// expected_counts() stays the reference implementation; the unit tests compare the two.
///
/// Scaling (Rabiner 1989, Proc. IEEE 77:257, section V.A; HMMER 3's p7_ForwardFilter /
/// p7_BackwardFilter use the same idea). With emissions ê_i = e(x_i) / s_{i−1}, the recurrences
/// are the plain probability-space ones. Every path from row i−1 to row i consumes exactly one
/// residue, so the stored forward row i is F̃(i) = F(i) / S_{i−1} with S_i = s_0 ⋯ s_i, and the
/// stored backward row is B̂(i) = B(i) · S_{i−1} / S_{L−1}. The scale s_i is the power of two with
/// max F̃(i) / s_i ∈ [1/2, 1), the maximum taken over all values of row i (core and special
/// states): **multiplying by a power of two is exact**, and
/// log P(x) = ln 2 · Σ_{i<L} log2 s_i (an exact integer sum) + log P̃ with P̃ = F̃_C(L) · t(C → T). Posteriors are F̃ B̂ / P̃, transition uses
/// F̃(i, X) · t · ê_{i+1} · B̂(i+1, Y) / P̃ (or without ê for a silent move); backward reuses the
/// forward scale factors, so nothing is rescaled twice. Emission counts are accumulated per
/// (code, node) and split over a degenerate code's members once per sequence (the split depends on
/// the code and the node only), so there is no exp() per cell.
///
/// What is exact, what is not. Apart from ordinary round-off (a few ulps per multiply-add; the
/// sums are evaluated in another order than the log-space reference, so results agree to ~1e-12
/// relative, not bit for bit), two things differ from exact arithmetic:
/// 1. **Flush to zero.** A forward value below τ = 2^−830 ≈ 1.4e−250 (in units of the previous
///    row's scale, where the row maximum is ≥ 1/2) and a backward value B̂(i, s) below
///    τ · P̃ / s_i are set to 0, so that no denormal number (< 2.2e−308, 10–100× slower arithmetic)
///    is ever produced by the next row. Setting a cell to zero removes exactly the paths through
///    that cell, i.e. its posterior mass F̃ B̂ / P̃ (union bound over the flushed cells):
///    - backward: F̃(i, s) < s_i, so a flushed backward cell loses less than τ of posterior mass;
///      over all (3M + 8)(L + 1) cells the relative error of P and of any count is below
///      (3M + 8)(L + 1) τ, e.g. < 8e−243 for M = 500, L = 35,000;
///    - forward: a flushed cell loses F̃(i,s) B̂(i,s) / P̃ < τ B̂(i,s) / P̃ ≤ (2τ / s_i) B̂(i,s) / B̂(i,s*),
///      where s* is the state with the row's largest forward value (P̃ ≥ F̃(i,s*) B̂(i,s*) ≥
///      (s_i / 2) B̂(i,s*), a path probability). This is below 1e−16 unless the rest of the
///      sequence is ~1e+230 times more probable from the flushed state than from the row's best
///      state: no bound holds for every conceivable model, but no real profile comes near it.
/// 2. **Parameters below the double range.** Probabilities are exp() of the profile's log values;
///    one below 2.2e−308 (log < −708.4) is set to 0 and the paths that use it are dropped. In
///    practice only glocal retracted-wing entries B → M_k = t0(MD) Π t(DD) t(DM) at deep nodes
///    (k ≳ 700 for typical delete probabilities) get there; such a path has prior probability
///    < 2.2e−308.
/// Tested: log-likelihood within 1e−10 relative and counts within 1e−9 relative of the log-space
/// reference on random and emitted sequences of every configuration (scaled_dp_test.cpp).
///
/// When the bounds fail (issue 16). Both caveats above do happen in training: a glocal model of
/// M ≈ 1,200 nodes and a 355-residue fragment (every path deletes ≥ 845 nodes) put the row maxima
/// on dead-end cells ~2^1000 more probable *so far* than the cells the sequence must go through,
/// so forward flushes every live cell and P̃ = 0; and t0(MD) Π t(DD) t(DM) entries of deep nodes
/// fall below the double range and are set to 0 although the fragment has no other way in.
/// scaled_expected_counts_checked() detects both after the backward pass and before adding any
/// count, at O(M) cost per sequence:
/// - P̃ = 0, or a non-finite backward value or flow;
/// - **forward/backward disagreement**: backward recomputes P̃ as B̂(0, N) (F̃(0, N) = 1) without
///   the forward flushes (backward's own flush threshold is relative to P̃ and provably harmless,
///   1. above), so |B̂(0, N) / P̃ − 1| is the relative mass forward lost by flushing (to round-off);
/// - **floored parameters**: the posterior mass of the paths through a glocal entry/exit that
///   make_prob_profile() set to 0 is exp(log t) · flow / P̃, where the flow (F̃(B) · ê B̂(M_k)
///   summed over rows for an entry, F̃(M_k) · B̂(E) for an exit) is accumulated by the kernel
///   whether the parameter is 0 or not; any other floored parameter (never seen in practice:
///   core transitions and emissions come from Dirichlet posteriors) makes the check fail.
/// Above `tol` relative (default 1e−8, in log P an absolute 1e−8) the caller runs the log-space
/// reference (counts.hpp) for that sequence instead; train.hpp counts and reports those.
///
/// Deletion tilt (scaled_expected_counts_tilted(), issue 16). Before the log-space reference,
/// a sequence that fails the check runs once more on a copy of the profile multiplied by a
/// per-node power of two τ_k = 2^(T_k): node k's forward values carry τ_k, every move k → k+1 is
/// multiplied by 2^(T_{k+1} − T_k), an entry B → M_k by τ_k, an exit from node k by τ_M / τ_k.
/// Every path of a unihit profile enters once and leaves once, so each path's probability — and
/// P̃ — is multiplied by exactly τ_M (log P subtracts T_M ln 2), and every count t · flow / P̃ is
/// unchanged: the counts are those of the untilted model, exactly, for every cell the tilted
/// kernel represents. T_k = round(C_k / 2), C_k = −Σ_{j<k} log2 t_DD(j) (≤ 64 bits per node):
/// a run of deletions from node a to b, Π t_DD ≈ 2^−(C_b − C_a), decays about as its square root
/// instead (within 1 bit), which lifts the cells a fragment must go through (after paying its
/// deletions) towards the row maximum, and lowers the paths that lag behind it (insertions) by the
/// same amount; half, as the float kernel's tilt (estep_simd.hpp, "Tilt"), so that neither side
/// leaves the double range: on a 355-residue RecF fragment against SMC_N's M = 1,157 model
/// (every path deletes ≥ 800 nodes, ~2^−1000 of decay) the untilted forward flushed every live
/// cell, the tilted one keeps them. The float kernel's tilt rounds each node's step down (⌊d/2⌋,
/// nothing for t_DD ≥ 1/4); this one accumulates the bits first, so that runs of t_DD ≈ 0.3–0.7
/// are compensated too. The only rounding the tilt adds is one exp() for a glocal entry/exit that
/// was below the double range untilted and is within it tilted (1 ulp). The tilted result passes
/// the same check as the plain one (forward/backward agreement, finiteness, floored mass, `tol`),
/// so its error bound is the plain kernel's; when it fails, the log-space reference runs. Its
/// results are not bit-identical to the log-space reference's (they agree to ~1e−12 relative, as
/// the plain kernel's do), so a training run whose sequences it rescues changes at round-off level.
///
/// Memory. A forward row holds R = 8 · (3W + 8) bytes with W = M + 2 rounded up to a multiple of
/// 8 (M, I, D columns 0 … M plus padding, 5 special states). The L+1 forward rows are kept in
/// full when (L+1) R ≤ estep_workspace::full_limit (32 MiB by default). Otherwise only every C-th
/// row is stored, C = ⌈√(L+1)⌉, and the backward pass recomputes each segment of C rows from its
/// checkpoint (one extra forward pass over the sequence): ⌈(L+1)/C⌉ + C ≤ 2√(L+1) + 2 rows.
/// Backward keeps two rows. Scratch per node: 12 W doubles (10 transition flows and the ê·B̂
/// vectors of the next row) and 2 Kp W emission accumulators; L+1 scale exponents (int).
/// estep_workspace::bound() states the total. For M = 500, amino acids (Kp = 26), L = 35,000 the
/// sequence needs at most 5.02 MB (bound with full_limit = 0; 4.98 MB measured by
/// bench/hmm_estep.cpp), against 421 MB for one full matrix of 3 doubles per cell and 842 MB for
/// the reference's forward + backward matrices. A workspace that earlier kept a shorter
/// sequence's matrix in full also still holds up to full_limit bytes for it (bound() with the
/// workspace's full_limit includes that: 34.0 MB here).
///
/// Speed. Rows are structure-of-arrays (M, I, D each contiguous); the M and I recurrences, the
/// count flows and the emission accumulators are independent across k and vectorised
/// (`#pragma omp simd`); the D chains (forward k = 1 … M, backward k = M … 1) are serial linear
/// recurrences. Measured numbers: bench/README.md ("hmm E-step").
///
/// Threads. A prob_profile is built once per parameter set and read by every thread; each thread
/// owns one estep_workspace. Results do not depend on the workspace's history, on full_limit
/// (checkpointing recomputes bit-identical rows) or on the thread count.

#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace emtk::hmm {

/// \brief A profile in probability space, laid out for the scaled DP. Built once per parameter
/// set by make_prob_profile() and shared read-only by threads.
///
/// Per-node arrays have W = M + 2 rounded up to a multiple of 8 entries; index k is node k, and
/// entries the DP does not use (node 0's M/D transitions, node M's transitions to node M+1, the
/// padding) are 0, so that the inner loops need no special cases.
struct prob_profile
{
    int M = 0;                 ///< nodes
    int K = 0;                 ///< canonical residues
    int Kp = 0;                ///< all residue codes
    std::size_t W = 0;         ///< stride of the per-node arrays (≥ M + 2, multiple of 8)
    profile_options options;   ///< the configuration (the length model is applied per sequence)
    /// Core transitions out of node k, probability space, W entries each: M_k → M_{k+1}, M_k → I_k,
    /// M_k → D_{k+1}, I_k → M_{k+1}, I_k → I_k, D_k → M_{k+1}, D_k → D_{k+1}. Entries of node M
    /// towards node M+1 are 0 (glocal exits are in exit_m/exit_d/exit_i).
    std::vector<double> tmm, tmi, tmd, tim, tii, tdm, tdd;
    std::vector<double> enter;  ///< W: B → M_k (index 0: 0)
    std::vector<double> exit_m; ///< W: M_k → E (index 0: 0)
    std::vector<double> exit_d; ///< W: D_k → E (index 0: 0)
    double enter_i0 = 0;        ///< B → I0 (0 in local mode)
    double exit_i = 0;          ///< I_M → E (0 in local mode)
    std::vector<double> memit;  ///< Kp · W: P(code c | M_k) at [c·W + k] (k = 0: 0)
    std::vector<double> iemit;  ///< Kp · W: P(code c | I_k) at [c·W + k]
    std::vector<double> xemit;  ///< Kp: P(code c | N, C, J) (null model)
    std::vector<double> pmat;   ///< (M+1) · K: canonical match emissions (splitting degenerate counts)
    std::vector<double> pins;   ///< (M+1) · K: canonical insert emissions
    residue_sets sets;          ///< what each code stands for
    /// Glocal entries B → M_k, exits M_k → E and D_k → E whose probability is below the double
    /// range and was set to 0 ("Parameters below the double range"): (k, log probability).
    std::vector<std::pair<int, double>> floored_enter, floored_exit_m, floored_exit_d;
    double floored_enter_i0 = 0; ///< log B → I0 when it was set to 0 (else 0: not floored)
    double floored_exit_i = 0;   ///< log I_M → E when it was set to 0 (else 0: not floored)
    int floored_other = 0;       ///< any other parameter set to 0 that way
    /// The float copy for the SIMD E-step (estep_simd.hpp; layout private to src/hmm).
    std::vector<float> ftab;
    /// The float E-step applies: no parameter other than a glocal entry/exit is below the float range.
    bool float_ok = false;
    /// The per-node tilt of the float E-step (estep_simd.hpp, "Tilt"): log2 τ_k for k = 0 … M, and
    /// the float copy tilted by it; both empty when no tilt applies (local or multihit profiles,
    /// every t_DD ≥ 1/2, or float_ok false).
    std::vector<int> tilt;
    std::vector<float> ftab_tilt;
};

/// \brief The probability-space copy of a configured profile (see the file comment).
[[nodiscard]] prob_profile make_prob_profile(profile const & p);

namespace detail {
struct scaled_kernel;
struct float_kernel;
} // namespace detail

/// \brief Reusable scratch memory of the scaled E-step; one per thread (never shared).
///
/// Buffers grow to the largest sequence seen and are never shrunk.
class estep_workspace
{
public:
    /// \brief Largest forward matrix (bytes) kept in full; longer sequences are checkpointed.
    /// 0 forces checkpointing for every sequence (L ≥ 1).
    std::size_t full_limit = std::size_t{32} << 20;

    /// \brief Bytes allocated by the workspace now: the peak, since buffers never shrink.
    [[nodiscard]] std::size_t bytes() const noexcept;

    /// \brief Upper bound of bytes() after E-steps (or forwards) on sequences of length ≤ L with a
    /// model of M nodes and Kp residue codes, for this full_limit (file comment, "Memory"):
    /// 8 · [max(min((L+1) R', full_limit / 8), (2⌈√(L+1)⌉ + 2) R') + 2 R' + (12 + 2 Kp) W] + 4 (L+1)
    /// with R' = 3W + 8 doubles per row. A workspace also used by the float kernel
    /// (estep_simd.hpp) holds at most full_limit bytes more for its float matrix, plus
    /// 4 · (2 (3(W+16)+16) + 2 (W+16) + (10 + 2 Kp) W) bytes of float rows and accumulators.
    [[nodiscard]] static std::size_t bound(int M, int Kp, std::size_t L, std::size_t full_limit) noexcept;

private:
    friend struct detail::scaled_kernel;
    friend struct detail::float_kernel;
    std::vector<double> rows_;   // forward rows: the full matrix, or checkpoints + one segment
    std::vector<double> bwd_;    // two backward rows
    std::vector<double> flow_;   // 12 W: 10 transition flows and the em/ei vectors
    std::vector<double> acc_;    // 2 Kp W: emission accumulators per (code, node)
    std::vector<int> scale_;     // L+1: log2 of the scale of each forward row
    std::vector<float> frows_;   // the float kernel's forward matrix (estep_simd.hpp)
    std::vector<float> fbwd_;    // its two backward rows and the em/ei vectors
    std::vector<float> facc_;    // its float flow and emission accumulators
};

/// \brief The E-step of one sequence: adds its expected counts times `weight` to `acc` (exactly
/// like expected_counts() in counts.hpp; nothing is added when P(x) = 0) and returns
/// log P(x | profile) (−∞ when the profile cannot emit x, e.g. L = 0).
/// Precondition (asserted): every code < pp.Kp; acc has pp's M and K.
double scaled_expected_counts(prob_profile const & pp, digital_sequence x, hmm_counts & acc, double weight,
                              estep_workspace & ws);

/// \brief Relative tolerance of scaled_expected_counts_checked() (file comment, "When the bounds fail").
inline constexpr double scaled_check_tol = 1e-8;

/// \brief scaled_expected_counts() with the reliability check of the file comment ("When the
/// bounds fail"): returns log P(x | profile) and adds the counts when the scaled result holds to
/// `tol` relative; otherwise adds nothing and returns nothing (run the log-space reference).
std::optional<double> scaled_expected_counts_checked(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                                     double weight, estep_workspace & ws,
                                                     double tol = scaled_check_tol);

/// \brief Whether scaled_expected_counts_tilted() applies: a glocal unihit profile (training's)
/// with no floored parameter other than glocal entries and exits.
[[nodiscard]] bool deletion_tilt_applies(prob_profile const & pp) noexcept;

/// \brief scaled_expected_counts_checked() on `pp` under the deletion tilt (file comment,
/// "Deletion tilt"; src/hmm/scaled_tilt.cpp): the same counts and log P(x | profile), for the
/// sequences the untilted kernel cannot represent. Returns nothing (and adds nothing) when the
/// tilt does not apply or the tilted result fails the same check: run the log-space reference.
std::optional<double> scaled_expected_counts_tilted(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                                    double weight, estep_workspace & ws,
                                                    double tol = scaled_check_tol);

/// \brief log P(x | profile) by the scaled forward algorithm in O(M) memory (two rows).
double scaled_forward(prob_profile const & pp, digital_sequence x, estep_workspace & ws);

} // namespace emtk::hmm
