// Posterior decoding for domain definition: see domain_posterior.hpp (private to src/hmm).
#include "domain_posterior.hpp"

#include <emtk/em/logspace.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace emtk::hmm::detail {

namespace {

// HMMER's default region thresholds (p7_domaindef.c, p7_domaindef_Create: rt1, rt2, rt3).
constexpr double rt1 = 0.25; // core occupancy that triggers a region
constexpr double rt2 = 0.10; // occupancy (minus a begin/end there) below which a region opens/closes
constexpr double rt3 = 0.20; // expected E-then-B count that marks a region as several domains
// A region is split only where the expected E-then-B count exceeds this: where two domains are
// more probable than one domain spanning the split point (see search.hpp, "Domains").
constexpr double split_min = 0.5;

/// Rescales `row` values and the specials by 1/big when `big` leaves [1e-100, 1e100]; returns the
/// log of the factor divided out (0 when nothing was done).
double rescale(double big, special_values & sp, std::initializer_list<std::vector<double> *> rows)
{
    if (big <= 1e100 && big >= 1e-100)
        return 0.0;
    double const f = 1.0 / big;
    for (auto * r : rows)
        for (auto & v : *r)
            v *= f;
    for (auto & v : sp)
        v *= f;
    return std::log(big);
}

/// The point z of region i..j (1-based) where an end followed by a begin is most expected, and
/// that expectation, max_z min(E at rows i … z, B at rows z … j−1) (HMMER's is_multidomain_region
/// statistic).
std::pair<double, std::size_t> best_split(occupancy const & o, std::size_t i, std::size_t j)
{
    double best = -1;
    std::size_t zbest = i;
    for (std::size_t z = i; z < j; ++z)
    {
        double const ends_before = o.etot[z] - o.etot[i - 1];  // E at rows i … z
        double const begins_after = o.btot[j] - o.btot[z];     // B at rows z … j−1
        double const v = std::min(ends_before, begins_after);
        if (v > best)
            best = v, zbest = z;
    }
    return {best, zbest};
}

/// Splits region i..j at best_split() while two domains there are more probable than one (the
/// expectation > split_min), recursively; appends the resulting envelopes in sequence order.
void split_region(occupancy const & o, std::size_t i, std::size_t j,
                  std::vector<std::pair<std::size_t, std::size_t>> & out)
{
    auto const [best, zbest] = best_split(o, i, j);
    if (best > split_min)
    {
        split_region(o, i, zbest, out);
        split_region(o, zbest + 1, j, out);
    }
    else
        out.emplace_back(i, j);
}


} // namespace


odds_profile::odds_profile(profile const & p)
    : M{p.M}, Kp{static_cast<std::size_t>(p.Kp)}, e((static_cast<std::size_t>(p.M) + 1) * Kp, 0.0),
      et((static_cast<std::size_t>(p.M) + 1) * Kp, 0.0)
{
    auto const n = static_cast<std::size_t>(M + 1);
    for (std::size_t k = 1; k < n; ++k)
        for (std::size_t c = 0; c < Kp; ++c)
            et[c * n + k] = e[k * Kp + c] = std::exp(p.msc[k * Kp + c] - p.xsc[c]);
    for (auto * v : {&tbm, &mm, &im, &dm, &mi, &ii, &md, &dd})
        v->assign(n, 0.0);
    for (std::size_t k = 0; k < n; ++k)
    {
        auto const & t = p.tsc[k];
        tbm[k] = std::exp(p.enter_m[k]);
        mm[k] = std::exp(t[t_mm]), im[k] = std::exp(t[t_im]), dm[k] = std::exp(t[t_dm]);
        mi[k] = std::exp(t[t_mi]), ii[k] = std::exp(t[t_ii]);
        md[k] = std::exp(t[t_md]), dd[k] = std::exp(t[t_dd]);
    }
}

special_probs::special_probs(special_row const & s)
    : nn{std::exp(s[n_loop])}, nb{std::exp(s[n_move])}, ec{std::exp(s[e_move])}, ej{std::exp(s[e_loop])},
      cc{std::exp(s[c_loop])}, ct{std::exp(s[c_move])}, jj{std::exp(s[j_loop])}, jb{std::exp(s[j_move])}
{
}

