#include "gaussian_model.hpp"
#include "gauss1d_kernel.hpp"
#include "kmeanspp.hpp"

#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace emtk::mix::detail {

namespace {
constexpr double log_2pi = 1.8378770664093454836; // log(2π)
constexpr std::uint64_t start_sample_stream = 0x4d49'5853'5441'5254ULL; // "MIXSTART"
} // namespace

gaussian_model::gaussian_model(dataset const & data, mixture_options const & opt) :
    n_{data.n},
    d_{data.d},
    k_{static_cast<std::size_t>(opt.k)},
    full_{opt.cov == covariance_type::full && data.d > 1},
    shared_{opt.shared_variance},
    hard_{opt.hard},
    labels_{}
{
    for (std::size_t j = 0; j < data.d; ++j)
        labels_.push_back(data.column_label(j));
    block_ = 1 + d_ + cov_size();
    centre_.assign(d_, 0.0);
    colvar_.assign(d_, 0.0);
    std::vector<double> n_obs(d_, static_cast<double>(n_)); // observed entries per column
    if (std::any_of(data.missing.begin(), data.missing.end(), [](std::uint8_t v) { return v != 0; }))
        index_patterns(data, n_obs);
    else if (data.has_missing())
    {
        // A mask without a missing entry: the per-row code of gaussian_missing.cpp still reads x_.
        for (std::size_t i = 0; i < n_; ++i)
            for (std::size_t j = 0; j < d_; ++j)
                centre_[j] += data.at(i, j);
        for (double & c : centre_)
            c /= static_cast<double>(n_);
        x_.resize(n_ * d_);
        for (std::size_t i = 0; i < n_; ++i)
            for (std::size_t j = 0; j < d_; ++j)
            {
                double v = data.at(i, j) - centre_[j];
                x_[i * d_ + j] = v;
                colvar_[j] += v * v;
            }
    }
    else
    {
        own_ = std::make_shared<dataset_rows>(data);
        src_ = own_.get();
        scan_source();
    }
    check_variances(data.source, n_obs, opt.ridge);
    draw_start_sample(opt);
}

gaussian_model::gaussian_model(row_source const & rows, mixture_options const & opt) :
    n_{rows.n()},
    d_{rows.d()},
    k_{static_cast<std::size_t>(opt.k)},
    full_{opt.cov == covariance_type::full && rows.d() > 1},
    shared_{opt.shared_variance},
    hard_{opt.hard},
    src_{&rows}
{
    for (std::size_t j = 0; j < d_; ++j)
        labels_.push_back(rows.column_label(j));
    block_ = 1 + d_ + cov_size();
    centre_.assign(d_, 0.0);
    colvar_.assign(d_, 0.0);
    scan_source();
    check_variances(rows.source(), std::vector<double>(d_, static_cast<double>(n_)), opt.ridge);
    draw_start_sample(opt);
}

void gaussian_model::scan_source()
{
    // Two passes, in row order: the sums are those of a loop over an in-memory array.
    constexpr std::size_t block = 1 << 16;
    std::vector<double> buf;
    for (std::size_t b = 0; b < n_; b += block)
    {
        std::size_t const e = std::min(n_, b + block);
        double const * r = src_->rows(b, e, buf);
        for (std::size_t i = 0; i < e - b; ++i)
            for (std::size_t j = 0; j < d_; ++j)
                centre_[j] += r[i * d_ + j];
    }
    for (double & c : centre_)
        c /= static_cast<double>(n_);
    for (std::size_t b = 0; b < n_; b += block)
    {
        std::size_t const e = std::min(n_, b + block);
        double const * r = src_->rows(b, e, buf);
        for (std::size_t i = 0; i < e - b; ++i)
            for (std::size_t j = 0; j < d_; ++j)
            {
                double v = r[i * d_ + j] - centre_[j];
                colvar_[j] += v * v;
            }
    }
}

void gaussian_model::check_variances(std::string const & source, std::vector<double> const & n_obs, double ridge)
{
    floor_.resize(d_);
    for (std::size_t j = 0; j < d_; ++j)
    {
        colvar_[j] /= n_obs[j];
        if (!(colvar_[j] > 0))
            throw user_error(located_message(source, 0,
                                             labels_[j] +
                                                 " has the same value in every row: a Gaussian mixture needs "
                                                 "values that vary"));
        floor_[j] = ridge * colvar_[j];
    }
}

