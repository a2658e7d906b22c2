/// \file
/// \brief Reading a table with missing entries (missing.hpp) and writing it back imputed.

#include <emtk/mix/missing.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/table_reader.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <ostream>

namespace emtk::mix {

char const * to_string(missing_policy p) noexcept
{
    switch (p)
    {
    case missing_policy::error: return "error";
    case missing_policy::drop: return "drop";
    case missing_policy::model: return "model";
    }
    return "?";
}

bool parse_missing_policy(std::string const & s, missing_policy & out) noexcept
{
    if (s == "error")
        out = missing_policy::error;
    else if (s == "drop")
        out = missing_policy::drop;
    else if (s == "model")
        out = missing_policy::model;
    else
        return false;
    return true;
}

bool is_missing_marker(std::string_view f) noexcept
{
    while (!f.empty() && f.front() == ' ')
        f.remove_prefix(1);
    while (!f.empty() && f.back() == ' ')
        f.remove_suffix(1);
    for (std::string_view m : {"", "NA", "na", "NaN", "nan", ".", "N/A", "null", "NULL"})
        if (f == m)
            return true;
    return false;
}

namespace {

/// Start and end offsets of each field of `line`: tab-separated (empty fields kept) or separated
/// by runs of blanks.
void field_spans(std::string_view line, bool tabs, std::vector<std::pair<std::size_t, std::size_t>> & out)
{
    out.clear();
    std::size_t pos = 0;
    if (tabs)
    {
        for (;;)
        {
            std::size_t const t = line.find('\t', pos);
            std::size_t const e = t == std::string_view::npos ? line.size() : t;
            out.emplace_back(pos, e);
            if (t == std::string_view::npos)
                return;
            pos = t + 1;
        }
    }
    while (pos < line.size())
    {
        pos = line.find_first_not_of(" \t", pos);
        if (pos == std::string_view::npos)
            return;
        std::size_t e = line.find_first_of(" \t", pos);
        if (e == std::string_view::npos)
            e = line.size();
        out.emplace_back(pos, e);
        pos = e;
    }
}

bool skipped_line(std::string_view line)
{
    if (line.find_first_not_of(" \t") == std::string_view::npos)
        return true;
    for (std::string_view p : {"#", "track ", "track\t", "browser ", "browser\t"})
        if (line.starts_with(p))
            return true;
    return false;
}

bool is_number_list(std::string const & s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Column references resolved against the first line: 0-based fields and names.
void resolve_columns(std::string const & path, std::uint64_t line_no, std::string_view line,
                     std::vector<std::pair<std::size_t, std::size_t>> const & spans,
                     std::vector<std::string> const & columns, incomplete_table & t, bool & header)
{
    auto text = [&](std::size_t f) { return line.substr(spans[f].first, spans[f].second - spans[f].first); };
    bool const named = std::any_of(columns.begin(), columns.end(), [](auto const & c) { return !is_number_list(c); });
    std::vector<std::size_t> idx;
    for (auto const & c : columns)
    {
        if (!is_number_list(c))
        {
            std::size_t f = 0;
            while (f < spans.size() && text(f) != c)
                ++f;
            if (f == spans.size())
            {
                std::string avail;
                for (std::size_t g = 0; g < spans.size(); ++g)
                    avail += (g ? ", " : "") + std::string{text(g)};
                throw_input_error(path, line_no, "no column named '" + c + "' in the header (columns: " + avail + ")");
            }
            idx.push_back(f + 1);
            continue;
        }
        std::size_t v = 0;
        auto res = std::from_chars(c.data(), c.data() + c.size(), v);
        if (res.ec != std::errc{} || v > 1000000)
            throw usage_error("column number " + c + " is too large");
        if (v == 0)
            throw usage_error("column numbers are 1-based: 0 is not a column");
        if (v > spans.size())
            throw_input_error(path, line_no,
                              "column " + std::to_string(v) + " requested but the line has " +
                                  std::to_string(spans.size()) + (spans.size() == 1 ? " column" : " columns"));
        idx.push_back(v);
    }
    // A header unless some selected field is a number or all of them are missing markers.
    header = named;
    if (!named)
    {
        bool any_number = false, all_markers = true;
        for (std::size_t v : idx)
        {
            double x;
            any_number = any_number || parse_double(text(v - 1), x);
            all_markers = all_markers && is_missing_marker(text(v - 1));
        }
        header = !any_number && !all_markers;
    }
    for (std::size_t v : idx)
    {
        t.field.push_back(v - 1);
        t.data.names.push_back(header ? std::string{text(v - 1)} : "column " + std::to_string(v));
    }
}

} // namespace

incomplete_table read_incomplete_table(std::string const & path, std::vector<std::string> const & columns_in,
                                       missing_policy policy)
{
    incomplete_table t;
    t.data.source = path;
    if (policy == missing_policy::error)
    {
        numeric_table nt = read_numeric_table(path, columns_in);
        t.data.n = nt.n;
        t.data.d = nt.d;
        t.data.values = std::move(nt.values);
        t.data.names = std::move(nt.names);
        t.data.line_of_row = std::move(nt.line_of_row);
        for (std::size_t v : nt.indices)
            t.field.push_back(v - 1);
        return t;
    }
    std::vector<std::string> const columns = columns_in.empty() ? std::vector<std::string>{"1"} : columns_in;
    bool const keep = policy == missing_policy::model;
    std::size_t const d = columns.size();
    t.data.d = d;
    line_reader in{path};
    std::string_view line;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    bool first = true;
    std::vector<double> row(d);
    std::vector<std::uint8_t> miss(d);
    std::vector<std::uint8_t> mask;
    bool any_missing = false;
    while (in.next(line))
    {
        if (keep)
            t.lines.emplace_back(line);
        if (skipped_line(line))
            continue;
        if (first)
        {
            first = false;
            t.tabs = line.find('\t') != std::string_view::npos;
            field_spans(line, t.tabs, spans);
            bool header = false;
            resolve_columns(path, in.line_number(), line, spans, columns, t, header);
            if (header)
                continue;
        }
        field_spans(line, t.tabs, spans);
        bool row_missing = false;
        for (std::size_t j = 0; j < d; ++j)
        {
            std::size_t const f = t.field[j];
            auto col = [&] {
                bool const named = t.data.names[j].rfind("column ", 0) != 0;
                return "column " + std::to_string(f + 1) + (named ? " (" + t.data.names[j] + ")" : std::string{});
            };
            if (f >= spans.size())
                throw_input_error(path, in.line_number(),
                                  col() + ": missing value (the line has only " + std::to_string(spans.size()) +
                                      (spans.size() == 1 ? " column)" : " columns)"));
            std::string_view const s = line.substr(spans[f].first, spans[f].second - spans[f].first);
            miss[j] = 0;
            if (!parse_double(s, row[j]))
            {
                if (!is_missing_marker(s))
                    throw_input_error(path, in.line_number(),
                                      col() + ": expected a finite number or a missing marker (empty, NA, NaN, .), "
                                              "found '" +
                                          std::string{s.substr(0, 40)} + "'");
                miss[j] = 1;
                row[j] = std::numeric_limits<double>::quiet_NaN();
                row_missing = true;
            }
        }
        if (row_missing && policy == missing_policy::drop)
        {
            ++t.dropped_rows;
            continue;
        }
        any_missing = any_missing || row_missing;
        t.data.values.insert(t.data.values.end(), row.begin(), row.end());
        mask.insert(mask.end(), miss.begin(), miss.end());
        t.data.line_of_row.push_back(in.line_number());
        if (keep)
            t.line_index_of_row.push_back(t.lines.size() - 1);
        ++t.data.n;
    }
    if (t.data.n == 0)
    {
        std::string what = first ? "no data: the input is empty" : "no data rows: the selected column";
        if (!first)
            what += (d > 1 ? "s are" : " is") + std::string{" empty"};
        if (t.dropped_rows > 0)
            what = "no complete rows: all " + std::to_string(t.dropped_rows) +
                   " rows have a missing value (" + field_name("missing") + " drop); use " + field_name("missing") +
                   " model";
        throw option_input_error(located_message(path, 0, what));
    }
    if (any_missing)
    {
        t.data.missing = std::move(mask);
        for (std::size_t j = 0; j < d; ++j)
        {
            bool observed = false;
            for (std::size_t i = 0; i < t.data.n && !observed; ++i)
                observed = !t.data.is_missing(i, j);
            if (!observed)
                throw_input_error(path, t.data.line_of_row.front(),
                                  t.data.column_label(j) + " (column " + std::to_string(t.field[j] + 1) +
                                      "): every value is missing; a column needs observed values to be fitted");
        }
    }
    return t;
}

namespace {

char * write_value(char * o, double v)
{
    if (v == std::nearbyint(v) && std::fabs(v) < 1e15)
        return std::to_chars(o, o + 32, static_cast<long long>(v)).ptr;
    return std::to_chars(o, o + 32, v, std::chars_format::general, 10).ptr;
}

} // namespace

void write_imputed_table(std::ostream & out, incomplete_table const & t, std::vector<double> const & completed)
{
    dataset const & data = t.data;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::size_t row = 0;
    std::string rebuilt;
    char buf[40];
    for (std::size_t li = 0; li < t.lines.size(); ++li)
    {
        std::string const & line = t.lines[li];
        bool const is_row = row < data.n && t.line_index_of_row[row] == li;
        bool gap = false;
        if (is_row)
            for (std::size_t j = 0; j < data.d; ++j)
                gap = gap || data.is_missing(row, j);
        if (!gap)
        {
            out << line << '\n';
            row += is_row ? 1 : 0;
            continue;
        }
        field_spans(line, t.tabs, spans);
        // Fields replaced left to right: copy the text between them unchanged.
        std::vector<std::pair<std::size_t, std::size_t>> subst; // (field, column)
        for (std::size_t j = 0; j < data.d; ++j)
            if (data.is_missing(row, j))
                subst.emplace_back(t.field[j], j);
        std::sort(subst.begin(), subst.end());
        subst.erase(std::unique(subst.begin(), subst.end(),
                                [](auto const & a, auto const & b) { return a.first == b.first; }),
                    subst.end());
        rebuilt.clear();
        std::size_t pos = 0;
        for (auto const & [f, j] : subst)
        {
            rebuilt.append(line, pos, spans[f].first - pos);
            char * e = write_value(buf, completed[row * data.d + j]);
            rebuilt.append(buf, static_cast<std::size_t>(e - buf));
            pos = spans[f].second;
        }
        rebuilt.append(line, pos, std::string::npos);
        out << rebuilt << '\n';
        ++row;
    }
}

} // namespace emtk::mix
