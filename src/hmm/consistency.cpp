// Consistency-based multiple alignment (consistency.hpp): pair-HMM and profile posteriors, the
// consistency transformation, progressive maximum-expected-accuracy alignment.
#include <emtk/hmm/consistency.hpp>

#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace emtk::hmm {

double pair_posterior::total() const noexcept
{
    double s = 0;
    for (float v : p)
        s += v;
    return s;
}

pair_posterior pair_posterior::transposed(std::size_t ly) const
{
    pair_posterior t;
    t.row_start.assign(ly + 1, 0);
    for (auto c : col)
        ++t.row_start[c + 1];
    for (std::size_t j = 0; j < ly; ++j)
        t.row_start[j + 1] += t.row_start[j];
    t.col.resize(col.size());
    t.p.resize(p.size());
    std::vector<std::uint32_t> next(t.row_start.begin(), t.row_start.end() - 1);
    for (std::size_t i = 0; i + 1 < row_start.size(); ++i)
        for (std::uint32_t e = row_start[i]; e < row_start[i + 1]; ++e)
        {
            auto const at = next[col[e]]++;
            t.col[at] = static_cast<std::uint32_t>(i);
            t.p[at] = p[e];
        }
    return t;
}

pair_hmm pair_hmm::from_mixture(dirichlet_mixture const & em)
{
    int const K = em.K();
    if (K < 1 || em.q.size() != em.alpha.size())
        throw usage_error("pair-HMM: the emission mixture is empty");
    std::vector<double> joint(static_cast<std::size_t>(K * K), 0.0), marg(static_cast<std::size_t>(K), 0.0);
    for (std::size_t c = 0; c < em.q.size(); ++c)
    {
        auto const & a = em.alpha[c];
        double A = 0;
        for (double v : a)
            A += v;
        for (int x = 0; x < K; ++x)
        {
            marg[static_cast<std::size_t>(x)] += em.q[c] * a[static_cast<std::size_t>(x)] / A;
            for (int y = 0; y < K; ++y)
                joint[static_cast<std::size_t>(x * K + y)] +=
                    em.q[c] * a[static_cast<std::size_t>(x)] * (a[static_cast<std::size_t>(y)] + (x == y ? 1.0 : 0.0)) / (A * (A + 1));
        }
    }
    return from_joint(K, joint, std::move(marg));
}

