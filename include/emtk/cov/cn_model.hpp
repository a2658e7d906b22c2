#pragma once
/// \file
/// \brief Copy-number states of windows: a mixture whose component means are tied to
/// CN × haploid depth, fitted by em::fit; or an untied mixture of emtk::mix with K chosen by BIC.
///
/// Model (tied). Window value v_i, state c ∈ {0 … max_cn}, weight w_c, mean μ_c = m_c λ with
/// m_c = c for c ≥ 1 and m_0 = cn0_mean (a small fixed fraction of the haploid mean λ, 0.05 by
/// default, so the CN-0 component can neither collapse onto exact zeros nor wander away: it has no
/// free mean). Families:
/// - negative binomial (default): v = round(depth × count_scale), P(v) = NB(μ_c, r) with one size r
///   shared by the states (variance μ + μ²/r); free parameters λ, r, K−1 weights;
/// - Poisson: v as above, variance μ_c; free λ and the weights;
/// - Gaussian: v = depth, variance σ² m_c (proportional to the mean, as for counts); free λ, σ².
/// count_scale turns a mean depth into a number of read-equivalents: window length / read length
/// (a window of W bp at depth y holds about y·W/L reads of length L, and that count, not y, is
/// roughly Poisson). The count families thus see counts whose variance is close to their mean.
///
/// EM. Items are the distinct values v with their multiplicities (a few hundred to a few thousand
/// for millions of windows), so an E-step costs O(distinct values × K). M-step: weights in closed
/// form with a Dirichlet pseudo-count of 1e-3 per state (MAP; keeps log w finite when a state is
/// empty); λ in closed form for the Poisson and Gaussian (λ = Σ γ v / Σ γ m_c, σ² the weighted
/// residual mean square scaled by 1/m_c); for the negative binomial λ and r by alternating golden-
/// section searches on log λ and log r of the expected complete-data log-likelihood, each kept only
/// if it increases it (generalised EM: the objective still never decreases). r ∈ [1e-2, 1e8].
///
/// Scale. The genome is assumed mostly at `ploidy` copies: λ starts at median(values of non-empty
/// windows) / ploidy and is constrained to within a factor 4/3 of it. Without that constraint the
/// scale is not identifiable: λ/k with copy numbers k·c fits as well, and with over-dispersed data
/// two NB components at λ/2 (CN 5 and 6, say) can fit one broad CN-2 peak better than one
/// component. Start: the ploidy state weighted 0.9; restarts r > 0 perturb λ by a log-normal factor
/// (sd 0.1).

#include <emtk/em/options.hpp>
#include <emtk/mix/mixture.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace emtk::cov {

struct cn_options
{
    mix::family family = mix::family::negbin; ///< the component family (emtk::mix's)
    int max_cn = 6;            ///< states 0 … max_cn
    int ploidy = 2;            ///< copy number of most of the genome (sets the start of λ)
    double cn0_mean = 0.05;    ///< CN-0 mean, a fixed fraction of the haploid mean λ
    double count_scale = 10;   ///< count families: v = round(depth × count_scale)
    double weight_pseudocount = 1e-3; ///< Dirichlet pseudo-count per state weight
    em::options em;            ///< iterations, tolerance, restarts, seed, threads
};

/// \brief The values the states are fitted to, collapsed: distinct values with multiplicities, and
/// each window's index into them.
struct cn_values
{
    std::vector<double> value;        ///< distinct values, ascending
    std::vector<double> count;        ///< multiplicity of each
    std::vector<std::uint32_t> group; ///< per window: index into value
    double scale = 1;                 ///< depth → value factor (1 for the Gaussian)
    [[nodiscard]] std::size_t windows() const noexcept { return group.size(); }
};
/// \brief Values for `family`: depth (Gaussian) or round(depth × count_scale) (count families).
/// \throws user_error when no window has a positive depth.
[[nodiscard]] cn_values make_values(std::vector<double> const & depth, cn_options const & opt);

/// \brief A fitted tied copy-number mixture.
struct cn_mixture_fit
{
    bool ok = false;
    std::string message;
    mix::family family = mix::family::negbin;
    int max_cn = 6;
    double cn0_mean = 0.05;
    double lambda = 0;        ///< haploid mean in value units
    double haploid_depth = 0; ///< λ / scale: the haploid mean depth
    double size = 0;          ///< negative binomial r (0 otherwise)
    double variance = 0;      ///< Gaussian σ² per unit of m_c (0 otherwise)
    std::vector<double> weights; ///< per state c = 0 … max_cn
    double log_likelihood = 0;
    double objective = 0;
    int n_params = 0;
    double bic = 0;
    std::vector<double> trace;
    int iterations = 0;
    em::stop_reason reason = em::stop_reason::max_iter;
    int best_restart = -1;
    int decreases = 0;
};
/// \brief Fits the tied mixture through em::fit.
/// \throws user_error when the values cannot support a fit (no positive value).
[[nodiscard]] cn_mixture_fit fit_cn_mixture(cn_values const & v, cn_options const & opt);

/// \brief Log-density of value v under state c of a tied fit (c = 0 … max_cn).
[[nodiscard]] double cn_log_density(cn_mixture_fit const & f, int c, double v) noexcept;

/// \brief What calling and segmentation need: S states, each with a copy number, a log weight and
/// a log-density at every distinct value.
struct cn_states
{
    std::size_t states = 0;
    std::vector<int> cn;             ///< copy number of each state
    std::vector<double> log_weight;  ///< mixture log weights
    std::vector<double> log_density; ///< distinct values × states, row-major
};
/// \brief States of a tied fit: state c has copy number c.
[[nodiscard]] cn_states tied_states(cn_values const & v, cn_mixture_fit const & f);
/// \brief States of an untied emtk::mix mixture (fitted to the same values): the heaviest component
/// is taken as `ploidy` copies, each component's copy number is round(mean / (that mean / ploidy)),
/// clamped to 0 … max_cn.
[[nodiscard]] cn_states free_states(cn_values const & v, mix::mixture const & m, int ploidy, int max_cn);

/// \brief Mixture calls: per window the most probable copy number (posteriors of states with the
/// same copy number added) and its posterior.
void mixture_calls(cn_values const & v, cn_states const & s, std::vector<int> & cn, std::vector<double> & posterior);

} // namespace emtk::cov
