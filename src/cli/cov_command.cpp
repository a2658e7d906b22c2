/// \file
/// \brief `emtk cov`: depth in windows → copy-number mixture → optional HMM → four outputs.

#include "common.hpp"
#include "run_summary.hpp"
#include "cov_command.hpp"

#include <emtk/cov/bed_output.hpp>
#include <emtk/cov/cn_model.hpp>
#include <emtk/cov/depth.hpp>
#include <emtk/cov/gc.hpp>
#include <emtk/cov/mosdepth_output.hpp>
#include <emtk/cov/plot.hpp>
#include <emtk/cov/segment.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>
#include <emtk/version.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>

namespace emtk::cli {

namespace {

std::string fixed(double v, int decimals)
{
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    return std::string(buf, r.ptr);
}

double median_length(cov::window_table const & t)
{
    std::vector<std::uint64_t> len(t.size());
    for (std::size_t i = 0; i < t.size(); ++i)
        len[i] = t.end[i] - t.start[i];
    auto mid = len.begin() + static_cast<std::ptrdiff_t>(len.size() / 2);
    std::nth_element(len.begin(), mid, len.end());
    return static_cast<double>(*mid);
}

void write_em_summary(json_writer & j, std::vector<double> const & trace, int iterations, em::stop_reason reason,
                      int decreases)
{
    j.field("iterations", iterations);
    j.field("stop_reason", em::to_string(reason));
    j.field("objective_decreases", decreases);
    j.key("objective_trace").value(trace);
}

} // namespace

void cov_run(cov_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);

    // ---- options ----
    cov::depth_options dopt;
    if (!a.reference.empty() && !a.fasta.empty() && a.reference != a.fasta)
        throw usage_error("-r/--reference and -f/--fasta name the same file (the reference); give one");
    std::string const reference = a.reference.empty() ? a.fasta : a.reference;
    dopt.reference = reference;
    dopt.window = a.window;
    dopt.by_bed = a.by;
    dopt.region = a.region;
    dopt.chroms = split_list(a.chroms);
    dopt.exclude_chroms = a.exclude_chroms;
    dopt.exclude_flags = static_cast<std::uint16_t>(a.exclude_flags);
    dopt.include_flags = static_cast<std::uint16_t>(a.include_flags);
    dopt.min_mapq = a.mapq;
    dopt.fast_mode = a.fast_mode;
    dopt.threads = a.threads;
    if (a.window == 0 && a.by.empty())
        throw usage_error("-w/--window must be at least 1 bp");
    if (!a.region.empty())
        (void)cov::parse_region(a.region); // a malformed region is a usage error before any work
    cov::cn_options copt;
    if (!cov::parse_cn_family(a.family, copt.family))
        throw usage_error("--family must be nb, poisson or gaussian, got '" + a.family + "'");
    if (!(a.cn0_mean > 0 && a.cn0_mean < 1))
        throw usage_error("--cn0-mean must be in (0, 1)");
    if (!(a.tol > 0))
        throw usage_error("--tol must be > 0");
    if (!(a.read_length > 0))
        throw usage_error("--read-length must be > 0");
    if (a.ploidy > a.max_cn)
        throw usage_error("--ploidy must not exceed --max-cn");
    if (a.output.empty() || a.output == "-")
        throw usage_error("-o/--output PREFIX is required (a file prefix, not '-')");
    copt.max_cn = a.max_cn;
    copt.ploidy = a.ploidy;
    copt.cn0_mean = a.cn0_mean;
    copt.em.max_iter = a.max_iter;
    copt.em.tol = a.tol;
    copt.em.restarts = a.restarts;
    copt.em.seed = a.seed;
    copt.em.threads = a.threads;
    copt.em.final_m_step = true;

