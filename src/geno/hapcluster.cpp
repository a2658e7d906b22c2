/// \file
/// \brief The fastPHASE haplotype-cluster HMM: scaled O(K²) forward-backward, statistics, M-step
/// (numerics and sources in include/emtk/geno/hapcluster.hpp).

#include <emtk/geno/hapcluster.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

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
template <int G>
inline double emit(double tk, double qk, double tl, double ql)
{
    if constexpr (G == 0)
        return qk * ql;
    else if constexpr (G == 1)
        return tk * ql + qk * tl;
    else if constexpr (G == 2)
        return tk * tl;
    else
        return 1.0;
}

/// Per-thread buffers of one forward-backward call. The pair arrays are K×K row-major but only
/// their upper triangle (l >= k) is computed: every pair quantity here is symmetric, so sums over
/// a full row are taken as row part + column part of the triangle (halves the work).
struct workspace
{
    std::vector<double> pred;  // M×K²: forward prediction Σ f̂_{m-1} T T (before the emission), triangle
    std::vector<double> rows;  // M×K: row sums of the normalised forward f̂_m
    std::vector<double> scale; // M: c_m
    std::vector<double> ft, b, bprev, h, q;
    std::vector<double> row, col, row2, col2, row3, col3, w;
};

workspace & thread_workspace()
{
    thread_local workspace ws;
    return ws;
}

/// One forward step at marker m for genotype G: pred_m from f̃_{m-1} (= ft, scale c_prev), then
/// f̃_m = pred_m ∘ e_m into ft; returns c_m = Σ f̃_m and leaves the normalised row sums in R.
template <int G>
double forward_step(std::size_t K, double const * a, double const * t, double const * q, double rho, double c_prev,
                    bool first, double const * Rprev, double * pred, double * ft, double * R, double * col)
{
    double const inv = first ? 0.0 : 1.0 / c_prev;
    double const stay = (1 - rho) * (1 - rho) * inv, one = rho * (1 - rho), both = rho * rho;
    std::fill(col, col + K, 0.0);
    double c = 0;
    for (std::size_t k = 0; k < K; ++k)
    {
        double const ak = a[k], tk = t[k], qk = q[k];
        double const * fk = ft + k * K;
        double * pk = pred + k * K;
        double * fo = ft + k * K;
        double rowsum = 0;
        if (first)
        {
            for (std::size_t l = k; l < K; ++l)
            {
                double const pr = ak * a[l];
                pk[l] = pr;
                double const v = pr * emit<G>(tk, qk, t[l], q[l]);
                fo[l] = v;
                rowsum += v;
                col[l] += v;
            }
        }
        else
        {
            double const Rk = Rprev[k];
            double const c1 = one * Rk + both * ak, c2 = one * ak;
            for (std::size_t l = k; l < K; ++l)
            {
                double const pr = stay * fk[l] + c1 * a[l] + c2 * Rprev[l];
                pk[l] = pr;
                double const v = pr * emit<G>(tk, qk, t[l], q[l]);
                fo[l] = v;
                rowsum += v;
                col[l] += v;
            }
        }
        // The diagonal was added to both rowsum and col[k]: R(k) = Σ_{l>=k} + Σ_{l<k} (column part).
        R[k] = rowsum;
        c += 2 * rowsum - fo[k];
    }
    double const inv_c = 1.0 / c;
    for (std::size_t k = 0; k < K; ++k)
        R[k] = (R[k] + col[k] - ft[k * K + k]) * inv_c;
    return c;
}

