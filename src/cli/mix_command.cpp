/// \file
/// \brief `emtk mix`: read columns, fit (one K or a BIC scan), write PREFIX.json and PREFIX.tsv.

#include "common.hpp"
#include "run_summary.hpp"
#include "mix_command.hpp"

#include <emtk/em/options.hpp>
#include <emtk/mix/assignments.hpp>
#include <emtk/mix/missing.hpp>
#include <emtk/mix/mixture.hpp>
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

namespace emtk::cli {

namespace {

bool ends_with(std::string const & s, std::string const & suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

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




} // namespace

void mix_run(mix_arguments const & a)
{
    if (!a.model.empty())
        return mix_predict_run(a);
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);

    mix::mixture_options opt;
    if (!mix::parse_family(a.family, opt.fam))
        throw usage_error("--family must be gaussian, poisson or negbin, got '" + a.family + "'");
    if (!mix::parse_covariance(a.covariance, opt.cov))
        throw usage_error("--covariance must be full or diag, got '" + a.covariance + "'");
    if (!em::parse_stop_rule(a.stop_rule, opt.em.rule))
        throw usage_error("--stop-rule must be absolute, relative or aitken, got '" + a.stop_rule + "'");
    if (!(a.tol > 0))
        throw usage_error("--tol must be > 0");
    if (!(a.ridge >= 0))
        throw usage_error("--ridge must be >= 0");
    if (!em::parse_em_mode(a.em_mode, opt.mode))
        throw usage_error("--stepwise must be auto, on or off, got '" + a.em_mode + "'");
    if (!(a.step_alpha > 0.5 && a.step_alpha <= 1.0))
        throw usage_error("--step-alpha must be in (0.5, 1]");
    if (a.shared_variance && opt.fam != mix::family::gaussian)
        throw usage_error("--shared-variance applies to the gaussian family only");
    if (a.output.empty())
        throw usage_error("-o/--output PREFIX is required");
    mix::missing_policy policy{};
    if (!mix::parse_missing_policy(a.missing, policy))
        throw usage_error("--missing must be error, drop or model, got '" + a.missing + "'");
    if (a.draws > 0 && policy != mix::missing_policy::model)
        throw usage_error("--draws needs --missing model");
    if (a.draws > 0 && a.output == "-")
        throw usage_error("--draws writes PREFIX.imputed.N.tsv files: give a file prefix with -o, not '-'");
    std::optional<std::pair<int, int>> range;
    if (!a.k_range.empty())
        range = parse_k_range(a.k_range);
    opt.k = a.k;
    opt.shared_variance = a.shared_variance;
    opt.hard = a.hard;
    opt.ridge = a.ridge;
    opt.em.max_iter = a.max_iter;
    opt.em.min_iter = std::min(a.min_iter, a.max_iter);
    opt.em.tol = a.tol;
    opt.em.restarts = a.restarts;
    opt.em.seed = a.seed;
    opt.em.threads = a.threads;
    opt.em.accelerate = a.accelerate;
    opt.em.chunk_size = 4096;
    opt.em.stepwise.batch_size = a.batch_size;
    opt.em.stepwise.max_passes = a.passes;
    opt.em.stepwise.alpha = a.step_alpha;
    opt.em.stepwise.polish = a.polish;

    // Outputs: decide the paths before any work, so a bad directory fails fast.
    check_output_path(a.multiqc, a.input);
    std::string const tsv_path = a.output == "-" ? "-" : a.output + ".tsv";
    std::string const json_path = !a.json.empty() ? a.json : (a.output == "-" ? "" : a.output + ".json");

    // Imputed tables (--missing model): PREFIX.imputed.tsv, then PREFIX.imputed.N.tsv per draw.
    std::vector<std::string> imputed_paths;
    if (policy == mix::missing_policy::model && a.output != "-")
        for (int r = 0; r <= a.draws; ++r)
            imputed_paths.push_back(a.output + ".imputed" + (r == 0 ? std::string{} : std::string{"."}.append(std::to_string(r))) + ".tsv");
    std::vector<std::string> all_outputs{tsv_path, json_path};
    all_outputs.insert(all_outputs.end(), imputed_paths.begin(), imputed_paths.end());
    for (auto const & out : all_outputs) // fail before the fit, not after it
        check_output_path(out, a.input, "input file; choose another -o PREFIX");

