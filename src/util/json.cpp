#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace emtk {

json_writer::~json_writer() = default;

std::string json_writer::quote(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char c : s)
    {
        switch (c)
        {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20)
            {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buf;
            }
            else
                out += c;
        }
    }
    out += '"';
    return out;
}

std::string json_writer::number(double v)
{
    if (!std::isfinite(v))
        return "null";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

void json_writer::newline_indent()
{
    out_ << '\n' << std::string(static_cast<std::size_t>(indent_) * stack_.size(), ' ');
}

void json_writer::before_value(bool container)
{
    if (after_key_)
    {
        after_key_ = false;
        return;
    }
    if (stack_.empty())
        return;
    frame & f = stack_.back();
    EMTK_ASSERT(f.is_array, "JSON value inside an object needs a key");
    if (f.count > 0)
        out_ << ',';
    if (container || f.multiline)
    {
        f.multiline = true;
        newline_indent();
    }
    else if (f.count > 0)
        out_ << ' ';
    ++f.count;
}

json_writer & json_writer::key(std::string_view k)
{
    EMTK_ASSERT(!stack_.empty() && !stack_.back().is_array, "JSON key outside an object");
    frame & f = stack_.back();
    if (f.count > 0)
        out_ << ',';
    newline_indent();
    ++f.count;
    out_ << quote(k) << ": ";
    after_key_ = true;
    return *this;
}

json_writer & json_writer::begin_object()
{
    before_value(true);
    out_ << '{';
    stack_.push_back({false, 0, true});
    return *this;
}

json_writer & json_writer::end_object()
{
    EMTK_ASSERT(!stack_.empty() && !stack_.back().is_array, "unbalanced JSON object");
    bool any = stack_.back().count > 0;
    stack_.pop_back();
    if (any)
        newline_indent();
    out_ << '}';
    if (stack_.empty())
        out_ << '\n';
    return *this;
}

json_writer & json_writer::begin_array()
{
    before_value(true);
    out_ << '[';
    stack_.push_back({true, 0, false});
    return *this;
}

json_writer & json_writer::end_array()
{
    EMTK_ASSERT(!stack_.empty() && stack_.back().is_array, "unbalanced JSON array");
    bool multiline = stack_.back().multiline;
    stack_.pop_back();
    if (multiline)
        newline_indent();
    out_ << ']';
    if (stack_.empty())
        out_ << '\n';
    return *this;
}

json_writer & json_writer::value(double v)
{
    before_value(false);
    out_ << number(v);
    return *this;
}
json_writer & json_writer::value(std::int64_t v)
{
    before_value(false);
    out_ << v;
    return *this;
}
json_writer & json_writer::value(std::uint64_t v)
{
    before_value(false);
    out_ << v;
    return *this;
}
json_writer & json_writer::value(bool v)
{
    before_value(false);
    out_ << (v ? "true" : "false");
    return *this;
}
json_writer & json_writer::value(std::string_view v)
{
    before_value(false);
    out_ << quote(v);
    return *this;
}
json_writer & json_writer::null()
{
    before_value(false);
    out_ << "null";
    return *this;
}
json_writer & json_writer::value(std::span<double const> v)
{
    begin_array();
    for (double x : v)
        value(x);
    return end_array();
}
json_writer & json_writer::value(std::vector<std::string> const & v)
{
    begin_array();
    for (auto const & x : v)
        value(std::string_view{x});
    return end_array();
}

} // namespace emtk
