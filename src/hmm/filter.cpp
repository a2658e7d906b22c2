// The search filter cascade: profile quantisation (MSV bytes, Viterbi words), the scalar reference
// kernels, the composition-bias filter, the runtime dispatch to the SIMD kernels and the cascade
// itself. Sources (read, not copied): HMMER 3.3 src/p7_pipeline.c (stages, thresholds),
// src/impl_sse/p7_oprofile.c (byte/word quantisation), msvfilter.c and vitfilter.c (striped
// kernels), src/p7_bg.c (p7_bg_SetFilter, p7_bg_FilterScore), Easel esl_hmm.c (Configure, Forward).
// See include/emtk/hmm/filter.hpp for the arithmetic and its approximations.
#include "filter_kernels.hpp"

#include <emtk/hmm/filter.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/residues.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numbers>
#include <string_view>

namespace emtk::hmm {

using filter_detail::msv_args;
using filter_detail::vit_args;
using filter_detail::word_max;
using filter_detail::word_neg_inf;

namespace {

constexpr double ln2 = std::numbers::ln2;
constexpr double inf = std::numeric_limits<double>::infinity();

// MSV: 1/3-bit units, base 190 (p7_oprofile.c mf_conversion; as score.cpp's emulation).
constexpr double msv_scale = 3.0 / ln2;
constexpr int msv_base = 190;
// Viterbi: 1/500-bit units, base 12000 (vitfilter.c's word scale).
constexpr double vit_scale = 500.0 / ln2;
constexpr int vit_base = 12000;

/// −round(scale·sc) capped at 255: a non-negative byte cost (sc ≤ 0).
int msv_cost(double sc) noexcept
{
    double const c = -std::round(msv_scale * sc);
    return c > 255.0 ? 255 : (c < 0.0 ? 0 : static_cast<int>(c));
}

/// round(scale·v) as a saturated word, −∞ → −32768.
std::int16_t vit_word(double v) noexcept
{
    if (!(v > -inf))
        return static_cast<std::int16_t>(word_neg_inf);
    double const w = std::round(vit_scale * v);
    return static_cast<std::int16_t>(std::clamp(w, static_cast<double>(word_neg_inf), static_cast<double>(word_max)));
}

int sat_u8(int v) noexcept { return std::clamp(v, 0, 255); }
int sat_i16(int v) noexcept { return std::clamp(v, word_neg_inf, word_max); }

/// Lanes per vector at a level: bytes (MSV) and words (Viterbi); 0 for the scalar level.
int lanes8(simd_level l) noexcept { return l == simd_level::avx2 ? 32 : l == simd_level::sse41 ? 16 : 0; }

/// Striped vectors per row (filter_kernels.hpp).
int striped_q(int M, int W) noexcept { return std::max(2, (M + W - 1) / W); }

/// Scratch rows of the kernels, one set per thread, grown on demand.
struct scratch_rows
{
    std::vector<std::uint8_t> bytes;
    std::vector<std::int16_t> words;
    std::vector<int> ints;
};
thread_local scratch_rows scratch;

simd_level read_active() noexcept
{
    simd_level const best = simd_supported();
    char const * env = std::getenv("EMTK_SIMD");
    if (env == nullptr)
        return best;
    std::string_view const v{env};
    simd_level want = best;
    if (v == "scalar")
        want = simd_level::scalar;
    else if (v == "sse4.1" || v == "sse41")
        want = simd_level::sse41;
    else if (v == "avx2")
        want = simd_level::avx2;
    return std::min(want, best);
}

} // namespace

simd_level simd_supported() noexcept
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        return simd_level::avx2;
    if (__builtin_cpu_supports("sse4.1"))
        return simd_level::sse41;
#endif
    return simd_level::scalar;
}

simd_level simd_active() noexcept
{
    static simd_level const level = read_active();
    return level;
}

