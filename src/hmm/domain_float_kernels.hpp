// The float Forward/Backward kernels of domain_float.hpp, one portable source included by
// domain_float.cpp (namespace df_generic, baseline flags) and domain_float_avx2.cpp (df_avx2,
// -mavx2). The loops are written for the compiler's vectoriser: the match/insert cells of a row
// depend only on the previous row, the delete chain is split in blocks (domain_float.hpp), and
// every reduction uses 8 fixed accumulator lanes, so both builds compute the same floats.
// No include guard: included once per namespace.
#ifndef EMTK_DF_NS
#error "define EMTK_DF_NS before including domain_float_kernels.hpp"
#endif
#include "domain_float.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace emtk::hmm::detail::EMTK_DF_NS {
namespace {

constexpr std::size_t lanes = 8;
constexpr int max_exp = 40; // rows are rescaled when their largest value leaves [2^-40, 2^40]

/// Flush-to-zero and denormals-are-zero for the lifetime of the guard (x86 MXCSR), restored after.
struct ftz_guard
{
#if defined(__SSE__)
    unsigned saved = _mm_getcsr();
    ftz_guard() { _mm_setcsr(saved | 0x8040u); }
    ~ftz_guard() { _mm_setcsr(saved); }
#endif
    ftz_guard(ftz_guard const &) = delete;
    ftz_guard & operator=(ftz_guard const &) = delete;
};

/// Σ_k a[k]·b[k] over a padded row, 8 accumulator lanes, fixed order.
float dot8(float const * __restrict a, float const * __restrict b, std::size_t np)
{
    float acc[lanes] = {};
    for (std::size_t k0 = 0; k0 < np; k0 += lanes)
        for (std::size_t l = 0; l < lanes; ++l)
            acc[l] += a[k0 + l] * b[k0 + l];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/// Σ_k (a[k] + b[k]) over a padded row, 8 accumulator lanes, fixed order.
float sum8(float const * __restrict a, float const * __restrict b, std::size_t np)
{
    float acc[lanes] = {};
    for (std::size_t k0 = 0; k0 < np; k0 += lanes)
        for (std::size_t l = 0; l < lanes; ++l)
            acc[l] += a[k0 + l] + b[k0 + l];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/// max(m, max_k a[k], b[k], c[k]) over a padded row (values ≥ 0; max is exact in any order).
float max8(float m, float const * __restrict a, float const * __restrict b, float const * __restrict c,
           std::size_t np)
{
    float acc[lanes] = {};
    for (std::size_t k0 = 0; k0 < np; k0 += lanes)
        for (std::size_t l = 0; l < lanes; ++l)
            acc[l] = std::max(acc[l], std::max(a[k0 + l], std::max(b[k0 + l], c[k0 + l])));
    for (float v : acc)
        m = std::max(m, v);
    return m;
}

/// When `big` (> 0) leaves [2^-40, 2^40]: the power of two 2^e nearest below it, e returned
/// (0: no rescaling). Scaling by 2^-e is exact.
int rescale_exponent(float big)
{
    if (!(big > 0) || (big >= 0x1p-40f && big <= 0x1p40f))
        return 0;
    int e = 0;
    (void)std::frexp(big, &e);
    return e > max_exp || e < -max_exp ? e : 0;
}

void scale_row(float * __restrict r, std::size_t np, float f)
{
    for (std::size_t k = 0; k < np; ++k)
        r[k] *= f;
}

/// When `big` leaves [2^-40, 2^40]: rows a, b (and c when given) and the specials divided by the
/// power of two nearest below `big`; returns the log of the factor divided out (0: nothing done).
double rescale(float big, float_specials & sv, std::size_t np, float * a, float * b, float * c)
{
    int const ex = rescale_exponent(big);
    if (ex == 0)
        return 0.0;
    float const f = std::ldexp(1.0f, -ex);
    scale_row(a, np, f);
    scale_row(b, np, f);
    if (c)
        scale_row(c, np, f);
    for (float & v : sv)
        v *= f;
    return ex * std::numbers::ln2;
}

/// Stores row i of a pass: its specials, log scale and, with keep_core, its match/insert cells.
void store_row(float_pass & out, std::size_t i, float_specials const & sv, double logscale, float const * m,
               float const * ins, std::size_t np, bool keep_core)
{
    out.rows[i] = sv;
    out.log_scale[i] = logscale;
    if (keep_core)
    {
        std::copy(m, m + np, out.core_m.begin() + static_cast<std::ptrdiff_t>(i * np));
        std::copy(ins, ins + np, out.core_i.begin() + static_cast<std::ptrdiff_t>(i * np));
    }
}

/// v.resize(n), allocating exactly n when v must grow (not std::vector's doubling: the per-thread
/// passes keep their storage, so doubling would keep up to twice the longest target's rows).
template <typename V>
void resize_exact(V & v, std::size_t n)
{
    if (n > v.capacity())
    {
        V{}.swap(v);
        v.reserve(n);
    }
    v.resize(n);
}

/// Sizes a pass's outputs for L residues and zeroes `buf`, six rows of np floats: returns them.
float * prepare(float_pass & out, std::vector<float> & buf, std::size_t L, std::size_t np, bool keep_core)
{
    buf.assign(6 * np, 0.0f);
    resize_exact(out.rows, L + 1);
    resize_exact(out.log_scale, L + 1);
    if (keep_core) // rows 1..L are written whole (store_row): only row 0 is zeroed
    {
        resize_exact(out.core_m, (L + 1) * np);
        resize_exact(out.core_i, (L + 1) * np);
        std::fill_n(out.core_m.begin(), np, 0.0f);
        std::fill_n(out.core_i.begin(), np, 0.0f);
    }
    return buf.data();
}

/// Zeroes `buf`, six rows of np floats, and returns them (a backward pass with a sink).
float * prepare_rows(std::vector<float> & buf, std::size_t np)
{
    buf.assign(6 * np, 0.0f);
    return buf.data();
}

/// r[k] = a[k]·b[k], k < n.
void multiply(float * __restrict r, float const * __restrict a, float const * __restrict b, std::size_t n)
{
    for (std::size_t k = 0; k < n; ++k)
        r[k] = a[k] * b[k];
}

/// r[k] += a[k]·b[k], k < n (callers pass shifted pointers).
void add_shifted(float * __restrict r, float const * __restrict a, float const * __restrict b, std::size_t n)
{
    for (std::size_t k = 0; k < n; ++k)
        r[k] += a[k] * b[k];
}

/// Forward, one row: match and insert cells from the previous row (mp, ip, dp) and B, the delete
/// cells' first terms (M_{k-1}·md_{k-1}, before the chain).
void forward_core(float_profile const & fp, float const * __restrict e, float B, float const * __restrict mp,
                  float const * __restrict ip, float const * __restrict dp, float * __restrict mc,
                  float * __restrict ic, float * __restrict dc)
{
    auto const M = static_cast<std::size_t>(fp.M);
    float const * __restrict tbm = fp.tbm.data(), * __restrict mm = fp.mm.data(), * __restrict im = fp.im.data();
    float const * __restrict dm = fp.dm.data(), * __restrict mi = fp.mi.data(), * __restrict ii = fp.ii.data();
    float const * __restrict md = fp.md.data();
    for (std::size_t k = 1; k <= M; ++k)
    {
        mc[k] = e[k] * (B * tbm[k] + mp[k - 1] * mm[k - 1] + ip[k - 1] * im[k - 1] + dp[k - 1] * dm[k - 1]);
        ic[k] = mp[k] * mi[k] + ip[k] * ii[k];
    }
    for (std::size_t k = 1; k <= M; ++k)
        dc[k] = mc[k - 1] * md[k - 1];
}

/// Backward, one row i < L: cells from row i+1 (w = emission-weighted match cells, in = insert
/// cells) and E, before the delete chain.
void backward_core(float_profile const & fp, float E, float const * __restrict w, float const * __restrict in,
                   float * __restrict mc, float * __restrict ic, float * __restrict dc)
{
    auto const M = static_cast<std::size_t>(fp.M);
    float const * __restrict mm = fp.mm.data(), * __restrict im = fp.im.data(), * __restrict dm = fp.dm.data();
    float const * __restrict mi = fp.mi.data(), * __restrict ii = fp.ii.data();
    for (std::size_t k = 1; k <= M; ++k)
    {
        float const wn = w[k + 1];
        mc[k] = E + mm[k] * wn + mi[k] * in[k];
        ic[k] = im[k] * wn + ii[k] * in[k];
        dc[k] = E + dm[k] * wn;
    }
}

} // namespace

double forward(float_profile const & fp, float const * sp, digital_sequence x, float_pass & out, bool keep_core)
{
    ftz_guard const guard;
    std::size_t const L = x.size(), np = fp.np;
    auto const M = static_cast<std::size_t>(fp.M);
    thread_local std::vector<float> buf;
    float * mp = prepare(out, buf, L, np, keep_core), * ip = mp + np, * dp = ip + np, * mc = dp + np, * ic = mc + np,
          * dc = ic + np;
    float const nn = sp[0], nb = sp[1], ec = sp[2], ej = sp[3], cc = sp[4], jj = sp[6], jb = sp[7];
    float N = 1, B = nb, E = 0, J = 0, C = 0;
    out.rows[0] = {N, B, E, J, C};
    out.log_scale[0] = 0;
    double logscale = 0;
    float const * __restrict dd = fp.dd.data(), * __restrict fprod = fp.fprod.data();
    std::size_t const lb = fp.block, nblocks = (M + lb - 1) / lb;
    for (std::size_t i = 1; i <= L; ++i)
    {
        float const * __restrict e = fp.et.data() + static_cast<std::size_t>(x[i - 1]) * np;
        forward_core(fp, e, B, mp, ip, dp, mc, ic, dc);
        // The delete chain, each block from 0 (the blocks' chains interleaved) ...
        for (std::size_t j = 1; j < lb; ++j)
            for (std::size_t b = 0; b < nblocks; ++b)
            {
                std::size_t const k = 1 + b * lb + j;
                if (k <= M)
                    dc[k] += dd[k - 1] * dc[k - 1];
            }
        // ... then each block gets the carry of the one before it.
        for (std::size_t b = 1; b < nblocks; ++b)
        {
            std::size_t const s = 1 + b * lb, t = std::min(M, s + lb - 1);
            float const c = dc[s - 1];
            for (std::size_t k = s; k <= t; ++k)
                dc[k] += fprod[k] * c;
        }
        E = sum8(mc, dc, np);
        J = J * jj + E * ej;
        C = C * cc + E * ec;
        N = N * nn;
        B = N * nb + J * jb;
        std::swap(mp, mc);
        std::swap(ip, ic);
        std::swap(dp, dc);
        float_specials sv{N, B, E, J, C};
        logscale += rescale(std::max(std::max(N, B), std::max(J, C)), sv, np, mp, ip, dp);
        N = sv[x_n], B = sv[x_b], E = sv[x_e], J = sv[x_j], C = sv[x_c];
        store_row(out, i, sv, logscale, mp, ip, np, keep_core);
    }
    return std::log(static_cast<double>(C) * static_cast<double>(sp[5])) + logscale;
}

double backward(float_profile const & fp, float const * sp, digital_sequence x, float_pass & out, bool keep_core,
                backward_sink const * sink)
{
    ftz_guard const guard;
    std::size_t const L = x.size(), np = fp.np;
    auto const M = static_cast<std::size_t>(fp.M);
    thread_local std::vector<float> buf;
    float * mn = sink ? prepare_rows(buf, np) : prepare(out, buf, L, np, keep_core), * in = mn + np, * mc = in + np, * ic = mc + np, * dc = ic + np,
          * w = dc + np;
    float const nn = sp[0], nb = sp[1], ec = sp[2], ej = sp[3], cc = sp[4], ct = sp[5], jj = sp[6], jb = sp[7];
    float N = 0, B = 0, E = 0, J = 0, C = 0;
    double logscale = 0;
    float const * __restrict tbm = fp.tbm.data(), * __restrict md = fp.md.data();
    float const * __restrict dd = fp.dd.data(), * __restrict bprod = fp.bprod.data();
    std::size_t const lb = fp.block, nblocks = (M + lb - 1) / lb;
    for (std::size_t r = L + 1; r-- > 0;)
    {
        std::size_t const i = r;
        if (i == L)
            C = ct, B = J = N = 0;
        else
        {
            float const * __restrict e = fp.et.data() + static_cast<std::size_t>(x[i]) * np; // residue i+1
            multiply(w, e, mn, np); // M_k at row i+1 with its emission
            B = dot8(tbm, w, np);
            C = cc * C;
            J = jj * J + jb * B;
            N = nn * N + nb * B;
        }
        E = ec * C + ej * J;
        if (i < L)
            backward_core(fp, E, w, in, mc, ic, dc);
        else
            for (std::size_t k = 1; k <= M; ++k)
                mc[k] = E, ic[k] = 0, dc[k] = E;
        // The delete chain from node M down, each block from 0 (interleaved) ...
        for (std::size_t j = 1; j < lb; ++j)
            for (std::size_t b = 0; b < nblocks; ++b)
            {
                std::size_t const s = 1 + b * lb, t = std::min(M, s + lb - 1);
                if (t >= s + j)
                {
                    std::size_t const k = t - j;
                    dc[k] += dd[k] * dc[k + 1];
                }
            }
        // ... then each block gets the carry of the one after it.
        for (std::size_t b = nblocks - 1; b-- > 0;)
        {
            std::size_t const s = 1 + b * lb, t = s + lb - 1;
            float const c = dc[t + 1];
            for (std::size_t k = s; k <= t; ++k)
                dc[k] += bprod[k] * c;
        }
        add_shifted(mc + 1, md + 1, dc + 2, M);
        float const big = max8(std::max(std::max(N, B), std::max(std::max(J, C), E)), mc, ic, dc, np);
        float_specials sv{N, B, E, J, C};
        logscale += rescale(big, sv, np, mc, ic, nullptr);
        N = sv[x_n], B = sv[x_b], E = sv[x_e], J = sv[x_j], C = sv[x_c];
        if (sink)
            sink->row(sink->ctx, i, sv, logscale, mc, ic);
        else
            store_row(out, i, sv, logscale, mc, ic, np, keep_core);
        std::swap(mn, mc);
        std::swap(in, ic);
    }
    // Row 0's N and log scale (the last row computed).
    return std::log(static_cast<double>(N)) + logscale;
}

} // namespace emtk::hmm::detail::EMTK_DF_NS