void gaussian_model::draw_start_sample(mixture_options const & opt)
{
    if (!opt.em.stepwise.enabled || src_ == nullptr || n_ <= opt.stepwise_init_rows)
        return;
    // With replacement from the seed alone (every restart starts from the same sample; k-means++
    // draws differ); index = 64 random bits mod n, whose bias (< n / 2^64) is negligible.
    rng gen = rng{opt.em.seed, 0}.split(start_sample_stream);
    std::vector<std::size_t> idx(opt.stepwise_init_rows);
    for (auto & i : idx)
        i = static_cast<std::size_t>(gen() % n_);
    std::vector<std::size_t> const distinct = first_distinct_rows(*src_, k_);
    idx.insert(idx.end(), distinct.begin(), distinct.end());
    std::sort(idx.begin(), idx.end());
    idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
    start_rows_.resize(idx.size() * d_);
    std::vector<double> buf;
    for (std::size_t q = 0; q < idx.size(); ++q)
    {
        double const * x = centred(idx[q], idx[q] + 1, buf);
        std::copy(x, x + d_, start_rows_.begin() + static_cast<std::ptrdiff_t>(q * d_));
    }
}

double const * gaussian_model::centred(std::size_t begin, std::size_t end, std::vector<double> & buf) const
{
    if (src_ == nullptr)
        return x_.data() + begin * d_;
    std::size_t const count = (end - begin) * d_;
    if (buf.size() < count)
        buf.resize(count);
    double const * raw = src_->rows(begin, end, buf); // buf itself for a spool: centred in place
    for (std::size_t i = 0; i < end - begin; ++i)
        for (std::size_t j = 0; j < d_; ++j)
            buf[i * d_ + j] = raw[i * d_ + j] - centre_[j];
    return buf.data();
}

void gaussian_model::index_patterns(dataset const & data, std::vector<double> & n_obs)
{
    // Centre and variance from the observed entries; missing entries become 0 (the mean).
    std::fill(n_obs.begin(), n_obs.end(), 0.0);
    for (std::size_t i = 0; i < n_; ++i)
        for (std::size_t j = 0; j < d_; ++j)
            if (!data.is_missing(i, j))
            {
                centre_[j] += data.at(i, j);
                n_obs[j] += 1;
            }
    for (std::size_t j = 0; j < d_; ++j)
        centre_[j] /= std::max(1.0, n_obs[j]);
    x_.assign(n_ * d_, 0.0);
    for (std::size_t i = 0; i < n_; ++i)
        for (std::size_t j = 0; j < d_; ++j)
            if (!data.is_missing(i, j))
            {
                double v = data.at(i, j) - centre_[j];
                x_[i * d_ + j] = v;
                colvar_[j] += v * v;
            }
    for (std::size_t j = 0; j < d_; ++j)
        if (n_obs[j] == 0)
            n_obs[j] = 1; // a column with no observed value: variance 0, reported below
    number_patterns(data);
}

void gaussian_model::log_joint(std::size_t i, gauss_params const & p, double * lp) const
{
    if (std::size_t const q = pattern_of(i); q != 0)
        return log_joint_missing(i, q, p, lp);
    thread_local std::vector<double> buf;
    log_joint_x(centred(i, i + 1, buf), p, lp);
}

void gaussian_model::log_joint_x(double const * x, gauss_params const & p, double * lp) const
{
    if (d_ == 1)
    {
        for (std::size_t k = 0; k < k_; ++k)
        {
            double const t = x[0] - p.mean[k];
            lp[k] = p.lnorm[k] - 0.5 * t * t * p.chol[k];
        }
        return;
    }
    double y[64];
    for (std::size_t k = 0; k < k_; ++k)
    {
        double const * mu = p.mean.data() + k * d_;
        double quad = 0;
        if (full_)
        {
            double const * L = p.chol.data() + k * d_ * d_;
            for (std::size_t a = 0; a < d_; ++a) // forward substitution L y = x - mu
            {
                double s = x[a] - mu[a];
                for (std::size_t b = 0; b < a; ++b)
                    s -= L[a * d_ + b] * y[b];
                y[a] = s / L[a * d_ + a];
                quad += y[a] * y[a];
            }
        }
        else
        {
            double const * iv = p.chol.data() + k * d_;
            for (std::size_t a = 0; a < d_; ++a)
            {
                double t = x[a] - mu[a];
                quad += t * t * iv[a];
            }
        }
        lp[k] = p.lnorm[k] - 0.5 * quad;
    }
}

