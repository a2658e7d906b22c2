#pragma once
/// \file
/// \brief HMMER-compatible bit scores (MSV, Viterbi, Forward) of one digital sequence against a
/// profile HMM configured as HMMER 3 configures it for search, and the P-values HMMER computes
/// from a model's STATS lines.
///
/// Configuration (HMMER 3.3 src/modelconfig.c, p7_ProfileConfig; src/p7_bg.c): local multi-hit
/// profile (E → C = E → J = 1/2), occupancy-weighted local entry (local_entry::occupancy), the
/// N/C/J length model of p7_ReconfigLength for the length of each target, HMMER's default
/// background hmmer_background() as the null model (not the model's own `null`), insert states
/// that emit with the background (HMMER hard-wires insert log-odds scores to 0), and degenerate
/// residues scored with the background-weighted *expected* log-odds score of their members
/// (esl_abc_FExpectScVec) rather than the log of the summed probability.
///
/// Scores: bits = (log P(x | profile) − null1(x)) / ln 2, where null1 is HMMER's null model
/// (p7_bg_NullOne): residues with the background frequencies, length geometric with
/// p1 = L/(L+1), i.e. the log-odds null1 part is L log p1 + log(1 − p1). The kernels work on
/// log-odds directly: match emissions log(e/f), insert and N/C/J emissions 0.
///
/// Three kernels:
/// - MSV (src/generic_msv.c, p7_GMSV): ungapped local multi-hit alignment, uniform entry
///   2/(M(M+1)), M_k → M_{k+1} = M_k → E = 1, its own length model (N/C/J loop L/(L+3), move
///   3/(L+3)), E → C = E → J = 1/2. Max-sum (Viterbi) over that model.
/// - Viterbi (src/generic_viterbi.c): the full local profile, max-sum.
/// - Forward (src/generic_fwdback.c): the full local profile, sum over paths, computed in
///   probability space in double precision with a rescaling of each DP row whose special states
///   leave [1e-100, 1e100] (the log of every scale factor is accumulated): relative error about
///   1e-15 per operation, no log-sum table. Agrees with hmm::forward() (log space) to 1e-9.
///
/// Filter variants (`score_mode::filter`): hmmsearch runs MSV and Viterbi as its SIMD filters
/// (src/impl_sse/msvfilter.c, vitfilter.c), and p7_Calibrate fits the STATS MSV/VITERBI mu to
/// *those* scores. The filters replace the N/C/J loop scores by 0 and subtract a constant 3 nats
/// at the end (≈ L log(L/(L+3)), "the NN/CC/JJ=0,−3nat approximation"), which scores a random
/// sequence higher than the exact model by about (aligned residues)·3/(L+3) nats (0.2–0.5 bits
/// for L = 200). The MSV filter also rounds every score to 1/3 bit (unsigned bytes, base 190,
/// p7_oprofile.c mf_conversion): emulated exactly here, including the byte overflow, which
/// HMMER reports as the score (255 − 190)/scale in nats. The Viterbi filter rounds to 1/500 bit
/// (16-bit words); that rounding (≤ 0.001 bit per term) is not emulated, nor its 16-bit overflow
/// (scores above ≈ 40 bits, which HMMER treats as a pass). Calibration uses the filter variants
/// for MSV and Viterbi, so that our STATS lines mean to hmmsearch what HMMER's do.
///
/// Checked against HMMER 3.3.2 (test/unit/hmm/score_test.cpp): Forward bits of the 45 tutorial
/// globins against globins4.hmm equal `hmmsearch --max --nonull2` per-sequence scores to the
/// printed 0.1 bit (max |difference| 0.049). hmmsearch's default scores also subtract the null2
/// bias correction (up to 2.9 bits on these globins), which is not computed here.
///
/// P-values (Easel esl_gumbel.c esl_gumbel_surv, esl_exponential.c esl_exp_surv; used by HMMER's
/// src/p7_pipeline.c): MSV and Viterbi P(S > x) = 1 − exp(−e^{−λ(x−μ)}), Forward
/// P(S > x) = e^{−λ(x−τ)} for x ≥ τ and 1 below. E-value = P × number of targets.
///
/// Memory: MSV and Viterbi keep one DP row (O(M)); Forward two rows (O(M)). A scorer is
/// immutable after construction and its methods are safe to call from many threads.

