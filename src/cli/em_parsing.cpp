/// \file
/// \brief Declares the options every tool shares (em_parsing.hpp).

#include "em_parsing.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

void declare_seed(seqan3::argument_parser & parser, std::uint64_t & seed, std::string const & help)
{
    parser.add_option(seed, '\0', "seed", help);
}

void declare_threads(seqan3::argument_parser & parser, int & threads, std::string const & help)
{
    parser.add_option(threads, 't', "threads", help, seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{1, 1024});
}

void declare_verbosity(seqan3::argument_parser & parser, bool & quiet, bool & verbose)
{
    parser.add_flag(quiet, 'q', "quiet", "Only errors on stderr.");
    parser.add_flag(verbose, 'v', "verbose", "More messages on stderr.");
}

void declare_reports(seqan3::argument_parser & parser, std::string & json, std::string & multiqc,
                     std::string const & json_help)
{
    parser.add_option(json, '\0', "json", json_help);
    parser.add_option(multiqc, '\0', "multiqc", "Write a MultiQC custom-content table here (name it *_mqc.json).");
}

void declare_em_options(seqan3::argument_parser & parser, int & restarts, int & max_iter, double & tol,
                        em_option_help const & help)
{
    parser.add_option(restarts, '\0', "restarts", help.restarts, seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{1, help.restarts_limit});
    parser.add_option(max_iter, '\0', "max-iter", help.max_iter, seqan3::option_spec::standard,
                      seqan3::arithmetic_range_validator{1, help.max_iter_limit});
    parser.add_option(tol, '\0', "tol", help.tol);
}

void declare_stepwise_options(seqan3::argument_parser & parser, std::string & mode, std::size_t & batch_size,
                              int & passes, std::string const & auto_rule, std::string const & items,
                              std::string const & passes_scope)
{
    parser.add_option(mode, '\0', "stepwise",
                      "Stepwise (mini-batch) EM: 'auto' uses it " + auto_rule + ", 'on' always, 'off' never "
                          "(batch EM: an E-step over all " + items + " per iteration).",
                      seqan3::option_spec::standard, seqan3::value_list_validator{"auto", "on", "off"});
    parser.add_option(batch_size, '\0', "batch-size", "Stepwise EM: " + items + " per mini-batch.",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 1000000000});
    parser.add_option(passes, '\0', "passes",
                      "Stepwise EM: at most this many passes over the " + items + passes_scope + ".",
                      seqan3::option_spec::advanced, seqan3::arithmetic_range_validator{1, 100000});
}

} // namespace emtk::cli
