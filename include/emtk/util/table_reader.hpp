#pragma once
/// \file
/// \brief Reading lines and numeric columns from text tables (TSV, BED), plain or gzip, or stdin.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace emtk {

/// \brief Reads a text file line by line: plain or gzip (detected from the content, not the name),
/// "-" for stdin. Lines are returned without the trailing "\n" or "\r\n".
class line_reader
{
public:
    /// \throws user_error if the file cannot be opened.
    explicit line_reader(std::string path);
    ~line_reader();
    line_reader(line_reader const &) = delete;
    line_reader & operator=(line_reader const &) = delete;

    /// \brief The next line; false at the end of the input.
    /// \throws user_error on a read error or corrupt/truncated gzip data.
    bool next(std::string_view & line);
    /// \brief 1-based number of the line last returned.
    [[nodiscard]] std::uint64_t line_number() const noexcept { return line_no_; }
    [[nodiscard]] std::string const & path() const noexcept { return path_; }

private:
    bool fill();
    std::string path_;
    void * gz_ = nullptr; // gzFile, kept opaque so that zlib.h stays out of this header
    std::vector<char> buf_;
    std::size_t begin_ = 0, end_ = 0;
    bool eof_ = false;
    std::string carry_;
    std::uint64_t line_no_ = 0;
};

/// \brief Numeric columns read from a table: `n` rows × `d` columns, row-major.
struct numeric_table
{
    std::vector<std::string> names;   ///< column names (from the header, or "column N")
    std::vector<std::size_t> indices; ///< 1-based column numbers in the file
    std::size_t n = 0;                ///< number of data rows
    std::size_t d = 0;                ///< number of columns read
    std::vector<double> values;       ///< n*d values, row-major
    std::vector<std::uint64_t> line_of_row; ///< file line number of each data row
    bool had_header = false;
};

/// \brief Reads the numeric columns of a table one row at a time (read_numeric_table streamed:
/// same rules, same errors), so a caller can consume a table larger than memory.
class numeric_row_reader
{
public:
    /// \throws user_error if the file cannot be opened, usage_error for a bad column number.
    numeric_row_reader(std::string const & path, std::vector<std::string> const & columns);
    ~numeric_row_reader();
    numeric_row_reader(numeric_row_reader const &) = delete;
    numeric_row_reader & operator=(numeric_row_reader const &) = delete;

    /// \brief Reads the next data row into row[0..d). False at the end of the input.
    /// \throws user_error as read_numeric_table (also "no data" at the end when no row was read).
    bool next(double * row);
    [[nodiscard]] std::size_t d() const noexcept { return columns_.size(); }
    /// Column names, 1-based indices and whether a header was read: known once next() returned a row.
    [[nodiscard]] std::vector<std::string> const & names() const noexcept { return names_; }
    [[nodiscard]] std::vector<std::size_t> const & indices() const noexcept { return indices_; }
    [[nodiscard]] bool had_header() const noexcept { return had_header_; }
    /// \brief 1-based file line of the row last returned.
    [[nodiscard]] std::uint64_t line_number() const noexcept;
    [[nodiscard]] std::string const & path() const noexcept;

private:
    void resolve(std::string_view first_line);
    std::unique_ptr<line_reader> in_;
    std::vector<std::string> columns_, names_;
    std::vector<std::size_t> indices_;
    std::vector<std::string_view> fields_;
    std::size_t max_index_ = 0; // the last column needed: later fields are not split
    std::uint64_t rows_ = 0;
    bool named_ = false, tabs_ = true, first_ = true, had_header_ = false;
};

/// \brief Reads numeric columns from a tab-separated table (BED and mosdepth output included).
///
/// `columns` holds 1-based column numbers or header names; empty means column 1. Lines starting
/// with '#', "track" or "browser" and blank lines are skipped. A header line is required when a
/// column is named, and recognised otherwise when none of the selected fields is a number.
/// Fields are separated by tabs; a file whose first line has no tab is split on spaces.
/// \throws user_error naming the file, line and column for: a field that is not a finite number,
///         a missing value (empty, NA, NaN, '.'), a short line, an unknown column, no data rows.
[[nodiscard]] numeric_table read_numeric_table(std::string const & path, std::vector<std::string> const & columns);

/// \brief Parses a whole field as a finite double; false if it is not one.
[[nodiscard]] bool parse_double(std::string_view field, double & out) noexcept;

} // namespace emtk
