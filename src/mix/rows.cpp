/// \file
/// \brief Row sources: a dataset in memory, and a table spooled to an anonymous temporary file.

#include <emtk/mix/rows.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/spool_file.hpp>
#include <emtk/util/table_reader.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace emtk::mix {

std::string row_source::column_label(std::size_t j) const
{
    std::string const & nm = names().at(j);
    return nm.rfind("column ", 0) == 0 ? nm : "column '" + nm + "'";
}

std::vector<std::size_t> first_distinct_rows(row_source const & rows, std::size_t limit)
{
    std::size_t const n = rows.n(), d = rows.d();
    std::vector<std::size_t> seen;
    std::vector<double> kept; // the distinct rows' values
    std::vector<double> buf;
    constexpr std::size_t block = 1 << 14;
    for (std::size_t b = 0; b < n && seen.size() < limit; b += block)
    {
        std::size_t const e = std::min(n, b + block);
        double const * r = rows.rows(b, e, buf);
        for (std::size_t i = b; i < e && seen.size() < limit; ++i)
        {
            double const * x = r + (i - b) * d;
            bool is_new = true;
            for (std::size_t q = 0; q < seen.size() && is_new; ++q)
                is_new = !std::equal(x, x + d, kept.data() + q * d);
            if (is_new)
            {
                seen.push_back(i);
                kept.insert(kept.end(), x, x + d);
            }
        }
    }
    return seen;
}

spooled_rows::spooled_rows(std::string const & path, std::vector<std::string> const & columns, std::string tmp_dir) :
    source_{path}
{
    numeric_row_reader in{path, columns};
    d_ = in.d();
    std::string const dir = util::spool_directory(std::move(tmp_dir));
    fd_ = util::anonymous_spool_file(dir, "emtk-mix-spool");
    try
    {
        constexpr std::size_t buffer_rows = 1 << 16;
        std::vector<double> buf(buffer_rows * d_);
        std::size_t filled = 0;
        std::uint64_t skipped = 0;
        while (in.next(buf.data() + filled * d_))
        {
            std::uint64_t const gap = in.line_number() - (n_ + 1 + skipped);
            if (gap > 0)
            {
                skipped += gap;
                line_shift_.emplace_back(n_, skipped);
            }
            ++n_;
            if (++filled == buffer_rows)
            {
                util::spool_write(fd_, reinterpret_cast<char const *>(buf.data()), filled * d_ * sizeof(double), dir);
                filled = 0;
            }
        }
        util::spool_write(fd_, reinterpret_cast<char const *>(buf.data()), filled * d_ * sizeof(double), dir);
    }
    catch (...)
    {
        ::close(fd_);
        throw;
    }
    names_ = in.names();
    for (std::size_t v : in.indices())
        fields_.push_back(v - 1);
}

spooled_rows::~spooled_rows()
{
    if (fd_ >= 0)
        ::close(fd_);
}

double const * spooled_rows::rows(std::size_t begin, std::size_t end, std::vector<double> & buf) const
{
    std::size_t const count = (end - begin) * d_;
    if (buf.size() < count)
        buf.resize(count);
    util::spool_read(fd_, begin * d_ * sizeof(double), reinterpret_cast<char *>(buf.data()), count * sizeof(double),
                     source_);
    return buf.data();
}

dataset spooled_rows::load() const
{
    dataset data;
    data.n = n_;
    data.d = d_;
    data.names = names_;
    data.source = source_;
    data.line_shift = line_shift_;
    data.values.resize(n_ * d_);
    constexpr std::size_t block = 1 << 16;
    std::vector<double> buf;
    for (std::size_t b = 0; b < n_; b += block)
    {
        std::size_t const e = std::min(n_, b + block);
        double const * r = rows(b, e, buf);
        std::copy(r, r + (e - b) * d_, data.values.begin() + static_cast<std::ptrdiff_t>(b * d_));
    }
    return data;
}

} // namespace emtk::mix