namespace {

/// One centred complete row as the "family" of mixture_expect (the row index is not used).
struct centred_row
{
    gaussian_model const & m;
    double const * x;
    void log_joint(std::size_t, gauss_params const & p, double * lp) const { m.log_joint_x(x, p, lp); }
    [[nodiscard]] double item_weight(std::size_t) const noexcept { return 1.0; }
    void accumulate(std::size_t, gauss_params const &, double const * resp, flat_stats & s) const
    {
        m.accumulate_row(x, resp, s);
    }
};

} // namespace

double gaussian_model::expect_range(std::size_t begin, std::size_t end, gauss_params const & p, flat_stats & s) const
{
    if (!patterns_.empty())
        return expect_range_missing(begin, end, p, s);
    thread_local std::vector<double> buf;
    double const * x = centred(begin, end, buf);
    if (d_ == 1 && !hard_)
        return gauss1d_estep(x, end - begin, static_cast<int>(k_), p.lnorm.data(), p.mean.data(), p.chol.data(),
                             s.v.data(), nullptr);
    double ll = 0;
    for (std::size_t i = 0; i < end - begin; ++i)
        ll += mixture_expect(centred_row{*this, x + i * d_}, 0, p, s, static_cast<int>(k_), hard_);
    return ll;
}

double gaussian_model::posteriors_range(std::size_t begin, std::size_t end, gauss_params const & p, double * resp) const
{
    EMTK_ASSERT(d_ == 1, "posteriors_range is the one-column kernel");
    thread_local std::vector<double> buf;
    return gauss1d_estep(centred(begin, end, buf), end - begin, static_cast<int>(k_), p.lnorm.data(), p.mean.data(),
                         p.chol.data(), nullptr, resp);
}

void gaussian_model::accumulate(std::size_t i, gauss_params const & p, double const * resp, flat_stats & s) const
{
    if (std::size_t const q = pattern_of(i); q != 0)
        accumulate_missing(x_.data() + i * d_, q, p, resp, s);
    else
        accumulate_complete(i, resp, s);
}

void gaussian_model::accumulate_complete(std::size_t i, double const * resp, flat_stats & s) const
{
    thread_local std::vector<double> buf;
    accumulate_row(centred(i, i + 1, buf), resp, s);
}

void gaussian_model::accumulate_row(double const * x, double const * resp, flat_stats & s) const
{
    for (std::size_t k = 0; k < k_; ++k)
    {
        double const r = resp[k];
        if (r == 0.0)
            continue;
        double * b = s.v.data() + k * block_;
        b[0] += r;
        for (std::size_t a = 0; a < d_; ++a)
            b[1 + a] += r * x[a];
        double * q = b + 1 + d_;
        if (full_)
        {
            for (std::size_t a = 0; a < d_; ++a)
                for (std::size_t c = 0; c <= a; ++c)
                    q[a * d_ + c] += r * x[a] * x[c];
        }
        else
            for (std::size_t a = 0; a < d_; ++a)
                q[a] += r * x[a] * x[a];
    }
}

void gaussian_model::m_step(flat_stats const & s, gauss_params & p, bool initial) const
{
    std::size_t const cs = cov_size();
    p.logw.assign(k_, 0.0);
    p.mean.assign(k_ * d_, 0.0);
    p.cov.assign(k_ * cs, 0.0);
    double total = 0;
    for (std::size_t k = 0; k < k_; ++k)
        total += s.v[k * block_];
    std::vector<double> pooled(cs, 0.0);
    for (std::size_t k = 0; k < k_; ++k)
    {
        double const * b = s.v.data() + k * block_;
        double const nk = b[0];
        if (!(nk >= 1.0))
            throw em::degenerate_error("a component collapsed (" + fmt(nk) + " effective rows of " +
                                       std::to_string(n_) + "): the data do not support " + std::to_string(k_) +
                                       " components");
        p.logw[k] = std::log(nk / total);
        double * mu = p.mean.data() + k * d_;
        for (std::size_t a = 0; a < d_; ++a)
            mu[a] = b[1 + a] / nk;
        double const * q = b + 1 + d_;
        double * c = p.cov.data() + k * cs;
        if (full_)
        {
            for (std::size_t a = 0; a < d_; ++a)
                for (std::size_t e = 0; e <= a; ++e)
                    c[a * d_ + e] = c[e * d_ + a] = q[a * d_ + e] / nk - mu[a] * mu[e];
        }
        else
            for (std::size_t a = 0; a < d_; ++a)
                c[a] = q[a] / nk - mu[a] * mu[a];
        if (initial)
        {
            // k-means++ start: shrink each covariance towards the data's by one pseudo-row, so that
            // a centre that starts alone on an outlier still gets a usable covariance.
            for (std::size_t a = 0; a < d_; ++a)
            {
                std::size_t idx = full_ ? a * d_ + a : a;
                c[idx] = (c[idx] * nk + colvar_[a]) / (nk + 1.0);
            }
        }
        if (shared_)
            for (std::size_t j = 0; j < cs; ++j)
                pooled[j] += nk * c[j];
    }
    if (shared_)
        for (std::size_t k = 0; k < k_; ++k)
            for (std::size_t j = 0; j < cs; ++j)
                p.cov[k * cs + j] = pooled[j] / total;
    for (std::size_t k = 0; k < k_; ++k)
    {
        double * c = p.cov.data() + k * cs;
        for (std::size_t a = 0; a < d_; ++a)
        {
            double & v = c[full_ ? a * d_ + a : a];
            if (!(v >= floor_[a]))
                throw em::degenerate_error("a component collapsed onto a single value of " + labels_[a] +
                                           " (its variance " + fmt(std::max(v, 0.0)) + " is below the floor " +
                                           fmt(floor_[a]) + "); try fewer components or a larger " + field_name("ridge"));
            v += floor_[a];
        }
    }
    prepare(p);
}