pair_posterior pair_hmm_posterior(pair_hmm const & h, digital_sequence x, digital_sequence y, double min_posterior)
{
    // Forward and backward of the 3-state pair-HMM in probability space. Row i of x has consumed
    // x_1 … x_i; M(i,j) comes from (i−1, j−1), X(i,j) (x_i against a gap) from (i−1, j), Y(i,j)
    // from (i, j−1). Each forward row is divided by its sum c_i after it is complete (row i
    // depends only on rows i−1 and i), each backward row i by c_{i+1}, so F̂·B̂ / P̂ is the
    // posterior with P̂ = P / Π c_i, and no value over- or underflows except cells whose posterior
    // is below double's range (far off the diagonal band): those round to 0.
    std::size_t const Lx = x.size(), Ly = y.size();
    pair_posterior out;
    out.row_start.assign(Lx + 1, 0);
    if (Lx == 0 || Ly == 0)
        return out;
    double const d = h.gap_open, e = h.gap_extend;
    double const mm = 1 - 2 * d, gm = 1 - e;
    std::size_t const W = Ly + 1;
    auto const odds = [&](std::size_t i, std::size_t j) {
        int const a = x[i - 1], b = y[j - 1];
        return (a < h.K && b < h.K) ? h.odds[static_cast<std::size_t>(a * h.K + b)] : 1.0;
    };
    std::vector<double> FM((Lx + 1) * W, 0.0), FX((Lx + 1) * W, 0.0), FY((Lx + 1) * W, 0.0);
    std::vector<double> scale(Lx + 2, 1.0);
    // Row 0: the begin state sits in M(0,0) (it moves as M does); Y along row 0.
    FM[0] = 1.0;
    for (std::size_t j = 1; j <= Ly; ++j)
        FY[j] = (j == 1 ? d * FM[0] : 0.0) + e * FY[j - 1];
    for (std::size_t i = 1; i <= Lx; ++i)
    {
        std::size_t const r = i * W, p = (i - 1) * W;
        FX[r] = d * FM[p] + e * FX[p];
        double sum = FX[r];
        for (std::size_t j = 1; j <= Ly; ++j)
        {
            FM[r + j] = odds(i, j) * (mm * FM[p + j - 1] + gm * (FX[p + j - 1] + FY[p + j - 1]));
            FX[r + j] = d * FM[p + j] + e * FX[p + j];
            FY[r + j] = d * FM[r + j - 1] + e * FY[r + j - 1];
            sum += FM[r + j] + FX[r + j] + FY[r + j];
        }
        double const c = sum > 0 ? sum : 1.0;
        scale[i] = c;
        for (std::size_t j = 0; j <= Ly; ++j)
        {
            FM[r + j] /= c;
            FX[r + j] /= c;
            FY[r + j] /= c;
        }
    }
    std::size_t const last = Lx * W + Ly;
    double const P = FM[last] + FX[last] + FY[last]; // every state ends with probability 1
    if (!(P > 0) || !std::isfinite(P))
    {
        out.row_start.assign(Lx + 1, 0);
        return out;
    }
    // Backward: BM(i,j) = P(rest | M at (i,j)), rows scaled by c_{i+1}.
    std::vector<double> BM((Lx + 1) * W, 0.0), BX((Lx + 1) * W, 0.0), BY((Lx + 1) * W, 0.0);
    for (std::size_t i = Lx + 1; i-- > 0;)
    {
        std::size_t const r = i * W, n = (i + 1) * W;
        double const c = i < Lx ? scale[i + 1] : 1.0;
        for (std::size_t j = Ly + 1; j-- > 0;)
        {
            if (i == Lx && j == Ly)
            {
                BM[r + j] = BX[r + j] = BY[r + j] = 1.0;
                continue;
            }
            double toM = 0, toX = 0, toY = 0;
            if (i < Lx && j < Ly)
                toM = odds(i + 1, j + 1) * BM[n + j + 1] / c;
            if (i < Lx)
                toX = BX[n + j] / c;
            if (j < Ly)
                toY = BY[r + j + 1];
            BM[r + j] = mm * toM + d * (toX + toY);
            BX[r + j] = gm * toM + e * toX;
            BY[r + j] = gm * toM + e * toY;
        }
    }
    for (std::size_t i = 1; i <= Lx; ++i)
    {
        for (std::size_t j = 1; j <= Ly; ++j)
        {
            double const v = FM[i * W + j] * BM[i * W + j] / P;
            if (v >= min_posterior)
            {
                out.col.push_back(static_cast<std::uint32_t>(j - 1));
                out.p.push_back(static_cast<float>(std::min(1.0, v)));
            }
        }
        out.row_start[i] = static_cast<std::uint32_t>(out.col.size());
    }
    return out;
}

match_posteriors sparse_match_posteriors(posterior const & pp, double min_posterior)
{
    match_posteriors s;
    s.start.assign(pp.L + 1, 0);
    for (std::size_t i = 1; i <= pp.L; ++i)
    {
        for (int k = 1; k <= pp.M; ++k)
        {
            double const v = pp.match(i, k);
            if (v >= min_posterior)
            {
                s.k.push_back(static_cast<std::uint32_t>(k));
                s.p.push_back(static_cast<float>(std::min(1.0, v)));
            }
        }
        s.start[i] = static_cast<std::uint32_t>(s.k.size());
    }
    return s;
}

