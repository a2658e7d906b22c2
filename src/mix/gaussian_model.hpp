#pragma once
/// \file
/// \brief Gaussian mixture (d >= 1 columns; full or diagonal covariance; optionally shared) as an
/// em::vector_model (private to src/mix).
///
/// Numerics. Columns are centred on their overall mean before fitting, and the M-step computes a
/// component's scatter as S2/N - mean·meanᵀ from centred sums: the cancellation error is about
/// 1e-16 × (distance of the component from the overall mean / its sd)² relative to its variance,
/// negligible unless a component lies > 1e6 sd away from the data centre. Every covariance gets
/// the floor ridge × var(column) added to its diagonal (MixtureOptions::ridge).

#include "model_base.hpp"

#include <emtk/em/options.hpp>
#include <emtk/mix/dataset.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/util/rng.hpp>

#include <vector>

namespace emtk::mix::detail {

struct gauss_params
{
    std::vector<double> logw;  ///< K log weights
    std::vector<double> mean;  ///< K×d, centred coordinates
    std::vector<double> cov;   ///< K×d×d (full) or K×d (diagonal), floor included
    // Derived by gaussian_model::prepare():
    std::vector<double> chol;  ///< full: K×d×d lower Cholesky factor; diagonal: K×d inverse variances
    std::vector<double> lnorm; ///< K: log w_k - d/2 log 2π - 1/2 log det Σ_k
};

class gaussian_model
{
public:
    using params_type = gauss_params;
    using stats_type = flat_stats;

    gaussian_model(dataset const & data, mixture_options const & opt);

    [[nodiscard]] std::size_t item_count() const noexcept { return n_; }
    [[nodiscard]] flat_stats make_stats(gauss_params const &) const { return flat_stats{std::vector<double>(k_ * block_, 0.0)}; }
    double expect(std::size_t i, gauss_params const & p, flat_stats & s) const
    {
        return mixture_expect(*this, i, p, s, static_cast<int>(k_), hard_);
    }
    /// E-step over items [begin, end): the vectorised kernel for one column (soft EM), otherwise
    /// expect() per item.
    double expect_range(std::size_t begin, std::size_t end, gauss_params const & p, flat_stats & s) const;
    /// Posteriors of items [begin, end) into resp ((end-begin)×K); returns their log-likelihood.
    double posteriors_range(std::size_t begin, std::size_t end, gauss_params const & p, double * resp) const;
    void maximize(flat_stats const & s, gauss_params & p) const { m_step(s, p, false); }
    [[nodiscard]] double log_prior(gauss_params const &) const noexcept { return 0.0; }
    void pack(flat_stats const & s, std::vector<double> & out) const { pack_flat(s, out); }
    [[nodiscard]] std::size_t unpack(std::span<double const> in, flat_stats & s) const { return unpack_flat(in, s); }
    void initialize(rng & gen, gauss_params & p) const;
    [[nodiscard]] std::vector<double> to_vector(gauss_params const & p) const;
    void from_vector(std::vector<double> const & v, gauss_params & p) const;

    // Family interface for mixture_expect.
    void log_joint(std::size_t i, gauss_params const & p, double * lp) const;
    [[nodiscard]] double item_weight(std::size_t) const noexcept { return 1.0; }
    void accumulate(std::size_t i, gauss_params const & p, double const * resp, flat_stats & s) const;

    /// Public form (un-centred, as the user's columns) and back.
    [[nodiscard]] mixture to_public(gauss_params const & p) const;
    [[nodiscard]] gauss_params from_public(mixture const & m) const;

private:
    void m_step(flat_stats const & s, gauss_params & p, bool initial) const;
    void prepare(gauss_params & p) const;
    [[nodiscard]] std::size_t cov_size() const noexcept { return full_ ? d_ * d_ : d_; }

    std::size_t n_, d_, k_, block_;
    bool full_, shared_, hard_;
    std::vector<double> x_;       ///< centred data, n×d
    std::vector<double> centre_;  ///< column means
    std::vector<double> colvar_;  ///< column variances
    std::vector<double> floor_;   ///< ridge × colvar
    std::vector<std::string> labels_; ///< "column 'x'" for messages
};

} // namespace emtk::mix::detail
