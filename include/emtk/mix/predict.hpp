#pragma once
/// \file
/// \brief Assigning new rows with a fitted mixture, as scikit-learn's `predict` / `predict_proba`
/// (`emtk mix --model PREFIX.json`): read the model a previous `emtk mix` wrote into PREFIX.json,
/// compute each row's posterior P(component | row), and write them as the fit writes PREFIX.tsv.
///
/// The posteriors are those of the fit (mixture.hpp, `posteriors`): the same function on the same
/// parameters — json_writer writes each double in its shortest round-trip form and parse_json reads
/// it back to the same bits — so predicting on the training table reproduces the fit's PREFIX.tsv
/// byte for byte. A fit with `--hard` predicts one-hot posteriors, as it wrote them; missing
/// entries are handled by the fit's policy (`missing.policy` in the JSON; absent = error).

#include <emtk/mix/assignments.hpp>
#include <emtk/mix/dataset.hpp>
#include <emtk/mix/missing.hpp>
#include <emtk/mix/mixture.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace emtk::mix {

/// \brief A mixture read back from the JSON summary of `emtk mix`.
struct fitted_mixture
{
    mixture model;
    bool hard = false;                          ///< fitted by classification EM (one-hot posteriors)
    std::vector<std::string> columns;           ///< the fitted columns: header names or 1-based numbers
    missing_policy policy = missing_policy::error; ///< how the fit treated missing entries
};

/// \brief Reads the model of a JSON summary written by `emtk mix` ("-" = stdin).
/// \throws user_error naming the file and the member that is missing or malformed (not JSON, not
///         an `emtk mix` summary, an unknown family, a parameter of the wrong length or range).
[[nodiscard]] fitted_mixture read_fitted_mixture(std::string const & path);

/// \brief Posterior probabilities of each row of `data` (n×K, row-major) under the fitted model.
/// \throws user_error naming `data.source` when its number of columns is not the model's, or a
///         count family meets a value that is not a non-negative integer.
[[nodiscard]] std::vector<double> predict_proba(dataset const & data, fitted_mixture const & m, int threads = 1);

} // namespace emtk::mix