/// Forward in odds space with row rescaling (as hmmer_scorer::forward_bits, score.hpp), keeping
/// the special states of every row when `rows` is given: returns the log-odds score in nats
/// (N/C/J and inserts emit with the background, so this is log P(x|model) − Σ log f(x_i)).
/// Every cell is bounded by the specials of its row (E ≥ any M or D cell), so rescaling on the
/// specials keeps the row in double range.
double forward_odds(odds_profile const & op, special_probs const & t, digital_sequence x,
                    std::vector<special_values> * rows, std::vector<double> * log_scale, std::vector<double> * core_m,
                    std::vector<double> * core_i)
{
    std::size_t const L = x.size();
    auto const n = static_cast<std::size_t>(op.M + 1);
    std::vector<double> mp(n, 0.0), ip(n, 0.0), dp(n, 0.0), mc(n, 0.0), ic(n, 0.0), dc(n, 0.0);
    special_values s{};
    s[x_n] = 1, s[x_b] = t.nb;
    double logscale = 0;
    if (rows)
    {
        rows->assign(L + 1, special_values{});
        log_scale->assign(L + 1, 0.0);
        (*rows)[0] = s;
    }
    // __restrict (GCC): the rows never overlap, which lets the compiler vectorise the core loop.
    double const * __restrict tbm = op.tbm.data(), * __restrict mm = op.mm.data(), * __restrict im = op.im.data();
    double const * __restrict dm = op.dm.data(), * __restrict mi = op.mi.data(), * __restrict ii = op.ii.data();
    double const * __restrict md = op.md.data(), * __restrict dd = op.dd.data();
    for (std::size_t i = 1; i <= L; ++i)
    {
        double const * __restrict e = op.et.data() + static_cast<std::size_t>(x[i - 1]) * n; // e[k], this residue
        double E = 0;
        double const B = s[x_b];
        // Match and insert cells depend on the previous row only: a loop the compiler vectorises;
        // then the delete chain and E in node order (the same sums, in the same order, as one loop).
        double const * __restrict mpp = mp.data(), * __restrict ipp = ip.data(), * __restrict dpp = dp.data();
        double * __restrict mcp = mc.data(), * __restrict icp = ic.data();
        for (std::size_t k = 1; k < n; ++k)
        {
            mcp[k] = e[k] * (B * tbm[k] + mpp[k - 1] * mm[k - 1] + ipp[k - 1] * im[k - 1] + dpp[k - 1] * dm[k - 1]);
            icp[k] = mpp[k] * mi[k] + ipp[k] * ii[k];
        }
        for (std::size_t k = 1; k < n; ++k)
        {
            dc[k] = mc[k - 1] * md[k - 1] + dc[k - 1] * dd[k - 1];
            E += mc[k] + dc[k];
        }
        s[x_e] = E;
        s[x_j] = s[x_j] * t.jj + E * t.ej;
        s[x_c] = s[x_c] * t.cc + E * t.ec;
        s[x_n] = s[x_n] * t.nn;
        s[x_b] = s[x_n] * t.nb + s[x_j] * t.jb;
        std::swap(mp, mc);
        std::swap(ip, ic);
        std::swap(dp, dc);
        double const big = std::max(std::max(s[x_n], s[x_b]), std::max(s[x_j], s[x_c]));
        logscale += rescale(big, s, {&mp, &ip, &dp});
        if (rows)
            (*rows)[i] = s, (*log_scale)[i] = logscale;
        if (core_m)
            std::copy(mp.begin(), mp.end(), core_m->begin() + static_cast<std::ptrdiff_t>(i * n));
        if (core_i)
            std::copy(ip.begin(), ip.end(), core_i->begin() + static_cast<std::ptrdiff_t>(i * n));
    }
    return std::log(s[x_c] * t.ct) + logscale;
}

