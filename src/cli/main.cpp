/// \file
/// \brief `emtk`: dispatches subcommands and turns errors into one line on stderr.
///
/// Exit status: 0 success, 1 user error (bad input), 2 usage error (bad command line).
/// Only this file exits.

#include "common.hpp"
#include "mix_command.hpp"

#include <emtk/util/error.hpp>
#include <emtk/version.hpp>

#include <seqan3/argument_parser/all.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>

namespace {

void set_info(seqan3::argument_parser & parser)
{
    parser.info.version = std::string{emtk::version_string} + " (commit " + emtk::git_commit + ")";
    parser.info.author = "the emtk developers";
    parser.info.url = "https://github.com/emtk/emtk";
    parser.info.short_description = "sequence analysis where every tool is an EM fit on one shared core";
}

int fail(char const * what, int status)
{
    std::fprintf(stderr, "[emtk] error: %s\n", what);
    return status;
}

} // namespace

int main(int argc, char const ** argv)
{
    emtk::cli::set_command_line(argc, argv);
    if (argc == 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-V") == 0))
    {
        std::cout << emtk::cli::version_line() << '\n';
        return 0;
    }
    if (argc == 1)
    {
        std::fprintf(stderr, "%s\nusage: emtk SUBCOMMAND [options]   (subcommands: mix)\n"
                             "       emtk SUBCOMMAND --help   for the options and examples of each\n",
                     emtk::cli::version_line().c_str());
        return 2;
    }
    if (argc == 2 && std::strcmp(argv[1], "mix") == 0)
        return fail("emtk mix needs an input file and -o PREFIX (see 'emtk mix --help')", 2);
    try
    {
        seqan3::argument_parser top{"emtk", argc, argv, seqan3::update_notifications::off, {"mix"}};
        set_info(top);
        top.info.description.push_back("Subcommands: mix (finite mixtures: Gaussian, Poisson, negative binomial). "
                                       "Run 'emtk SUBCOMMAND --help' for the options of each.");
        top.info.examples.push_back("emtk mix --k-range 1:6 -c x,y -o out/example data/example.tsv");
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
