/// \file
/// \brief `emtk hmm logo`: read a model, write its logo (hmm/logo.hpp) atomically.

#include "common.hpp"
#include "hmm_logo.hpp"

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/logo.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/log.hpp>

namespace emtk::cli {

void hmm_logo_run(hmm_logo_arguments const & a)
{
    apply_verbosity(a.quiet, a.verbose);
    hmm::hmmer_reader in{a.model};
    hmm::hmmer_model m;
    bool found = false;
    while (in.next(m))
        if (a.name.empty() || m.name == a.name)
        {
            found = true;
            break;
        }
    if (!found)
        throw user_error(a.name.empty() ? a.model + ": no model in the file"
                                        : a.model + ": no model named '" + a.name + "'");
    hmm::logo_options opt;
    opt.per_row = a.per_row;
    std::string const svg = hmm::logo_svg(m, opt);
    atomic_output_file out{a.output};
    out.stream() << svg;
    out.commit();
    log::info("logo of " + m.name + " (M = " + std::to_string(m.hmm.M) + ") written to " + a.output);
}

} // namespace emtk::cli
