// Scaled probability-space forward/backward and expected counts (scaled_dp.hpp explains the
// scaling, the flush-to-zero bound and the memory layout). Every recurrence mirrors the log-space
// reference in forward_backward.cpp and counts.cpp term by term.
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/scaled_dp.hpp>
#include <emtk/util/error.hpp>

#include "scaled_dp_detail.hpp"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <optional>

namespace emtk::hmm {

using namespace detail; // specials, flows, scalar_flows (scaled_dp_detail.hpp)

namespace {

/// Flush threshold τ (scaled_dp.hpp, "Flush to zero"): 2^−830. Values just above it can shrink
/// by a factor 2^−192 (1.6e−58) within one row before reaching the smallest normal double.
constexpr double flush_tau = 0x1p-830;

/// Per-node stride: M + 2 (nodes 0 … M and a zero at M+1) rounded up to a multiple of 8.
std::size_t node_stride(int M) noexcept { return (static_cast<std::size_t>(M) + 2 + 7) / 8 * 8; }

/// Doubles per stored row: M, I, D columns, then the 5 special states (x_n … x_c) and padding.
std::size_t row_size(std::size_t W) noexcept { return 3 * W + 8; }

/// exp of a log probability; anything below the normal double range becomes 0 (scaled_dp.hpp, 2).
double to_prob(double lp) noexcept
{
    double const v = std::exp(lp);
    return v < DBL_MIN ? 0.0 : v;
}

/// At least n elements, allocating exactly n when growing (bytes() reports what is really needed)
/// and never shrinking the size, so that alternating long and short sequences do not zero-fill
/// the buffer again and again. The contents are scratch.
template <class T>
T * grow(std::vector<T> & v, std::size_t n)
{
    if (v.capacity() < n)
    {
        std::vector<T> fresh;
        fresh.reserve(n);
        v.swap(fresh);
    }
    if (v.size() < n)
        v.resize(n);
    return v.data();
}

inline double flush(double v, double thr) noexcept { return v < thr ? 0.0 : v; }

/// Row 0 of forward: S → N (probability 1), N → B.
void forward_row0(prob_profile const & pp, specials const & sp, double * row) noexcept
{
    std::fill(row, row + row_size(pp.W), 0.0);
    double * x = row + 3 * pp.W;
    x[x_n] = 1.0;
    x[x_b] = sp.n_move;
}

/// Forward row `cur` from row `prev` for residue code c; r = 1 / s_{i−1}, folded into the
/// emissions. Returns the row's maximum (0: the sequence has probability 0).
double forward_row(prob_profile const & pp, specials const & sp, double const * prev, double * cur, int c,
                   double r) noexcept
{
    std::size_t const W = pp.W;
    int const M = pp.M;
    double const *pm = prev, *pi = prev + W, *pd = prev + 2 * W, *px = prev + 3 * W;
    double *cm = cur, *ci = cur + W, *cd = cur + 2 * W, *cx = cur + 3 * W;
    double const * me = pp.memit.data() + static_cast<std::size_t>(c) * W;
    double const * ie = pp.iemit.data() + static_cast<std::size_t>(c) * W;
    double const *tmm = pp.tmm.data(), *tmi = pp.tmi.data(), *tim = pp.tim.data(), *tii = pp.tii.data(),
                 *tdm = pp.tdm.data(), *tmd = pp.tmd.data(), *tdd = pp.tdd.data();
    double const *enter = pp.enter.data(), *exit_m = pp.exit_m.data(), *exit_d = pp.exit_d.data();
    double const b_prev = px[x_b];
    double esum = 0, mx = 0;
#pragma omp simd reduction(+ : esum) reduction(max : mx)
    for (int k = 1; k <= M; ++k)
    {
        double mv = me[k] * r * (b_prev * enter[k] + pi[k - 1] * tim[k - 1] + pm[k - 1] * tmm[k - 1] + pd[k - 1] * tdm[k - 1]);
        double iv = ie[k] * r * (pm[k] * tmi[k] + pi[k] * tii[k]);
        mv = mv < flush_tau ? 0.0 : mv;
        iv = iv < flush_tau ? 0.0 : iv;
        cm[k] = mv;
        ci[k] = iv;
        esum += mv * exit_m[k];
        double const hi = mv > iv ? mv : iv;
        mx = hi > mx ? hi : mx;
    }
    cm[0] = 0;
    ci[0] = flush(ie[0] * r * (b_prev * pp.enter_i0 + pi[0] * tii[0]), flush_tau);
    // D chain: a serial linear recurrence (D_1 = 0 since M_0 does not exist).
    double d = 0;
    cd[0] = 0;
    for (int k = 1; k <= M; ++k)
    {
        d = cm[k - 1] * tmd[k - 1] + d * tdd[k - 1];
        if (d < flush_tau)
            d = 0;
        cd[k] = d;
    }
#pragma omp simd reduction(+ : esum) reduction(max : mx)
    for (int k = 1; k <= M; ++k)
    {
        esum += cd[k] * exit_d[k];
        mx = cd[k] > mx ? cd[k] : mx;
    }
    esum += ci[M] * pp.exit_i;
    double const xr = pp.xemit[static_cast<std::size_t>(c)] * r;
    double const e = flush(esum, flush_tau);
    double const j = flush(px[x_j] * sp.j_loop * xr + e * sp.e_loop, flush_tau);
    double const cc = flush(px[x_c] * sp.c_loop * xr + e * sp.e_move, flush_tau);
    double const n = flush(px[x_n] * sp.n_loop * xr, flush_tau);
    double const b = flush(n * sp.n_move + j * sp.j_move, flush_tau);
    cx[x_n] = n;
    cx[x_b] = b;
    cx[x_e] = e;
    cx[x_j] = j;
    cx[x_c] = cc;
    for (double v : {ci[0], n, b, e, j, cc})
        mx = std::max(mx, v);
    return mx;
}

/// log2 of the power-of-two scale of a row with maximum mx > 0: mx / 2^e ∈ [1/2, 1).
int scale_exponent(double mx) noexcept
{
    int e = 0;
    static_cast<void>(std::frexp(mx, &e));
    return e;
}

void check_codes(prob_profile const & pp, digital_sequence x)
{
    for (std::uint8_t c : x)
        EMTK_ASSERT(c < pp.Kp, "residue code out of range for the profile's alphabet");
}

} // namespace

namespace detail {

specials special_probs(prob_profile const & pp, std::size_t L)
{
    profile shell; // special_transitions() reads only the options: one definition of the length model
    shell.options = pp.options;
    special_row const s = special_transitions(shell, L);
    return {to_prob(s[n_loop]), to_prob(s[n_move]), to_prob(s[e_move]), to_prob(s[e_loop]),
            to_prob(s[c_loop]), to_prob(s[c_move]), to_prob(s[j_loop]), to_prob(s[j_move])};
}

} // namespace detail

prob_profile make_prob_profile(profile const & p)
{
    prob_profile pp;
    pp.M = p.M;
    pp.K = p.K;
    pp.Kp = p.Kp;
    pp.W = node_stride(p.M);
    pp.options = p.options;
    pp.sets = p.sets;
    std::size_t const W = pp.W, M = static_cast<std::size_t>(p.M), K = static_cast<std::size_t>(p.K),
                      Kp = static_cast<std::size_t>(p.Kp);
    for (auto * v : {&pp.tmm, &pp.tmi, &pp.tmd, &pp.tim, &pp.tii, &pp.tdm, &pp.tdd, &pp.enter, &pp.exit_m, &pp.exit_d})
        v->assign(W, 0.0);
    // exp() of a log probability; one below the double range becomes 0 and is recorded (scaled_dp.hpp).
    auto floor_to = [&](double lp, std::vector<std::pair<int, double>> * list, std::size_t k) {
        double const v = to_prob(lp);
        if (v == 0 && lp > em::log_zero)
        {
            if (list)
                list->emplace_back(static_cast<int>(k), lp);
            else
                ++pp.floored_other;
        }
        return v;
    };
    auto const to_prob = [&](double lp) { return floor_to(lp, nullptr, 0); }; // every other parameter
    for (std::size_t k = 0; k <= M; ++k)
    {
        auto const & t = p.tsc[k];
        if (k < M) // moves to node k+1 (node M's "next node" is E: exits are explicit)
        {
            pp.tim[k] = to_prob(t[t_im]);
            if (k >= 1) // node 0 has no M_0 or D_0 (its mm/md/dm/dd are B's entries)
            {
                pp.tmm[k] = to_prob(t[t_mm]);
                pp.tmd[k] = to_prob(t[t_md]);
                pp.tdm[k] = to_prob(t[t_dm]);
                pp.tdd[k] = to_prob(t[t_dd]);
            }
        }
        if (k >= 1)
            pp.tmi[k] = to_prob(t[t_mi]);
        pp.tii[k] = to_prob(t[t_ii]);
        if (k >= 1)
        {
            pp.enter[k] = floor_to(p.enter_m[k], &pp.floored_enter, k);
            pp.exit_m[k] = floor_to(p.exit_m[k], &pp.floored_exit_m, k);
            pp.exit_d[k] = floor_to(p.exit_d[k], &pp.floored_exit_d, k);
        }
    }
    pp.enter_i0 = floor_to(p.enter_i0, nullptr, 0);
    if (pp.enter_i0 == 0 && p.enter_i0 > em::log_zero)
        --pp.floored_other, pp.floored_enter_i0 = p.enter_i0;
    pp.exit_i = floor_to(p.exit_i, nullptr, 0);
    if (pp.exit_i == 0 && p.exit_i > em::log_zero)
        --pp.floored_other, pp.floored_exit_i = p.exit_i;
    pp.memit.assign(Kp * W, 0.0);
    pp.iemit.assign(Kp * W, 0.0);
    pp.xemit.assign(Kp, 0.0);
    for (std::size_t c = 0; c < Kp; ++c)
    {
        for (std::size_t k = 0; k <= M; ++k)
        {
            if (k >= 1)
                pp.memit[c * W + k] = to_prob(p.match_score(static_cast<int>(k), static_cast<int>(c)));
            pp.iemit[c * W + k] = to_prob(p.insert_score(static_cast<int>(k), static_cast<int>(c)));
        }
        pp.xemit[c] = to_prob(p.xsc[c]);
    }
    pp.pmat.assign((M + 1) * K, 0.0);
    pp.pins.assign((M + 1) * K, 0.0);
    for (std::size_t j = 0; j < (M + 1) * K; ++j)
    {
        pp.pmat[j] = std::exp(p.lmat[j]); // only ratios within a degenerate code's members are used
        pp.pins[j] = std::exp(p.lins[j]);
    }
    build_float_tables(pp);
    return pp;
}

std::size_t estep_workspace::bytes() const noexcept
{
    return (rows_.capacity() + bwd_.capacity() + flow_.capacity() + acc_.capacity()) * sizeof(double) +
           scale_.capacity() * sizeof(int) + (frows_.capacity() + fbwd_.capacity() + facc_.capacity()) * sizeof(float);
}

std::size_t estep_workspace::bound(int M, int Kp, std::size_t L, std::size_t full_limit) noexcept
{
    std::size_t const W = node_stride(M), R = row_size(W);
    auto const root = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(L + 1))));
    std::size_t const rows = std::max(std::min((L + 1) * R, full_limit / sizeof(double)), (2 * root + 2) * R);
    return sizeof(double) * (rows + 2 * R + (n_flows + 2 * static_cast<std::size_t>(Kp)) * W) + sizeof(int) * (L + 1);
}

