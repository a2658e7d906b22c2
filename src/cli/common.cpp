#include "common.hpp"
#include "command_registry.hpp"

#include <emtk/em/distributed.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>

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

namespace {
std::vector<command> & registry()
{
    static std::vector<command> r;
    return r;
}
} // namespace

std::vector<command> commands(std::string_view group)
{
    std::vector<command> out;
    for (auto const & c : registry())
        if (group == c.group)
            out.push_back(c);
    std::stable_sort(out.begin(), out.end(), [](command const & a, command const & b) { return a.order < b.order; });
    return out;
}

command_registrar::command_registrar(command c) { registry().push_back(c); }

std::string flag_of(command const & c, std::string const & field)
{
    for (auto const & item : split_list(c.flags))
        if (auto const eq = item.find('='); eq != std::string::npos && item.compare(0, eq, field) == 0 && eq == field.size())
            return item.substr(eq + 1);
    std::string flag = "--" + field;
    std::replace(flag.begin(), flag.end(), '_', '-');
    return flag;
}

void run_command(command const & c, seqan3::argument_parser & sub)
{
    try
    {
        c.run(sub);
    }
    catch (field_message const & e)
    {
        std::string const msg = e.renamed([&](std::string const & field) { return flag_of(c, field); });
        if (dynamic_cast<usage_error const *>(&e))
            throw usage_error(msg);
        throw user_error(msg);
    }
}

// `emtk hmm`: the group of the profile-HMM tools (hmm_*_parsing.cpp register its subcommands).
command_registrar const hmm_group{{"", "hmm", "profile HMMs: train, search, align, emit, logo", "", 5, nullptr,
                                   "emtk hmm train -o globins.hmm data/globins45.fa"}};

std::string version_line()
{
    return std::string{"emtk "} + version_string + " (commit " + git_commit + ")" +
           (em::dist::built_with_mpi() ? " MPI" : "");
}

void apply_verbosity(bool quiet, bool verbose)
{
    if (quiet)
        log::set_level(log::level::error);
    else if (verbose)
        log::set_level(log::level::info);
}

void check_output_path(std::string const & out, std::string const & input, std::string const & what)
{
    if (out.empty() || out == "-")
        return;
    std::error_code ec;
    if (input != "-" && std::filesystem::equivalent(out, input, ec))
        throw usage_error("output " + out + " would overwrite the " + what);
    std::filesystem::path dir = std::filesystem::path{out}.parent_path();
    if (dir.empty())
        dir = ".";
    if (!std::filesystem::is_directory(dir, ec))
        throw user_error(located_message(out, 0, "cannot write: directory '" + dir.string() + "' does not exist"));
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

std::time_t output_date()
{
    if (char const * e = std::getenv("SOURCE_DATE_EPOCH"); e && *e)
    {
        long long v = 0;
        auto const r = std::from_chars(e, e + std::char_traits<char>::length(e), v);
        if (r.ec != std::errc{} || *r.ptr != '\0' || v < 0)
            throw usage_error(std::string{"SOURCE_DATE_EPOCH must be a non-negative integer, got '"} + e + "'");
        return static_cast<std::time_t>(v);
    }
    return std::time(nullptr);
}

} // namespace emtk::cli