    std::string const windows_path = a.output + ".windows.bed.gz";
    std::string const segments_path = a.output + ".segments.bed";
    std::string const svg_path = a.output + ".svg";
    std::string const json_path = a.json.empty() ? a.output + ".json" : a.json;
    // mosdepth's summary and distributions (BAM/CRAM input: they need per-base depths).
    std::string const mosdepth_paths[] = {a.output + ".mosdepth.summary.txt", a.output + ".mosdepth.global.dist.txt",
                                          a.output + ".mosdepth.region.dist.txt"};
    for (auto const & out : {windows_path, windows_path + ".tbi", segments_path, svg_path, json_path, a.multiqc})
        check_output_path(out, a.input);
    if (!a.depth_bed)
        for (auto const & out : mosdepth_paths)
            check_output_path(out, a.input);

    // ---- depth ----
    stopwatch depth_clock;
    cov::window_table t = a.depth_bed ? cov::read_depth_bed(a.input, dopt) : cov::bam_window_depth(a.input, dopt);
    if (!a.depth_bed && t.reads.used == 0)
        throw user_error(located_message(
            a.input, 0,
            "no record passed the filters (" + std::to_string(t.reads.records) + " records on the selected chromosomes: " +
                std::to_string(t.reads.filtered_flag) + " excluded by flags -F " + std::to_string(a.exclude_flags) +
                (a.include_flags ? " / --include-flags " + std::to_string(a.include_flags) : std::string{}) + ", " +
                std::to_string(t.reads.filtered_mapq) + " below -Q " + std::to_string(a.mapq) + ")"));
    double const depth_s = depth_clock.seconds();
    log::info("depth of " + std::to_string(t.size()) + " windows on " + std::to_string(t.chrom_names.size()) +
              " chromosomes in " + fixed(depth_s, 2) + " s");

    // ---- GC correction ----
    std::vector<double> model_depth = t.depth;
    cov::gc_summary gcs;
    bool const gc_on = !reference.empty() && !a.no_gc;
    if (gc_on)
    {
        std::vector<double> const gc = cov::window_gc(reference, t);
        gcs = cov::gc_correct(model_depth, gc);
    }

    // ---- mixture ----
    stopwatch fit_clock;
    double const read_len = a.depth_bed ? a.read_length : (t.mean_read_span > 0 ? t.mean_read_span : a.read_length);
    double const ref_len = median_length(t);
    copt.count_scale = ref_len / read_len;
    cov::cn_values values = cov::make_values(model_depth, copt);
    progress_bar bar{"emtk cov: EM", 0};
    copt.em.on_iteration = [&](em::iteration_info const & it) {
        bar.update(static_cast<std::uint64_t>(it.iteration), "objective " + fixed(it.objective, 3));
    };
    cov::cn_mixture_fit tied = cov::fit_cn_mixture(values, copt);
    if (!tied.ok)
        throw user_error(located_message(a.input, 0, "the copy-number mixture could not be fitted: " + tied.message));
    if (tied.reason == em::stop_reason::max_iter)
        log::warning("the copy-number mixture did not converge in " + std::to_string(a.max_iter) + " iterations");

