#include <emtk/em/logspace.hpp>
#include <emtk/hmm/counts.hpp>

#include <stdexcept>
#include <emtk/util/error.hpp>

#include <cmath>

namespace emtk::hmm {

using em::log_zero;

hmm_counts::hmm_counts(int M_, int K_) : M{M_}, K{K_}
{
    auto const n = static_cast<std::size_t>(M_ + 1);
    t.assign(n, transition_row{});
    mat.assign(n * static_cast<std::size_t>(K_), 0.0);
    ins.assign(n * static_cast<std::size_t>(K_), 0.0);
    enter.assign(n, 0.0);
    exit_m.assign(n, 0.0);
    exit_d.assign(n, 0.0);
}

namespace {

/// Visits every count of c in one fixed order (pack and unpack share it).
template <typename Counts, typename F>
void for_each_count(Counts & c, F && f)
{
    for (auto & row : c.t)
        for (auto & v : row)
            f(v);
    for (auto & v : c.mat)
        f(v);
    for (auto & v : c.ins)
        f(v);
    for (auto & v : c.enter)
        f(v);
    for (auto & v : c.exit_m)
        f(v);
    for (auto & v : c.exit_d)
        f(v);
    f(c.exit_i);
    for (auto & v : c.special)
        f(v);
    for (auto & v : c.flank)
        f(v);
    f(c.sequences);
}

} // namespace

void pack_counts(hmm_counts const & c, std::vector<double> & out)
{
    for_each_count(c, [&](double v) { out.push_back(v); });
}

std::size_t unpack_counts(std::span<double const> in, hmm_counts & c)
{
    std::size_t n = 0;
    for_each_count(c, [&](double & v) {
        if (n >= in.size())
            throw std::runtime_error("unpack_counts: too few values");
        v = in[n++];
    });
    return n;
}

hmm_counts & hmm_counts::operator+=(hmm_counts const & o)
{
    EMTK_ASSERT(o.M == M && o.K == K, "hmm_counts += with a different model size");
    for (std::size_t k = 0; k < t.size(); ++k)
        for (std::size_t x = 0; x < t[k].size(); ++x)
            t[k][x] += o.t[k][x];
    for (std::size_t j = 0; j < mat.size(); ++j)
    {
        mat[j] += o.mat[j];
        ins[j] += o.ins[j];
    }
    for (std::size_t k = 0; k < enter.size(); ++k)
    {
        enter[k] += o.enter[k];
        exit_m[k] += o.exit_m[k];
        exit_d[k] += o.exit_d[k];
    }
    exit_i += o.exit_i;
    for (std::size_t j = 0; j < special.size(); ++j)
        special[j] += o.special[j];
    for (std::size_t j = 0; j < flank.size(); ++j)
        flank[j] += o.flank[j];
    sequences += o.sequences;
    return *this;
}

hmm_counts & hmm_counts::operator*=(double a)
{
    for (auto & row : t)
        for (double & x : row)
            x *= a;
    for (auto * v : {&mat, &ins, &enter, &exit_m, &exit_d})
        for (double & x : *v)
            x *= a;
    exit_i *= a;
    for (double & x : special)
        x *= a;
    for (double & x : flank)
        x *= a;
    sequences *= a;
    return *this;
}

namespace {

/// Adds `gamma` (expected emissions of code c by a state with canonical log emissions `lp` and
/// log emission `lc` of the code) to `out`, split over the code's members (see counts.hpp).
void add_emission(std::vector<std::uint8_t> const & members, double const * lp, double lc, double gamma,
                  double * out) noexcept
{
    if (gamma == 0)
        return;
    if (members.size() == 1)
    {
        out[members[0]] += gamma;
        return;
    }
    for (std::uint8_t a : members)
        out[a] += gamma * std::exp(lp[a] - lc);
}

} // namespace

void accumulate_counts(profile const & p, digital_sequence x, dp_matrix const & f, dp_matrix const & b,
                       double ll, double w, hmm_counts & acc)
{
    EMTK_ASSERT(acc.M == p.M && acc.K == p.K, "hmm_counts of a different model size");
    if (!std::isfinite(ll))
        return;
    std::size_t const L = x.size();
    int const M = p.M;
    auto const Ks = static_cast<std::size_t>(p.K);
    special_row const sp = special_transitions(p, L);
    // The expected count of one transition occurrence: w · P(path uses it | x).
    auto pr = [ll, w](double v) { return v == log_zero ? 0.0 : w * std::exp(v - ll); };
    std::vector<double> enter(static_cast<std::size_t>(M + 1), 0.0); // B → M_k uses, this sequence
    double b_i0 = 0, exit_i = 0, exit_mM = 0, exit_dM = 0;
    for (std::size_t i = 0; i <= L; ++i)
    {
        bool const more = i < L;
        int const c = more ? x[i] : 0;         // the next residue x_{i+1}
        double const e_b = b.xs(i, x_e);
        // Transitions that consume residue i+1 (into row i+1) or stay in row i.
        for (int k = 0; k <= M; ++k)
        {
            auto const ku = static_cast<std::size_t>(k);
            auto const & tk = p.tsc[ku];
            auto & ct = acc.t[ku];
            double const next_m = (more && k < M) ? p.match_score(k + 1, c) + b.mat(i + 1, k + 1) : log_zero;
            double const next_i = more ? p.insert_score(k, c) + b.ins(i + 1, k) : log_zero;
            double const next_d = k < M ? b.del(i, k + 1) : log_zero;
            double const fi = f.ins(i, k);
            if (k < M)
                ct[t_im] += pr(fi + tk[t_im] + next_m);
            ct[t_ii] += pr(fi + tk[t_ii] + next_i);
            if (k == 0)
                continue;
            double const fm = f.mat(i, k), fd = f.del(i, k);
            if (k < M)
            {
                ct[t_mm] += pr(fm + tk[t_mm] + next_m);
                ct[t_md] += pr(fm + tk[t_md] + next_d);
                ct[t_dm] += pr(fd + tk[t_dm] + next_m);
                ct[t_dd] += pr(fd + tk[t_dd] + next_d);
            }
            ct[t_mi] += pr(fm + tk[t_mi] + next_i);
            double const em = pr(fm + p.exit_m[ku] + e_b), ed = pr(fd + p.exit_d[ku] + e_b);
            acc.exit_m[ku] += em;
            acc.exit_d[ku] += ed;
            if (k == M)
                exit_mM += em, exit_dM += ed;
            if (more)
                enter[ku] += pr(f.xs(i, x_b) + p.enter_m[ku] + p.match_score(k, c) + b.mat(i + 1, k));
        }
        exit_i += pr(f.ins(i, M) + p.exit_i + e_b);
        double const fb = f.xs(i, x_b), fe = f.xs(i, x_e);
        if (more)
        {
            double const bg = p.xsc[static_cast<std::size_t>(c)];
            b_i0 += pr(fb + p.enter_i0 + p.insert_score(0, c) + b.ins(i + 1, 0));
            acc.special[n_loop] += pr(f.xs(i, x_n) + sp[n_loop] + bg + b.xs(i + 1, x_n));
            acc.special[c_loop] += pr(f.xs(i, x_c) + sp[c_loop] + bg + b.xs(i + 1, x_c));
            acc.special[j_loop] += pr(f.xs(i, x_j) + sp[j_loop] + bg + b.xs(i + 1, x_j));
        }
        acc.special[n_move] += pr(f.xs(i, x_n) + sp[n_move] + b.xs(i, x_b));
        acc.special[j_move] += pr(f.xs(i, x_j) + sp[j_move] + b.xs(i, x_b));
        acc.special[e_move] += pr(fe + sp[e_move] + b.xs(i, x_c));
        acc.special[e_loop] += pr(fe + sp[e_loop] + b.xs(i, x_j));
        // Emissions of residue i (row i >= 1).
        if (i >= 1)
        {
            int const ci = x[i - 1];
            auto const & members = p.sets.members[static_cast<std::size_t>(ci)];
            for (int k = 0; k <= M; ++k)
            {
                auto const ku = static_cast<std::size_t>(k);
                if (k >= 1)
                    add_emission(members, &p.lmat[ku * Ks], p.match_score(k, ci), pr(f.mat(i, k) + b.mat(i, k)),
                                 &acc.mat[ku * Ks]);
                add_emission(members, &p.lins[ku * Ks], p.insert_score(k, ci), pr(f.ins(i, k) + b.ins(i, k)),
                             &acc.ins[ku * Ks]);
            }
            double const bg = p.xsc[static_cast<std::size_t>(ci)];
            acc.flank[0] += pr(f.xs(i, x_n) + b.xs(i, x_n));
            acc.flank[1] += pr(f.xs(i - 1, x_c) + sp[c_loop] + bg + b.xs(i, x_c));
            acc.flank[2] += pr(f.xs(i - 1, x_j) + sp[j_loop] + bg + b.xs(i, x_j));
        }
    }
    acc.special[c_move] += pr(f.xs(L, x_c) + sp[c_move]);
    acc.exit_i += exit_i;
    for (std::size_t k = 1; k <= static_cast<std::size_t>(M); ++k)
        acc.enter[k] += enter[k];
    if (!p.options.local)
    {
        // Map glocal entries and exits to the core parameters they are products of (counts.hpp).
        auto const Mu = static_cast<std::size_t>(M);
        acc.t[0][t_mi] += b_i0;
        acc.t[0][t_mm] += enter[1];
        // A retracted entry at node k uses t[0][md], t[j][dd] for j = 1 … k-2 and t[k-1][dm]:
        // t[j][dd] collects the entries at nodes >= j+2 (a suffix sum, O(M)).
        double suffix = 0;
        for (std::size_t k = Mu; k >= 2; --k)
        {
            acc.t[k - 1][t_dm] += enter[k];
            suffix += enter[k];
            if (k >= 3)
                acc.t[k - 2][t_dd] += suffix;
        }
        acc.t[0][t_md] += suffix;
        acc.t[Mu][t_mm] += exit_mM;
        acc.t[Mu][t_dm] += exit_dM;
        acc.t[Mu][t_im] += exit_i;
    }
    acc.sequences += w;
}


double expected_counts(profile const & p, digital_sequence x, hmm_counts & acc, double weight, dp_matrix & fwd,
                       dp_matrix & bwd)
{
    double const ll = forward(p, x, fwd);
    backward(p, x, bwd);
    accumulate_counts(p, x, fwd, bwd, ll, weight, acc);
    return ll;
}

double expected_counts(profile const & p, digital_sequence x, hmm_counts & acc)
{
    dp_matrix fwd, bwd;
    return expected_counts(p, x, acc, 1.0, fwd, bwd);
}

} // namespace emtk::hmm
