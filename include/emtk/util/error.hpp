#pragma once
/// \file
/// \brief The two kinds of error in emtk (ARCHITECTURE.md, "Rules of the house").
///
/// A *user error* is bad input or a bad flag: it is thrown as emtk::user_error with a message that
/// names the file, the line or record, and what was expected; the CLI prints it as one line on
/// stderr and exits with status 1. A *usage error* (a bad command line) is emtk::usage_error and
/// exits with status 2. A *bug* is an assertion (EMTK_ASSERT), never an exception for the user.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace emtk {

/// \brief Bad input: the message names the file, line/record and what was expected. Exit status 1.
class user_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// \brief A bad command line (unknown option, invalid value combination). Exit status 2.
class usage_error : public user_error
{
public:
    using user_error::user_error;
};

/// \brief Marks the name of an option field (as the library's options struct spells it, e.g.
/// "max_iter") inside an error message, so that a front end can show its own name for it (a CLI
/// flag such as "--max-iter"). what() of the errors below shows the field names as they are.
[[nodiscard]] std::string field_name(std::string const & field);

/// \brief A message that may hold field_name() marks, as plain text (the field names as they are),
/// for outputs that are not shown through a front end's renaming (JSON, logs).
[[nodiscard]] std::string without_field_marks(std::string raw);

/// \brief The part of an error that names option fields (field_name()): the message with its marks.
class field_message
{
public:
    explicit field_message(std::string raw) : raw_(std::move(raw)) {}
    virtual ~field_message() = default;
    /// \brief The message with every marked field replaced by rename(field).
    template <typename Rename>
    [[nodiscard]] std::string renamed(Rename && rename) const
    {
        std::string out;
        std::size_t pos = 0;
        while (pos < raw_.size())
        {
            std::size_t const a = raw_.find(mark, pos);
            std::size_t const b = a == std::string::npos ? a : raw_.find(mark, a + 1);
            if (b == std::string::npos)
            {
                out.append(raw_, pos);
                break;
            }
            out.append(raw_, pos, a - pos);
            out.append(rename(raw_.substr(a + 1, b - a - 1)));
            pos = b + 1;
        }
        return out;
    }
    static constexpr char mark = '\x1f'; ///< around a field name (never in user text)

private:
    std::string raw_;
};

/// \brief A bad value of a library option (or combination): a usage error whose message names
/// the option fields, e.g. "max_iter must be at least 1". Exit status 2.
class option_error : public usage_error, public field_message
{
public:
    /// \param raw the message, each field name written as field_name(NAME)
    explicit option_error(std::string const & raw);
};

/// \brief Bad input that the message explains with option fields (e.g. "no record passed the
/// filters: … excluded by exclude_flags 1796"). Exit status 1.
class option_input_error : public user_error, public field_message
{
public:
    explicit option_input_error(std::string const & raw);
};

/// \brief Builds the conventional message "FILE:LINE: WHAT" (LINE omitted when 0).
/// \param file   the file name as the user gave it ("-" is shown as "<stdin>")
/// \param line   1-based line or record number, 0 if not applicable
/// \param what   what was wrong and what was expected
[[nodiscard]] std::string located_message(std::string const & file, std::uint64_t line, std::string const & what);

/// \brief A library's error text without the "PATH: " or "<fd:N>: " prefix that zlib's gzerror()
/// puts in front of it (our messages name the file already). A null `msg` gives "unknown error".
[[nodiscard]] std::string library_message(char const * msg, std::string const & path);

/// \brief Throws user_error(located_message(file, line, what)).
[[noreturn]] void throw_input_error(std::string const & file, std::uint64_t line, std::string const & what);

namespace detail {
[[noreturn]] void assertion_failed(char const * expr, char const * file, int line, char const * msg);
} // namespace detail

} // namespace emtk

/// Internal consistency check, active in every build type: a failure is a bug in emtk, not the
/// user's fault; it prints the location and aborts.
#define EMTK_ASSERT(expr, msg) \
    ((expr) ? static_cast<void>(0) : ::emtk::detail::assertion_failed(#expr, __FILE__, __LINE__, (msg)))
