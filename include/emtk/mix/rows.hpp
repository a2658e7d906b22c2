#pragma once
/// \file
/// \brief The rows a mixture is fitted to, wherever they live: a dataset in memory, or a table
/// spooled once to a temporary binary file and read back block by block (streaming input).
///
/// Why a spool. Stepwise EM visits mini-batches of blocks in a seeded random order in every pass
/// (em/stepwise.hpp), and every pass ends with a full-data objective: the input is read many
/// times and out of order. Text (plain, gzip or a pipe) can be read only front to back, and
/// parsing it again for every pass would cost more than the fit. So the input is parsed once,
/// front to back (which is all stdin and gzip allow), and its values are written as raw doubles
/// to an anonymous temporary file (created in $TMPDIR, default /tmp, and unlinked at once, so
/// nothing is left behind even on a crash). Blocks are then read back with pread(): memory holds
/// a few blocks per thread, never the data; the operating system's page cache, not the process,
/// keeps the file in RAM if there is room. The cost is disk space of 8 × rows × columns bytes in
/// $TMPDIR (0.8 GB for 10^8 values). Any input works: a plain file, gzip, or '-' for stdin.

#include <emtk/mix/dataset.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace emtk::mix {

/// \brief n rows × d numeric columns, read in blocks of consecutive rows.
class row_source
{
public:
    virtual ~row_source() = default;
    [[nodiscard]] virtual std::size_t n() const noexcept = 0;
    [[nodiscard]] virtual std::size_t d() const noexcept = 0;
    [[nodiscard]] virtual std::vector<std::string> const & names() const noexcept = 0;
    /// File name, for messages.
    [[nodiscard]] virtual std::string const & source() const noexcept = 0;
    /// \brief The values of rows [begin, end), (end − begin) × d row-major: either a pointer into
    /// memory the source owns, or `buf` (resized) filled with them. Safe to call concurrently with
    /// different buffers.
    /// \throws user_error on a read error of the spool file.
    [[nodiscard]] virtual double const * rows(std::size_t begin, std::size_t end, std::vector<double> & buf) const = 0;
    /// "column 'x'" for a named column, "column 3" for an unnamed one.
    [[nodiscard]] std::string column_label(std::size_t j) const;
};

/// \brief Indices of the first `limit` distinct rows (exact comparison), in row order: fewer when
/// the source has fewer distinct rows. Reads blocks until `limit` are found (usually few).
[[nodiscard]] std::vector<std::size_t> first_distinct_rows(row_source const & rows, std::size_t limit);

/// \brief A dataset seen as a row_source (no copy: the dataset must outlive it).
class dataset_rows final : public row_source
{
public:
    explicit dataset_rows(dataset const & data) : data_{&data} {}
    [[nodiscard]] std::size_t n() const noexcept override { return data_->n; }
    [[nodiscard]] std::size_t d() const noexcept override { return data_->d; }
    [[nodiscard]] std::vector<std::string> const & names() const noexcept override { return data_->names; }
    [[nodiscard]] std::string const & source() const noexcept override { return data_->source; }
    [[nodiscard]] double const * rows(std::size_t begin, std::size_t, std::vector<double> &) const override
    {
        return data_->row(begin);
    }

private:
    dataset const * data_;
};

/// \brief The numeric columns of a table, parsed once and kept in an anonymous temporary file
/// (see the file comment). Memory: one I/O buffer; the row-to-line map is kept as runs of
/// skipped lines (header, comments, blank lines), not one number per row.
class spooled_rows final : public row_source
{
public:
    /// \brief Reads `columns` (1-based numbers or header names; empty = column 1) of a TSV/BED
    /// table, plain or gzip, or "-" for stdin, with the rules and errors of read_numeric_table
    /// (util/table_reader.hpp). `tmp_dir` empty: $TMPDIR, else /tmp.
    /// \throws user_error for bad input (file, line, what) or when the spool cannot be written.
    spooled_rows(std::string const & path, std::vector<std::string> const & columns, std::string tmp_dir = {});
    ~spooled_rows() override;
    spooled_rows(spooled_rows const &) = delete;
    spooled_rows & operator=(spooled_rows const &) = delete;

    [[nodiscard]] std::size_t n() const noexcept override { return n_; }
    [[nodiscard]] std::size_t d() const noexcept override { return d_; }
    [[nodiscard]] std::vector<std::string> const & names() const noexcept override { return names_; }
    [[nodiscard]] std::string const & source() const noexcept override { return source_; }
    [[nodiscard]] double const * rows(std::size_t begin, std::size_t end, std::vector<double> & buf) const override;
    /// 0-based fields of the columns in a line.
    [[nodiscard]] std::vector<std::size_t> const & fields() const noexcept { return fields_; }
    /// \brief File line of row i.
    [[nodiscard]] std::uint64_t line(std::size_t i) const noexcept { return line_of(line_shift_, i); }

    /// \brief Every row in memory, as read_incomplete_table(…, missing_policy::error) would give
    /// them (values, names, source); the line map stays compact (dataset::line_shift).
    [[nodiscard]] dataset load() const;

private:
    int fd_ = -1;
    std::size_t n_ = 0, d_ = 0;
    std::vector<std::string> names_;
    std::vector<std::size_t> fields_;
    std::string source_;
    std::vector<std::pair<std::size_t, std::uint64_t>> line_shift_;
};

} // namespace emtk::mix