void gaussian_model::prepare(gauss_params & p) const
{
    std::size_t const cs = cov_size();
    p.chol.assign(k_ * cs, 0.0);
    p.lnorm.assign(k_, 0.0);
    for (std::size_t k = 0; k < k_; ++k)
    {
        double const * c = p.cov.data() + k * cs;
        double * L = p.chol.data() + k * cs;
        double logdet = 0;
        if (full_)
        {
            for (std::size_t a = 0; a < d_; ++a)
            {
                for (std::size_t b = 0; b <= a; ++b)
                {
                    double sum = c[a * d_ + b];
                    for (std::size_t e = 0; e < b; ++e)
                        sum -= L[a * d_ + e] * L[b * d_ + e];
                    if (a == b)
                    {
                        if (!(sum > 0))
                            throw em::degenerate_error("a component's covariance matrix is not positive definite");
                        L[a * d_ + a] = std::sqrt(sum);
                        logdet += 2 * std::log(L[a * d_ + a]);
                    }
                    else
                        L[a * d_ + b] = sum / L[b * d_ + b];
                }
            }
        }
        else
        {
            for (std::size_t a = 0; a < d_; ++a)
            {
                if (!(c[a] > 0))
                    throw em::degenerate_error("a component's variance is not positive");
                L[a] = 1.0 / c[a];
                logdet += std::log(c[a]);
            }
        }
        p.lnorm[k] = p.logw[k] - 0.5 * static_cast<double>(d_) * log_2pi - 0.5 * logdet;
    }
    if (!patterns_.empty())
        prepare_patterns(p);
}

void gaussian_model::initialize(rng & gen, gauss_params & p) const
{
    std::vector<double> scale(d_);
    for (std::size_t j = 0; j < d_; ++j)
        scale[j] = std::sqrt(colvar_[j]);
    // The rows k-means++ sees: x_, the stepwise sample, or (batch EM, complete data) every row
    // centred into a copy that lives for this call only.
    std::vector<double> all;
    if (src_ != nullptr && start_rows_.empty())
    {
        all.resize(n_ * d_);
        constexpr std::size_t block = 1 << 16;
        std::vector<double> buf;
        for (std::size_t b = 0; b < n_; b += block)
        {
            std::size_t const e = std::min(n_, b + block);
            double const * x = centred(b, e, buf);
            std::copy(x, x + (e - b) * d_, all.begin() + static_cast<std::ptrdiff_t>(b * d_));
        }
    }
    std::vector<double> const & pts = src_ == nullptr ? x_ : (start_rows_.empty() ? all : start_rows_);
    std::size_t const m = pts.size() / d_;
    auto centres_idx = kmeanspp(pts, d_, {}, scale, k_, gen);
    std::vector<double> centres;
    for (std::size_t c : centres_idx)
        centres.insert(centres.end(), pts.begin() + static_cast<std::ptrdiff_t>(c * d_),
                       pts.begin() + static_cast<std::ptrdiff_t>((c + 1) * d_));
    auto nearest = nearest_centres(pts, d_, centres, scale);
    flat_stats s = make_stats(p);
    if (d_ == 1)
    {
        for (std::size_t i = 0; i < m; ++i) // hard assignment: the one-column case of accumulate()
        {
            double * b = s.v.data() + nearest[i] * block_;
            double const x = pts[i];
            b[0] += 1.0;
            b[1] += x;
            b[2] += x * x;
        }
    }
    else
    {
        std::vector<double> resp(k_, 0.0);
        for (std::size_t i = 0; i < m; ++i)
        {
            resp[nearest[i]] = 1.0;
            accumulate_row(pts.data() + i * d_, resp.data(), s); // missing entries at the column mean
            resp[nearest[i]] = 0.0;
        }
    }
    m_step(s, p, true);
}

