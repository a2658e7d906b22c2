#pragma once
/// \file
/// \brief Gaussian mixture (d >= 1 columns; full or diagonal covariance; optionally shared) as an
/// em::vector_model (private to src/mix).
///
/// Data. Complete data are read through a row_source (rows.hpp: a dataset in memory, or a spool
/// file read block by block) and centred block by block as they are used, into a per-thread
/// buffer: the model holds no copy of the data. Tables with missing entries keep the centred
/// copy x_ (missing entries at 0), which the per-pattern code indexes by row.
///
/// Starts. Batch EM seeds k-means++ on every row. Stepwise EM, meant for data that need not fit
/// in memory, seeds it on a sample: mixture_options::stepwise_init_rows rows drawn with
/// replacement from the seed (duplicates dropped) plus the first K distinct rows of the data (so
/// K distinct centres always exist); with fewer rows than that, on every row as batch EM does.
///
/// Numerics. Columns are centred on their overall mean before fitting, and the M-step computes a
/// component's scatter as S2/N - mean·meanᵀ from centred sums: the cancellation error is about
/// 1e-16 × (distance of the component from the overall mean / its sd)² relative to its variance,
/// negligible unless a component lies > 1e6 sd away from the data centre. Every covariance gets
/// the floor ridge × var(column) added to its diagonal (MixtureOptions::ridge).
///
/// Missing values (dataset::missing, Little & Rubin 2002, ch. 11). Rows are grouped by their
/// missingness pattern (o = observed, m = missing coordinates). For each pattern and component,
/// prepare() factorises Σ_oo = L Lᵀ (Cholesky), keeps L⁻¹ and log det Σ_oo, and forms the
/// regression B = Σ_mo Σ_oo⁻¹ and the conditional covariance C = Σ_mm − B Σ_om. The E-step then
/// uses the marginal density of x_o for the responsibilities (quadratic form ‖L⁻¹(x_o − μ_o)‖²),
/// and the expected sufficient statistics E[x] = (x_o, μ_m + B (x_o − μ_o)) and
/// E[x xᵀ] = E[x] E[x]ᵀ + C on the mm block, so the M-step below is unchanged and each
/// iteration is an exact EM step for the observed-data log-likelihood. expect_range() groups the
/// rows of a chunk by pattern and runs a vectorised kernel over each group; since E[x] is affine
/// in x_o, a group's statistics are Σr, Σr x_o and Σr x_o x_oᵀ per component, mapped to the full
/// coordinates once per group (gaussian_missing.cpp). Missing entries are stored
/// as 0 in x_ (the column mean after centring); that is what the k-means++ start sees (a
/// mean-imputed start), never what the E-step uses. Complete rows take the code path of complete
/// data, so a table without missing values gives the same bits as before.

#include "model_base.hpp"

#include <emtk/em/options.hpp>
#include <emtk/mix/dataset.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/mix/rows.hpp>
#include <emtk/util/rng.hpp>

#include <cstdint>
#include <memory>
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
    // Missing-value caches, index q×K + k for incomplete pattern q (empty for complete data):
    std::vector<double> p_lnorm;             ///< log w_k - d_o/2 log 2π - 1/2 log det Σ_oo
    std::vector<std::vector<double>> p_chol; ///< full: L⁻¹ (d_o×d_o, lower), Σ_oo = L Lᵀ; diagonal: 1/σ²_o
    std::vector<std::vector<double>> p_reg;  ///< full: B = Σ_mo Σ_oo⁻¹, d_m×d_o; diagonal: empty
    std::vector<std::vector<double>> p_ccov; ///< full: C = Σ_mm - B Σ_om, d_m×d_m; diagonal: σ²_m
};

class gaussian_model
{
public:
    using params_type = gauss_params;
    using stats_type = flat_stats;

    gaussian_model(dataset const & data, mixture_options const & opt);
    /// Complete data from any row source (the source must outlive the model).
    gaussian_model(row_source const & rows, mixture_options const & opt);

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

    /// Log joint densities lp[k] = log w_k + log f_k(x) of a centred complete row x (d values).
    void log_joint_x(double const * x, gauss_params const & p, double * lp) const;
    /// Adds resp[k] × (1, x, x xᵀ) of a centred complete row x to component k's statistics.
    void accumulate_row(double const * x, double const * resp, flat_stats & s) const;
    /// Centred rows [begin, end) ((end-begin)×d): into x_ when the model keeps it, else into buf.
    [[nodiscard]] double const * centred(std::size_t begin, std::size_t end, std::vector<double> & buf) const;

