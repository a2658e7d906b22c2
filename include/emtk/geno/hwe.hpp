#pragma once
/// \file
/// \brief The baseline of `emtk impute --method hwe`: one ALT allele frequency per site, fitted by
/// EM through em::fit, and missing genotypes drawn from Hardy-Weinberg proportions.
///
/// Model: at site m every genotype is Binomial(2, p_m), independently of all other sites and
/// samples. Items are samples. E-step: an observed genotype contributes its ALT count, a missing
/// one its expectation 2 p_m; M-step: p_m = expected ALT alleles / (2N). The fixed point is the
/// observed allele frequency (missing at random); convergence is linear with rate = the site's
/// missing fraction. Imputation: P(g) = ((1-p)², 2p(1-p), p²). No clamping is needed: p_m = 0
/// only if no ALT allele is observed, and then no observed genotype has probability 0.
/// Memory: M doubles of parameters and of statistics per chunk.

#include <emtk/util/rng.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace emtk::geno {

/// \brief Expected ALT alleles per site, summed over samples.
struct hwe_stats
{
    std::vector<double> alt;
    double samples = 0;
    hwe_stats & operator+=(hwe_stats const & o);
};

/// \brief em::model for per-site allele frequencies; genotypes sample-major (as hapcluster_model).
class hwe_model
{
public:
    using params_type = std::vector<double>; ///< p_m, ALT allele frequency of each site
    using stats_type = hwe_stats;

    hwe_model(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers);

    [[nodiscard]] std::size_t item_count() const noexcept { return n_samples_; }
    [[nodiscard]] stats_type make_stats(params_type const & p) const;
    double expect(std::size_t i, params_type const & p, stats_type & s) const;
    void maximize(stats_type const & s, params_type & p) const;
    [[nodiscard]] double log_prior(params_type const &) const noexcept { return 0.0; }
    /// \brief p_m = 0.5 at every site (the fit is unimodal: the start does not matter).
    void initialize(rng & r, params_type & p) const;

    /// \brief Posterior of g = 0, 1, 2 at a missing genotype of site m: Hardy-Weinberg proportions.
    static void genotype_probabilities(double p, double out[3]) noexcept;

private:
    std::span<std::int8_t const> genotypes_;
    std::size_t n_samples_, n_markers_;
};

} // namespace emtk::geno