pair_posterior profile_pair_posterior(match_posteriors const & x, match_posteriors const & y, std::size_t ly,
                                      double min_posterior)
{
    // Index y's entries by match state: for each k, the (j, p) with P(y_j ∈ M_k) = p.
    std::uint32_t maxk = 0;
    for (auto k : y.k)
        maxk = std::max(maxk, k);
    for (auto k : x.k)
        maxk = std::max(maxk, k);
    std::vector<std::uint32_t> kstart(maxk + 2, 0);
    for (auto k : y.k)
        ++kstart[k + 1];
    for (std::size_t k = 0; k + 1 < kstart.size(); ++k)
        kstart[k + 1] += kstart[k];
    std::vector<std::uint32_t> kj(y.k.size());
    std::vector<float> kp(y.k.size());
    std::vector<std::uint32_t> next(kstart.begin(), kstart.end() - 1);
    for (std::size_t j = 0; j + 1 < y.start.size(); ++j)
        for (std::uint32_t e = y.start[j]; e < y.start[j + 1]; ++e)
        {
            auto const at = next[y.k[e]]++;
            kj[at] = static_cast<std::uint32_t>(j);
            kp[at] = y.p[e];
        }
    std::size_t const lx = x.start.empty() ? 0 : x.start.size() - 1;
    pair_posterior out;
    out.row_start.assign(lx + 1, 0);
    std::vector<double> acc(ly, 0.0);
    std::vector<std::uint32_t> touched;
    for (std::size_t i = 0; i < lx; ++i)
    {
        touched.clear();
        for (std::uint32_t e = x.start[i]; e < x.start[i + 1]; ++e)
        {
            auto const k = x.k[e];
            for (std::uint32_t f = kstart[k]; f < kstart[k + 1]; ++f)
            {
                auto const j = kj[f];
                if (acc[j] == 0.0)
                    touched.push_back(j);
                acc[j] += static_cast<double>(x.p[e]) * kp[f];
            }
        }
        std::sort(touched.begin(), touched.end());
        for (auto j : touched)
        {
            if (acc[j] >= min_posterior)
            {
                out.col.push_back(j);
                out.p.push_back(static_cast<float>(std::min(1.0, acc[j])));
            }
            acc[j] = 0.0;
        }
        out.row_start[i + 1] = static_cast<std::uint32_t>(out.col.size());
    }
    return out;
}

posterior_set consistency_transform(posterior_set const & in, int threads, double min_posterior)
{
    std::size_t const n = in.n;
    posterior_set out;
    out.n = n;
    out.lengths = in.lengths;
    out.pairs.resize(n * n);
    auto const np = static_cast<long long>(n * n);
#pragma omp parallel num_threads(std::max(1, threads))
    {
        std::vector<double> acc;
        std::vector<std::uint32_t> touched;
#pragma omp for schedule(dynamic, 1)
        for (long long q = 0; q < np; ++q)
        {
            // P'(y,x) is the transpose of P'(x,y) (P(z,x) = P(x,z)ᵀ): only x < y is computed, the
            // transpose filled in below, which halves the work.
            std::size_t const x = static_cast<std::size_t>(q) / n, y = static_cast<std::size_t>(q) % n;
            if (x >= y)
                continue;
            std::size_t const lx = in.lengths[x], ly = in.lengths[y];
            acc.assign(ly, 0.0);
            pair_posterior & o = out.at(x, y);
            o.row_start.assign(lx + 1, 0);
            pair_posterior const & xy = in.at(x, y);
            for (std::size_t i = 0; i < lx; ++i)
            {
                touched.clear();
                auto add = [&](std::uint32_t j, double v) {
                    if (acc[j] == 0.0)
                        touched.push_back(j);
                    acc[j] += v;
                };
                // z = x and z = y: P(x,x) is the identity, so each contributes P(x,y).
                for (std::uint32_t e = xy.row_start[i]; e < xy.row_start[i + 1]; ++e)
                    add(xy.col[e], 2.0 * xy.p[e]);
                for (std::size_t z = 0; z < n; ++z)
                {
                    if (z == x || z == y)
                        continue;
                    pair_posterior const & xz = in.at(x, z);
                    pair_posterior const & zy = in.at(z, y);
                    for (std::uint32_t e = xz.row_start[i]; e < xz.row_start[i + 1]; ++e)
                    {
                        auto const j = xz.col[e];
                        double const pe = xz.p[e];
                        for (std::uint32_t f = zy.row_start[j]; f < zy.row_start[j + 1]; ++f)
                            add(zy.col[f], pe * zy.p[f]);
                    }
                }
                std::sort(touched.begin(), touched.end());
                for (auto j : touched)
                {
                    double const v = acc[j] / static_cast<double>(n);
                    if (v >= min_posterior)
                    {
                        o.col.push_back(j);
                        o.p.push_back(static_cast<float>(std::min(1.0, v)));
                    }
                    acc[j] = 0.0;
                }
                o.row_start[i + 1] = static_cast<std::uint32_t>(o.col.size());
            }
        }
#pragma omp for schedule(dynamic, 1)
        for (long long q = 0; q < np; ++q)
        {
            std::size_t const x = static_cast<std::size_t>(q) / n, y = static_cast<std::size_t>(q) % n;
            if (x < y)
                out.at(y, x) = out.at(x, y).transposed(in.lengths[y]);
        }
    }
    return out;
}

