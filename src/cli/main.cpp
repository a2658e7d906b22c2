/// \file
/// \brief `emtk`: dispatches subcommands and turns errors into one line on stderr.
///
/// Exit status: 0 success, 1 user error (bad input), 2 usage error (bad command line).
/// Only this file exits.

#include "common.hpp"
#include "command_registry.hpp"

#include <emtk/em/distributed.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/version.hpp>

#include <seqan3/argument_parser/all.hpp>

#include <license_text.hpp> // generated from LICENSE (src/cli/CMakeLists.txt)

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <iostream>
#include <new>

namespace {

void set_info(seqan3::argument_parser & parser)
{
    parser.info.version = emtk::cli::version_line().substr(5); // without the leading "emtk "
    parser.info.author = "the emtk developers";
    parser.info.url = "https://github.com/emtk/emtk";
    parser.info.short_description = "sequence analysis where every tool is an EM fit on one shared core";
    parser.info.short_copyright = "(c) 2026 The emtk developers; BSD 3-Clause License";
    parser.info.long_copyright = emtk::cli::license_text;
    parser.info.citation = std::string{"The emtk developers: emtk, version "} + emtk::version_string +
                           " (CITATION.cff in the source distribution)";
}

int fail(char const * what, int status)
{
    std::fprintf(stderr, "[emtk] error: %s\n", what);
    return status;
}

} // namespace

namespace {

/// "a (summary a), b (summary b)" or "a, b" (with_summary false), joined by `sep`.
std::string listing(std::vector<emtk::cli::command> const & cs, bool with_summary, char const * sep)
{
    std::string out;
    for (auto const & c : cs)
    {
        out.append(out.empty() ? "" : sep).append(c.name);
        if (with_summary)
            out.append(" (").append(c.summary).append(")");
    }
    return out;
}

/// The usage error for `emtk [GROUP] NAME` without arguments, or nullptr when argv has arguments
/// or names no command.
std::string no_args_error(int argc, char const ** argv)
{
    if (argc != 2 && argc != 3)
        return {};
    for (auto const & c : emtk::cli::commands(""))
    {
        if (std::strcmp(argv[1], c.name) != 0)
            continue;
        if (c.run && argc == 2)
            return c.no_args;
        if (!c.run && argc == 2)
            return std::string{"emtk "} + c.name + " needs a subcommand: " + listing(emtk::cli::commands(c.name), false, ", ") +
                   " (see 'emtk " + c.name + " --help')";
        if (!c.run)
            for (auto const & s : emtk::cli::commands(c.name))
                if (std::strcmp(argv[2], s.name) == 0)
                    return s.no_args;
    }
    return {};
}

/// Parses `emtk [GROUP] …` with one SeqAn3 parser per level (SeqAn3's sub-parsers take no
/// subcommands of their own: a group is a top-level parser over argv[1..]) and runs the command.
void dispatch(int argc, char const ** argv)
{
    auto const top_level = emtk::cli::commands("");
    // A group is parsed by its own top-level parser, before the top-level one sees its subcommand.
    for (auto const & g : top_level)
        if (!g.run && argc > 1 && std::strcmp(argv[1], g.name) == 0)
        {
            auto const subs = emtk::cli::commands(g.name);
            std::vector<std::string> sub_names;
            for (auto const & c : subs)
                sub_names.emplace_back(c.name);
            std::string const app = std::string{"emtk-"} + g.name;
            seqan3::argument_parser group{app, argc - 1, argv + 1, seqan3::update_notifications::off, sub_names};
            set_info(group);
            group.info.description.push_back(std::string{"Subcommands of emtk "} + g.name + " (" + g.summary +
                                             "): " + listing(subs, true, "; ") + ". Run 'emtk " + g.name +
                                             " SUBCOMMAND --help' for the options of each.");
            group.info.examples.push_back(g.example);
            group.parse();
            seqan3::argument_parser & sub = group.get_sub_parser();
            set_info(sub);
            for (auto const & c : subs)
                if (sub.info.app_name == app + "-" + c.name)
                    emtk::cli::run_command(c, sub);
            return;
        }
    std::vector<std::string> names;
    for (auto const & c : top_level)
        names.emplace_back(c.name);
    seqan3::argument_parser top{"emtk", argc, argv, seqan3::update_notifications::off, names};
    set_info(top);
    top.info.description.push_back("Subcommands: " + listing(top_level, true, ", ") +
                                   ". Run 'emtk SUBCOMMAND --help' for the options of each.");
    top.info.examples.push_back("emtk mix --k-range 1:6 -c x,y -o out/example data/example.tsv");
    top.info.examples.push_back("emtk hmm train -o globins.hmm data/globins45.fa");
    top.parse();
    seqan3::argument_parser & sub = top.get_sub_parser();
    set_info(sub);
    for (auto const & c : top_level)
        if (c.run && sub.info.app_name == "emtk-" + std::string{c.name})
            emtk::cli::run_command(c, sub);
}

int run(int argc, char const ** argv)
{
    emtk::cli::set_command_line(argc, argv);
    if (argc == 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-V") == 0))
    {
        std::cout << emtk::cli::version_line() << '\n';
        return 0;
    }
    if (argc == 1)
    {
        std::fprintf(stderr, "%s\nusage: emtk SUBCOMMAND [options]   (subcommands: %s)\n"
                             "       emtk SUBCOMMAND --help   for the options and examples of each\n",
                     emtk::cli::version_line().c_str(), listing(emtk::cli::commands(""), false, ", ").c_str());
        return 2;
    }
    if (std::string const e = no_args_error(argc, argv); !e.empty())
        return fail(e.c_str(), 2);
    try
    {
        dispatch(argc, argv);
        return 0;
    }
    catch (seqan3::argument_parser_error const & e)
    {
        return fail(e.what(), 2);
    }
    catch (emtk::usage_error const & e)
    {
        return fail(e.what(), 2);
    }
    catch (emtk::user_error const & e)
    {
        return fail(e.what(), 1);
    }
    catch (std::bad_alloc const &)
    {
        return fail("out of memory", 1);
    }
    catch (std::exception const & e)
    {
        return fail(e.what(), 1);
    }
}

} // namespace

int main(int argc, char ** argv)
{
    // MPI builds (-DEMTK_MPI=ON, `mpirun -np N emtk ...`): every rank runs the same command; the
    // E-steps are shared (em/distributed.hpp) and only rank 0 writes files, stdout and stderr.
    emtk::em::dist::session mpi{argc, argv};
    if (emtk::em::dist::rank() != 0)
    {
        emtk::set_output_suppressed(true);
        if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr))
            return 1;
    }
    return run(argc, const_cast<char const **>(argv));
}
