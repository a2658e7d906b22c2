#include <emtk/em/logspace.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/util/error.hpp>

#include <cmath>

namespace emtk::hmm {

using em::log_add;
using em::log_zero;

namespace {

/// log(e^a + e^b + e^c), exact (two log_add).
inline double log_add3(double a, double b, double c) noexcept { return log_add(log_add(a, b), c); }

void check_codes(profile const & p, digital_sequence x)
{
    for (std::uint8_t c : x)
        EMTK_ASSERT(c < p.Kp, "residue code out of range for the profile's alphabet");
}

} // namespace

double forward(profile const & p, digital_sequence x, dp_matrix & f)
{
    check_codes(p, x);
    std::size_t const L = x.size();
    int const M = p.M;
    special_row const sp = special_transitions(p, L);
    f.reshape_boundary(L, M); // every other cell is written below (dp_matrix.hpp)
    f.xs(0, x_n) = 0;
    f.xs(0, x_b) = sp[n_move];
    for (std::size_t i = 1; i <= L; ++i)
    {
        int const c = x[i - 1];
        double const b_prev = f.xs(i - 1, x_b);
        auto const & t0 = p.tsc[0];
        f.ins(i, 0) = p.insert_score(0, c) + log_add(b_prev + p.enter_i0, f.ins(i - 1, 0) + t0[t_ii]);
        double e = log_zero;
        for (int k = 1; k <= M; ++k)
        {
            auto const & tp = p.tsc[static_cast<std::size_t>(k - 1)]; // node k-1 → k
            auto const & tk = p.tsc[static_cast<std::size_t>(k)];
            double mv = log_add3(b_prev + p.enter_m[static_cast<std::size_t>(k)], f.ins(i - 1, k - 1) + tp[t_im],
                                 log_add(f.mat(i - 1, k - 1) + tp[t_mm], f.del(i - 1, k - 1) + tp[t_dm]));
            f.mat(i, k) = mv + p.match_score(k, c);
            f.ins(i, k) = p.insert_score(k, c) + log_add(f.mat(i - 1, k) + tk[t_mi], f.ins(i - 1, k) + tk[t_ii]);
            f.del(i, k) = log_add(f.mat(i, k - 1) + tp[t_md], f.del(i, k - 1) + tp[t_dd]);
            e = log_add3(e, f.mat(i, k) + p.exit_m[static_cast<std::size_t>(k)],
                         f.del(i, k) + p.exit_d[static_cast<std::size_t>(k)]);
        }
        e = log_add(e, f.ins(i, M) + p.exit_i);
        double const bg = p.xsc[static_cast<std::size_t>(c)];
        f.xs(i, x_e) = e;
        f.xs(i, x_j) = log_add(f.xs(i - 1, x_j) + sp[j_loop] + bg, e + sp[e_loop]);
        f.xs(i, x_c) = log_add(f.xs(i - 1, x_c) + sp[c_loop] + bg, e + sp[e_move]);
        f.xs(i, x_n) = f.xs(i - 1, x_n) + sp[n_loop] + bg;
        f.xs(i, x_b) = log_add(f.xs(i, x_n) + sp[n_move], f.xs(i, x_j) + sp[j_move]);
    }
    return f.xs(L, x_c) + sp[c_move];
}

double backward(profile const & p, digital_sequence x, dp_matrix & b)
{
    check_codes(p, x);
    std::size_t const L = x.size();
    int const M = p.M;
    special_row const sp = special_transitions(p, L);
    b.reshape_boundary(L, M); // every other cell is written below (dp_matrix.hpp)
    for (std::size_t i = L + 1; i-- > 0;)
    {
        bool const more = i < L; // a next residue x_{i+1} exists
        int const c = more ? x[i] : 0;
        double const bg = more ? p.xsc[static_cast<std::size_t>(c)] : log_zero;
        // Specials, in the reverse of forward's order within a row: C, B, J, N, E.
        b.xs(i, x_c) = more ? b.xs(i + 1, x_c) + sp[c_loop] + bg : sp[c_move];
        double bb = log_zero;
        if (more)
        {
            for (int k = 1; k <= M; ++k)
                bb = log_add(bb, p.enter_m[static_cast<std::size_t>(k)] + p.match_score(k, c) + b.mat(i + 1, k));
            bb = log_add(bb, p.enter_i0 + p.insert_score(0, c) + b.ins(i + 1, 0));
        }
        b.xs(i, x_b) = bb;
        b.xs(i, x_j) = log_add(more ? b.xs(i + 1, x_j) + sp[j_loop] + bg : log_zero, bb + sp[j_move]);
        b.xs(i, x_n) = log_add(more ? b.xs(i + 1, x_n) + sp[n_loop] + bg : log_zero, bb + sp[n_move]);
        double const e = log_add(b.xs(i, x_j) + sp[e_loop], b.xs(i, x_c) + sp[e_move]);
        b.xs(i, x_e) = e;
        // Core states, k = M … 1, then I0.
        for (int k = M; k >= 1; --k)
        {
            auto const & tk = p.tsc[static_cast<std::size_t>(k)];
            double const next_m = (more && k < M) ? p.match_score(k + 1, c) + b.mat(i + 1, k + 1) : log_zero;
            double const next_i = more ? p.insert_score(k, c) + b.ins(i + 1, k) : log_zero;
            double const next_d = k < M ? b.del(i, k + 1) : log_zero;
            double const to_m = k < M ? next_m : log_zero;
            b.del(i, k) = log_add3(k < M ? tk[t_dm] + to_m : log_zero, k < M ? tk[t_dd] + next_d : log_zero,
                                   p.exit_d[static_cast<std::size_t>(k)] + e);
            b.mat(i, k) = log_add(log_add(k < M ? tk[t_mm] + to_m : log_zero, k < M ? tk[t_md] + next_d : log_zero),
                                  log_add(tk[t_mi] + next_i, p.exit_m[static_cast<std::size_t>(k)] + e));
            b.ins(i, k) = log_add3(k < M ? tk[t_im] + to_m : log_zero, tk[t_ii] + next_i, k == M ? p.exit_i + e : log_zero);
        }
        auto const & t0 = p.tsc[0];
        b.ins(i, 0) = more ? log_add(t0[t_im] + p.match_score(1, c) + b.mat(i + 1, 1),
                                     t0[t_ii] + p.insert_score(0, c) + b.ins(i + 1, 0))
                           : log_zero;
    }
    return b.xs(0, x_n);
}

posterior decode_posterior(profile const & p, digital_sequence x, dp_matrix const & f, dp_matrix const & b,
                           double loglik)
{
    special_row const sp = special_transitions(p, x.size());
    posterior post;
    post.L = f.length();
    post.M = f.nodes();
    std::size_t const L = post.L, w = static_cast<std::size_t>(post.M + 1);
    post.m.assign((L + 1) * w, 0.0);
    post.ins.assign((L + 1) * w, 0.0);
    post.n.assign(L + 1, 0.0);
    post.c.assign(L + 1, 0.0);
    post.j.assign(L + 1, 0.0);
    auto pr = [loglik](double a, double bb) { return std::exp(a + bb - loglik); };
    for (std::size_t i = 1; i <= L; ++i)
    {
        for (int k = 0; k <= post.M; ++k)
        {
            std::size_t const at = i * w + static_cast<std::size_t>(k);
            post.m[at] = k > 0 ? pr(f.mat(i, k), b.mat(i, k)) : 0.0;
            post.ins[at] = pr(f.ins(i, k), b.ins(i, k));
        }
        // N, C, J emit residue i when they loop from row i-1 to row i. For N that is its whole
        // forward value at i >= 1; C and J at row i may also have been entered (silently) from E.
        double const bg = p.xsc[x[i - 1]];
        post.n[i] = pr(f.xs(i, x_n), b.xs(i, x_n));
        post.c[i] = pr(f.xs(i - 1, x_c) + sp[c_loop] + bg, b.xs(i, x_c));
        post.j[i] = pr(f.xs(i - 1, x_j) + sp[j_loop] + bg, b.xs(i, x_j));
    }
    return post;
}

} // namespace emtk::hmm