char const * simd_name(simd_level level) noexcept
{
    switch (level)
    {
    case simd_level::avx2:
        return "avx2";
    case simd_level::sse41:
        return "sse4.1";
    default:
        return "scalar";
    }
}

/// The quantised profiles, serial (reference) and striped (for the level's vector width).
struct search_filter::tables
{
    int M = 0, Kp = 0;
    // MSV bytes.
    int msv_bias = 0, msv_tbm = 0, msv_tec = 0;
    std::vector<std::uint8_t> msv_cost_serial;  // [c][k], k = 1..M at index c·(M+1)+k
    std::vector<std::uint8_t> msv_cost_striped; // [c][q][lane]
    std::vector<std::int8_t> msv_delta_striped; // [c][q][lane]: bias − cost clamped to [−128, 127] (filter_kernels.hpp)
    int msv_Q = 0, msv_W = 0;
    // Viterbi words.
    std::vector<std::int16_t> vit_msc_serial;   // [c][k]
    std::vector<std::int16_t> vit_t_serial;     // [k][slot] (vit_slot) for k = 0..M
    std::vector<std::int16_t> vit_dd_serial;    // [k]
    std::vector<std::int16_t> vit_msc_striped;  // [c][q][lane]
    std::vector<std::int16_t> vit_t_striped;    // [q][slot][lane]
    std::vector<std::int16_t> vit_dd_striped;   // [q][lane]
    int vit_Q = 0, vit_W = 0;
    profile const * prof = nullptr;             // for the length model (owned by the scorer)
    // Bias filter: odds of state 1 (the model's composition) per code; state 0 has odds 1.
    std::vector<double> bias_odds1;
    double t00 = 0, t01 = 0, t10 = 0, t11 = 0;

    [[nodiscard]] int msv_tjb(std::size_t L) const noexcept
    {
        double const l = static_cast<double>(L);
        return msv_cost(std::log(3.0 / (l + 3.0)));
    }
    [[nodiscard]] double msv_result_bits(int xJ, std::size_t L) const noexcept
    {
        if (xJ < 0)
            return inf;
        double const sc = static_cast<double>(xJ - msv_tjb(L) - msv_base) / msv_scale - 3.0;
        return (sc - null1_score(L, L)) / ln2;
    }
    /// The byte threshold of ssv_rows (see filter.hpp): the smallest best-cell value xE whose MSV
    /// score for length W, ((xE − tec − tjb − base)/scale − 3 − null1(W))/ln 2, has P ≤ F1.
    [[nodiscard]] int ssv_threshold(std::size_t W, hmmer_stats const & st, double F1) const noexcept
    {
        if (!(F1 < 1.0))
            return 0;
        double const bits = st.msv_mu - std::log(-std::log1p(-F1)) / st.msv_lambda;
        double const nats = bits * ln2 + null1_score(W, W) + 3.0;
        double const xe = nats * msv_scale + msv_tjb(W) + msv_base + msv_tec;
        return std::clamp(static_cast<int>(std::ceil(xe - 1e-9)), 0, 255);
    }
    /// The striped MSV arguments with the length model of L.
    [[nodiscard]] msv_args msv_striped_args(std::size_t L) const noexcept
    {
        msv_args a;
        a.cost = msv_cost_striped.data();
        a.delta = msv_delta_striped.data();
        a.Q = msv_Q;
        a.bias = msv_bias;
        a.tbm = msv_tbm;
        a.tec = msv_tec;
        a.tjb = msv_tjb(L);
        a.base = msv_base;
        return a;
    }
    [[nodiscard]] vit_args vit_constants(std::size_t L) const noexcept
    {
        special_row const sp = special_transitions(*prof, L);
        vit_args a;
        a.tmove = vit_word(sp[n_move]);
        a.tloop_e = vit_word(sp[e_move]);
        a.base = vit_base;
        return a;
    }
    [[nodiscard]] double vit_result_bits(int xC, vit_args const & a, std::size_t L) const noexcept
    {
        if (xC > word_max)
            return inf;
        if (xC == word_neg_inf)
            return -inf;
        double const sc = static_cast<double>(xC + a.tmove - a.base) / vit_scale - 3.0;
        return (sc - null1_score(L, L)) / ln2;
    }
};