/// Backward in odds space (the transposed recurrences of forward_odds), keeping the special
/// states of every row: value = P(rest of x and the end | state at row i) in odds, divided by
/// e^{log_scale[i]}. Core cells are not bounded by the specials here (M_k at row i can exceed B),
/// so each row is rescaled on its largest value. Returns the log-odds score (equal to
/// forward_odds' up to round-off).
double backward_odds(odds_profile const & op, special_probs const & t, digital_sequence x,
                     std::vector<special_values> & rows, std::vector<double> & log_scale, std::vector<double> * core_m,
                     std::vector<double> * core_i)
{
    std::size_t const L = x.size();
    auto const n = static_cast<std::size_t>(op.M + 1);
    std::vector<double> mn(n, 0.0), in(n, 0.0), mc(n, 0.0), ic(n, 0.0), dc(n, 0.0); // row i+1 (n), row i (c)
    rows.assign(L + 1, special_values{});
    log_scale.assign(L + 1, 0.0);
    double logscale = 0;
    special_values s{};
    for (std::size_t ii = L + 1; ii-- > 0;)
    {
        std::size_t const i = ii;
        if (i == L)
        {
            s[x_c] = t.ct, s[x_b] = 0, s[x_j] = 0, s[x_n] = 0;
        }
        else
        {
            double const * e = op.e.data() + x[i]; // residue i+1
            double B = 0;
            for (std::size_t k = 1; k < n; ++k)
                B += op.tbm[k] * e[k * op.Kp] * mn[k];
            s[x_b] = B;
            s[x_c] = t.cc * s[x_c];
            s[x_j] = t.jj * s[x_j] + t.jb * B;
            s[x_n] = t.nn * s[x_n] + t.nb * B;
        }
        double const E = t.ec * s[x_c] + t.ej * s[x_j];
        s[x_e] = E;
        double big = std::max(std::max(s[x_n], s[x_b]), std::max(std::max(s[x_j], s[x_c]), E));
        // The terms that do not involve the delete chain (vectorised), then the chain from node M
        // down, adding the last term: the same sums in the same order as one loop.
        if (i < L)
        {
            double const * __restrict et = op.et.data() + static_cast<std::size_t>(x[i]) * n; // residue i+1
            double const * __restrict mnp = mn.data(), * __restrict inp = in.data();
            double const * __restrict mm = op.mm.data(), * __restrict mi = op.mi.data(), * __restrict im = op.im.data();
            double const * __restrict ii = op.ii.data(), * __restrict dm = op.dm.data();
            double * __restrict mcp = mc.data(), * __restrict icp = ic.data(), * __restrict dcp = dc.data();
            for (std::size_t k = 1; k + 1 < n; ++k)
            {
                double const mnext = et[k + 1] * mnp[k + 1]; // M_{k+1} at row i+1
                mcp[k] = E + mm[k] * mnext + mi[k] * inp[k];
                icp[k] = im[k] * mnext + ii[k] * inp[k];
                dcp[k] = E + dm[k] * mnext;
            }
        }
        else
            for (std::size_t k = 1; k + 1 < n; ++k)
            {
                mc[k] = E + op.mm[k] * 0.0 + op.mi[k] * in[k];
                ic[k] = op.im[k] * 0.0 + op.ii[k] * in[k];
                dc[k] = E + op.dm[k] * 0.0;
            }
        mc[n - 1] = E + op.mm[n - 1] * 0.0 + op.mi[n - 1] * in[n - 1];
        ic[n - 1] = op.im[n - 1] * 0.0 + op.ii[n - 1] * in[n - 1];
        dc[n - 1] = E + op.dm[n - 1] * 0.0;
        double dnext = 0; // D at row i, node k+1
        for (std::size_t k = n - 1; k >= 1; --k)
        {
            mc[k] += op.md[k] * dnext;
            dc[k] += op.dd[k] * dnext;
            dnext = dc[k];
            big = std::max(big, std::max(mc[k], std::max(ic[k], dc[k])));
        }
        if (i == L) // no residue left: inserts cannot be occupied
            std::fill(ic.begin(), ic.end(), 0.0);
        logscale += rescale(big, s, {&mc, &ic});
        rows[i] = s;
        log_scale[i] = logscale;
        if (core_m)
            std::copy(mc.begin(), mc.end(), core_m->begin() + static_cast<std::ptrdiff_t>(i * n));
        if (core_i)
            std::copy(ic.begin(), ic.end(), core_i->begin() + static_cast<std::ptrdiff_t>(i * n));
        std::swap(mn, mc);
        std::swap(in, ic);
    }
    return std::log(rows[0][x_n]) + log_scale[0];
}

occupancy decode_occupancy(profile const & p, odds_profile const & op, digital_sequence x)
{
    std::size_t const L = x.size();
    special_probs const t{special_transitions(p, L)};
    std::vector<special_values> f, b;
    std::vector<double> fs, bs;
    double const ll = forward_odds(op, t, x, &f, &fs);
    double const llb = backward_odds(op, t, x, b, bs);
    EMTK_ASSERT(std::abs(ll - llb) <= 1e-6 * std::max(1.0, std::abs(ll)), "search: forward and backward disagree");
    auto post = [&](double fv, std::size_t fi, double bv, std::size_t bi) {
        return fv > 0 && bv > 0 ? std::exp(std::log(fv) + fs[fi] + std::log(bv) + bs[bi] - ll) : 0.0;
    };
    occupancy o;
    o.mocc.assign(L + 1, 0.0);
    o.btot.assign(L + 1, 0.0);
    o.etot.assign(L + 1, 0.0);
    for (std::size_t i = 1; i <= L; ++i)
    {
        // N emits residue i when N is occupied at row i; C and J when they loop from row i−1.
        double const flank = post(f[i][x_n], i, b[i][x_n], i) + post(f[i - 1][x_c] * t.cc, i - 1, b[i][x_c], i) +
                             post(f[i - 1][x_j] * t.jj, i - 1, b[i][x_j], i);
        o.mocc[i] = std::clamp(1.0 - flank, 0.0, 1.0);
        o.btot[i] = o.btot[i - 1] + post(f[i - 1][x_b], i - 1, b[i - 1][x_b], i - 1);
        o.etot[i] = o.etot[i - 1] + post(f[i][x_e], i, b[i][x_e], i);
    }
    return o;
}

