#pragma once
/// \file
/// \brief Poisson and negative-binomial mixtures of counts as em::vector_models (private to src/mix).
///
/// Items are the distinct count values with their multiplicities (dataset → collapse_values), so
/// an E-step costs O(distinct values × K), not O(rows × K): depth and read-count data have a few
/// hundred distinct values among millions of rows. Results equal the row-by-row computation up to
/// the order of floating-point additions.
///
/// Negative binomial, mean μ and size r: P(x) = Γ(x+r)/(Γ(r) x!) (r/(r+μ))^r (μ/(r+μ))^x,
/// variance μ + μ²/r. Its M-step is exact for μ (the weighted mean maximises the likelihood for any
/// r) and a safeguarded Newton search over log r on the profile likelihood, accepted only when it
/// increases it: a generalised EM step, so the objective still never decreases. r is kept in
/// [1e-4, 1e6]; at r = 1e6 the distribution is within ~μ²/r of a Poisson, and lgamma(x+r)-lgamma(r)
/// loses at most ~1e-10 relative precision.

#include "model_base.hpp"

#include <emtk/mix/dataset.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/util/rng.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace emtk::mix::detail {

struct count_params
{
    std::vector<double> logw; ///< K log weights
    std::vector<double> mean; ///< K means (Poisson rate λ, or negative-binomial μ)
    std::vector<double> size; ///< K sizes r (negative binomial only)
};

/// Statistics: per component [Σ resp, Σ resp·x]; for the negative binomial also each item's
/// responsibilities (appended in item order; chunks merge in chunk order so they stay sorted).
struct count_stats
{
    std::vector<double> sums;        ///< K×2
    std::vector<std::uint32_t> item; ///< negbin: item index of each appended block
    std::vector<double> resp;        ///< negbin: K responsibilities × multiplicity per appended item
    count_stats & operator+=(count_stats const & o);
};

class count_model
{
public:
    using params_type = count_params;
    using stats_type = count_stats;

    /// \throws user_error if the column holds negative or non-integer values.
    count_model(dataset const & data, mixture_options const & opt);

    [[nodiscard]] std::size_t item_count() const noexcept { return vals_.value.size(); }
    [[nodiscard]] count_stats make_stats(count_params const &) const;
    double expect(std::size_t i, count_params const & p, count_stats & s) const
    {
        return mixture_expect(*this, i, p, s, static_cast<int>(k_), hard_);
    }
    void maximize(count_stats const & s, count_params & p) const;
    [[nodiscard]] double log_prior(count_params const &) const noexcept { return 0.0; }
    /// MPI E-step (em::packable_model): sums, then the number of appended items, their indices
    /// (exact as doubles below 2^53) and their responsibilities.
    void pack(count_stats const & s, std::vector<double> & out) const;
    [[nodiscard]] std::size_t unpack(std::span<double const> in, count_stats & s) const;
    void initialize(rng & gen, count_params & p) const;
    [[nodiscard]] std::vector<double> to_vector(count_params const & p) const;
    void from_vector(std::vector<double> const & v, count_params & p) const;

    void log_joint(std::size_t i, count_params const & p, double * lp) const;
    [[nodiscard]] double item_weight(std::size_t i) const noexcept { return vals_.count[i]; }
    void accumulate(std::size_t i, count_params const & p, double const * resp, count_stats & s) const;

    [[nodiscard]] mixture to_public(count_params const & p) const;
    [[nodiscard]] count_params from_public(mixture const & m) const;
    [[nodiscard]] weighted_values const & values() const noexcept { return vals_; }

private:
    void update_size(count_stats const & s, std::size_t k, double mu, double & r) const;

    std::size_t k_;
    bool negbin_, hard_;
    weighted_values vals_;
    std::vector<double> lfact_; ///< lgamma(x+1) per distinct value
};

} // namespace emtk::mix::detail
