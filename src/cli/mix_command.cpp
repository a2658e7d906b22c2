/// \file
/// \brief `emtk mix`: arguments → mix::run_options → mix::run() (mix/pipeline.hpp) → PREFIX.tsv,
/// PREFIX.json and the imputed tables.

#include "common.hpp"
#include "run_summary.hpp"
#include "mix_command.hpp"

#include <emtk/em/options.hpp>
#include <emtk/mix/assignments.hpp>
#include <emtk/mix/missing.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/mix/pipeline.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/format.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>
#include <emtk/util/table_reader.hpp>
#include <emtk/version.hpp>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <memory>
#include <optional>
#include <tuple>

namespace emtk::cli {

namespace {

std::pair<int, int> parse_k_range(std::string const & s)
{
    auto colon = s.find(':');
    int a = 0, b = 0;
    bool ok = colon != std::string::npos;
    if (ok)
    {
        auto r1 = std::from_chars(s.data(), s.data() + colon, a);
        auto r2 = std::from_chars(s.data() + colon + 1, s.data() + s.size(), b);
        ok = r1.ec == std::errc{} && r1.ptr == s.data() + colon && r2.ec == std::errc{} &&
             r2.ptr == s.data() + s.size();
    }
    if (!ok || a < 1 || b < a || b > mix::max_components)
        throw usage_error("--k-range expects A:B with 1 <= A <= B <= " + std::to_string(mix::max_components) +
                          ", got '" + s + "'");
    return {a, b};
}

void write_component(json_writer & j, mix::component const & c, mix::mixture const & m)
{
    j.begin_object();
    j.field("weight", c.weight);
    if (m.fam == mix::family::gaussian)
    {
        j.key("mean").value(c.mean);
        j.key(m.cov == mix::covariance_type::full && m.d > 1 ? "covariance" : "variance").value(c.covariance);
    }
    else if (m.fam == mix::family::poisson)
        j.field("rate", c.mean.at(0));
    else
    {
        j.field("mean", c.mean.at(0));
        j.field("size", c.size);
        j.field("variance", c.mean.at(0) + c.mean.at(0) * c.mean.at(0) / c.size);
    }
    j.end_object();
}

void write_fit_summary(json_writer & j, int k, mix::mixture_fit const & f)
{
    j.begin_object();
    j.field("k", k);
    j.field("status", f.ok ? "ok" : "failed");
    if (f.ok)
    {
        j.field("log_likelihood", f.log_likelihood);
        j.field("n_params", f.n_params);
        j.field("bic", f.bic);
    }
    else
        j.field("message", without_field_marks(f.message));
    j.field("iterations", f.iterations);
    j.field("stop_reason", em::to_string(f.reason));
    j.end_object();
}

/// The "missing" object of the JSON summary: policy, rows dropped, entries missing per column,
/// the missingness patterns (at most 100, most frequent first) and the imputed tables written.
void write_missing(json_writer & j, mix::missing_policy policy, mix::incomplete_table const & t,
                   mix::missingness const & g, std::vector<std::string> const & imputed)
{
    j.key("missing").begin_object();
    j.field("policy", mix::to_string(policy));
    j.field("dropped_rows", static_cast<std::uint64_t>(t.dropped_rows));
    j.field("rows_with_missing", g.rows_with_missing);
    j.field("rows_all_missing", g.rows_all_missing);
    j.key("per_column").begin_object();
    for (std::size_t c = 0; c < t.data.d; ++c)
        j.field(t.data.names[c], g.per_column[c]);
    j.end_object();
    j.field("n_patterns", static_cast<std::uint64_t>(g.patterns.size()));
    j.key("patterns").begin_array();
    for (std::size_t q = 0; q < g.patterns.size() && q < 100; ++q)
    {
        std::vector<std::string> cols;
        for (std::size_t c = 0; c < t.data.d; ++c)
            if (g.patterns[q][c] != 0)
                cols.push_back(t.data.names[c]);
        j.begin_object();
        j.key("missing").value(cols);
        j.field("rows", g.pattern_rows[q]);
        j.end_object();
    }
    j.end_array();
    j.key("imputed").value(imputed);
    j.end_object();
}

/// The options of mix::run from the arguments (string choices parsed here; ranges checked by
/// mix::validate).
mix::run_options make_options(mix_arguments const & a)
{
    mix::run_options o;
    o.input = a.input;
    o.columns = split_list(a.columns);
    mix::mixture_options & opt = o.fit;
    if (!mix::parse_family(a.family, opt.fam))
        throw usage_error("--family must be gaussian, poisson or negbin, got '" + a.family + "'");
    if (!mix::parse_covariance(a.covariance, opt.cov))
        throw usage_error("--covariance must be full or diag, got '" + a.covariance + "'");
    if (!em::parse_stop_rule(a.stop_rule, opt.em.rule))
        throw usage_error("--stop-rule must be absolute, relative or aitken, got '" + a.stop_rule + "'");
    if (!em::parse_em_mode(a.em_mode, opt.mode))
        throw usage_error("--stepwise must be auto, on or off, got '" + a.em_mode + "'");
    if (!mix::parse_missing_policy(a.missing, o.missing))
        throw usage_error("--missing must be error, drop or model, got '" + a.missing + "'");
    if (!a.k_range.empty())
        std::tie(o.k_min, o.k_max) = parse_k_range(a.k_range);
    opt.k = a.k;
    opt.shared_variance = a.shared_variance;
    opt.hard = a.hard;
    opt.ridge = a.ridge;
    opt.em.max_iter = a.max_iter;
    opt.em.min_iter = std::min(a.min_iter, a.max_iter);
    opt.em.tol = a.tol;
    opt.em.restarts = a.restarts;
    opt.screen = a.screen;
    opt.em.seed = a.seed;
    opt.em.threads = a.threads;
    opt.em.accelerate = a.accelerate;
    opt.em.chunk_size = 4096;
    opt.em.stepwise.batch_size = a.batch_size;
    opt.em.stepwise.max_passes = a.passes;
    opt.em.stepwise.alpha = a.step_alpha;
    opt.em.stepwise.polish = a.polish;
    // The expectation, then each draw (PREFIX.imputed.tsv, PREFIX.imputed.N.tsv).
    o.imputations = a.draws > 0 ? 1 + a.draws : (o.missing == mix::missing_policy::model && a.output != "-" ? 1 : 0);
    return o;
}

/// The JSON run summary.
void write_summary(std::ostream & out, mix_arguments const & a, mix::run_options const & o, mix::run_result const & r,
                   std::vector<std::string> const & imputed_paths, double total_s)
{
    mix::mixture_fit const & best = r.best();
    mix::dataset const & data = r.table.data;
    json_writer j{out};
    j.begin_object();
    summary_head(j, "emtk mix", static_cast<std::uint64_t>(a.seed), {a.input});
    summary_records(j, record_counts{static_cast<std::uint64_t>(data.n), 0, {}});
    j.key("input").begin_object();
    j.field("file", a.input);
    j.key("columns").value(data.names);
    j.field("rows", static_cast<std::uint64_t>(data.n));
    j.end_object();
    if (o.missing != mix::missing_policy::error)
        write_missing(j, o.missing, r.table, r.gaps, imputed_paths);
    j.field("family", mix::to_string(o.fit.fam));
    if (o.fit.fam == mix::family::gaussian)
    {
        j.field("covariance", data.d > 1 ? mix::to_string(o.fit.cov) : "univariate");
        j.field("shared_variance", a.shared_variance);
    }
    j.field("hard", a.hard);
    summary_em_mode(j, best.stepwise);
    j.field("k", r.best_k);
    j.field("log_likelihood", best.log_likelihood);
    j.field("objective", best.objective);
    j.field("n_params", best.n_params);
    j.field("bic", best.bic);
    j.field("iterations", best.iterations);
    j.field("e_steps", best.e_steps);
    j.field("stop_reason", em::to_string(best.reason));
    j.field("stop_rule", em::to_string(o.fit.em.rule));
    j.field("tol", o.fit.em.tol);
    j.field("accelerate", a.accelerate);
    j.field("restarts", a.restarts);
    if (int const screen = mix::screen_iterations(o.fit, data.any_missing()); screen > 0 && a.restarts > 1)
        j.field("screen_iterations", screen);
    j.field("best_start", best.best_restart + 1);
    j.key("starts").begin_array();
    for (auto const & s : best.restarts)
    {
        j.begin_object();
        j.field("start", s.restart + 1);
        summary_restart(j, s, without_field_marks(s.message));
        j.end_object();
    }
    j.end_array();
    j.field("objective_decreases", best.decreases);
    j.key("components").begin_array();
    for (auto const & c : best.model.components)
        write_component(j, c, best.model);
    j.end_array();
    j.key("bic_table").begin_array();
    for (std::size_t f = 0; f < r.sel.fits.size(); ++f)
        write_fit_summary(j, r.sel.ks[f], r.sel.fits[f]);
    j.end_array();
    j.key("objective_trace").value(best.trace);
    // Everything that may differ between two runs of the same fit lives under "run".
    if (o.missing == mix::missing_policy::model)
        summary_run(j, a.threads,
                    {{"read_s", r.read_seconds}, {"fit_s", r.fit_seconds}, {"impute_s", r.impute_seconds},
                     {"total_s", total_s}});
    else
        summary_run(j, a.threads, {{"read_s", r.read_seconds}, {"fit_s", r.fit_seconds}, {"total_s", total_s}});
    j.end_object();
}

} // namespace

void mix_run(mix_arguments const & a)
{
    if (!a.model.empty())
        return mix_predict_run(a);
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    mix::run_options opt = make_options(a);
    mix::validate(opt);
    if (a.output.empty())
        throw usage_error("-o/--output PREFIX is required");
    if (a.draws > 0 && a.output == "-")
        throw usage_error("--draws writes PREFIX.imputed.N.tsv files: give a file prefix with -o, not '-'");

    // Outputs: decide the paths before any work, so a bad directory fails fast.
    check_output_path(a.multiqc, a.input);
    std::string const tsv_path = a.output == "-" ? "-" : a.output + ".tsv";
    std::string const json_path = !a.json.empty() ? a.json : (a.output == "-" ? "" : a.output + ".json");
    std::vector<std::string> imputed_paths;
    for (int r = 0; r < opt.imputations; ++r)
        imputed_paths.push_back(a.output + ".imputed" + (r == 0 ? std::string{} : std::string{"."}.append(std::to_string(r))) + ".tsv");
    std::vector<std::string> all_outputs{tsv_path, json_path};
    all_outputs.insert(all_outputs.end(), imputed_paths.begin(), imputed_paths.end());
    for (auto const & out : all_outputs) // fail before the fit, not after it
        check_output_path(out, a.input, "input file; choose another -o PREFIX");

    progress_bar bar{"emtk mix: iteration", 0};
    int current_k = opt.fit.k;
    opt.on_k = [&](int k) { current_k = k; };
    opt.fit.em.on_iteration = [&](em::iteration_info const & it) {
        bar.update(static_cast<std::uint64_t>(it.iteration),
                   "K=" + std::to_string(current_k) + " start " + std::to_string(it.restart + 1) + "/" +
                       std::to_string(it.restarts) + " objective " + format_general(it.objective, 10));
    };
    mix::run_result const r = mix::run(opt);
    bar.finish();
    auto const & best = r.best();
    if (best.reason == em::stop_reason::max_iter && best.stepwise.used && best.stepwise.polish_iterations == 0)
        log::warning("K = " + std::to_string(r.best_k) + ": stepwise EM did not converge in " +
                     std::to_string(a.passes) + " passes (raise --passes, or add --polish iterations)");
    else if (best.reason == em::stop_reason::max_iter)
        log::warning("K = " + std::to_string(r.best_k) + ": EM did not converge in " + std::to_string(a.max_iter) +
                     " iterations (raise --max-iter or loosen --tol)");

    // Write: every file is complete before any is renamed into place.
    atomic_output_file tsv_file{tsv_path};
    std::unique_ptr<atomic_output_file> json_file =
        json_path.empty() ? nullptr : std::make_unique<atomic_output_file>(json_path);
    std::vector<std::unique_ptr<atomic_output_file>> imputed_files;
    for (std::size_t i = 0; i < imputed_paths.size(); ++i)
    {
        imputed_files.push_back(std::make_unique<atomic_output_file>(imputed_paths[i]));
        mix::write_imputed_table(imputed_files.back()->stream(), r.table, r.imputed[i]);
    }
    mix::write_assignments(tsv_file.stream(), *r.posteriors, r.table.data.n, best.model.components.size(), a.threads);
    if (json_file)
        write_summary(json_file->stream(), a, opt, r, imputed_paths, total.seconds());
    tsv_file.commit();
    if (json_file)
        json_file->commit();
    for (auto & f : imputed_files)
        f->commit();
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "mix", "Finite mixtures fitted by EM (K chosen by BIC when a range is given).",
                      sample_name(a.input),
                      {{"rows", static_cast<double>(r.table.data.n)},
                       {"K", static_cast<double>(r.best_k)},
                       {"log_likelihood", best.log_likelihood},
                       {"BIC", best.bic},
                       {"iterations", static_cast<double>(best.iterations)}});
    log::summary("K = " + std::to_string(r.best_k) + ", log-likelihood " + format_general(best.log_likelihood, 12) +
                 ", BIC " + format_general(best.bic, 12) + ", " + std::to_string(best.iterations) + " iterations (" +
                 em::to_string(best.reason) + ")");
}

} // namespace emtk::cli