search_filter::search_filter(hmmer_scorer const & scorer, std::span<double const> compo, seq::alphabet_type a,
                             simd_level level)
    : level_{level}, t_{std::make_unique<tables>()}
{
    profile const & p = scorer.configured();
    std::vector<double> const & lo = scorer.match_log_odds();
    tables & t = *t_;
    int const M = p.M, Kp = p.Kp, K = p.K;
    t.M = M;
    t.Kp = Kp;
    t.prof = &p;
    auto const at = [Kp](int k, int c) { return static_cast<std::size_t>(k * Kp + c); };
    auto const sz = [](int v) { return static_cast<std::size_t>(v); };

    // ---- MSV bytes: bias = the largest canonical match score (or 0), cost = bias − score.
    double maxsc = 0;
    for (int k = 1; k <= M; ++k)
        for (int c = 0; c < K; ++c)
            maxsc = std::max(maxsc, lo[at(k, c)]);
    t.msv_bias = msv_cost(-maxsc);
    t.msv_cost_serial.assign(sz(Kp * (M + 1)), 255);
    for (int c = 0; c < Kp; ++c)
        for (int k = 1; k <= M; ++k)
        {
            double const s = lo[at(k, c)];
            int const cost = s > -inf ? sat_u8(static_cast<int>(-std::round(msv_scale * s)) + t.msv_bias) : 255;
            t.msv_cost_serial[sz(c * (M + 1) + k)] = static_cast<std::uint8_t>(cost);
        }
    double const Md = M;
    t.msv_tbm = msv_cost(std::log(2.0 / (Md * (Md + 1.0))));
    t.msv_tec = msv_cost(std::log(0.5));

    // ---- Viterbi words, serial: transitions into k (BM, MM, IM, DM from k−1) and out of k.
    auto const W_ = [](double v) { return vit_word(v); };
    t.vit_msc_serial.assign(sz(Kp * (M + 1)), static_cast<std::int16_t>(word_neg_inf));
    for (int c = 0; c < Kp; ++c)
        for (int k = 1; k <= M; ++k)
            t.vit_msc_serial[sz(c * (M + 1) + k)] = W_(lo[at(k, c)]);
    t.vit_t_serial.assign(sz((M + 1) * filter_detail::vit_slots), static_cast<std::int16_t>(word_neg_inf));
    t.vit_dd_serial.assign(sz(M + 1), static_cast<std::int16_t>(word_neg_inf));
    for (int k = 1; k <= M; ++k)
    {
        auto const & tp = p.tsc[sz(k - 1)];
        auto const & tk = p.tsc[sz(k)];
        std::int16_t * s = t.vit_t_serial.data() + sz(k * filter_detail::vit_slots);
        s[filter_detail::vs_bm] = W_(p.enter_m[sz(k)]);
        s[filter_detail::vs_mm] = k > 1 ? W_(tp[t_mm]) : static_cast<std::int16_t>(word_neg_inf);
        s[filter_detail::vs_im] = k > 1 ? W_(tp[t_im]) : static_cast<std::int16_t>(word_neg_inf);
        s[filter_detail::vs_dm] = k > 1 ? W_(tp[t_dm]) : static_cast<std::int16_t>(word_neg_inf);
        if (k < M) // local mode: no I_M, no D_{M+1}
        {
            s[filter_detail::vs_md] = W_(tk[t_md]);
            s[filter_detail::vs_mi] = W_(tk[t_mi]);
            s[filter_detail::vs_ii] = W_(tk[t_ii]);
            t.vit_dd_serial[sz(k)] = W_(tk[t_dd]);
        }
    }

    // ---- Striped copies for the level's width.
    int const W8 = lanes8(level);
    if (W8 > 0)
    {
        int const W16 = W8 / 2;
        t.msv_W = W8;
        t.msv_Q = striped_q(M, W8);
        t.msv_cost_striped.assign(sz(Kp * t.msv_Q * W8), 255);
        for (int c = 0; c < Kp; ++c)
            for (int k = 1; k <= M; ++k)
            {
                int const q = (k - 1) % t.msv_Q, z = (k - 1) / t.msv_Q;
                t.msv_cost_striped[sz((c * t.msv_Q + q) * W8 + z)] = t.msv_cost_serial[sz(c * (M + 1) + k)];
            }
        t.msv_delta_striped.resize(t.msv_cost_striped.size());
        for (std::size_t i = 0; i < t.msv_cost_striped.size(); ++i)
            t.msv_delta_striped[i] = static_cast<std::int8_t>(std::clamp(t.msv_bias - t.msv_cost_striped[i], -128, 127));
        t.vit_W = W16;
        int const Q = striped_q(M, W16);
        t.vit_Q = Q;
        t.vit_msc_striped.assign(sz(Kp * Q * W16), static_cast<std::int16_t>(word_neg_inf));
        t.vit_t_striped.assign(sz(Q * filter_detail::vit_slots * W16), static_cast<std::int16_t>(word_neg_inf));
        t.vit_dd_striped.assign(sz(Q * W16), static_cast<std::int16_t>(word_neg_inf));
        for (int k = 1; k <= M; ++k)
        {
            int const q = (k - 1) % Q, z = (k - 1) / Q;
            for (int c = 0; c < Kp; ++c)
                t.vit_msc_striped[sz((c * Q + q) * W16 + z)] = t.vit_msc_serial[sz(c * (M + 1) + k)];
            for (int s = 0; s < filter_detail::vit_slots; ++s)
                t.vit_t_striped[sz((q * filter_detail::vit_slots + s) * W16 + z)] =
                    t.vit_t_serial[sz(k * filter_detail::vit_slots + s)];
            t.vit_dd_striped[sz(q * W16 + z)] = t.vit_dd_serial[sz(k)];
        }
    }

    // ---- Bias filter (p7_bg_SetFilter, esl_hmm_Configure): state 0 the background (odds 1 for
    // every code, degenerate codes included), state 1 the model's composition as odds to the
    // background, a degenerate code Σ compo / Σ background over its members.
    EMTK_ASSERT(compo.size() == static_cast<std::size_t>(K), "search_filter: COMPO needs K values");
    seq::alphabet const & abc = seq::alphabet::get(a);
    residue_sets const sets = residue_sets_of(abc);
    std::vector<double> const bg = hmmer_background(a);
    t.bias_odds1.assign(sz(Kp), 1.0);
    for (int c = 0; c < Kp && c < sets.Kp(); ++c)
    {
        double num = 0, den = 0;
        for (std::uint8_t m : sets.members[sz(c)])
        {
            num += compo[m];
            den += bg[m];
        }
        t.bias_odds1[sz(c)] = den > 0 ? num / den : 1.0;
    }
    double const L0 = 400.0, L1 = Md / 8.0;
    t.t00 = L0 / (L0 + 1.0);
    t.t01 = 1.0 / (L0 + 1.0);
    t.t10 = 1.0 / (L1 + 1.0);
    t.t11 = L1 / (L1 + 1.0);
}

