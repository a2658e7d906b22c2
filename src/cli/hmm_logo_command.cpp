/// \file
/// \brief `emtk hmm logo`: read a model, write its logo (hmm/logo.hpp) atomically.

#include "common.hpp"
#include "hmm_logo.hpp"
#include "run_summary.hpp"

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/logo.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>

#include <cstdint>
#include <optional>

namespace emtk::cli {

void hmm_logo_run(hmm_logo_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    check_summary_paths(a.json, a.multiqc, {a.model, a.output});
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
    int const rows = (m.hmm.M + a.per_row - 1) / a.per_row;
    if (!a.json.empty())
        write_no_em_summary(
            a.json, "emtk hmm logo", std::nullopt, {a.model}, {1, 0, {}},
            [&](json_writer & j) {
                j.field("model", m.name);
                j.field("model_length", m.hmm.M);
                j.field("rows", rows);
                j.field("svg_bytes", static_cast<std::uint64_t>(svg.size()));
            },
            1, total.seconds());
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "hmm logo", "Sequence logos of profile HMMs.", sample_name(a.model),
                      {{"model_length", static_cast<double>(m.hmm.M)}, {"rows", static_cast<double>(rows)}});
    log::summary("logo of " + m.name + " (M = " + std::to_string(m.hmm.M) + ", " + std::to_string(rows) +
                 (rows == 1 ? " row" : " rows") + ") written to " + a.output);
}

} // namespace emtk::cli
