#pragma once
/// \file
/// \brief Log-space arithmetic shared by every model.
///
/// Probabilities are carried as natural logarithms; log(0) is -infinity. Two ways to add them:
///
/// * log_add(a, b) and log_sum_exp(xs) are exact up to double round-off: max + log1p(exp(-|a-b|)).
///   Cost: one exp and one log1p (~20-40 ns).
///
/// * fast_log_add(a, b) replaces log1p(exp(-d)), d = |a-b| >= 0, by linear interpolation in a table
///   of f(d) = log(1 + e^-d) sampled every h = 1/256 on [0, 16) (4096 entries, 32 kB). Error
///   bound: linear interpolation errs by at most h^2/8 * max|f''|, and f''(d) = e^-d/(1+e^-d)^2
///   <= 1/4, so |error| <= (1/256)^2 / 32 = 4.8e-7 nats inside the table; for d >= 16 the
///   function returns max(a,b), dropping f(d) <= e^-16 = 1.1e-7. Hence
///   |fast_log_add(a,b) - log_add(a,b)| <= 5e-7 nats for all finite inputs (tested in
///   test/unit/em/logspace_test.cpp). This is the same idea as HMMER's p7_FLogsum (which uses a
///   1/1000-step table without interpolation, error ~1e-3 bits); an error of 5e-7 nats per addition
///   is far below the EM tolerances, but a sum of N terms can accumulate up to N times it, so exact
///   log_add is used wherever a monotone objective is checked to round-off.

#include <cmath>
#include <limits>
#include <span>

namespace emtk::em {

inline constexpr double log_zero = -std::numeric_limits<double>::infinity();

/// \brief log(e^a + e^b), exact to round-off; handles -inf.
[[nodiscard]] inline double log_add(double a, double b) noexcept
{
    if (a < b)
        std::swap(a, b);
    if (b == log_zero)
        return a;
    return a + std::log1p(std::exp(b - a));
}

/// \brief log(sum_i e^{x_i}), exact to round-off (max-shifted); -inf for an empty or all -inf input.
[[nodiscard]] double log_sum_exp(std::span<double const> xs) noexcept;

/// \brief Same as log_sum_exp, and overwrites xs[i] by the normalised probabilities e^{x_i - lse}
/// (posterior responsibilities in one pass). Returns the log of the sum.
double log_normalize(std::span<double> xs) noexcept;

namespace detail {
inline constexpr double fast_log_add_step = 1.0 / 256.0;
inline constexpr int fast_log_add_size = 4096; // covers d in [0, 16)
extern double fast_log_add_table[fast_log_add_size + 1];
} // namespace detail

/// \brief log(e^a + e^b) with |error| <= 5e-7 nats (see the file comment); handles -inf.
[[nodiscard]] inline double fast_log_add(double a, double b) noexcept
{
    if (a < b)
        std::swap(a, b);
    double const d = a - b; // >= 0, or NaN/inf when b = -inf
    if (!(d < 16.0))
        return a;
    double const x = d * (1.0 / detail::fast_log_add_step);
    int const i = static_cast<int>(x);
    double const frac = x - i;
    double const * t = detail::fast_log_add_table;
    return a + t[i] + frac * (t[i + 1] - t[i]);
}

} // namespace emtk::em
