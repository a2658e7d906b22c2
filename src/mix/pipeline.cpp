/// \file
/// \brief mix::run(): read → fit (one K or a BIC scan) → posteriors → imputations (pipeline.hpp).

#include <emtk/mix/pipeline.hpp>

#include <emtk/util/error.hpp>
#include <emtk/util/log.hpp>

#include <chrono>
#include <string>

namespace emtk::mix {

namespace {

bool ends_with(std::string const & s, std::string const & suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string plural(std::size_t n, char const * one, char const * many)
{
    return std::to_string(n) + (n == 1 ? one : many);
}

/// Reads the table: complete rows through a spool file (kept when the fit streams from it),
/// incomplete ones with read_incomplete_table.
void read_rows(run_options const & opt, std::vector<std::string> const & columns, run_result & r)
{
    if (opt.missing != missing_policy::error)
    {
        r.table = read_incomplete_table(opt.input, columns, opt.missing);
        r.gaps = describe_missing(r.table.data);
        return;
    }
    r.spool = std::make_unique<spooled_rows>(opt.input, columns);
    bool const stream = opt.fit.fam == family::gaussian &&
                        resolve_em_mode(r.spool->n(), opt.fit) == em::em_mode::stepwise;
    r.table.field = r.spool->fields();
    r.table.data.source = opt.input;
    if (stream)
    {
        r.table.data.n = r.spool->n();
        r.table.data.d = r.spool->d();
        r.table.data.names = r.spool->names();
        return;
    }
    r.table.data = r.spool->load();
    r.spool.reset();
    r.gaps = describe_missing(r.table.data);
}

void report_rows(run_options const & opt, run_result const & r)
{
    dataset const & data = r.table.data;
    log::info("read " + plural(data.n, " row", " rows") + " of " + plural(data.d, " column", " columns") + " from " +
              (opt.input == "-" ? std::string{"<stdin>"} : opt.input));
    if (r.table.dropped_rows > 0)
        log::info("dropped " + plural(r.table.dropped_rows, " row", " rows") +
                  " with a missing value (--missing drop)");
    missingness const & gaps = r.gaps;
    if (gaps.rows_with_missing > 0)
        log::info(std::to_string(gaps.rows_with_missing) + " of " + std::to_string(data.n) +
                  " rows have missing entries (" + std::to_string(gaps.patterns.size()) +
                  " missingness patterns): fitted on their observed values");
    if (gaps.rows_all_missing > 0)
    {
        std::string lines;
        for (auto l : gaps.all_missing_lines)
            lines += (lines.empty() ? "" : ", ") + std::to_string(l);
        log::warning(std::to_string(gaps.rows_all_missing) + (gaps.rows_all_missing == 1 ? " row has" : " rows have") +
                     " no observed value in the fitted columns (line" + (gaps.rows_all_missing == 1 ? " " : "s ") +
                     lines + (gaps.rows_all_missing > gaps.all_missing_lines.size() ? ", ..." : "") +
                     "): kept, with the mixing weights as posteriors and values imputed from the mixture");
    }
}

} // namespace

void validate(run_options const & opt)
{
    em::check_options(opt.fit.em);
    if (opt.fit.screen < -1)
        throw option_error(field_name("screen") + " must be >= 0");
    if (!(opt.fit.ridge >= 0))
        throw option_error(field_name("ridge") + " must be >= 0");
    if (!(opt.fit.em.stepwise.alpha > 0.5 && opt.fit.em.stepwise.alpha <= 1.0))
        throw option_error(field_name("step_alpha") + " must be in (0.5, 1]");
    if (opt.fit.shared_variance && opt.fit.fam != family::gaussian)
        throw option_error(field_name("shared_variance") + " applies to the gaussian family only");
    if (opt.imputations > 1 && opt.missing != missing_policy::model)
        throw option_error(field_name("draws") + " needs " + field_name("missing") + " model");
    if (opt.k_min != 0 || opt.k_max != 0)
        if (opt.k_min < 1 || opt.k_max < opt.k_min || opt.k_max > max_components)
            throw option_error(field_name("k_range") + " expects A:B with 1 <= A <= B <= " +
                               std::to_string(max_components));
}

run_result run(run_options const & opt)
{
    validate(opt);
    run_result r;
    std::vector<std::string> columns = opt.columns;
    if (columns.empty())
        columns = {(ends_with(opt.input, ".bed") || ends_with(opt.input, ".bed.gz")) ? "4" : "1"};

    auto t0 = std::chrono::steady_clock::now();
    read_rows(opt, columns, r);
    r.read_seconds = seconds_since(t0);
    report_rows(opt, r);

    // One K or every K of the range, the lowest BIC wins; a spooled table streams.
    t0 = std::chrono::steady_clock::now();
    bool const scan = opt.k_min != 0;
    int const k_lo = scan ? opt.k_min : opt.fit.k, k_hi = scan ? opt.k_max : opt.fit.k;
    r.sel = r.spool ? select_by_bic(*r.spool, opt.fit, k_lo, k_hi, opt.on_k)
                    : select_by_bic(r.table.data, opt.fit, k_lo, k_hi, opt.on_k);
    if (r.sel.best < 0)
    {
        int const starts = opt.fit.em.restarts;
        throw option_input_error(located_message(
            opt.input, 0,
            "no fit succeeded" +
                (scan ? " for any K in " + std::to_string(k_lo) + ":" + std::to_string(k_hi)
                      : " with K = " + std::to_string(opt.fit.k)) +
                " (" + plural(static_cast<std::size_t>(starts), " start", " starts") + "): " +
                r.sel.fits.front().message));
    }
    r.best_k = r.sel.ks[static_cast<std::size_t>(r.sel.best)];
    mixture const & model = r.best().model;
    r.posteriors = r.spool ? std::make_unique<posterior_blocks>(*r.spool, model, opt.fit.hard, opt.fit.em.threads)
                           : std::make_unique<posterior_blocks>(r.table.data, model, opt.fit.hard, opt.fit.em.threads);
    r.fit_seconds = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < opt.imputations; ++i)
        r.imputed.push_back(impute(r.table.data, model, i - 1, opt.fit.em.seed, opt.fit.em.threads));
    r.impute_seconds = seconds_since(t0);
    return r;
}

} // namespace emtk::mix