double forward(hapcluster_params const & p, std::span<std::int8_t const> g, workspace & ws)
{
    std::size_t const K = static_cast<std::size_t>(p.K), M = p.M, KK = K * K;
    ws.pred.resize(M * KK);
    ws.rows.resize(M * K);
    ws.scale.resize(M);
    ws.ft.assign(KK, 0.0);
    ws.q.resize(M * K);
    ws.col.resize(K);
    for (std::size_t j = 0; j < M * K; ++j)
        ws.q[j] = 1 - p.theta[j];
    double loglik = 0;
    for (std::size_t m = 0; m < M; ++m)
    {
        double const * a = p.alpha.data() + m * K;
        double const * t = p.theta.data() + m * K;
        double const * q = ws.q.data() + m * K;
        bool const first = m == 0;
        double const rho = first ? 1.0 : p.jump[m];
        double const cp = first ? 1.0 : ws.scale[m - 1];
        double const * Rp = first ? nullptr : ws.rows.data() + (m - 1) * K;
        double * pr = ws.pred.data() + m * KK;
        double * R = ws.rows.data() + m * K;
        double c = 0;
        switch (g[m])
        {
        case 0: c = forward_step<0>(K, a, t, q, rho, cp, first, Rp, pr, ws.ft.data(), R, ws.col.data()); break;
        case 1: c = forward_step<1>(K, a, t, q, rho, cp, first, Rp, pr, ws.ft.data(), R, ws.col.data()); break;
        case 2: c = forward_step<2>(K, a, t, q, rho, cp, first, Rp, pr, ws.ft.data(), R, ws.col.data()); break;
        default: c = forward_step<3>(K, a, t, q, rho, cp, first, Rp, pr, ws.ft.data(), R, ws.col.data()); break;
        }
        if (!(c > 0) || !std::isfinite(c))
            return -std::numeric_limits<double>::infinity();
        ws.scale[m] = c;
        loglik += std::log(c);
    }
    return loglik;
}

/// Finishes a symmetric "row + column" accumulation: out[k] = row[k] + col[k].
inline void fold(std::size_t K, double * row, double const * col)
{
    for (std::size_t k = 0; k < K; ++k)
        row[k] += col[k];
}

