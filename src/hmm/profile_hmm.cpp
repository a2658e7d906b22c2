#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

namespace emtk::hmm {

namespace {

/// Rescales `xs` to sum to 1 (uniform when the sum is 0 or not finite).
void normalize_row(std::span<double> xs) noexcept
{
    double const s = std::accumulate(xs.begin(), xs.end(), 0.0);
    for (double & x : xs)
        x = (s > 0 && std::isfinite(s)) ? x / s : 1.0 / static_cast<double>(xs.size());
}

/// Sets the fixed transitions of nodes 0 and M (see profile_hmm.hpp).
void set_boundary(profile_hmm & h) noexcept
{
    h.t[0][t_dm] = 1;
    h.t[0][t_dd] = 0;
    auto & e = h.t[static_cast<std::size_t>(h.M)];
    e[t_dm] = 1;
    e[t_dd] = 0;
    e[t_md] = 0;
}

/// Fills xs with a Dirichlet(alpha) draw.
void dirichlet(rng & r, std::span<double const> alpha, std::span<double> xs) noexcept
{
    for (std::size_t j = 0; j < xs.size(); ++j)
        xs[j] = alpha[j] > 0 ? r.gamma(alpha[j]) : 0.0;
    normalize_row(xs);
}

std::string fmt(double x)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return buf;
}

} // namespace

profile_hmm::profile_hmm(int M_, int K_) : M{M_}, K{K_}
{
    if (M_ < 1 || K_ < 1)
        throw std::invalid_argument("profile_hmm: need M >= 1 and K >= 1");
    auto const n = static_cast<std::size_t>(M_ + 1);
    t.assign(n, transition_row{1, 0, 0, 1, 0, 1, 0});
    mat.assign(n * static_cast<std::size_t>(K_), 1.0 / K_);
    std::fill(mat.begin(), mat.begin() + K_, 0.0);
    ins.assign(n * static_cast<std::size_t>(K_), 1.0 / K_);
    null.assign(static_cast<std::size_t>(K_), 1.0 / K_);
    set_boundary(*this);
}

std::optional<std::string> profile_hmm_problem(profile_hmm const & h, double tol)
{
    auto const n = static_cast<std::size_t>(h.M + 1), K = static_cast<std::size_t>(h.K);
    if (h.M < 1 || h.K < 1)
        return "the model has " + std::to_string(h.M) + " nodes and " + std::to_string(h.K) +
               " residues (need at least 1 of each)";
    if (h.t.size() != n || h.mat.size() != n * K || h.ins.size() != n * K || h.null.size() != K)
        return std::string{"the model's arrays do not match M = "} + std::to_string(h.M) + ", K = " +
               std::to_string(h.K);
    auto bad_row = [&](std::span<double const> xs) -> std::optional<double> {
        double s = 0;
        for (double x : xs)
        {
            if (!(x >= 0 && x <= 1))
                return x;
            s += x;
        }
        if (std::fabs(s - 1) > tol)
            return s;
        return std::nullopt;
    };
    auto where = [](std::size_t k) { return "node " + std::to_string(k) + ": "; };
    if (auto s = bad_row(h.null))
        return "null model: frequencies sum to " + fmt(*s) + " (or one is outside [0, 1])";
    for (std::size_t k = 0; k < n; ++k)
    {
        auto const & t = h.t[k];
        char const * names[3] = {"match", "insert", "delete"};
        std::span<double const> groups[3] = {std::span<double const>{t.data(), 3}, std::span<double const>{t.data() + 3, 2},
                                             std::span<double const>{t.data() + 5, 2}};
        for (int g = 0; g < 3; ++g)
            if (auto s = bad_row(groups[g]))
                return where(k) + names[g] + " transitions sum to " + fmt(*s) + " (or one is outside [0, 1])";
        if (k == 0 && (t[t_dm] != 1 || t[t_dd] != 0))
            return where(k) + "the begin node has no delete state: D0->M1 must be 1 and D0->D1 0";
        if (k + 1 == n && (t[t_md] != 0 || t[t_dd] != 0))
            return where(k) + "the last node has no next delete state: M->D and D->D must be 0";
        if (k >= 1)
            if (auto s = bad_row(h.match(static_cast<int>(k))))
                return where(k) + "match emissions sum to " + fmt(*s) + " (or one is outside [0, 1])";
        if (auto s = bad_row(h.insert(static_cast<int>(k))))
            return where(k) + "insert emissions sum to " + fmt(*s) + " (or one is outside [0, 1])";
    }
    return std::nullopt;
}

void normalize(profile_hmm & h) noexcept
{
    set_boundary(h);
    for (auto & t : h.t)
    {
        normalize_row({t.data(), 3});
        normalize_row({t.data() + 3, 2});
        normalize_row({t.data() + 5, 2});
    }
    set_boundary(h); // normalising the last node's M group keeps M->D at 0, D group is (1, 0)
    for (int k = 1; k <= h.M; ++k)
        normalize_row(h.match(k));
    for (int k = 0; k <= h.M; ++k)
        normalize_row(h.insert(k));
    normalize_row(h.null);
}

profile_hmm random_profile_hmm(rng & r, int M, int K)
{
    profile_hmm h{M, K};
    std::vector<double> flat(static_cast<std::size_t>(K), 1.0);
    double const am[3] = {8, 1, 1}, ai[2] = {3, 2}, ad[2] = {3, 2};
    double const am_last[3] = {8, 1, 0}, ad_first[2] = {1, 0};
    for (int k = 0; k <= M; ++k)
    {
        auto & t = h.t[static_cast<std::size_t>(k)];
        dirichlet(r, k == M ? std::span<double const>{am_last} : std::span<double const>{am}, {t.data(), 3});
        dirichlet(r, ai, {t.data() + 3, 2});
        dirichlet(r, (k == 0 || k == M) ? std::span<double const>{ad_first} : std::span<double const>{ad},
                  {t.data() + 5, 2});
        if (k >= 1)
            dirichlet(r, flat, h.match(k));
        dirichlet(r, flat, h.insert(k));
    }
    dirichlet(r, flat, h.null);
    return h;
}

} // namespace emtk::hmm
