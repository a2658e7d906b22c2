#pragma once
/// \file
/// \brief Special functions for the negative binomial M-step (private to src/mix).
///
/// digamma(x) and trigamma(x) for x > 0: shift x upward by the recurrences
/// psi(x) = psi(x+1) - 1/x and psi1(x) = psi1(x+1) + 1/x^2 until x >= 10, then the asymptotic
/// (Stirling-type) series truncated after the x^-10 term for psi and the x^-9 term for psi1
/// (Abramowitz & Stegun 6.3.18 and 6.4.12). At x >= 10 the first omitted terms,
/// 691/(32760 x^12) <= 2.1e-14 and 5/(66 x^11) <= 7.6e-13, bound the truncation error; the
/// recurrence adds round-off of a few ulps per step. Tested against closed forms to 1e-12 in
/// test/unit/mix/special_test.cpp.

namespace emtk::mix::detail {

[[nodiscard]] double digamma(double x) noexcept;
[[nodiscard]] double trigamma(double x) noexcept;

} // namespace emtk::mix::detail
