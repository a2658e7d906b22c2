#pragma once
/// \file
/// \brief A small streaming JSON writer for run summaries (`--json`, PREFIX.json).
///
/// Objects are written one member per line; arrays of scalars on one line. Doubles are written
/// in the shortest form that reads back to the same value (std::to_chars); NaN and infinities,
/// which JSON cannot represent, are written as null.

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace emtk {

class json_writer
{
public:
    explicit json_writer(std::ostream & out, int indent = 2) : out_{out}, indent_{indent} {}
    ~json_writer();

    json_writer & begin_object();
    json_writer & end_object();
    json_writer & begin_array();
    json_writer & end_array();
    /// \brief The key of the next member (only inside an object).
    json_writer & key(std::string_view k);

    json_writer & value(double v);
    json_writer & value(std::int64_t v);
    json_writer & value(std::uint64_t v);
    json_writer & value(int v) { return value(static_cast<std::int64_t>(v)); }
    json_writer & value(bool v);
    json_writer & value(std::string_view v);
    json_writer & value(char const * v) { return value(std::string_view{v}); }
    json_writer & value(std::string const & v) { return value(std::string_view{v}); }
    json_writer & null();

    /// \brief key(k).value(v) in one call.
    template <typename T>
    json_writer & field(std::string_view k, T const & v)
    {
        key(k);
        return value(v);
    }
    /// \brief An array of numbers on one line.
    json_writer & value(std::span<double const> v);
    json_writer & value(std::vector<double> const & v) { return value(std::span<double const>{v}); }
    json_writer & value(std::vector<std::string> const & v);

    /// \brief JSON string escaping (quotes included).
    [[nodiscard]] static std::string quote(std::string_view s);
    /// \brief Shortest round-trip text of a double; "null" for non-finite values.
    [[nodiscard]] static std::string number(double v);

private:
    struct frame
    {
        bool is_array;
        int count;
        bool multiline;
    };
    void before_value(bool container);
    void newline_indent();

    std::ostream & out_;
    int indent_;
    std::vector<frame> stack_;
    bool after_key_ = false;
};

} // namespace emtk
