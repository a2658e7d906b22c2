#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unistd.h>
#include <zlib.h>

namespace emtk {

namespace {
constexpr std::size_t buffer_size = 1 << 20;
gzFile as_gz(void * p) { return static_cast<gzFile>(p); }

} // namespace

line_reader::line_reader(std::string path) : path_{std::move(path)}, buf_(buffer_size)
{
    gzFile f = (path_ == "-") ? gzdopen(::dup(STDIN_FILENO), "rb") : gzopen(path_.c_str(), "rb");
    if (f == nullptr)
        throw user_error(located_message(path_, 0, std::string{"cannot open: "} +
                                                       (errno ? std::strerror(errno) : "out of memory")));
    gzbuffer(f, 1 << 17);
    gz_ = f;
}

line_reader::~line_reader()
{
    if (gz_ != nullptr)
        gzclose(as_gz(gz_));
}

bool line_reader::fill()
{
    if (eof_)
        return false;
    int got = gzread(as_gz(gz_), buf_.data(), static_cast<unsigned>(buf_.size()));
    if (got < 0)
    {
        int errnum = 0;
        char const * msg = gzerror(as_gz(gz_), &errnum);
        if (errnum == Z_ERRNO)
            throw user_error(located_message(path_, 0, std::string{"read error: "} + std::strerror(errno)));
        throw user_error(located_message(path_, 0, "corrupt gzip data (" + library_message(msg, path_) + ")"));
    }
    if (got == 0)
    {
        // zlib reports a gzip stream cut short as a clean end unless we ask.
        int errnum = 0;
        char const * msg = gzerror(as_gz(gz_), &errnum);
        if (errnum == Z_BUF_ERROR)
            throw user_error(located_message(path_, line_no_ + 1, "truncated gzip file (unexpected end of data)"));
        if (errnum != Z_OK)
            throw user_error(located_message(path_, 0, "corrupt gzip data (" + library_message(msg, path_) + ")"));
        eof_ = true;
        return false;
    }
    begin_ = 0;
    end_ = static_cast<std::size_t>(got);
    return true;
}

bool line_reader::next(std::string_view & line)
{
    carry_.clear();
    bool used_carry = false;
    for (;;)
    {
        if (begin_ == end_ && !fill())
        {
            if (!used_carry)
                return false;
            break; // last line without newline
        }
        char const * start = buf_.data() + begin_;
        auto const * nl = static_cast<char const *>(std::memchr(start, '\n', end_ - begin_));
        if (nl != nullptr)
        {
            std::size_t len = static_cast<std::size_t>(nl - start);
            begin_ += len + 1;
            if (!used_carry)
            {
                line = std::string_view{start, len};
                ++line_no_;
                if (!line.empty() && line.back() == '\r')
                    line.remove_suffix(1);
                return true;
            }
            carry_.append(start, len);
            break;
        }
        carry_.append(start, end_ - begin_);
        used_carry = true;
        begin_ = end_;
    }
    ++line_no_;
    line = carry_;
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return true;
}

bool parse_double(std::string_view field, double & out) noexcept
{
    while (!field.empty() && field.front() == ' ')
        field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ')
        field.remove_suffix(1);
    if (!field.empty() && field.front() == '+')
    {
        field.remove_prefix(1);
        if (!field.empty() && (field.front() == '-' || field.front() == '+'))
            return false; // "+-3" is not a number
    }
    if (field.empty())
        return false;
    auto res = std::from_chars(field.data(), field.data() + field.size(), out);
    return res.ec == std::errc{} && res.ptr == field.data() + field.size() && std::isfinite(out);
}

namespace {

/// Splits `line` into at most `limit` fields (the columns after the last one needed are not
/// split: a line with fewer than `limit` fields gives all of them).
void split_fields(std::string_view line, bool tabs, std::vector<std::string_view> & fields,
                  std::size_t limit = std::string_view::npos)
{
    fields.clear();
    if (tabs)
    {
        std::size_t pos = 0;
        for (;;)
        {
            std::size_t t = line.find('\t', pos);
            if (t == std::string_view::npos)
            {
                fields.push_back(line.substr(pos));
                return;
            }
            fields.push_back(line.substr(pos, t - pos));
            if (fields.size() >= limit)
                return;
            pos = t + 1;
        }
    }
    std::size_t pos = 0;
    while (pos < line.size() && fields.size() < limit)
    {
        while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t'))
            ++pos;
        if (pos >= line.size())
            break;
        std::size_t e = pos;
        while (e < line.size() && line[e] != ' ' && line[e] != '\t')
            ++e;
        fields.push_back(line.substr(pos, e - pos));
        pos = e;
    }
}

bool is_skipped(std::string_view line)
{
    if (line.find_first_not_of(" \t") == std::string_view::npos)
        return true;
    return line.front() == '#' || line.starts_with("track ") || line.starts_with("track\t") ||
           line.starts_with("browser ") || line.starts_with("browser\t");
}

bool is_missing_token(std::string_view f)
{
    return f.empty() || f == "NA" || f == "na" || f == "NaN" || f == "nan" || f == "." || f == "N/A" ||
           f == "null" || f == "NULL";
}

bool all_digits(std::string const & s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// A 1-based column number given by the user; usage_error when it is 0 or absurdly large.
std::size_t column_number(std::string const & s)
{
    std::size_t v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec != std::errc{} || v > 1000000)
        throw usage_error("column number " + s + " is too large");
    if (v == 0)
        throw usage_error("column numbers are 1-based: 0 is not a column");
    return v;
}

} // namespace

numeric_row_reader::numeric_row_reader(std::string const & path, std::vector<std::string> const & columns_in) :
    in_{std::make_unique<line_reader>(path)},
    columns_{columns_in.empty() ? std::vector<std::string>{"1"} : columns_in}
{
    named_ = std::any_of(columns_.begin(), columns_.end(), [](auto const & c) { return !all_digits(c); });
    for (auto const & c : columns_)
        if (all_digits(c))
            (void)column_number(c);
}

numeric_row_reader::~numeric_row_reader() = default;

std::string const & numeric_row_reader::path() const noexcept { return in_->path(); }

std::uint64_t numeric_row_reader::line_number() const noexcept { return in_->line_number(); }

void numeric_row_reader::resolve(std::string_view line)
{
    std::string const & path = in_->path();
    tabs_ = line.find('\t') != std::string_view::npos;
    split_fields(line, tabs_, fields_);
    // Resolve column references.
    bool header = true;
    if (!named_)
        for (auto const & c : columns_)
        {
            std::size_t idx = column_number(c);
            double v;
            if (idx <= fields_.size() && parse_double(fields_[idx - 1], v))
                header = false;
        }
    had_header_ = header;
    for (auto const & c : columns_)
    {
        std::size_t idx = 0;
        if (all_digits(c))
            idx = column_number(c);
        else
        {
            auto it = std::find(fields_.begin(), fields_.end(), std::string_view{c});
            if (it == fields_.end())
            {
                std::string avail;
                for (auto f : fields_)
                    avail += (avail.empty() ? "" : ", ") + std::string{f};
                throw_input_error(path, in_->line_number(),
                                  "no column named '" + c + "' in the header (columns: " + avail + ")");
            }
            idx = static_cast<std::size_t>(it - fields_.begin()) + 1;
        }
        if (idx > fields_.size())
            throw_input_error(path, in_->line_number(),
                              "column " + std::to_string(idx) + " requested but the line has " +
                                  std::to_string(fields_.size()) + (fields_.size() == 1 ? " column" : " columns"));
        indices_.push_back(idx);
        names_.push_back(header ? std::string{fields_[idx - 1]} : "column " + std::to_string(idx));
    }
    first_ = false;
    max_index_ = *std::max_element(indices_.begin(), indices_.end());
}

bool numeric_row_reader::next(double * row)
{
    std::string const & path = in_->path();
    std::size_t const d = columns_.size();
    std::string_view line;
    for (;;)
    {
        if (!in_->next(line))
        {
            if (rows_ == 0)
            {
                std::string what = first_ ? "no data: the input is empty" : "no data rows: the selected column";
                if (!first_)
                    what += (d > 1 ? "s are" : " is") + std::string{" empty"};
                throw_input_error(path, 0, what);
            }
            return false;
        }
        if (is_skipped(line))
            continue;
        if (first_)
        {
            resolve(line);
            if (had_header_)
                continue;
        }
        break;
    }
    split_fields(line, tabs_, fields_, max_index_);
    for (std::size_t j = 0; j < d; ++j)
    {
        std::size_t idx = indices_[j];
        // Only built for an error message (building it per value would dominate the reading time).
        auto col = [&] {
            return "column " + std::to_string(idx) + (had_header_ ? " (" + names_[j] + ")" : std::string{});
        };
        if (idx > fields_.size())
            throw_input_error(path, in_->line_number(),
                              col() + ": missing value (the line has only " + std::to_string(fields_.size()) +
                                  (fields_.size() == 1 ? " column)" : " columns)"));
        std::string_view f = fields_[idx - 1];
        if (!parse_double(f, row[j]))
        {
            if (is_missing_token(f))
                throw_input_error(path, in_->line_number(),
                                  col() + ": missing value" +
                                      (f.empty() ? std::string{" (empty field)"} : " '" + std::string{f} + "'") +
                                      "; expected a number");
            std::string shown{f.substr(0, 40)};
            throw_input_error(path, in_->line_number(), col() + ": expected a finite number, found '" + shown + "'");
        }
    }
    ++rows_;
    return true;
}

numeric_table read_numeric_table(std::string const & path, std::vector<std::string> const & columns)
{
    numeric_row_reader in{path, columns};
    numeric_table t;
    t.d = in.d();
    std::vector<double> row(t.d);
    while (in.next(row.data()))
    {
        t.values.insert(t.values.end(), row.begin(), row.end());
        t.line_of_row.push_back(in.line_number());
        ++t.n;
    }
    t.names = in.names();
    t.indices = in.indices();
    t.had_header = in.had_header();
    return t;
}

} // namespace emtk
