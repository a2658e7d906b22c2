#pragma once
/// \file
/// \brief Dirichlet priors of a profile HMM and the MAP-EM parameter update they imply.
///
/// Priors (HMMER 3 defaults, src/p7_prior.c: p7_prior_CreateAmino, p7_prior_CreateNucleic,
/// p7_prior_CreateLaplace): single Dirichlets on the three transition groups of a node (match
/// MM/MI/MD, insert IM/II, delete DM/DD) and on insert emissions; a mixture Dirichlet on match
/// emissions (amino: the 9-component "blocks9" mixture of Sjölander et al. 1996, CABIOS 12:327;
/// nucleic: HMMER's 4-component mixture trained on Rmark3). The concentrations α below are HMMER's.
///
/// What the training objective is. HMMER estimates parameters from counts c (N = Σ c) as the
/// posterior mean: (c + α)/(N + |α|) for a single Dirichlet, and for a mixture Σ_q w_q (c + α_q)/
/// (N + |α_q|) with w_q ∝ π_q B(c + α_q)/B(α_q) (p7_ParameterEstimation, esl_mixdchlet_MPParameters).
/// A posterior mean is not the maximiser of any fixed objective in θ, so EM with it is not
/// guaranteed to be monotone, and HMMER's α < 1 (e.g. TMI = 0.0278) make the Dirichlet *mode*
/// (c + α − 1)/(N + |α| − K) undefined at zero counts and the density unbounded at the simplex
/// boundary. We therefore use the following exactly consistent choice:
///
///   the objective's prior density is   p(θ) = Σ_q π_q Dir(θ; α_q + 1)   (every exponent α ≥ 0),
///
/// whose MAP mode with counts c is, for a single Dirichlet, (c + α)/(N + |α|): *exactly HMMER's
/// posterior-mean estimate* for single Dirichlets (transitions, insert emissions). log p(θ) is
/// finite on the whole open simplex, and the MAP-EM objective Σ_i w_i log P(x_i|θ) + log p(θ)
/// never decreases.
///
/// For a mixture (match emissions) the M-step has no closed form; we use option (a) of the design
/// discussion, an EM-within-the-M-step (a minorise-maximise step): treating the component q as
/// latent, r_q ∝ π_q Dir(θ_old; α_q + 1) at the current θ_old, and
///     θ_new,a ∝ c_a + Σ_q r_q α_{q,a},
/// which maximises a minoriser of c·log θ + log p(θ) that touches it at θ_old; hence each inner
/// step cannot decrease the objective (generalised EM), and a few inner steps (mixture_inner_steps)
/// approach the exact M-step. It differs from HMMER's posterior mean in that the responsibilities
/// come from the current parameters rather than from the marginal likelihood of the counts;
/// both give similar estimates when the counts dominate. posterior_mean() implements HMMER's rule
/// too (for building from alignments, and in training's posterior-mean phase: train.hpp), where
/// no objective is claimed; the MAP update above is what keeps the objective monotone.

#include <emtk/seq/alphabet.hpp>

#include <span>
#include <string>
#include <vector>

namespace emtk::hmm {

struct profile_hmm;
struct hmm_counts;

/// \brief A mixture of Dirichlet densities over K probabilities (one component: a plain Dirichlet).
struct dirichlet_mixture
{
    std::vector<double> q;                  ///< mixture coefficients π_q (sum to 1)
    std::vector<std::vector<double>> alpha; ///< α_q, K values each (> 0)

    /// \brief Number of probabilities each component is over.
    [[nodiscard]] int K() const noexcept { return alpha.empty() ? 0 : static_cast<int>(alpha.front().size()); }
    /// \brief A single Dirichlet with these concentrations.
    [[nodiscard]] static dirichlet_mixture single(std::vector<double> alpha);
    /// \brief The first `n` coordinates of every component (used for node M's match row, whose
    /// M → D is fixed at 0: the prior of the remaining (MM, MI) pair).
    [[nodiscard]] dirichlet_mixture head(int n) const;

