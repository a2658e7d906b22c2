/// \file
/// \brief The fastPHASE haplotype-cluster HMM: scaled O(K²) forward-backward, statistics, M-step
/// (numerics and sources in include/emtk/geno/hapcluster.hpp).

#include <emtk/geno/hapcluster.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <limits>
#include <memory>

namespace emtk::geno {

hapcluster_stats & hapcluster_stats::operator+=(hapcluster_stats const & o)
{
    EMTK_ASSERT(jumps.size() == o.jumps.size() && alt.size() == o.alt.size(), "hapcluster_stats shapes differ");
    for (std::size_t j = 0; j < jumps.size(); ++j)
        jumps[j] += o.jumps[j];
    for (std::size_t j = 0; j < alt.size(); ++j)
    {
        jump_to[j] += o.jump_to[j];
        chains[j] += o.chains[j];
        alt[j] += o.alt[j];
    }
    samples += o.samples;
    return *this;
}

hapcluster_stats make_hapcluster_stats(int K, std::size_t M)
{
    hapcluster_stats s;
    std::size_t const mk = M * static_cast<std::size_t>(K);
    s.jumps.assign(M, 0.0);
    s.jump_to.assign(mk, 0.0);
    s.chains.assign(mk, 0.0);
    s.alt.assign(mk, 0.0);
    return s;
}

namespace {

/// Emission of the ordered pair (k, l) for genotype G (3 = missing): P(G | θ_k, θ_l), with q = 1 - θ.
template <int G, typename T>
inline T emit(T tk, T qk, T tl, T ql)
{
    if constexpr (G == 0)
        return qk * ql;
    else if constexpr (G == 1)
        return tk * ql + qk * tl;
    else if constexpr (G == 2)
        return tk * tl;
    else
        return T(1);
}

/// Rows of pair arrays are padded to a multiple of this many values (one SSE2 register of floats).
constexpr std::size_t row_pad = 4;

/// Per-thread buffers of one forward-backward call in precision T. Pair arrays are K×Kp
/// row-major (both triangles; Kp = K rounded up to row_pad, the padding columns are 0 in every
/// forward quantity): every "row sum" of a symmetric pair array is accumulated as a column sum,
/// acc[l] += x(k, l) with k in the outer loop, a contiguous element-wise loop the compiler
/// vectorises without reordering any floating-point sum.
template <typename T>
struct workspace
{
    std::vector<T> pred;            // M×K×Kp: forward prediction Σ f̂_{m-1} T T (before the emission)
    std::vector<T> rows;            // M×Kp: row sums of the normalised forward f̂_m
    std::vector<double> scale;      // M: c_m
    std::vector<T> f, b, h;         // K×Kp: current forward (unnormalised), backward, emission × backward
    std::vector<T> v, col, n, x, s2, u, j, w; // Kp each
    std::vector<double> sample;     // per-sample statistics (fast path): M×3K + M
};

template <typename T>
workspace<T> & thread_workspace()
{
    thread_local workspace<T> ws;
    return ws;
}

/// Parameters in precision T with rows padded to Kp (α = 0, θ = q = 1/2 in the padding).
template <typename T>
struct prepared_params
{
    std::size_t K = 0, Kp = 0, M = 0;
    std::vector<T> a, t, q; // M×Kp
    std::vector<double> jump;
};

template <typename T>
void prepare(hapcluster_params const & p, prepared_params<T> & out)
{
    std::size_t const K = static_cast<std::size_t>(p.K), M = p.M;
    std::size_t const Kp = (K + row_pad - 1) / row_pad * row_pad;
    out.K = K;
    out.Kp = Kp;
    out.M = M;
    out.a.assign(M * Kp, T(0));
    out.t.assign(M * Kp, T(0.5));
    out.q.assign(M * Kp, T(0.5));
    for (std::size_t m = 0; m < M; ++m)
        for (std::size_t k = 0; k < K; ++k)
        {
            out.a[m * Kp + k] = static_cast<T>(p.alpha[m * K + k]);
            out.t[m * Kp + k] = static_cast<T>(p.theta[m * K + k]);
            out.q[m * Kp + k] = static_cast<T>(1 - p.theta[m * K + k]);
        }
    out.jump = p.jump;
}

/// One forward step at marker m for genotype G. On entry f = f̃_{m-1} (unnormalised forward, sum
/// c_{m-1}) and v_k = ρ(1-ρ) R̂_{m-1}(k) + ρ²/2 α_k; `stay` = (1-ρ)² / c_{m-1}. Then
///     pred(k,l) = stay f̃(k,l) + v_k α_l + α_k v_l      (the factorised pair transition)
///     f̃_m(k,l) = pred(k,l) e_G(k,l),  col(l) = Σ_k f̃_m(k,l)   (= row sums by symmetry).
/// Returns c_m = Σ col (summed in double).
template <int G, typename T>
double forward_step(std::size_t K, std::size_t Kp, T const * __restrict a, T const * __restrict t,
                    T const * __restrict q, T stay, T const * __restrict v, T * __restrict pred, T * __restrict f,
                    T * __restrict col)
{
    std::fill(col, col + Kp, T(0));
    for (std::size_t k = 0; k < K; ++k)
    {
        T const ak = a[k], vk = v[k], tk = t[k], qk = q[k];
        T * __restrict fk = f + k * Kp;
        T * __restrict pk = pred + k * Kp;
        for (std::size_t l = 0; l < Kp; ++l)
        {
            T const pr = stay * fk[l] + vk * a[l] + ak * v[l];
            pk[l] = pr;
            T const x = pr * emit<G>(tk, qk, t[l], q[l]);
            fk[l] = x;
            col[l] += x;
        }
    }
    double c = 0;
    for (std::size_t l = 0; l < K; ++l)
        c += static_cast<double>(col[l]);
    return c;
}

template <typename T>
double forward(prepared_params<T> const & p, std::span<std::int8_t const> g, workspace<T> & ws)
{
    std::size_t const K = p.K, Kp = p.Kp, M = p.M, KKp = K * Kp;
    ws.pred.resize(M * KKp);
    ws.rows.resize(M * Kp);
    ws.scale.resize(M);
    ws.f.assign(KKp, T(0));
    ws.col.resize(Kp);
    ws.v.assign(Kp, T(0));
    double loglik = 0;
    T * col = ws.col.data();
    T * v = ws.v.data();
    for (std::size_t m = 0; m < M; ++m)
    {
        T const * a = p.a.data() + m * Kp;
        T const * t = p.t.data() + m * Kp;
        T const * q = p.q.data() + m * Kp;
        T stay = 0;
        if (m == 0)
            for (std::size_t k = 0; k < Kp; ++k)
                v[k] = T(0.5) * a[k]; // pred = α_k α_l
        else
        {
            double const rho = p.jump[m];
            T const one = static_cast<T>(rho * (1 - rho)), half_both = static_cast<T>(0.5 * rho * rho);
            T const * Rp = ws.rows.data() + (m - 1) * Kp;
            stay = static_cast<T>((1 - rho) * (1 - rho) / ws.scale[m - 1]);
            for (std::size_t k = 0; k < Kp; ++k)
                v[k] = one * Rp[k] + half_both * a[k];
        }
        T * pr = ws.pred.data() + m * KKp;
        T * f = ws.f.data();
        double c = 0;
        switch (g[m])
        {
        case 0: c = forward_step<0>(K, Kp, a, t, q, stay, v, pr, f, col); break;
        case 1: c = forward_step<1>(K, Kp, a, t, q, stay, v, pr, f, col); break;
        case 2: c = forward_step<2>(K, Kp, a, t, q, stay, v, pr, f, col); break;
        default: c = forward_step<3>(K, Kp, a, t, q, stay, v, pr, f, col); break;
        }
        if (!(c > 0) || !std::isfinite(c))
            return -std::numeric_limits<double>::infinity();
        ws.scale[m] = c;
        T const inv_c = static_cast<T>(1.0 / c);
        T * R = ws.rows.data() + m * Kp;
        for (std::size_t k = 0; k < Kp; ++k)
            R[k] = col[k] * inv_c;
        loglik += std::log(c);
    }
    return loglik;
}

/// Pass 1 of the backward step at marker m for genotype G, with b = b̂_m on entry: one sweep over
/// the pairs (row r outer, column l inner) that forms h = e b and accumulates, as column sums
/// (= row sums by symmetry), all multiplied by c_m:
///   n(l)  = Σ_r pred b e       γ: chains per cluster (and Σ_l n(l) = c_m, the self-check)
///   x(l)  = Σ_r q_r pred b     G = 1: the ALT count of a chain in l is t_l x(l) / c_m (other
///                              chain REF); G = 3: the Σ_r γ(r,l) q_r of P(g = 0)
///   s2(l) = Σ_r t_r pred b     G = 3 only: the Σ_r γ(r,l) t_r of P(g = 2)
///   u(l)  = Σ_r α_r h          the backward recursion
///   j(l)  = Σ_r w_r h          jump statistics (w = the other chain's predicted marginal)
/// Only the sums that the caller uses are formed (Stats: the statistics, Geno: the genotype
/// posteriors); n, u and h always. Each sum is a separate accumulator: leaving one out changes
/// none of the others.
template <int G, bool Stats, bool Geno, typename T>
void backward_pass(std::size_t K, std::size_t Kp, T const * __restrict a, T const * __restrict t,
                   T const * __restrict q, T const * __restrict w, T const * __restrict pred,
                   T const * __restrict b, T * __restrict h, T * __restrict n, T * __restrict x,
                   T * __restrict s2, T * __restrict u, T * __restrict j)
{
    std::fill(n, n + Kp, T(0));
    std::fill(x, x + Kp, T(0));
    std::fill(s2, s2 + Kp, T(0));
    std::fill(u, u + Kp, T(0));
    std::fill(j, j + Kp, T(0));
    for (std::size_t r = 0; r < K; ++r)
    {
        T const tr = t[r], qr = q[r], ar = a[r], wr = w[r];
        T const * __restrict pk = pred + r * Kp;
        T const * __restrict bk = b + r * Kp;
        T * __restrict hk = h + r * Kp;
        for (std::size_t l = 0; l < Kp; ++l)
        {
            T const e = emit<G>(tr, qr, t[l], q[l]);
            T const pb = pk[l] * bk[l];
            T const hv = e * bk[l];
            hk[l] = hv;
            n[l] += pk[l] * hv; // = pb e
            if constexpr ((G == 1 && Stats) || (G == 3 && Geno))
                x[l] += qr * pb;
            if constexpr (G == 3 && Geno)
                s2[l] += tr * pb;
            u[l] += ar * hv;
            if constexpr (Stats)
                j[l] += wr * hv;
        }
    }
}

/// Where one backward call puts a marker's statistics: `chains`, `alt`, `jump_to` (K values at
/// marker m, written with =, not +=) and `jumps` (one value). Zero-initialised by nobody: every
/// marker writes all of its entries.
struct marker_out
{
    double * chains, * alt, * jump_to, * jumps;
};

/// One backward step at marker m for genotype G (3 = missing), with ws.b = b̂_m on entry and
/// b̂_{m-1} in ws.b on exit (m > 0). Writes the marker's statistics to `out` (when want_stats), the
/// genotype posteriors at a missing marker (Geno: genotype_out is not null), and returns
/// Σ_{k,l} γ_m(k,l) (1 up to round-off).
template <int G, bool want_stats, bool Geno, typename T>
double backward_step(prepared_params<T> const & p, workspace<T> & ws, std::size_t m, marker_out const & out,
                     double * genotype_out, std::vector<double> * pair_out)
{
    std::size_t const K = p.K, Kp = p.Kp, KKp = K * Kp;
    T const * a = p.a.data() + m * Kp;
    T const * t = p.t.data() + m * Kp;
    T const * q = p.q.data() + m * Kp;
    T const * pr = ws.pred.data() + m * KKp;
    double const inv_c = 1.0 / ws.scale[m];
    bool const has_prev = m > 0;
    double const rho = has_prev ? p.jump[m] : 1.0;
    // w = (1-ρ) R̂_{m-1} + ρ α: P(the other chain is in l at m | g_1..g_{m-1}) before emission.
    T * w = ws.w.data();
    if constexpr (want_stats)
    {
        if (has_prev)
        {
            T const * Rp = ws.rows.data() + (m - 1) * Kp;
            T const stay1 = static_cast<T>(1 - rho), jump1 = static_cast<T>(rho);
            for (std::size_t l = 0; l < Kp; ++l)
                w[l] = stay1 * Rp[l] + jump1 * a[l];
        }
        else
            std::fill(w, w + Kp, T(0));
    }
    T * n = ws.n.data();
    T * x = ws.x.data();
    T * s2 = ws.s2.data();
    T * u = ws.u.data();
    T * j = ws.j.data();
    backward_pass<G, want_stats, Geno>(K, Kp, a, t, q, w, pr, ws.b.data(), ws.h.data(), n, x, s2, u, j);
    double gamma_sum = 0;
    for (std::size_t k = 0; k < K; ++k)
        gamma_sum += static_cast<double>(n[k]);
    gamma_sum *= inv_c;
    if (G == 3 && Geno)
    {
        // P(g) ∝ Σ_{k,l} γ(k,l) P(x¹ + x² = g | k, l): x = Σ_r q_r γ(r, l), s2 = Σ_r t_r γ(r, l).
        double p0 = 0, p1 = 0, p2 = 0;
        for (std::size_t l = 0; l < K; ++l)
        {
            double const tl = t[l], ql = q[l], xl = x[l], sl = s2[l];
            p0 += ql * xl;
            p1 += tl * xl + ql * sl;
            p2 += tl * sl;
        }
        double const tot = p0 + p1 + p2;
        double * o = genotype_out + 3 * m;
        o[0] = p0 / tot;
        o[1] = p1 / tot;
        o[2] = p2 / tot;
    }
    if constexpr (want_stats)
    {
        for (std::size_t k = 0; k < K; ++k)
        {
            // Chains in k at an observed genotype; their ALT alleles t_k Σ_l pb(k,l) P(other = g-1 | l) / c_m.
            double const nk = G <= 2 ? 2 * static_cast<double>(n[k]) * inv_c : 0.0;
            out.chains[k] = nk;
            out.alt[k] = G == 1 ? 2 * static_cast<double>(t[k]) * static_cast<double>(x[k]) * inv_c : G == 2 ? nk : 0.0;
        }
        if (!has_prev)
        {
            for (std::size_t k = 0; k < K; ++k)
                out.jump_to[k] = 2 * static_cast<double>(n[k]) * inv_c;
            *out.jumps = 2;
        }
        else
        {
            // P(chain 1 jumps into k at m | g) = ρ α_k Σ_l w_l h(k,l) / c_m; both chains: twice that.
            double total = 0;
            for (std::size_t k = 0; k < K; ++k)
            {
                double const vv = 2 * rho * static_cast<double>(a[k]) * static_cast<double>(j[k]) * inv_c;
                out.jump_to[k] = vv;
                total += vv;
            }
            *out.jumps = total;
        }
    }
    if (pair_out)
        for (std::size_t k = 0; k < K; ++k)
            for (std::size_t l = 0; l < K; ++l)
                (*pair_out)[m * K * K + k * K + l] =
                    static_cast<double>(pr[k * Kp + l] * ws.b[k * Kp + l] * emit<G>(t[k], q[k], t[l], q[l])) * inv_c;
    if (!has_prev)
        return gamma_sum;
    // b̂_{m-1}(k,l) = [(1-ρ)² h(k,l) + ρ(1-ρ)(u_k + u_l) + ρ² U] / c_m, U = Σ α_l u_l. The padding
    // columns are set to 0 (they only ever meet a zero forward value).
    double U = 0;
    for (std::size_t k = 0; k < K; ++k)
        U += static_cast<double>(a[k]) * static_cast<double>(u[k]);
    T const stay = static_cast<T>((1 - rho) * (1 - rho) * inv_c), one = static_cast<T>(rho * (1 - rho) * inv_c);
    T const both = static_cast<T>(rho * rho * U * inv_c);
    T * __restrict bp = ws.b.data();
    T const * __restrict h = ws.h.data();
    for (std::size_t k = 0; k < K; ++k)
    {
        T const ck = one * u[k] + both;
        T * __restrict bk = bp + k * Kp;
        T const * __restrict hk = h + k * Kp;
        for (std::size_t l = 0; l < Kp; ++l)
            bk[l] = stay * hk[l] + ck + one * u[l];
        for (std::size_t l = K; l < Kp; ++l)
            bk[l] = T(0);
    }
    return gamma_sum;
}

/// backward_step for the genotype and outputs of marker m (compile-time: only the wanted sums).
template <typename T>
double backward_dispatch(prepared_params<T> const & p, workspace<T> & ws, std::size_t m, int g, bool stats, bool geno,
                         marker_out const & out, double * genotype_out, std::vector<double> * pair_out)
{
    auto step = [&]<bool S, bool Ge>() {
        switch (g)
        {
        case 0: return backward_step<0, S, Ge>(p, ws, m, out, genotype_out, pair_out);
        case 1: return backward_step<1, S, Ge>(p, ws, m, out, genotype_out, pair_out);
        case 2: return backward_step<2, S, Ge>(p, ws, m, out, genotype_out, pair_out);
        default: return backward_step<3, S, Ge>(p, ws, m, out, genotype_out, pair_out);
        }
    };
    if (stats)
        return geno ? step.template operator()<true, true>() : step.template operator()<true, false>();
    return geno ? step.template operator()<false, true>() : step.template operator()<false, false>();
}

/// The whole forward-backward in precision T. Statistics go to `out` (M×3K + M doubles, layout:
/// chains, alt, jump_to as M×K each, then jumps) when not null. Returns log p(g), or NaN when
/// the self-check |Σγ_m - 1| <= gamma_tol failed at some marker (the caller falls back to double).
template <typename T>
double run(prepared_params<T> const & p, std::span<std::int8_t const> g, double * out, double * genotype_out,
           std::vector<double> * pair_out, double gamma_tol)
{
    std::size_t const K = p.K, Kp = p.Kp, M = p.M;
    workspace<T> & ws = thread_workspace<T>();
    double const loglik = forward(p, g, ws);
    if (!std::isfinite(loglik))
        return loglik;
    // Nothing wanted from the backward pass (log p(g) and a draw come from the forward quantities
    // alone): it is skipped, and with it its self-check, which guards only backward outputs.
    if (!out && !genotype_out && !pair_out)
        return loglik;
    if (pair_out)
        pair_out->assign(M * K * K, 0.0);
    ws.b.assign(K * Kp, T(1));
    for (std::size_t k = 0; k < K; ++k)
        for (std::size_t l = K; l < Kp; ++l)
            ws.b[k * Kp + l] = T(0);
    ws.h.resize(K * Kp);
    for (auto * v : {&ws.n, &ws.x, &ws.s2, &ws.u, &ws.j, &ws.w})
        v->resize(Kp);
    bool const want_stats = out != nullptr;
    double dummy[1];
    for (std::size_t mm = M; mm-- > 0;)
    {
        int const gm = g[mm];
        if (genotype_out && gm >= 0 && gm <= 2)
        {
            double * o = genotype_out + 3 * mm;
            o[0] = o[1] = o[2] = 0.0;
            o[gm] = 1.0;
        }
        marker_out mo{dummy, dummy, dummy, dummy};
        if (want_stats)
            mo = {out + mm * K, out + M * K + mm * K, out + 2 * M * K + mm * K, out + 3 * M * K + mm};
        double const gs = backward_dispatch(p, ws, mm, gm, want_stats, genotype_out != nullptr, mo, genotype_out, pair_out);
        if (!(std::abs(gs - 1) <= gamma_tol))
            return std::numeric_limits<double>::quiet_NaN();
    }
    return loglik;
}

/// The single-precision run, which is where impute spends its time, compiled twice by GCC's
/// target_clones (AVX2, and the baseline x86-64 SSE2) and chosen once at load time from the CPU;
/// `flatten` inlines the kernels into each clone so both are vectorised for their target. "avx2"
/// does not enable FMA, and every vector loop here is element-wise with scalar reductions in a
/// fixed order, so both clones perform the same IEEE operations in the same order: the output is
/// byte-identical on either (checked when the clones were added: emtk impute's VCF on a 500-sample,
/// 6,112-site simulation was identical to that of the SSE2-only build).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(EMTK_NO_TARGET_CLONES)
__attribute__((target_clones("avx2", "default"), flatten))
#endif
double run_single(prepared_params<float> const & p, std::span<std::int8_t const> g, double * out,
                  double * genotype_out, double gamma_tol)
{
    return run(p, g, out, genotype_out, nullptr, gamma_tol);
}

/// Emission of genotype g (runtime value; < 0 = missing) for the ordered pair (k, l), in double.
template <typename T>
inline double emit_rt(int g, T tk, T qk, T tl, T ql)
{
    switch (g)
    {
    case 0: return static_cast<double>(emit<0>(tk, qk, tl, ql));
    case 1: return static_cast<double>(emit<1>(tk, qk, tl, ql));
    case 2: return static_cast<double>(emit<2>(tk, qk, tl, ql));
    default: return 1.0;
    }
}

/// Index drawn with probability ∝ w[0..n) given their total (> 0); round-off at the end of the
/// scan falls on the last positive weight.
template <typename F>
std::size_t draw_index(std::size_t n, double total, F const & w, rng & r)
{
    double target = r.uniform() * total;
    std::size_t last = 0;
    for (std::size_t i = 0; i < n; ++i)
    {
        double const x = w(i);
        if (x > 0)
        {
            last = i;
            if (target < x)
                return i;
            target -= x;
        }
    }
    return last;
}

/// The stochastic traceback of haplotype_draw (hapcluster.hpp), from the forward quantities of
/// the last run() in ws: f̂_m(k,l) = pred_m(k,l) e_m(k,l) / c_m and its row sums R̂_m. Given
/// z_m = (k, l), the four cases of z_{m-1} have weights (1-ρ)² f̂(k,l) [both stay],
/// (1-ρ)ρ α_l R̂(k) [chain 2 jumped into l], ρ(1-ρ) α_k R̂(l) [chain 1 jumped], ρ² α_k α_l [both].
template <typename T>
void draw_haplotypes(prepared_params<T> const & p, workspace<T> const & ws, std::span<std::int8_t const> g,
                     haplotype_draw const & d)
{
    std::size_t const K = p.K, Kp = p.Kp, M = p.M, KKp = K * Kp;
    rng & r = *d.random;
    auto fhat = [&](std::size_t m, std::size_t k, std::size_t l) {
        T const * t = p.t.data() + m * Kp;
        T const * q = p.q.data() + m * Kp;
        return static_cast<double>(ws.pred[m * KKp + k * Kp + l]) * emit_rt(g[m], t[k], q[k], t[l], q[l]);
    };
    auto pair_total = [&](std::size_t m) {
        double tot = 0;
        for (std::size_t k = 0; k < K; ++k)
            for (std::size_t l = 0; l < K; ++l)
                tot += fhat(m, k, l);
        return tot;
    };
    auto draw_pair = [&](std::size_t m, std::size_t & k, std::size_t & l) {
        std::size_t const x = draw_index(K * K, pair_total(m), [&](std::size_t i) { return fhat(m, i / K, i % K); }, r);
        k = x / K;
        l = x % K;
    };
    auto draw_in_row = [&](std::size_t m, std::size_t k) {
        double tot = 0;
        for (std::size_t l = 0; l < K; ++l)
            tot += fhat(m, k, l);
        return draw_index(K, tot, [&](std::size_t l) { return fhat(m, k, l); }, r);
    };
    auto alleles = [&](std::size_t m, std::size_t k, std::size_t l) {
        double const tk = static_cast<double>(p.t[m * Kp + k]), tl = static_cast<double>(p.t[m * Kp + l]);
        std::uint8_t a = 0, b = 0;
        switch (g[m])
        {
        case 0: break;
        case 2: a = b = 1; break;
        case 1: {
            double const x = tk * (1 - tl), y = (1 - tk) * tl;
            a = r.uniform() * (x + y) < x ? 1 : 0;
            b = static_cast<std::uint8_t>(1 - a);
            break;
        }
        default:
            a = r.uniform() < tk ? 1 : 0;
            b = r.uniform() < tl ? 1 : 0;
            break;
        }
        d.hap1[m] = a;
        d.hap2[m] = b;
    };
    std::size_t k = 0, l = 0;
    draw_pair(M - 1, k, l);
    alleles(M - 1, k, l);
    for (std::size_t m = M - 1; m > 0; --m)
    {
        // Case weights (common factor 1 / c_{m-1} dropped from all four).
        double const rho = p.jump[m];
        T const * a = p.a.data() + m * Kp;
        T const * R = ws.rows.data() + (m - 1) * Kp;
        double const c = ws.scale[m - 1];
        double const ak = static_cast<double>(a[k]), al = static_cast<double>(a[l]);
        double const w[4] = {(1 - rho) * (1 - rho) * fhat(m - 1, k, l),
                             (1 - rho) * rho * al * static_cast<double>(R[k]) * c,
                             rho * (1 - rho) * ak * static_cast<double>(R[l]) * c, rho * rho * ak * al * c};
        switch (draw_index(4, w[0] + w[1] + w[2] + w[3], [&](std::size_t i) { return w[i]; }, r))
        {
        case 0: break;
        case 1: l = draw_in_row(m - 1, k); break;
        case 2: k = draw_in_row(m - 1, l); break; // f̂(k', l) = f̂(l, k')
        default: draw_pair(m - 1, k, l); break;
        }
        alleles(m - 1, k, l);
    }
}

/// Adds one sample's statistics (the layout of run) to s.
void add_sample(double const * out, std::size_t K, std::size_t M, hapcluster_stats & s)
{
    std::size_t const MK = M * K;
    for (std::size_t i = 0; i < MK; ++i)
        s.chains[i] += out[i];
    for (std::size_t i = 0; i < MK; ++i)
        s.alt[i] += out[MK + i];
    for (std::size_t i = 0; i < MK; ++i)
        s.jump_to[i] += out[2 * MK + i];
    for (std::size_t m = 0; m < M; ++m)
        s.jumps[m] += out[3 * MK + m];
    s.samples += 1;
}

/// Double-precision forward-backward of one sample from raw parameters (reference path and the
/// fallback of the single-precision one).
double forward_backward_double(prepared_params<double> const & p, std::span<std::int8_t const> g,
                               hapcluster_stats * stats, double * genotype_out, std::vector<double> * pair_out,
                               haplotype_draw const * draw)
{
    std::vector<double> & buf = thread_workspace<double>().sample;
    if (stats)
        buf.resize(3 * p.M * p.K + p.M);
    // In double the self-check cannot fail short of overflow: the tolerance only catches NaN.
    double const ll = run(p, g, stats ? buf.data() : nullptr, genotype_out, pair_out, 1e-6);
    if (stats && std::isfinite(ll))
        add_sample(buf.data(), p.K, p.M, *stats);
    if (draw && std::isfinite(ll))
        draw_haplotypes(p, thread_workspace<double>(), g, *draw);
    return ll;
}

} // namespace

struct hapcluster_prepared::impl
{
    hapcluster_params const * params = nullptr;
    prepared_params<float> fast;
};

hapcluster_prepared::hapcluster_prepared(hapcluster_params const & p) : impl_{std::make_unique<impl>()}
{
    impl_->params = &p;
    prepare(p, impl_->fast);
}

hapcluster_prepared::~hapcluster_prepared() = default;

double hapcluster_forward_backward(hapcluster_params const & p, std::span<std::int8_t const> g,
                                   hapcluster_stats * stats, double * genotype_out, std::vector<double> * pair_out,
                                   haplotype_draw const * draw)
{
    EMTK_ASSERT(g.size() == p.M && p.alpha.size() == p.M * static_cast<std::size_t>(p.K) &&
                    p.theta.size() == p.alpha.size() && p.jump.size() == p.M,
                "hapcluster parameters and genotypes disagree in shape");
    if (p.M == 0)
        return 0.0;
    thread_local prepared_params<double> pd;
    prepare(p, pd);
    return forward_backward_double(pd, g, stats, genotype_out, pair_out, draw);
}

double hapcluster_forward_backward(hapcluster_prepared const & pp, std::span<std::int8_t const> g,
                                   hapcluster_stats * stats, double * genotype_out, bool * fell_back,
                                   haplotype_draw const * draw)
{
    auto const & p = pp.impl_->fast;
    EMTK_ASSERT(g.size() == p.M, "hapcluster parameters and genotypes disagree in shape");
    if (fell_back)
        *fell_back = false;
    if (p.M == 0)
        return 0.0;
    std::vector<double> & buf = thread_workspace<float>().sample;
    if (stats)
        buf.resize(3 * p.M * p.K + p.M);
    double const ll = run_single(p, g, stats ? buf.data() : nullptr, genotype_out, single_gamma_tolerance);
    if (std::isfinite(ll))
    {
        if (stats)
            add_sample(buf.data(), p.K, p.M, *stats);
        if (draw)
            draw_haplotypes(p, thread_workspace<float>(), g, *draw);
        return ll;
    }
    if (fell_back)
        *fell_back = true;
    return hapcluster_forward_backward(*pp.impl_->params, g, stats, genotype_out, nullptr, draw);
}

namespace {

/// Emission for a runtime genotype (the independent backward check below).
double emission(int g, double tk, double tl)
{
    switch (g)
    {
    case 0: return emit<0>(tk, 1 - tk, tl, 1 - tl);
    case 1: return emit<1>(tk, 1 - tk, tl, 1 - tl);
    case 2: return emit<2>(tk, 1 - tk, tl, 1 - tl);
    default: return 1.0;
    }
}

} // namespace

double hapcluster_backward_loglik(hapcluster_params const & p, std::span<std::int8_t const> g)
{
    std::size_t const K = static_cast<std::size_t>(p.K), M = p.M, KK = K * K;
    if (M == 0)
        return 0.0;
    std::vector<double> b(KK, 1.0), h(KK), u(K), bp(KK);
    double logscale = 0;
    for (std::size_t m = M - 1; m >= 1; --m)
    {
        double const * t = p.theta.data() + m * K;
        double const * a = p.alpha.data() + m * K;
        for (std::size_t k = 0; k < K; ++k)
        {
            double uk = 0;
            for (std::size_t l = 0; l < K; ++l)
            {
                h[k * K + l] = emission(g[m], t[k], t[l]) * b[k * K + l];
                uk += a[l] * h[k * K + l];
            }
            u[k] = uk;
        }
        double U = 0;
        for (std::size_t k = 0; k < K; ++k)
            U += a[k] * u[k];
        double const rho = p.jump[m];
        double s = 0;
        for (std::size_t k = 0; k < K; ++k)
            for (std::size_t l = 0; l < K; ++l)
            {
                bp[k * K + l] = (1 - rho) * (1 - rho) * h[k * K + l] + rho * (1 - rho) * (u[k] + u[l]) + rho * rho * U;
                s += bp[k * K + l];
            }
        for (auto & v : bp)
            v /= s;
        logscale += std::log(s);
        std::swap(b, bp);
    }
    double const * t = p.theta.data();
    double const * a = p.alpha.data();
    double tot = 0;
    for (std::size_t k = 0; k < K; ++k)
        for (std::size_t l = 0; l < K; ++l)
            tot += a[k] * a[l] * emission(g[0], t[k], t[l]) * b[k * K + l];
    return std::log(tot) + logscale;
}

void hapcluster_initialize(hapcluster_params & p, int K, std::size_t M, hapcluster_options const & opt, rng & r)
{
    EMTK_ASSERT(K >= 1, "K must be >= 1");
    p.K = K;
    p.M = M;
    std::size_t const mk = M * static_cast<std::size_t>(K);
    p.jump.assign(M, opt.jump_init);
    if (M > 0)
        p.jump[0] = 1.0;
    p.alpha.assign(mk, 1.0 / K);
    p.theta.resize(mk);
    for (auto & t : p.theta)
        t = opt.theta_min + (opt.theta_max - opt.theta_min) * r.uniform();
}

void hapcluster_maximize(hapcluster_stats const & s, hapcluster_params & p, hapcluster_options const & opt)
{
    std::size_t const K = static_cast<std::size_t>(p.K), M = p.M;
    double const chains = 2 * s.samples;
    for (std::size_t m = 0; m < M; ++m)
    {
        if (m > 0 && chains > 0)
            p.jump[m] = std::clamp(s.jumps[m] / chains, opt.jump_min, opt.jump_max);
        double const J = s.jumps[m];
        // α keeps its value when no jump is expected (Q does not depend on it then).
        if (J > 1e-300)
            for (std::size_t k = 0; k < K; ++k)
                p.alpha[m * K + k] = s.jump_to[m * K + k] / J;
        for (std::size_t k = 0; k < K; ++k)
        {
            double const n = s.chains[m * K + k];
            if (n > 1e-300)
                p.theta[m * K + k] = std::clamp(s.alt[m * K + k] / n, opt.theta_min, opt.theta_max);
        }
    }
}

hapcluster_model::hapcluster_model(std::span<std::int8_t const> genotypes, std::size_t n_samples,
                                   std::size_t n_markers, hapcluster_options const & opt) :
    genotypes_{genotypes}, n_samples_{n_samples}, n_markers_{n_markers}, opt_{opt}
{
    EMTK_ASSERT(genotypes.size() == n_samples * n_markers, "genotype matrix size mismatch");
    std::vector<double> alt(n_markers, 0.0), obs(n_markers, 0.0);
    for (std::size_t i = 0; i < n_samples; ++i)
        for (std::size_t m = 0; m < n_markers; ++m)
            if (std::int8_t const g = genotypes[i * n_markers + m]; g != missing_genotype)
            {
                alt[m] += g;
                obs[m] += 2;
            }
    freq_.resize(n_markers);
    for (std::size_t m = 0; m < n_markers; ++m)
        freq_[m] = obs[m] > 0 ? alt[m] / obs[m] : 0.5;
}

void hapcluster_model::pack(stats_type const & s, std::vector<double> & out) const
{
    for (auto const * v : {&s.jumps, &s.jump_to, &s.chains, &s.alt})
        out.insert(out.end(), v->begin(), v->end());
    out.push_back(s.samples);
}

std::size_t hapcluster_model::unpack(std::span<double const> in, stats_type & s) const
{
    std::size_t n = 0;
    for (auto * v : {&s.jumps, &s.jump_to, &s.chains, &s.alt})
    {
        if (in.size() < n + v->size())
            throw std::runtime_error("impute: MPI statistics too short");
        std::copy(in.begin() + static_cast<std::ptrdiff_t>(n), in.begin() + static_cast<std::ptrdiff_t>(n + v->size()),
                  v->begin());
        n += v->size();
    }
    if (in.size() < n + 1)
        throw std::runtime_error("impute: MPI statistics too short");
    s.samples = in[n];
    return n + 1;
}

hapcluster_stats hapcluster_model::make_stats(params_type const & p) const
{
    return make_hapcluster_stats(p.K, p.M);
}

double hapcluster_model::expect(std::size_t i, params_type const & p, stats_type & s) const
{
    return expect_range(i, i + 1, p, s);
}

double hapcluster_model::expect_range(std::size_t begin, std::size_t end, params_type const & p, stats_type & s) const
{
    if (!opt_.single_precision)
    {
        double ll = 0;
        for (std::size_t i = begin; i < end; ++i)
            ll += hapcluster_forward_backward(p, sample(i), &s);
        return ll;
    }
    hapcluster_prepared const pp{p};
    double ll = 0;
    for (std::size_t i = begin; i < end; ++i)
        ll += hapcluster_forward_backward(pp, sample(i), &s);
    return ll;
}

void hapcluster_model::maximize(stats_type const & s, params_type & p) const
{
    hapcluster_maximize(s, p, opt_);
}

void hapcluster_model::initialize(rng & r, params_type & p) const
{
    hapcluster_initialize(p, opt_.clusters, n_markers_, opt_, r);
    if (!opt_.data_start || n_samples_ == 0)
        return;
    std::size_t const K = static_cast<std::size_t>(opt_.clusters);
    for (std::size_t k = 0; k < K; ++k)
    {
        std::int8_t const * g = genotypes_.data() + r.below(n_samples_) * n_markers_;
        for (std::size_t m = 0; m < n_markers_; ++m)
        {
            double const f = freq_[m];
            double const x = g[m] == 0 ? 0.0 : g[m] == 2 ? 1.0 : g[m] == 1 ? (r.uniform() < 0.5 ? 1.0 : 0.0)
                                                                           : (r.uniform() < f ? 1.0 : 0.0);
            p.theta[m * K + k] = std::clamp(0.5 * (f + x), opt_.theta_min, opt_.theta_max);
        }
    }
}

} // namespace emtk::geno