search_filter::~search_filter() = default;
search_filter::search_filter(search_filter &&) noexcept = default;
search_filter & search_filter::operator=(search_filter &&) noexcept = default;

namespace {

/// One row of the serial MSV cell recursion for residue c, in place in `row`, with B − tBM = xBv;
/// returns the row's best cell.
int msv_serial_row(search_filter::tables const & t, std::uint8_t c, std::vector<int> & row, int xBv)
{
    int const M = t.M;
    std::uint8_t const * cost = t.msv_cost_serial.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(M + 1);
    int prev = 0, best = 0;
    for (int k = 1; k <= M; ++k)
    {
        int sv = std::max(prev, xBv);
        sv = sat_u8(sv + t.msv_bias);
        sv = sat_u8(sv - cost[k]);
        prev = row[static_cast<std::size_t>(k)];
        row[static_cast<std::size_t>(k)] = sv;
        best = std::max(best, sv);
    }
    return best;
}

/// Scalar reference MSV: the serial recursion over k with the kernels' saturating byte operations.
int msv_serial(search_filter::tables const & t, digital_sequence x)
{
    int const M = t.M;
    auto & row = scratch.ints;
    row.assign(static_cast<std::size_t>(M + 1), 0);
    int const tjb = t.msv_tjb(x.size());
    int xJ = 0;
    int xB = sat_u8(msv_base - tjb);
    for (std::uint8_t c : x)
    {
        int const xE = msv_serial_row(t, c, row, sat_u8(xB - t.msv_tbm));
        if (xE >= 255 - t.msv_bias)
            return -1;
        xJ = std::max(xJ, sat_u8(xE - t.msv_tec));
        xB = sat_u8(std::max(msv_base, xJ) - tjb);
    }
    return xJ;
}

/// Scalar reference Viterbi: the serial recursion with the kernels' saturating word operations.
int vit_serial(search_filter::tables const & t, vit_args const & a, digital_sequence x)
{
    using namespace filter_detail;
    int const M = t.M;
    auto const n = static_cast<std::size_t>(M + 1);
    auto & rows = scratch.ints;
    rows.assign(6 * n, word_neg_inf);
    int * mp = rows.data();
    int * ip = mp + n;
    int * dp = ip + n;
    int * mc = dp + n;
    int * ic = mc + n;
    int * dc = ic + n;
    int const xN = a.base;
    int xJ = word_neg_inf, xC = word_neg_inf;
    int xB = sat_i16(xN + a.tmove);
    for (std::uint8_t c : x)
    {
        std::int16_t const * msc = t.vit_msc_serial.data() + static_cast<std::size_t>(c) * n;
        int xE = word_neg_inf;
        for (std::size_t k = 1; k < n; ++k)
        {
            std::int16_t const * s = t.vit_t_serial.data() + k * vit_slots;
            std::int16_t const * sp = t.vit_t_serial.data() + (k - 1) * vit_slots;
            int m = sat_i16(xB + s[vs_bm]);
            m = std::max(m, sat_i16(mp[k - 1] + s[vs_mm]));
            m = std::max(m, sat_i16(ip[k - 1] + s[vs_im]));
            m = std::max(m, sat_i16(dp[k - 1] + s[vs_dm]));
            m = sat_i16(m + msc[k]);
            mc[k] = m;
            ic[k] = std::max(sat_i16(mp[k] + s[vs_mi]), sat_i16(ip[k] + s[vs_ii]));
            dc[k] = std::max(sat_i16(mc[k - 1] + sp[vs_md]), sat_i16(dc[k - 1] + t.vit_dd_serial[k - 1]));
            xE = std::max(xE, m);
        }
        if (xE >= word_max)
            return word_max + 1;
        xJ = std::max(xJ, sat_i16(xE + a.tloop_e));
        xC = std::max(xC, sat_i16(xE + a.tloop_e));
        xB = sat_i16(std::max(xN, xJ) + a.tmove);
        std::swap(mp, mc);
        std::swap(ip, ic);
        std::swap(dp, dc);
    }
    return xC;
}

/// Scalar reference of the SSV row scan: the serial constant-B recursion.
void ssv_rows_serial(search_filter::tables const & t, digital_sequence x, int tjb, int threshold, std::uint8_t * flags)
{
    int const M = t.M;
    auto & row = scratch.ints;
    row.assign(static_cast<std::size_t>(M + 1), 0);
    int const xBv = sat_u8(sat_u8(msv_base - tjb) - t.msv_tbm);
    for (std::size_t i = 0; i < x.size(); ++i)
    {
        flags[i] = msv_serial_row(t, x[i], row, xBv) >= threshold ? 1 : 0;
    }
}

std::vector<std::size_t> flagged(std::span<std::uint8_t const> flags)
{
    std::vector<std::size_t> out;
    std::size_t i = 0;
    for (; i + 8 <= flags.size(); i += 8) // flags are rare: skip 8 clear ones at a time
    {
        std::uint64_t w = 0;
        std::memcpy(&w, flags.data() + i, 8);
        if (w == 0)
            continue;
        for (std::size_t j = i; j < i + 8; ++j)
            if (flags[j])
                out.push_back(j);
    }
    for (; i < flags.size(); ++i)
        if (flags[i])
            out.push_back(i);
    return out;
}

} // namespace

