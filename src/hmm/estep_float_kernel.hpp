#pragma once
// Private to src/hmm: the float E-step kernel (include/emtk/hmm/estep_simd.hpp explains the
// arithmetic and its tolerances) as a template over an 8-lane vector-operations type V,
// instantiated once per instruction set: estep_float.cpp (portable 8-float arrays), estep_sse41.cpp
// (two 4-float registers), estep_avx2.cpp (one 8-float register), each compiled with its -m flag
// and -ffp-contract=off. Every level performs the same IEEE single-precision operations in the
// same order on each lane (no FMA, no reassociation, horizontal sums in one fixed tree), so all
// levels give bit-identical results. Like filter_kernels.hpp, this header uses no standard-library
// function templates (a TU compiled with -mavx2 must not emit weak copies of std functions) and
// everything in it has internal linkage.
//
// Layout. The loops run over whole 8-node blocks 0 … W−1 (W = prob_profile::W, a multiple of 8
// ≥ M+2); every value of a node outside 0 … M is 0, so no block needs a special case. Row columns
// and emission tables have S = W + 16 floats with node 0 at offset 8 (indices −8 … W+7 valid, so
// k−1 and k+1 are read without special cases); a forward or backward row holds the M, I and D
// columns (3S) and the 5 special states, RS = 3S + 16 floats. The parameters and the flow
// accumulators are interleaved by block ([block][array][8 lanes]: one base pointer per loop, with
// constant offsets, instead of twenty-odd pointers that do not fit in registers); parameters that
// a recurrence needs at k−1 are stored shifted (tmm1[k] = tmm[k−1], …), so every load of them is
// one aligned block.
//
// D chains. D_k = M_{k−1} t_MD(k−1) + D_{k−1} t_DD(k−1) (forward, k ascending) and
// D̂_k = a_k + t_DD(k) D̂_{k+1} (backward, k descending) are first-order linear recurrences. Each
// 8-node block is solved by a Hillis-Steele prefix scan (3 shift-multiply-add steps with the
// products of t_DD precomputed per block in the profile: g1/g2/g4 forward, h1/h2/h4 backward) and
// the value carried in from the previous block is added times the block's cumulative product
// (gc, hc): one multiply-add of latency per 8 nodes instead of per node. The scan sums the same
// terms as the serial chain in another order (a few ulps of float, all terms positive).
//
// Exits. A glocal profile leaves the model only from node M (exit_m, exit_d, iexit are 0 below
// it). The kernel then skips the exit terms (forward: the E sum; backward: + exit · B̂(E) in M, I,
// D; the flows M → E, D → E) in every block but node M's: they add exact zeros there (x + 0 · y =
// x for finite y), so the results are bit-identical to the general loop, which local profiles run.
//
// Backward overflow. The backward runs on forward's scales, so B̂(i, s) ≤ P̃ / F̂(i, s) is only
// bounded where forward is not tiny; in cells forward flushed (e.g. deep nodes of early rows under
// the tilt, estep_simd.hpp) it can exceed FLT_MAX, and inf × 0 would turn the flows into NaN. The
// backward values are therefore clamped at FLT_MAX when stored (min: no change to finite values,
// so results that never overflow are unchanged). A clamped cell has posterior mass below
// P̃ F̂/FLT_MAX-level; what the clamp removes shows up in |B̂(0, N) / P̃ − 1|, which the check bounds.

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace emtk::hmm::float_detail {

/// Parameter arrays of the float profile: node k's value of array p at [(k / 8) n_fpar + p] · 8 + k % 8.
enum fpar : int
{
    p_tmm = 0, p_tmi, p_tmd, p_tim, p_tii, p_tdm, p_tdd,
    p_enter, p_ienter, ///< B → M_k; B → I_0 at k = 0
    p_exit_m, p_exit_d, p_iexit, ///< M_k → E, D_k → E; I_M → E at k = M
    p_tmm1, p_tim1, p_tdm1, p_tmd1, ///< tmm[k−1], tim[k−1], tdm[k−1], tmd[k−1] (into node k)
    p_g1, p_g2, p_g4, p_gc, ///< forward D scan: products of tdd[j−1] over the block (header comment)
    p_h1, p_h2, p_h4, p_hc, ///< backward D scan: products of tdd[j]
    n_fpar
};

/// Float flow accumulators (the first 10 of scaled_dp_detail.hpp's flows, same order), interleaved
/// by block like the parameters.
enum facc_index : int
{
    a_mm = 0, a_md, a_mi, a_im, a_ii, a_dm, a_dd, a_xm, a_xd, a_en, n_facc
};

/// Special-state slots in a row (after the 3 columns), as in scaled_dp.hpp.
enum fx : int
{
    fx_n = 0, fx_b, fx_e, fx_j, fx_c
};

/// Terms summed in float before a float accumulator is added to its double total: the flows
/// every flush_every rows, a code's emission accumulators every flush_every uses of the code.
inline constexpr int flush_every = 32;

/// Everything the kernel reads and writes for one sequence.
struct args
{
    int M = 0;
    std::size_t W = 0, S = 0, RS = 0; ///< node blocks, array stride, row size (floats)
    float const * par = nullptr;      ///< n_fpar interleaved arrays (W floats each)
    float const * memit = nullptr;    ///< Kp arrays of S: P(code | M_k)
    float const * iemit = nullptr;    ///< Kp arrays of S: P(code | I_k)
    float const * xemit = nullptr;    ///< Kp: P(code | N, C, J)
    float n_loop = 0, n_move = 0, e_move = 0, e_loop = 0, c_loop = 0, c_move = 0, j_loop = 0, j_move = 0;
    std::uint8_t const * x = nullptr;
    std::size_t L = 0;
    /// Every exit parameter (exit_m, exit_d, iexit) is 0 below node M (glocal profiles: the
    /// training E-step): the exit terms are computed for node M's block only (header comment, "Exits").
    bool exits_at_m = false;
    std::uint8_t const * codes = nullptr; ///< the distinct codes of x
    int n_codes = 0;
    float * rows = nullptr;  ///< (L+1) RS: the forward matrix
    int * scale = nullptr;   ///< L+1: log2 of each forward row's scale
    float * bwd = nullptr;   ///< 2 RS + 2 S: two backward rows, em, ei
    float * facc = nullptr;  ///< n_facc W interleaved flow accumulators (zeroed by the kernel)
    float * femacc = nullptr; ///< 2 Kp W emission accumulators, [2 code + (0: M, 1: I)] · W + k
    int uses[256] = {};      ///< terms in each code's emission accumulators since its last flush
    bool flushed[256] = {};  ///< whether a code's double totals hold a flush (else they are unset)
    double * flows = nullptr; ///< double totals, stride W (scaled_dp_detail.hpp's flow layout; zeroed by the caller)
    double * emacc = nullptr; ///< 2 Kp W double totals (set by the kernel for the codes of x: the first flush assigns)
    // Results.
    long long log2_scales = 0; ///< Σ_{i<L} log2 s_i
    double pt = 0, pb = 0;     ///< P̃ (forward), B̂(0, N) (backward); pt = 0: P(x) = 0 in float
    double sf[9] = {};         ///< scalar flows: b_i0, x_i, n_loop, c_loop, j_loop, n_move, j_move, e_move, e_loop
};

// The kernel per level: forward, backward and flows (estep_float.cpp, estep_sse41.cpp, estep_avx2.cpp).
void estep_portable(args & a);
void estep_sse41(args & a);
void estep_avx2(args & a);

namespace {

/// log2 of the power-of-two scale of a positive normal float mx: mx / 2^e ∈ [1/2, 1) (frexp's
/// exponent, read from the bits).
inline int fexp(float mx)
{
    std::uint32_t b = 0;
    __builtin_memcpy(&b, &mx, sizeof b);
    return static_cast<int>((b >> 23) & 0xffu) - 126;
}

/// 2^−e as a float (|e| ≤ 125).
inline float fpow2neg(int e)
{
    std::uint32_t const b = static_cast<std::uint32_t>(127 - e) << 23;
    float f = 0;
    __builtin_memcpy(&f, &b, sizeof f);
    return f;
}

inline float fmaxf_(float a, float b) { return a > b ? a : b; }

#if defined(__SSE2__)
/// The fixed horizontal-sum tree of every level, from s4 = (v0+v4, v1+v5, v2+v6, v3+v7):
/// ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7)).
inline float hsum4(__m128 s4)
{
    __m128 const s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

/// The maximum of 4 lanes.
inline float hmax4(__m128 s4)
{
    __m128 const s2 = _mm_max_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_max_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}
#endif

/// Node k's value of parameter array p (the interleaved layout).
inline float par_at(args const & a, int p, std::size_t k) { return a.par[((k / 8) * n_fpar + static_cast<std::size_t>(p)) * 8 + k % 8]; }

/// E of a forward row whose exits are at node M only: (M_M exit_m + I_M iexit) + D_M exit_d, the
/// value of node M's lane of the general loop's sum (every other lane adds exact zeros).
inline float exit_sum(args const & a, float const * cm, float const * ci, float const * cd)
{
    auto const M = static_cast<std::size_t>(a.M);
    return (cm[M] * par_at(a, p_exit_m, M) + ci[M] * par_at(a, p_iexit, M)) + cd[M] * par_at(a, p_exit_d, M);
}

/// Forward row `cur` from `prev` for residue c with r = 1 / s_{i−1}; returns the row maximum.
/// at_m: exits at node M only (args::exits_at_m).
template <class V, bool at_m>
float forward_row(args const & a, float const * prev, float * cur, int c, float r)
{
    using vec = typename V::vec;
    std::size_t const S = a.S, W = a.W;
    float const *pm = prev + 8, *pi = prev + 8 + S, *pd = prev + 8 + 2 * S, *px = prev + 3 * S;
    float *cm = cur + 8, *ci = cur + 8 + S, *cd = cur + 8 + 2 * S, *cx = cur + 3 * S;
    float const * me = a.memit + static_cast<std::size_t>(c) * S + 8;
    float const * ie = a.iemit + static_cast<std::size_t>(c) * S + 8;
    constexpr std::size_t B = n_fpar * 8; // floats per parameter block
    vec const bv = V::splat(px[fx_b]), rv = V::splat(r);
    vec esum = V::zero(), mx = V::zero();
    // M, I and D of each block in one pass (D_k needs M_{k−1} of this row: the block just stored
    // and the last node of the one before). The carried D value enters the next block as
    // splat(d_7) = splat(a_7) + splat(gc_7) · carry: the same operation per lane as d_7 itself,
    // with only one multiply-add on the serial chain.
    float const * q = a.par;
    vec carry = V::zero(), mprev = V::zero(); // mprev: M of the previous block (node −1 … 7: 0)
    for (std::size_t k = 0; k < W; k += 8, q += B)
    {
        vec const mer = V::mul(V::load(me + k), rv), ier = V::mul(V::load(ie + k), rv);
        vec s = V::mul(bv, V::load(q + 8 * p_enter));
        s = V::add(s, V::mul(V::load(pi + k - 1), V::load(q + 8 * p_tim1)));
        s = V::add(s, V::mul(V::load(pm + k - 1), V::load(q + 8 * p_tmm1)));
        s = V::add(s, V::mul(V::load(pd + k - 1), V::load(q + 8 * p_tdm1)));
        vec const mv = V::mul(mer, s);
        vec t = V::mul(V::load(pm + k), V::load(q + 8 * p_tmi));
        t = V::add(t, V::mul(V::load(pi + k), V::load(q + 8 * p_tii)));
        t = V::add(t, V::mul(bv, V::load(q + 8 * p_ienter)));
        vec const iv = V::mul(ier, t);
        V::store(cm + k, mv);
        V::store(ci + k, iv);
        if (!at_m)
            esum = V::add(esum, V::add(V::mul(mv, V::load(q + 8 * p_exit_m)), V::mul(iv, V::load(q + 8 * p_iexit))));
        mx = V::max(mx, V::max(mv, iv));
        // M_{k−1} from registers (a load of cm + k − 1 right after the store would stall)
        vec d = V::mul(V::up1_from(mv, mprev), V::load(q + 8 * p_tmd1));
        mprev = mv;
        d = V::add(d, V::mul(V::load(q + 8 * p_g1), V::up1(d)));
        d = V::add(d, V::mul(V::load(q + 8 * p_g2), V::up2(d)));
        d = V::add(d, V::mul(V::load(q + 8 * p_g4), V::up4(d)));
        vec const gc = V::load(q + 8 * p_gc);
        vec const dl = V::last(d), gl = V::last(gc);
        d = V::add(d, V::mul(gc, carry));
        carry = V::add(dl, V::mul(gl, carry));
        V::store(cd + k, d);
        if (!at_m)
            esum = V::add(esum, V::mul(d, V::load(q + 8 * p_exit_d)));
        mx = V::max(mx, d);
    }
    float const xr = a.xemit[c] * r;
    // Exits at node M only: the one non-zero lane of esum, by the same operations.
    float const e = at_m ? exit_sum(a, cm, ci, cd) : V::hsum(esum);
    float const j = px[fx_j] * a.j_loop * xr + e * a.e_loop;
    float const cc = px[fx_c] * a.c_loop * xr + e * a.e_move;
    float const n = px[fx_n] * a.n_loop * xr;
    float const b = n * a.n_move + j * a.j_move;
    cx[fx_n] = n;
    cx[fx_b] = b;
    cx[fx_e] = e;
    cx[fx_j] = j;
    cx[fx_c] = cc;
    float m = V::hmax(mx);
    m = fmaxf_(m, fmaxf_(fmaxf_(n, b), fmaxf_(e, fmaxf_(j, cc))));
    return m;
}

/// Zeroes the pads of a row's three columns (indices −8 … −1 and W … W+7).
template <class V>
void clear_pads(args const & a, float * row)
{
    for (int col = 0; col < 3; ++col)
    {
        float * p = row + static_cast<std::size_t>(col) * a.S;
        V::store(p, V::zero());
        V::store(p + 8 + a.W, V::zero());
    }
}

/// Adds the float flow accumulators to the double totals and zeroes them.
inline void flush_flows(args & a)
{
    std::size_t const W = a.W;
    float * src = a.facc;
    for (std::size_t k0 = 0; k0 < W; k0 += 8)
        for (int f = 0; f < n_facc; ++f)
        {
            double * dst = a.flows + static_cast<std::size_t>(f) * W + k0;
            for (int j = 0; j < 8; ++j)
            {
                dst[j] += static_cast<double>(src[j]);
                src[j] = 0;
            }
            src += 8;
        }
}

/// Adds code c's float emission accumulators to the double totals and zeroes them.
inline void flush_code(args & a, std::size_t c)
{
    std::size_t const W = a.W;
    float * src = a.femacc + 2 * c * W;
    double * dst = a.emacc + 2 * c * W;
    if (a.flushed[c])
        for (std::size_t k = 0; k < 2 * W; ++k)
        {
            dst[k] += static_cast<double>(src[k]);
            src[k] = 0;
        }
    else // the first flush: 0 + x = x, without zeroing the totals first
        for (std::size_t k = 0; k < 2 * W; ++k)
        {
            dst[k] = static_cast<double>(src[k]);
            src[k] = 0;
        }
    a.uses[c] = 0;
    a.flushed[c] = true;
}

/// Backward row i (into cur, from next = row i+1) and the flows of row i (forward row f).
/// at_m: exits at node M only (args::exits_at_m).
template <class V, bool at_m>
void backward_row(args & a, std::size_t i, float const * f, float const * next, float * cur)
{
    using vec = typename V::vec;
    std::size_t const S = a.S, W = a.W;
    int const M = a.M;
    bool const more = i < a.L;
    int const c = more ? a.x[i] : 0;
    float const r = fpow2neg(a.scale[i]);
    constexpr std::size_t B = n_fpar * 8, BA = n_facc * 8; // floats per parameter / accumulator block
    float *em = a.bwd + 2 * a.RS + 8, *ei = em + S;
    float *bm = cur + 8, *bi = cur + 8 + S, *bd = cur + 8 + 2 * S, *bx = cur + 3 * S;
    float const *nm = next + 8, *ni = next + 8 + S, *nx = next + 3 * S;
    vec bbv = V::zero();
    vec const big = V::splat(3.40282347e+38f); // FLT_MAX: the clamp (header comment, "Backward overflow")
    float xr = 0;
    if (more)
    {
        float const * me = a.memit + static_cast<std::size_t>(c) * S + 8;
        float const * ie = a.iemit + static_cast<std::size_t>(c) * S + 8;
        vec const rv = V::splat(r);
        float const * q = a.par;
        for (std::size_t k = 0; k < W; k += 8, q += B)
        {
            vec const e1 = V::min(V::mul(V::mul(V::load(me + k), rv), V::load(nm + k)), big);
            vec const e2 = V::min(V::mul(V::mul(V::load(ie + k), rv), V::load(ni + k)), big);
            V::store(em + k, e1);
            V::store(ei + k, e2);
            bbv = V::add(bbv, V::add(V::mul(V::load(q + 8 * p_enter), e1), V::mul(V::load(q + 8 * p_ienter), e2)));
        }
        xr = a.xemit[c] * r;
    }
    else
        for (std::size_t k = 0; k < W; k += 8)
        {
            V::store(em + k, V::zero());
            V::store(ei + k, V::zero());
        }
    // Specials in the reverse of forward's order: C, B, J, N, E.
    float const bc = more ? nx[fx_c] * a.c_loop * xr : a.c_move;
    float const bb = V::hsum(bbv);
    float const bj = (more ? nx[fx_j] * a.j_loop * xr : 0.0f) + bb * a.j_move;
    float const bn = (more ? nx[fx_n] * a.n_loop * xr : 0.0f) + bb * a.n_move;
    float const be = bj * a.e_loop + bc * a.e_move;
    bx[fx_n] = bn;
    bx[fx_b] = bb;
    bx[fx_e] = be;
    bx[fx_j] = bj;
    bx[fx_c] = bc;
    vec const bev = V::splat(be);
    // D chain k = W−1 … 0 by blocks (tdm, tdd, exit_d are 0 at node 0 and beyond M).
    // Per block, descending: D (the scan, then the carried value from the block above, as in
    // forward_row), then M and I and the flows of row i, which need D̂ and ê B̂ of node k+1.
    float const *fm = f + 8, *fi = f + 8 + S, *fd = f + 8 + 2 * S, *fxs = f + 3 * S;
    float const fb = fxs[fx_b];
    vec const fbv = V::splat(fb);
    std::size_t const code = a.x[i >= 1 ? i - 1 : 0];
    float * am = a.femacc + 2 * code * W;
    float * ai = am + W;
    vec carry = V::zero(), dabove = V::zero(); // dabove: D̂ of the block above (0 beyond W)
    std::size_t const k_m = static_cast<std::size_t>(M) / 8 * 8; // node M's block
    for (std::size_t k = W; k > 0;)
    {
        k -= 8;
        bool const ex = !at_m || k == k_m; // the exit terms (header comment, "Exits")
        float const * q = a.par + (k / 8) * B;
        float * ac = a.facc + (k / 8) * BA;
        vec d = V::mul(V::load(q + 8 * p_tdm), V::load(em + k + 1));
        if (ex)
            d = V::add(d, V::mul(V::load(q + 8 * p_exit_d), bev));
        d = V::add(d, V::mul(V::load(q + 8 * p_h1), V::down1(d)));
        d = V::add(d, V::mul(V::load(q + 8 * p_h2), V::down2(d)));
        d = V::add(d, V::mul(V::load(q + 8 * p_h4), V::down4(d)));
        vec const hc = V::load(q + 8 * p_hc);
        vec const df = V::first(d), hf = V::first(hc);
        d = V::min(V::add(d, V::mul(hc, carry)), big);
        carry = V::min(V::add(df, V::mul(hf, carry)), big);
        V::store(bd + k, d);
        vec const emn = V::load(em + k + 1), dn = V::down1_from(d, dabove), eik = V::load(ei + k);
        dabove = d;
        vec mv = V::mul(V::load(q + 8 * p_tmm), emn);
        mv = V::add(mv, V::mul(V::load(q + 8 * p_tmd), dn));
        mv = V::add(mv, V::mul(V::load(q + 8 * p_tmi), eik));
        vec iv = V::mul(V::load(q + 8 * p_tim), emn);
        iv = V::add(iv, V::mul(V::load(q + 8 * p_tii), eik));
        if (ex)
        {
            mv = V::add(mv, V::mul(V::load(q + 8 * p_exit_m), bev));
            iv = V::add(iv, V::mul(V::load(q + 8 * p_iexit), bev));
        }
        mv = V::min(mv, big);
        iv = V::min(iv, big);
        V::store(bm + k, mv);
        V::store(bi + k, iv);
        vec const m = V::load(fm + k), ii = V::load(fi + k), dd = V::load(fd + k);
        V::store(ac + 8 * a_mm, V::add(V::load(ac + 8 * a_mm), V::mul(m, emn)));
        V::store(ac + 8 * a_md, V::add(V::load(ac + 8 * a_md), V::mul(m, dn)));
        V::store(ac + 8 * a_mi, V::add(V::load(ac + 8 * a_mi), V::mul(m, eik)));
        if (ex)
        {
            V::store(ac + 8 * a_xm, V::add(V::load(ac + 8 * a_xm), V::mul(m, bev)));
            V::store(ac + 8 * a_xd, V::add(V::load(ac + 8 * a_xd), V::mul(dd, bev)));
        }
        V::store(ac + 8 * a_im, V::add(V::load(ac + 8 * a_im), V::mul(ii, emn)));
        V::store(ac + 8 * a_ii, V::add(V::load(ac + 8 * a_ii), V::mul(ii, eik)));
        V::store(ac + 8 * a_dm, V::add(V::load(ac + 8 * a_dm), V::mul(dd, emn)));
        V::store(ac + 8 * a_dd, V::add(V::load(ac + 8 * a_dd), V::mul(dd, dn)));
        V::store(ac + 8 * a_en, V::add(V::load(ac + 8 * a_en), V::mul(fbv, V::load(em + k))));
        V::store(am + k, V::add(V::load(am + k), V::mul(m, mv)));
        V::store(ai + k, V::add(V::load(ai + k), V::mul(ii, iv)));
    }
    if (++a.uses[code] == flush_every)
        flush_code(a, code);
    // Scalar flows in double (one term per row).
    a.sf[1] += static_cast<double>(fi[M] * be);
    a.sf[0] += static_cast<double>(fb * ei[0]);
    if (more)
    {
        a.sf[2] += static_cast<double>(fxs[fx_n] * xr * nx[fx_n]);
        a.sf[3] += static_cast<double>(fxs[fx_c] * xr * nx[fx_c]);
        a.sf[4] += static_cast<double>(fxs[fx_j] * xr * nx[fx_j]);
    }
    a.sf[5] += static_cast<double>(fxs[fx_n] * bb);
    a.sf[6] += static_cast<double>(fxs[fx_j] * bb);
    a.sf[7] += static_cast<double>(fxs[fx_e] * bc);
    a.sf[8] += static_cast<double>(fxs[fx_e] * bj);
}

/// The whole E-step of one sequence (see args); at_m = args::exits_at_m.
template <class V, bool at_m>
void estep_rows(args & a)
{
    std::size_t const L = a.L, RS = a.RS, S = a.S;
    // Forward, every row kept.
    float * row0 = a.rows;
    for (std::size_t j = 0; j < RS; ++j)
        row0[j] = 0;
    row0[3 * S + fx_n] = 1.0f;
    row0[3 * S + fx_b] = a.n_move;
    int e = fexp(1.0f);
    long long sum = 0;
    a.pt = 0;
    for (std::size_t i = 1; i <= L; ++i)
    {
        a.scale[i - 1] = e;
        sum += e;
        float * cur = a.rows + i * RS;
        clear_pads<V>(a, cur);
        float const mx = forward_row<V, at_m>(a, a.rows + (i - 1) * RS, cur, a.x[i - 1], fpow2neg(e));
        if (!(mx > 0) || !(mx < 1e30f))
            return;
        e = fexp(mx);
    }
    a.scale[L] = e;
    a.log2_scales = sum;
    float const pt = a.rows[L * RS + 3 * S + fx_c] * a.c_move;
    if (!(pt > 0))
        return;
    // Backward with the flows.
    float * b0 = a.bwd;
    float * b1 = a.bwd + RS;
    for (std::size_t j = 0; j < 2 * RS + 2 * S; ++j)
        a.bwd[j] = 0;
    for (std::size_t k = 0; k < n_facc * a.W; ++k)
        a.facc[k] = 0;
    for (int j = 0; j < a.n_codes; ++j)
    {
        std::size_t const c = a.codes[j];
        for (std::size_t k = 0; k < 2 * a.W; ++k)
            a.femacc[2 * c * a.W + k] = 0;
        a.uses[c] = 0;
        a.flushed[c] = false;
    }
    for (double & v : a.sf)
        v = 0;
    float * next = b1;
    float * cur = b0;
    int since = 0;
    for (std::size_t i = L + 1; i-- > 0;)
    {
        backward_row<V, at_m>(a, i, a.rows + i * RS, next, cur);
        float * t = next;
        next = cur;
        cur = t;
        if (++since == flush_every)
        {
            flush_flows(a);
            since = 0;
        }
    }
    flush_flows(a);
    for (int j = 0; j < a.n_codes; ++j)
        flush_code(a, a.codes[j]);
    a.pt = static_cast<double>(pt);
    a.pb = static_cast<double>(next[3 * S + fx_n]);
}

/// The whole E-step of one sequence (see args).
template <class V>
void estep(args & a)
{
    if (a.exits_at_m)
        estep_rows<V, true>(a);
    else
        estep_rows<V, false>(a);
}

} // namespace
} // namespace emtk::hmm::float_detail
