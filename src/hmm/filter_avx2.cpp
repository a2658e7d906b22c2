// The striped MSV and Viterbi filter kernels with 32-byte AVX2 vectors (compiled with -mavx2,
// called only when the CPU has AVX2: filter.cpp's dispatch). See filter_kernels.hpp.
#include "filter_kernels.hpp"

#if defined(__AVX2__)
#include <immintrin.h>

namespace emtk::hmm::filter_detail {
namespace {

struct avx2_ops
{
    using vec = __m256i;
    static constexpr int bytes = 32;
    static constexpr int words = 16;
    static vec zero() { return _mm256_setzero_si256(); }
    static vec load(void const * p) { return _mm256_loadu_si256(static_cast<vec const *>(p)); }
    static void store(void * p, vec v) { _mm256_storeu_si256(static_cast<vec *>(p), v); }
    static vec splat8(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }
    static vec splat16(int v) { return _mm256_set1_epi16(static_cast<short>(v)); }
    static vec max8(vec a, vec b) { return _mm256_max_epu8(a, b); }
    static vec adds8(vec a, vec b) { return _mm256_adds_epu8(a, b); }
    static vec subs8(vec a, vec b) { return _mm256_subs_epu8(a, b); }
    static vec max16(vec a, vec b) { return _mm256_max_epi16(a, b); }
    static vec adds16(vec a, vec b) { return _mm256_adds_epi16(a, b); }
    /// The whole register shifted up by n bytes (n = 1 or 2), zeros in: each 128-bit half is
    /// aligned against the half below it (the low half against zero).
    template <int n>
    static vec shift_bytes(vec v)
    {
        vec const below = _mm256_permute2x128_si256(v, v, 0x08); // [0, low half of v]
        return _mm256_alignr_epi8(v, below, 16 - n);
    }
    /// Lane z ← lane z−1, lane 0 ← 0.
    static vec shift8(vec v) { return shift_bytes<1>(v); }
    /// Lane z ← lane z−1, lane 0 ← −32768.
    static vec shift16(vec v) { return _mm256_insert_epi16(shift_bytes<2>(v), -32768, 0); }
    static int hmax8(vec v)
    {
        __m128i h = _mm_max_epu8(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        h = _mm_max_epu8(h, _mm_srli_si128(h, 8));
        h = _mm_max_epu8(h, _mm_srli_si128(h, 4));
        h = _mm_max_epu8(h, _mm_srli_si128(h, 2));
        h = _mm_max_epu8(h, _mm_srli_si128(h, 1));
        return _mm_extract_epi8(h, 0);
    }
    static int hmax16(vec v)
    {
        __m128i h = _mm_max_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        h = _mm_max_epi16(h, _mm_srli_si128(h, 8));
        h = _mm_max_epi16(h, _mm_srli_si128(h, 4));
        h = _mm_max_epi16(h, _mm_srli_si128(h, 2));
        return static_cast<std::int16_t>(_mm_extract_epi16(h, 0));
    }
    /// Some lane with a ≥ t (unsigned bytes).
    static bool any_ge8(vec a, vec t) { return _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(a, t), a)) != 0; }
    /// Signed bytes: saturating add, maximum, lane shift with −128 in, some lane > t, and the
    /// signed order mapped onto the unsigned one (x + 128).
    static vec sadds8(vec a, vec b) { return _mm256_adds_epi8(a, b); }
    static vec smax8(vec a, vec b) { return _mm256_max_epi8(a, b); }
    static vec shift8_floor(vec v) { return _mm256_or_si256(shift8(v), _mm256_set_epi64x(0, 0, 0, 0x80)); }
    static bool any_gt8s(vec a, vec t) { return _mm256_movemask_epi8(_mm256_cmpgt_epi8(a, t)) != 0; }
    static vec flip8(vec v) { return _mm256_xor_si256(v, _mm256_set1_epi8(static_cast<char>(0x80))); }
    static bool any_gt16(vec a, vec b) { return _mm256_movemask_epi8(_mm256_cmpgt_epi16(a, b)) != 0; }
};

} // namespace

int msv_avx2(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch)
{
    return msv_with_ssv<avx2_ops>(a, x, L, scratch);
}

void ssv_rows_avx2(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch, int threshold,
                   std::uint8_t * flags)
{
    ssv_rows_striped<avx2_ops>(a, x, L, scratch, threshold, flags);
}

int vit_avx2(vit_args const & a, std::uint8_t const * x, std::size_t L, std::int16_t * scratch)
{
    return vit_striped<avx2_ops>(a, x, L, scratch);
}

} // namespace emtk::hmm::filter_detail

#else // not an x86-64 build: never dispatched to (simd_supported() is scalar)

namespace emtk::hmm::filter_detail {
int msv_avx2(msv_args const &, std::uint8_t const *, std::size_t, std::uint8_t *) { return -1; }
int vit_avx2(vit_args const &, std::uint8_t const *, std::size_t, std::int16_t *) { return word_max + 1; }
void ssv_rows_avx2(msv_args const &, std::uint8_t const *, std::size_t, std::uint8_t *, int, std::uint8_t *) {}
} // namespace emtk::hmm::filter_detail

#endif
