/// \file
/// \brief `emtk mix --model FIT.json`: read a fitted mixture (mix/predict.hpp), read the new
/// table, write each row's posteriors and most probable component as the fit's PREFIX.tsv, and
/// the run summary with --json.

#include "common.hpp"
#include "mix_command.hpp"
#include "run_summary.hpp"

#include <emtk/mix/missing.hpp>
#include <emtk/mix/predict.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/json.hpp>
#include <emtk/util/log.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emtk::cli {

namespace {

/// The fit's options that a prediction cannot honour: a usage error rather than silence.
void refuse_fit_options(mix_arguments const & a)
{
    mix_arguments const defaults;
    std::vector<std::string> given;
    if (a.k != defaults.k || !a.k_range.empty())
        given.push_back("-k/--k-range");
    if (a.family != defaults.family)
        given.push_back("--family");
    if (a.covariance != defaults.covariance || a.shared_variance)
        given.push_back("--covariance/--shared-variance");
    if (a.hard)
        given.push_back("--hard");
    if (a.missing != defaults.missing || a.draws != defaults.draws)
        given.push_back("--missing/--draws");
    if (given.empty())
        return;
    std::string list;
    for (auto const & g : given)
        list += (list.empty() ? "" : ", ") + g;
    throw usage_error("--model assigns rows with the fitted model, whose settings are fixed: " + list +
                      " do not apply");
}

} // namespace

void mix_predict_run(mix_arguments const & a)
{
    stopwatch total;
    apply_verbosity(a.quiet, a.verbose);
    refuse_fit_options(a);
    if (a.output.empty())
        throw usage_error("-o/--output PREFIX is required");
    std::string const tsv_path = a.output == "-" ? "-" : a.output + ".tsv";
    check_output_path(tsv_path, a.input);
    check_output_path(tsv_path, a.model, "model file");
    check_summary_paths(a.json, a.multiqc, {a.input, a.model});

    mix::fitted_mixture const fit = mix::read_fitted_mixture(a.model);
    std::vector<std::string> const columns = a.columns.empty() ? fit.columns : split_list(a.columns);
    mix::incomplete_table table = mix::read_incomplete_table(a.input, columns, fit.policy);
    mix::dataset const & data = table.data;
    std::vector<double> const post = mix::predict_proba(data, fit, a.threads);
    std::size_t const k = fit.model.components.size();
    double const log_likelihood = mix::log_likelihood(data, fit.model, a.threads);

    std::vector<std::uint64_t> per_component(k, 0);
    for (std::size_t i = 0; i < data.n; ++i)
    {
        double const * p = post.data() + i * k;
        std::size_t arg = 0;
        for (std::size_t c = 1; c < k; ++c)
            if (p[c] > p[arg])
                arg = c;
        ++per_component[arg];
    }

    atomic_output_file tsv{tsv_path};
    mix::write_assignments(tsv.stream(), post, data.n, k);
    std::optional<atomic_output_file> json;
    if (!a.json.empty())
    {
        json.emplace(a.json);
        json_writer j{json->stream()};
        j.begin_object();
        summary_head(j, "emtk mix", std::nullopt, {a.model, a.input});
        record_counts records{static_cast<std::uint64_t>(data.n), static_cast<std::uint64_t>(table.dropped_rows), {}};
        if (table.dropped_rows > 0)
            records.skipped_reasons.push_back({"missing value (policy drop)", table.dropped_rows});
        summary_records(j, records);
        summary_no_em(j);
        j.field("mode", "predict");
        j.field("model", a.model);
        j.key("columns").value(data.names);
        j.field("family", mix::to_string(fit.model.fam));
        j.field("k", static_cast<std::uint64_t>(k));
        j.field("hard", fit.hard);
        j.field("log_likelihood", log_likelihood);
        j.key("rows_per_component").begin_array();
        for (auto n : per_component)
            j.value(n);
        j.end_array();
        summary_run(j, a.threads, {{"total_s", total.seconds()}});
        j.end_object();
    }
    tsv.commit();
    if (json)
        json->commit();
    if (!a.multiqc.empty())
    {
        std::vector<multiqc_metric> m{{"rows", static_cast<double>(data.n)}, {"log_likelihood", log_likelihood}};
        for (std::size_t c = 0; c < k; ++c)
            m.push_back({"rows_component_" + std::to_string(c + 1), static_cast<double>(per_component[c])});
        write_multiqc(a.multiqc, "mix", "Rows assigned with a fitted mixture.", sample_name(a.input), m);
    }
    std::string counts;
    for (auto n : per_component)
    {
        if (!counts.empty())
            counts += '/';
        counts += std::to_string(n);
    }
    log::summary("assigned " + std::to_string(data.n) + (data.n == 1 ? " row" : " rows") + " with the K = " +
                 std::to_string(k) + " " + mix::to_string(fit.model.fam) + " model of " + a.model +
                 ": rows per component " + counts + ", log-likelihood " +
                 json_writer::number(std::round(log_likelihood * 100) / 100));
}

} // namespace emtk::cli