std::vector<std::size_t> search_filter::ssv_rows_reference(digital_sequence x, std::size_t W, hmmer_stats const & stats,
                                                           double F1) const
{
    std::vector<std::uint8_t> flags(x.size(), 0);
    ssv_rows_serial(*t_, x, t_->msv_tjb(W), t_->ssv_threshold(W, stats, F1), flags.data());
    return flagged(flags);
}

std::vector<std::size_t> search_filter::ssv_rows(digital_sequence x, std::size_t W, hmmer_stats const & stats,
                                                 double F1) const
{
    tables const & t = *t_;
    thread_local std::vector<std::uint8_t> flags; // every row is written below
    flags.resize(x.size());
    int const threshold = t.ssv_threshold(W, stats, F1);
    if (level_ == simd_level::scalar)
        ssv_rows_serial(t, x, t.msv_tjb(W), threshold, flags.data());
    else
    {
        msv_args const a = t.msv_striped_args(W);
        scratch.bytes.resize(static_cast<std::size_t>(t.msv_Q * t.msv_W));
        if (level_ == simd_level::avx2)
            filter_detail::ssv_rows_avx2(a, x.data(), x.size(), scratch.bytes.data(), threshold, flags.data());
        else
            filter_detail::ssv_rows_sse41(a, x.data(), x.size(), scratch.bytes.data(), threshold, flags.data());
    }
    return flagged(flags);
}

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EMTK_SSVD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EMTK_SSVD_CLONES
#endif

