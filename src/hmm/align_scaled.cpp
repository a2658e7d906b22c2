// Posterior decoding for alignment in odds space with row rescaling: see align_scaled.hpp.
#include "align_scaled.hpp"

#include "domain_posterior.hpp" // reset_posterior, posterior_product

#include <emtk/hmm/dp_matrix.hpp>

#include <algorithm>
#include <cmath>

namespace emtk::hmm::detail {

scaled_profile::scaled_profile(profile const & p)
    : M{p.M}, Kp{static_cast<std::size_t>(p.Kp)}, xsc{p.xsc}
{
    auto const n = static_cast<std::size_t>(M + 1);
    me.assign(n * Kp, 0.0);
    ie.assign(n * Kp, 0.0);
    for (std::size_t c = 0; c < Kp; ++c)
    {
        if (!std::isfinite(p.xsc[c]))
            usable = false;
        for (std::size_t k = 0; k < n; ++k)
        {
            if (k > 0)
                me[c * n + k] = std::exp(p.msc[k * Kp + c] - p.xsc[c]);
            ie[c * n + k] = std::exp(p.isc[k * Kp + c] - p.xsc[c]);
        }
    }
    for (auto * v : {&mm, &im, &dm, &mi, &ii, &md, &dd, &enter_m, &exit_m, &exit_d})
        v->assign(n, 0.0);
    for (std::size_t k = 0; k < n; ++k)
    {
        auto const & t = p.tsc[k];
        mm[k] = std::exp(t[t_mm]), im[k] = std::exp(t[t_im]), dm[k] = std::exp(t[t_dm]);
        mi[k] = std::exp(t[t_mi]), ii[k] = std::exp(t[t_ii]), md[k] = std::exp(t[t_md]), dd[k] = std::exp(t[t_dd]);
        enter_m[k] = std::exp(p.enter_m[k]);
        exit_m[k] = std::exp(p.exit_m[k]);
        exit_d[k] = std::exp(p.exit_d[k]);
    }
    enter_i0 = std::exp(p.enter_i0);
    exit_i = std::exp(p.exit_i);
    for (auto const * v : {&me, &ie, &mm, &im, &dm, &mi, &ii, &md, &dd, &enter_m, &exit_m, &exit_d})
        for (double const d : *v)
            if (!std::isfinite(d))
                usable = false;
    if (!std::isfinite(enter_i0) || !std::isfinite(exit_i))
        usable = false;
}

namespace {

/// Divides v[0 … n) by `big` (> 0).
inline void divide(double * v, std::size_t n, double big) noexcept
{
    double const f = 1.0 / big;
    for (std::size_t k = 0; k < n; ++k)
        v[k] *= f;
}

} // namespace

bool scaled_posterior(scaled_profile const & sp, profile const & p, digital_sequence x, posterior & pp,
                      double & loglik, scaled_workspace & w)
{
    if (!sp.usable)
        return false;
    std::size_t const L = x.size();
    auto const n = static_cast<std::size_t>(sp.M + 1);
    std::size_t const M = n - 1;
    constexpr std::size_t S = n_special_states;
    special_row const tr = special_transitions(p, L);
    double const nn = std::exp(tr[n_loop]), nb = std::exp(tr[n_move]), ec = std::exp(tr[e_move]),
                 ej = std::exp(tr[e_loop]), cc = std::exp(tr[c_loop]), ct = std::exp(tr[c_move]),
                 jj = std::exp(tr[j_loop]), jb = std::exp(tr[j_move]);

    // Forward (forward()'s recurrences), every row divided by its largest value.
    w.fm.assign((L + 1) * n, 0.0);
    w.fi.assign((L + 1) * n, 0.0);
    w.fx.assign((L + 1) * S, 0.0);
    w.fs.assign(L + 1, 0.0);
    std::vector<double> dprev(n, 0.0), dcur(n, 0.0);
    w.fx[x_n] = 1, w.fx[x_b] = nb;
    double xsum = 0; // Σ xsc[x_i]
    for (std::size_t i = 1; i <= L; ++i)
    {
        std::size_t const c = x[i - 1];
        if (c >= sp.Kp)
            return false;
        xsum += sp.xsc[c];
        double const * me = sp.me.data() + c * n, * ie = sp.ie.data() + c * n;
        double const * mp = w.fm.data() + (i - 1) * n, * ip = w.fi.data() + (i - 1) * n;
        double * mc = w.fm.data() + i * n, * ic = w.fi.data() + i * n;
        double const * xp = w.fx.data() + (i - 1) * S;
        double * xc = w.fx.data() + i * S;
        double const b_prev = xp[x_b];
        ic[0] = ie[0] * (b_prev * sp.enter_i0 + ip[0] * sp.ii[0]);
        double big = ic[0];
        double e = 0;
        for (std::size_t k = 1; k <= M; ++k)
        {
            mc[k] = me[k] * (b_prev * sp.enter_m[k] + ip[k - 1] * sp.im[k - 1] +
                             (mp[k - 1] * sp.mm[k - 1] + dprev[k - 1] * sp.dm[k - 1]));
            ic[k] = ie[k] * (mp[k] * sp.mi[k] + ip[k] * sp.ii[k]);
            dcur[k] = mc[k - 1] * sp.md[k - 1] + dcur[k - 1] * sp.dd[k - 1];
            e += mc[k] * sp.exit_m[k] + dcur[k] * sp.exit_d[k];
            big = std::max(big, std::max(mc[k], std::max(ic[k], dcur[k])));
        }
        e += ic[M] * sp.exit_i;
        xc[x_e] = e;
        xc[x_j] = xp[x_j] * jj + e * ej;
        xc[x_c] = xp[x_c] * cc + e * ec;
        xc[x_n] = xp[x_n] * nn;
        xc[x_b] = xc[x_n] * nb + xc[x_j] * jb;
        for (std::size_t s = 0; s < S; ++s)
            big = std::max(big, xc[s]);
        if (!(big > 0) || !std::isfinite(big))
            return false; // the profile cannot emit x_1 … x_i
        divide(mc, n, big), divide(ic, n, big), divide(dcur.data(), n, big), divide(xc, S, big);
        w.fs[i] = w.fs[i - 1] + std::log(big);
        std::swap(dprev, dcur);
    }
    double const fend = w.fx[L * S + x_c] * ct;
    if (!(fend > 0))
        return false;
    double const ll = std::log(fend) + w.fs[L]; // odds score

    // Backward (backward()'s recurrences), rows divided by their largest value; each row's
    // posteriors are written as soon as it is known.
    reset_posterior(pp, L, sp.M);
    w.bm.assign(n, 0.0), w.bi.assign(n, 0.0), w.bd.assign(n, 0.0), w.nm.assign(n, 0.0), w.ni.assign(n, 0.0);
    double bs = 0;                      // log scale of the current backward row
    double bxn = 0, bxj = 0, bxc = 0;   // next row's specials (scaled by bs_next)
    double bs_next = 0;
    for (std::size_t i = L + 1; i-- > 0;)
    {
        bool const more = i < L;
        std::size_t const c = more ? x[i] : 0;
        double const * me = sp.me.data() + c * n, * ie = sp.ie.data() + c * n;
        double const * mn = w.nm.data(), * in = w.ni.data();
        double * bm = w.bm.data(), * bi = w.bi.data(), * bd = w.bd.data();
        // The next row's values are divided by e^{bs_next}; this row is computed on that scale.
        double const C = more ? bxc * cc : ct;
        double B = 0;
        if (more)
        {
            for (std::size_t k = 1; k <= M; ++k)
                B += sp.enter_m[k] * me[k] * mn[k];
            B += sp.enter_i0 * ie[0] * in[0];
        }
        double const J = (more ? bxj * jj : 0.0) + B * jb;
        double const N = (more ? bxn * nn : 0.0) + B * nb;
        double const E = J * ej + C * ec;
        double big = std::max(std::max(C, B), std::max(J, std::max(N, E)));
        for (std::size_t k = M; k >= 1; --k)
        {
            double const to_m = (more && k < M) ? me[k + 1] * mn[k + 1] : 0.0;
            double const next_i = more ? ie[k] * in[k] : 0.0;
            double const next_d = k < M ? bd[k + 1] : 0.0;
            bd[k] = (k < M ? sp.dm[k] * to_m + sp.dd[k] * next_d : 0.0) + sp.exit_d[k] * E;
            bm[k] = (k < M ? sp.mm[k] * to_m + sp.md[k] * next_d : 0.0) + sp.mi[k] * next_i + sp.exit_m[k] * E;
            bi[k] = (k < M ? sp.im[k] * to_m : 0.0) + sp.ii[k] * next_i + (k == M ? sp.exit_i * E : 0.0);
            big = std::max(big, std::max(bm[k], std::max(bi[k], bd[k])));
        }
        bi[0] = more ? sp.im[0] * me[1] * mn[1] + sp.ii[0] * ie[0] * in[0] : 0.0;
        big = std::max(big, bi[0]);
        if (!std::isfinite(big))
            return false;
        double sC = C, sJ = J, sN = N;
        bs = bs_next;
        if (big > 0) // a zero row (nothing after it can be emitted) stays zero
        {
            double const f = 1.0 / big;
            divide(bm, n, big), divide(bi, n, big), divide(bd, n, big);
            sC *= f, sJ *= f, sN *= f;
            bs += std::log(big);
        }
        if (i == 0)
        {
            double const llb = std::log(sN) + bs;
            if (!std::isfinite(llb) || std::abs(ll - llb) > 1e-9 * std::max(1.0, std::abs(ll)))
                return false;
        }
        else
        {
            // Posteriors of row i: forward · backward · e^{fs + bs − ll} (decode_posterior's).
            double const * fx = w.fx.data() + i * S, * fxp = w.fx.data() + (i - 1) * S;
            double const * fm = w.fm.data() + i * n, * fi = w.fi.data() + i * n;
            double const r = w.fs[i] + bs - ll;
            double * pm = pp.m.data() + i * n, * pi = pp.ins.data() + i * n;
            if (std::abs(r) < 600)
            {
                double const er = std::exp(r);
                for (std::size_t k = 1; k <= M; ++k)
                    pm[k] = fm[k] * bm[k] * er;
                for (std::size_t k = 0; k <= M; ++k)
                    pi[k] = fi[k] * bi[k] * er;
            }
            else
            {
                for (std::size_t k = 1; k <= M; ++k)
                    pm[k] = posterior_product(fm[k], bm[k], r);
                for (std::size_t k = 0; k <= M; ++k)
                    pi[k] = posterior_product(fi[k], bi[k], r);
            }
            pp.n[i] = posterior_product(fx[x_n], sN, r);
            double const r1 = w.fs[i - 1] + bs - ll;
            pp.c[i] = posterior_product(fxp[x_c] * cc, sC, r1);
            pp.j[i] = posterior_product(fxp[x_j] * jj, sJ, r1);
        }
        bxc = sC, bxj = sJ, bxn = sN, bs_next = bs;
        std::swap(w.nm, w.bm), std::swap(w.ni, w.bi);
    }
    loglik = ll + xsum;
    return std::isfinite(loglik);
}

} // namespace emtk::hmm::detail