namespace {

struct group
{
    std::vector<std::size_t> members;
    std::size_t columns = 0;
};

} // namespace

column_alignment progressive_alignment(posterior_set const & post)
{
    std::size_t const n = post.n;
    column_alignment a;
    a.col_of.resize(n);
    for (std::size_t s = 0; s < n; ++s)
        for (std::uint32_t i = 0; i < post.lengths[s]; ++i)
            a.col_of[s].push_back(i);
    if (n == 0)
        return a;
    // UPGMA on 1 − expected accuracy (ProbCons' distance).
    std::vector<double> dist(n * n, 0.0);
    for (std::size_t x = 0; x < n; ++x)
        for (std::size_t y = x + 1; y < n; ++y)
        {
            double const m = static_cast<double>(std::max<std::size_t>(1, std::min(post.lengths[x], post.lengths[y])));
            double const acc = 0.5 * (post.at(x, y).total() + post.at(y, x).total()) / m;
            dist[x * n + y] = dist[y * n + x] = 1.0 - acc;
        }
    std::vector<group> groups(n);
    std::vector<bool> alive(n, true);
    for (std::size_t s = 0; s < n; ++s)
        groups[s] = {{s}, post.lengths[s]};
    std::vector<float> S;
    std::vector<double> V;
    std::vector<std::uint8_t> from;
    for (std::size_t step = 1; step < n; ++step)
    {
        std::size_t ga = n, gb = n;
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t x = 0; x < n; ++x)
            if (alive[x])
                for (std::size_t y = x + 1; y < n; ++y)
                    if (alive[y] && dist[x * n + y] < best)
                    {
                        best = dist[x * n + y];
                        ga = x;
                        gb = y;
                    }
        group & A = groups[ga];
        group & B = groups[gb];
        std::size_t const ca = A.columns, cb = B.columns;
        // Column-pair scores: Σ over residue pairs (one in A, one in B) of their posterior.
        S.assign(ca * cb, 0.0f);
        for (auto x : A.members)
            for (auto y : B.members)
            {
                pair_posterior const & p = post.at(x, y);
                for (std::size_t i = 0; i < p.rows(); ++i)
                    for (std::uint32_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e)
                        S[a.col_of[x][i] * cb + a.col_of[y][p.col[e]]] += p.p[e];
            }
        // Maximum-weight alignment of the two column sequences (no gap penalty).
        std::size_t const W = cb + 1;
        V.assign((ca + 1) * W, 0.0);
        from.assign((ca + 1) * W, 0);
        for (std::size_t j = 1; j <= cb; ++j)
            from[j] = 2;
        for (std::size_t i = 1; i <= ca; ++i)
        {
            from[i * W] = 1;
            for (std::size_t j = 1; j <= cb; ++j)
            {
                double const diag = V[(i - 1) * W + j - 1] + S[(i - 1) * cb + j - 1];
                double const up = V[(i - 1) * W + j], left = V[i * W + j - 1];
                double v = diag;
                std::uint8_t f = 0;
                if (up > v)
                {
                    v = up;
                    f = 1;
                }
                if (left > v)
                {
                    v = left;
                    f = 2;
                }
                V[i * W + j] = v;
                from[i * W + j] = f;
            }
        }
        // Traceback: new column of each old column of A and of B.
        std::vector<std::uint32_t> newa(ca), newb(cb);
        std::vector<std::uint8_t> ops;
        for (std::size_t i = ca, j = cb; i > 0 || j > 0;)
        {
            std::uint8_t const f = from[i * W + j];
            ops.push_back(f);
            if (f == 0)
            {
                --i;
                --j;
            }
            else if (f == 1)
                --i;
            else
                --j;
        }
        std::uint32_t c = 0;
        std::size_t i = 0, j = 0;
        for (auto it = ops.rbegin(); it != ops.rend(); ++it, ++c)
        {
            if (*it == 0 || *it == 1)
                newa[i++] = c;
            if (*it == 0 || *it == 2)
                newb[j++] = c;
        }
        for (auto x : A.members)
            for (auto & col : a.col_of[x])
                col = newa[col];
        for (auto y : B.members)
            for (auto & col : a.col_of[y])
                col = newb[col];
        // UPGMA distance update (size-weighted mean), then merge B into A.
        double const na = static_cast<double>(A.members.size()), nb = static_cast<double>(B.members.size());
        for (std::size_t z = 0; z < n; ++z)
            if (alive[z] && z != ga && z != gb)
            {
                double const v = (na * dist[ga * n + z] + nb * dist[gb * n + z]) / (na + nb);
                dist[ga * n + z] = dist[z * n + ga] = v;
            }
        A.members.insert(A.members.end(), B.members.begin(), B.members.end());
        A.columns = c;
        alive[gb] = false;
    }
    for (std::size_t s = 0; s < n; ++s)
        if (alive[s])
            a.columns = groups[s].columns;
    return a;
}

