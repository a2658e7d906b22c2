#pragma once
/// \file
/// \brief The log-densities of the component families (mix::family), written out once: used by
/// the mixtures of emtk::mix (count_models.cpp) and by the copy-number states of emtk::cov
/// (cn_model.cpp).
///
/// Each function adds its terms to `lead` from left to right (lead + t1 − t2 …), so a caller that
/// needs log w_k + log f_k(x) passes log w_k as `lead` and gets the same rounding as the sum
/// written out in one expression. `lfact_x` = lgamma(x + 1), which callers precompute per distinct
/// value. Counts x are non-negative integers (held as doubles); the term x · log μ is taken as 0
/// at x = 0 (also when μ = 0, where 0 · log 0 would be NaN).

#include <cmath>
#include <numbers>

namespace emtk::mix {

/// \brief lead + log Poisson(x; μ) = lead + x log μ − μ − log x!.
[[nodiscard]] inline double poisson_log_density(double x, double lfact_x, double mu, double lead = 0) noexcept
{
    return lead + (x > 0 ? x * std::log(mu) : 0.0) - mu - lfact_x;
}

/// \brief lead + log NB(x; mean μ, size r) = lead + log Γ(x + r) − log Γ(r) − log x!
/// + r (log r − log(r + μ)) + x (log μ − log(r + μ)); variance μ + μ²/r.
[[nodiscard]] inline double negbin_log_density(double x, double lfact_x, double mu, double r, double lead = 0) noexcept
{
    double const l = std::log(r + mu);
    return lead + std::lgamma(x + r) - std::lgamma(r) - lfact_x + r * (std::log(r) - l) +
           (x > 0 ? x * (std::log(mu) - l) : 0.0);
}

/// \brief negbin_log_density() split for many means μ at one (x, r), as the E-step of a tied
/// mixture needs: the part without μ, log Γ(x + r) − log Γ(r) − log x! + r log r, computed once…
[[nodiscard]] inline double negbin_log_density_base(double x, double lfact_x, double r) noexcept
{
    return std::lgamma(x + r) - std::lgamma(r) - lfact_x + r * std::log(r);
}
/// \brief … then per μ: base − r log(r + μ) + x (log μ − log(r + μ)). Equal to
/// negbin_log_density() up to round-off (r log r − r log(r + μ) is two products instead of one).
[[nodiscard]] inline double negbin_log_density_from_base(double base, double x, double mu, double r) noexcept
{
    double const l = std::log(r + mu);
    return base - r * l + (x > 0 ? x * (std::log(mu) - l) : 0.0);
}

/// \brief log N(x; mean, var) = −(log(2π var) + (x − mean)² / var) / 2.
[[nodiscard]] inline double normal_log_density(double x, double mean, double var) noexcept
{
    double const d = x - mean;
    return -0.5 * (std::log(2 * std::numbers::pi * var) + d * d / var);
}

} // namespace emtk::mix
