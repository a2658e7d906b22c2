/// \file
/// \brief `emtk cov`: arguments → cov::run_options → cov::run() (cov/pipeline.hpp) → the outputs
/// (windows BED + index, segments BED, SVG, JSON summary, mosdepth's summary and distributions).

#include "common.hpp"
#include "run_summary.hpp"
#include "cov_command.hpp"

#include <emtk/cov/bed_output.hpp>
#include <emtk/cov/mosdepth_output.hpp>
#include <emtk/cov/pipeline.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/format.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>

#include <vector>

namespace emtk::cli {

namespace {

/// The library's options from the command line (the checks of the values are the library's).
cov::run_options make_options(cov_arguments const & a)
{
    if (!a.reference.empty() && !a.fasta.empty() && a.reference != a.fasta)
        throw usage_error("-r/--reference and -f/--fasta name the same file (the reference); give one");
    cov::run_options o;
    o.input = a.input;
    o.depth_bed = a.depth_bed;
    o.depth.reference = a.reference.empty() ? a.fasta : a.reference;
    o.depth.window = a.window;
    o.depth.by_bed = a.by;
    o.depth.region = a.region;
    o.depth.chroms = split_list(a.chroms);
    o.depth.exclude_chroms = a.exclude_chroms;
    o.depth.exclude_flags = static_cast<std::uint16_t>(a.exclude_flags);
    o.depth.include_flags = static_cast<std::uint16_t>(a.include_flags);
    o.depth.min_mapq = a.mapq;
    o.depth.fast_mode = a.fast_mode;
    o.depth.threads = a.threads;
    o.gc_correction = !a.no_gc;
    o.read_length = a.read_length;
    if (!mix::parse_family(a.family, o.cn.family))
        throw usage_error("--family must be nb, poisson or gaussian, got '" + a.family + "'");
    o.cn.max_cn = a.max_cn;
    o.cn.ploidy = a.ploidy;
    o.cn.cn0_mean = a.cn0_mean;
    o.cn.em.max_iter = a.max_iter;
    o.cn.em.tol = a.tol;
    o.cn.em.restarts = a.restarts;
    o.cn.em.seed = a.seed;
    o.cn.em.threads = a.threads;
    o.free = a.free;
    o.segment = a.segment;
    return o;
}

void write_em_summary(json_writer & j, std::vector<double> const & trace, int iterations, em::stop_reason reason,
                      int decreases)
{
    j.field("iterations", iterations);
    j.field("stop_reason", em::to_string(reason));
    j.field("objective_decreases", decreases);
    j.key("objective_trace").value(trace);
}

/// The summary's input, reads and GC-correction sections.
void write_input_summary(json_writer & j, cov_arguments const & a, cov::run_result const & r)
{
    cov::window_table const & t = r.windows;
    if (a.depth_bed)
        summary_records(j, record_counts{static_cast<std::uint64_t>(t.size()), 0, {}});
    else
        summary_records(j, record_counts{t.reads.used, t.reads.filtered_flag + t.reads.filtered_mapq,
                                         {{"flag", t.reads.filtered_flag}, {"mapq", t.reads.filtered_mapq}}});
    j.key("input").begin_object();
    j.field("file", a.input);
    j.field("kind", a.depth_bed ? "mosdepth regions" : "alignments");
    j.field("chromosomes", static_cast<std::uint64_t>(t.chrom_names.size()));
    j.field("windows", static_cast<std::uint64_t>(t.size()));
    j.field("window_length_median", r.window_length);
    j.end_object();
    if (!a.depth_bed)
    {
        j.key("reads").begin_object();
        j.field("records", t.reads.records);
        j.field("used", t.reads.used);
        j.field("filtered_by_flag", t.reads.filtered_flag);
        j.field("filtered_by_mapq", t.reads.filtered_mapq);
        j.field("mate_overlaps_counted_once", t.reads.mate_overlaps);
        j.field("mean_aligned_span", t.mean_read_span);
        j.field("exclude_flags", static_cast<std::uint64_t>(a.exclude_flags));
        j.field("min_mapq", a.mapq);
        j.field("fast_mode", a.fast_mode);
        j.end_object();
    }
    j.key("gc_correction").begin_object();
    j.field("applied", r.gc_applied);
    if (r.gc_applied)
    {
        j.field("windows_corrected", static_cast<std::uint64_t>(r.gc.corrected));
        j.field("min_factor", r.gc.min_factor);
        j.field("max_factor", r.gc.max_factor);
    }
    j.end_object();
}

/// The summary's model sections: the tied fit, the BIC table, the untied components, the HMM.
void write_model_summary(json_writer & j, cov_arguments const & a, cov::run_options const & o,
                         cov::run_result const & r)
{
    auto const & tied = r.tied;
    j.field("family", mix::to_string(o.cn.family));
    j.field("count_scale", o.cn.family == mix::family::gaussian ? 1.0 : r.count_scale);
    j.field("max_cn", a.max_cn);
    j.field("ploidy", a.ploidy);
    j.field("cn0_mean", a.cn0_mean);
    j.field("model", a.free ? "free" : "tied");
    j.field("haploid_depth", tied.haploid_depth);
    if (o.cn.family == mix::family::negbin)
        j.field("size", tied.size);
    if (o.cn.family == mix::family::gaussian)
        j.field("variance_per_copy", tied.variance);
    j.key("weights").value(tied.weights);
    j.field("log_likelihood", tied.log_likelihood);
    j.field("n_params", tied.n_params);
    j.field("bic", tied.bic);
    write_em_summary(j, tied.trace, tied.iterations, tied.reason, tied.decreases);
    j.key("bic_table").begin_array();
    j.begin_object();
    j.field("model", "tied");
    j.field("k", a.max_cn + 1);
    j.field("bic", tied.bic);
    j.end_object();
    for (std::size_t f = 0; f < r.free_fits.fits.size(); ++f)
    {
        auto const & fit = r.free_fits.fits[f];
        j.begin_object();
        j.field("model", "free");
        j.field("k", r.free_fits.ks[f]);
        if (fit.ok)
            j.field("bic", fit.bic);
        else
            j.key("bic").null();
        j.end_object();
    }
    j.end_array();
    if (a.free)
    {
        auto const & fm = r.free_fits.fits[static_cast<std::size_t>(r.free_fits.best)].model;
        j.key("free_components").begin_array();
        for (std::size_t k = 0; k < fm.components.size(); ++k)
        {
            j.begin_object();
            j.field("weight", fm.components[k].weight);
            j.field("mean_depth", fm.components[k].mean.at(0) / r.values.scale);
            j.field("cn", r.states.cn[k]);
            j.end_object();
        }
        j.end_array();
    }
    if (a.segment)
    {
        j.key("hmm").begin_object();
        j.key("initial").value(r.hmm.initial);
        j.key("transition").value(r.hmm.transition);
        j.field("log_likelihood", r.hmm.log_likelihood);
        write_em_summary(j, r.hmm.trace, r.hmm.iterations, r.hmm.reason, r.hmm.decreases);
        j.end_object();
    }
    j.key("windows_per_cn").begin_array();
    for (auto n : r.windows_per_cn)
        j.value(n);
    j.end_array();
    j.field("segments", static_cast<std::uint64_t>(r.segments.size()));
}

void write_multiqc_table(cov_arguments const & a, cov::run_result const & r)
{
    std::vector<multiqc_metric> m{{"windows", static_cast<double>(r.windows.size())},
                                  {"haploid_depth", r.tied.haploid_depth},
                                  {"segments", static_cast<double>(r.segments.size())}};
    for (std::size_t c = 0; c < r.windows_per_cn.size(); ++c)
        m.push_back({"windows_CN" + std::to_string(c), static_cast<double>(r.windows_per_cn[c])});
    write_multiqc(a.multiqc, "cov", "Read depth in windows and copy-number states (EM mixture, HMM segmentation).",
                  sample_name(a.input), m);
}

} // namespace

void cov_run(cov_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    cov::run_options opt = make_options(a);
    cov::validate(opt);
    if (a.output.empty() || a.output == "-")
        throw usage_error("-o/--output PREFIX is required (a file prefix, not '-')");
    std::string const windows_path = a.output + ".windows.bed.gz";
    std::string const segments_path = a.output + ".segments.bed";
    std::string const svg_path = a.output + ".svg";
    std::string const json_path = a.json.empty() ? a.output + ".json" : a.json;
    // mosdepth's summary and distributions (BAM/CRAM input: they need per-base depths).
    std::vector<std::string> mosdepth_paths;
    if (!a.depth_bed)
        mosdepth_paths = {a.output + ".mosdepth.summary.txt", a.output + ".mosdepth.global.dist.txt",
                          a.output + ".mosdepth.region.dist.txt"};
    for (auto const & out : {windows_path, windows_path + ".tbi", segments_path, svg_path, json_path, a.multiqc})
        check_output_path(out, a.input);
    for (auto const & out : mosdepth_paths)
        check_output_path(out, a.input);

    progress_bar bar{"emtk cov: EM", 0};
    opt.on_iteration = [&](em::iteration_info const & it) {
        bar.update(static_cast<std::uint64_t>(it.iteration), "objective " + format_fixed(it.objective, 3));
    };
    cov::run_result const r = cov::run(opt);
    bar.finish();

    // Outputs: all complete before any is renamed into place.
    stopwatch write_clock;
    cov::indexed_bed_output windows_out{windows_path};
    atomic_output_file segments_out{segments_path}, svg_out{svg_path}, json_out{json_path};
    std::vector<atomic_output_file> mosdepth_out;
    for (auto const & path : mosdepth_paths)
        mosdepth_out.emplace_back(path);
    if (!mosdepth_out.empty())
    {
        mosdepth_out[0].stream() << cov::mosdepth_summary(r.windows);
        mosdepth_out[1].stream() << cov::mosdepth_distribution(r.windows, false);
        mosdepth_out[2].stream() << cov::mosdepth_distribution(r.windows, true);
    }
    cov::write_windows(windows_out, r);
    cov::write_segments(segments_out.stream(), r);
    svg_out.stream() << cov::run_svg(r, a.input);
    {
        json_writer j{json_out.stream()};
        j.begin_object();
        summary_head(j, "emtk cov", static_cast<std::uint64_t>(a.seed), {a.input});
        write_input_summary(j, a, r);
        write_model_summary(j, a, opt, r);
        summary_run(j, a.threads,
                    {{"depth_s", r.depth_seconds}, {"fit_s", r.fit_seconds}, {"hmm_s", r.hmm_seconds},
                     {"write_s", write_clock.seconds()}, {"total_s", total.seconds()}});
        j.end_object();
    }
    windows_out.commit();
    segments_out.commit();
    svg_out.commit();
    json_out.commit();
    for (auto & f : mosdepth_out)
        f.commit();
    if (!a.multiqc.empty())
        write_multiqc_table(a, r);
    log::summary("haploid depth " + format_fixed(r.tied.haploid_depth, 2) + ", " + std::to_string(r.segments.size()) +
              " segments");
}

} // namespace emtk::cli
