/// \file
/// \brief `emtk cov`'s pipeline (pipeline.hpp): depth → GC → mixture → HMM → segments.

#include <emtk/cov/bed_output.hpp>
#include <emtk/cov/pipeline.hpp>
#include <emtk/cov/plot.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/format.hpp>
#include <emtk/util/log.hpp>

#include <algorithm>
#include <chrono>

namespace emtk::cov {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median_length(window_table const & t)
{
    std::vector<std::uint64_t> len(t.size());
    for (std::size_t i = 0; i < t.size(); ++i)
        len[i] = t.end[i] - t.start[i];
    auto mid = len.begin() + static_cast<std::ptrdiff_t>(len.size() / 2);
    std::nth_element(len.begin(), mid, len.end());
    return static_cast<double>(*mid);
}

/// Depth of every window; a BAM/CRAM whose records all fail the filters is an error that names them.
window_table read_depth(run_options const & opt)
{
    window_table t = opt.depth_bed ? read_depth_bed(opt.input, opt.depth) : bam_window_depth(opt.input, opt.depth);
    auto const & d = opt.depth;
    if (!opt.depth_bed && t.reads.used == 0)
        throw option_input_error(located_message(
            opt.input, 0,
            "no record passed the filters (" + std::to_string(t.reads.records) + " records on the selected chromosomes: " +
                std::to_string(t.reads.filtered_flag) + " excluded by flags " + field_name("exclude_flags") + " " +
                std::to_string(d.exclude_flags) +
                (d.include_flags ? " / " + field_name("include_flags") + " " + std::to_string(d.include_flags)
                                 : std::string{}) +
                ", " + std::to_string(t.reads.filtered_mapq) + " below " + field_name("min_mapq") + " " +
                std::to_string(d.min_mapq) + ")"));
    return t;
}

/// The untied mixtures of the values by K (mix::select_by_bic) and the states of the best.
cn_states free_mixture_states(run_options const & opt, cn_values const & values, mix::selection & sel)
{
    mix::dataset data;
    data.n = values.windows();
    data.d = 1;
    data.names = {"depth"};
    data.source = opt.input;
    data.values.resize(data.n);
    for (std::size_t i = 0; i < data.n; ++i)
        data.values[i] = values.value[values.group[i]];
    mix::mixture_options mo;
    mo.fam = opt.cn.family;
    mo.em.max_iter = opt.cn.em.max_iter;
    mo.em.tol = opt.cn.em.tol;
    mo.em.restarts = std::max(opt.free_min_restarts, opt.cn.em.restarts);
    mo.em.seed = opt.cn.em.seed;
    mo.em.threads = opt.cn.em.threads;
    mo.em.chunk_size = opt.free_chunk_size;
    mo.em.on_iteration = opt.on_iteration;
    std::size_t const distinct = values.value.size();
    int const k_max = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(opt.cn.max_cn + 1), distinct));
    sel = mix::select_by_bic(data, mo, 1, k_max);
    if (sel.best < 0)
        throw option_input_error(
            located_message(opt.input, 0, "no untied mixture could be fitted (" + field_name("free") + ")"));
    return free_states(values, sel.fits[static_cast<std::size_t>(sel.best)].model, opt.cn.ploidy, opt.cn.max_cn);
}

/// The mixture fits and calls: r.values, r.tied, r.free_fits, r.states, r.cn, r.posterior.
void fit_states(run_options const & opt, run_result & r)
{
    cn_options copt = opt.cn;
    double const read_len = opt.depth_bed ? opt.read_length
                                          : (r.windows.mean_read_span > 0 ? r.windows.mean_read_span : opt.read_length);
    copt.count_scale = r.window_length / read_len;
    r.count_scale = copt.count_scale;
    copt.em.on_iteration = opt.on_iteration;
    r.values = make_values(r.model_depth, copt);
    r.tied = fit_cn_mixture(r.values, copt);
    if (!r.tied.ok)
        throw user_error(located_message(opt.input, 0, "the copy-number mixture could not be fitted: " + r.tied.message));
    if (r.tied.reason == em::stop_reason::max_iter)
        log::warning("the copy-number mixture did not converge in " + std::to_string(copt.em.max_iter) + " iterations");
    r.states = opt.free ? free_mixture_states(opt, r.values, r.free_fits) : tied_states(r.values, r.tied);
    mixture_calls(r.values, r.states, r.cn, r.posterior);
}