double expected_aligned_pairs(posterior_set const & post, std::vector<std::vector<std::int32_t>> const & column)
{
    if (column.size() != post.n)
        throw usage_error("expected_aligned_pairs: " + std::to_string(column.size()) + " rows for " + std::to_string(post.n) +
                          " sequences");
    for (std::size_t s = 0; s < post.n; ++s)
        if (column[s].size() != post.lengths[s])
            throw usage_error("expected_aligned_pairs: row " + std::to_string(s) + " has the wrong length");
    double sum = 0;
    for (std::size_t x = 0; x < post.n; ++x)
        for (std::size_t y = x + 1; y < post.n; ++y)
        {
            pair_posterior const & p = post.at(x, y);
            for (std::size_t i = 0; i < p.rows(); ++i)
            {
                std::int32_t const c = column[x][i];
                if (c < 0)
                    continue;
                for (std::uint32_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e)
                    if (column[y][p.col[e]] == c)
                        sum += p.p[e];
            }
        }
    return sum;
}

msa to_msa(column_alignment const & a, std::span<digital_sequence const> seqs)
{
    msa m;
    for (std::size_t s = 0; s < seqs.size(); ++s)
    {
        std::vector<std::uint8_t> row(a.columns, msa_gap);
        for (std::size_t i = 0; i < seqs[s].size(); ++i)
            row[a.col_of[s][i]] = seqs[s][i];
        m.rows.push_back(std::move(row));
    }
    return m;
}

} // namespace emtk::hmm
