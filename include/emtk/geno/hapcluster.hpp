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
/// Kernel layout. Every pair array is symmetric; it is stored in full (K rows of Kp values, Kp =
/// K rounded up to 4, the padding columns held at 0 in every forward quantity), and every row sum
/// is accumulated as a column sum, acc(l) += x(k,l) over rows k: contiguous element-wise loops
/// that the compiler vectorises (baseline SSE2, and AVX2 in a second copy of the single-precision
/// kernel chosen at load time, hapcluster.cpp run_single) without reordering a floating-point sum,
/// so the result does not depend on the vector width. Per marker the forward makes one sweep over the
/// pairs, the backward two (the accumulating sweep, then b̂_{m-1}); emissions are formed inside
/// the sweeps from per-row constants (a template per genotype value 0, 1, 2, missing), with no
/// exp/log and no division per pair. The forward pass stores the prediction before the emission,
/// so the expected ALT count of a chain needs no division:
/// γ(k,l)·P(x¹=1 | k,l,g) = pred(k,l)·b̂(k,l)·θ_k·P(x² = g-1 | θ_l) / c_m.
///
/// Numerics: scaled forward-backward (Rabiner 1989): the forward vector is normalised at every
/// marker by c_m = p(g_m | g_1..g_{m-1}), the backward vector divided by the same c_m, and
/// log p(g) = Σ_m log c_m. No logarithms inside the recursion; the scaled values stay O(1), so
/// there is no underflow for any M.
///
/// Precision. The reference recursion (hapcluster_forward_backward on params; tests) is double
/// throughout. The E-step of hapcluster_model and the imputation pass use the same recursion in
/// single precision (hapcluster_prepared): pair arrays, sweeps and per-marker K-sums in float
/// (4 pairs per SSE2 instruction, 8 per AVX2, half the memory traffic), while c_m is summed, log p(g)
/// accumulated, and the statistics and genotype posteriors accumulated in double. Round-off of
/// float is ~6e-8 per operation and does not grow along the chain (each marker renormalises and
/// the chain forgets): measured relative error of log p(g) ~1e-8, of statistics and posteriors
/// < 1e-5 absolute (test/unit/geno bounds them against double). α below float's smallest normal
/// (1.2e-38) acts as 0. Self-check: Σ_{k,l} γ_m(k,l) = 1 at every marker; a sample whose float
/// run fails it by more than single_gamma_tolerance (float under/overflow: c_m = 0, infinite
/// backward values) is redone in double, so the fast path never returns garbage.
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
/// the forward predictions of one sample, M × K × Kp floats (doubles in the reference path;
/// thread-local, reused), 3·M·K + M doubles of per-sample statistics, and statistics of
/// 3·M·K + M doubles per chunk of samples.

#include <emtk/util/rng.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
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
    /// E-step in single precision (hapcluster_prepared; falls back to double for a sample whose
    /// self-check fails). false: the double-precision reference recursion everywhere.
    bool single_precision = true;
    /// Random start from the data (hapcluster_model::initialize): cluster k's θ is
    /// (p_m + x_mk) / 2, with p_m the observed ALT frequency and x_mk an allele of one random
    /// sample (homozygous: its allele; heterozygous: a fair coin; missing: Bernoulli(p_m)).
    /// false: θ uniform on [theta_min, theta_max] as in fastPHASE.
    bool data_start = true;
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

/// \brief Where a forward-backward call puts a draw of the sample's two haplotypes from their
/// posterior (phasing): the pair path (z¹, z²) is drawn backwards from the stored forward
/// quantities (stochastic traceback: z_M ∝ f̂_M, then z_{m-1} ∝ f̂_{m-1}(z') T(z'¹, z¹) T(z'², z²),
/// split into its stay/jump cases so a marker costs O(K), a both-chains-jump step O(K²)); then at
/// each marker the alleles given the clusters (k, l) and the genotype: 0/0 and 1/1 as observed, a
/// heterozygote 1|0 with probability θ_k(1-θ_l) / [θ_k(1-θ_l) + (1-θ_k)θ_l], a missing genotype
/// two independent alleles Bernoulli(θ_k), Bernoulli(θ_l). So hap1 + hap2 = g at every observed
/// marker. The alleles are written as 0/1 bytes, M each.
struct haplotype_draw
{
    rng * random = nullptr;       ///< the sample's own stream (determinism)
    std::uint8_t * hap1 = nullptr;
    std::uint8_t * hap2 = nullptr;
};