/// One backward step at marker m for genotype G (3 = missing), with b = b̂_m (triangle) on entry.
/// Adds the marker's statistics, writes genotype posteriors at a missing marker, and computes
/// b̂_{m-1} into bprev when m > 0.
template <int G>
void backward_step(hapcluster_params const & p, workspace & ws, std::size_t m, hapcluster_stats * stats,
                   double * genotype_out, std::vector<double> * pair_out)
{
    std::size_t const K = static_cast<std::size_t>(p.K), KK = K * K;
    double const * a = p.alpha.data() + m * K;
    double const * t = p.theta.data() + m * K;
    double const * q = ws.q.data() + m * K;
    double const * pr = ws.pred.data() + m * KK;
    double const * b = ws.b.data();
    double * h = ws.h.data();
    double const inv_c = 1.0 / ws.scale[m];
    bool const observed = G <= 2;
    bool const want_n = stats != nullptr;
    bool const want_x = stats != nullptr && (G == 1 || G == 2);
    bool const want_gp = genotype_out != nullptr && !observed;
    bool const has_prev = m > 0;
    bool const want_jump = stats != nullptr && has_prev;
    double * nrow = ws.row.data(); double * ncol = ws.col.data();     // γ row sums
    double * xrow = ws.row2.data(); double * xcol = ws.col2.data();   // Σ_l pb(k,l) q_l (ALT of chain 1), or s0/s2 parts
    double * urow = ws.row3.data(); double * ucol = ws.col3.data();   // u(k) = Σ_l α_l h(k,l)
    std::fill(ws.row.begin(), ws.row.end(), 0.0);
    std::fill(ws.col.begin(), ws.col.end(), 0.0);
    std::fill(ws.row2.begin(), ws.row2.end(), 0.0);
    std::fill(ws.col2.begin(), ws.col2.end(), 0.0);
    std::fill(ws.row3.begin(), ws.row3.end(), 0.0);
    std::fill(ws.col3.begin(), ws.col3.end(), 0.0);
    // Jump statistics: Σ_l w_l h(k,l) with w = (1-ρ) R̂_{m-1} + ρ α (accumulated in w's second half).
    double const rho = has_prev ? p.jump[m] : 1.0;
    double * w = ws.w.data();
    double * jrow = w + K;
    double * jcol = w + 2 * K;
    if (want_jump)
    {
        double const * Rp = ws.rows.data() + (m - 1) * K;
        for (std::size_t l = 0; l < K; ++l)
        {
            w[l] = (1 - rho) * Rp[l] + rho * a[l];
            jrow[l] = jcol[l] = 0.0;
        }
    }
    for (std::size_t k = 0; k < K; ++k)
    {
        double const tk = t[k], qk = q[k], ak = a[k];
        // For G = 1 the ALT of chain 1 needs chain 2 REF (q_l); for G = 2 chain 2 ALT (t_l).
        double const zk = G == 2 ? tk : qk;
        double const * prk = pr + k * K;
        double const * bk = b + k * K;
        double * hk = h + k * K;
        double n_r = 0, x_r = 0, u_r = 0, j_r = 0, s2_r = 0;
        for (std::size_t l = k; l < K; ++l)
        {
            double const e = emit<G>(tk, qk, t[l], q[l]);
            double const pb = prk[l] * bk[l] * inv_c;
            double const gam = pb * e;
            double const dup = l > k ? 1.0 : 0.0; // the column part counts off-diagonal pairs only
            if (want_n || want_gp)
            {
                n_r += gam;
                ncol[l] += dup * gam;
            }
            if (want_x)
            {
                double const zl = G == 2 ? t[l] : q[l];
                x_r += pb * zl;
                xcol[l] += dup * pb * zk;
            }
            if (want_gp)
            {
                // s0 = Σ γ q_l in (xrow, xcol); s2 = Σ γ t_l in (urow2 = jrow-free buffers below).
                x_r += gam * q[l];
                xcol[l] += dup * gam * qk;
                s2_r += gam * t[l];
            }
            if (has_prev)
            {
                double const hv = e * bk[l];
                hk[l] = hv;
                u_r += a[l] * hv;
                ucol[l] += dup * ak * hv;
                if (want_jump)
                {
                    j_r += w[l] * hv;
                    jcol[l] += dup * w[k] * hv;
                }
            }
        }
        nrow[k] = n_r;
        xrow[k] = x_r;
        urow[k] = u_r;
        if (want_jump)
            jrow[k] = j_r;
        if (want_gp)
            ws.h[KK + k] = s2_r; // s2 row part (h has room: see the caller)
    }
    if (want_n || want_gp)
        fold(K, nrow, ncol);
    if (want_gp)
    {
        // s2 column part: Σ_{l<k} γ(l,k) t_l, from the triangle.
        double * s2 = ws.h.data() + KK;
        double const * s0 = xrow;
        fold(K, xrow, xcol);
        for (std::size_t k = 0; k < K; ++k)
        {
            double colpart = 0;
            for (std::size_t l = 0; l < k; ++l)
                colpart += pr[l * K + k] * b[l * K + k] * inv_c * t[l];
            s2[k] += colpart;
        }
        double p0 = 0, p1 = 0, p2 = 0;
        for (std::size_t k = 0; k < K; ++k)
        {
            p0 += q[k] * s0[k];
            p1 += t[k] * s0[k] + q[k] * s2[k];
            p2 += t[k] * s2[k];
        }
        double const tot = p0 + p1 + p2;
        double * out = genotype_out + 3 * m;
        out[0] = p0 / tot;
        out[1] = p1 / tot;
        out[2] = p2 / tot;
    }
    if (stats)
    {
        if (observed)
        {
            double * ch = stats->chains.data() + m * K;
            for (std::size_t k = 0; k < K; ++k)
                ch[k] += 2 * nrow[k];
            if (want_x)
            {
                fold(K, xrow, xcol);
                double * al = stats->alt.data() + m * K;
                for (std::size_t k = 0; k < K; ++k)
                    al[k] += 2 * t[k] * xrow[k];
            }
        }
        if (!has_prev)
        {
            for (std::size_t k = 0; k < K; ++k)
                stats->jump_to[k] += 2 * nrow[k];
            stats->jumps[0] += 2;
            stats->samples += 1;
        }
        else
        {
            // P(chain 1 jumps into k at m | g) = ρ α_k Σ_l w_l h(k,l) / c_m; both chains: twice that.
            double * jt = stats->jump_to.data() + m * K;
            double total = 0;
            for (std::size_t k = 0; k < K; ++k)
            {
                double const v = 2 * rho * a[k] * (jrow[k] + jcol[k]) * inv_c;
                jt[k] += v;
                total += v;
            }
            stats->jumps[m] += total;
        }
    }
    if (pair_out)
        for (std::size_t k = 0; k < K; ++k)
            for (std::size_t l = k; l < K; ++l)
            {
                double const v = pr[k * K + l] * b[k * K + l] * inv_c * emit<G>(t[k], q[k], t[l], q[l]);
                (*pair_out)[m * KK + k * K + l] = (*pair_out)[m * KK + l * K + k] = v;
            }
    if (!has_prev)
        return;
    fold(K, urow, ucol);
    double U = 0;
    for (std::size_t k = 0; k < K; ++k)
        U += a[k] * urow[k];
    double const stay = (1 - rho) * (1 - rho), one = rho * (1 - rho), both = rho * rho * U;
    double * bp = ws.bprev.data();
    for (std::size_t k = 0; k < K; ++k)
    {
        double const uk = urow[k];
        for (std::size_t l = k; l < K; ++l)
            bp[k * K + l] = (stay * h[k * K + l] + one * (uk + urow[l]) + both) * inv_c;
    }
}

} // namespace