    cov::cn_states states;
    mix::selection free_sel;
    if (a.free)
    {
        mix::dataset data;
        data.n = values.windows();
        data.d = 1;
        data.names = {"depth"};
        data.source = a.input;
        data.values.resize(data.n);
        for (std::size_t i = 0; i < data.n; ++i)
            data.values[i] = values.value[values.group[i]];
        mix::mixture_options mo;
        mo.fam = copt.family == cov::cn_family::negbin    ? mix::family::negbin
                 : copt.family == cov::cn_family::poisson ? mix::family::poisson
                                                          : mix::family::gaussian;
        mo.em.max_iter = a.max_iter;
        mo.em.tol = a.tol;
        mo.em.restarts = std::max(3, a.restarts);
        mo.em.seed = a.seed;
        mo.em.threads = a.threads;
        mo.em.chunk_size = 4096;
        std::size_t const distinct = values.value.size();
        int const k_max = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(a.max_cn + 1), distinct));
        free_sel = mix::select_by_bic(data, mo, 1, k_max);
        if (free_sel.best < 0)
            throw user_error(located_message(a.input, 0, "no untied mixture could be fitted (--free)"));
        states = cov::free_states(values, free_sel.fits[static_cast<std::size_t>(free_sel.best)].model, a.ploidy,
                                  a.max_cn);
    }
    else
        states = cov::tied_states(values, tied);
    std::vector<int> cn;
    std::vector<double> posterior;
    cov::mixture_calls(values, states, cn, posterior);
    double const fit_s = fit_clock.seconds();

    // ---- HMM ----
    std::vector<std::size_t> offsets{0};
    for (std::size_t i = 1; i < t.size(); ++i)
        if (t.chrom[i] != t.chrom[i - 1])
            offsets.push_back(i);
    offsets.push_back(t.size());
    cov::hmm_fit hmm;
    stopwatch hmm_clock;
    if (a.segment)
    {
        cov::hmm_options ho;
        ho.em = copt.em;
        ho.em.final_m_step = false;
        hmm = cov::fit_cn_hmm(values, states, offsets, ho);
        if (!hmm.ok)
            throw user_error(located_message(a.input, 0, "the HMM could not be fitted: " + hmm.message));
        cn = hmm.cn;
        posterior = hmm.posterior;
    }
    bar.finish();
    double const hmm_s = hmm_clock.seconds();
    std::vector<cov::cn_segment> segments = cov::make_segments(offsets, cn, posterior, t.depth);

    // ---- outputs: all complete before any is renamed into place ----
    stopwatch write_clock;
    cov::indexed_bed_output windows_out{windows_path};
    atomic_output_file segments_out{segments_path}, svg_out{svg_path}, json_out{json_path};
    std::vector<atomic_output_file> mosdepth_out;
    if (!a.depth_bed)
    {
        for (auto const & path : mosdepth_paths)
            mosdepth_out.emplace_back(path);
        mosdepth_out[0].stream() << cov::mosdepth_summary(t);
        mosdepth_out[1].stream() << cov::mosdepth_distribution(t, false);
        mosdepth_out[2].stream() << cov::mosdepth_distribution(t, true);
    }
    {
        std::string buf = "#chrom\tstart\tend\tdepth\tcn\tposterior\n";
        for (std::size_t i = 0; i < t.size(); ++i)
        {
            buf += t.chrom_names[t.chrom[i]];
            buf += '\t';
            buf += std::to_string(t.start[i]);
            buf += '\t';
            buf += std::to_string(t.end[i]);
            buf += '\t';
            buf += fixed(t.depth[i], 2);
            buf += '\t';
            buf += std::to_string(cn[i]);
            buf += '\t';
            buf += fixed(posterior[i], 4);
            buf += '\n';
            if (buf.size() > (1u << 20))
            {
                windows_out.write(buf);
                buf.clear();
            }
        }
        windows_out.write(buf);
        windows_out.finish();
    }
    {
        std::ostream & o = segments_out.stream();
        o << "#chrom\tstart\tend\tcn\twindows\tmean_depth\tquality\n";
        for (auto const & s : segments)
            o << t.chrom_names[t.chrom[s.first]] << '\t' << t.start[s.first] << '\t' << t.end[s.last] << '\t' << s.cn
              << '\t' << (s.last - s.first + 1) << '\t' << fixed(s.mean_depth, 2) << '\t' << fixed(s.quality, 4) << '\n';
    }
    std::string const name = a.input.substr(a.input.find_last_of('/') == std::string::npos ? 0 : a.input.find_last_of('/') + 1);
    svg_out.stream() << cov::coverage_svg(t, model_depth, cn, tied.haploid_depth, a.max_cn,
                                          name + ": depth in " + fixed(ref_len, 0) + " bp windows, coloured by copy number");
    std::vector<std::uint64_t> windows_per_cn(static_cast<std::size_t>(a.max_cn + 1), 0);
    for (int c : cn)
        ++windows_per_cn[static_cast<std::size_t>(c)];
    {
        json_writer j{json_out.stream()};
        j.begin_object();
        summary_head(j, "emtk cov", static_cast<std::uint64_t>(a.seed), {a.input});
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
        j.field("window_length_median", ref_len);
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
        j.field("applied", gc_on);
        if (gc_on)
        {
            j.field("windows_corrected", static_cast<std::uint64_t>(gcs.corrected));
            j.field("min_factor", gcs.min_factor);
            j.field("max_factor", gcs.max_factor);
        }
        j.end_object();
        j.field("family", cov::to_string(copt.family));
        j.field("count_scale", copt.family == cov::cn_family::gaussian ? 1.0 : copt.count_scale);
        j.field("max_cn", a.max_cn);
        j.field("ploidy", a.ploidy);
        j.field("cn0_mean", a.cn0_mean);
        j.field("model", a.free ? "free" : "tied");
        j.field("haploid_depth", tied.haploid_depth);
        if (copt.family == cov::cn_family::negbin)
            j.field("size", tied.size);
        if (copt.family == cov::cn_family::gaussian)
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
        for (std::size_t f = 0; f < free_sel.fits.size(); ++f)
        {
            auto const & fit = free_sel.fits[f];
            j.begin_object();
            j.field("model", "free");
            j.field("k", free_sel.ks[f]);
            if (fit.ok)
                j.field("bic", fit.bic);
            else
                j.key("bic").null();
            j.end_object();
        }
        j.end_array();
        if (a.free)
        {
            auto const & fm = free_sel.fits[static_cast<std::size_t>(free_sel.best)].model;
            j.key("free_components").begin_array();
            for (std::size_t k = 0; k < fm.components.size(); ++k)
            {
                j.begin_object();
                j.field("weight", fm.components[k].weight);
                j.field("mean_depth", fm.components[k].mean.at(0) / values.scale);
                j.field("cn", states.cn[k]);
                j.end_object();
            }
            j.end_array();
        }
        if (a.segment)
        {
            j.key("hmm").begin_object();
            j.key("initial").value(hmm.initial);
            j.key("transition").value(hmm.transition);
            j.field("log_likelihood", hmm.log_likelihood);
            write_em_summary(j, hmm.trace, hmm.iterations, hmm.reason, hmm.decreases);
            j.end_object();
        }
        j.key("windows_per_cn").begin_array();
        for (auto n : windows_per_cn)
            j.value(n);
        j.end_array();
        j.field("segments", static_cast<std::uint64_t>(segments.size()));
        summary_run(j, a.threads,
                    {{"depth_s", depth_s}, {"fit_s", fit_s}, {"hmm_s", hmm_s}, {"write_s", write_clock.seconds()},
                     {"total_s", total.seconds()}});
        j.end_object();
    }
    windows_out.commit();
    segments_out.commit();
    svg_out.commit();
    json_out.commit();
    for (auto & f : mosdepth_out)
        f.commit();
    if (!a.multiqc.empty())
    {
        std::vector<multiqc_metric> m{{"windows", static_cast<double>(t.size())},
                                      {"haploid_depth", tied.haploid_depth},
                                      {"segments", static_cast<double>(segments.size())}};
        for (std::size_t c = 0; c < windows_per_cn.size(); ++c)
            m.push_back({"windows_CN" + std::to_string(c), static_cast<double>(windows_per_cn[c])});
        write_multiqc(a.multiqc, "cov", "Read depth in windows and copy-number states (EM mixture, HMM segmentation).",
                      sample_name(a.input), m);
    }
    log::summary("haploid depth " + fixed(tied.haploid_depth, 2) + ", " + std::to_string(segments.size()) + " segments");
}

} // namespace emtk::cli