std::vector<double> gaussian_model::to_vector(gauss_params const & p) const
{
    std::vector<double> v(p.logw);
    v.insert(v.end(), p.mean.begin(), p.mean.end());
    std::size_t const cs = cov_size();
    std::size_t const ncov = shared_ ? 1 : k_;
    for (std::size_t k = 0; k < ncov; ++k)
    {
        if (full_)
        {
            // log-Cholesky: the lower factor with its diagonal logged.
            double const * L = p.chol.data() + k * cs;
            for (std::size_t a = 0; a < d_; ++a)
                for (std::size_t b = 0; b <= a; ++b)
                    v.push_back(a == b ? std::log(L[a * d_ + a]) : L[a * d_ + b]);
        }
        else
            for (std::size_t a = 0; a < d_; ++a)
                v.push_back(std::log(p.cov[k * cs + a]));
    }
    return v;
}

void gaussian_model::from_vector(std::vector<double> const & v, gauss_params & p) const
{
    std::size_t pos = 0;
    p.logw.assign(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k_));
    softmax_log(p.logw);
    pos = k_;
    p.mean.assign(v.begin() + static_cast<std::ptrdiff_t>(pos), v.begin() + static_cast<std::ptrdiff_t>(pos + k_ * d_));
    pos += k_ * d_;
    std::size_t const cs = cov_size();
    std::size_t const ncov = shared_ ? 1 : k_;
    p.cov.assign(k_ * cs, 0.0);
    std::vector<double> L(d_ * d_);
    for (std::size_t k = 0; k < ncov; ++k)
    {
        double * c = p.cov.data() + k * cs;
        if (full_)
        {
            std::fill(L.begin(), L.end(), 0.0);
            for (std::size_t a = 0; a < d_; ++a)
                for (std::size_t b = 0; b <= a; ++b)
                    L[a * d_ + b] = (a == b) ? std::exp(v[pos++]) : v[pos++];
            for (std::size_t a = 0; a < d_; ++a)
                for (std::size_t b = 0; b < d_; ++b)
                {
                    double s = 0;
                    for (std::size_t e = 0; e <= std::min(a, b); ++e)
                        s += L[a * d_ + e] * L[b * d_ + e];
                    c[a * d_ + b] = s;
                }
        }
        else
            for (std::size_t a = 0; a < d_; ++a)
                c[a] = std::exp(v[pos++]);
    }
    if (shared_)
        for (std::size_t k = 1; k < k_; ++k)
            std::copy(p.cov.begin(), p.cov.begin() + static_cast<std::ptrdiff_t>(cs),
                      p.cov.begin() + static_cast<std::ptrdiff_t>(k * cs));
    prepare(p);
}

mixture gaussian_model::to_public(gauss_params const & p) const
{
    mixture m;
    m.fam = family::gaussian;
    m.cov = full_ ? covariance_type::full : covariance_type::diagonal;
    m.shared_variance = shared_;
    m.d = d_;
    std::size_t const cs = cov_size();
    for (std::size_t k = 0; k < k_; ++k)
    {
        component c;
        c.weight = std::exp(p.logw[k]);
        for (std::size_t a = 0; a < d_; ++a)
            c.mean.push_back(p.mean[k * d_ + a] + centre_[a]);
        c.covariance.assign(p.cov.begin() + static_cast<std::ptrdiff_t>(k * cs),
                            p.cov.begin() + static_cast<std::ptrdiff_t>((k + 1) * cs));
        m.components.push_back(std::move(c));
    }
    return m;
}

gauss_params gaussian_model::from_public(mixture const & m) const
{
    EMTK_ASSERT(m.components.size() == k_ && m.d == d_, "mixture shape does not match the model");
    gauss_params p;
    for (auto const & c : m.components)
    {
        p.logw.push_back(std::log(c.weight));
        for (std::size_t a = 0; a < d_; ++a)
            p.mean.push_back(c.mean[a] - centre_[a]);
        p.cov.insert(p.cov.end(), c.covariance.begin(), c.covariance.end());
    }
    prepare(p);
    return p;
}

} // namespace emtk::mix::detail
