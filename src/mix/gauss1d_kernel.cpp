#include "gauss1d_kernel.hpp"
#include "simd_math.hpp"

#include <emtk/mix/mixture.hpp>

namespace emtk::mix::detail {

namespace {

constexpr std::size_t block = 64; // values per block: K×64 doubles of scratch on the stack

} // namespace

double exp_poly_checked(double x) noexcept { return exp_poly(x); }
double log_poly_checked(double x) noexcept { return log_poly(x); }

EMTK_SIMD_CLONES
double gauss1d_estep(double const * x, std::size_t n, int k, double const * lnorm, double const * mu,
                     double const * ivar, double * stats, double * resp) noexcept
{
    alignas(64) double lp[max_components * block];
    alignas(64) double mx[block];
    alignas(64) double sum[block];
    double ll = 0.0;
    std::size_t const kk = static_cast<std::size_t>(k);
    for (std::size_t b0 = 0; b0 < n; b0 += block)
    {
        std::size_t const nb = (n - b0 < block) ? n - b0 : block;
        double const * xb = x + b0;
        for (std::size_t c = 0; c < kk; ++c)
        {
            double const ln = lnorm[c], m = mu[c], h = 0.5 * ivar[c];
            double * l = lp + c * block;
#pragma omp simd
            for (std::size_t i = 0; i < nb; ++i)
            {
                double const t = xb[i] - m;
                l[i] = ln - h * t * t;
            }
        }
        double const block_ll = block_log_sum_exp(lp, kk, block, nb, mx, sum);
        ll += block_ll;
        for (std::size_t c = 0; c < kk; ++c)
        {
            double * l = lp + c * block;
            double s0 = 0, s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s0, s1, s2)
            for (std::size_t i = 0; i < nb; ++i)
            {
                double const r = l[i] * sum[i];
                l[i] = r;
                s0 += r;
                s1 += r * xb[i];
                s2 += r * xb[i] * xb[i];
            }
            if (stats != nullptr)
            {
                stats[3 * c] += s0;
                stats[3 * c + 1] += s1;
                stats[3 * c + 2] += s2;
            }
            if (resp != nullptr)
                for (std::size_t i = 0; i < nb; ++i)
                    resp[(b0 + i) * kk + c] = l[i];
        }
    }
    return ll;
}

} // namespace emtk::mix::detail
