#pragma once
/// \file
/// \brief Command-line options of the EM core that several tools share, declared once.

#include <cstddef>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// \brief Declares `--stepwise auto|on|off`, `--batch-size` and `--passes` (em::em_mode,
/// em::stepwise_options). `auto_rule` completes "'auto' uses it …" (the tool's size threshold),
/// `items` names what the tool fits ("rows", "sequences"), `passes_scope` is appended to the
/// --passes help (e.g. " per phase"; may be empty).
void declare_stepwise_options(seqan3::argument_parser & parser, std::string & mode, std::size_t & batch_size,
                              int & passes, std::string const & auto_rule, std::string const & items,
                              std::string const & passes_scope);

} // namespace emtk::cli
