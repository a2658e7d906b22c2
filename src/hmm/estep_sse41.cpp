// The float E-step kernel with two 4-float SSE registers per 8-node block (compiled with -msse4.1
// -ffp-contract=off, called only when the CPU has SSE4.1: estep_float.cpp's dispatch). See
// estep_float_kernel.hpp.
#include "estep_float_kernel.hpp"

#if defined(__SSE4_1__)
#include <smmintrin.h>

namespace emtk::hmm::float_detail {
namespace {

struct sse41_ops
{
    struct vec
    {
        __m128 lo, hi; // lanes 0-3, 4-7
    };
    static vec zero() { return {_mm_setzero_ps(), _mm_setzero_ps()}; }
    static vec splat(float v) { return {_mm_set1_ps(v), _mm_set1_ps(v)}; }
    static vec load(float const * p) { return {_mm_loadu_ps(p), _mm_loadu_ps(p + 4)}; }
    static void store(float * p, vec v)
    {
        _mm_storeu_ps(p, v.lo);
        _mm_storeu_ps(p + 4, v.hi);
    }
    static vec add(vec a, vec b) { return {_mm_add_ps(a.lo, b.lo), _mm_add_ps(a.hi, b.hi)}; }
    static vec mul(vec a, vec b) { return {_mm_mul_ps(a.lo, b.lo), _mm_mul_ps(a.hi, b.hi)}; }
    static vec max(vec a, vec b) { return {_mm_max_ps(a.lo, b.lo), _mm_max_ps(a.hi, b.hi)}; }
    static vec min(vec a, vec b) { return {_mm_min_ps(a.lo, b.lo), _mm_min_ps(a.hi, b.hi)}; }
    static __m128i i(__m128 v) { return _mm_castps_si128(v); }
    static __m128 f(__m128i v) { return _mm_castsi128_ps(v); }
    /// Lane j ← lane j−n, zeros in.
    template <int n>
    static vec up(vec v)
    {
        if constexpr (n == 4)
            return {_mm_setzero_ps(), v.lo};
        else
            return {f(_mm_slli_si128(i(v.lo), 4 * n)), f(_mm_alignr_epi8(i(v.hi), i(v.lo), 16 - 4 * n))};
    }
    /// Lane j ← lane j+n, zeros in.
    template <int n>
    static vec down(vec v)
    {
        if constexpr (n == 4)
            return {v.hi, _mm_setzero_ps()};
        else
            return {f(_mm_alignr_epi8(i(v.hi), i(v.lo), 4 * n)), f(_mm_srli_si128(i(v.hi), 4 * n))};
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
        return {f(_mm_alignr_epi8(i(v.lo), i(prev.hi), 12)), f(_mm_alignr_epi8(i(v.hi), i(v.lo), 12))};
    }
    /// Lane j ← lane j+1 of v, lane 7 ← lane 0 of next.
    static vec down1_from(vec v, vec next)
    {
        return {f(_mm_alignr_epi8(i(v.hi), i(v.lo), 4)), f(_mm_alignr_epi8(i(next.lo), i(v.hi), 4))};
    }
    static vec last(vec v)
    {
        __m128 const b = _mm_shuffle_ps(v.hi, v.hi, 0xff);
        return {b, b};
    }
    static vec first(vec v)
    {
        __m128 const b = _mm_shuffle_ps(v.lo, v.lo, 0x00);
        return {b, b};
    }
    /// ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7)): the fixed tree of every level.
    static float hsum(vec v) { return hsum4(_mm_add_ps(v.lo, v.hi)); }
    static float hmax(vec v) { return hmax4(_mm_max_ps(v.lo, v.hi)); }
};

} // namespace

void estep_sse41(args & a) { estep<sse41_ops>(a); }

} // namespace emtk::hmm::float_detail

#else // not an x86-64 build: never dispatched to (simd_supported() is scalar)

namespace emtk::hmm::float_detail {
void estep_sse41(args &) {}
} // namespace emtk::hmm::float_detail

#endif