    /// Per-component constants of the densities, cached by cache_normalisers() (single(), head()
    /// and the priors below call it) so that the M-step and log p(θ) do not evaluate K + 1 log Γ
    /// per component and row in every iteration. Empty (or stale after q/alpha changed without
    /// a new call): computed on each use instead; the values are the same either way.
    std::vector<double> shifted_norm; ///< log Γ(Σ_a (α_{q,a} + 1)) − Σ_a log Γ(α_{q,a} + 1): log of Dir(·; α_q + 1)'s normaliser
    std::vector<double> log_beta;     ///< log B(α_q) = Σ_a log Γ(α_{q,a}) − log Γ(Σ_a α_{q,a})
    /// \brief Fills shifted_norm and log_beta from q and alpha.
    void cache_normalisers();
};

/// \brief Which prior: none (maximum likelihood), laplace (HMMER's plus-one), default (HMMER's).
enum class prior_kind
{
    none,
    laplace,
    standard ///< "default" on the command line
};

/// \brief "none" | "laplace" | "default"; false if unknown.
[[nodiscard]] bool parse_prior_kind(std::string const & s, prior_kind & out) noexcept;
/// \brief The command-line name of a prior kind.
[[nodiscard]] char const * to_string(prior_kind k) noexcept;

/// \brief The priors of all parameter groups of a profile HMM; `none` true for maximum likelihood.
struct hmm_prior
{
    bool none = true;
    dirichlet_mixture tm; ///< match transitions MM, MI, MD
    dirichlet_mixture ti; ///< insert transitions IM, II
    dirichlet_mixture td; ///< delete transitions DM, DD
    dirichlet_mixture em; ///< match emissions
    dirichlet_mixture ei; ///< insert emissions
};

/// \brief HMMER's default amino-acid prior (p7_prior_CreateAmino).
[[nodiscard]] hmm_prior amino_prior();
/// \brief HMMER's default nucleic-acid prior (p7_prior_CreateNucleic), for DNA and RNA.
[[nodiscard]] hmm_prior nucleic_prior();
/// \brief HMMER's Laplace plus-one prior (p7_prior_CreateLaplace): every α = 1.
[[nodiscard]] hmm_prior laplace_prior(int K);
/// \brief The prior of a kind for an alphabet (none: hmm_prior{} with none = true).
[[nodiscard]] hmm_prior make_prior(prior_kind kind, seq::alphabet_type type);

/// \brief HMMER's posterior-mean estimate (esl_mixdchlet_MPParameters): mixture weights
/// w_q ∝ π_q B(c + α_q)/B(α_q) (written to `weights`, q values, may be empty) and
/// out = Σ_q w_q (c + α_q)/(N + |α_q|).
void posterior_mean(dirichlet_mixture const & d, std::span<double const> counts, std::span<double> out,
                    std::span<double> weights = {});

/// \brief log p(θ) of the training objective: log Σ_q π_q Dir(θ; α_q + 1) (see the file comment).
/// θ must be in the open simplex (−∞ if a coordinate is 0).
[[nodiscard]] double log_objective_density(dirichlet_mixture const & d, std::span<double const> theta);

/// \brief One MAP-EM M-step for one probability vector (see the file comment): for a single
/// Dirichlet the exact maximiser (c + α)/(N + |α|) of c·log θ + log Dir(θ; α + 1); for a mixture
/// `inner_steps` minorise-maximise steps starting from `theta` (which is read as θ_old and
/// overwritten).
void map_update(dirichlet_mixture const & d, std::span<double const> counts, std::span<double> theta,
                int inner_steps);

/// \brief Inner MM steps per mixture-Dirichlet M-step (each one cannot decrease the objective).
inline constexpr int mixture_inner_steps = 5;

/// \brief The M-step of a whole model: every free row of `hmm` (transitions of nodes 0 … M except
/// the fixed delete rows 0 and M and node M's M → D; match emissions 1 … M; insert emissions
/// 0 … M) from the counts `c` under `prior` (read `hmm` as θ_old for the mixture). With
/// prior.none the estimate is c / N, and a row without counts keeps its value (it does not
/// change the likelihood). The null model is left alone.
void estimate_parameters(hmm_counts const & c, hmm_prior const & prior, profile_hmm & hmm);

/// \brief log p(θ) of a whole model under `prior`: the sum of log_objective_density over the same
/// rows estimate_parameters() updates (0 with prior.none).
[[nodiscard]] double log_prior_density(profile_hmm const & hmm, hmm_prior const & prior);

} // namespace emtk::hmm