namespace detail {

/// The E-step proper; a friend of estep_workspace.
struct scaled_kernel
{
    prob_profile const & pp;
    digital_sequence x;
    estep_workspace & ws;
    specials sp;
    std::size_t W, R, L;

    scaled_kernel(prob_profile const & p, digital_sequence xs, estep_workspace & w)
        : pp{p}, x{xs}, ws{w}, sp{special_probs(p, xs.size())}, W{p.W}, R{row_size(p.W)}, L{xs.size()}
    {
        check_codes(p, xs);
    }

    [[nodiscard]] double inv_scale(std::size_t i) const noexcept { return std::ldexp(1.0, -ws.scale_[i]); }

    /// log P from the last forward row and Σ_{i<L} log2 s_i, or −∞; sets pt = P̃.
    double finish(double const * last, long long log2_scales, double & pt) const
    {
        pt = last[3 * W + x_c] * sp.c_move;
        if (!(pt > 0))
            return em::log_zero;
        return static_cast<double>(log2_scales) * std::log(2.0) + std::log(pt);
    }

    /// Forward over the whole sequence. row(i) gives where row i goes (it must stay valid until
    /// row i+1 is computed); the scale exponents are kept in ws.scale_ when `keep`. Returns
    /// Σ_{i<L} log2 s_i, or nothing when a row is all zero (P(x) = 0).
    template <class RowOf>
    std::optional<long long> forward_pass(RowOf row, bool keep)
    {
        if (keep)
            grow(ws.scale_, L + 1);
        double * prev = row(0);
        forward_row0(pp, sp, prev);
        int e = scale_exponent(1.0);
        long long sum = 0;
        for (std::size_t i = 1; i <= L; ++i)
        {
            if (keep)
                ws.scale_[i - 1] = e;
            sum += e;
            double * cur = row(i);
            double const mx = forward_row(pp, sp, prev, cur, x[i - 1], std::ldexp(1.0, -e));
            if (!(mx > 0))
                return std::nullopt;
            e = scale_exponent(mx);
            prev = cur;
        }
        if (keep)
            ws.scale_[L] = e;
        return sum;
    }