    // Read.
    stopwatch read_clock;
    std::vector<std::string> columns = split_list(a.columns);
    if (columns.empty())
        columns = {(ends_with(a.input, ".bed") || ends_with(a.input, ".bed.gz")) ? "4" : "1"};
    // Complete data (--missing error) go through a spool file (mix/rows.hpp): a stepwise Gaussian
    // fit then streams from it, anything else loads it into memory.
    std::unique_ptr<mix::spooled_rows> spool;
    mix::incomplete_table table;
    if (policy == mix::missing_policy::error)
    {
        spool = std::make_unique<mix::spooled_rows>(a.input, columns);
        bool const stream = opt.fam == mix::family::gaussian &&
                            mix::resolve_em_mode(spool->n(), opt) == em::em_mode::stepwise;
        table.field = spool->fields();
        table.data.source = a.input;
        if (stream)
        {
            table.data.n = spool->n();
            table.data.d = spool->d();
            table.data.names = spool->names();
        }
        else
        {
            table.data = spool->load();
            spool.reset();
        }
    }
    else
        table = mix::read_incomplete_table(a.input, columns, policy);
    mix::dataset & data = table.data;
    double const read_s = read_clock.seconds();
    log::info("read " + std::to_string(data.n) + (data.n == 1 ? " row" : " rows") + " of " +
              std::to_string(data.d) + (data.d == 1 ? " column" : " columns") + " from " +
              (a.input == "-" ? std::string{"<stdin>"} : a.input));
    if (table.dropped_rows > 0)
        log::info("dropped " + std::to_string(table.dropped_rows) + (table.dropped_rows == 1 ? " row" : " rows") +
                  " with a missing value (--missing drop)");
    mix::missingness const gaps = spool ? mix::missingness{} : mix::describe_missing(data);
    if (gaps.rows_with_missing > 0)
        log::info(std::to_string(gaps.rows_with_missing) + " of " + std::to_string(data.n) +
                  " rows have missing entries (" + std::to_string(gaps.patterns.size()) +
                  " missingness patterns): fitted on their observed values");
    if (gaps.rows_all_missing > 0)
    {
        std::string lines;
        for (auto l : gaps.all_missing_lines)
            lines += (lines.empty() ? "" : ", ") + std::to_string(l);
        log::warning(std::to_string(gaps.rows_all_missing) +
                     (gaps.rows_all_missing == 1 ? " row has" : " rows have") +
                     " no observed value in the fitted columns (line" + (gaps.rows_all_missing == 1 ? " " : "s ") +
                     lines + (gaps.rows_all_missing > gaps.all_missing_lines.size() ? ", ..." : "") +
                     "): kept, with the mixing weights as posteriors and values imputed from the mixture");
    }

    // Fit.
    stopwatch fit_clock;
    progress_bar bar{"emtk mix: iteration", 0};
    int current_k = opt.k;
    opt.em.on_iteration = [&](em::iteration_info const & it) {
        bar.update(static_cast<std::uint64_t>(it.iteration),
                   "K=" + std::to_string(current_k) + " start " + std::to_string(it.restart + 1) + "/" +
                       std::to_string(it.restarts) + " objective " + format_general(it.objective, 10));
    };
    // One K (-k) or every K of --k-range, the lowest BIC wins; a spooled table streams.
    int const k_lo = range ? range->first : opt.k, k_hi = range ? range->second : opt.k;
    auto const on_k = [&](int k) { current_k = k; };
    mix::selection const sel = spool ? mix::select_by_bic(*spool, opt, k_lo, k_hi, on_k)
                                     : mix::select_by_bic(data, opt, k_lo, k_hi, on_k);
    bar.finish();
    if (sel.best < 0)
    {
        auto const & f = sel.fits.front();
        throw option_input_error(located_message(a.input, 0,
                                         "no fit succeeded" +
                                             (range ? " for any K in " + a.k_range
                                                    : " with K = " + std::to_string(opt.k)) +
                                             " (" + std::to_string(a.restarts) + " start" +
                                             (a.restarts == 1 ? "" : "s") + "): " + f.message));
    }
    auto const & best = sel.fits[static_cast<std::size_t>(sel.best)];
    int const best_k = sel.ks[static_cast<std::size_t>(sel.best)];
    if (best.reason == em::stop_reason::max_iter && best.stepwise.used && best.stepwise.polish_iterations == 0)
        log::warning("K = " + std::to_string(best_k) + ": stepwise EM did not converge in " +
                     std::to_string(a.passes) + " passes (raise --passes, or add --polish iterations)");
    else if (best.reason == em::stop_reason::max_iter)
        log::warning("K = " + std::to_string(best_k) + ": EM did not converge in " + std::to_string(a.max_iter) +
                     " iterations (raise --max-iter or loosen --tol)");
    // Posteriors are computed wave by wave while the TSV is written: never n × K in memory.
    std::unique_ptr<mix::posterior_blocks> const post =
        spool ? std::make_unique<mix::posterior_blocks>(*spool, best.model, a.hard, a.threads)
              : std::make_unique<mix::posterior_blocks>(data, best.model, a.hard, a.threads);
    double const fit_s = fit_clock.seconds();
    stopwatch impute_clock;
    std::vector<std::vector<double>> imputed; // expectation, then each draw
    for (std::size_t r = 0; r < imputed_paths.size(); ++r)
        imputed.push_back(mix::impute(data, best.model, static_cast<int>(r) - 1, a.seed, a.threads));
    double const impute_s = impute_clock.seconds();

