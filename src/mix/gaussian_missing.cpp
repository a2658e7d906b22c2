/// \file
/// \brief The Gaussian mixture's E-step for rows with missing entries, its per-pattern caches and
/// the imputation of a row (gaussian_model.hpp explains the method).

#include "gaussian_model.hpp"

#include <emtk/util/error.hpp>

#include <cmath>

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

} // namespace

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
                // The E-step's quadratic form uses the precision Σ_oo⁻¹ = L⁻ᵀ L⁻¹ (column e solves
                // L Lᵀ p = e_e): z·Σ⁻¹z is then a sum of independent products that vectorise, not a
                // triangular solve. Σ_oo carries the ridge floor, so its condition number stays
                // moderate and the forms agree to round-off.
                std::vector<double> prec(no * no);
                for (std::size_t e = 0; e < no; ++e)
                {
                    std::fill(col.begin(), col.end(), 0.0);
                    col[e] = 1.0;
                    forward_solve(L.data(), no, col.data());
                    backward_solve(L.data(), no, col.data());
                    for (std::size_t a = 0; a < no; ++a)
                        prec[a * no + e] = col[a];
                }
                for (std::size_t a = 0; a < no; ++a) // exactly symmetric
                    for (std::size_t e = 0; e < a; ++e)
                        prec[a * no + e] = prec[e * no + a] = 0.5 * (prec[a * no + e] + prec[e * no + a]);
                for (std::size_t r = 0; r < nm; ++r) // exact symmetry despite round-off
                    for (std::size_t s = 0; s < r; ++s)
                        C[r * nm + s] = C[s * nm + r] = 0.5 * (C[r * nm + s] + C[s * nm + r]);
                L = std::move(prec);
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
                for (std::size_t b = 0; b < no; ++b)
                    s += P[a * no + b] * y[b];
                quad += y[a] * s;
            }
        else
            for (std::size_t a = 0; a < no; ++a)
                quad += y[a] * y[a] * P[a];
        lp[k] = p.p_lnorm[at] - 0.5 * quad;
    }
}

void gaussian_model::conditional_mean(std::size_t i, std::size_t q, gauss_params const & p, std::size_t k,
                                      double * xhat) const
{
    double const * x = x_.data() + i * d_;
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

void gaussian_model::accumulate_missing(std::size_t i, std::size_t q, gauss_params const & p, double const * resp,
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
        conditional_mean(i, q, p, k, xh);
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
            conditional_mean(i, q, p, k, xh);
            for (std::size_t u = 0; u < nm; ++u)
                out[m[u]] += lp[k] * xh[m[u]];
        }
    }
    else
    {
        std::size_t const k = gen->categorical(std::span<double const>{lp, k_});
        conditional_mean(i, q, p, k, out);
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
