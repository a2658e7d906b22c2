#pragma once
/// \file
/// \brief Finite mixtures fitted by the EM core: univariate and multivariate Gaussian, Poisson and
/// negative binomial; k-means++ starts; BIC model selection; classification EM (`hard`).

#include <emtk/em/options.hpp>
#include <emtk/mix/dataset.hpp>
#include <emtk/mix/rows.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace emtk::mix {

enum class family
{
    gaussian, ///< normal; d >= 1 columns, full or diagonal covariance, optionally shared
    poisson,  ///< counts (one column of non-negative integers)
    negbin    ///< negative binomial with mean mu and size r (variance mu + mu^2/r); counts
};
enum class covariance_type
{
    full,    ///< d×d covariance per component
    diagonal ///< independent columns within a component
};

[[nodiscard]] char const * to_string(family f) noexcept;
[[nodiscard]] char const * to_string(covariance_type c) noexcept;
[[nodiscard]] bool parse_family(std::string const & s, family & out) noexcept;
[[nodiscard]] bool parse_covariance(std::string const & s, covariance_type & out) noexcept;

/// Largest K accepted (the E-step keeps K log-densities on the stack).
inline constexpr int max_components = 128;

/// Restart screening iterations used by default on tables with missing entries
/// (mixture_options::screen): each start runs this many EM iterations, the best one alone runs on
/// to convergence (em/fit.hpp, "Restart screening"). Why 5, and why only with missing entries:
/// bench/README.md, "Restart screening". On the benchmark's four scenarios every start reached
/// the same order after 5 iterations as at convergence; EM on incomplete tables converges slowly
/// (a fraction of the information is missing), so the losing starts' runs to convergence were most
/// of the time spent. Complete tables keep running every start to convergence (their outputs
/// stay as they were); `screen` turns it on for them too.
inline constexpr int missing_screen_iterations = 5;

struct mixture_options
{
    family fam = family::gaussian;
    int k = 3;                             ///< number of components
    covariance_type cov = covariance_type::full;
    bool shared_variance = false;          ///< Gaussian: one (co)variance for all components ("tied")
    bool hard = false;                     ///< classification EM: each row wholly in its best component
    /// Variance floor, relative: each component (co)variance gets ridge × (variance of the column
    /// over all rows) added to its diagonal. Keeps densities bounded when a component sits on few
    /// points; a component whose own variance falls below the floor is reported as collapsed.
    double ridge = 1e-6;
    /// Restart screening iterations (em::options::screen_iterations; 0 = off, every start runs to
    /// its stop). -1 (default): missing_screen_iterations when the table has missing entries, off
    /// for a complete table. fit_mixture sets em.screen_iterations from this field.
    int screen = -1;
    /// Batch or stepwise EM. The count families always run batch EM: their E-step runs once per
    /// distinct value, which stays small however many rows there are.
    em::em_mode mode = em::em_mode::automatic;
    /// em_mode::automatic switches to stepwise EM from this many rows on: there a full E-step per
    /// iteration costs more than a few passes of mini-batches (bench/mix_scale.sh).
    std::size_t stepwise_min_rows = 1'000'000;
    /// Stepwise EM on more rows than this seeds k-means++ on a sample of this many rows (drawn
    /// from em.seed, plus the first K distinct rows) rather than on every row: its cost and memory
    /// then stay bounded however many rows there are (gaussian_model.hpp, "Starts").
    std::size_t stepwise_init_rows = 1'000'000;
    /// Iterations, tolerance, restarts, seed, threads, SQUAREM (batch EM only); final_m_step on
    /// (the fit returns the parameters after the last M-step). Stepwise EM: mini-batches of
    /// 100,000 rows, step-size exponent alpha = 0.51 (em.stepwise; `enabled` is set by fit_mixture
    /// from `mode`).
    ///
    /// Why alpha near 0.5 rather than em's 0.7: the stepwise estimate's error has a noise part,
    /// which grows with the step η_k and shrinks with the batch size, and a bias part (the memory
    /// of earlier, worse parameters), which shrinks like exp(−(1 − λ) Σ_j η_j), λ being EM's rate
    /// of convergence (close to 1 for overlapping components). A mini-batch of 100,000 rows has
    /// little noise, so the bias dominates, and Σ η_j grows fastest at the low end of the allowed
    /// range (Σ_{j≤k} η_j ≈ k^(1−α) / (1 − α)). Measured (bench/README.md, "emtk mix at scale"): on
    /// 10^7 values, K = 4, alpha 0.7 reached the 20-pass limit 4.4e-5 per value below batch EM's
    /// log-likelihood; alpha 0.51 met the pass tolerance in 7–17 passes, 6.7e-6 below it.
    em::options em = [] {
        em::options o;
        o.final_m_step = true;
        o.stepwise.batch_size = 100'000;
        o.stepwise.alpha = 0.51;
        return o;
    }();
};