    // Write: both files are complete before either is renamed into place.
    std::size_t const k = best.model.components.size();
    std::unique_ptr<atomic_output_file> tsv_file = std::make_unique<atomic_output_file>(tsv_path);
    std::unique_ptr<atomic_output_file> json_file =
        json_path.empty() ? nullptr : std::make_unique<atomic_output_file>(json_path);
    std::vector<std::unique_ptr<atomic_output_file>> imputed_files;
    for (std::size_t r = 0; r < imputed_paths.size(); ++r)
    {
        imputed_files.push_back(std::make_unique<atomic_output_file>(imputed_paths[r]));
        mix::write_imputed_table(imputed_files.back()->stream(), table, imputed[r]);
    }
    mix::write_assignments(tsv_file->stream(), *post, data.n, k, a.threads);
    if (json_file)
    {
        json_writer j{json_file->stream()};
        j.begin_object();
        summary_head(j, "emtk mix", static_cast<std::uint64_t>(a.seed), {a.input});
        summary_records(j, record_counts{static_cast<std::uint64_t>(data.n), 0, {}});
        j.key("input").begin_object();
        j.field("file", a.input);
        j.key("columns").value(data.names);
        j.field("rows", static_cast<std::uint64_t>(data.n));
        j.end_object();
        if (policy != mix::missing_policy::error)
            write_missing(j, policy, table, gaps, imputed_paths);
        j.field("family", mix::to_string(opt.fam));
        if (opt.fam == mix::family::gaussian)
        {
            j.field("covariance", data.d > 1 ? mix::to_string(opt.cov) : "univariate");
            j.field("shared_variance", a.shared_variance);
        }
        j.field("hard", a.hard);
        summary_em_mode(j, best.stepwise);
        j.field("k", best_k);
        j.field("log_likelihood", best.log_likelihood);
        j.field("objective", best.objective);
        j.field("n_params", best.n_params);
        j.field("bic", best.bic);
        j.field("iterations", best.iterations);
        j.field("e_steps", best.e_steps);
        j.field("stop_reason", em::to_string(best.reason));
        j.field("stop_rule", em::to_string(opt.em.rule));
        j.field("tol", opt.em.tol);
        j.field("accelerate", a.accelerate);
        j.field("restarts", a.restarts);
        j.field("best_start", best.best_restart + 1);
        j.key("starts").begin_array();
        for (auto const & r : best.restarts)
        {
            j.begin_object();
            j.field("start", r.restart + 1);
            if (r.reason == em::stop_reason::degenerate || r.reason == em::stop_reason::diverged)
                j.key("objective").null();
            else
                j.field("objective", r.objective);
            j.field("iterations", r.iterations);
            j.field("stop_reason", em::to_string(r.reason));
            if (!r.message.empty())
                j.field("message", without_field_marks(r.message));
            j.end_object();
        }
        j.end_array();
        j.field("objective_decreases", best.decreases);
        j.key("components").begin_array();
        for (auto const & c : best.model.components)
            write_component(j, c, best.model);
        j.end_array();
        j.key("bic_table").begin_array();
        for (std::size_t f = 0; f < sel.fits.size(); ++f)
            write_fit_summary(j, sel.ks[f], sel.fits[f]);
        j.end_array();
        j.key("objective_trace").value(best.trace);
        // Everything that may differ between two runs of the same fit lives under "run".
        if (policy == mix::missing_policy::model)
            summary_run(j, a.threads,
                        {{"read_s", read_s}, {"fit_s", fit_s}, {"impute_s", impute_s}, {"total_s", total.seconds()}});
        else
            summary_run(j, a.threads, {{"read_s", read_s}, {"fit_s", fit_s}, {"total_s", total.seconds()}});
        j.end_object();
    }
    tsv_file->commit();
    if (json_file)
        json_file->commit();
    for (auto & f : imputed_files)
        f->commit();
    if (!a.multiqc.empty())
        write_multiqc(a.multiqc, "mix", "Finite mixtures fitted by EM (K chosen by BIC when a range is given).",
                      sample_name(a.input),
                      {{"rows", static_cast<double>(data.n)},
                       {"K", static_cast<double>(best_k)},
                       {"log_likelihood", best.log_likelihood},
                       {"BIC", best.bic},
                       {"iterations", static_cast<double>(best.iterations)}});
    log::summary("K = " + std::to_string(best_k) + ", log-likelihood " + format_general(best.log_likelihood, 12) +
              ", BIC " + format_general(best.bic, 12) + ", " + std::to_string(best.iterations) + " iterations (" +
              em::to_string(best.reason) + ")");
}

} // namespace emtk::cli
