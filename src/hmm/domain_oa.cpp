// Single-precision optimal-accuracy alignment of search envelopes (see domain_oa.hpp): the
// recurrences of align.cpp's optimal_accuracy_fill/optimal_accuracy_trace (HMMER 3's
// p7_GOptimalAccuracy/p7_GOATrace, src/generic_optacc.c; read, not copied) with float cells.
#include "domain_oa.hpp"
#include "oa_trace.hpp"

#include <emtk/em/logspace.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <array>
#include <limits>

namespace emtk::hmm::detail {

using em::log_zero;

namespace {

constexpr float ninf = -std::numeric_limits<float>::infinity();

/// 0 when the transition of log probability `t` exists, else −∞ (Käll et al.'s delta as an addend).
inline float gate(double t) noexcept { return t == log_zero ? ninf : 0.0f; }
/// `v` when the transition exists, else −∞.
inline float allow(double t, float v) noexcept { return t == log_zero ? ninf : v; }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EMTK_OAF_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EMTK_OAF_CLONES
#endif

/// One row's match and insert cells from the previous row (align.cpp's oa_row in float): adds and
/// maxima only, so the AVX2 clone computes the same floats. g: gates mm, im, dm, mi, ii, em.
EMTK_OAF_CLONES void oa_row_float(std::size_t M, float b_prev, float const * g, std::size_t n,
                                  double const * __restrict pm, double const * __restrict pi,
                                  float const * __restrict mp, float const * __restrict ip,
                                  float const * __restrict dp, float * __restrict mc, float * __restrict ic)
{
    float const * g_mm = g, * g_im = g + n, * g_dm = g + 2 * n, * g_mi = g + 3 * n, * g_ii = g + 4 * n,
                * g_em = g + 5 * n;
    for (std::size_t k = 1; k <= M; ++k)
    {
        float const m_in = std::max(std::max(b_prev + g_em[k], mp[k - 1] + g_mm[k - 1]),
                                    std::max(ip[k - 1] + g_im[k - 1], dp[k - 1] + g_dm[k - 1]));
        mc[k] = static_cast<float>(pm[k]) + m_in;
        ic[k] = static_cast<float>(pi[k]) + std::max(mp[k] + g_mi[k], ip[k] + g_ii[k]);
    }
}

} // namespace

void oa_float_matrix::reshape(std::size_t L_, int M)
{
    L = L_;
    n = static_cast<std::size_t>(M) + 1;
    std::size_t const need = (L + 1) * 3 * n;
    if (core.size() < need) // grows only; every cell read is written by the fill first
    {
        core = std::vector<float>();
        core.resize(need);
    }
    if (sx.size() < (L + 1) * n_special_states)
        sx.resize((L + 1) * n_special_states);
}

double optimal_accuracy_fill_float(profile const & p, posterior const & pp, oa_float_matrix & oa)
{
    std::size_t const L = pp.L;
    int const M = p.M;
    EMTK_ASSERT(pp.M == M, "posterior and profile differ in length");
    special_row const sp = special_transitions(p, L);
    oa.reshape(L, M);
    auto const Ms = static_cast<std::size_t>(M), n = Ms + 1;
    std::fill(oa.row(0), oa.row(0) + 3 * n, ninf);
    for (special_state const s : {x_n, x_b, x_e, x_j, x_c})
        oa.xs(0, s) = ninf;
    oa.xs(0, x_n) = 0;
    oa.xs(0, x_b) = allow(sp[n_move], 0.0f);
    thread_local std::vector<float> g;
    g.resize(10 * n);
    float * g_mm = g.data(), * g_im = g_mm + n, * g_dm = g_im + n, * g_mi = g_dm + n, * g_ii = g_mi + n,
          * g_em = g_ii + n, * g_md = g_em + n, * g_dd = g_md + n, * g_ex = g_dd + n, * g_exd = g_ex + n;
    bool dd_open = true; // every D_k → D_{k+1} (k = 1 … M−1) exists: the delete chain is a running maximum
    for (std::size_t k = 0; k <= Ms; ++k)
    {
        auto const & tk = p.tsc[k];
        g_mm[k] = gate(tk[t_mm]), g_im[k] = gate(tk[t_im]), g_dm[k] = gate(tk[t_dm]);
        g_mi[k] = gate(tk[t_mi]), g_ii[k] = gate(tk[t_ii]), g_md[k] = gate(tk[t_md]), g_dd[k] = gate(tk[t_dd]);
        g_em[k] = gate(p.enter_m[k]), g_ex[k] = gate(p.exit_m[k]), g_exd[k] = gate(p.exit_d[k]);
        if (k >= 1 && k < Ms && g_dd[k] != 0.0f)
            dd_open = false;
    }
    for (std::size_t i = 1; i <= L; ++i)
    {
        float const * prev = oa.row(i - 1);
        float * cur = oa.row(i);
        float const * mp = prev, * ip = prev + n, * dp = prev + 2 * n;
        float * mc = cur, * ic = cur + n, * dc = cur + 2 * n;
        float const b_prev = oa.xs(i - 1, x_b);
        ic[0] = static_cast<float>(pp.insert(i, 0)) +
                std::max(allow(p.enter_i0, b_prev), allow(p.tsc[0][t_ii], ip[0]));
        mc[0] = dc[0] = ninf; // M_0, D_0
        oa_row_float(Ms, b_prev, g.data(), n, pp.m.data() + i * n, pp.ins.data() + i * n, mp, ip, dp, mc, ic);
        // D_k = max(M_{k−1} + g_md, D_{k−1} + g_dd): + 0 is exact, so with every g_dd open the
        // chain is a running maximum (the same floats, a shorter dependency per node).
        if (dd_open && Ms >= 1)
        {
            float d = dc[0] + g_dd[0];
            d = std::max(mc[0] + g_md[0], d);
            dc[1] = d;
            for (std::size_t k = 2; k <= Ms; ++k)
                dc[k] = d = std::max(mc[k - 1] + g_md[k - 1], d);
        }
        else
            for (std::size_t k = 1; k <= Ms; ++k)
                dc[k] = std::max(mc[k - 1] + g_md[k - 1], dc[k - 1] + g_dd[k - 1]);
        float e = allow(p.exit_i, ic[Ms]);
        for (std::size_t k = 1; k <= Ms; ++k)
            e = std::max(e, std::max(mc[k] + g_ex[k], dc[k] + g_exd[k]));
        oa.xs(i, x_e) = e;
        oa.xs(i, x_j) = std::max(allow(sp[j_loop], oa.xs(i - 1, x_j) + static_cast<float>(pp.j[i])), allow(sp[e_loop], e));
        oa.xs(i, x_c) = std::max(allow(sp[c_loop], oa.xs(i - 1, x_c) + static_cast<float>(pp.c[i])), allow(sp[e_move], e));
        oa.xs(i, x_n) = allow(sp[n_loop], oa.xs(i - 1, x_n) + static_cast<float>(pp.n[i]));
        oa.xs(i, x_b) = std::max(allow(sp[n_move], oa.xs(i, x_n)), allow(sp[j_move], oa.xs(i, x_j)));
    }
    float const v = allow(sp[c_move], oa.xs(L, x_c));
    return v == ninf ? log_zero : static_cast<double>(v);
}

alignment_trace optimal_accuracy_trace_float(profile const & p, digital_sequence x, posterior const & pp,
                                             oa_float_matrix const & oa)
{
    return oa_trace<float>(p, x, pp, oa);
}

} // namespace emtk::hmm::detail
