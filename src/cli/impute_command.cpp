/// \file
/// \brief `emtk impute`: maps the arguments to geno::impute_vcf_options, runs the within-study
/// imputation (geno/impute_vcf.hpp) and writes the JSON summary and MultiQC file.

#include "common.hpp"
#include "run_summary.hpp"
#include "impute_command.hpp"

#include <emtk/geno/impute_vcf.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>
#include <emtk/version.hpp>

#include <memory>

namespace emtk::cli {

namespace {

void write_count(json_writer & j, char const * key, std::uint64_t n, char const * behaviour)
{
    j.key(key).begin_object();
    j.field("count", n);
    j.field("behaviour", behaviour);
    j.end_object();
}

/// Checks the arguments (usage_error) and fills the library's options.
geno::impute_vcf_options make_options(impute_arguments const & a)
{
    if (a.overlap >= a.window)
        throw usage_error("--overlap must be smaller than --window");
    if (a.refine_overlap >= a.refine_window)
        throw usage_error("--refine-overlap must be smaller than --refine-window");
    if (a.template_block % 64 != 0)
        throw usage_error("--template-block must be a multiple of 64");
    if (!(a.tol > 0))
        throw usage_error("--tol must be > 0");
    if (!(a.haploid_jump_scale > 0))
        throw usage_error("--haploid-jump-scale must be > 0");
    if (!(a.theta_min > 0 && a.theta_min < 0.5))
        throw usage_error("--theta-min must be in (0, 0.5)");
    if (a.output.empty())
        throw usage_error("-o/--output is required");
    check_output_path(a.output, a.input);
    check_output_path(a.json, a.input);
    check_output_path(a.multiqc, a.input);
    if (!a.json.empty() && a.json == a.output)
        throw usage_error("--json and -o name the same file");

    geno::impute_vcf_options v;
    v.input = a.input;
    v.region = a.region;
    v.output = a.output;
    v.header_lines = impute_header_lines();
    geno::impute_options & opt = v.impute;
    opt.method = a.method == "hwe" ? geno::impute_method::hwe : geno::impute_method::hapcluster;
    opt.model.clusters = a.clusters;
    opt.model.theta_min = a.theta_min;
    opt.model.theta_max = 1 - a.theta_min;
    opt.restarts = a.restarts;
    opt.refine.rounds = a.refine;
    opt.refine.templates = a.templates;
    opt.refine.window = static_cast<std::size_t>(a.refine_window);
    opt.refine.overlap = static_cast<std::size_t>(a.refine_overlap);
    opt.refine.average = a.refine_average;
    opt.refine.template_block = static_cast<std::size_t>(a.template_block);
    opt.haploid.states = static_cast<std::size_t>(a.haploid_states);
    opt.haploid.block = static_cast<std::size_t>(a.haploid_block);
    opt.haploid.switch_passes = a.haploid_switch_passes;
    opt.haploid.switch_states = static_cast<std::size_t>(a.haploid_switch_states);
    opt.haploid.weight = a.haploid_weight;
    opt.haploid.blend = a.haploid_blend == "geometric" ? geno::haploid_blend::geometric : geno::haploid_blend::linear;
    opt.haploid.jump_scale = a.haploid_jump_scale;
    opt.haploid.passes = a.haploid_passes;
    opt.haploid.average = a.haploid_average;
    opt.haploid.het_flips = a.haploid_flips != 0;
    opt.refine_flips = a.refine_flips != 0;
    opt.haploid.pbwt = static_cast<std::size_t>(a.haploid_pbwt);
    opt.haploid.iterations = a.haploid_iterations;
    opt.window = static_cast<std::size_t>(a.window);
    opt.overlap = static_cast<std::size_t>(a.overlap);
    opt.em.max_iter = a.max_iter;
    opt.em.min_iter = std::min(2, a.max_iter);
    opt.em.tol = a.tol;
    opt.em.seed = a.seed;
    opt.em.threads = a.threads;
    if (opt.method == geno::impute_method::hwe)
        opt.em.max_iter = std::max(a.max_iter, 1000); // linear convergence at the missing rate
    return v;
}

void write_model(json_writer & j, impute_arguments const & a, geno::impute_options const & opt)
{
    j.key("model").begin_object();
    if (opt.method == geno::impute_method::hapcluster)
    {
        j.field("clusters", a.clusters);
        j.field("restarts", a.restarts);
        j.field("window", a.window);
        j.field("overlap", a.overlap);
        j.field("theta_min", opt.model.theta_min);
        j.field("theta_max", opt.model.theta_max);
        j.key("refine").begin_object();
        j.field("rounds", a.refine);
        j.field("templates", a.templates);
        j.field("window", a.refine_window);
        j.field("overlap", a.refine_overlap);
        j.field("average", std::min(a.refine_average, std::max(a.refine, 1)));
        j.field("template_block", a.template_block);
        j.field("first_iterations", opt.refine.first_iterations);
        j.field("later_iterations", opt.refine.later_iterations);
        j.end_object();
        j.key("haploid").begin_object();
        j.field("states", static_cast<std::uint64_t>(opt.haploid.states));
        j.field("block", static_cast<std::uint64_t>(opt.haploid.block));
        j.field("switch_passes", opt.haploid.switch_passes);
        j.field("switch_states", static_cast<std::uint64_t>(opt.haploid.switch_states));
        j.field("weight", opt.haploid.weight);
        j.field("jump_scale", opt.haploid.jump_scale);
        j.field("passes", opt.haploid.passes);
        j.field("passes_averaged", opt.haploid.average);
        j.field("het_flips", opt.haploid.het_flips);
        j.field("refine_flips", opt.refine_flips);
        j.field("pbwt", static_cast<std::uint64_t>(opt.haploid.pbwt));
        j.field("iterations", opt.haploid.iterations);
        j.end_object();
    }
    j.field("max_iter", opt.em.max_iter);
    j.field("tol", a.tol);
    j.field("stop_rule", em::to_string(opt.em.rule));
    j.end_object();
}

void write_windows(json_writer & j, std::vector<geno::impute_contig_report> const & reports)
{
    j.key("windows").begin_array();
    for (auto const & r : reports)
        for (std::size_t w = 0; w < r.windows.size(); ++w)
        {
            auto const & win = r.windows[w];
            j.begin_object();
            j.field("contig", r.contig);
            j.field("first_site", static_cast<std::uint64_t>(win.first + 1));
            j.field("last_site", static_cast<std::uint64_t>(win.end));
            j.field("core_first_site", static_cast<std::uint64_t>(win.core_first + 1));
            j.field("core_last_site", static_cast<std::uint64_t>(win.core_end));
            j.key("starts").begin_array();
            for (auto const & s : win.starts)
            {
                j.begin_object();
                j.field("objective", s.objective);
                j.field("iterations", s.iterations);
                j.field("stop_reason", s.stop_reason);
                j.end_object();
            }
            j.end_array();
            j.key("objective_trace").value(win.trace);
            j.key("refine").begin_array();
            for (auto const & rr : win.refine)
            {
                j.begin_object();
                j.field("objective", rr.objective);
                j.field("iterations", rr.iterations);
                j.field("stop_reason", rr.stop_reason);
                j.field("error", rr.error);
                j.field("mean_jump", rr.mean_jump);
                j.field("templates", static_cast<std::uint64_t>(rr.templates));
                j.end_object();
            }
            j.end_array();
            if (win.haploid.run)
            {
                j.key("haploid").begin_object();
                j.field("objective", win.haploid.objective);
                j.field("iterations", win.haploid.iterations);
                j.field("stop_reason", win.haploid.stop_reason);
                j.field("error", win.haploid.error);
                j.field("switches", static_cast<std::uint64_t>(win.haploid.switches));
                j.field("flips", static_cast<std::uint64_t>(win.haploid.flips));
                j.field("refine_flips", static_cast<std::uint64_t>(win.refine_flips));
                j.key("objective_trace").value(win.haploid.trace);
                j.end_object();
            }
            j.end_object();
        }
    j.end_array();
}

void write_json(std::ostream & os, impute_arguments const & a, geno::impute_vcf_options const & v,
                geno::impute_vcf_summary const & s, double total_s)
{
    auto const & c = s.counts;
    json_writer j{os};
    j.begin_object();
    summary_head(j, "emtk impute", static_cast<std::uint64_t>(a.seed), {a.input});
    summary_records(j, record_counts{c.modelled, c.multiallelic + c.no_gt + c.haploid + c.all_missing_sites,
                                     {{"multiallelic", c.multiallelic},
                                      {"no_gt", c.no_gt},
                                      {"haploid", c.haploid},
                                      {"all_missing", c.all_missing_sites}}});
    {
        // Schema members: every window has its own fit (under "windows"); the summary gives the
        // first window's trace and "converged" only when every start of every window converged.
        bool all_converged = true;
        std::vector<double> first_trace;
        for (auto const & r : s.contigs)
            for (auto const & w : r.windows)
            {
                if (first_trace.empty())
                    first_trace = w.trace;
                for (auto const & st : w.starts)
                    all_converged = all_converged && st.stop_reason == "converged";
            }
        j.field("stop_reason", all_converged ? "converged" : "max_iter");
        j.key("objective_trace").value(first_trace);
    }
    j.field("method", a.method);
    j.key("input").begin_object();
    j.field("file", a.input);
    j.field("region", a.region);
    j.field("samples", static_cast<std::uint64_t>(s.samples));
    j.end_object();
    j.key("output").begin_object();
    j.field("file", a.output);
    j.field("index", s.index);
    j.end_object();
    write_model(j, a, v.impute);
    j.key("record_details").begin_object();
    j.field("read", c.records);
    j.field("imputed", c.modelled);
    write_count(j, "multiallelic", c.multiallelic, "passed through unchanged (also records without ALT)");
    write_count(j, "no_gt", c.no_gt, "passed through unchanged");
    write_count(j, "haploid", c.haploid, "records with a non-diploid call: passed through unchanged");
    write_count(j, "all_missing", c.all_missing_sites, "every genotype missing: passed through unchanged");
    write_count(j, "duplicate_positions", c.duplicate_positions,
                "records at the position of the previous record: each imputed as its own marker");
    j.end_object();
    j.key("genotypes").begin_object();
    j.field("imputed", static_cast<std::uint64_t>(s.imputed));
    write_count(j, "half_missing", c.half_missing_calls, "calls with one missing allele: treated as missing");
    j.field("haploid_calls", c.haploid_calls);
    write_count(j, "samples_all_missing", s.samples_all_missing,
                "samples without an observed genotype: imputed from the population model alone");
    j.end_object();
    j.field("contigs", c.contigs);
    j.field("iterations", s.iterations);
    j.field("objective_decreases", s.decreases);
    write_windows(j, s.contigs);
    summary_run(j, a.threads, {{"fit_s", s.fit_s}, {"total_s", total_s}});
    j.end_object();
}

} // namespace

std::vector<std::string> impute_header_lines()
{
    std::vector<std::string> lines{"##emtk_imputeVersion=" + std::string{version_string} + " (commit " + git_commit + ")"};
    std::string cmd = "##emtk_imputeCommand=";
    for (std::size_t i = 0; i < command_line().size(); ++i)
        cmd.append(i ? " " : "").append(command_line()[i]);
    lines.push_back(cmd);
    return lines;
}

void impute_run(impute_arguments const & a)
{
    if (!a.ref.empty())
        return impute_ref_run(a); // reference panel (issue 20)
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    geno::impute_vcf_options const v = make_options(a);
    // The JSON file is opened before the work so that a bad path fails fast.
    std::unique_ptr<atomic_output_file> json_file = a.json.empty() ? nullptr : std::make_unique<atomic_output_file>(a.json);

    progress_bar bar{"emtk impute: starts fitted", 0};
    std::uint64_t starts_done = 0;
    geno::impute_vcf_callbacks cb;
    cb.start_done = [&](std::string const & contig) { bar.update(++starts_done, contig); };
    cb.contig_done = [](geno::impute_contig_report const & rep) {
        log::info(rep.contig + ": " + std::to_string(rep.sites) + " sites, " + std::to_string(rep.missing) +
                  " genotypes imputed, " + std::to_string(rep.windows.size()) + " windows");
    };
    cb.before_commit = [&](geno::impute_vcf_summary const & s) {
        bar.finish();
        if (s.counts.modelled == 0)
            log::warning(std::string{"no record could be imputed in "} + (a.input == "-" ? "<stdin>" : a.input) +
                         " (none is biallelic with diploid GT and an observed genotype): the output is a copy");
        if (s.samples_all_missing > 0)
            log::warning(std::to_string(s.samples_all_missing) +
                         " sample(s) have no observed genotype: imputed from the population model alone");
        if (s.decreases > 0)
            log::warning("the EM objective decreased " + std::to_string(s.decreases) + " time(s) (a bug: please report)");
        if (json_file)
            write_json(json_file->stream(), a, v, s, total.seconds());
    };
    auto const s = geno::impute_vcf(v, cb);
    if (json_file)
        json_file->commit();
    auto const & c = s.counts;
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "impute", "Missing genotypes imputed with the haplotype-cluster HMM (fastPHASE) fitted by EM.",
                      sample_name(a.input),
                      {{"samples", static_cast<double>(s.samples)},
                       {"records", static_cast<double>(c.records)},
                       {"sites_imputed", static_cast<double>(c.modelled)},
                       {"genotypes_imputed", static_cast<double>(s.imputed)},
                       {"records_passed_through", static_cast<double>(c.records - c.modelled)}});
    log::summary("imputed " + std::to_string(s.imputed) + " genotypes at " + std::to_string(c.modelled) + " sites; " +
              std::to_string(c.records - c.modelled) + " records passed through");
}

} // namespace emtk::cli
