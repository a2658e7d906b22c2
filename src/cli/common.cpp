#include "common.hpp"

#include <emtk/util/log.hpp>
#include <emtk/version.hpp>

namespace emtk::cli {

namespace {
std::vector<std::string> & args()
{
    static std::vector<std::string> a;
    return a;
}
} // namespace

void set_command_line(int argc, char const * const * argv)
{
    args().assign(argv, argv + argc);
}

std::vector<std::string> const & command_line() { return args(); }

std::string version_line()
{
    return std::string{"emtk "} + version_string + " (commit " + git_commit + ")";
}

void apply_verbosity(bool quiet, bool verbose)
{
    if (quiet)
        log::set_level(log::level::error);
    else if (verbose)
        log::set_level(log::level::info);
}

std::vector<std::string> split_list(std::string const & s, char sep)
{
    std::vector<std::string> out;
    std::string cur;
    for (char c : s)
    {
        if (c == sep)
        {
            if (!cur.empty())
                out.push_back(cur);
            cur.clear();
        }
        else
            cur += c;
    }
    if (!cur.empty())
        out.push_back(cur);
    return out;
}

} // namespace emtk::cli