/// \brief Forward-backward for one sample's genotype vector g (M values in {-1,0,1,2}).
/// \param stats        when not null, the sample's expected statistics are added to it
/// \param genotype_out when not null, M×3 posterior probabilities of g = 0, 1, 2 at every marker
///                     (at observed markers, the posterior given all data: a point mass)
/// \param pair_out     when not null, M×K×K posterior of the ordered pair (z¹, z²) (tests)
/// \param draw         when not null, a posterior draw of the two haplotypes (haplotype_draw)
/// \returns log p(g | params)
double hapcluster_forward_backward(hapcluster_params const & p, std::span<std::int8_t const> g,
                                   hapcluster_stats * stats, double * genotype_out = nullptr,
                                   std::vector<double> * pair_out = nullptr, haplotype_draw const * draw = nullptr);

/// \brief The single-precision forward-backward fails its self-check (and the sample is redone in
/// double) when Σ_{k,l} γ_m(k,l) differs from 1 by more than this at some marker. Round-off of
/// the float recursion keeps |Σγ - 1| below ~1e-5 (K <= 100); a larger error means underflow
/// or overflow of float (tiny α or huge scaled backward values).
inline constexpr double single_gamma_tolerance = 1e-3;

/// \brief Parameters converted once for the single-precision kernel (float, rows padded to a
/// multiple of 4 so that every pair loop is whole SSE2 registers). Keeps a reference to `p`
/// (the double-precision fallback): `p` must outlive this object and not change.
class hapcluster_prepared
{
public:
    explicit hapcluster_prepared(hapcluster_params const & p);
    ~hapcluster_prepared();
    hapcluster_prepared(hapcluster_prepared const &) = delete;
    hapcluster_prepared & operator=(hapcluster_prepared const &) = delete;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    friend double hapcluster_forward_backward(hapcluster_prepared const &, std::span<std::int8_t const>,
                                              hapcluster_stats *, double *, bool *, haplotype_draw const *);
};

/// \brief The same forward-backward in single precision (the E-step of hapcluster_model and
/// the imputation pass): pair arrays, forward, backward and the per-marker sums in float; c_m,
/// log p(g), the statistics and the genotype posteriors in double. Errors (tests bound them):
/// log p(g) relative ~1e-7 per marker, statistics and posteriors ~1e-5 relative. A sample whose
/// self-check fails (see single_gamma_tolerance) is recomputed in double; *fell_back tells.
/// With neither `stats` nor `genotype_out` (both overloads) only the forward pass runs: log p(g)
/// and the draw need nothing else (the forward's own check, c_m > 0 and finite, still applies).
double hapcluster_forward_backward(hapcluster_prepared const & p, std::span<std::int8_t const> g,
                                   hapcluster_stats * stats, double * genotype_out = nullptr,
                                   bool * fell_back = nullptr, haplotype_draw const * draw = nullptr);

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
    /// \brief The E-step of samples [begin, end) (em::range_model): converts the parameters once.
    double expect_range(std::size_t begin, std::size_t end, params_type const & p, stats_type & s) const;
    /// \brief MPI E-step (em::packable_model, em/distributed.hpp): the statistics as doubles
    /// (sizes fixed by make_stats), and back.
    void pack(stats_type const & s, std::vector<double> & out) const;
    [[nodiscard]] std::size_t unpack(std::span<double const> in, stats_type & s) const;
    void maximize(stats_type const & s, params_type & p) const;
    [[nodiscard]] double log_prior(params_type const &) const noexcept { return 0.0; }
    /// \brief A random start: hapcluster_initialize, then θ from the data when options().data_start.
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
    std::vector<double> freq_; ///< observed ALT frequency per marker (0.5 without data)
};

} // namespace emtk::geno