void fit_alignment_matrix(dp_matrix & oa, std::size_t & cells, std::size_t L, int M)
{
    std::size_t const need = 3 * (L + 1) * static_cast<std::size_t>(M + 1);
    if (need > cells)
    {
        oa = dp_matrix{};
        cells = need;
    }
    oa.reshape(L, M);
}

void reset_posterior(posterior & pp, std::size_t L, int M)
{
    auto const n = static_cast<std::size_t>(M + 1);
    pp.L = L;
    pp.M = M;
    pp.m.assign((L + 1) * n, 0.0);
    pp.ins.assign((L + 1) * n, 0.0);
    pp.n.assign(L + 1, 0.0);
    pp.c.assign(L + 1, 0.0);
    pp.j.assign(L + 1, 0.0);
}

double posterior_product(double fv, double bv, double r) noexcept
{
    if (!(fv > 0 && bv > 0))
        return 0.0;
    return std::abs(r) < 600 ? fv * bv * std::exp(r) : std::exp(std::log(fv) + std::log(bv) + r);
}

posterior decode_full(odds_profile const & op, special_probs const & t, digital_sequence x, double & score)
{
    std::size_t const L = x.size();
    auto const n = static_cast<std::size_t>(op.M + 1);
    std::vector<special_values> f, b;
    std::vector<double> fs, bs;
    std::vector<double> fm((L + 1) * n, 0.0), fi((L + 1) * n, 0.0), bm((L + 1) * n, 0.0), bi((L + 1) * n, 0.0);
    // forward_odds only allocates the specials when `rows` is given; core rows are pre-sized.
    double const ll = forward_odds(op, t, x, &f, &fs, &fm, &fi);
    score = ll;
    posterior pp;
    if (!std::isfinite(ll)) // the profile cannot emit x: no posterior (pp.L = 0)
        return pp;
    double const llb = backward_odds(op, t, x, b, bs, &bm, &bi);
    EMTK_ASSERT(std::abs(ll - llb) <= 1e-6 * std::max(1.0, std::abs(ll)), "decode_full: forward and backward disagree");
    reset_posterior(pp, L, op.M);
    auto const post = posterior_product;
    for (std::size_t i = 1; i <= L; ++i)
    {
        double const r = fs[i] + bs[i] - ll;
        double const e = std::abs(r) < 600 ? std::exp(r) : 0.0;
        for (std::size_t k = 1; k < n; ++k)
        {
            std::size_t const c = i * n + k;
            pp.m[c] = e > 0 ? fm[c] * bm[c] * e : post(fm[c], bm[c], r);
            pp.ins[c] = e > 0 ? fi[c] * bi[c] * e : post(fi[c], bi[c], r);
        }
        pp.n[i] = post(f[i][x_n], b[i][x_n], r);
        double const r1 = fs[i - 1] + bs[i] - ll;
        pp.c[i] = post(f[i - 1][x_c] * t.cc, b[i][x_c], r1);
        pp.j[i] = post(f[i - 1][x_j] * t.jj, b[i][x_j], r1);
    }
    return pp;
}

std::vector<std::pair<std::size_t, std::size_t>> find_envelopes(occupancy const & o, int * regions, int * split)
{
    std::size_t const L = o.mocc.empty() ? 0 : o.mocc.size() - 1;
    std::vector<std::pair<std::size_t, std::size_t>> envelopes;
    std::size_t i = 0; // 0 = not set
    bool triggered = false;
    for (std::size_t j = 1; j <= L; ++j)
    {
        double const b = o.btot[j] - o.btot[j - 1];
        double const e = o.etot[j] - o.etot[j - 1];
        if (!triggered)
        {
            if (o.mocc[j] - b < rt2 || i == 0)
                i = j;
            if (o.mocc[j] >= rt1)
                triggered = true;
        }
        else if (o.mocc[j] - e < rt2)
        {
            if (split && best_split(o, i, j).first >= rt3)
                ++*split;
            split_region(o, i, j, envelopes);
            if (regions)
                ++*regions;
            i = 0;
            triggered = false;
        }
    }

    return envelopes;
}

} // namespace emtk::hmm::detail
