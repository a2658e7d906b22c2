#include <emtk/util/error.hpp>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace emtk {

std::string field_name(std::string const & field)
{
    return field_message::mark + field + field_message::mark;
}

std::string without_field_marks(std::string raw)
{
    std::erase(raw, field_message::mark);
    return raw;
}

option_error::option_error(std::string const & raw) : usage_error(without_field_marks(raw)), field_message(raw) {}

option_input_error::option_input_error(std::string const & raw) : user_error(without_field_marks(raw)), field_message(raw) {}

std::string located_message(std::string const & file, std::uint64_t line, std::string const & what)
{
    std::string out;
    out.reserve(file.size() + what.size() + 24);
    out.append(file == "-" ? std::string_view{"<stdin>"} : std::string_view{file});
    if (line > 0)
    {
        out.push_back(':');
        out.append(std::to_string(line));
    }
    out.append(": ");
    out.append(what);
    return out;
}

std::string library_message(char const * msg, std::string const & path)
{
    std::string m{msg ? msg : "unknown error"};
    if (m.rfind(path + ": ", 0) == 0)
        m.erase(0, path.size() + 2);
    else if (m.rfind("<fd:", 0) == 0 && m.find(">: ") != std::string::npos)
        m.erase(0, m.find(">: ") + 3);
    return m;
}

void throw_input_error(std::string const & file, std::uint64_t line, std::string const & what)
{
    throw user_error(located_message(file, line, what));
}

namespace detail {
void assertion_failed(char const * expr, char const * file, int line, char const * msg)
{
    std::fprintf(stderr, "[emtk] internal error (a bug, please report it): %s:%d: %s (%s)\n", file, line, msg,
                 expr);
    std::abort();
}
} // namespace detail

} // namespace emtk
