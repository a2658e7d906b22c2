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
