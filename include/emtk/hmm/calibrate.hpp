#pragma once
/// \file
/// \brief E-value calibration of a profile HMM as HMMER 3 does it (p7_Calibrate in HMMER's
/// src/evalues.c; Eddy 2008, "A probabilistic model of local sequence alignment that simplifies
/// statistical significance estimation", PLoS Comput Biol 4:e1000069): the three STATS LOCAL
/// lines of a HMMER3/f file.
///
/// Procedure (defaults are HMMER 3.3's, p7_Calibrate / hmmbuild --EmL … --Eft):
/// - lambda (p7_Lambda): λ = ln 2 + 1.44 / (M · H), H the mean relative entropy of the match
///   emissions to HMMER's background, in bits (p7_MeanMatchRelativeEntropy). ln 2 is the
///   asymptotic slope for local alignment scores in bits; 1.44/(MH) is HMMER's empirical
///   edge-effect correction. The same λ is used for all three lines. Deterministic.
/// - MSV mu (p7_MSVMu): N = 200 sequences of length L = 200, i.i.d. from the background, scored
///   with the MSV filter (score.hpp), Gumbel location fitted by maximum likelihood with λ known
///   (esl_gumbel_FitCompleteLoc: μ = −(1/λ) log((1/N) Σ e^{−λ x_i}), closed form).
/// - Viterbi mu (p7_ViterbiMu): the same with the Viterbi filter score.
/// - Forward tau (p7_Tau): N = 200 sequences of length 100, Forward scores, a complete Gumbel ML
///   fit (μ_g, λ_g) (esl_gumbel_FitComplete, Lawless 1982 eq. 4.1.6), then the exponential tail of
///   slope λ anchored at P = 1: τ = G⁻¹(1 − t) + log(t)/λ with tail mass t = 0.04, G⁻¹ the Gumbel
///   quantile function (esl_gumbel_invcdf). (HMMER does not fit an exponential to the tail
///   directly: the Gumbel fit of all 200 scores locates the 4% quantile more precisely.)
///
/// Sampling error: with N = 200 the fitted mu varies by ≈ 0.1 bit (sd) between seeds and tau by
/// ≈ 0.2 bit (HMMER's evalues.c comments, [J1/135]); HMMER's random generator is not ours, so
/// our values equal HMMER's only within that error. Lambda is reproduced exactly (to the 5
/// decimals of the file's probabilities). Measured on HMMER's tutorial models (globins4, fn3,
/// Pkinase, MADE1): our mean over 100 seeds minus HMMER 3.3.2's mean over 40 `hmmbuild --seed`
/// runs is within ±0.023 bit for both mu and ±0.043 bit for tau (standard errors 0.019 and
/// 0.036), with the same seed-to-seed sd (0.09–0.12 mu, 0.17–0.21 tau). Scoring MSV/Viterbi
/// without the filter approximations instead shifts mu by up to +0.35 bit.
///
/// Reproducibility: sequence i of phase f (0 MSV, 1 Viterbi, 2 Forward) is drawn from
/// rng{seed, f·2³² + i}; scores are stored by index and fitted in index order, so the result is
/// byte-identical for any thread count. Cost: EmN·EmL·M + EvN·EvL·M (max-plus) plus EfN·EfL·M
/// (probability-space Forward) cells; parallel over sequences (OpenMP).

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/seq/alphabet.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace emtk::hmm {

/// \brief Options of calibrate(); defaults are HMMER 3.3's (p7_Calibrate, hmmbuild).
struct calibrate_options
{
    std::uint64_t seed = 42;   ///< random stream family (HMMER's hmmbuild default seed is also 42)
    int threads = 1;           ///< OpenMP threads over sequences; 0 = all available
    int msv_length = 200;      ///< EmL: length of the random sequences for MSV mu
    int msv_count = 200;       ///< EmN: number of random sequences for MSV mu
    int viterbi_length = 200;  ///< EvL
    int viterbi_count = 200;   ///< EvN
    int forward_length = 100;  ///< EfL
    int forward_count = 200;   ///< EfN
    double forward_tail = 0.04; ///< Eft: tail mass at which the Forward tau is anchored
    /// Score MSV and Viterbi with HMMER's filter approximations (as p7_MSVMu / p7_ViterbiMu do,
    /// and as hmmsearch applies the STATS); false = the exact generic DP (score.hpp).
    bool filter_scores = true;
};

/// \brief HMMER's λ: ln 2 + 1.44/(M · H) (p7_Lambda), H = mean_match_relative_entropy() of build.hpp
/// to HMMER's background of alphabet `a`, bits.
/// \throws user_error when the relative entropy is 0 (match emissions equal the background:
///         no score distribution to calibrate).
[[nodiscard]] double hmmer_lambda(profile_hmm const & hmm, seq::alphabet_type a);

/// \brief Maximum-likelihood Gumbel location with λ known (esl_gumbel_FitCompleteLoc),
/// computed with a max-shift so that it neither overflows nor underflows. `x` non-empty.
[[nodiscard]] double gumbel_fit_location(std::span<double const> x, double lambda);

/// \brief Parameters of a Gumbel distribution, P(S ≤ x) = exp(−e^{−λ(x−μ)}).
struct gumbel_params
{
    double mu = 0;     ///< location
    double lambda = 0; ///< scale (slope)
};

/// \brief Maximum-likelihood Gumbel fit (μ, λ) of complete data (esl_gumbel_FitComplete):
/// λ solves 1/λ − x̄ + Σ x_i e^{−λx_i} / Σ e^{−λx_i} = 0 (Lawless 1982, eq. 4.1.6; the left side
/// is strictly decreasing in λ, so the root is unique: safeguarded Newton), then μ as in
/// gumbel_fit_location. Needs at least two distinct values (asserted).
[[nodiscard]] gumbel_params gumbel_fit(std::span<double const> x);

/// \brief Gumbel quantile: the x with P(S ≤ x) = p, μ − log(−log p)/λ (esl_gumbel_invcdf).
[[nodiscard]] double gumbel_inverse_cdf(double p, double mu, double lambda) noexcept;

/// \brief The three simulations of a calibration.
enum class calibration_phase
{
    msv = 0,
    viterbi = 1,
    forward = 2
};

/// \brief The calibration scores themselves (for tests and diagnostics): bit scores of the
/// random sequences of one phase, in index order, as calibrate() draws and scores them.
[[nodiscard]] std::vector<double> calibration_scores(profile_hmm const & hmm, seq::alphabet_type a,
                                                     calibration_phase phase, calibrate_options const & options = {});

/// \brief Calibrates `hmm` (over alphabet `a`, hmm.K must match it) as HMMER's p7_Calibrate:
/// returns the STATS LOCAL MSV / VITERBI / FORWARD values (see the file comment).
/// \throws user_error as hmmer_lambda(); std::invalid_argument for non-positive lengths/counts
///         or a tail mass outside (0, 1).
[[nodiscard]] hmmer_stats calibrate(profile_hmm const & hmm, seq::alphabet_type a, calibrate_options const & options = {});

} // namespace emtk::hmm
