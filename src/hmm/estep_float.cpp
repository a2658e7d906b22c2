// The float E-step (include/emtk/hmm/estep_simd.hpp): the float copy of a prob_profile, the
// portable level of the kernel (estep_float_kernel.hpp over plain 8-float arrays), the dispatch
// to the SSE4.1 and AVX2 levels and the checks that send a sequence to the double kernel.
#include <emtk/hmm/estep_simd.hpp>
#include <emtk/util/error.hpp>

#include "estep_float_kernel.hpp"
#include "scaled_dp_detail.hpp"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <vector>

#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
#define EMTK_HAVE_MXCSR 1
#endif

namespace emtk::hmm {

namespace float_detail {
namespace {

/// The portable level: 8 floats in an array, one IEEE operation per lane, in the order the
/// SIMD levels use (estep_float_kernel.hpp).
struct portable_ops
{
    struct vec
    {
        float v[8];
    };
    static vec zero() { return vec{}; }
    static vec splat(float x)
    {
        vec r;
        for (float & y : r.v)
            y = x;
        return r;
    }
    static vec load(float const * p)
    {
        vec r;
        for (int j = 0; j < 8; ++j)
            r.v[j] = p[j];
        return r;
    }
    static void store(float * p, vec const & v)
    {
        for (int j = 0; j < 8; ++j)
            p[j] = v.v[j];
    }
    static vec add(vec a, vec const & b)
    {
        for (int j = 0; j < 8; ++j)
            a.v[j] += b.v[j];
        return a;
    }
    static vec mul(vec a, vec const & b)
    {
        for (int j = 0; j < 8; ++j)
            a.v[j] *= b.v[j];
        return a;
    }
    static vec min(vec a, vec const & b) // a < b ? a : b, as minps (b when unordered)
    {
        for (int j = 0; j < 8; ++j)
            a.v[j] = a.v[j] < b.v[j] ? a.v[j] : b.v[j];
        return a;
    }
    static vec max(vec a, vec const & b)
    {
        for (int j = 0; j < 8; ++j)
            a.v[j] = a.v[j] > b.v[j] ? a.v[j] : b.v[j];
        return a;
    }
    static vec shift(vec const & v, int n) // lane j ← lane j−n (n < 0: j+|n|), zeros in
    {
        vec r{};
        for (int j = 0; j < 8; ++j)
            if (j - n >= 0 && j - n < 8)
                r.v[j] = v.v[j - n];
        return r;
    }
    static vec up1(vec const & v) { return shift(v, 1); }
    static vec up2(vec const & v) { return shift(v, 2); }
    static vec up4(vec const & v) { return shift(v, 4); }
    static vec down1(vec const & v) { return shift(v, -1); }
    static vec down2(vec const & v) { return shift(v, -2); }
    static vec down4(vec const & v) { return shift(v, -4); }
    static vec up1_from(vec const & v, vec const & prev)
    {
        vec r = shift(v, 1);
        r.v[0] = prev.v[7];
        return r;
    }
    static vec down1_from(vec const & v, vec const & next)
    {
        vec r = shift(v, -1);
        r.v[7] = next.v[0];
        return r;
    }
    static vec last(vec const & v) { return splat(v.v[7]); }
    static vec first(vec const & v) { return splat(v.v[0]); }
    static float hsum(vec const & v)
    {
        return ((v.v[0] + v.v[4]) + (v.v[2] + v.v[6])) + ((v.v[1] + v.v[5]) + (v.v[3] + v.v[7]));
    }
    static float hmax(vec const & v)
    {
        float m = v.v[0];
        for (int j = 1; j < 8; ++j)
            m = m > v.v[j] ? m : v.v[j];
        return m;
    }
};

} // namespace

void estep_portable(args & a) { estep<portable_ops>(a); }

} // namespace float_detail

namespace {

using namespace float_detail;
using namespace detail;

std::size_t fstride(std::size_t W) noexcept { return W + 16; }
std::size_t frow(std::size_t W) noexcept { return 3 * fstride(W) + 16; }

/// A probability as a float; below the normal float range it becomes 0 (estep_simd.hpp).
float to_float(double p) noexcept { return p < static_cast<double>(FLT_MIN) ? 0.0f : static_cast<float>(p); }

/// Sets the x86 flush-to-zero and denormals-are-zero modes for its lifetime (this thread only),
/// then restores the previous mode (estep_simd.hpp, "Range").
class ftz_scope
{
public:
#if defined(EMTK_HAVE_MXCSR)
    ftz_scope() noexcept : saved_{_mm_getcsr()} { _mm_setcsr(saved_ | 0x8040u); }
    ~ftz_scope() { _mm_setcsr(saved_); }
    ftz_scope(ftz_scope const &) = delete;
    ftz_scope & operator=(ftz_scope const &) = delete;

private:
    unsigned saved_;
#endif
};

/// Posterior mass (relative to P̃) of the paths through glocal entries and exits that are 0 in
/// float but not in double: their flows are accumulated whether the parameter is 0 or not. With
/// the tilt, the float parameter is the tilted one and the flows have been untilted (tilt_flows).
double float_floored_mass(prob_profile const & pp, bool tilted, double const * flows, double pt,
                          scalar_flows const & sf)
{
    double lost = 0;
    auto add = [&](double p, int t, double flow) {
        if (p > 0 && to_float(tilted ? std::ldexp(p, t) : p) == 0)
            lost += p * flow / pt;
    };
    std::size_t const W = pp.W;
    int const tm = pp.tilt.empty() ? 0 : pp.tilt[static_cast<std::size_t>(pp.M)];
    for (std::size_t k = 1; k <= static_cast<std::size_t>(pp.M); ++k)
    {
        int const tk = pp.tilt.empty() ? 0 : pp.tilt[k];
        add(pp.enter[k], tk, flows[f_en * W + k]);
        add(pp.exit_m[k], tm - tk, flows[f_xm * W + k]);
        add(pp.exit_d[k], tm - tk, flows[f_xd * W + k]);
    }
    add(pp.enter_i0, 0, sf.b_i0);
    add(pp.exit_i, 0, sf.x_i);
    return lost;
}

/// The flows of the tilted kernel turned into those of the untilted model times τ_M, the factor
/// every path and P̃ carry under the tilt (estep_simd.hpp, "Tilt"): transitions k → k+1 times
/// 2^(T_{k+1} − T_k), entries into node k times 2^(T_k), exits from node k times 2^(T_M − T_k).
/// Powers of two: exact in double.
void tilt_flows(prob_profile const & pp, double * flows)
{
    std::size_t const W = pp.W, M = static_cast<std::size_t>(pp.M);
    int const tm = pp.tilt[M];
    for (std::size_t k = 0; k <= M; ++k)
    {
        int const tk = pp.tilt[k], step = k < M ? pp.tilt[k + 1] - tk : 0;
        for (flow f : {f_mm, f_md, f_im, f_dm, f_dd})
            flows[f * W + k] = std::ldexp(flows[f * W + k], step);
        flows[f_en * W + k] = std::ldexp(flows[f_en * W + k], tk);
        flows[f_xm * W + k] = std::ldexp(flows[f_xm * W + k], tm - tk);
        flows[f_xd * W + k] = std::ldexp(flows[f_xd * W + k], tm - tk);
    }
}

/// log2 τ_k of the tilt (estep_simd.hpp, "Tilt"), k = 0 … M: T_0 = 0, T_k = T_{k−1} + δ_k with
/// δ_k = ⌊d/2⌋ for 2^(−d) the power of two at or below t_DD(k−1) (half the decay of a run of
/// deletions), capped at tilt_max_step; empty when every δ_k is 0 (no tilt to apply).
std::vector<int> tilt_exponents(prob_profile const & pp)
{
    auto const M = static_cast<std::size_t>(pp.M);
    std::vector<int> t(M + 1, 0);
    bool any = false;
    for (std::size_t k = 1; k <= M; ++k)
    {
        int step = 0;
        if (pp.tdd[k - 1] > 0)
        {
            int e = 0;
            (void)std::frexp(pp.tdd[k - 1], &e); // tdd = m 2^e, m ∈ [1/2, 1)
            step = std::min(tilt_max_step, std::max(0, -e) / 2);
        }
        any = any || step > 0;
        t[k] = t[k - 1] + step;
    }
    if (!any)
        t.clear();
    return t;
}

} // namespace

namespace detail {

namespace {

/// One float table (layout: estep_float_kernel.hpp) from the double tables, tilted by 2^(T_k) at
/// node k when `tilt` is not empty (estep_simd.hpp, "Tilt"). Returns false when a parameter other
/// than a glocal entry/exit is 0 in float but not in double (or a tilted one is not finite).
bool fill_float_table(prob_profile const & pp, std::vector<int> const & tilt, std::vector<float> & tab)
{
    std::size_t const W = pp.W, S = fstride(W), Kp = static_cast<std::size_t>(pp.Kp);
    auto const M = static_cast<std::size_t>(pp.M);
    tab.assign(n_fpar * W + 2 * Kp * S + Kp, 0.0f);
    bool ok = pp.floored_other == 0;
    // Parameters other than the glocal entries/exits must not lose paths in float.
    auto core = [&](double p) {
        float const f = to_float(p);
        if ((p > 0 && f == 0) || !(f <= FLT_MAX))
            ok = false;
        return f;
    };
    auto t = [&](std::size_t k) { return tilt.empty() ? 0 : tilt[std::min(k, M)]; };
    // Into node k+1: times 2^(T_{k+1} − T_k); B → M_k: 2^(T_k); M_k, D_k → E: 2^(T_M − T_k).
    auto step = [&](std::size_t k) { return k < M ? t(k + 1) - t(k) : 0; };
    auto edge = [&](double p, int e) {
        float const f = to_float(std::ldexp(p, e));
        if (!(f <= FLT_MAX))
            ok = false;
        return f;
    };
    // Built as plain arrays (node k at [p · W + k]), then interleaved by block (estep_float_kernel.hpp).
    std::vector<float> flat(n_fpar * W, 0.0f);
    auto arr = [&](int which) { return flat.data() + static_cast<std::size_t>(which) * W; };
    for (std::size_t k = 0; k < W; ++k)
    {
        int const up = step(k);
        arr(p_tmm)[k] = core(std::ldexp(pp.tmm[k], up));
        arr(p_tmi)[k] = core(pp.tmi[k]);
        arr(p_tmd)[k] = core(std::ldexp(pp.tmd[k], up));
        arr(p_tim)[k] = core(std::ldexp(pp.tim[k], up));
        arr(p_tii)[k] = core(pp.tii[k]);
        arr(p_tdm)[k] = core(std::ldexp(pp.tdm[k], up));
        arr(p_tdd)[k] = core(std::ldexp(pp.tdd[k], up));
        arr(p_enter)[k] = edge(pp.enter[k], t(k));
        arr(p_exit_m)[k] = edge(pp.exit_m[k], t(M) - t(k));
        arr(p_exit_d)[k] = edge(pp.exit_d[k], t(M) - t(k));
    }
    arr(p_ienter)[0] = to_float(pp.enter_i0);
    arr(p_iexit)[M] = to_float(pp.exit_i);
    for (std::size_t k = 1; k < W; ++k)
    {
        arr(p_tmm1)[k] = arr(p_tmm)[k - 1];
        arr(p_tim1)[k] = arr(p_tim)[k - 1];
        arr(p_tdm1)[k] = arr(p_tdm)[k - 1];
        arr(p_tmd1)[k] = arr(p_tmd)[k - 1];
    }
    // D-chain scan factors per 8-node block (estep_float_kernel.hpp, "D chains").
    for (std::size_t k0 = 0; k0 < W; k0 += 8)
    {
        float t[4][8], u[4][8];
        for (int j = 0; j < 8; ++j)
        {
            std::size_t const k = k0 + static_cast<std::size_t>(j);
            t[0][j] = k >= 1 ? arr(p_tdd)[k - 1] : 0.0f; // forward: D_k = … + tdd[k−1] D_{k−1}
            u[0][j] = arr(p_tdd)[k];                      // backward: D̂_k = … + tdd[k] D̂_{k+1}
        }
        for (int s = 1; s < 4; ++s)
        {
            int const h = 1 << (s - 1);
            for (int j = 0; j < 8; ++j)
            {
                t[s][j] = j >= h ? t[s - 1][j] * t[s - 1][j - h] : t[s - 1][j];
                u[s][j] = j + h < 8 ? u[s - 1][j] * u[s - 1][j + h] : u[s - 1][j];
            }
        }
        for (int j = 0; j < 8; ++j)
        {
            std::size_t const k = k0 + static_cast<std::size_t>(j);
            auto const z = [](float v) { return v < FLT_MIN ? 0.0f : v; };
            arr(p_g1)[k] = t[0][j], arr(p_g2)[k] = z(t[1][j]), arr(p_g4)[k] = z(t[2][j]), arr(p_gc)[k] = z(t[3][j]);
            arr(p_h1)[k] = u[0][j], arr(p_h2)[k] = z(u[1][j]), arr(p_h4)[k] = z(u[2][j]), arr(p_hc)[k] = z(u[3][j]);
        }
    }
    for (std::size_t k = 0; k < W; ++k)
        for (int which = 0; which < n_fpar; ++which)
            tab[(k / 8 * n_fpar + static_cast<std::size_t>(which)) * 8 + k % 8] = arr(which)[k];
    float * me = tab.data() + n_fpar * W;
    float * ie = me + Kp * S;
    float * xe = ie + Kp * S;
    for (std::size_t c = 0; c < Kp; ++c)
    {
        for (std::size_t k = 0; k < W; ++k)
        {
            me[c * S + 8 + k] = core(pp.memit[c * W + k]);
            ie[c * S + 8 + k] = core(pp.iemit[c * W + k]);
        }
        xe[c] = core(pp.xemit[c]);
    }
    return ok;
}

/// Whether every exit parameter (M_k → E, D_k → E, I_k → E) of a float table is 0 below node M
/// (glocal profiles; estep_float_kernel.hpp, "Exits").
bool exits_at_m_only(float const * par, std::size_t W, std::size_t M)
{
    for (std::size_t k = 0; k < W; ++k)
        if (k != M)
            for (int p : {p_exit_m, p_exit_d, p_iexit})
                if (par[((k / 8) * n_fpar + static_cast<std::size_t>(p)) * 8 + k % 8] != 0.0f)
                    return false;
    return true;
}

} // namespace

void build_float_tables(prob_profile & pp)
{
    pp.float_ok = fill_float_table(pp, {}, pp.ftab);
    // The tilted copy (estep_simd.hpp, "Tilt"): unihit glocal profiles (training) only, where
    // every path enters once and leaves at node M, so the tilt multiplies each path by τ_M.
    pp.tilt.clear();
    pp.ftab_tilt.clear();
    if (!pp.float_ok || pp.options.local || pp.options.multihit)
        return;
    pp.tilt = tilt_exponents(pp);
    if (!pp.tilt.empty() && !fill_float_table(pp, pp.tilt, pp.ftab_tilt))
        pp.tilt.clear(), pp.ftab_tilt.clear();
}

/// The float kernel's glue; a friend of estep_workspace.
struct float_kernel
{
    /// One attempt with the plain (tilted = false) or the tilted float table.
    static std::optional<double> run(prob_profile const & pp, digital_sequence x, hmm_counts & acc, double weight,
                                     estep_workspace & ws, simd_level level, double tol, bool tilted)
    {
        EMTK_ASSERT(acc.M == pp.M && acc.K == pp.K, "hmm_counts of a different model size");
        EMTK_ASSERT(!pp.ftab.empty(), "prob_profile without its float tables");
        std::size_t const L = x.size(), W = pp.W, S = fstride(W), RS = frow(W), Kp = static_cast<std::size_t>(pp.Kp);
        std::array<bool, 256> used{};
        std::array<std::uint8_t, 256> codes{};
        int n_codes = 0;
        for (std::uint8_t c : x)
        {
            EMTK_ASSERT(c < pp.Kp, "residue code out of range for the profile's alphabet");
            if (!used[c])
                used[c] = true, codes[static_cast<std::size_t>(n_codes++)] = c;
        }
        specials const sp = special_probs(pp, L);
        args a;
        a.M = pp.M;
        a.W = W;
        a.S = S;
        a.RS = RS;
        a.par = tilted ? pp.ftab_tilt.data() : pp.ftab.data();
        a.memit = a.par + n_fpar * W;
        a.iemit = a.memit + Kp * S;
        a.xemit = a.iemit + Kp * S;
        a.n_loop = to_float(sp.n_loop), a.n_move = to_float(sp.n_move), a.e_move = to_float(sp.e_move);
        a.e_loop = to_float(sp.e_loop), a.c_loop = to_float(sp.c_loop), a.c_move = to_float(sp.c_move);
        a.j_loop = to_float(sp.j_loop), a.j_move = to_float(sp.j_move);
        a.x = x.data();
        a.L = L;
        a.exits_at_m = exits_at_m_only(a.par, W, static_cast<std::size_t>(pp.M));
        a.codes = codes.data();
        a.n_codes = n_codes;
        a.rows = grow(ws.frows_, (L + 1) * RS);
        ws.scale_.resize(std::max(ws.scale_.size(), L + 1));
        a.scale = ws.scale_.data();
        a.bwd = grow(ws.fbwd_, 2 * RS + 2 * S);
        a.facc = grow(ws.facc_, (n_facc + 2 * Kp) * W);
        a.femacc = a.facc + n_facc * W;
        a.flows = grow(ws.flow_, n_flows * W);
        std::fill(a.flows, a.flows + n_flows * W, 0.0);
        a.emacc = grow(ws.acc_, 2 * Kp * W); // set by the kernel's first flush of each code
        {
            ftz_scope const ftz;
            if (level == simd_level::avx2)
                estep_avx2(a);
            else if (level == simd_level::sse41)
                estep_sse41(a);
            else
                estep_portable(a);
        }
        if (!(a.pt > 0) || !std::isfinite(a.pb))
            return std::nullopt;
        estep_sums s;
        s.pt = a.pt;
        s.pb = a.pb;
        // Under the tilt P̃ carries τ_M = 2^(T_M) (estep_simd.hpp, "Tilt").
        long long const log2_tilt = tilted ? pp.tilt[static_cast<std::size_t>(pp.M)] : 0;
        s.log_p = static_cast<double>(a.log2_scales - log2_tilt) * std::log(2.0) + std::log(a.pt);
        s.sf = {a.sf[0], a.sf[1], a.sf[2], a.sf[3], a.sf[4], a.sf[5], a.sf[6], a.sf[7], a.sf[8]};
        if (tilted)
            tilt_flows(pp, a.flows);
        if (float_floored_mass(pp, tilted, a.flows, a.pt, s.sf) > tol)
            return std::nullopt;
        return scaled_finish(pp, x, ws, acc, weight, tol, s);
    }