struct component
{
    double weight = 0;              ///< mixing proportion
    std::vector<double> mean;       ///< d values (Poisson: the rate; negbin: the mean)
    std::vector<double> covariance; ///< Gaussian: d×d row-major (full) or d (diagonal); empty otherwise
    double size = 0;                ///< negbin size r (dispersion); 0 otherwise
};

struct mixture
{
    family fam = family::gaussian;
    covariance_type cov = covariance_type::full;
    bool shared_variance = false;
    std::size_t d = 1;
    std::vector<component> components; ///< sorted by the mean of the first column, ascending
};

struct mixture_fit
{
    bool ok = false;           ///< false: every restart collapsed or diverged; see message
    std::string message;
    mixture model;
    double log_likelihood = 0; ///< Σ_rows log Σ_k w_k f_k(x) at the final parameters (also for hard EM)
    double objective = 0;      ///< what EM maximised: log-likelihood, or the classification
                               ///< log-likelihood Σ_rows max_k log w_k f_k(x) with `hard`
    int n_params = 0;          ///< free parameters
    double bic = 0;            ///< -2 log_likelihood + n_params log n
    std::vector<double> trace; ///< objective per iteration, best restart
    int iterations = 0;
    int e_steps = 0;
    em::stop_reason reason = em::stop_reason::max_iter;
    int best_restart = -1;
    std::vector<em::restart_summary> restarts;
    int decreases = 0;         ///< objective decreases beyond round-off (0 unless there is a bug)
    em::stepwise_summary stepwise; ///< what stepwise EM did (stepwise.used false for batch EM)
};

/// \brief The restart screening iterations fit_mixture uses (em::options::screen_iterations):
/// opt.screen, or for -1 missing_screen_iterations when the table has missing entries, else 0.
[[nodiscard]] int screen_iterations(mixture_options const & opt, bool has_missing) noexcept;

/// E-step work (rows × K × (d + 1)², about the flops per row of the Gaussian E-step with missing
/// entries) that one thread must get before fit_mixture gives the E-step of a table with missing
/// entries another thread: 2^24, about 3 ms of E-step on the development machine (10^5 rows,
/// K = 3, d = 5: 1.1e7 units, 2 ms per E-step). Why: every EM iteration opens a parallel region
/// (fork, join). On an idle machine that costs microseconds, but when the cores are oversubscribed
/// a join waits until the scheduler runs the last thread again (up to a time slice, milliseconds),
/// and libgomp's waiting threads spin meanwhile, taking CPU from the ones with work: measured on the
/// benchmark (bench/README.md, "Threads"), -t 2 took 0.99 s against 0.35 s for -t 1 on a loaded
/// 2-core machine. With a few milliseconds of work per thread the gain of a second thread is small
/// even on an idle machine, and the risk large on a busy one. Output does not depend on the number
/// of threads (fixed chunk order, em/fit.hpp), so this changes only speed.
inline constexpr double e_step_work_per_thread = 16'777'216.0;