#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/seq/alphabet.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace emtk::hmm {

/// \brief Exact DP (HMMER's generic implementation) or HMMER's SIMD filter approximation.
enum class score_mode
{
    exact, ///< p7_GMSV / p7_GViterbi: the model as specified
    filter ///< p7_MSVFilter / p7_ViterbiFilter: N/C/J loops 0, −3 nats, MSV in 1/3-bit bytes
};

/// \brief HMMER's null model score in nats (p7_bg_NullOne), log-odds part only: with
/// p1 = Lt/(Lt+1), L log p1 + log(1 − p1). `Lt` is the length the null model is set to (the
/// target's length in hmmsearch and in calibration).
[[nodiscard]] double null1_score(std::size_t L, std::size_t Lt) noexcept;

/// \brief A profile HMM configured for scoring as HMMER configures it (see the file comment).
class hmmer_scorer
{
public:
    /// \brief Configures `hmm` over alphabet `a` (hmm.K must be the alphabet's K: asserted).
    /// The model's own null model is ignored: HMMER's background is used.
    hmmer_scorer(profile_hmm const & hmm, seq::alphabet_type a);

    /// \brief The configured log-space profile (log-probabilities; insert and N/C/J emissions
    /// are the background, so forward() on it minus the null model is the Forward score).
    [[nodiscard]] profile const & configured() const noexcept { return p_; }
    /// \brief Number of nodes.
    [[nodiscard]] int nodes() const noexcept { return p_.M; }
    /// \brief Match log-odds scores in nats, (M+1)·Kp, row k = node k (row 0 unused, −∞ where a
    /// code cannot be emitted): what the filters (filter.hpp) quantise.
    [[nodiscard]] std::vector<double> const & match_log_odds() const noexcept { return lo_; }

    /// \brief MSV bit score of x (length model set to x.size()). Codes must be < Kp (asserted).
    [[nodiscard]] double msv_bits(digital_sequence x, score_mode mode = score_mode::exact) const;
    /// \brief Viterbi bit score of x (length model set to x.size()).
    [[nodiscard]] double viterbi_bits(digital_sequence x, score_mode mode = score_mode::exact) const;
    /// \brief Forward bit score of x (length model set to x.size()); −∞ for an empty x.
    [[nodiscard]] double forward_bits(digital_sequence x) const;

private:
    profile p_;                      // HMMER-configured profile (log probabilities)
    std::vector<double> lo_;         // (M+1)·Kp match log-odds, nats (row 0 unused)
    std::vector<double> odds_;       // (M+1)·Kp match odds e^{lo}
    std::vector<int> msv_units_;     // (M+1)·Kp MSV filter scores in 1/3-bit units (bias-capped)
    int msv_bias_ = 0;               // MSV filter byte bias
    int msv_tbm_ = 0, msv_tec_ = 0;  // MSV filter B → M_k and E → C/J costs (units)
};

/// \brief Gumbel survival function P(S > x) = 1 − exp(−e^{−λ(x−μ)}) (esl_gumbel_surv), computed
/// as −expm1(−e^{−y}) so that it is accurate in the far tail. In [0, 1], non-increasing in x.
[[nodiscard]] double gumbel_survival(double x, double mu, double lambda) noexcept;

/// \brief Exponential tail P(S > x) = e^{−λ(x−τ)} for x ≥ τ, 1 for x < τ (esl_exp_surv).
[[nodiscard]] double exponential_survival(double x, double tau, double lambda) noexcept;

/// \brief P-value of an MSV bit score under a model's STATS LOCAL MSV line.
[[nodiscard]] double msv_pvalue(double bits, hmmer_stats const & s) noexcept;
/// \brief P-value of a Viterbi bit score under a model's STATS LOCAL VITERBI line.
[[nodiscard]] double viterbi_pvalue(double bits, hmmer_stats const & s) noexcept;
/// \brief P-value of a Forward bit score under a model's STATS LOCAL FORWARD line.
[[nodiscard]] double forward_pvalue(double bits, hmmer_stats const & s) noexcept;

} // namespace emtk::hmm
