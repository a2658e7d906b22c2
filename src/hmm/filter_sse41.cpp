// The striped MSV and Viterbi filter kernels with 16-byte SSE4.1 vectors (compiled with -msse4.1,
// called only when the CPU has SSE4.1: filter.cpp's dispatch). See filter_kernels.hpp.
#include "filter_kernels.hpp"

#if defined(__SSE4_1__)
#include <smmintrin.h>

namespace emtk::hmm::filter_detail {
namespace {

struct sse41_ops
{
    using vec = __m128i;
    static constexpr int bytes = 16;
    static constexpr int words = 8;
    static vec zero() { return _mm_setzero_si128(); }
    static vec load(void const * p) { return _mm_loadu_si128(static_cast<vec const *>(p)); }
    static void store(void * p, vec v) { _mm_storeu_si128(static_cast<vec *>(p), v); }
    static vec splat8(int v) { return _mm_set1_epi8(static_cast<char>(v)); }
    static vec splat16(int v) { return _mm_set1_epi16(static_cast<short>(v)); }
    static vec max8(vec a, vec b) { return _mm_max_epu8(a, b); }
    static vec adds8(vec a, vec b) { return _mm_adds_epu8(a, b); }
    static vec subs8(vec a, vec b) { return _mm_subs_epu8(a, b); }
    static vec max16(vec a, vec b) { return _mm_max_epi16(a, b); }
    static vec adds16(vec a, vec b) { return _mm_adds_epi16(a, b); }
    /// Lane z ← lane z−1, lane 0 ← 0.
    static vec shift8(vec v) { return _mm_slli_si128(v, 1); }
    /// Lane z ← lane z−1, lane 0 ← −32768.
    static vec shift16(vec v) { return _mm_insert_epi16(_mm_slli_si128(v, 2), -32768, 0); }
    static int hmax8(vec v)
    {
        v = _mm_max_epu8(v, _mm_srli_si128(v, 8));
        v = _mm_max_epu8(v, _mm_srli_si128(v, 4));
        v = _mm_max_epu8(v, _mm_srli_si128(v, 2));
        v = _mm_max_epu8(v, _mm_srli_si128(v, 1));
        return _mm_extract_epi8(v, 0);
    }
    static int hmax16(vec v)
    {
        v = _mm_max_epi16(v, _mm_srli_si128(v, 8));
        v = _mm_max_epi16(v, _mm_srli_si128(v, 4));
        v = _mm_max_epi16(v, _mm_srli_si128(v, 2));
        return static_cast<std::int16_t>(_mm_extract_epi16(v, 0));
    }
    /// Some lane with a ≥ t (unsigned bytes).
    static bool any_ge8(vec a, vec t) { return _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(a, t), a)) != 0; }
    /// Signed bytes: saturating add, maximum, lane shift with −128 in, some lane > t, and the
    /// signed order mapped onto the unsigned one (x + 128).
    static vec sadds8(vec a, vec b) { return _mm_adds_epi8(a, b); }
    static vec smax8(vec a, vec b) { return _mm_max_epi8(a, b); }
    static vec shift8_floor(vec v) { return _mm_or_si128(_mm_slli_si128(v, 1), _mm_cvtsi32_si128(0x80)); }
    static bool any_gt8s(vec a, vec t) { return _mm_movemask_epi8(_mm_cmpgt_epi8(a, t)) != 0; }
    static vec flip8(vec v) { return _mm_xor_si128(v, _mm_set1_epi8(static_cast<char>(0x80))); }
    static bool any_gt16(vec a, vec b) { return _mm_movemask_epi8(_mm_cmpgt_epi16(a, b)) != 0; }
};

} // namespace

int msv_sse41(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch)
{
    return msv_with_ssv<sse41_ops>(a, x, L, scratch);
}

void ssv_rows_sse41(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch, int threshold,
                   std::uint8_t * flags)
{
    ssv_rows_striped<sse41_ops>(a, x, L, scratch, threshold, flags);
}

int vit_sse41(vit_args const & a, std::uint8_t const * x, std::size_t L, std::int16_t * scratch)
{
    return vit_striped<sse41_ops>(a, x, L, scratch);
}

} // namespace emtk::hmm::filter_detail

#else // not an x86-64 build: never dispatched to (simd_supported() is scalar)

namespace emtk::hmm::filter_detail {
int msv_sse41(msv_args const &, std::uint8_t const *, std::size_t, std::uint8_t *) { return -1; }
int vit_sse41(vit_args const &, std::uint8_t const *, std::size_t, std::int16_t *) { return word_max + 1; }
void ssv_rows_sse41(msv_args const &, std::uint8_t const *, std::size_t, std::uint8_t *, int, std::uint8_t *) {}
} // namespace emtk::hmm::filter_detail

#endif
