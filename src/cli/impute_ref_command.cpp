/// \file
/// \brief `emtk impute --ref`: maps the arguments to geno::ref_impute_options, runs the reference-
/// panel imputation and writes the JSON summary (issue 20).

#include "common.hpp"
#include "impute_command.hpp"
#include "run_summary.hpp"

#include <emtk/geno/ref_impute.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/version.hpp>

#include <memory>

namespace emtk::cli {

namespace {

/// Checks the arguments (usage_error) and fills the library's options.
geno::ref_impute_options make_ref_options(impute_arguments const & a)
{
    if (a.output.empty())
        throw usage_error("-o/--output is required");
    if (a.ref_overlap >= a.ref_window)
        throw usage_error("--ref-overlap must be smaller than --ref-window");
    if (!(a.cm_per_mb > 0))
        throw usage_error("--cm-per-mb must be > 0");
    if (!(a.ne > 0))
        throw usage_error("--ne must be > 0");
    if (!(a.ref_error > 0 && a.ref_error < 0.5))
        throw usage_error("--ref-error must be in (0, 0.5)");
    if (!a.region.empty())
        throw usage_error("--region cannot be used with --ref (subset the study and the panel with bcftools)");
    if (a.method != "hapcluster")
        throw usage_error("--method cannot be used with --ref");
    check_output_path(a.output, a.input);
    check_output_path(a.output, a.ref, "reference panel");
    check_output_path(a.json, a.input);
    if (!a.json.empty() && a.json == a.output)
        throw usage_error("--json and -o name the same file");

    geno::ref_impute_options opt;
    opt.study = a.input;
    opt.panel = a.ref;
    opt.output = a.output;
    opt.map = a.map;
    opt.cm_per_mb = a.cm_per_mb;
    opt.ne = a.ne;
    opt.fit_ne = a.fit_ne;
    opt.edge_context = a.edge_context;
    opt.end_scale = a.end_scale;
    opt.viterbi_end_scale = a.viterbi_end_scale;
    opt.error = a.ref_error;
    opt.fit_error = !a.ref_fixed_error;
    opt.states = static_cast<std::size_t>(a.ref_states);
    opt.phase_states = static_cast<std::size_t>(a.phase_states);
    opt.phase_rounds = a.phase_rounds;
    opt.switch_passes = a.switch_passes;
    opt.switch_states = static_cast<std::size_t>(a.switch_states);
    opt.shift_blocks = a.shift_blocks;
    opt.het_flips = static_cast<std::size_t>(a.het_flips);
    opt.phase_mix = a.phase_mix;
    opt.phase_mix_margin = a.phase_mix_margin;
    opt.phase_mix_soft = a.phase_mix_soft;
    opt.phase_mix_runs = a.phase_mix_runs;
    opt.phase_mix_offsets = a.phase_mix_offsets;
    opt.phase_mix_redraw = a.phase_mix_redraw;
    opt.impute_offsets = static_cast<std::size_t>(a.impute_offsets);
    opt.study_templates = !a.no_study_templates;
    opt.pbwt = static_cast<std::size_t>(a.ref_pbwt);
    opt.min_posterior = static_cast<float>(a.min_posterior);
    opt.block = static_cast<std::size_t>(a.ref_block);
    opt.window = static_cast<std::size_t>(a.ref_window);
    opt.overlap = static_cast<std::size_t>(a.ref_overlap);
    opt.em.threads = a.threads;
    opt.header_lines = impute_header_lines();
    return opt;
}

/// Matching, left-out records and objective decreases on stderr; returns the decreases.
int log_ref_summary(geno::ref_impute_summary const & s)
{
    if (s.matched_swap + s.matched_flip + s.matched_flip_swap > 0)
        log::info("matched study markers with swapped alleles: " + std::to_string(s.matched_swap) +
                  ", strand-flipped: " + std::to_string(s.matched_flip) +
                  ", flipped and swapped: " + std::to_string(s.matched_flip_swap));
    if (s.dropped_allele_mismatch + s.dropped_not_in_panel > 0)
        log::warning("study markers left out: " + std::to_string(s.dropped_allele_mismatch) +
                     " with alleles that do not match the panel's, " + std::to_string(s.dropped_not_in_panel) +
                     " not in the panel");
    if (s.study_multiallelic + s.study_no_gt + s.study_non_diploid > 0)
        log::warning("study records left out: " + std::to_string(s.study_multiallelic) + " multiallelic, " +
                     std::to_string(s.study_no_gt) + " without GT, " + std::to_string(s.study_non_diploid) +
                     " with non-diploid calls");
    int decreases = 0;
    for (auto const & w : s.windows)
        decreases += w.decreases;
    if (decreases > 0)
        log::warning("the EM objective decreased " + std::to_string(decreases) + " time(s) (a bug: please report)");

    return decreases;
}

void write_ref_windows(json_writer & j, std::vector<geno::ref_window_summary> const & windows)
{
    j.key("windows").begin_array();
    for (auto const & w : windows)
    {
        j.begin_object();
        j.field("contig", w.contig);
        j.field("first_pos", static_cast<std::int64_t>(w.first_pos));
        j.field("last_pos", static_cast<std::int64_t>(w.last_pos));
        j.field("markers", static_cast<std::uint64_t>(w.markers));
        j.field("typed", static_cast<std::uint64_t>(w.typed));
        j.field("error", w.error);
        if (w.ne > 0)
            j.field("ne", w.ne);
        j.field("iterations", w.iterations);
        j.field("stop_reason", w.stop_reason);
        j.key("objective_trace").value(w.trace);
        j.end_object();
    }
    j.end_array();
}

void write_ref_json(std::ostream & os, impute_arguments const & a, geno::ref_impute_summary const & s, int decreases,
                    double total_s)
{
    json_writer j{os};
    j.begin_object();
    summary_head(j, "emtk impute", std::nullopt, {a.input, a.ref});
    summary_records(j, record_counts{s.study_usable, s.study_records - s.study_usable,
                                     {{"multiallelic", s.study_multiallelic},
                                      {"no_gt", s.study_no_gt},
                                      {"non_diploid", s.study_non_diploid}}});
    std::vector<double> trace = s.windows.empty() ? std::vector<double>{} : s.windows.front().trace;
    // "converged" only when every window's fit of ε converged; otherwise the first other reason.
    std::string reason = s.windows.empty() ? "none" : "converged";
    for (auto const & w : s.windows)
        if (w.stop_reason != "converged")
        {
            reason = w.stop_reason;
            break;
        }
    int iterations = 0;
    for (auto const & w : s.windows)
        iterations += w.iterations;
    j.field("iterations", iterations);
    j.field("stop_reason", reason);
    j.key("objective_trace").value(trace);
    j.field("method", "reference");
    j.key("input").begin_object();
    j.field("file", a.input);
    j.field("samples", static_cast<std::uint64_t>(s.samples));
    j.end_object();
    j.key("reference").begin_object();
    j.field("file", a.ref);
    j.field("haplotypes", static_cast<std::uint64_t>(s.panel_haplotypes));
    j.field("records", s.panel_records);
    j.field("markers", s.panel_markers);
    j.field("multiallelic_split", s.panel_multiallelic);
    j.field("no_alt_skipped", s.panel_no_alt);
    j.end_object();
    j.key("matching").begin_object();
    j.field("matched", s.matched);
    j.field("swapped", s.matched_swap);
    j.field("strand_flipped", s.matched_flip);
    j.field("flipped_and_swapped", s.matched_flip_swap);
    j.field("dropped_allele_mismatch", s.dropped_allele_mismatch);
    j.field("dropped_not_in_panel", s.dropped_not_in_panel);
    j.key("contigs_not_in_panel").begin_array();
    for (auto const & c : s.contigs_not_in_panel)
        j.value(c);
    j.end_array();
    j.end_object();
    j.key("output").begin_object();
    j.field("file", a.output);
    j.field("index", s.index);
    j.field("markers", s.written);
    j.field("imputed_markers", s.imputed_markers);
    j.end_object();
    j.key("model").begin_object();
    j.field("map", a.map);
    j.field("cm_per_mb", a.cm_per_mb);
    j.field("ne", a.ne);
    j.field("fit_ne", a.fit_ne);
    j.field("edge_context", a.edge_context);
    j.field("end_scale", a.end_scale);
    j.field("viterbi_end_scale", a.viterbi_end_scale);
    j.field("states", a.ref_states);
    j.field("phase_states", a.phase_states);
    j.field("phase_rounds", a.phase_rounds);
    j.field("switch_passes", a.switch_passes);
    j.field("switch_states", a.switch_states);
    j.field("shift_blocks", a.shift_blocks);
    j.field("het_flips", a.het_flips);
    j.field("phase_mix", a.phase_mix);
    j.field("phase_mix_margin", a.phase_mix_margin);
    j.field("phase_mix_soft", a.phase_mix_soft);
    j.field("phase_mix_runs", a.phase_mix_runs);
    j.field("phase_mix_offsets", a.phase_mix_offsets);
    j.field("phase_mix_redraw", a.phase_mix_redraw);
    j.field("impute_offsets", a.impute_offsets);
    j.field("study_templates", !a.no_study_templates);
    j.field("pbwt", a.ref_pbwt);
    j.field("min_posterior", a.min_posterior);
    j.field("block", a.ref_block);
    j.field("window", a.ref_window);
    j.field("overlap", a.ref_overlap);
    j.field("error_fitted", !a.ref_fixed_error);
    j.end_object();
    write_ref_windows(j, s.windows);
    j.field("objective_decreases", decreases);
    summary_run(j, a.threads, {{"total_s", total_s}});
    j.end_object();
}

} // namespace

void impute_ref_run(impute_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    geno::ref_impute_options const opt = make_ref_options(a);
    std::unique_ptr<atomic_output_file> json_file = a.json.empty() ? nullptr : std::make_unique<atomic_output_file>(a.json);
    auto const s = geno::ref_impute(opt);
    int const decreases = log_ref_summary(s);
    if (json_file)
    {
        write_ref_json(json_file->stream(), a, s, decreases, total.seconds());
        json_file->commit();
    }
    log::summary("reference panel: " + std::to_string(s.written) + " markers written (" + std::to_string(s.imputed_markers) +
              " imputed), " + std::to_string(s.matched) + " study markers matched");
}

} // namespace emtk::cli
