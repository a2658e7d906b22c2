#include <emtk/em/logspace.hpp>

#include <algorithm>


namespace emtk::em {

double log_sum_exp(std::span<double const> xs) noexcept
{
    if (xs.empty())
        return log_zero;
    double m = *std::max_element(xs.begin(), xs.end());
    if (m == log_zero || !std::isfinite(m))
        return m;
    double s = 0;
    for (double x : xs)
        s += std::exp(x - m);
    return m + std::log(s);
}

double log_normalize(std::span<double> xs) noexcept
{
    if (xs.empty())
        return log_zero;
    double m = *std::max_element(xs.begin(), xs.end());
    if (m == log_zero || !std::isfinite(m))
    {
        // Nothing to normalise: all zero probability (or inf/NaN): leave a uniform vector.
        for (double & x : xs)
            x = 1.0 / static_cast<double>(xs.size());
        return m;
    }
    double s = 0;
    for (double & x : xs)
    {
        x = std::exp(x - m);
        s += x;
    }
    double inv = 1.0 / s;
    for (double & x : xs)
        x *= inv;
    return m + std::log(s);
}

namespace detail {
double fast_log_add_table[fast_log_add_size + 1];
namespace {
// Filled once at static-initialisation time; nothing in emtk adds log-probabilities before main().
[[maybe_unused]] int const table_filled = [] {
    for (int i = 0; i <= fast_log_add_size; ++i)
        fast_log_add_table[i] = std::log1p(std::exp(-i * fast_log_add_step));
    return 1;
}();
} // namespace
} // namespace detail
} // namespace emtk::em
