#include "kmeanspp.hpp"

#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace emtk::mix::detail {

namespace {
double dist2(double const * a, double const * b, std::span<double const> scale, std::size_t d)
{
    double s = 0;
    for (std::size_t j = 0; j < d; ++j)
    {
        double t = (a[j] - b[j]) / scale[j];
        s += t * t;
    }
    return s;
}
} // namespace

std::vector<std::size_t> kmeanspp(std::span<double const> points, std::size_t d, std::span<double const> weights,
                                  std::span<double const> scale, std::size_t k, rng & gen)
{
    std::size_t const n = points.size() / d;
    EMTK_ASSERT(n >= k && k > 0, "kmeanspp needs at least k points");
    auto w = [&](std::size_t i) { return weights.empty() ? 1.0 : weights[i]; };
    // Greedy k-means++: each new centre is the best of `trials` D²-sampled candidates (the one
    // that lowers the total weighted squared distance most), 2 + ⌊ln k⌋ as in Arthur &
    // Vassilvitskii's experiments and scikit-learn's KMeans; it avoids most of the poor seedings
    // (two centres in one cluster) that single-candidate k-means++ produces.
    std::size_t const trials = 2 + static_cast<std::size_t>(std::log(static_cast<double>(k)));
    std::vector<std::size_t> chosen;
    std::vector<double> best(n), p(n); // distance to the nearest centre; cumulative weights
    for (std::size_t i = 0; i < n; ++i)
        p[i] = w(i);
    chosen.push_back(gen.categorical(p));
    double const * c0 = points.data() + chosen.back() * d;
    for (std::size_t i = 0; i < n; ++i)
        best[i] = dist2(points.data() + i * d, c0, scale, d);
    // Σ_i w_i min(best_i, |x_i − c|²): the potential if c were added. With `update`, best takes
    // the new minima (done once, for the winning candidate, so no per-candidate copy is kept).
    auto potential_of = [&](double const * c, bool update) {
        double potential = 0;
        if (d == 1 && weights.empty())
        {
            // The common one-column case, in a form the compiler vectorises.
            double const cv = c[0], inv = 1.0 / (scale[0] * scale[0]);
            double const * x = points.data();
            double * bst = best.data();
#pragma omp simd reduction(+ : potential)
            for (std::size_t i = 0; i < n; ++i)
            {
                double const t = x[i] - cv;
                double const dd = t * t * inv;
                double const b = dd < bst[i] ? dd : bst[i];
                if (update)
                    bst[i] = b;
                potential += b;
            }
            return potential;
        }
        for (std::size_t i = 0; i < n; ++i)
        {
            double const b = std::min(best[i], dist2(points.data() + i * d, c, scale, d));
            if (update)
                best[i] = b;
            potential += w(i) * b;
        }
        return potential;
    };
    while (chosen.size() < k)
    {
        // Cumulative weights once, then each candidate by binary search (O(log n) per draw).
        double total = 0;
        for (std::size_t i = 0; i < n; ++i)
        {
            total += w(i) * best[i];
            p[i] = total;
        }
        if (!(total > 0))
            break; // fewer distinct points than k: the caller checked, but never loop forever
        double winner_potential = std::numeric_limits<double>::infinity();
        std::size_t winner = 0;
        for (std::size_t t = 0; t < trials; ++t)
        {
            double const u = gen.uniform() * total;
            std::size_t cand = static_cast<std::size_t>(std::upper_bound(p.begin(), p.end(), u) - p.begin());
            if (cand >= n) // round-off at the top end
                cand = n - 1;
            while (cand > 0 && p[cand] == p[cand - 1]) // never a point at distance 0 (weight 0)
                --cand;
            double const potential = potential_of(points.data() + cand * d, false);
            if (potential < winner_potential)
            {
                winner_potential = potential;
                winner = cand;
            }
        }
        chosen.push_back(winner);
        (void)potential_of(points.data() + winner * d, true);
    }
    EMTK_ASSERT(chosen.size() == k, "kmeanspp found fewer distinct points than k");
    return chosen;
}

std::vector<std::uint32_t> nearest_centres(std::span<double const> points, std::size_t d,
                                           std::span<double const> centres, std::span<double const> scale)
{
    std::size_t const n = points.size() / d, k = centres.size() / d;
    std::vector<std::uint32_t> out(n);
    for (std::size_t i = 0; i < n; ++i)
    {
        double bestd = std::numeric_limits<double>::infinity();
        std::uint32_t bestk = 0;
        for (std::size_t c = 0; c < k; ++c)
        {
            double dd = dist2(points.data() + i * d, centres.data() + c * d, scale, d);
            if (dd < bestd)
            {
                bestd = dd;
                bestk = static_cast<std::uint32_t>(c);
            }
        }
        out[i] = bestk;
    }
    return out;
}

} // namespace emtk::mix::detail
