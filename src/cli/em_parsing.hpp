#pragma once
/// \file
/// \brief The command-line options every tool shares, declared once: the run options (--seed,
/// -t/--threads, -q/--quiet, -v/--verbose), the reports (--json, --multiqc) and the EM core's
/// options (--max-iter, --tol, --restarts; --stepwise, --batch-size, --passes). A tool's parsing
/// file calls these with its own fields and help texts; the flag names, short names and value
/// checks live only here.

#include <cstddef>
#include <cstdint>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// \brief `--seed S`: `help` says what the seed makes reproducible.
void declare_seed(seqan3::argument_parser & parser, std::uint64_t & seed, std::string const & help);

/// \brief `-t/--threads N` (1 … 1024); `help` defaults to the common sentence.
void declare_threads(seqan3::argument_parser & parser, int & threads,
                     std::string const & help = "Threads (output is identical for any number).");

/// \brief `-q/--quiet` and `-v/--verbose` (applied by apply_verbosity(), common.hpp).
void declare_verbosity(seqan3::argument_parser & parser, bool & quiet, bool & verbose);

/// \brief `--json FILE` (help: `json_help`) and `--multiqc FILE`.
void declare_reports(seqan3::argument_parser & parser, std::string & json, std::string & multiqc,
                     std::string const & json_help);

/// \brief Help texts and upper bounds of the EM-core options (declare_em_options()).
struct em_option_help
{
    std::string restarts;        ///< what a start is for this tool
    int restarts_limit = 10000;  ///< --restarts in 1 … restarts_limit
    std::string max_iter;        ///< what the iteration limit bounds
    int max_iter_limit = 1000000; ///< --max-iter in 1 … max_iter_limit
    std::string tol;             ///< the tool's stop rule
};
/// \brief `--restarts N`, `--max-iter N` and `--tol X` (em::options::restarts, max_iter, tol).
void declare_em_options(seqan3::argument_parser & parser, int & restarts, int & max_iter, double & tol,
                        em_option_help const & help);

/// \brief Declares `--stepwise auto|on|off`, `--batch-size` and `--passes` (em::em_mode,
/// em::stepwise_options). `auto_rule` completes "'auto' uses it …" (the tool's size threshold),
/// `items` names what the tool fits ("rows", "sequences"), `passes_scope` is appended to the
/// --passes help (e.g. " per phase"; may be empty).
void declare_stepwise_options(seqan3::argument_parser & parser, std::string & mode, std::size_t & batch_size,
                              int & passes, std::string const & auto_rule, std::string const & items,
                              std::string const & passes_scope);

} // namespace emtk::cli