    double forward_only()
    {
        double * rows = grow(ws.rows_, 2 * R);
        auto const sum = forward_pass([&](std::size_t i) { return rows + (i & 1) * R; }, false);
        double pt = 0;
        return sum ? finish(rows + (L & 1) * R, *sum, pt) : em::log_zero;
    }

    /// The E-step; with check (tol ≥ 0), nothing is added and nothing returned when the result
    /// fails the reliability check (scaled_dp.hpp, "When the bounds fail").
    std::optional<double> estep(hmm_counts & acc, double weight, double tol)
    {
        bool const check = tol >= 0;
        EMTK_ASSERT(acc.M == pp.M && acc.K == pp.K, "hmm_counts of a different model size");
        bool const full = (L + 1) * R * sizeof(double) <= ws.full_limit;
        std::size_t const C = full ? L + 1 : static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(L + 1))));
        std::size_t const n_ck = (L + 1 + C - 1) / C;
        double * rows = grow(ws.rows_, full ? (L + 1) * R : (n_ck + C) * R);
        double * seg = rows + n_ck * R; // checkpoint mode: C rows for the pass-1 pair and one segment
        auto const sum = full ? forward_pass([&](std::size_t i) { return rows + i * R; }, true)
                              : forward_pass([&](std::size_t i) { return i % C == 0 ? rows + (i / C) * R : seg + (i & 1) * R; },
                                             true);
        if (!sum)
            return check ? std::nullopt : std::optional<double>{em::log_zero};
        double pt = 0;
        double const ll = finish(full ? rows + L * R : (L % C == 0 ? rows + (L / C) * R : seg + (L & 1) * R), *sum, pt);
        if (ll == em::log_zero)
            return check ? std::nullopt : std::optional<double>{ll};

        double * bwd = grow(ws.bwd_, 2 * R);
        double * flows = grow(ws.flow_, n_flows * W);
        std::fill(flows, flows + n_flows * W, 0.0);
        double * emacc = grow(ws.acc_, 2 * static_cast<std::size_t>(pp.Kp) * W);
        std::array<bool, 256> used{};
        for (std::uint8_t c : x)
            if (!used[c])
            {
                used[c] = true;
                std::fill(emacc + 2 * c * W, emacc + 2 * c * W + 2 * W, 0.0);
            }
        scalar_flows sf;
        double * next = bwd + R;
        double * cur = bwd;
        if (full)
            for (std::size_t i = L + 1; i-- > 0;)
            {
                backward_row(i, rows + i * R, next, cur, pt, flows, emacc, sf);
                std::swap(next, cur);
            }
        else
            for (std::size_t j = n_ck; j-- > 0;)
            {
                std::size_t const a = j * C, b = std::min(a + C, L + 1);
                double const * prev = rows + j * R;
                for (std::size_t i = a + 1; i < b; ++i) // recompute the segment from its checkpoint
                {
                    double * r = seg + (i - a - 1) * R;
                    forward_row(pp, sp, prev, r, x[i - 1], inv_scale(i - 1));
                    prev = r;
                }
                for (std::size_t i = b; i-- > a;)
                {
                    backward_row(i, i == a ? rows + j * R : seg + (i - a - 1) * R, next, cur, pt, flows, emacc, sf);
                    std::swap(next, cur);
                }
            }
        // After the loops `next` holds backward row 0.
        if (check && !reliable(tol, pt, next[3 * W + x_n], flows, emacc, used, sf))
            return std::nullopt;
        add_counts(acc, weight, pt, flows, emacc, used, sf);
        return ll;
    }

    /// scaled_finish() (scaled_dp_detail.hpp): the check and the counts from flows another kernel
    /// left in the workspace.
    std::optional<double> finish_sums(hmm_counts & acc, double weight, double tol, estep_sums const & s) const
    {
        std::array<bool, 256> used{};
        for (std::uint8_t c : x)
            used[c] = true;
        double const * flows = ws.flow_.data();
        double const * emacc = ws.acc_.data();
        if (tol >= 0 && !reliable(tol, s.pt, s.pb, flows, emacc, used, s.sf))
            return std::nullopt;
        add_counts(acc, weight, s.pt, flows, emacc, used, s.sf);
        return s.log_p;
    }

    /// The reliability check (scaled_dp.hpp, "When the bounds fail").
    bool reliable(double tol, double pt, double pb, double const * flows, double const * emacc,
                  std::array<bool, 256> const & used, scalar_flows const & sf) const
    {
        if (pp.floored_other > 0)
            return false;
        if (!std::isfinite(pb) || !(std::fabs(pb / pt - 1.0) <= tol))
            return false;
        // Only finiteness matters here: four partial sums (W is a multiple of 8), not one serial chain.
        double part[4] = {sf.b_i0 + sf.x_i + sf.n_loop + sf.c_loop + sf.j_loop + sf.n_move + sf.j_move + sf.e_move +
                              sf.e_loop,
                          0, 0, 0};
        auto add_all = [&part](double const * v, std::size_t n) {
            for (std::size_t j = 0; j < n; j += 4)
                for (std::size_t z = 0; z < 4; ++z)
                    part[z] += v[j + z];
        };
        add_all(flows, n_flows * W);
        for (std::size_t c = 0; c < used.size(); ++c)
            if (used[c])
                add_all(emacc + 2 * c * W, 2 * W);
        if (!std::isfinite((part[0] + part[1]) + (part[2] + part[3])))
            return false;
        double const log_pt = std::log(pt);
        double lost = 0;
        auto add = [&](double log_t, double flow) {
            if (flow > 0)
                lost += std::exp(log_t + std::log(flow) - log_pt);
        };
        for (auto const & [k, lt] : pp.floored_enter)
            add(lt, flows[f_en * W + static_cast<std::size_t>(k)]);
        for (auto const & [k, lt] : pp.floored_exit_m)
            add(lt, flows[f_xm * W + static_cast<std::size_t>(k)]);
        for (auto const & [k, lt] : pp.floored_exit_d)
            add(lt, flows[f_xd * W + static_cast<std::size_t>(k)]);
        if (pp.floored_enter_i0 < 0)
            add(pp.floored_enter_i0, sf.b_i0);
        if (pp.floored_exit_i < 0)
            add(pp.floored_exit_i, sf.x_i);
        return lost <= tol; // false for NaN
    }

    /// Backward row i (into cur, from next = row i+1) and the counts that need forward row f,
    /// backward rows i and i+1.
    void backward_row(std::size_t i, double const * f, double const * next, double * cur, double pt, double * flows,
                      double * emacc, scalar_flows & sf) const noexcept
    {
        int const M = pp.M;
        bool const more = i < L;
        int const c = more ? x[i] : 0;
        double const r = inv_scale(i);
        double const thr = flush_tau * pt * r; // B̂ below τ P̃ / s_i (scaled_dp.hpp)
        double *em = flows + f_em * W, *ei = flows + f_ei * W;
        double *bm = cur, *bi = cur + W, *bd = cur + 2 * W, *bx = cur + 3 * W;
        double const *nm = next, *ni = next + W, *nx = next + 3 * W;
        double const *tmm = pp.tmm.data(), *tmi = pp.tmi.data(), *tmd = pp.tmd.data(), *tim = pp.tim.data(),
                     *tii = pp.tii.data(), *tdm = pp.tdm.data(), *tdd = pp.tdd.data();
        double const *enter = pp.enter.data(), *exit_m = pp.exit_m.data(), *exit_d = pp.exit_d.data();
        // ê_{i+1} B̂(i+1): the value of moving into an emitting state of row i+1 (0 at row L).
        double bb = 0, xr = 0;
        if (more)
        {
            double const * me = pp.memit.data() + static_cast<std::size_t>(c) * W;
            double const * ie = pp.iemit.data() + static_cast<std::size_t>(c) * W;
#pragma omp simd reduction(+ : bb)
            for (int k = 0; k <= M; ++k)
            {
                em[k] = me[k] * r * nm[k];
                ei[k] = ie[k] * r * ni[k];
                bb += enter[k] * em[k];
            }
            bb += pp.enter_i0 * ei[0];
            xr = pp.xemit[static_cast<std::size_t>(c)] * r;
        }
        else
            std::fill(em, em + W, 0.0), std::fill(ei, ei + W, 0.0);
        em[M + 1] = 0;
        // Specials in the reverse of forward's order: C, B, J, N, E.
        double const bc = flush(more ? nx[x_c] * sp.c_loop * xr : sp.c_move, thr);
        bb = flush(bb, thr);
        double const bj = flush((more ? nx[x_j] * sp.j_loop * xr : 0.0) + bb * sp.j_move, thr);
        double const bn = flush((more ? nx[x_n] * sp.n_loop * xr : 0.0) + bb * sp.n_move, thr);
        double const be = flush(bj * sp.e_loop + bc * sp.e_move, thr);
        bx[x_n] = bn;
        bx[x_b] = bb;
        bx[x_e] = be;
        bx[x_j] = bj;
        bx[x_c] = bc;
        // D chain k = M … 1 (tdm, tdd are 0 at node M, bd[M+1] = 0).
        bd[0] = 0;
        bd[M + 1] = 0;
#pragma omp simd
        for (int k = 1; k <= M; ++k)
            bd[k] = tdm[k] * em[k + 1] + exit_d[k] * be;
        for (int k = M; k >= 1; --k)
        {
            double d = bd[k] + tdd[k] * bd[k + 1];
            if (d < thr)
                d = 0;
            bd[k] = d;
        }
        // M and I of row i, fused with the counts of row i: transition flows F̃(i, X) · [ê B̂](next
        // state) per node, and the emissions of residue i per (code, node), split over the members
        // of degenerate codes at the end. Row 0 (F̃ = 0 in the core) adds zeros to x_1's accumulator.
        double const *fm = f, *fi = f + W, *fd = f + 2 * W, *fx = f + 3 * W;
        double const fb = fx[x_b], be_i = pp.exit_i * be;
        double *a_mm = flows + f_mm * W, *a_md = flows + f_md * W, *a_mi = flows + f_mi * W, *a_im = flows + f_im * W,
               *a_ii = flows + f_ii * W, *a_dm = flows + f_dm * W, *a_dd = flows + f_dd * W, *a_xm = flows + f_xm * W,
               *a_xd = flows + f_xd * W, *a_en = flows + f_en * W;
        double * am = emacc + 2 * static_cast<std::size_t>(x[i >= 1 ? i - 1 : 0]) * W;
        double * ai = am + W;
#pragma omp simd
        for (int k = 0; k <= M; ++k)
        {
            double const emn = em[k + 1], dn = bd[k + 1], eik = ei[k];
            double mv = tmm[k] * emn + tmd[k] * dn + tmi[k] * eik + exit_m[k] * be; // 0 at k = 0
            double iv = tim[k] * emn + tii[k] * eik + (k == M ? be_i : 0.0);
            mv = mv < thr ? 0.0 : mv;
            iv = iv < thr ? 0.0 : iv;
            bm[k] = mv;
            bi[k] = iv;
            double const m = fm[k], ii = fi[k], d = fd[k];
            a_mm[k] += m * emn;
            a_md[k] += m * dn;
            a_mi[k] += m * eik;
            a_xm[k] += m * be;
            a_im[k] += ii * emn;
            a_ii[k] += ii * eik;
            a_dm[k] += d * emn;
            a_dd[k] += d * dn;
            a_xd[k] += d * be;
            a_en[k] += fb * em[k];
            am[k] += m * mv;
            ai[k] += ii * iv;
        }
        sf.x_i += fi[M] * be;
        sf.b_i0 += fb * ei[0];
        if (more)
        {
            sf.n_loop += fx[x_n] * xr * nx[x_n];
            sf.c_loop += fx[x_c] * xr * nx[x_c];
            sf.j_loop += fx[x_j] * xr * nx[x_j];
        }
        sf.n_move += fx[x_n] * bb;
        sf.j_move += fx[x_j] * bb;
        sf.e_move += fx[x_e] * bc;
        sf.e_loop += fx[x_e] * bj;
    }

    /// Adds norm · parameter · flow to acc, splits the emission accumulators over the members of
    /// degenerate codes, and maps glocal entries/exits to core parameters (as counts.cpp does).
    void add_counts(hmm_counts & acc, double weight, double pt, double const * flows, double const * emacc,
                    std::array<bool, 256> const & used, scalar_flows const & sf) const
    {
        double const norm = weight / pt;
        auto const Mu = static_cast<std::size_t>(pp.M), K = static_cast<std::size_t>(pp.K);
        auto fl = [&](flow which, std::size_t k) { return flows[which * W + k]; };
        auto enter = [&](std::size_t k) { return norm * pp.enter[k] * fl(f_en, k); };
        for (std::size_t k = 0; k <= Mu; ++k)
        {
            auto & ct = acc.t[k];
            ct[t_mm] += norm * pp.tmm[k] * fl(f_mm, k);
            ct[t_md] += norm * pp.tmd[k] * fl(f_md, k);
            ct[t_mi] += norm * pp.tmi[k] * fl(f_mi, k);
            ct[t_im] += norm * pp.tim[k] * fl(f_im, k);
            ct[t_ii] += norm * pp.tii[k] * fl(f_ii, k);
            ct[t_dm] += norm * pp.tdm[k] * fl(f_dm, k);
            ct[t_dd] += norm * pp.tdd[k] * fl(f_dd, k);
            if (k >= 1)
            {
                acc.exit_m[k] += norm * pp.exit_m[k] * fl(f_xm, k);
                acc.exit_d[k] += norm * pp.exit_d[k] * fl(f_xd, k);
                acc.enter[k] += enter(k);
            }
        }
        // Canonical residues (codes 0 … K−1, no split) node by node: each node's row of K counts
        // is written at once instead of one count per cache line per code. Every count receives
        // the same terms in the same order as code by code (one canonical term, then the
        // degenerate codes' terms below, in code order).
        std::array<double const *, 256> canon{};
        std::array<std::size_t, 256> canon_res{};
        std::size_t n_canon = 0;
        for (std::size_t c = 0; c < K && c < used.size(); ++c)
            if (used[c] && pp.sets.members[c].size() == 1 && pp.sets.members[c][0] == c)
                canon[n_canon] = emacc + 2 * c * W, canon_res[n_canon++] = c;
        for (std::size_t k = 0; k <= Mu; ++k)
        {
            double * mat = acc.mat.data() + k * K;
            double * ins = acc.ins.data() + k * K;
            for (std::size_t j = 0; j < n_canon; ++j)
            {
                if (k >= 1)
                    mat[canon_res[j]] += norm * canon[j][k];
                ins[canon_res[j]] += norm * canon[j][W + k];
            }
        }
        for (std::size_t c = 0; c < used.size(); ++c)
        {
            if (!used[c])
                continue;
            auto const & members = pp.sets.members[c];
            double const * am = emacc + 2 * c * W;
            if (c < K && members.size() == 1 && members[0] == c) // done above
                continue;
            if (members.size() == 1) // a canonical residue under another code: no split
            {
                std::size_t const a = members[0];
                for (std::size_t k = 1; k <= Mu; ++k)
                    acc.mat[k * K + a] += norm * am[k];
                for (std::size_t k = 0; k <= Mu; ++k)
                    acc.ins[k * K + a] += norm * am[W + k];
                continue;
            }
            for (std::size_t k = 0; k <= Mu; ++k)
            {
                for (int which = 0; which < 2; ++which)
                {
                    if (which == 0 && k == 0)
                        continue;
                    double const g = norm * am[static_cast<std::size_t>(which) * W + k];
                    if (g == 0)
                        continue;
                    double * out = (which == 0 ? acc.mat.data() : acc.ins.data()) + k * K;
                    double const * p = (which == 0 ? pp.pmat.data() : pp.pins.data()) + k * K;
                    if (members.size() == 1)
                    {
                        out[members[0]] += g;
                        continue;
                    }
                    double s = 0;
                    for (std::uint8_t a : members)
                        s += p[a];
                    for (std::uint8_t a : members)
                        out[a] += g * (p[a] / s);
                }
            }
        }
        double const exit_i = norm * pp.exit_i * sf.x_i;
        acc.exit_i += exit_i;
        double const n_loop = norm * sp.n_loop * sf.n_loop, c_loop = norm * sp.c_loop * sf.c_loop,
                     j_loop = norm * sp.j_loop * sf.j_loop;
        acc.special[hmm::n_loop] += n_loop;
        acc.special[hmm::c_loop] += c_loop;
        acc.special[hmm::j_loop] += j_loop;
        acc.special[hmm::n_move] += norm * sp.n_move * sf.n_move;
        acc.special[hmm::j_move] += norm * sp.j_move * sf.j_move;
        acc.special[hmm::e_move] += norm * sp.e_move * sf.e_move;
        acc.special[hmm::e_loop] += norm * sp.e_loop * sf.e_loop;
        acc.special[hmm::c_move] += norm * pt; // C̃(L) · t(C → T) / P̃ = 1, times the weight
        // N, C, J emit when they loop (Moore form): their emissions are the loop uses.
        acc.flank[0] += n_loop;
        acc.flank[1] += c_loop;
        acc.flank[2] += j_loop;
        if (!pp.options.local)
        {
            // Glocal entries and exits are products of core parameters (counts.hpp, counts.cpp).
            acc.t[0][t_mi] += norm * pp.enter_i0 * sf.b_i0;
            acc.t[0][t_mm] += enter(1);
            double suffix = 0;
            for (std::size_t k = Mu; k >= 2; --k)
            {
                acc.t[k - 1][t_dm] += enter(k);
                suffix += enter(k);
                if (k >= 3)
                    acc.t[k - 2][t_dd] += suffix;
            }
            acc.t[0][t_md] += suffix;
            acc.t[Mu][t_mm] += norm * pp.exit_m[Mu] * fl(f_xm, Mu);
            acc.t[Mu][t_dm] += norm * pp.exit_d[Mu] * fl(f_xd, Mu);
            acc.t[Mu][t_im] += exit_i;
        }
        acc.sequences += weight;
    }
};

std::optional<double> scaled_finish(prob_profile const & pp, digital_sequence x, estep_workspace & ws,
                                    hmm_counts & acc, double weight, double tol, estep_sums const & s)
{
    return scaled_kernel{pp, x, ws}.finish_sums(acc, weight, tol, s);
}

} // namespace detail

double scaled_expected_counts(prob_profile const & pp, digital_sequence x, hmm_counts & acc, double weight,
                              estep_workspace & ws)
{
    return *detail::scaled_kernel{pp, x, ws}.estep(acc, weight, -1.0);
}

std::optional<double> scaled_expected_counts_checked(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                                     double weight, estep_workspace & ws, double tol)
{
    return detail::scaled_kernel{pp, x, ws}.estep(acc, weight, tol < 0 ? 0.0 : tol);
}

double scaled_forward(prob_profile const & pp, digital_sequence x, estep_workspace & ws)
{
    return detail::scaled_kernel{pp, x, ws}.forward_only();
}

} // namespace emtk::hmm