/// One row of the constant-B cell recursion (msv_serial_row) from the previous row `vo` into `vn`,
/// with the node where each cell's diagonal starts (`so` → `sn`): a cell continues the diagonal
/// of (i − 1, k − 1) when that cell is above xBv (the recursion's max), else starts anew at k.
/// Separate input and output rows, so that the loop vectorises (integer operations: every build
/// computes the same values). vo[0] is 0.
EMTK_SSVD_CLONES void ssv_diagonal_row(std::size_t M, int xBv, int bias, std::uint8_t const * __restrict cost,
                                       std::int32_t const * __restrict vo, std::int32_t const * __restrict so,
                                       std::int32_t * __restrict vn, std::int32_t * __restrict sn)
{
    for (std::size_t k = 1; k <= M; ++k)
    {
        std::int32_t const p = vo[k - 1];
        std::int32_t const cont = p > xBv ? -1 : 0;
        std::int32_t v = ((p & cont) | (xBv & ~cont)) + bias;
        v = v > 255 ? 255 : v;
        v -= cost[k];
        v = v < 0 ? 0 : v;
        vn[k] = v;
        sn[k] = (so[k - 1] & cont) | (static_cast<std::int32_t>(k) & ~cont);
    }
}

/// ssv_windows() from the flagged rows of x; `skip`: start the recursion M rows before a flagged
/// row when the rows computed so far end earlier (else every row from the first is computed: the
/// reference).
std::vector<std::pair<std::size_t, std::size_t>> diagonal_windows(search_filter::tables const & t, digital_sequence x,
                                                                  std::vector<std::size_t> const & rows, int tjb,
                                                                  int threshold, std::span<std::size_t const> before,
                                                                  std::span<std::size_t const> after, bool skip)
{
    auto const Ms = static_cast<std::size_t>(t.M);
    EMTK_ASSERT(before.size() == Ms + 1 && after.size() == Ms + 1, "ssv_windows: extensions need M + 1 values");
    std::vector<std::pair<std::size_t, std::size_t>> win;
    if (rows.empty())
        return win;
    int const xBv = sat_u8(sat_u8(msv_base - tjb) - t.msv_tbm);
    // The cells of the last row computed and their diagonals' first nodes. A diagonal ending at
    // node k spans k rows, so rows computed from M rows before row r on, with zero cells before
    // them, give row r's cells exactly.
    thread_local std::vector<std::int32_t> val[2];
    thread_local std::vector<std::int32_t> start[2];
    for (int b = 0; b < 2; ++b)
    {
        val[b].assign(Ms + 1, 0);
        start[b].assign(Ms + 1, 0);
    }
    int cur = 0;
    std::size_t next = 0; // the next row to compute
    for (std::size_t const r : rows)
    {
        if (skip && r + 1 >= next + Ms)
        {
            std::fill(val[cur].begin(), val[cur].end(), 0);
            next = r + 1 >= Ms ? r + 1 - Ms : 0;
        }
        // Row r's cell k needs cell k − (r − i) of row i: rows before r need fewer cells (and
        // the next row reads only cells the previous one computed).
        for (; next <= r; ++next, cur ^= 1)
            ssv_diagonal_row(Ms - (r - next < Ms ? r - next : Ms - 1), xBv, t.msv_bias,
                                t.msv_cost_serial.data() + static_cast<std::size_t>(x[next]) * (Ms + 1),
                                val[cur].data(), start[cur].data(), val[cur ^ 1].data(), start[cur ^ 1].data());
        std::int32_t const * v = val[cur].data();
        std::int32_t const * st = start[cur].data();
        for (std::size_t k = 1; k <= Ms; ++k)
        {
            if (v[k] < threshold)
                continue;
            auto const k0 = static_cast<std::size_t>(st[k]);
            std::size_t const first = r - (k - k0); // the diagonal's first position in x
            std::size_t const from = first > before[k0] ? first - before[k0] : 0;
            std::size_t const to = std::min(x.size(), r + 1 + after[k]);
            win.emplace_back(from, to);
        }
    }
    std::sort(win.begin(), win.end());
    std::size_t n = 0;
    for (std::size_t i = 1; i < win.size(); ++i)
    {
        if (win[i].first <= win[n].second)
            win[n].second = std::max(win[n].second, win[i].second);
        else
            win[++n] = win[i];
    }
    win.resize(n + 1);
    return win;
}

} // namespace

