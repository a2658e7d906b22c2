/// \file
/// \brief The Gaussian mixture's E-step for rows with missing entries, its per-pattern caches and
/// the imputation of a row (gaussian_model.hpp explains the method).

#include "gaussian_model.hpp"
#include "simd_math.hpp"

#include <emtk/util/error.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>

namespace emtk::mix::detail {

namespace {

constexpr double log_2pi = 1.8378770664093454836; // log(2π)

/// In-place lower Cholesky factor of the n×n row-major matrix a; returns log det, or NaN when
/// the matrix is not positive definite.
double cholesky(std::vector<double> & a, std::size_t n)
{
    double logdet = 0;
    for (std::size_t r = 0; r < n; ++r)
    {
        for (std::size_t c = 0; c <= r; ++c)
        {
            double sum = a[r * n + c];
            for (std::size_t e = 0; e < c; ++e)
                sum -= a[r * n + e] * a[c * n + e];
            if (r == c)
            {
                if (!(sum > 0))
                    return std::nan("");
                a[r * n + r] = std::sqrt(sum);
                logdet += 2 * std::log(a[r * n + r]);
            }
            else
                a[r * n + c] = sum / a[c * n + c];
        }
        for (std::size_t c = r + 1; c < n; ++c)
            a[r * n + c] = 0;
    }
    return logdet;
}

/// Solves L y = b in place (L lower triangular, n×n row-major).
void forward_solve(double const * L, std::size_t n, double * b)
{
    for (std::size_t r = 0; r < n; ++r)
    {
        double s = b[r];
        for (std::size_t c = 0; c < r; ++c)
            s -= L[r * n + c] * b[c];
        b[r] = s / L[r * n + r];
    }
}

/// Solves Lᵀ y = b in place.
void backward_solve(double const * L, std::size_t n, double * b)
{
    for (std::size_t r = n; r-- > 0;)
    {
        double s = b[r];
        for (std::size_t c = r + 1; c < n; ++c)
            s -= L[c * n + r] * b[c];
        b[r] = s / L[r * n + r];
    }
}

constexpr std::size_t block = 64; // rows of one pattern per kernel call

/// Responsibilities of nb <= block rows of one pattern (observed values xo: coordinate a of row j
/// at xo[a·ld + j]) into lp (K×block) and their log-likelihood. fac[k] is L⁻¹
/// (full) or 1/σ² (diagonal) of component k's observed block, mu_o its K×d_o observed means.
/// Soft EM: posteriors by exp_poly/log_poly (simd_math.hpp); hard EM: one-hot at the first
/// maximum, log-likelihood the classification one (as mixture_expect).
EMTK_SIMD_CLONES
double pattern_posteriors(std::size_t nb, std::size_t no, std::size_t kk, bool full, bool hard, double const * xo,
                          std::size_t ld, double const * mu_o, double const * const * fac, double const * lnorm, double * dx,
                          double * lp) noexcept
{
    alignas(64) double acc[block];
    alignas(64) double quad[block];
    for (std::size_t k = 0; k < kk; ++k)
    {
        for (std::size_t b = 0; b < no; ++b)
        {
            double const mb = mu_o[k * no + b];
            double const * x = xo + b * ld;
            double * y = dx + b * block;
#pragma omp simd
            for (std::size_t j = 0; j < nb; ++j)
                y[j] = x[j] - mb;
        }
#pragma omp simd
        for (std::size_t j = 0; j < nb; ++j)
            quad[j] = 0.0;
        double const * f = fac[k];
        if (full)
            for (std::size_t a = 0; a < no; ++a)
            {
#pragma omp simd
                for (std::size_t j = 0; j < nb; ++j)
                    acc[j] = 0.0;
                for (std::size_t b = 0; b <= a; ++b)
                {
                    double const l = f[a * no + b];
                    double const * y = dx + b * block;
#pragma omp simd
                    for (std::size_t j = 0; j < nb; ++j)
                        acc[j] += l * y[j];
                }
#pragma omp simd
                for (std::size_t j = 0; j < nb; ++j)
                    quad[j] += acc[j] * acc[j];
            }
        else
            for (std::size_t a = 0; a < no; ++a)
            {
                double const iv = f[a];
                double const * y = dx + a * block;
#pragma omp simd
                for (std::size_t j = 0; j < nb; ++j)
                    quad[j] += y[j] * y[j] * iv;
            }
        double const ln = lnorm[k];
        double * l = lp + k * block;
#pragma omp simd
        for (std::size_t j = 0; j < nb; ++j)
            l[j] = ln - 0.5 * quad[j];
    }
    double ll = 0.0;
    if (hard)
    {
        for (std::size_t j = 0; j < nb; ++j)
        {
            std::size_t best = 0;
            for (std::size_t k = 1; k < kk; ++k)
                if (lp[k * block + j] > lp[best * block + j])
                    best = k;
            ll += lp[best * block + j];
            for (std::size_t k = 0; k < kk; ++k)
                lp[k * block + j] = k == best ? 1.0 : 0.0;
        }
        return ll;
    }
    double * sum = quad;
    ll = block_log_sum_exp(lp, kk, block, nb, acc, sum);
    for (std::size_t k = 0; k < kk; ++k)
    {
        double * l = lp + k * block;
#pragma omp simd
        for (std::size_t j = 0; j < nb; ++j)
            l[j] *= sum[j];
    }
    return ll;
}

/// Adds, per component k, Σ r, Σ r x_o and Σ r x_o x_oᵀ (lower triangle; diagonal only when not
/// full) of nb rows (laid out as in pattern_posteriors) to agg[k × (1 + d_o + d_o²)].
EMTK_SIMD_CLONES
void pattern_sums(std::size_t nb, std::size_t no, std::size_t kk, bool full, double const * xo, std::size_t ld,
                  double const * resp, double * rx, double * agg) noexcept
{
    std::size_t const stride = 1 + no + no * no;
    for (std::size_t k = 0; k < kk; ++k)
    {
        double const * r = resp + k * block;
        double * A = agg + k * stride;
        double s0 = 0.0;
#pragma omp simd reduction(+ : s0)
        for (std::size_t j = 0; j < nb; ++j)
            s0 += r[j];
        A[0] += s0;
        for (std::size_t a = 0; a < no; ++a)
        {
            double const * x = xo + a * ld;
            double * y = rx + a * block;
            double s1 = 0.0;
#pragma omp simd reduction(+ : s1)
            for (std::size_t j = 0; j < nb; ++j)
            {
                y[j] = r[j] * x[j];
                s1 += y[j];
            }
            A[1 + a] += s1;
        }
        double * S = A + 1 + no;
        for (std::size_t a = 0; a < no; ++a)
        {
            double const * y = rx + a * block;
            for (std::size_t c = full ? 0 : a; c <= a; ++c)
            {
                double const * x = xo + c * ld;
                double s2 = 0.0;
#pragma omp simd reduction(+ : s2)
                for (std::size_t j = 0; j < nb; ++j)
                    s2 += y[j] * x[j];
                S[a * no + c] += s2;
            }
        }
    }
}

/// Per-thread buffers of expect_range_missing (no allocation once they have grown).
struct missing_scratch
{
    std::vector<std::uint32_t> count, lo;                     // per pattern: rows in the chunk, first one
    std::vector<std::pair<std::uint32_t, std::uint32_t>> key; // (pattern, position) when patterns are many
    std::vector<double> dx, lp, mu, agg;
    std::vector<double const *> fac;
};

} // namespace

void gaussian_model::number_patterns(dataset const & data)
{
    // Patterns, numbered in order of first appearance (a mask of ≤ 64 columns is one 64-bit key).
    // Complete rows get a pattern too (no missing coordinate): in a table with gaps every row
    // takes the per-pattern code.
    if (n_ > std::numeric_limits<std::uint32_t>::max())
        throw user_error(located_message(data.source, 0, "more than 4294967295 rows with missing values"));
    pattern_of_row_.assign(n_, 0);
    pos_in_pattern_.assign(n_, 0);
    std::unordered_map<std::uint64_t, std::uint32_t> seen;
    for (std::size_t i = 0; i < n_; ++i)
    {
        auto const * m = data.missing.data() + i * d_;
        std::uint64_t key = 0;
        for (std::size_t j = 0; j < d_; ++j)
            key |= static_cast<std::uint64_t>(m[j] != 0) << j;
        auto [it, fresh] = seen.try_emplace(key, static_cast<std::uint32_t>(patterns_.size() + 1));
        if (fresh)
        {
            pattern pat;
            for (std::size_t j = 0; j < d_; ++j)
                (m[j] ? pat.mis : pat.obs).push_back(j);
            patterns_.push_back(std::move(pat));
        }
        pattern_of_row_[i] = it->second;
        pos_in_pattern_[i] = static_cast<std::uint32_t>(patterns_[it->second - 1].rows++);
    }
    for (auto & pat : patterns_)
        pat.x.resize(pat.obs.size() * pat.rows);
    for (std::size_t i = 0; i < n_; ++i)
    {
        pattern & pat = patterns_[pattern_of_row_[i] - 1];
        for (std::size_t a = 0; a < pat.obs.size(); ++a)
            pat.x[a * pat.rows + pos_in_pattern_[i]] = x_[i * d_ + pat.obs[a]];
    }
}

void gaussian_model::prepare_patterns(gauss_params & p) const
{
    std::size_t const np = patterns_.size();
    std::size_t const cs = cov_size();
    p.p_lnorm.assign(np * k_, 0.0);
    p.p_chol.assign(np * k_, {});
    p.p_reg.assign(np * k_, {});
    p.p_ccov.assign(np * k_, {});
    std::vector<double> col;
    for (std::size_t q = 0; q < np; ++q)
    {
        auto const & o = patterns_[q].obs;
        auto const & m = patterns_[q].mis;
        std::size_t const no = o.size(), nm = m.size();
        for (std::size_t k = 0; k < k_; ++k)
        {
            double const * c = p.cov.data() + k * cs;
            std::size_t const at = q * k_ + k;
            double logdet = 0;
            if (!full_)
            {
                auto & iv = p.p_chol[at];
                for (std::size_t a : o)
                {
                    iv.push_back(1.0 / c[a]);
                    logdet += std::log(c[a]);
                }
                for (std::size_t a : m)
                    p.p_ccov[at].push_back(c[a]);
            }
            else
            {
                auto & L = p.p_chol[at];
                L.resize(no * no);
                for (std::size_t a = 0; a < no; ++a)
                    for (std::size_t b = 0; b < no; ++b)
                        L[a * no + b] = c[o[a] * d_ + o[b]];
                logdet = cholesky(L, no);
                if (std::isnan(logdet))
                    throw em::degenerate_error("a component's covariance matrix is not positive definite");
                // B = Σ_mo Σ_oo⁻¹: row r of B solves Σ_oo bᵀ = Σ_o,m[r].
                auto & B = p.p_reg[at];
                B.resize(nm * no);
                col.resize(no);
                for (std::size_t r = 0; r < nm; ++r)
                {
                    for (std::size_t a = 0; a < no; ++a)
                        col[a] = c[o[a] * d_ + m[r]];
                    forward_solve(L.data(), no, col.data());
                    backward_solve(L.data(), no, col.data());
                    std::copy(col.begin(), col.end(), B.begin() + static_cast<std::ptrdiff_t>(r * no));
                }
                auto & C = p.p_ccov[at];
                C.resize(nm * nm);
                for (std::size_t r = 0; r < nm; ++r)
                    for (std::size_t s = 0; s < nm; ++s)
                    {
                        double v = c[m[r] * d_ + m[s]];
                        for (std::size_t a = 0; a < no; ++a)
                            v -= B[r * no + a] * c[o[a] * d_ + m[s]];
                        C[r * nm + s] = v;
                    }
                // The quadratic form is ‖L⁻¹ y‖²: L⁻¹ is lower triangular (column e solves L c = e_e),
                // so a row costs d_o(d_o+1)/2 products with no division, and rows vectorise.
                std::vector<double> inv(no * no, 0.0);
                for (std::size_t e = 0; e < no; ++e)
                {
                    std::fill(col.begin(), col.end(), 0.0);
                    col[e] = 1.0;
                    forward_solve(L.data(), no, col.data());
                    for (std::size_t a = e; a < no; ++a)
                        inv[a * no + e] = col[a];
                }
                for (std::size_t r = 0; r < nm; ++r) // exact symmetry despite round-off
                    for (std::size_t s = 0; s < r; ++s)
                        C[r * nm + s] = C[s * nm + r] = 0.5 * (C[r * nm + s] + C[s * nm + r]);
                L = std::move(inv);
            }
            p.p_lnorm[at] = p.logw[k] - 0.5 * static_cast<double>(no) * log_2pi - 0.5 * logdet;
        }
    }
}

void gaussian_model::log_joint_missing(std::size_t i, std::size_t q, gauss_params const & p, double * lp) const
{
    double const * x = x_.data() + i * d_;
    auto const & o = patterns_[q - 1].obs;
    std::size_t const no = o.size();
    double y[64];
    for (std::size_t k = 0; k < k_; ++k)
    {
        std::size_t const at = (q - 1) * k_ + k;
        double const * mu = p.mean.data() + k * d_;
        double const * P = p.p_chol[at].data();
        double quad = 0;
        for (std::size_t a = 0; a < no; ++a)
            y[a] = x[o[a]] - mu[o[a]];
        if (full_)
            for (std::size_t a = 0; a < no; ++a)
            {
                double s = 0;
                for (std::size_t b = 0; b <= a; ++b)
                    s += P[a * no + b] * y[b];
                quad += s * s;
            }
        else
            for (std::size_t a = 0; a < no; ++a)
                quad += y[a] * y[a] * P[a];
        lp[k] = p.p_lnorm[at] - 0.5 * quad;
    }
}

void gaussian_model::conditional_mean(double const * x, std::size_t q, gauss_params const & p, std::size_t k,
                                      double * xhat) const
{
    double const * mu = p.mean.data() + k * d_;
    auto const & o = patterns_[q - 1].obs;
    auto const & m = patterns_[q - 1].mis;
    std::size_t const no = o.size();
    std::copy(x, x + d_, xhat);
    for (std::size_t r = 0; r < m.size(); ++r)
    {
        double v = mu[m[r]];
        if (full_)
        {
            double const * B = p.p_reg[(q - 1) * k_ + k].data() + r * no;
            for (std::size_t a = 0; a < no; ++a)
                v += B[a] * (x[o[a]] - mu[o[a]]);
        }
        xhat[m[r]] = v;
    }
}

void gaussian_model::accumulate_missing(double const * x, std::size_t q, gauss_params const & p, double const * resp,
                                        flat_stats & s) const
{
    auto const & m = patterns_[q - 1].mis;
    std::size_t const nm = m.size();
    double xh[64];
    for (std::size_t k = 0; k < k_; ++k)
    {
        double const r = resp[k];
        if (r == 0.0)
            continue;
        conditional_mean(x, q, p, k, xh);
        double * b = s.v.data() + k * block_;
        b[0] += r;
        for (std::size_t a = 0; a < d_; ++a)
            b[1 + a] += r * xh[a];
        double * sq = b + 1 + d_;
        auto const & C = p.p_ccov[(q - 1) * k_ + k];
        if (full_)
        {
            for (std::size_t a = 0; a < d_; ++a)
                for (std::size_t c = 0; c <= a; ++c)
                    sq[a * d_ + c] += r * xh[a] * xh[c];
            for (std::size_t u = 0; u < nm; ++u) // E[x xᵀ] adds C on the missing block
                for (std::size_t v = 0; v <= u; ++v)
                    sq[m[u] * d_ + m[v]] += r * C[u * nm + v]; // m is ascending: m[u] >= m[v]
        }
        else
        {
            for (std::size_t a = 0; a < d_; ++a)
                sq[a] += r * xh[a] * xh[a];
            for (std::size_t u = 0; u < nm; ++u)
                sq[m[u]] += r * C[u];
        }
    }
}

double gaussian_model::expect_range_missing(std::size_t begin, std::size_t end, gauss_params const & p,
                                            flat_stats & s) const
{
    thread_local missing_scratch sc;
    std::size_t const n = end - begin, np = patterns_.size();
    // The chunk's rows of one pattern are consecutive in that pattern's storage: groups
    // (pattern, first position, rows), in pattern order (counted per pattern when the patterns are
    // few, else by sorting (pattern, position) pairs): the same groups for any thread count.
    std::vector<std::array<std::size_t, 3>> groups;
    if (np <= 2 * n + 64)
    {
        sc.count.assign(np + 1, 0);
        sc.lo.resize(np + 1);
        for (std::size_t i = begin; i < end; ++i)
        {
            std::uint32_t const q = pattern_of_row_[i];
            if (sc.count[q]++ == 0)
                sc.lo[q] = pos_in_pattern_[i];
        }
        for (std::size_t q = 1; q <= np; ++q)
            if (sc.count[q] > 0)
                groups.push_back({q, sc.lo[q], sc.count[q]});
    }
    else
    {
        sc.key.clear();
        for (std::size_t i = begin; i < end; ++i)
            sc.key.emplace_back(pattern_of_row_[i], pos_in_pattern_[i]);
        std::sort(sc.key.begin(), sc.key.end());
        for (std::size_t r = 0; r < n; ++r)
        {
            if (r == 0 || sc.key[r].first != sc.key[r - 1].first)
                groups.push_back({sc.key[r].first, sc.key[r].second, 0});
            ++groups.back()[2];
        }
    }
    double ll = 0.0;
    double resp_row[max_components];
    double row[64];
    sc.fac.resize(k_);
    for (auto const & [q, lo, count] : groups)
    {
        pattern const & pat = patterns_[q - 1];
        auto const & o = pat.obs;
        std::size_t const no = o.size(), nm = d_ - no;
        // Statistics per group (Σr, Σr x_o, Σr x_o x_oᵀ, mapped once) when that is cheaper than
        // forming E[x] and E[x xᵀ] row by row (products counted; the group sums are vectorised,
        // about 4 rows per instruction, the row-by-row form is not).
        double const c = static_cast<double>(count), dno = static_cast<double>(no), dnm = static_cast<double>(nm);
        double const per_row_direct = dnm * dno + 0.5 * static_cast<double>(d_ * (d_ + 1));
        double const per_row_group = 0.5 * dno * (dno + 1) + dno + 1;
        double const fold_cost = dnm * dno * (dno + dnm + 1) + static_cast<double>(d_ * d_);
        bool const grouped = !full_ || c * per_row_group / 4 + fold_cost <= c * per_row_direct;
        sc.dx.resize(no * block);
        sc.lp.resize(k_ * block);
        sc.mu.resize(k_ * no);
        std::size_t const stride = 1 + no + no * no;
        if (grouped)
            sc.agg.assign(k_ * stride, 0.0);
        for (std::size_t k = 0; k < k_; ++k)
        {
            for (std::size_t a = 0; a < no; ++a)
                sc.mu[k * no + a] = p.mean[k * d_ + o[a]];
            sc.fac[k] = p.p_chol[(q - 1) * k_ + k].data();
        }
        double const * lnorm = p.p_lnorm.data() + (q - 1) * k_;
        for (std::size_t b0 = 0; b0 < count; b0 += block)
        {
            std::size_t const nb = std::min(block, count - b0);
            double const * xo = pat.x.data() + lo + b0;
            ll += pattern_posteriors(nb, no, k_, full_, hard_, xo, pat.rows, sc.mu.data(), sc.fac.data(), lnorm,
                                     sc.dx.data(), sc.lp.data());
            if (grouped)
            {
                pattern_sums(nb, no, k_, full_, xo, pat.rows, sc.lp.data(), sc.dx.data(), sc.agg.data());
                continue;
            }
            std::fill(row, row + d_, 0.0);
            for (std::size_t j = 0; j < nb; ++j)
            {
                for (std::size_t a = 0; a < no; ++a)
                    row[o[a]] = xo[a * pat.rows + j];
                for (std::size_t k = 0; k < k_; ++k)
                    resp_row[k] = sc.lp[k * block + j];
                accumulate_missing(row, q, p, resp_row, s);
            }
        }
        if (grouped)
            fold_pattern(q, p, sc.agg.data(), s);
    }
    return ll;
}

void gaussian_model::fold_pattern(std::size_t q, gauss_params const & p, double const * agg, flat_stats & s) const
{
    thread_local std::vector<double> buf;
    auto const & o = patterns_[q - 1].obs;
    auto const & m = patterns_[q - 1].mis;
    std::size_t const no = o.size(), nm = m.size(), stride = 1 + no + no * no;
    buf.resize(no * no + 2 * nm + nm * no);
    double * Sxx = buf.data();        // no×no, symmetric
    double * cm = Sxx + no * no;      // conditional-mean intercept μ_m − B μ_o
    double * t = cm + nm;             // B Σr x_o
    double * BS = t + nm;             // B Σr x_o x_oᵀ, nm×no
    for (std::size_t k = 0; k < k_; ++k)
    {
        double const * A = agg + k * stride;
        double const R = A[0];
        double const * Sx = A + 1;
        double const * S = A + 1 + no;
        std::size_t const at = (q - 1) * k_ + k;
        double const * mu = p.mean.data() + k * d_;
        double const * C = p.p_ccov[at].data();
        double * b = s.v.data() + k * block_;
        double * sq = b + 1 + d_;
        b[0] += R;
        for (std::size_t a = 0; a < no; ++a)
            b[1 + o[a]] += Sx[a];
        if (!full_)
        {
            // Diagonal: E[x_m] = μ_m, E[x_m²] = μ_m² + σ²_m whatever x_o.
            for (std::size_t a = 0; a < no; ++a)
                sq[o[a]] += S[a * no + a];
            for (std::size_t u = 0; u < nm; ++u)
            {
                b[1 + m[u]] += R * mu[m[u]];
                sq[m[u]] += R * (mu[m[u]] * mu[m[u]] + C[u]);
            }
            continue;
        }
        for (std::size_t a = 0; a < no; ++a)
            for (std::size_t e = 0; e <= a; ++e)
            {
                Sxx[a * no + e] = Sxx[e * no + a] = S[a * no + e];
                sq[o[a] * d_ + o[e]] += S[a * no + e]; // o ascending: o[a] >= o[e]
            }
        if (nm == 0)
            continue;
        // E[x_m] = cm + B x_o, so Σr E[x_m] = R cm + B Σr x_o, Σr E[x_m] x_oᵀ = cm Σr x_oᵀ + B Σr x_o x_oᵀ,
        // Σr E[x_m] E[x_m]ᵀ = R cm cmᵀ + cm tᵀ + t cmᵀ + B (Σr x_o x_oᵀ) Bᵀ, plus R C on the mm block.
        double const * B = p.p_reg[at].data();
        for (std::size_t u = 0; u < nm; ++u)
        {
            double const * Bu = B + u * no;
            double c0 = mu[m[u]], t0 = 0;
            for (std::size_t a = 0; a < no; ++a)
            {
                c0 -= Bu[a] * mu[o[a]];
                t0 += Bu[a] * Sx[a];
            }
            cm[u] = c0;
            t[u] = t0;
            b[1 + m[u]] += R * c0 + t0;
            for (std::size_t a = 0; a < no; ++a)
            {
                double v = 0;
                for (std::size_t e = 0; e < no; ++e)
                    v += Bu[e] * Sxx[e * no + a];
                BS[u * no + a] = v;
                std::size_t const hi = std::max(m[u], o[a]), lo = std::min(m[u], o[a]);
                sq[hi * d_ + lo] += c0 * Sx[a] + v;
            }
        }
        for (std::size_t u = 0; u < nm; ++u)
            for (std::size_t v = 0; v <= u; ++v)
            {
                double w = R * cm[u] * cm[v] + cm[u] * t[v] + t[u] * cm[v] + R * C[u * nm + v];
                for (std::size_t a = 0; a < no; ++a)
                    w += BS[u * no + a] * B[v * no + a];
                sq[m[u] * d_ + m[v]] += w; // m ascending: m[u] >= m[v]
            }
    }
}

void gaussian_model::impute_row(std::size_t i, gauss_params const & p, rng * gen, double * out) const
{
    std::size_t const q = pattern_of(i);
    if (q == 0)
    {
        for (std::size_t a = 0; a < d_; ++a)
            out[a] = x_[i * d_ + a] + centre_[a];
        return;
    }
    double lp[max_components];
    log_joint_missing(i, q, p, lp);
    em::log_normalize(std::span<double>{lp, k_});
    auto const & m = patterns_[q - 1].mis;
    std::size_t const nm = m.size();
    double xh[64];
    if (gen == nullptr)
    {
        // Observed entries as read; missing ones (stored as 0) get Σ_k P(k | x_o) E_k[x_m | x_o].
        std::copy(x_.data() + i * d_, x_.data() + (i + 1) * d_, out);
        for (std::size_t k = 0; k < k_; ++k)
        {
            conditional_mean(x_.data() + i * d_, q, p, k, xh);
            for (std::size_t u = 0; u < nm; ++u)
                out[m[u]] += lp[k] * xh[m[u]];
        }
    }
    else
    {
        std::size_t const k = gen->categorical(std::span<double const>{lp, k_});
        conditional_mean(x_.data() + i * d_, q, p, k, out);
        auto const & C = p.p_ccov[(q - 1) * k_ + k];
        double z[64];
        for (std::size_t u = 0; u < nm; ++u)
            z[u] = gen->normal();
        if (full_)
        {
            std::vector<double> L(C);
            if (std::isnan(cholesky(L, nm)))
                throw em::degenerate_error("a conditional covariance matrix is not positive definite");
            for (std::size_t u = 0; u < nm; ++u)
                for (std::size_t v = 0; v <= u; ++v)
                    out[m[u]] += L[u * nm + v] * z[v];
        }
        else
            for (std::size_t u = 0; u < nm; ++u)
                out[m[u]] += std::sqrt(C[u]) * z[u];
    }
    for (std::size_t a = 0; a < d_; ++a)
        out[a] += centre_[a];
}

} // namespace emtk::mix::detail