/// HMM segmentation: r.hmm, and the calls replaced by its Viterbi path.
void segment_windows(run_options const & opt, run_result & r)
{
    hmm_options ho;
    ho.em = opt.cn.em;
    ho.em.final_m_step = false;
    ho.em.on_iteration = opt.on_iteration;
    r.hmm = fit_cn_hmm(r.values, r.states, r.chrom_offsets, ho);
    if (!r.hmm.ok)
        throw user_error(located_message(opt.input, 0, "the HMM could not be fitted: " + r.hmm.message));
    r.cn = r.hmm.cn;
    r.posterior = r.hmm.posterior;
}

} // namespace

void validate(run_options const & opt)
{
    if (opt.depth.window == 0 && opt.depth.by_bed.empty())
        throw option_error(field_name("window") + " must be at least 1 bp");
    if (!opt.depth.region.empty())
        (void)parse_region(opt.depth.region); // a malformed region is a usage error before any work
    if (!(opt.cn.cn0_mean > 0 && opt.cn.cn0_mean < 1))
        throw option_error(field_name("cn0_mean") + " must be in (0, 1)");
    em::check_options(opt.cn.em);
    if (!(opt.read_length > 0))
        throw option_error(field_name("read_length") + " must be > 0");
    if (opt.cn.ploidy > opt.cn.max_cn)
        throw option_error(field_name("ploidy") + " must not exceed " + field_name("max_cn"));
}

run_result run(run_options const & opt)
{
    validate(opt);
    run_result r;
    auto clock = std::chrono::steady_clock::now();
    r.windows = read_depth(opt);
    window_table const & t = r.windows;
    r.depth_seconds = seconds_since(clock);
    log::info("depth of " + std::to_string(t.size()) + " windows on " + std::to_string(t.chrom_names.size()) +
              " chromosomes in " + format_fixed(r.depth_seconds, 2) + " s");

    r.model_depth = t.depth;
    r.gc_applied = !opt.depth.reference.empty() && opt.gc_correction;
    if (r.gc_applied)
        r.gc = gc_correct(r.model_depth, window_gc(opt.depth.reference, t));

    clock = std::chrono::steady_clock::now();
    r.window_length = median_length(t);
    fit_states(opt, r);
    r.fit_seconds = seconds_since(clock);

    r.chrom_offsets = {0};
    for (std::size_t i = 1; i < t.size(); ++i)
        if (t.chrom[i] != t.chrom[i - 1])
            r.chrom_offsets.push_back(i);
    r.chrom_offsets.push_back(t.size());
    clock = std::chrono::steady_clock::now();
    if (opt.segment)
        segment_windows(opt, r);
    r.hmm_seconds = seconds_since(clock);
    r.segments = make_segments(r.chrom_offsets, r.cn, r.posterior, t.depth);
    r.windows_per_cn.assign(static_cast<std::size_t>(opt.cn.max_cn + 1), 0);
    for (int c : r.cn)
        ++r.windows_per_cn[static_cast<std::size_t>(c)];
    return r;
}

void write_windows(indexed_bed_output & out, run_result const & r)
{
    window_table const & t = r.windows;
    std::string buf = "#chrom\tstart\tend\tdepth\tcn\tposterior\n";
    for (std::size_t i = 0; i < t.size(); ++i)
    {
        buf += t.chrom_names[t.chrom[i]];
        buf += '\t';
        buf += std::to_string(t.start[i]);
        buf += '\t';
        buf += std::to_string(t.end[i]);
        buf += '\t';
        buf += format_fixed(t.depth[i], 2);
        buf += '\t';
        buf += std::to_string(r.cn[i]);
        buf += '\t';
        buf += format_fixed(r.posterior[i], 4);
        buf += '\n';
        if (buf.size() > (1u << 20))
        {
            out.write(buf);
            buf.clear();
        }
    }
    out.write(buf);
    out.finish();
}

void write_segments(std::ostream & o, run_result const & r)
{
    window_table const & t = r.windows;
    o << "#chrom\tstart\tend\tcn\twindows\tmean_depth\tquality\n";
    for (auto const & s : r.segments)
        o << t.chrom_names[t.chrom[s.first]] << '\t' << t.start[s.first] << '\t' << t.end[s.last] << '\t' << s.cn << '\t'
          << (s.last - s.first + 1) << '\t' << format_fixed(s.mean_depth, 2) << '\t' << format_fixed(s.quality, 4)
          << '\n';
}

std::string run_svg(run_result const & r, std::string const & input)
{
    auto const slash = input.find_last_of('/');
    std::string const name = input.substr(slash == std::string::npos ? 0 : slash + 1);
    return coverage_svg(r.windows, r.model_depth, r.cn, r.tied.haploid_depth, r.tied.max_cn,
                        name + ": depth in " + format_fixed(r.window_length, 0) +
                            " bp windows, coloured by copy number");
}

} // namespace emtk::cov
