// The float E-step kernel with one 8-float AVX2 register per block (compiled with -mavx2
// -ffp-contract=off, called only when the CPU has AVX2: estep_float.cpp's dispatch). See
// estep_float_kernel.hpp.
#include "estep_float_kernel.hpp"

#if defined(__AVX2__)
#include <immintrin.h>

namespace emtk::hmm::float_detail {
namespace {

struct avx2_ops
{
    using vec = __m256;
    static vec zero() { return _mm256_setzero_ps(); }
    static vec splat(float v) { return _mm256_set1_ps(v); }
    static vec load(float const * p) { return _mm256_loadu_ps(p); }
    static void store(float * p, vec v) { _mm256_storeu_ps(p, v); }
    static vec add(vec a, vec b) { return _mm256_add_ps(a, b); }
    static vec mul(vec a, vec b) { return _mm256_mul_ps(a, b); }
    static vec max(vec a, vec b) { return _mm256_max_ps(a, b); }
    static vec min(vec a, vec b) { return _mm256_min_ps(a, b); }
    /// Lane j ← lane j−n, zeros in (each 128-bit half aligned against the half below it).
    template <int n>
    static vec up(vec v)
    {
        __m256i const x = _mm256_castps_si256(v);
        __m256i const below = _mm256_permute2x128_si256(x, x, 0x08); // [0, low half]
        if constexpr (n == 4)
            return _mm256_castsi256_ps(below);
        else
            return _mm256_castsi256_ps(_mm256_alignr_epi8(x, below, 16 - 4 * n));
    }
    /// Lane j ← lane j+n, zeros in.
    template <int n>
    static vec down(vec v)
    {
        __m256i const x = _mm256_castps_si256(v);
        __m256i const above = _mm256_permute2x128_si256(x, x, 0x81); // [high half, 0]
        if constexpr (n == 4)
            return _mm256_castsi256_ps(above);
        else
            return _mm256_castsi256_ps(_mm256_alignr_epi8(above, x, 4 * n));
    }
    static vec up1(vec v) { return up<1>(v); }
    static vec up2(vec v) { return up<2>(v); }
    static vec up4(vec v) { return up<4>(v); }
    static vec down1(vec v) { return down<1>(v); }
    static vec down2(vec v) { return down<2>(v); }
    static vec down4(vec v) { return down<4>(v); }
    /// Lane j ← lane j−1 of v, lane 0 ← lane 7 of prev.
    static vec up1_from(vec v, vec prev)
    {
        __m256i const idx = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
        return _mm256_blend_ps(_mm256_permutevar8x32_ps(v, idx), _mm256_permutevar8x32_ps(prev, idx), 0x01);
    }
    /// Lane j ← lane j+1 of v, lane 7 ← lane 0 of next.
    static vec down1_from(vec v, vec next)
    {
        __m256i const idx = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0);
        return _mm256_blend_ps(_mm256_permutevar8x32_ps(v, idx), _mm256_permutevar8x32_ps(next, idx), 0x80);
    }
    static vec last(vec v) { return _mm256_permutevar8x32_ps(v, _mm256_set1_epi32(7)); }
    static vec first(vec v) { return _mm256_permutevar8x32_ps(v, _mm256_setzero_si256()); }
    /// ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7)): the fixed tree of every level.
    static float hsum(vec v) { return hsum4(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1))); }
    static float hmax(vec v) { return hmax4(_mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1))); }
};

} // namespace

void estep_avx2(args & a) { estep<avx2_ops>(a); }

} // namespace emtk::hmm::float_detail

#else // not an x86-64 build: never dispatched to (simd_supported() is scalar)

namespace emtk::hmm::float_detail {
void estep_avx2(args &) {}
} // namespace emtk::hmm::float_detail

#endif
