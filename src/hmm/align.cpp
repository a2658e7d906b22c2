/// \file
/// \brief Optimal-accuracy and Viterbi alignment of sequences to a profile (see align.hpp).
///
/// The OA recurrences follow HMMER 3's p7_GOptimalAccuracy (src/generic_optacc.c; Käll et al.
/// 2005) on emtk's profile graph (profile.hpp: glocal I0/I_M, retracted left wing, explicit entry
/// and exit arrays): every predecessor of viterbi.cpp's recurrence is kept when its transition has
/// a non-zero probability (log > −∞), and its value is the OA value of that cell; the emitted
/// residue adds its posterior.

#include "align_scaled.hpp"
#include "oa_trace.hpp"

#include <emtk/em/logspace.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <array>

namespace emtk::hmm {

using em::log_zero;

namespace {

/// `v` when the transition of log probability `t` exists, else −∞ (Käll et al.'s delta).
inline double allow(double t, double v) noexcept { return t == log_zero ? log_zero : v; }

} // namespace

profile_options alignment_profile_options() noexcept
{
    profile_options o;
    o.local = false;
    o.multihit = false;
    o.target_length = 0;
    return o;
}

namespace {

/// One row of the OA fill's match and insert cells (optimal_accuracy_fill), from the previous
/// row's contiguous M, I, D; g: the transitions' gates (0 or −∞), arrays of n = M + 1 in the order
/// mm, im, dm, mi, ii. Also built for AVX2 (GCC target_clones, chosen by the CPU, not EMTK_SIMD):
/// adds and maxima only, no FMA, so both builds give identical values.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EMTK_OA_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EMTK_OA_CLONES
#endif
EMTK_OA_CLONES void oa_row(std::size_t M, double b_prev, double const * g, std::size_t n,
                                                              double const * __restrict pm, double const * __restrict pi,
                                                              double const * __restrict mp, double const * __restrict ip,
                                                              double const * __restrict dp, double * __restrict mc,
                                                              double * __restrict ic)
{
    double const * g_mm = g, * g_im = g + n, * g_dm = g + 2 * n, * g_mi = g + 3 * n, * g_ii = g + 4 * n, * g_em = g + 7 * n;
    for (std::size_t k = 1; k <= M; ++k)
    {
        double const m_in = std::max(std::max(b_prev + g_em[k], mp[k - 1] + g_mm[k - 1]),
                                     std::max(ip[k - 1] + g_im[k - 1], dp[k - 1] + g_dm[k - 1]));
        mc[k] = pm[k] + m_in;
        ic[k] = pi[k] + std::max(mp[k] + g_mi[k], ip[k] + g_ii[k]);
    }
}

} // namespace

double optimal_accuracy_fill(profile const & p, posterior const & pp, dp_matrix & oa)
{
    std::size_t const L = pp.L;
    int const M = p.M;
    EMTK_ASSERT(pp.M == M, "posterior and profile differ in length");
    special_row const sp = special_transitions(p, L);
    // Every cell is written below (row 0 and the absent M_0, D_0 as −∞), so no fill first.
    oa.reshape(L, M);
    std::fill(oa.row(0), oa.row(0) + 3 * (static_cast<std::size_t>(M) + 1), log_zero);
    for (special_state const s : {x_n, x_b, x_e, x_j, x_c})
        oa.xs(0, s) = log_zero;
    oa.xs(0, x_n) = 0;
    oa.xs(0, x_b) = allow(sp[n_move], 0.0);
    // allow(t, v) as v + gate(t), gate 0 or −∞: v + 0 = v exactly and −∞ stays −∞ (the values are
    // never +∞), so the cells are those of the recurrence written with allow(); the maxima are
    // exact in any order, which lets the match/insert loop run without branches and the delete
    // chain and E run as separate loops. (Same values as before, bit for bit: the traceback
    // recomputes them with allow().)
    auto const Ms = static_cast<std::size_t>(M), n = Ms + 1;
    thread_local std::vector<double> g;
    g.resize(10 * n);
    double * g_mm = g.data(), * g_im = g_mm + n, * g_dm = g_im + n, * g_mi = g_dm + n, * g_ii = g_mi + n,
           * g_md = g_ii + n, * g_dd = g_md + n, * g_em = g_dd + n, * g_ex = g_em + n, * g_exd = g_ex + n;
    auto gate = [](double t) { return t == log_zero ? log_zero : 0.0; };
    for (std::size_t k = 0; k <= Ms; ++k)
    {
        auto const & tk = p.tsc[k];
        g_mm[k] = gate(tk[t_mm]), g_im[k] = gate(tk[t_im]), g_dm[k] = gate(tk[t_dm]);
        g_mi[k] = gate(tk[t_mi]), g_ii[k] = gate(tk[t_ii]), g_md[k] = gate(tk[t_md]), g_dd[k] = gate(tk[t_dd]);
        g_em[k] = gate(p.enter_m[k]), g_ex[k] = gate(p.exit_m[k]), g_exd[k] = gate(p.exit_d[k]);
    }
    // Rows in contiguous arrays (previous and current: M, I, D), copied into the matrix.
    thread_local std::vector<double> rows;
    rows.assign(6 * n, log_zero);
    double * mp = rows.data(), * ip = mp + n, * dp = ip + n, * mc = dp + n, * ic = mc + n, * dc = ic + n;
    for (std::size_t i = 1; i <= L; ++i)
    {
        double const b_prev = oa.xs(i - 1, x_b);
        oa.ins(i, 0) = pp.insert(i, 0) + std::max(allow(p.enter_i0, b_prev), allow(p.tsc[0][t_ii], oa.ins(i - 1, 0)));
        ip[0] = oa.ins(i - 1, 0);
        double const * __restrict pm = pp.m.data() + i * n, * __restrict pi = pp.ins.data() + i * n;
        oa_row(Ms, b_prev, g.data(), n, pm, pi, mp, ip, dp, mc, ic);
        for (std::size_t k = 1; k <= Ms; ++k)
            dc[k] = std::max(mc[k - 1] + g_md[k - 1], dc[k - 1] + g_dd[k - 1]);
        double e = log_zero;
        for (std::size_t k = 1; k <= Ms; ++k)
            e = std::max(e, std::max(mc[k] + g_ex[k], dc[k] + g_exd[k]));
        double * cur = oa.row(i);
        cur[0] = cur[2] = log_zero; // M_0, D_0
        for (std::size_t k = 1; k <= Ms; ++k)
            cur[3 * k] = mc[k], cur[3 * k + 1] = ic[k], cur[3 * k + 2] = dc[k];
        std::swap(mp, mc), std::swap(ip, ic), std::swap(dp, dc);
        e = std::max(e, allow(p.exit_i, oa.ins(i, M)));
        oa.xs(i, x_e) = e;
        oa.xs(i, x_j) = std::max(allow(sp[j_loop], oa.xs(i - 1, x_j) + pp.j[i]), allow(sp[e_loop], e));
        oa.xs(i, x_c) = std::max(allow(sp[c_loop], oa.xs(i - 1, x_c) + pp.c[i]), allow(sp[e_move], e));
        oa.xs(i, x_n) = allow(sp[n_loop], oa.xs(i - 1, x_n) + pp.n[i]);
        oa.xs(i, x_b) = std::max(allow(sp[n_move], oa.xs(i, x_n)), allow(sp[j_move], oa.xs(i, x_j)));
    }
    return allow(sp[c_move], oa.xs(L, x_c));
}

alignment_trace optimal_accuracy_trace(profile const & p, digital_sequence x, posterior const & pp, dp_matrix const & oa)
{
    return detail::oa_trace<double>(p, x, pp, oa);
}

double path_accuracy(std::vector<trace_step> const & path, posterior const & pp, std::vector<double> * step_pp)
{
    if (step_pp)
        step_pp->assign(path.size(), 0.0);
    double sum = 0;
    for (std::size_t n = 0; n < path.size(); ++n)
    {
        trace_step const & t = path[n];
        if (t.i == 0)
            continue;
        double v = 0;
        switch (t.state)
        {
        case state_type::M: v = pp.match(t.i, t.k); break;
        case state_type::I: v = pp.insert(t.i, t.k); break;
        case state_type::N: v = pp.n[t.i]; break;
        case state_type::C: v = pp.c[t.i]; break;
        case state_type::J: v = pp.j[t.i]; break;
        default: break;
        }
        sum += v;
        if (step_pp)
            (*step_pp)[n] = v;
    }
    return sum;
}

namespace {

/// Reusable matrices of one worker.
struct align_workspace
{
    dp_matrix fwd, bwd, oa;
    detail::scaled_workspace scaled;
    posterior pp;
};

/// The posteriors of x: detail::scaled_posterior (odds space, rescaled rows; the same values up to
/// ~1e-12 relative, several times faster: align_scaled.hpp), or forward/backward/decode_posterior
/// in log space when the scaled path refuses (a null emission of probability 0, x not emittable,
/// forward and backward disagreeing). `ll` receives the log-likelihood, −∞ when the profile
/// cannot emit x (pp then unset).
void decode(profile const & p, detail::scaled_profile const & sp, digital_sequence x, align_workspace & w, double & ll)
{
    if (detail::scaled_posterior(sp, p, x, w.pp, ll, w.scaled))
        return;
    ll = forward(p, x, w.fwd);
    if (ll == log_zero)
        return;
    backward(p, x, w.bwd);
    w.pp = decode_posterior(p, x, w.fwd, w.bwd, ll);
}

alignment_trace align_one(profile const & p, detail::scaled_profile const & sp, digital_sequence x,
                          align_method method, align_workspace & w)
{
    alignment_trace r;
    double ll = log_zero;
    decode(p, sp, x, w, ll);
    if (ll == log_zero)
    {
        r.loglik = ll;
        return r;
    }
    posterior const & pp = w.pp;
    if (method == align_method::viterbi)
    {
        viterbi_result v = viterbi(p, x);
        r.path = std::move(v.path);
        r.accuracy = path_accuracy(r.path, pp, &r.pp);
    }
    else
    {
        double const best = optimal_accuracy_fill(p, pp, w.oa);
        EMTK_ASSERT(best != log_zero, "OA: no path although forward found one");
        r = optimal_accuracy_trace(p, x, pp, w.oa);
    }
    r.loglik = ll;
    return r;
}

} // namespace

alignment_trace align_sequence(profile const & p, digital_sequence x, align_method method)
{
    align_workspace w;
    detail::scaled_profile const sp{p};
    return align_one(p, sp, x, method, w);
}

std::vector<alignment_trace> align_sequences(profile const & p, std::span<digital_sequence const> xs,
                                             align_method method, int threads)
{
    std::vector<alignment_trace> out(xs.size());
    auto const n = static_cast<long long>(xs.size());
    int const t = std::max(1, threads);
    detail::scaled_profile const sp{p};
#pragma omp parallel num_threads(t)
    {
        align_workspace w;
#pragma omp for schedule(dynamic, 1)
        for (long long s = 0; s < n; ++s)
            out[static_cast<std::size_t>(s)] = align_one(p, sp, xs[static_cast<std::size_t>(s)], method, w);
    }
    return out;
}

char posterior_code(double p) noexcept
{
    // HMMER 3 (src/p7_alidisplay.c, p7_alidisplay_Create): rounds p to the nearest tenth, '*' for 1.
    double const q = p + 0.05;
    if (q >= 1.0)
        return '*';
    int const d = static_cast<int>(q * 10.0);
    return static_cast<char>('0' + std::clamp(d, 0, 9));
}

namespace {

/// Where one row's residues go: left flank block, per node match residue, per node inserts, right
/// flank block. Residue indices are 1-based with their posterior.
struct row_layout
{
    struct res
    {
        std::size_t i;
        double pp;
    };
    std::vector<res> left;               // N flank (unless trimmed) then I0
    std::vector<res> match;              // M+1 entries, i = 0 for none
    std::vector<std::vector<res>> ins;   // M+1 entries; 1 … M−1 used (0 and M go to the flanks)
    std::vector<res> right;              // I_M then C flank (unless trimmed)
};

row_layout lay_out(int M, alignment_trace const & tr, std::size_t L, bool trim)
{
    row_layout r;
    r.match.assign(static_cast<std::size_t>(M + 1), {0, 0});
    r.ins.resize(static_cast<std::size_t>(M + 1));
    EMTK_ASSERT(!tr.path.empty() && tr.pp.size() == tr.path.size(), "alignment of an empty trace");
    std::size_t next = 1;
    for (std::size_t n = 0; n < tr.path.size(); ++n)
    {
        trace_step const & t = tr.path[n];
        if (t.i == 0)
            continue;
        EMTK_ASSERT(t.i == next, "trace does not emit the residues in order");
        ++next;
        row_layout::res const x{t.i, tr.pp[n]};
        switch (t.state)
        {
        case state_type::N:
            if (!trim)
                r.left.push_back(x);
            break;
        case state_type::C:
            if (!trim)
                r.right.push_back(x);
            break;
        case state_type::M: r.match[static_cast<std::size_t>(t.k)] = x; break;
        case state_type::I:
            if (t.k == 0)
                r.left.push_back(x);
            else if (t.k == M)
                r.right.push_back(x);
            else
                r.ins[static_cast<std::size_t>(t.k)].push_back(x);
            break;
        case state_type::J: EMTK_ASSERT(false, "multiple alignment of a multi-hit trace"); break;
        default: EMTK_ASSERT(false, "residue emitted by a silent state"); break;
        }
    }
    EMTK_ASSERT(next == L + 1, "trace does not emit every residue");
    return r;
}

} // namespace

text_alignment make_text_alignment(int M, std::span<alignment_trace const> traces, std::span<digital_sequence const> seqs,
                                   std::span<std::string const> names, std::string_view symbols, bool trim)
{
    EMTK_ASSERT(traces.size() == seqs.size() && names.size() == seqs.size(), "make_text_alignment: sizes differ");
    std::size_t const n = seqs.size();
    std::vector<row_layout> lay;
    lay.reserve(n);
    for (std::size_t s = 0; s < n; ++s)
        lay.push_back(lay_out(M, traces[s], seqs[s].size(), trim));

    // Block widths.
    std::size_t left_w = 0, right_w = 0;
    std::vector<std::size_t> ins_w(static_cast<std::size_t>(M + 1), 0);
    for (auto const & r : lay)
    {
        left_w = std::max(left_w, r.left.size());
        right_w = std::max(right_w, r.right.size());
        for (int k = 1; k < M; ++k)
            ins_w[static_cast<std::size_t>(k)] = std::max(ins_w[static_cast<std::size_t>(k)], r.ins[static_cast<std::size_t>(k)].size());
    }
    text_alignment out;
    out.rf.append(left_w, '.');
    for (int k = 1; k <= M; ++k)
    {
        out.rf.push_back('x');
        if (k < M)
            out.rf.append(ins_w[static_cast<std::size_t>(k)], '.');
    }
    out.rf.append(right_w, '.');
    std::size_t const width = out.rf.size();

    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    out.names.assign(names.begin(), names.end());
    out.descriptions.assign(n, std::string{});
    out.rows.resize(n);
    out.pp.resize(n);
    for (std::size_t s = 0; s < n; ++s)
    {
        std::string & row = out.rows[s];
        std::string & pr = out.pp[s];
        row.reserve(width);
        pr.reserve(width);
        digital_sequence const x = seqs[s];
        auto put_inserts = [&](std::vector<row_layout::res> const & v, std::size_t w, bool right_justify) {
            if (right_justify)
                row.append(w - v.size(), '.'), pr.append(w - v.size(), '.');
            for (auto const & e : v)
            {
                row.push_back(lower(symbols[x[e.i - 1]]));
                pr.push_back(posterior_code(e.pp));
            }
            if (!right_justify)
                row.append(w - v.size(), '.'), pr.append(w - v.size(), '.');
        };
        row_layout const & r = lay[s];
        put_inserts(r.left, left_w, true);
        for (int k = 1; k <= M; ++k)
        {
            auto const & m = r.match[static_cast<std::size_t>(k)];
            if (m.i)
            {
                row.push_back(symbols[x[m.i - 1]]);
                pr.push_back(posterior_code(m.pp));
            }
            else
            {
                row.push_back('-');
                pr.push_back('.');
            }
            if (k < M)
                put_inserts(r.ins[static_cast<std::size_t>(k)], ins_w[static_cast<std::size_t>(k)], false);
        }
        put_inserts(r.right, right_w, false);
        EMTK_ASSERT(row.size() == width && pr.size() == width, "alignment row of the wrong width");
    }
    return out;
}

} // namespace emtk::hmm
