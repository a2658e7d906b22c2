// HMMER-compatible MSV, Viterbi and Forward bit scores and HMMER's P-value functions.
// Sources (read, not copied): HMMER 3.3 src/modelconfig.c (p7_ProfileConfig), src/p7_bg.c
// (p7_bg_NullOne), src/generic_msv.c (p7_GMSV), src/generic_viterbi.c, src/generic_fwdback.c,
// src/impl_sse/msvfilter.c, vitfilter.c and p7_oprofile.c (filter approximations), Easel
// esl_gumbel.c / esl_exponential.c (survival functions). See score.hpp for the numerics.
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/residues.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace emtk::hmm {

using em::log_zero;

namespace {

constexpr double ln2 = std::numbers::ln2;

// MSV filter byte arithmetic (p7_oprofile.c mf_conversion, msvfilter.c): scores in 1/3 bit,
// base offset 190, saturating unsigned bytes.
constexpr double msv_scale = 3.0 / ln2;
constexpr int msv_base = 190;

/// -round(scale·sc) capped at 255: a non-negative cost (HMMER's unbiased_byteify; roundf rounds
/// halves away from zero, as std::round does).
int msv_cost(double sc) noexcept
{
    double const c = -std::round(msv_scale * sc);
    return c > 255.0 ? 255 : static_cast<int>(c);
}

inline int sat0(int v) noexcept { return v < 0 ? 0 : v; }

/// The N/C/J length model of the MSV model for target length L (generic_msv.c):
/// loop L/(L+3), move 3/(L+3).
struct msv_length
{
    double loop, move;
    explicit msv_length(std::size_t L) noexcept
    {
        double const l = static_cast<double>(L);
        loop = std::log(l / (l + 3.0));
        move = std::log(3.0 / (l + 3.0));
    }
};

} // namespace

double null1_score(std::size_t L, std::size_t Lt) noexcept
{
    double const lt = static_cast<double>(Lt);
    double const p1 = lt / (lt + 1.0);
    return static_cast<double>(L) * std::log(p1) + std::log1p(-p1);
}

hmmer_scorer::hmmer_scorer(profile_hmm const & hmm, seq::alphabet_type a)
{
    seq::alphabet const & abc = seq::alphabet::get(a);
    EMTK_ASSERT(hmm.K == abc.K(), "hmmer_scorer: the model's K differs from the alphabet's");
    profile_hmm h = hmm;
    h.null = hmmer_background(a);
    profile_options opt;
    opt.local = true;
    opt.multihit = true;
    opt.entry = local_entry::occupancy;
    opt.target_length = 0;
    residue_sets const sets = residue_sets_of(abc);
    p_ = make_profile(h, sets, opt);

    auto const M = static_cast<std::size_t>(p_.M), Kp = static_cast<std::size_t>(p_.Kp);
    auto const K = static_cast<std::size_t>(p_.K);
    // Insert states emit with the background (modelconfig.c: insert scores are 0 log-odds).
    for (std::size_t k = 0; k <= M; ++k)
        for (std::size_t c = 0; c < Kp; ++c)
            p_.isc[k * Kp + c] = p_.xsc[c];
    // Match log-odds; degenerate codes get the background-weighted mean score of their members
    // (esl_abc_FExpectScVec), and the log-space profile is made consistent with them.
    lo_.assign((M + 1) * Kp, log_zero);
    for (std::size_t k = 1; k <= M; ++k)
    {
        for (std::size_t c = 0; c < K; ++c)
            lo_[k * Kp + c] = p_.lmat[k * K + c] - std::log(h.null[c]);
        for (std::size_t c = K; c < Kp; ++c)
        {
            double num = 0, den = 0;
            bool impossible = false;
            for (std::uint8_t m : sets.members[c])
            {
                double const s = lo_[k * Kp + m];
                if (s == log_zero)
                    impossible = true;
                num += h.null[m] * s;
                den += h.null[m];
            }
            lo_[k * Kp + c] = impossible ? log_zero : num / den;
        }
        for (std::size_t c = 0; c < Kp; ++c)
            p_.msc[k * Kp + c] = lo_[k * Kp + c] + p_.xsc[c];
    }
    odds_.resize(lo_.size());
    std::transform(lo_.begin(), lo_.end(), odds_.begin(), [](double v) { return std::exp(v); });

    // MSV filter bytes. The bias is the largest canonical match or insert (0) score.
    double maxsc = 0;
    for (std::size_t k = 1; k <= M; ++k)
        for (std::size_t c = 0; c < K; ++c)
            maxsc = std::max(maxsc, lo_[k * Kp + c]);
    msv_bias_ = msv_cost(-maxsc);
    msv_units_.assign((M + 1) * Kp, 0);
    for (std::size_t k = 1; k <= M; ++k)
        for (std::size_t c = 0; c < Kp; ++c)
        {
            double const s = lo_[k * Kp + c];
            // biased_byteify: cost = −round(scale·s) + bias, saturated at 255 (−∞ → 255).
            double const cost = s == log_zero ? 255.0 : -std::round(msv_scale * s) + msv_bias_;
            int const b = cost > 255.0 ? 255 : static_cast<int>(cost);
            msv_units_[k * Kp + c] = msv_bias_ - b;
        }
    double const Md = static_cast<double>(p_.M);
    msv_tbm_ = msv_cost(std::log(2.0 / (Md * (Md + 1.0))));
    msv_tec_ = msv_cost(std::log(0.5));
}

double hmmer_scorer::msv_bits(digital_sequence x, score_mode mode) const
{
    for (std::uint8_t c : x)
        EMTK_ASSERT(c < p_.Kp, "residue code out of range for the profile's alphabet");
    std::size_t const L = x.size();
    if (L == 0)
        return log_zero;
    int const M = p_.M;
    auto const Kp = static_cast<std::size_t>(p_.Kp);
    double sc = 0; // nats, before the null model
    if (mode == score_mode::filter)
    {
        double const l = static_cast<double>(L);
        int const tjb = msv_cost(std::log(3.0 / (l + 3.0)));
        std::vector<int> mrow(static_cast<std::size_t>(M + 1), 0); // 0 = byte "−∞"
        int xJ = 0;
        int xB = sat0(msv_base - tjb);
        bool overflow = false;
        for (std::size_t i = 0; i < L && !overflow; ++i)
        {
            int const * u = msv_units_.data() + static_cast<std::size_t>(x[i]);
            int const xBv = sat0(xB - msv_tbm_);
            int prev = 0; // M(i−1, k−1)
            int xE = 0;
            for (int k = 1; k <= M; ++k)
            {
                int sv = std::max(prev, xBv);
                sv = std::min(255, sv + msv_bias_);
                sv = sat0(sv - (msv_bias_ - u[static_cast<std::size_t>(k) * Kp]));
                prev = mrow[static_cast<std::size_t>(k)];
                mrow[static_cast<std::size_t>(k)] = sv;
                xE = std::max(xE, sv);
            }
            if (xE >= 255 - msv_bias_)
                overflow = true;
            xJ = std::max(xJ, sat0(xE - msv_tec_));
            xB = sat0(std::max(msv_base, xJ) - tjb);
        }
        // On byte overflow HMMER's p7_MSVMu scores the sequence (255 − base)/scale nats.
        sc = overflow ? (255.0 - msv_base) / msv_scale
                      : static_cast<double>(xJ - tjb - msv_base) / msv_scale - 3.0;
    }
    else
    {
        msv_length const t(L);
        double const Md = static_cast<double>(M);
        double const tbm = std::log(2.0 / (Md * (Md + 1.0)));
        double const half = -ln2; // E → C = E → J = 1/2 (nu = 2)
        std::vector<double> mrow(static_cast<std::size_t>(M + 1), log_zero);
        double N = 0, B = t.move, J = log_zero, C = log_zero;
        for (std::size_t i = 0; i < L; ++i)
        {
            double const * s = lo_.data() + static_cast<std::size_t>(x[i]);
            double const bk = B + tbm;
            double prev = log_zero, E = log_zero;
            for (int k = 1; k <= M; ++k)
            {
                double const v = s[static_cast<std::size_t>(k) * Kp] + std::max(prev, bk);
                prev = mrow[static_cast<std::size_t>(k)];
                mrow[static_cast<std::size_t>(k)] = v;
                E = std::max(E, v);
            }
            J = std::max(J + t.loop, E + half);
            C = std::max(C + t.loop, E + half);
            N = N + t.loop;
            B = std::max(N + t.move, J + t.move);
        }
        sc = C + t.move;
    }
    return (sc - null1_score(L, L)) / ln2;
}

double hmmer_scorer::viterbi_bits(digital_sequence x, score_mode mode) const
{
    for (std::uint8_t c : x)
        EMTK_ASSERT(c < p_.Kp, "residue code out of range for the profile's alphabet");
    std::size_t const L = x.size();
    if (L == 0)
        return log_zero;
    int const M = p_.M;
    auto const Kp = static_cast<std::size_t>(p_.Kp);
    special_row sp = special_transitions(p_, L);
    if (mode == score_mode::filter) // vitfilter.c: NN = CC = JJ = 0, −3 nats at the end
        sp[n_loop] = sp[c_loop] = sp[j_loop] = 0.0;
    auto const n = static_cast<std::size_t>(M + 1);
    std::vector<double> mp(n, log_zero), ip(n, log_zero), dp(n, log_zero);
    std::vector<double> mc(n, log_zero), ic(n, log_zero), dc(n, log_zero);
    double N = 0, B = sp[n_move], J = log_zero, C = log_zero;
    for (std::size_t i = 0; i < L; ++i)
    {
        double const * s = lo_.data() + static_cast<std::size_t>(x[i]);
        double E = log_zero;
        for (int k = 1; k <= M; ++k)
        {
            auto const kk = static_cast<std::size_t>(k);
            auto const & tp = p_.tsc[kk - 1];
            auto const & tk = p_.tsc[kk];
            double const m = s[kk * Kp] + std::max(std::max(B + p_.enter_m[kk], mp[kk - 1] + tp[t_mm]),
                                                   std::max(ip[kk - 1] + tp[t_im], dp[kk - 1] + tp[t_dm]));
            mc[kk] = m;
            ic[kk] = std::max(mp[kk] + tk[t_mi], ip[kk] + tk[t_ii]); // −∞ at k = M (local)
            dc[kk] = std::max(mc[kk - 1] + tp[t_md], dc[kk - 1] + tp[t_dd]);
            E = std::max(E, std::max(m, dc[kk])); // local exits M_k → E = D_k → E = 1
        }
        J = std::max(J + sp[j_loop], E + sp[e_loop]);
        C = std::max(C + sp[c_loop], E + sp[e_move]);
        N = N + sp[n_loop];
        B = std::max(N + sp[n_move], J + sp[j_move]);
        std::swap(mp, mc);
        std::swap(ip, ic);
        std::swap(dp, dc);
    }
    double sc = C + sp[c_move];
    if (mode == score_mode::filter)
        sc -= 3.0;
    return (sc - null1_score(L, L)) / ln2;
}

double hmmer_scorer::forward_bits(digital_sequence x) const
{
    for (std::uint8_t c : x)
        EMTK_ASSERT(c < p_.Kp, "residue code out of range for the profile's alphabet");
    std::size_t const L = x.size();
    if (L == 0)
        return log_zero;
    int const M = p_.M;
    auto const Kp = static_cast<std::size_t>(p_.Kp);
    auto const n = static_cast<std::size_t>(M + 1);
    special_row const lsp = special_transitions(p_, L);
    special_row sp{};
    for (std::size_t s = 0; s < sp.size(); ++s)
        sp[s] = std::exp(lsp[s]);
    // Transitions as probabilities (cached per call: 8 exps per node, small next to L·M cells).
    std::vector<double> tbm(n), mm(n), im(n), dm(n), mi(n), ii(n), md(n), dd(n);
    for (std::size_t k = 0; k < n; ++k)
    {
        auto const & t = p_.tsc[k];
        tbm[k] = std::exp(p_.enter_m[k]);
        mm[k] = std::exp(t[t_mm]);
        im[k] = std::exp(t[t_im]);
        dm[k] = std::exp(t[t_dm]);
        mi[k] = std::exp(t[t_mi]);
        ii[k] = std::exp(t[t_ii]);
        md[k] = std::exp(t[t_md]);
        dd[k] = std::exp(t[t_dd]);
    }
    std::vector<double> mp(n, 0.0), ip(n, 0.0), dp(n, 0.0), mc(n, 0.0), ic(n, 0.0), dc(n, 0.0);
    // Values of row i are true odds divided by e^{logscale}.
    double N = 1, B = sp[n_move], J = 0, C = 0, logscale = 0;
    for (std::size_t i = 0; i < L; ++i)
    {
        double const * e = odds_.data() + static_cast<std::size_t>(x[i]);
        double E = 0;
        for (std::size_t k = 1; k < n; ++k)
        {
            double const m = e[k * Kp] * (B * tbm[k] + mp[k - 1] * mm[k - 1] + ip[k - 1] * im[k - 1] + dp[k - 1] * dm[k - 1]);
            mc[k] = m;
            ic[k] = mp[k] * mi[k] + ip[k] * ii[k];
            dc[k] = mc[k - 1] * md[k - 1] + dc[k - 1] * dd[k - 1];
            E += m + dc[k];
        }
        J = J * sp[j_loop] + E * sp[e_loop];
        C = C * sp[c_loop] + E * sp[e_move];
        N = N * sp[n_loop];
        B = N * sp[n_move] + J * sp[j_move];
        std::swap(mp, mc);
        std::swap(ip, ic);
        std::swap(dp, dc);
        // Every cell is bounded by the specials (E ≥ any M or D cell; C ≥ E/2), so rescaling
        // when the specials leave [1e-100, 1e100] keeps the row inside double range.
        double const big = std::max(std::max(N, B), std::max(J, C));
        if (big > 1e100 || big < 1e-100)
        {
            double const f = 1.0 / big;
            for (std::size_t k = 0; k < n; ++k)
                mp[k] *= f, ip[k] *= f, dp[k] *= f;
            N *= f, B *= f, J *= f, C *= f;
            logscale += std::log(big);
        }
    }
    double const sc = std::log(C * sp[c_move]) + logscale;
    return (sc - null1_score(L, L)) / ln2;
}

double gumbel_survival(double x, double mu, double lambda) noexcept
{
    double const y = lambda * (x - mu);
    return -std::expm1(-std::exp(-y));
}

double exponential_survival(double x, double tau, double lambda) noexcept
{
    return x < tau ? 1.0 : std::exp(-lambda * (x - tau));
}

double msv_pvalue(double bits, hmmer_stats const & s) noexcept { return gumbel_survival(bits, s.msv_mu, s.msv_lambda); }
double viterbi_pvalue(double bits, hmmer_stats const & s) noexcept
{
    return gumbel_survival(bits, s.viterbi_mu, s.viterbi_lambda);
}
double forward_pvalue(double bits, hmmer_stats const & s) noexcept
{
    return exponential_survival(bits, s.forward_tau, s.forward_lambda);
}

} // namespace emtk::hmm
