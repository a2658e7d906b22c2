#include <emtk/mix/mixture.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/log.hpp>

namespace emtk::mix {

namespace {

/// The BIC selection over K = k_min..k_max for any input: `distinct_of(limit)` counts distinct rows
/// (up to limit), `fit(opt)` fits one K.
template <typename Distinct, typename Fit>
selection select_k(mixture_options opt, int k_min, int k_max, std::size_t d, std::function<void(int k)> const & on_k,
                   Distinct const & distinct_of, Fit const & fit)
{
    if (k_min < 1 || k_max < k_min)
        throw option_error(field_name("k_range") + " must be A:B with 1 <= A <= B, got " + std::to_string(k_min) +
                           ":" + std::to_string(k_max));
    // K above the number of distinct rows cannot be fitted: such K (above k_min) are listed as
    // failed without a fit (when k_min itself is too large, fit_mixture reports it as an error).
    std::size_t const distinct = k_max > k_min ? distinct_of(static_cast<std::size_t>(k_max)) : 0;
    selection sel;
    for (int k = k_min; k <= k_max; ++k)
    {
        if (on_k)
            on_k(k);
        opt.k = k;
        if (k > k_min && static_cast<std::size_t>(k) > distinct)
        {
            mixture_fit skipped;
            skipped.reason = em::stop_reason::degenerate;
            skipped.message = "K = " + std::to_string(k) + " exceeds the " + std::to_string(distinct) +
                              (d > 1 ? " distinct rows" : " distinct values") + " of the data";
            sel.ks.push_back(k);
            sel.fits.push_back(std::move(skipped));
            continue;
        }
        mixture_fit f = fit(opt);
        if (!f.ok)
            log::info("K = " + std::to_string(k) + ": " + without_field_marks(f.message));
        sel.ks.push_back(k);
        sel.fits.push_back(std::move(f));
        auto const & last = sel.fits.back();
        if (last.ok && (sel.best < 0 || last.bic < sel.fits[static_cast<std::size_t>(sel.best)].bic))
            sel.best = static_cast<int>(sel.fits.size() - 1);
    }
    return sel;
}

} // namespace

selection select_by_bic(dataset const & data, mixture_options opt, int k_min, int k_max,
                        std::function<void(int k)> const & on_k)
{
    return select_k(
        std::move(opt), k_min, k_max, data.d, on_k,
        [&](std::size_t limit) { return count_distinct_rows(data, limit); },
        [&](mixture_options const & o) { return fit_mixture(data, o); });
}

selection select_by_bic(row_source const & rows, mixture_options opt, int k_min, int k_max,
                        std::function<void(int k)> const & on_k)
{
    return select_k(
        std::move(opt), k_min, k_max, rows.d(), on_k,
        [&](std::size_t limit) { return first_distinct_rows(rows, limit).size(); },
        [&](mixture_options const & o) { return fit_mixture(rows, o); });
}

} // namespace emtk::mix
