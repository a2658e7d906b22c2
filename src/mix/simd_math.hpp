#pragma once
/// \file
/// \brief exp and log as inline polynomial kernels that the compiler vectorises, and the
/// function-multiversioning attribute of the SIMD E-step kernels (private to src/mix; used by
/// gauss1d_kernel.cpp and gaussian_missing.cpp). Accuracy is tested in
/// test/unit/mix/gauss1d_kernel_test.cpp.

#include <bit>
#include <cstddef>
#include <cstdint>

/// On x86-64 a kernel so marked is compiled for AVX-512, AVX2+FMA and baseline SSE2 and the loader
/// picks the best the CPU has (GCC target_clones): results are identical for any thread count on
/// one machine and may differ in the last bits between CPU families (as libm's own exp does).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define EMTK_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define EMTK_SIMD_CLONES
#endif

namespace emtk::mix::detail {

/// e^x = 2^n · e^r, n = round(x / ln 2), r = x − n ln 2 with ln 2 split in a high part (exact
/// products n·ln2_hi) and a low part (Cody & Waite 1980), |r| <= ln(2)/2; e^r by its degree-12
/// Taylor polynomial: truncation < (ln2/2)^13/13! < 1.5e-16 relative; total error a few ulps.
/// Below −708 the result is 0 (e^−708 ≈ 3e−308: the loss is below 1e−307 absolute); above 709
/// the argument is clamped (the E-step only passes values <= 0).
inline double exp_poly(double x) noexcept
{
    constexpr double log2e = 1.4426950408889634074;
    constexpr double ln2_hi = 6.93145751953125e-1;       // 12 significant bits
    constexpr double ln2_lo = 1.42860682030941723212e-6; // ln 2 − ln2_hi
    constexpr double shifter = 6755399441055744.0;       // 1.5·2^52: adding it rounds to an integer
    double const xc = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
    double const t = xc * log2e + shifter;
    double const n = t - shifter;
    double const r = (xc - n * ln2_hi) - n * ln2_lo;
    double p = 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2^n: n sits in the low mantissa bits of t; (n + 1023) << 52 is the exponent field.
    std::uint64_t const bits = (std::bit_cast<std::uint64_t>(t) + 1023) << 52;
    return x < -708.0 ? 0.0 : p * std::bit_cast<double>(bits);
}

/// log x = e·ln 2 + log m, x = m·2^e with m in [√½, √2); log m = 2 atanh(s), s = (m−1)/(m+1),
/// |s| <= 0.1716, by its odd series up to s^19: truncation < 0.1716^21/21 < 5e-18 absolute;
/// ln 2 split so e·ln2_hi is exact (fdlibm's constants). Total error a few ulps. Normal x > 0 only.
inline double log_poly(double x) noexcept
{
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    constexpr double two52 = 4503599627370496.0;
    std::uint64_t const bits = std::bit_cast<std::uint64_t>(x);
    // The biased exponent as a double, via the 2^52 trick (no int64 → double conversion).
    double const e_biased = std::bit_cast<double>((bits >> 52) | 0x4330000000000000ULL) - two52;
    double m = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);
    bool const big = m > 1.4142135623730951;
    m = big ? m * 0.5 : m;
    double const e = (big ? e_biased + 1.0 : e_biased) - 1023.0;
    double const f = m - 1.0;
    double const s = f / (2.0 + f);
    double const s2 = s * s;
    double p = 1.0 / 19;
    p = p * s2 + 1.0 / 17;
    p = p * s2 + 1.0 / 15;
    p = p * s2 + 1.0 / 13;
    p = p * s2 + 1.0 / 11;
    p = p * s2 + 1.0 / 9;
    p = p * s2 + 1.0 / 7;
    p = p * s2 + 1.0 / 5;
    p = p * s2 + 1.0 / 3;
    p = p * s2 + 1.0;
    return e * ln2_hi + (e * ln2_lo + 2.0 * s * p);
}

/// The log-sum-exp step of a block E-step: lp holds K rows of `stride` log-joints (nb used per
/// row). Replaces lp[k][j] by e^{lp[k][j] − m_j} (m_j = max_k), sets inv[j] = 1 / Σ_k of those
/// (the caller multiplies to get posteriors) and returns Σ_j (m_j + log Σ_k e^{lp[k][j] − m_j}).
/// mx and inv hold nb values each. Inlined into the SIMD kernels, which it is written for.
inline double block_log_sum_exp(double * lp, std::size_t kk, std::size_t stride, std::size_t nb, double * mx,
                                double * inv) noexcept
{
#pragma omp simd
    for (std::size_t j = 0; j < nb; ++j)
        mx[j] = lp[j];
    for (std::size_t k = 1; k < kk; ++k)
    {
        double const * l = lp + k * stride;
#pragma omp simd
        for (std::size_t j = 0; j < nb; ++j)
            mx[j] = l[j] > mx[j] ? l[j] : mx[j];
    }
#pragma omp simd
    for (std::size_t j = 0; j < nb; ++j)
        inv[j] = 0.0;
    for (std::size_t k = 0; k < kk; ++k)
    {
        double * l = lp + k * stride;
#pragma omp simd
        for (std::size_t j = 0; j < nb; ++j)
        {
            double const e = exp_poly(l[j] - mx[j]);
            l[j] = e;
            inv[j] += e;
        }
    }
    double ll = 0.0;
#pragma omp simd reduction(+ : ll)
    for (std::size_t j = 0; j < nb; ++j)
    {
        ll += mx[j] + log_poly(inv[j]);
        inv[j] = 1.0 / inv[j];
    }
    return ll;
}

} // namespace emtk::mix::detail
