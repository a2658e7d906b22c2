#pragma once
/// \file
/// \brief The haplotype-cluster HMM of fastPHASE (Scheet & Stephens 2006, AJHG 78:629) for unphased
/// diploid genotypes, as an em::model whose items are samples.
///
/// Model. Each of a sample's two haplotypes is a Markov chain over K clusters along the M markers.
/// Between markers m-1 and m a chain "jumps" with probability ρ_m; after a jump (and at the first
/// marker) it lands on cluster k with probability α_{mk}; otherwise it stays. Cluster k carries the
/// ALT allele at marker m with probability θ_{mk}. A genotype g ∈ {0,1,2} is the sum of the two
/// haplotypes' alleles; a missing genotype emits 1. The transition of one chain is
///     T_m(k, l) = (1 - ρ_m) δ_{kl} + ρ_m α_{ml}.
/// fastPHASE writes ρ_m = 1 - exp(-r_m d_m); we fit ρ_m directly (distances are not needed).
///
/// Pair state and the O(K²) recursion. The hidden state of a sample is the pair (z¹, z²). We keep
/// it as the ordered pair (a K×K array, symmetric because both chains share their parameters):
/// the unordered-pair posterior of fastPHASE is p(k,l) + p(l,k) for k ≠ l. Because the two chains
/// jump independently, the pair transition factorises (stay-both / one-jumps / both-jump):
///     Σ_{k1,k2} f(k1,k2) T(k1,l1) T(k2,l2)
///       = (1-ρ)² f(l1,l2) + ρ(1-ρ) [α_{l2} R(l1) + α_{l1} R(l2)] + ρ² α_{l1} α_{l2} Σf,
/// with R(k) = Σ_l f(k,l) the row sums (= column sums by symmetry). One marker therefore costs
/// O(K²) per sample instead of the naive O(K⁴); the backward recursion factorises the same way
/// with u(k) = Σ_l α_l h(k,l). test/unit/geno checks both against the naive O(K⁴) recursion.
/// Every pair array is symmetric, so only its upper triangle (k <= l) is computed; a full row sum
/// is the triangle's row part plus its column part (K(K+1)/2 pair states per marker). The forward
/// pass stores the prediction before the emission, so the expected ALT count of a chain needs no
/// division: γ(k,l)·P(x¹=1 | k,l,g) = pred(k,l)·b(k,l)·θ_k·P(x² = g-1 | θ_l) / c_m.
///
/// Numerics: scaled forward-backward (Rabiner 1989): the forward vector is normalised at every
/// marker by c_m = p(g_m | g_1..g_{m-1}), the backward vector divided by the same c_m, and
/// log p(g) = Σ_m log c_m. No logarithms inside the recursion; the scaled values stay O(1), so
/// there is no underflow for any M. Everything in double precision.
///
/// EM (the appendix of Scheet & Stephens 2006). Expected statistics per marker: jumps into each
/// cluster (ρ and α), chains per cluster at observed genotypes and their expected ALT alleles (θ).
/// M-step: ρ_m = E[jumps at m] / (2N), α_{mk} = E[jumps into k at m] / E[jumps at m],
/// θ_{mk} = E[ALT alleles of k at m] / E[chains in k at m]. Each expected complete-data
/// log-likelihood term is concave in one parameter (a·log x + b·log(1-x)), so clamping θ to
/// [theta_min, theta_max] and ρ to [jump_min, jump_max] is the exact constrained maximiser:
/// the objective (the log-likelihood) still never decreases. α is not clamped. A parameter
/// without data (no observed genotype at m, no expected jump) keeps its previous value.
///
/// Memory: the model references the genotypes (N × M bytes, sample-major); one E-step call keeps
/// the forward pass of one sample, M × K² doubles (thread-local, reused), and statistics of
/// 3·M·K + M doubles per chunk of samples.

#include <emtk/util/rng.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace emtk::geno {

/// A missing genotype in a genotype matrix (others are 0, 1, 2 = ALT allele count).
inline constexpr std::int8_t missing_genotype = -1;

/// \brief Options of the haplotype-cluster model. Defaults are documented here and nowhere else.
struct hapcluster_options
{
    int clusters = 12;          ///< K, haplotype clusters
    /// θ is clamped to [theta_min, theta_max] (fastPHASE bounds θ away from 0 and 1 likewise): a
    /// cluster never rules an allele out, so one genotyping error cannot make the likelihood 0.
    double theta_min = 0.001;
    double theta_max = 0.999;
    double jump_min = 1e-6;     ///< ρ floor: chains can always switch cluster
    double jump_max = 0.999;    ///< ρ ceiling
    double jump_init = 0.05;    ///< ρ of every interval at a random start
};

