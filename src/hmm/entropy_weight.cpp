// Entropy weighting (include/emtk/hmm/entropy_weight.hpp).
#include <emtk/hmm/build.hpp>
#include <emtk/hmm/entropy_weight.hpp>

#include <algorithm>
#include <cmath>

namespace emtk::hmm {

double entropy_target(int M, seq::alphabet_type a, double re_target, double esigma) noexcept
{
    if (!(re_target > 0))
        re_target = a == seq::alphabet_type::amino ? 0.59 : 0.62;
    double const m = static_cast<double>(M);
    double const floor = (esigma - std::log2(2.0 / (m * (m + 1.0)))) / m;
    return std::max(re_target, floor);
}

void scale_counts(hmm_counts & c, double s) noexcept
{
    for (auto & row : c.t)
        for (auto & v : row)
            v *= s;
    for (auto & v : c.mat)
        v *= s;
    for (auto & v : c.ins)
        v *= s;
    for (auto * vec : {&c.enter, &c.exit_m, &c.exit_d})
        for (auto & v : *vec)
            v *= s;
    c.exit_i *= s;
    for (auto & v : c.special)
        v *= s;
    for (auto & v : c.flank)
        v *= s;
    c.sequences *= s;
}

double entropy_scale(hmm_counts const & counts, hmm_prior const & prior, profile_hmm const & current,
                     std::vector<double> const & bg, double target)
{
    auto entropy_at = [&](double s) {
        hmm_counts c = counts;
        scale_counts(c, s);
        profile_hmm h = current;
        estimate_parameters(c, prior, h);
        return mean_match_relative_entropy(h, bg);
    };
    if (prior.none || entropy_at(1.0) <= target)
        return 1.0;
    double lo = std::log(1e-4), hi = 0.0; // entropy(lo) < target < entropy(hi), or lo is the floor
    if (entropy_at(std::exp(lo)) >= target)
        return std::exp(lo);
    while (hi - lo > 0.01)
    {
        double const mid = 0.5 * (lo + hi);
        (entropy_at(std::exp(mid)) > target ? hi : lo) = mid;
    }
    return std::exp(0.5 * (lo + hi));
}

} // namespace emtk::hmm