std::vector<std::pair<std::size_t, std::size_t>> search_filter::ssv_windows(digital_sequence x, std::size_t W,
                                                                             hmmer_stats const & stats, double F1,
                                                                             std::span<std::size_t const> before,
                                                                             std::span<std::size_t const> after) const
{
    auto const rows = ssv_rows(x, W, stats, F1);
    int const tjb = t_->msv_tjb(W), threshold = t_->ssv_threshold(W, stats, F1);
    return diagonal_windows(*t_, x, rows, tjb, threshold, before, after, true);
}

std::vector<std::pair<std::size_t, std::size_t>>
search_filter::ssv_windows_reference(digital_sequence x, std::size_t W, hmmer_stats const & stats, double F1,
                                     std::span<std::size_t const> before, std::span<std::size_t const> after) const
{
    return diagonal_windows(*t_, x, ssv_rows_reference(x, W, stats, F1), t_->msv_tjb(W),
                                           t_->ssv_threshold(W, stats, F1), before, after, false);
}

double search_filter::msv_bits_reference(digital_sequence x) const
{
    if (x.empty())
        return -inf;
    return t_->msv_result_bits(msv_serial(*t_, x), x.size());
}

double search_filter::msv_bits(digital_sequence x) const
{
    if (x.empty())
        return -inf;
    tables const & t = *t_;
    if (level_ == simd_level::scalar)
        return t.msv_result_bits(msv_serial(t, x), x.size());
    msv_args const a = t.msv_striped_args(x.size());
    scratch.bytes.resize(static_cast<std::size_t>(t.msv_Q * t.msv_W));
    int const xJ = level_ == simd_level::avx2 ? filter_detail::msv_avx2(a, x.data(), x.size(), scratch.bytes.data())
                                              : filter_detail::msv_sse41(a, x.data(), x.size(), scratch.bytes.data());
    return t.msv_result_bits(xJ, x.size());
}

