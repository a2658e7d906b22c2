/// \file
/// \brief `emtk`: dispatches subcommands and turns errors into one line on stderr.
///
/// Exit status: 0 success, 1 user error (bad input), 2 usage error (bad command line).
/// Only this file exits.

#include "common.hpp"
#include "hmm_command.hpp"
#include "mix_command.hpp"
#include "tool_command.hpp"

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

int run(int argc, char const ** argv)
{
    emtk::cli::set_command_line(argc, argv);
    if (argc == 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-V") == 0))
    {
        std::cout << emtk::cli::version_line() << '\n';
        return 0;
    }
    auto const & tools = emtk::cli::tool_commands();
    if (argc == 1)
    {
        std::string names = "mix, hmm";
        for (auto const & t : tools)
            names.append(", ").append(t.name);
        std::fprintf(stderr, "%s\nusage: emtk SUBCOMMAND [options]   (subcommands: %s)\n"
                             "       emtk SUBCOMMAND --help   for the options and examples of each\n",
                     emtk::cli::version_line().c_str(), names.c_str());
        return 2;
    }
    if (argc == 2)
        for (auto const & t : tools)
            if (std::strcmp(argv[1], t.name) == 0)
                return fail(t.no_args, 2);
    if (argc == 2 && std::strcmp(argv[1], "mix") == 0)
        return fail("emtk mix needs an input file and -o PREFIX (see 'emtk mix --help')", 2);
    auto const & hmm_tools = emtk::cli::hmm_subcommands();
    if (argc == 2 && std::strcmp(argv[1], "hmm") == 0)
    {
        std::string names;
        for (auto const & t : hmm_tools)
            names.append(names.empty() ? "" : ", ").append(t.name);
        return fail(("emtk hmm needs a subcommand: " + names + " (see 'emtk hmm --help')").c_str(), 2);
    }
    if (argc == 3 && std::strcmp(argv[1], "hmm") == 0)
        for (auto const & t : hmm_tools)
            if (std::strcmp(argv[2], t.name) == 0)
                return fail(t.no_args, 2);
    try
    {
        if (std::strcmp(argv[1], "hmm") == 0)
        {
            // SeqAn3's sub-parsers take no subcommands of their own: "emtk hmm" is a top-level
            // parser over argv[1..] whose subcommands are the hmm tools.
            std::vector<std::string> names;
            std::string list;
            for (auto const & t : hmm_tools)
            {
                names.emplace_back(t.name);
                list.append(list.empty() ? "" : "; ").append(t.name).append(" (").append(t.summary).append(")");
            }
            seqan3::argument_parser hmm{"emtk-hmm", argc - 1, argv + 1, seqan3::update_notifications::off, names};
            set_info(hmm);
            hmm.info.description.push_back("Profile HMM tools. Subcommands: " + list +
                                           ". Run 'emtk hmm SUBCOMMAND --help' for the options of each.");
            hmm.info.examples.push_back("emtk hmm train -o globins.hmm data/globins45.fa");
            hmm.parse();
            seqan3::argument_parser & sub = hmm.get_sub_parser();
            set_info(sub);
            for (auto const & t : hmm_tools)
                if (sub.info.app_name == "emtk-hmm-" + std::string{t.name})
                    t.run(sub);
            return 0;
        }
        std::vector<std::string> top_names{"mix", "hmm"};
        std::string top_list = "mix (finite mixtures: Gaussian, Poisson, negative binomial), "
                               "hmm (profile HMMs: train, search, align, emit, logo)";
        for (auto const & t : tools)
        {
            top_names.emplace_back(t.name);
            top_list.append(", ").append(t.name).append(" (").append(t.summary).append(")");
        }
        seqan3::argument_parser top{"emtk", argc, argv, seqan3::update_notifications::off, top_names};
        set_info(top);
        top.info.description.push_back("Subcommands: " + top_list +
                                       ". Run 'emtk SUBCOMMAND --help' for the options of each.");
        top.info.examples.push_back("emtk mix --k-range 1:6 -c x,y -o out/example data/example.tsv");
        top.info.examples.push_back("emtk hmm train -o globins.hmm data/globins45.fa");
        top.parse();
        seqan3::argument_parser & sub = top.get_sub_parser();
        set_info(sub);
        if (sub.info.app_name == std::string_view{"emtk-mix"})
        {
            emtk::cli::mix_arguments args;
            emtk::cli::mix_declare(sub, args);
            sub.parse();
            emtk::cli::mix_run(args);
        }
        for (auto const & t : tools)
            if (sub.info.app_name == "emtk-" + std::string{t.name})
                t.run(sub);
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
