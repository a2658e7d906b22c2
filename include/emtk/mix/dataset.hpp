#pragma once
/// \file
/// \brief The data a mixture is fitted to: n rows × d numeric columns.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace emtk::mix {

/// \brief A compact row-to-line map: for each run of skipped lines (header, comments, blank or
/// dropped lines), the first row after it and the number of lines skipped before that row in
/// total; ascending by row. Row i is then line i + 1 + (the total of the last run at or before i).
using line_runs = std::vector<std::pair<std::size_t, std::uint64_t>>;

/// \brief File line of row i under `runs` (binary search).
[[nodiscard]] inline std::uint64_t line_of(line_runs const & runs, std::size_t i) noexcept
{
    auto it = std::upper_bound(runs.begin(), runs.end(), i,
                               [](std::size_t v, std::pair<std::size_t, std::uint64_t> const & r) { return v < r.first; });
    return i + 1 + (it == runs.begin() ? 0 : std::prev(it)->second);
}

struct dataset
{
    std::size_t n = 0;              ///< rows
    std::size_t d = 0;              ///< columns
    std::vector<double> values;     ///< n*d, row-major
    std::vector<std::string> names; ///< column names, for messages and output
    std::string source = "<data>";  ///< file name, for messages
    std::vector<std::uint64_t> line_of_row; ///< file line of each row (empty: see line_shift)
    line_runs line_shift; ///< used when line_of_row is empty (both empty: row i is line i+1)
    /// n*d flags, 1 where the entry is missing (its value is then NaN); empty when nothing is
    /// missing. Only `--missing model` produces a non-empty mask (missing.hpp).
    std::vector<std::uint8_t> missing;

    [[nodiscard]] bool has_missing() const noexcept { return !missing.empty(); }
    /// True when an entry is missing (has_missing() can hold for an all-zero mask).
    [[nodiscard]] bool any_missing() const noexcept
    {
        return std::any_of(missing.begin(), missing.end(), [](std::uint8_t m) { return m != 0; });
    }
    [[nodiscard]] bool is_missing(std::size_t i, std::size_t j) const noexcept
    {
        return !missing.empty() && missing[i * d + j] != 0;
    }

    [[nodiscard]] std::uint64_t line(std::size_t i) const noexcept
    {
        return line_of_row.empty() ? line_of(line_shift, i) : line_of_row[i];
    }

    /// "column 'x'" for a named column, "column 3" for an unnamed one (names "column 3").
    [[nodiscard]] std::string column_label(std::size_t j) const
    {
        std::string const & nm = names.at(j);
        return nm.rfind("column ", 0) == 0 ? nm : "column '" + nm + "'";
    }

    [[nodiscard]] double const * row(std::size_t i) const noexcept { return values.data() + i * d; }
    [[nodiscard]] double at(std::size_t i, std::size_t j) const noexcept { return values[i * d + j]; }
};

/// \brief Number of distinct rows (exact comparison of values), counting no further than `limit`:
/// returns min(distinct rows, limit). O(n × limit) in the worst case, usually far less.
[[nodiscard]] std::size_t count_distinct_rows(dataset const & data, std::size_t limit);

/// \brief Distinct values of a one-column dataset with their multiplicities, ascending, and for each
/// row the index of its value (used by the count families, whose E-step then runs once per
/// distinct value rather than once per row).
struct weighted_values
{
    std::vector<double> value;
    std::vector<double> count;
    std::vector<std::uint32_t> index_of_row;
};
[[nodiscard]] weighted_values collapse_values(dataset const & data);

} // namespace emtk::mix