double search_filter::viterbi_bits_reference(digital_sequence x) const
{
    if (x.empty())
        return -inf;
    vit_args const a = t_->vit_constants(x.size());
    return t_->vit_result_bits(vit_serial(*t_, a, x), a, x.size());
}

double search_filter::viterbi_bits(digital_sequence x) const
{
    if (x.empty())
        return -inf;
    tables const & t = *t_;
    vit_args a = t.vit_constants(x.size());
    if (level_ == simd_level::scalar)
        return t.vit_result_bits(vit_serial(t, a, x), a, x.size());
    a.msc = t.vit_msc_striped.data();
    a.tsc = t.vit_t_striped.data();
    a.tdd = t.vit_dd_striped.data();
    a.Q = t.vit_Q;
    scratch.words.resize(static_cast<std::size_t>(3 * t.vit_Q * t.vit_W));
    int const xC = level_ == simd_level::avx2 ? filter_detail::vit_avx2(a, x.data(), x.size(), scratch.words.data())
                                              : filter_detail::vit_sse41(a, x.data(), x.size(), scratch.words.data());
    return t.vit_result_bits(xC, a, x.size());
}

double search_filter::bias_bits(digital_sequence x) const
{
    // esl_hmm_Forward of the two-state filter HMM in odds space, in double precision with a
    // rescaling when the row leaves [1e-100, 1e100] (HMMER rescales every row in float).
    if (x.empty())
        return 0.0;
    tables const & t = *t_;
    double a0 = 0.999, a1 = 0.001 * t.bias_odds1[x[0]];
    double logscale = 0;
    for (std::size_t i = 1; i < x.size(); ++i)
    {
        double const o1 = t.bias_odds1[x[i]];
        double const n0 = a0 * t.t00 + a1 * t.t10;
        double const n1 = (a0 * t.t01 + a1 * t.t11) * o1;
        a0 = n0;
        a1 = n1;
        double const s = a0 + a1;
        if (s > 1e100 || s < 1e-100)
        {
            a0 /= s;
            a1 /= s;
            logscale += std::log(s);
        }
    }
    return (std::log(a0 + a1) + logscale) / ln2;
}

bool search_filter::passes_before_forward(digital_sequence x, hmmer_stats const & stats, filter_options const & o,
                                          double & correction) const
{
    correction = 0;
    if (o.max)
        return true;
    if (x.empty())
        return false;
    double const msv = msv_bits(x);
    if (msv_pvalue(msv, stats) > o.F1)
        return false;
    if (o.bias)
    {
        correction = bias_bits(x);
        if (msv_pvalue(msv - correction, stats) > o.F1)
            return false;
    }
    double const vit = viterbi_bits(x);
    return viterbi_pvalue(vit - correction, stats) <= o.F2;
}

} // namespace emtk::hmm
