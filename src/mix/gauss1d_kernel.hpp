#pragma once
/// \file
/// \brief The E-step of a univariate Gaussian mixture over an array of values, vectorised
/// (private to src/mix). This is the hot loop of `emtk mix` on one column.
///
/// Per value x and component k: lp_k = lnorm_k − ½ ivar_k (x − μ_k)², m = max_k lp_k,
/// r_k = e^{lp_k − m} / Σ_j e^{lp_j − m}, log-likelihood m + log Σ_j e^{lp_j − m}. Values are
/// processed in blocks so the compiler turns every loop into SIMD code; exp and log are
/// exp_poly/log_poly below (polynomial kernels, relative error < 5e-16 and < 3e-16, i.e. a few
/// ulps, tested against libm in test/unit/mix/gauss1d_kernel_test.cpp). On x86-64 the function
/// is compiled for AVX-512, AVX2+FMA and baseline SSE2 and the loader picks the best the CPU has
/// (GCC target_clones); results are identical for any thread count on one machine, and may
/// differ in the last bits between CPU families (as libm's own exp does).

#include <cstddef>

namespace emtk::mix::detail {

/// \brief E-step over x[0..n): adds Σ r_k, Σ r_k x, Σ r_k x² to stats[3k], stats[3k+1],
/// stats[3k+2] (if stats is not null), writes r_k to resp[i·k + k] (if resp is not null), and
/// returns Σ_i log Σ_k e^{lp_k}. k <= max_components.
double gauss1d_estep(double const * x, std::size_t n, int k, double const * lnorm, double const * mu,
                     double const * ivar, double * stats, double * resp) noexcept;

/// e^x with relative error < 5e-16 for x in [−708, 709]; 0 below −708 (exposed for tests).
double exp_poly_checked(double x) noexcept;
/// log x with relative error < 3e-16 for normal positive x (exposed for tests).
double log_poly_checked(double x) noexcept;

} // namespace emtk::mix::detail
