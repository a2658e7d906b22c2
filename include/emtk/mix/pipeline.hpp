#pragma once
/// \file
/// \brief `emtk mix`'s pipeline as one library call: read the columns of a table (complete rows,
/// or rows with missing entries under a missing_policy) → fit one K or every K of a range (lowest
/// BIC wins) → posteriors block by block → imputed values (missing_policy::model). A front end
/// fills run_options, calls run() and writes the result (write_assignments() in assignments.hpp,
/// write_imputed_table() in missing.hpp).
///
/// Complete data (missing_policy::error) go through a spool file (rows.hpp): a stepwise Gaussian
/// fit streams from it (memory bounded by the mini-batch), anything else loads it into memory.

#include <emtk/em/options.hpp>
#include <emtk/mix/missing.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/mix/rows.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace emtk::mix {

/// \brief Everything run() needs.
struct run_options
{
    std::string input;                 ///< TSV/BED table, plain or gzip, or "-" for stdin
    /// Columns (1-based numbers or header names); empty: column 4 of a .bed/.bed.gz, else column 1.
    std::vector<std::string> columns;
    missing_policy missing = missing_policy::error;
    mixture_options fit;               ///< family, covariance, K (fit.k), EM options, …
    /// BIC scan over K = k_min … k_max; 0 (default) fits fit.k only.
    int k_min = 0, k_max = 0;
    /// Imputed tables computed (missing_policy::model): 0 = none; 1 = the conditional expectation;
    /// 1 + N = the expectation and N multiple imputations (draws seeded by fit.em.seed).
    int imputations = 0;
    /// Called with each K before its fit, and after every EM iteration (progress reports); may be empty.
    std::function<void(int k)> on_k;
};

/// \brief Checks the options before any work.
/// \throws option_error naming the field (tol, screen, ridge, step_alpha, shared_variance, draws, k_range).
void validate(run_options const & opt);

/// \brief What run() computed.
struct run_result
{
    incomplete_table table;             ///< the rows (table.data; only n, d, names when streamed)
    std::unique_ptr<spooled_rows> spool; ///< set when the fit streamed from the spool file
    missingness gaps;                   ///< missing entries per column and pattern (empty when streamed)
    selection sel;                      ///< every K fitted; sel.best is the winner (>= 0)
    int best_k = 0;
    /// Posteriors of the best fit, computed block by block (never n × K in memory).
    std::unique_ptr<posterior_blocks> posteriors;
    std::vector<std::vector<double>> imputed; ///< run_options::imputations completed tables (n × d)
    double read_seconds = 0, fit_seconds = 0, impute_seconds = 0;

    [[nodiscard]] mixture_fit const & best() const { return sel.fits[static_cast<std::size_t>(sel.best)]; }
};

/// \brief Runs the pipeline (validate() first); reports rows read, rows dropped and missingness on
/// log::info, rows with nothing observed on log::warning.
/// \throws user_error for unreadable or unusable input (the message names the file and line),
///         option_input_error when no fit succeeded for any K.
[[nodiscard]] run_result run(run_options const & opt);

} // namespace emtk::mix