/// \brief Threads fit_mixture uses for the E-step of a table with missing entries: `threads`, or
/// fewer so that each has at least e_step_work_per_thread of work (at least 1). Complete tables use
/// `threads` as given.
[[nodiscard]] int e_step_threads(std::size_t n, std::size_t d, int k, int threads) noexcept;

/// \brief The EM mode fit_mixture uses for `n` rows with these options (resolves automatic).
/// \throws usage_error for em_mode::stepwise with a count family.
[[nodiscard]] em::em_mode resolve_em_mode(std::size_t n, mixture_options const & opt);

/// \brief Fits a K-component mixture through em::fit.
/// \throws user_error when the data cannot support the request (K > number of distinct rows,
///         non-integer or negative values for a count family, more than one column for a count
///         family, a column with zero variance for the Gaussian). A collapse during fitting is not
///         thrown: the result has ok == false and a message.
[[nodiscard]] mixture_fit fit_mixture(dataset const & data, mixture_options const & opt);

/// \brief fit_mixture for a Gaussian mixture on complete rows read through a row_source (a spool
/// file: the data are never all in memory; rows.hpp). Same checks and errors as fit_mixture.
[[nodiscard]] mixture_fit fit_mixture(row_source const & rows, mixture_options const & opt);

/// \brief Posteriors of blocks of rows without holding n×K values: construct once (one pass for
/// the data centre), then call for consecutive or any ranges. Gaussian on a row_source; for a
/// dataset, any family (the posteriors of rows with nothing observed are the mixing weights).
class posterior_blocks
{
public:
    posterior_blocks(row_source const & rows, mixture const & m, bool hard, int threads);
    posterior_blocks(dataset const & data, mixture const & m, bool hard, int threads);
    ~posterior_blocks();
    posterior_blocks(posterior_blocks const &) = delete;
    posterior_blocks & operator=(posterior_blocks const &) = delete;
    /// \brief P(component | row) of rows [begin, end) into out, (end − begin) × K row-major;
    /// bit for bit the rows of posteriors().
    void operator()(std::size_t begin, std::size_t end, double * out) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// \brief Number of free parameters of a mixture (for BIC).
[[nodiscard]] int free_parameters(mixture const & m) noexcept;

/// \brief Log-likelihood of every row, Σ_rows log Σ_k w_k f_k(x_row).
[[nodiscard]] double log_likelihood(dataset const & data, mixture const & m, int threads = 1);
/// \brief The same for a Gaussian mixture over a row source (rows read block by block).
[[nodiscard]] double log_likelihood(row_source const & rows, mixture const & m, int threads = 1);

/// \brief Posterior probabilities P(component k | row), n×K row-major. With `hard`, one-hot on the
/// most probable component.
[[nodiscard]] std::vector<double> posteriors(dataset const & data, mixture const & m, bool hard = false,
                                             int threads = 1);

/// \brief Model selection over K = k_min … k_max by BIC (lowest wins; fits that collapsed are
/// skipped, and K above the number of distinct rows is listed as failed without a fit). `best` is
/// the index into `fits` (-1 when none succeeded). The only BIC selection of emtk (mix, cov --free).
struct selection
{
    std::vector<int> ks;
    std::vector<mixture_fit> fits;
    int best = -1;
};
/// \param on_k called with each K before its fit (progress reports); may be empty
/// \throws option_error unless 1 <= k_min <= k_max (field "k_range")
[[nodiscard]] selection select_by_bic(dataset const & data, mixture_options opt, int k_min, int k_max,
                                      std::function<void(int k)> const & on_k = {});
/// \brief select_by_bic on rows read through a row_source (a spooled table; rows.hpp).
[[nodiscard]] selection select_by_bic(row_source const & rows, mixture_options opt, int k_min, int k_max,
                                      std::function<void(int k)> const & on_k = {});

} // namespace emtk::mix