    /// The float E-step: the plain table, then the tilted one when the plain one fails its check
    /// (tilted first for L < M, where the deletions the plain table cannot represent are likely;
    /// estep_simd.hpp, "Tilt"). Only unihit profiles have a tilted table.
    static std::optional<double> run(prob_profile const & pp, digital_sequence x, hmm_counts & acc, double weight,
                                     estep_workspace & ws, simd_level level, double tol)
    {
        bool const can_tilt = !pp.ftab_tilt.empty();
        bool const tilt_first = can_tilt && x.size() < static_cast<std::size_t>(pp.M);
        if (auto const ll = run(pp, x, acc, weight, ws, level, tol, tilt_first))
            return ll;
        if (can_tilt)
            return run(pp, x, acc, weight, ws, level, tol, !tilt_first);
        return std::nullopt;
    }

    /// At least n elements (contents scratch), as scaled_dp.cpp's grow().
    template <class T>
    static T * grow(std::vector<T> & v, std::size_t n)
    {
        if (v.size() < n)
            v.resize(n);
        return v.data();
    }
};

} // namespace detail

bool float_estep_applies(prob_profile const & pp, std::size_t L, estep_workspace const & ws) noexcept
{
    return pp.float_ok && !pp.ftab.empty() && L >= 1 &&
           (L + 1) * frow(pp.W) * sizeof(float) <= ws.full_limit;
}

std::optional<double> float_expected_counts(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                            double weight, estep_workspace & ws, simd_level level, double tol)
{
    EMTK_ASSERT(float_estep_applies(pp, x.size(), ws), "the float E-step does not apply to this sequence");
    return detail::float_kernel::run(pp, x, acc, weight, ws, std::min(level, simd_supported()), tol);
}

std::optional<double> fast_expected_counts_checked(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                                   double weight, estep_workspace & ws, double tol, simd_level level,
                                                   estep_kernel * used)
{
    estep_kernel k = estep_kernel::double_only;
    if (float_estep_applies(pp, x.size(), ws))
    {
        if (auto const ll = detail::float_kernel::run(pp, x, acc, weight, ws, std::min(level, simd_supported()),
                                                      float_check_tol))
        {
            if (used)
                *used = estep_kernel::float_simd;
            return ll;
        }
        k = estep_kernel::double_fallback;
    }
    auto const ll = scaled_expected_counts_checked(pp, x, acc, weight, ws, tol);
    if (used)
        *used = ll ? k : estep_kernel::none;
    return ll;
}

} // namespace emtk::hmm