/// \brief Parameters for M markers and K clusters.
struct hapcluster_params
{
    int K = 0;
    std::size_t M = 0;
    std::vector<double> jump;  ///< ρ_m, M values; jump[0] is unused (every chain starts with a "jump")
    std::vector<double> alpha; ///< α_{mk}, M×K row-major, rows sum to 1
    std::vector<double> theta; ///< θ_{mk}, M×K row-major, P(ALT | cluster k at marker m)
};

/// \brief Expected sufficient statistics (sums over samples; both chains of each sample).
struct hapcluster_stats
{
    std::vector<double> jumps;   ///< M: expected jumps into marker m (jumps[0] = number of chains)
    std::vector<double> jump_to; ///< M×K: expected jumps landing on cluster k at marker m
    std::vector<double> chains;  ///< M×K: expected chains in cluster k at m (observed genotypes only)
    std::vector<double> alt;     ///< M×K: expected ALT alleles carried by those chains
    double samples = 0;          ///< samples summed

    hapcluster_stats & operator+=(hapcluster_stats const & o);
};

/// \brief Zero statistics for M markers and K clusters.
[[nodiscard]] hapcluster_stats make_hapcluster_stats(int K, std::size_t M);

/// \brief Forward-backward for one sample's genotype vector g (M values in {-1,0,1,2}).
/// \param stats        when not null, the sample's expected statistics are added to it
/// \param genotype_out when not null, M×3 posterior probabilities of g = 0, 1, 2 at every marker
///                     (at observed markers, the posterior given all data: a point mass)
/// \param pair_out     when not null, M×K×K posterior of the ordered pair (z¹, z²) (tests)
/// \returns log p(g | params)
double hapcluster_forward_backward(hapcluster_params const & p, std::span<std::int8_t const> g,
                                   hapcluster_stats * stats, double * genotype_out = nullptr,
                                   std::vector<double> * pair_out = nullptr);

/// \brief log p(g | params) from an independent scaled backward pass (tests: equals the forward
/// value up to round-off).
[[nodiscard]] double hapcluster_backward_loglik(hapcluster_params const & p, std::span<std::int8_t const> g);

/// \brief Random start: θ_{mk} uniform on [theta_min, theta_max], α = 1/K, ρ = jump_init
/// (the start of fastPHASE, whose θ are uniform on (0,1)).
void hapcluster_initialize(hapcluster_params & p, int K, std::size_t M, hapcluster_options const & opt, rng & r);

/// \brief The M-step described in the file comment (stats → params, in place).
void hapcluster_maximize(hapcluster_stats const & s, hapcluster_params & p, hapcluster_options const & opt);

/// \brief The haplotype-cluster model as an em::model: items are the samples of a genotype matrix
/// stored sample-major (sample i's M genotypes are contiguous). The matrix is referenced, not copied.
class hapcluster_model
{
public:
    using params_type = hapcluster_params;
    using stats_type = hapcluster_stats;

    /// \param genotypes n_samples × n_markers values, sample-major
    hapcluster_model(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
                     hapcluster_options const & opt);

    [[nodiscard]] std::size_t item_count() const noexcept { return n_samples_; }
    [[nodiscard]] std::size_t marker_count() const noexcept { return n_markers_; }
    [[nodiscard]] stats_type make_stats(params_type const & p) const;
    double expect(std::size_t i, params_type const & p, stats_type & s) const;
    void maximize(stats_type const & s, params_type & p) const;
    [[nodiscard]] double log_prior(params_type const &) const noexcept { return 0.0; }
    void initialize(rng & r, params_type & p) const;

    /// \brief Sample i's genotypes.
    [[nodiscard]] std::span<std::int8_t const> sample(std::size_t i) const noexcept
    {
        return genotypes_.subspan(i * n_markers_, n_markers_);
    }
    [[nodiscard]] hapcluster_options const & options() const noexcept { return opt_; }

private:
    std::span<std::int8_t const> genotypes_;
    std::size_t n_samples_, n_markers_;
    hapcluster_options opt_;
};

} // namespace emtk::geno
