#pragma once
// Private to src/hmm: the filter kernels' arguments and the striped kernels as templates over a
// vector-operations type V, instantiated once per instruction set in filter_sse41.cpp and
// filter_avx2.cpp (each compiled with its -m flag). See include/emtk/hmm/filter.hpp for the
// arithmetic. This header uses no standard-library function templates on purpose: a TU compiled
// with -mavx2 must not emit weak (COMDAT) copies of std functions that the linker could pick for
// code running on a CPU without AVX2. Everything here has internal linkage.
//
// Striped layout (Farrar 2007): with W lanes per vector and Q = max(2, ceil(M/W)) vectors per row,
// node k (1-based) lives in vector q = (k−1) mod Q, lane z = (k−1) div Q. Node k−1 of the previous
// row is then in the same lane of vector q−1, or for q = 0 in lane z−1 of vector Q−1 (a one-lane
// shift). Lanes past M hold −∞ scores (byte cost 255, word −32768).

#include <cstddef>
#include <cstdint>

namespace emtk::hmm::filter_detail {

/// MSV byte profile and constants for one target length.
struct msv_args
{
    std::uint8_t const * cost = nullptr; ///< striped costs: [code][q][lane], Q·W bytes per code
    std::int8_t const * delta = nullptr; ///< the same layout: bias − cost clamped to [−128, 127] (signed SSV)
    int Q = 0;                           ///< vectors per row
    int bias = 0, tbm = 0, tec = 0, tjb = 0, base = 190;
};

/// Viterbi word profile and constants for one target length.
struct vit_args
{
    std::int16_t const * msc = nullptr; ///< striped match scores: [code][q][lane]
    std::int16_t const * tsc = nullptr; ///< striped transitions: [q][7][lane]: BM, MM, IM, DM (into k), MD, MI, II (from k)
    std::int16_t const * tdd = nullptr; ///< striped D_k → D_{k+1}: [q][lane]
    int Q = 0;
    int tmove = 0, tloop_e = 0; ///< N/J → B (length model) and E → C = E → J
    int base = 12000;
};

/// Transition slots of vit_args::tsc.
enum vit_slot : int
{
    vs_bm = 0,
    vs_mm,
    vs_im,
    vs_dm,
    vs_md,
    vs_mi,
    vs_ii,
    vit_slots
};

inline constexpr int word_neg_inf = -32768;
inline constexpr int word_max = 32767;

// Kernels per level (defined in filter_sse41.cpp / filter_avx2.cpp). MSV returns the final xJ in
// byte units, or −1 on overflow; Viterbi returns the final xC in word units, or word_max + 1 on
// overflow. `scratch` holds at least Q·W bytes (MSV) or 3·Q·W words (Viterbi).
// MSV runs the single-segment SSV kernel first (below) and the full MSV only when needed.
int msv_sse41(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch);
int msv_avx2(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch);
// DNA (nhmmer's SSV windows): marks flags[i] = 1 for every row i whose best cell of the constant-B
// single-segment recursion (ssv_striped) reaches `threshold` (bytes).
void ssv_rows_sse41(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch, int threshold,
                    std::uint8_t * flags);
void ssv_rows_avx2(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch, int threshold,
                   std::uint8_t * flags);
int vit_sse41(vit_args const & a, std::uint8_t const * x, std::size_t L, std::int16_t * scratch);
int vit_avx2(vit_args const & a, std::uint8_t const * x, std::size_t L, std::int16_t * scratch);

namespace {

inline int imax(int a, int b) { return a > b ? a : b; }
inline int sat_u8(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }
inline int sat_i16(int v) { return v < word_neg_inf ? word_neg_inf : (v > word_max ? word_max : v); }

/// Zeroes the Q byte vectors of an MSV row.
template <class V>
void msv_clear(std::uint8_t * dp, int Q)
{
    for (int q = 0; q < Q; ++q)
        V::store(dp + q * V::bytes, V::zero());
}

/// One row of the MSV cell recursion, in place in dp: M(i,k) = max(M(i−1,k−1), B − tBM) ⊕ bias ⊖
/// cost(k, x_i), with xBv = B − tBM splatted; returns the lane-wise maximum of the new cells.
template <class V>
typename V::vec msv_row(std::uint8_t const * rsc, std::uint8_t * dp, int Q, typename V::vec xBv, typename V::vec biasv)
{
    using vec = typename V::vec;
    constexpr int W = V::bytes;
    vec mpv = V::shift8(V::load(dp + (Q - 1) * W));
    vec rowv = V::zero();
    for (int q = 0; q < Q; ++q)
    {
        vec sv = V::max8(mpv, xBv);
        sv = V::adds8(sv, biasv);
        sv = V::subs8(sv, V::load(rsc + q * W));
        rowv = V::max8(rowv, sv);
        mpv = V::load(dp + q * W);
        V::store(dp + q * W, sv);
    }
    return rowv;
}

/// The striped MSV kernel (see msv_args; the scalar reference is filter.cpp's msv_serial).
template <class V>
int msv_striped(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * dp)
{
    constexpr int W = V::bytes;
    int const Q = a.Q;
    msv_clear<V>(dp, Q);
    auto const biasv = V::splat8(a.bias);
    auto const tbmv = V::splat8(a.tbm);
    int const overflow_at = 255 - a.bias;
    int xJ = 0;
    int xB = sat_u8(a.base - a.tjb);
    for (std::size_t i = 0; i < L; ++i)
    {
        std::uint8_t const * rsc = a.cost + static_cast<std::size_t>(x[i]) * static_cast<std::size_t>(Q * W);
        int const xE = V::hmax8(msv_row<V>(rsc, dp, Q, V::subs8(V::splat8(xB), tbmv), biasv));
        if (xE >= overflow_at)
            return -1;
        xJ = imax(xJ, sat_u8(xE - a.tec));
        xB = sat_u8(imax(a.base, xJ) - a.tjb);
    }
    return xJ;
}

/// The single-segment shortcut of the MSV kernel (after HMMER 3.3's SSV-before-MSV in msvfilter.c;
/// the idea is Knudsen's): while no row's best cell exceeds base + tec, J never rises above the
/// base, so B stays at base − tjb on every row, and the MSV recursion is the same with a constant B
/// and no per-row horizontal maximum. This kernel runs that recursion, keeps the maximum of all
/// cells in a vector and returns it (m). When m − tec ≤ base and m < 255 − bias, every row of the
/// full kernel had xE ≤ m with the same cells, so its result is exactly sat(m − tec); otherwise the
/// caller runs msv_striped (J used, or overflow).
template <class V>
int ssv_striped(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * dp)
{
    constexpr int W = V::bytes;
    int const Q = a.Q;
    msv_clear<V>(dp, Q);
    auto const biasv = V::splat8(a.bias);
    auto const xBv = V::subs8(V::splat8(sat_u8(a.base - a.tjb)), V::splat8(a.tbm));
    auto xEv = V::zero();
    for (std::size_t i = 0; i < L; ++i)
        xEv = V::max8(xEv, msv_row<V>(a.cost + static_cast<std::size_t>(x[i]) * static_cast<std::size_t>(Q * W), dp, Q,
                                      xBv, biasv));
    return V::hmax8(xEv);
}

template <class V>
bool ssv_rows_signed(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch, int threshold,
                     std::uint8_t * flags);

/// The rows of x where a single ungapped segment (constant B, as ssv_striped) reaches `threshold`
/// (through ssv_rows_signed when it applies).
template <class V>
void ssv_rows_striped(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * dp, int threshold,
                      std::uint8_t * flags)
{
    constexpr int W = V::bytes;
    int const Q = a.Q;
    msv_clear<V>(dp, Q);
    auto const biasv = V::splat8(a.bias);
    auto const xBv = V::subs8(V::splat8(sat_u8(a.base - a.tjb)), V::splat8(a.tbm));
    if (ssv_rows_signed<V>(a, x, L, dp, threshold, flags))
        return;
    msv_clear<V>(dp, Q);
    auto const tv = V::splat8(threshold);
    for (std::size_t i = 0; i < L; ++i)
        flags[i] = V::any_ge8(msv_row<V>(a.cost + static_cast<std::size_t>(x[i]) * static_cast<std::size_t>(Q * W), dp,
                                         Q, xBv, biasv),
                              tv)
                       ? 1
                       : 0;
}

/// The constant-B recursion in signed bytes (HMMER 3.3's SSV form): a cell is kept as
/// t = max(M, xB) − xB − 128, xB = B − tBM, and updated as t' = t ⊕ d(k, x_i), d = bias − cost
/// clamped to [−128, 127], ⊕ the signed saturating add (two operations per vector instead of four:
/// the floor −128 is the max with xB, bias and cost are one addend). This is exactly the unsigned
/// recursion of msv_row while every cell stays ≤ min(xB + 128, 255 − bias), i.e. t ≤ 0 (a clamped
/// d and the true one then both reach the floor) and below the unsigned add's ceiling; bias ≤ 127
/// is checked before. By induction the first cell above that bound is still computed exactly, so
/// a computed maximum above it means the true maximum is above it too. The callers check the
/// bound after the pass and fall back to the unsigned kernels when it is exceeded.
template <class V>
bool ssv_signed_ok(msv_args const & a, int xB)
{
    return a.delta && xB >= 0 && a.bias <= 127;
}

template <class V>
int ssv_signed_xb(msv_args const & a)
{
    return sat_u8(sat_u8(a.base - a.tjb) - a.tbm);
}

/// One row of the signed recursion in place in dp; returns the lane-wise maximum of its cells.
template <class V>
typename V::vec ssv_signed_row(std::int8_t const * rd, std::int8_t * dp, int Q)
{
    using vec = typename V::vec;
    constexpr int W = V::bytes;
    vec mpv = V::shift8_floor(V::load(dp + (Q - 1) * W));
    vec rowv = V::splat8(-128);
    for (int q = 0; q < Q; ++q)
    {
        vec const sv = V::sadds8(mpv, V::load(rd + q * W));
        rowv = V::smax8(rowv, sv);
        mpv = V::load(dp + q * W);
        V::store(dp + q * W, sv);
    }
    return rowv;
}

/// The signed recursion over x with the Q row vectors held in registers (Q a compile-time
/// constant: no store-to-load latency between rows): the same cells as ssv_signed_row. With
/// `flags`, flags[i] = some cell of row i > tv; returns the maximum of every cell (lane-wise).
template <class V, int Q, bool Flags>
typename V::vec ssv_signed_regs(std::int8_t const * delta, std::uint8_t const * x, std::size_t L, typename V::vec tv,
                                std::uint8_t * flags)
{
    using vec = typename V::vec;
    constexpr int W = V::bytes;
    vec dp[Q];
    for (int q = 0; q < Q; ++q)
        dp[q] = V::splat8(-128);
    vec all = V::splat8(-128);
    for (std::size_t i = 0; i < L; ++i)
    {
        std::int8_t const * rd = delta + static_cast<std::size_t>(x[i]) * static_cast<std::size_t>(Q * W);
        vec mpv = V::shift8_floor(dp[Q - 1]);
        vec rowv = V::splat8(-128);
        for (int q = 0; q < Q; ++q)
        {
            vec const sv = V::sadds8(mpv, V::load(rd + q * W));
            rowv = V::smax8(rowv, sv);
            mpv = dp[q];
            dp[q] = sv;
        }
        if constexpr (Flags)
            flags[i] = V::any_gt8s(rowv, tv) ? 1 : 0;
        all = V::smax8(all, rowv);
    }
    return all;
}

/// ssv_signed_regs for the row length Q when it is small enough for the registers (2–10
/// vectors); false otherwise.
template <class V, bool Flags>
bool ssv_signed_dispatch(int Q, std::int8_t const * delta, std::uint8_t const * x, std::size_t L, typename V::vec tv,
                         std::uint8_t * flags, typename V::vec & all)
{
    switch (Q)
    {
    case 2: all = ssv_signed_regs<V, 2, Flags>(delta, x, L, tv, flags); return true;
    case 3: all = ssv_signed_regs<V, 3, Flags>(delta, x, L, tv, flags); return true;
    case 4: all = ssv_signed_regs<V, 4, Flags>(delta, x, L, tv, flags); return true;
    case 5: all = ssv_signed_regs<V, 5, Flags>(delta, x, L, tv, flags); return true;
    case 6: all = ssv_signed_regs<V, 6, Flags>(delta, x, L, tv, flags); return true;
    case 7: all = ssv_signed_regs<V, 7, Flags>(delta, x, L, tv, flags); return true;
    case 8: all = ssv_signed_regs<V, 8, Flags>(delta, x, L, tv, flags); return true;
    case 9: all = ssv_signed_regs<V, 9, Flags>(delta, x, L, tv, flags); return true;
    case 10: all = ssv_signed_regs<V, 10, Flags>(delta, x, L, tv, flags); return true;
    default: return false;
    }
}

/// ssv_striped through the signed recursion: the maximum cell m (unsigned units), or −1 when the
/// signed form does not apply or is not exact (conditions (i)–(iii); or m ≤ xB, where the cells
/// below xB that the unsigned kernel keeps are not known). A maximum above 255 − bias is exact.
template <class V>
int ssv_signed(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch)
{
    constexpr int W = V::bytes;
    int const Q = a.Q, xB = ssv_signed_xb<V>(a);
    if (!ssv_signed_ok<V>(a, xB))
        return -1;
    auto allv = V::splat8(-128);
    if (!ssv_signed_dispatch<V, false>(Q, a.delta, x, L, allv, nullptr, allv))
    {
        auto * dp = reinterpret_cast<std::int8_t *>(scratch);
        for (int q = 0; q < Q; ++q)
            V::store(dp + q * W, V::splat8(-128));
        for (std::size_t i = 0; i < L; ++i)
            allv = V::smax8(
                allv, ssv_signed_row<V>(a.delta + static_cast<std::size_t>(x[i]) * static_cast<std::size_t>(Q * W), dp, Q));
    }
    int const m = V::hmax8(V::flip8(allv)) + xB; // t + 128 + xB
    int const bound = imax(0, xB + 128 < 255 - a.bias ? xB + 128 : 255 - a.bias);
    if (m <= xB)
        return -1;
    if (m <= bound)
        return m;
    // The true maximum exceeds `bound`: when that already sends msv_with_ssv to the full kernel, say
    // so (255); otherwise the unsigned pass must give the exact maximum.
    return bound + 1 >= 255 - a.bias || bound + 1 - a.tec > a.base ? 255 : -1;
}

/// ssv_rows_striped through the signed recursion; false (flags not valid) when it does not apply
/// or is not exact (see ssv_signed), or when `threshold` ≤ xB.
template <class V>
bool ssv_rows_signed(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * scratch, int threshold,
                     std::uint8_t * flags)
{
    constexpr int W = V::bytes;
    int const Q = a.Q, xB = ssv_signed_xb<V>(a);
    if (!ssv_signed_ok<V>(a, xB) || threshold <= xB)
        return false;
    auto const tv = V::splat8(threshold - xB - 128 - 1); // t > tv ⟺ cell ≥ threshold
    auto allv = V::splat8(-128);
    int const bound = xB + 128 < 255 - a.bias ? xB + 128 : 255 - a.bias;
    if (ssv_signed_dispatch<V, true>(Q, a.delta, x, L, tv, flags, allv))
        return V::hmax8(V::flip8(allv)) + xB <= bound;
    auto * dp = reinterpret_cast<std::int8_t *>(scratch);
    for (int q = 0; q < Q; ++q)
        V::store(dp + q * W, V::splat8(-128));
    for (std::size_t i = 0; i < L; ++i)
    {
        auto const rowv =
            ssv_signed_row<V>(a.delta + static_cast<std::size_t>(x[i]) * static_cast<std::size_t>(Q * W), dp, Q);
        flags[i] = V::any_gt8s(rowv, tv) ? 1 : 0;
        allv = V::smax8(allv, rowv);
    }
    return V::hmax8(V::flip8(allv)) + xB <= bound;
}

/// MSV through the SSV shortcut (ssv_striped), falling back to the full kernel when needed.
template <class V>
int msv_with_ssv(msv_args const & a, std::uint8_t const * x, std::size_t L, std::uint8_t * dp)
{
    int m = ssv_signed<V>(a, x, L, dp);
    if (m < 0)
        m = ssv_striped<V>(a, x, L, dp);
    if (m >= 255 - a.bias || m - a.tec > a.base)
        return msv_striped<V>(a, x, L, dp);
    return sat_u8(m - a.tec);
}

/// The striped Viterbi kernel with Farrar's lazy-F loop for D → D (see vit_args; the scalar
/// reference is filter.cpp's vit_serial).
template <class V>
int vit_striped(vit_args const & a, std::uint8_t const * x, std::size_t L, std::int16_t * mem)
{
    using vec = typename V::vec;
    constexpr int W = V::words;
    int const Q = a.Q;
    std::int16_t * mmx = mem;
    std::int16_t * imx = mem + Q * W;
    std::int16_t * dmx = mem + 2 * Q * W;
    vec const neg = V::splat16(word_neg_inf);
    for (int q = 0; q < Q; ++q)
    {
        V::store(mmx + q * W, neg);
        V::store(imx + q * W, neg);
        V::store(dmx + q * W, neg);
    }
    int const xN = a.base;
    int xJ = word_neg_inf, xC = word_neg_inf;
    int xB = sat_i16(xN + a.tmove);
    for (std::size_t i = 0; i < L; ++i)
    {
        std::int16_t const * rsc = a.msc + static_cast<std::size_t>(x[i]) * static_cast<std::size_t>(Q * W);
        vec xEv = neg;
        vec Dcv = neg;
        vec const xBv = V::splat16(xB);
        vec mpv = V::shift16(V::load(mmx + (Q - 1) * W));
        vec ipv = V::shift16(V::load(imx + (Q - 1) * W));
        vec dpv = V::shift16(V::load(dmx + (Q - 1) * W));
        for (int q = 0; q < Q; ++q)
        {
            std::int16_t const * t = a.tsc + q * vit_slots * W;
            vec sv = V::adds16(xBv, V::load(t + vs_bm * W));
            sv = V::max16(sv, V::adds16(mpv, V::load(t + vs_mm * W)));
            sv = V::max16(sv, V::adds16(ipv, V::load(t + vs_im * W)));
            sv = V::max16(sv, V::adds16(dpv, V::load(t + vs_dm * W)));
            sv = V::adds16(sv, V::load(rsc + q * W));
            xEv = V::max16(xEv, sv);
            mpv = V::load(mmx + q * W);
            ipv = V::load(imx + q * W);
            dpv = V::load(dmx + q * W);
            V::store(mmx + q * W, sv);
            V::store(dmx + q * W, Dcv);
            Dcv = V::adds16(sv, V::load(t + vs_md * W));
            V::store(imx + q * W,
                     V::max16(V::adds16(mpv, V::load(t + vs_mi * W)), V::adds16(ipv, V::load(t + vs_ii * W))));
        }
        // D → D: one full pass, then passes with the carry shifted to the next lane until no
        // lane improves (the serial recursion's fixed point).
        Dcv = V::shift16(Dcv);
        for (int q = 0; q < Q; ++q)
        {
            vec const d = V::max16(Dcv, V::load(dmx + q * W));
            V::store(dmx + q * W, d);
            Dcv = V::adds16(d, V::load(a.tdd + q * W));
        }
        for (;;)
        {
            Dcv = V::shift16(Dcv);
            int q = 0;
            for (; q < Q; ++q)
            {
                vec const old = V::load(dmx + q * W);
                if (!V::any_gt16(Dcv, old))
                    break;
                vec const d = V::max16(Dcv, old);
                V::store(dmx + q * W, d);
                Dcv = V::adds16(d, V::load(a.tdd + q * W));
            }
            if (q < Q)
                break;
        }
        int const xE = V::hmax16(xEv);
        if (xE >= word_max)
            return word_max + 1;
        xJ = imax(xJ, sat_i16(xE + a.tloop_e));
        xC = imax(xC, sat_i16(xE + a.tloop_e));
        xB = sat_i16(imax(xN, xJ) + a.tmove);
    }
    return xC;
}

} // namespace

} // namespace emtk::hmm::filter_detail
