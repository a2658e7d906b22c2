#include <emtk/em/logspace.hpp>
#include <emtk/hmm/viterbi.hpp>
#include <emtk/util/error.hpp>

#include "oa_trace.hpp"

#include <algorithm>
#include <array>

namespace emtk::hmm {

using em::log_zero;

namespace {

inline double max3(double a, double b, double c) noexcept { return std::max(std::max(a, b), c); }

} // namespace

double viterbi_fill(profile const & p, digital_sequence x, dp_matrix & v)
{
    for (std::uint8_t c : x)
        EMTK_ASSERT(c < p.Kp, "residue code out of range for the profile's alphabet");
    std::size_t const L = x.size();
    int const M = p.M;
    special_row const sp = special_transitions(p, L);
    v.reshape_boundary(L, M); // a reused matrix is not filled again (dp_matrix.hpp)
    v.xs(0, x_n) = 0;
    v.xs(0, x_b) = sp[n_move];
    for (std::size_t i = 1; i <= L; ++i)
    {
        int const c = x[i - 1];
        double const b_prev = v.xs(i - 1, x_b);
        v.ins(i, 0) = p.insert_score(0, c) + std::max(b_prev + p.enter_i0, v.ins(i - 1, 0) + p.tsc[0][t_ii]);
        double e = log_zero;
        for (int k = 1; k <= M; ++k)
        {
            auto const & tp = p.tsc[static_cast<std::size_t>(k - 1)];
            auto const & tk = p.tsc[static_cast<std::size_t>(k)];
            v.mat(i, k) = p.match_score(k, c) + std::max(max3(b_prev + p.enter_m[static_cast<std::size_t>(k)],
                                                              v.mat(i - 1, k - 1) + tp[t_mm], v.ins(i - 1, k - 1) + tp[t_im]),
                                                         v.del(i - 1, k - 1) + tp[t_dm]);
            v.ins(i, k) = p.insert_score(k, c) + std::max(v.mat(i - 1, k) + tk[t_mi], v.ins(i - 1, k) + tk[t_ii]);
            v.del(i, k) = std::max(v.mat(i, k - 1) + tp[t_md], v.del(i, k - 1) + tp[t_dd]);
            e = max3(e, v.mat(i, k) + p.exit_m[static_cast<std::size_t>(k)], v.del(i, k) + p.exit_d[static_cast<std::size_t>(k)]);
        }
        e = std::max(e, v.ins(i, M) + p.exit_i);
        double const bg = p.xsc[static_cast<std::size_t>(c)];
        v.xs(i, x_e) = e;
        v.xs(i, x_j) = std::max(v.xs(i - 1, x_j) + sp[j_loop] + bg, e + sp[e_loop]);
        v.xs(i, x_c) = std::max(v.xs(i - 1, x_c) + sp[c_loop] + bg, e + sp[e_move]);
        v.xs(i, x_n) = v.xs(i - 1, x_n) + sp[n_loop] + bg;
        v.xs(i, x_b) = std::max(v.xs(i, x_n) + sp[n_move], v.xs(i, x_j) + sp[j_move]);
    }
    return v.xs(L, x_c) + sp[c_move];
}

viterbi_result viterbi(profile const & p, digital_sequence x)
{
    dp_matrix v;
    return viterbi(p, x, v);
}

viterbi_result viterbi(profile const & p, digital_sequence x, dp_matrix & v)
{
    viterbi_result r;
    r.score = viterbi_fill(p, x, v);
    if (r.score == log_zero)
        return r;
    // The traceback (oa_trace.hpp) with the fill's arithmetic: value + log transition, the C and J
    // loops adding the residue's background emission.
    struct viterbi_rule
    {
        profile const & p;
        digital_sequence x;
        double step(double t, double v) const noexcept { return v + t; }
        double loop(std::size_t i, bool, double v, double t) const noexcept { return v + t + p.xsc[x[i - 1]]; }
    };
    r.path = detail::plan7_traceback<double>(p, x.size(), v, viterbi_rule{p, x});
    return r;
}

double path_score(profile const & p, digital_sequence x, std::vector<trace_step> const & path)
{
    special_row const sp = special_transitions(p, x.size());
    double s = 0;
    std::size_t next_residue = 1;
    // Emission of one step; checks that residues are emitted in order.
    auto emit = [&](trace_step const & t) -> double {
        if (t.i == 0)
            return 0.0;
        if (t.i != next_residue++ || t.i > x.size())
            return log_zero;
        int const c = x[t.i - 1];
        switch (t.state)
        {
        case state_type::M: return p.match_score(t.k, c);
        case state_type::I: return p.insert_score(t.k, c);
        case state_type::N:
        case state_type::C:
        case state_type::J: return p.xsc[static_cast<std::size_t>(c)];
        default: return log_zero;
        }
    };
    if (path.size() < 2 || path.front().state != state_type::S || path.back().state != state_type::T)
        return log_zero;
    for (std::size_t n = 1; n < path.size(); ++n)
    {
        trace_step const & a = path[n - 1];
        trace_step const & b = path[n];
        double t = log_zero;
        using S = state_type;
        auto const ka = static_cast<std::size_t>(a.k), kb = static_cast<std::size_t>(b.k);
        switch (a.state)
        {
        case S::S: t = b.state == S::N ? 0.0 : log_zero; break;
        case S::N: t = b.state == S::N ? sp[n_loop] : b.state == S::B ? sp[n_move] : log_zero; break;
        case S::J: t = b.state == S::J ? sp[j_loop] : b.state == S::B ? sp[j_move] : log_zero; break;
        case S::C: t = b.state == S::C ? sp[c_loop] : b.state == S::T ? sp[c_move] : log_zero; break;
        case S::E: t = b.state == S::C ? sp[e_move] : b.state == S::J ? sp[e_loop] : log_zero; break;
        case S::B:
            if (b.state == S::M)
                t = p.enter_m[kb];
            else if (b.state == S::I && b.k == 0)
                t = p.enter_i0;
            else if (b.state == S::D && b.k == 1 && !p.options.local)
            {
                // Retracted wing: B D1 … D_{j-1} M_j scores as the single entry B → M_j.
                std::size_t m = n;
                while (m < path.size() && path[m].state == S::D && path[m].k == static_cast<int>(m - n + 1))
                    ++m;
                if (m < path.size() && path[m].state == S::M && path[m].k == static_cast<int>(m - n + 1))
                {
                    t = p.enter_m[static_cast<std::size_t>(path[m].k)];
                    n = m; // skip the deletes; the loop's next pair is (M_j, …)
                    s += t + emit(path[m]);
                    continue;
                }
            }
            break;
        case S::M:
            if (b.state == S::M && kb == ka + 1) t = p.tsc[ka][t_mm];
            else if (b.state == S::I && kb == ka) t = p.tsc[ka][t_mi];
            else if (b.state == S::D && kb == ka + 1) t = p.tsc[ka][t_md];
            else if (b.state == S::E) t = p.exit_m[ka];
            break;
        case S::I:
            if (b.state == S::M && kb == ka + 1) t = p.tsc[ka][t_im];
            else if (b.state == S::I && kb == ka) t = p.tsc[ka][t_ii];
            else if (b.state == S::E && a.k == p.M) t = p.exit_i;
            break;
        case S::D:
            if (b.state == S::M && kb == ka + 1) t = p.tsc[ka][t_dm];
            else if (b.state == S::D && kb == ka + 1) t = p.tsc[ka][t_dd];
            else if (b.state == S::E) t = p.exit_d[ka];
            break;
        case S::T: break;
        }
        s += t + emit(b);
    }
    return next_residue == x.size() + 1 ? s : log_zero;
}

} // namespace emtk::hmm