    /// Row i with its missing entries filled (user coordinates, d values): the conditional
    /// expectation under the mixture (gen null), or a draw from the conditional distribution.
    void impute_row(std::size_t i, gauss_params const & p, rng * gen, double * out) const;

private:
    struct pattern
    {
        std::vector<std::size_t> obs, mis; ///< observed and missing coordinates
        std::size_t rows = 0;              ///< rows with this pattern
        /// Their observed values (centred), one column of `rows` values per observed coordinate,
        /// rows in input order: the E-step kernel reads a chunk's rows of the pattern as one slice.
        /// A second copy of x_'s observed entries: a table with gaps takes up to 16 bytes per value.
        std::vector<double> x;
    };
    /// Pattern of row i: 0 for complete data (no mask), else 1 + index into patterns_ (complete
    /// rows of a table with gaps included).
    [[nodiscard]] std::size_t pattern_of(std::size_t i) const noexcept
    {
        return pattern_of_row_.empty() ? 0 : pattern_of_row_[i];
    }
    void accumulate_complete(std::size_t i, double const * resp, flat_stats & s) const;
    /// Constructor parts: centre and variances by two passes over src_; the stepwise start sample.
    void scan_source();
    void check_variances(std::string const & source, std::vector<double> const & n_obs, double ridge);
    void draw_start_sample(mixture_options const & opt);
    void log_joint_missing(std::size_t i, std::size_t q, gauss_params const & p, double * lp) const;
    /// Adds the expected statistics of row x (d values, centred, pattern q ≥ 1) weighted by resp.
    void accumulate_missing(double const * x, std::size_t q, gauss_params const & p, double const * resp,
                            flat_stats & s) const;
    /// Conditional mean of component k for row x (pattern q ≥ 1), centred coordinates, all d.
    void conditional_mean(double const * x, std::size_t q, gauss_params const & p, std::size_t k,
                          double * xhat) const;
    /// Numbers the missingness patterns of data (pattern_of_row_, patterns_, pos_in_pattern_).
    void number_patterns(dataset const & data);
    void prepare_patterns(gauss_params & p) const;
    /// expect_range() for data with missing entries: rows grouped by pattern (gaussian_missing.cpp).
    double expect_range_missing(std::size_t begin, std::size_t end, gauss_params const & p, flat_stats & s) const;
    /// Adds one pattern group's Σr, Σr x_o, Σr x_o x_oᵀ (agg, per component) to s.
    void fold_pattern(std::size_t q, gauss_params const & p, double const * agg, flat_stats & s) const;
    /// Constructor part for data with missing entries: centre, variances, x_ and the patterns.
    void index_patterns(dataset const & data, std::vector<double> & n_obs);

    void m_step(flat_stats const & s, gauss_params & p, bool initial) const;
    void prepare(gauss_params & p) const;
    [[nodiscard]] std::size_t cov_size() const noexcept { return full_ ? d_ * d_ : d_; }

    std::size_t n_, d_, k_, block_;
    bool full_, shared_, hard_;
    std::shared_ptr<row_source const> own_; ///< the dataset_rows view src_ points to (dataset constructor)
    row_source const * src_ = nullptr;      ///< complete data: the raw rows; null when x_ holds them
    std::vector<double> x_;       ///< centred data, n×d, for tables with a missing-value mask only
    std::vector<double> start_rows_; ///< stepwise: centred rows k-means++ starts from (empty: all)
    std::vector<double> centre_;  ///< column means
    std::vector<double> colvar_;  ///< column variances
    std::vector<double> floor_;   ///< ridge × colvar
    std::vector<std::string> labels_; ///< "column 'x'" for messages
    std::vector<pattern> patterns_;   ///< distinct incomplete patterns, in order of first row
    std::vector<std::uint32_t> pattern_of_row_; ///< see pattern_of(); empty for complete data
    std::vector<std::uint32_t> pos_in_pattern_; ///< index of row i among its pattern's rows
};

} // namespace emtk::mix::detail
