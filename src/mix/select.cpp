#include <emtk/mix/mixture.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/log.hpp>

namespace emtk::mix {

selection select_by_bic(dataset const & data, mixture_options opt, int k_min, int k_max)
{
    if (k_min < 1 || k_max < k_min)
        throw usage_error("--k-range must be A:B with 1 <= A <= B, got " + std::to_string(k_min) + ":" +
                          std::to_string(k_max));
    selection sel;
    for (int k = k_min; k <= k_max; ++k)
    {
        opt.k = k;
        mixture_fit f = fit_mixture(data, opt);
        if (!f.ok)
            log::info("K = " + std::to_string(k) + ": " + f.message);
        sel.ks.push_back(k);
        sel.fits.push_back(std::move(f));
        auto const & last = sel.fits.back();
        if (last.ok && (sel.best < 0 || last.bic < sel.fits[static_cast<std::size_t>(sel.best)].bic))
            sel.best = static_cast<int>(sel.fits.size() - 1);
    }
    return sel;
}

} // namespace emtk::mix
