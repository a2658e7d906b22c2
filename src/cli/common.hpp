#pragma once
/// \file
/// \brief What every subcommand shares: the command line for run summaries, verbosity, timing.

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace emtk::cli {

/// The whole command line as given, for run summaries (set once by main).
void set_command_line(int argc, char const * const * argv);
[[nodiscard]] std::vector<std::string> const & command_line();

/// The version line: "emtk 0.1.0 (commit abcdef123456)".
[[nodiscard]] std::string version_line();

/// Seconds since the epoch for dates written into outputs: SOURCE_DATE_EPOCH when set
/// (reproducible output), else now. \throws usage_error for a malformed SOURCE_DATE_EPOCH.
[[nodiscard]] std::time_t output_date();

/// Applies -q / -v to the log sink.
void apply_verbosity(bool quiet, bool verbose);

/// Wall-clock seconds since construction.
class stopwatch
{
public:
    [[nodiscard]] double seconds() const
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// Fails early, before any work, when `out` (a path; "" and "-" are skipped) would overwrite
/// `input` (usage_error "output OUT would overwrite the WHAT") or its directory does not exist
/// (user_error "OUT: cannot write: directory 'DIR' does not exist").
void check_output_path(std::string const & out, std::string const & input, std::string const & what = "input file");

/// Splits "a,b,c" into its items (empty items are dropped).
[[nodiscard]] std::vector<std::string> split_list(std::string const & s, char sep = ',');

} // namespace emtk::cli