double hapcluster_forward_backward(hapcluster_params const & p, std::span<std::int8_t const> g,
                                   hapcluster_stats * stats, double * genotype_out, std::vector<double> * pair_out)
{
    std::size_t const K = static_cast<std::size_t>(p.K), M = p.M, KK = K * K;
    EMTK_ASSERT(g.size() == M && p.alpha.size() == M * K && p.theta.size() == M * K && p.jump.size() == M,
                "hapcluster parameters and genotypes disagree in shape");
    if (M == 0)
        return 0.0;
    workspace & ws = thread_workspace();
    double const loglik = forward(p, g, ws);
    if (!std::isfinite(loglik))
        return loglik;
    if (pair_out)
        pair_out->assign(M * KK, 0.0);
    ws.b.assign(KK, 1.0);
    ws.bprev.assign(KK, 0.0);
    ws.h.assign(KK + K, 0.0);
    for (auto * v : {&ws.row, &ws.col, &ws.row2, &ws.col2, &ws.row3, &ws.col3})
        v->assign(K, 0.0);
    ws.w.assign(3 * K, 0.0);
    for (std::size_t mm = M; mm-- > 0;)
    {
        int const gm = g[mm];
        if (genotype_out && gm >= 0 && gm <= 2)
        {
            double * out = genotype_out + 3 * mm;
            out[0] = out[1] = out[2] = 0.0;
            out[gm] = 1.0;
        }
        switch (gm)
        {
        case 0: backward_step<0>(p, ws, mm, stats, genotype_out, pair_out); break;
        case 1: backward_step<1>(p, ws, mm, stats, genotype_out, pair_out); break;
        case 2: backward_step<2>(p, ws, mm, stats, genotype_out, pair_out); break;
        default: backward_step<3>(p, ws, mm, stats, genotype_out, pair_out); break;
        }
        std::swap(ws.b, ws.bprev);
    }
    return loglik;
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
}

hapcluster_stats hapcluster_model::make_stats(params_type const & p) const
{
    return make_hapcluster_stats(p.K, p.M);
}

double hapcluster_model::expect(std::size_t i, params_type const & p, stats_type & s) const
{
    return hapcluster_forward_backward(p, sample(i), &s);
}

void hapcluster_model::maximize(stats_type const & s, params_type & p) const
{
    hapcluster_maximize(s, p, opt_);
}

void hapcluster_model::initialize(rng & r, params_type & p) const
{
    hapcluster_initialize(p, opt_.clusters, n_markers_, opt_, r);
}

} // namespace emtk::geno
