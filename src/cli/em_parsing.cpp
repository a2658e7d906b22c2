/// \file
/// \brief Declares the EM-core options shared by several tools (em_parsing.hpp).

#include "em_parsing.hpp"

#include <seqan3/argument_parser/all.hpp>

namespace emtk::cli {

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
