#pragma once
/// \file
/// \brief The one registry of commands that main.cpp dispatches through: top-level tools
/// (`emtk mix`, `emtk cov`, `emtk impute`), command groups (`emtk hmm`) and the subcommands of a
/// group (`emtk hmm train`, …).
///
/// Adding a tool = adding files src/cli/<tool>_*.cpp (globbed by CMakeLists.txt), one of which
/// defines a namespace-scope `command_registrar` for it, usually with run = parse_and_run<…>:
/// main.cpp needs no change.

#include <string>
#include <string_view>
#include <vector>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// \brief One command.
struct command
{
    char const * group = "";      ///< "" = top level (`emtk NAME`), else the group (`emtk GROUP NAME`)
    char const * name = "";       ///< e.g. "train"
    char const * summary = "";    ///< one line for the listing in `--help`
    char const * no_args = "";    ///< the usage error printed for the command without arguments
    int order = 0;                ///< position in listings (registration order across files is unspecified)
    /// Declares the options, parses, runs. nullptr: a group whose subcommands are the commands
    /// registered with group == name (no_args, summary and `example` then describe the group).
    void (*run)(seqan3::argument_parser & sub) = nullptr;
    char const * example = "";    ///< groups: the example of the group's --help
    /// Flags of the library option fields that errors name (util/error.hpp, option_error), where
    /// the flag is not "--" + the field with '-' for '_': "field=flag,field=flag", e.g.
    /// "window=-w/--window,min_mapq=-Q".
    char const * flags = "";
};

/// \brief The flag of option field `field` for command `c` (see command::flags).
[[nodiscard]] std::string flag_of(command const & c, std::string const & field);

/// \brief Runs c.run(sub); an error of the library that names option fields (field_message) is
/// rethrown with the command's flags in their place, as usage_error (option_error) or user_error.
void run_command(command const & c, seqan3::argument_parser & sub);

/// \brief The commands registered in `group` ("" = top level), sorted by `order`.
[[nodiscard]] std::vector<command> commands(std::string_view group);

/// \brief Registers a command at static initialisation (one namespace-scope object per command).
struct command_registrar
{
    explicit command_registrar(command c);
};

/// \brief The usual `run` of a command: default arguments, `Declare` their options on the
/// sub-parser, parse, `Run`. (Parser is a template parameter so this header needs no SeqAn3.)
template <typename Arguments, auto Declare, auto Run, typename Parser>
void parse_and_run(Parser & sub)
{
    Arguments args;
    Declare(sub, args);
    sub.parse();
    Run(args);
}

} // namespace emtk::cli
