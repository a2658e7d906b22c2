#pragma once
/// \file
/// \brief The data a mixture is fitted to: n rows × d numeric columns.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace emtk::mix {

struct dataset
{
    std::size_t n = 0;              ///< rows
    std::size_t d = 0;              ///< columns
    std::vector<double> values;     ///< n*d, row-major
    std::vector<std::string> names; ///< column names, for messages and output
    std::string source = "<data>";  ///< file name, for messages
    std::vector<std::uint64_t> line_of_row; ///< file line of each row (empty: row i is line i+1)
    /// n*d flags, 1 where the entry is missing (its value is then NaN); empty when nothing is
    /// missing. Only `--missing model` produces a non-empty mask (missing.hpp).
    std::vector<std::uint8_t> missing;

    [[nodiscard]] bool has_missing() const noexcept { return !missing.empty(); }
    [[nodiscard]] bool is_missing(std::size_t i, std::size_t j) const noexcept
    {
        return !missing.empty() && missing[i * d + j] != 0;
    }

    [[nodiscard]] std::uint64_t line(std::size_t i) const noexcept { return line_of_row.empty() ? i + 1 : line_of_row[i]; }

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
