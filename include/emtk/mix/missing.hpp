#pragma once
/// \file
/// \brief Incomplete tables for `emtk mix`: reading missing entries into a dataset with a mask,
/// describing the missingness, and imputing the missing entries from a fitted mixture.
///
/// A missing entry is an empty field or one of the markers NA, na, NaN, nan, '.', N/A, null,
/// NULL (the markers the table reader already recognises in its error messages). The fit itself
/// (mixture.hpp, fit_mixture) maximises the observed-data log-likelihood: each row contributes
/// the marginal density of its observed coordinates (Little & Rubin 2002, ch. 11).

#include <emtk/mix/dataset.hpp>
#include <emtk/mix/mixture.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace emtk::mix {

enum class missing_policy
{
    error, ///< a missing entry is an input error (the reader's historical behaviour)
    drop,  ///< rows with a missing entry in a fitted column are left out
    model  ///< rows are kept; the model integrates the missing entries out
};

[[nodiscard]] char const * to_string(missing_policy p) noexcept;
[[nodiscard]] bool parse_missing_policy(std::string const & s, missing_policy & out) noexcept;

/// \brief True for the fields read as a missing entry (empty, NA, NaN, '.', ...).
[[nodiscard]] bool is_missing_marker(std::string_view field) noexcept;

/// \brief A table read for a mixture fit, with what is needed to write it back imputed.
struct incomplete_table
{
    dataset data;                   ///< fitted columns; missing entries NaN and flagged in data.missing
    std::size_t dropped_rows = 0;   ///< rows left out (missing_policy::drop)
    std::vector<std::size_t> field; ///< 0-based field of each fitted column in a line
    bool tabs = true;               ///< fields separated by tabs (else by runs of spaces)
    std::vector<std::string> lines; ///< every input line (missing_policy::model only)
    std::vector<std::size_t> line_index_of_row; ///< index into `lines` of each row (model only)
};

/// \brief Reads the numeric `columns` (1-based numbers or header names) of a TSV/BED table.
/// With missing_policy::error this is read_numeric_table (util/table_reader.hpp) exactly.
/// \throws user_error naming file, line and column for a field that is neither a number nor a
///         missing marker, a short line, an unknown column, no data rows, or (policy model) a
///         column whose every value is missing.
[[nodiscard]] incomplete_table read_incomplete_table(std::string const & path, std::vector<std::string> const & columns,
                                                     missing_policy policy);

/// \brief How the entries of a dataset are missing.
struct missingness
{
    std::vector<std::uint64_t> per_column; ///< missing entries of each column
    std::uint64_t rows_with_missing = 0;   ///< rows with at least one missing entry
    std::uint64_t rows_all_missing = 0;    ///< rows with no observed entry
    std::vector<std::uint64_t> all_missing_lines; ///< file lines of those rows (at most 20)
    /// Distinct patterns (d flags, 1 = missing, complete pattern included), most frequent first,
    /// ties in lexicographic order of the flags; `pattern_rows` their counts.
    std::vector<std::vector<std::uint8_t>> patterns;
    std::vector<std::uint64_t> pattern_rows;
};
[[nodiscard]] missingness describe_missing(dataset const & data);

/// \brief The dataset's values with every missing entry replaced (n*d, row-major; observed
/// entries unchanged). draw < 0: by its conditional expectation E[x_mis | x_obs] under the fitted
/// mixture, Σ_k P(k | x_obs) E_k[x_mis | x_obs]. draw >= 0: by one draw from the conditional
/// distribution (component from P(k | x_obs), then the component's conditional normal, Poisson or
/// negative binomial), from the random stream (seed, draw, row): the same for any thread count.
/// The parameters are held at the fitted values (parameter uncertainty is not propagated).
[[nodiscard]] std::vector<double> impute(dataset const & data, mixture const & m, int draw, std::uint64_t seed,
                                         int threads = 1);

/// \brief Writes the input table back (every line, every column, in input order) with each
/// missing entry of a fitted column replaced by `completed` (n*d, from impute()), formatted with
/// up to 10 significant digits (counts: as integers when the value is one).
void write_imputed_table(std::ostream & out, incomplete_table const & table, std::vector<double> const & completed);

} // namespace emtk::mix
