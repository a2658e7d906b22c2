#include "count_models.hpp"
#include "kmeanspp.hpp"
#include "special.hpp"

#include <emtk/mix/log_density.hpp>
#include <emtk/util/error.hpp>

#include <cmath>
#include <stdexcept>

namespace emtk::mix::detail {

namespace {
constexpr double min_rate = 1e-8; // keeps log λ finite for a component of zeros (CN 0)
constexpr double min_size = 1e-4, max_size = 1e6;
} // namespace

count_stats & count_stats::operator+=(count_stats const & o)
{
    for (std::size_t j = 0; j < sums.size(); ++j)
        sums[j] += o.sums[j];
    item.insert(item.end(), o.item.begin(), o.item.end());
    resp.insert(resp.end(), o.resp.begin(), o.resp.end());
    return *this;
}

count_model::count_model(dataset const & data, mixture_options const & opt) :
    k_{static_cast<std::size_t>(opt.k)}, negbin_{opt.fam == family::negbin}, hard_{opt.hard}
{
    if (data.d != 1)
        throw usage_error(std::string{"the "} + to_string(opt.fam) + " family models one column of counts; " +
                          std::to_string(data.d) + " columns were selected");
    for (std::size_t i = 0; i < data.n; ++i)
    {
        double v = data.values[i];
        if (v < 0 || v != std::floor(v) || v > 4e9)
            throw user_error(located_message(data.source, data.line(i),
                                             data.column_label(0) + ": the " + to_string(opt.fam) +
                                                 " family needs non-negative integer counts, found " + fmt(v)));
    }
    vals_ = collapse_values(data);
    lfact_.resize(vals_.value.size());
    for (std::size_t u = 0; u < vals_.value.size(); ++u)
        lfact_[u] = std::lgamma(vals_.value[u] + 1.0);
}

void count_model::pack(count_stats const & s, std::vector<double> & out) const
{
    out.insert(out.end(), s.sums.begin(), s.sums.end());
    out.push_back(static_cast<double>(s.item.size()));
    out.push_back(static_cast<double>(s.resp.size()));
    for (auto i : s.item)
        out.push_back(static_cast<double>(i));
    out.insert(out.end(), s.resp.begin(), s.resp.end());
}

std::size_t count_model::unpack(std::span<double const> in, count_stats & s) const
{
    std::size_t n = s.sums.size();
    if (in.size() < n + 2)
        throw std::runtime_error("count_model::unpack: too few values");
    std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n), s.sums.begin());
    auto const items = static_cast<std::size_t>(in[n]), resps = static_cast<std::size_t>(in[n + 1]);
    n += 2;
    if (in.size() < n + items + resps)
        throw std::runtime_error("count_model::unpack: too few values");
    s.item.resize(items);
    for (std::size_t j = 0; j < items; ++j)
        s.item[j] = static_cast<std::uint32_t>(in[n + j]);
    n += items;
    s.resp.assign(in.begin() + static_cast<std::ptrdiff_t>(n), in.begin() + static_cast<std::ptrdiff_t>(n + resps));
    return n + resps;
}

count_stats count_model::make_stats(count_params const &) const
{
    count_stats s;
    s.sums.assign(2 * k_, 0.0);
    return s;
}

void count_model::log_joint(std::size_t i, count_params const & p, double * lp) const
{
    double const x = vals_.value[i];
    for (std::size_t k = 0; k < k_; ++k)
    {
        lp[k] = negbin_ ? negbin_log_density(x, lfact_[i], p.mean[k], p.size[k], p.logw[k])
                        : poisson_log_density(x, lfact_[i], p.mean[k], p.logw[k]);
    }
}

void count_model::accumulate(std::size_t i, count_params const &, double const * resp, count_stats & s) const
{
    double const c = vals_.count[i], x = vals_.value[i];
    for (std::size_t k = 0; k < k_; ++k)
    {
        s.sums[2 * k] += c * resp[k];
        s.sums[2 * k + 1] += c * resp[k] * x;
    }
    if (negbin_)
    {
        s.item.push_back(static_cast<std::uint32_t>(i));
        for (std::size_t k = 0; k < k_; ++k)
            s.resp.push_back(c * resp[k]);
    }
}

void count_model::update_size(count_stats const & s, std::size_t k, double mu, double & r) const
{
    // Profile log-likelihood of r (terms that depend on r) and its derivatives in t = log r.
    std::size_t const m = s.item.size();
    auto f = [&](double rr) {
        double v = 0, lr = std::log(rr), lsum = std::log(rr + mu), lg = std::lgamma(rr);
        for (std::size_t j = 0; j < m; ++j)
        {
            double a = s.resp[j * k_ + k];
            if (a == 0)
                continue;
            double x = vals_.value[s.item[j]];
            v += a * (std::lgamma(x + rr) - lg + rr * (lr - lsum) + x * (std::log(mu) - lsum));
        }
        return v;
    };
    double t = std::log(std::clamp(r, min_size, max_size));
    double ft = f(std::exp(t));
    for (int it = 0; it < 100; ++it)
    {
        double const rr = std::exp(t);
        double g = 0, h = 0;
        double const psi_r = digamma(rr), tri_r = trigamma(rr);
        for (std::size_t j = 0; j < m; ++j)
        {
            double a = s.resp[j * k_ + k];
            if (a == 0)
                continue;
            double x = vals_.value[s.item[j]];
            g += a * (digamma(x + rr) - psi_r + std::log(rr / (rr + mu)) + (mu - x) / (rr + mu));
            h += a * (trigamma(x + rr) - tri_r + 1.0 / rr - 1.0 / (rr + mu) - (mu - x) / ((rr + mu) * (rr + mu)));
        }
        double const gt = rr * g;           // d f / d t
        double const ht = rr * g + rr * rr * h; // d² f / d t²
        double step = (ht < 0) ? -gt / ht : (gt > 0 ? 1.0 : -1.0);
        step = std::clamp(step, -2.0, 2.0);
        double const lo = std::log(min_size), hi = std::log(max_size);
        bool improved = false;
        for (int half = 0; half < 40; ++half)
        {
            double tn = std::clamp(t + step, lo, hi);
            double fn = f(std::exp(tn));
            if (fn > ft)
            {
                improved = tn != t;
                t = tn;
                ft = fn;
                break;
            }
            step *= 0.5;
        }
        if (!improved || std::fabs(step) < 1e-10)
            break;
    }
    r = std::exp(t);
}

void count_model::maximize(count_stats const & s, count_params & p) const
{
    double total = 0;
    for (std::size_t k = 0; k < k_; ++k)
        total += s.sums[2 * k];
    p.logw.resize(k_);
    p.mean.resize(k_);
    if (negbin_)
        p.size.resize(k_, 10.0);
    for (std::size_t k = 0; k < k_; ++k)
    {
        double const nk = s.sums[2 * k];
        if (!(nk >= 1.0))
            throw em::degenerate_error("a component collapsed (" + fmt(nk) + " effective rows): the data do not support " +
                                       std::to_string(k_) + " components");
        p.logw[k] = std::log(nk / total);
        p.mean[k] = std::max(min_rate, s.sums[2 * k + 1] / nk);
        if (negbin_)
            update_size(s, k, p.mean[k], p.size[k]);
    }
}

void count_model::initialize(rng & gen, count_params & p) const
{
    std::vector<double> scale{1.0};
    auto idx = kmeanspp(vals_.value, 1, vals_.count, scale, k_, gen);
    std::vector<double> centres;
    for (auto i : idx)
        centres.push_back(vals_.value[i]);
    auto nearest = nearest_centres(vals_.value, 1, centres, scale);
    count_stats s = make_stats(p);
    std::vector<double> resp(k_, 0.0);
    for (std::size_t u = 0; u < vals_.value.size(); ++u)
    {
        resp[nearest[u]] = 1.0;
        accumulate(u, p, resp.data(), s);
        resp[nearest[u]] = 0.0;
    }
    if (negbin_)
    {
        // Method-of-moments starting size per cluster: r = μ²/(var − μ), or large when not overdispersed.
        p.size.assign(k_, 0.0);
        std::vector<double> ss(k_, 0.0);
        for (std::size_t u = 0; u < vals_.value.size(); ++u)
        {
            std::size_t k = nearest[u];
            double mu = s.sums[2 * k + 1] / s.sums[2 * k];
            ss[k] += vals_.count[u] * (vals_.value[u] - mu) * (vals_.value[u] - mu);
        }
        for (std::size_t k = 0; k < k_; ++k)
        {
            double mu = s.sums[2 * k + 1] / s.sums[2 * k];
            double var = ss[k] / s.sums[2 * k];
            p.size[k] = (var > mu * 1.01) ? std::clamp(mu * mu / (var - mu), 0.1, max_size) : 1000.0;
        }
    }
    maximize(s, p);
}

std::vector<double> count_model::to_vector(count_params const & p) const
{
    std::vector<double> v(p.logw);
    for (double m : p.mean)
        v.push_back(std::log(m));
    for (double r : p.size)
        v.push_back(std::log(r));
    return v;
}

void count_model::from_vector(std::vector<double> const & v, count_params & p) const
{
    p.logw.assign(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k_));
    softmax_log(p.logw);
    p.mean.resize(k_);
    for (std::size_t k = 0; k < k_; ++k)
        p.mean[k] = std::max(min_rate, std::exp(v[k_ + k]));
    if (negbin_)
    {
        p.size.resize(k_);
        for (std::size_t k = 0; k < k_; ++k)
            p.size[k] = std::clamp(std::exp(v[2 * k_ + k]), min_size, max_size);
    }
}

mixture count_model::to_public(count_params const & p) const
{
    mixture m;
    m.fam = negbin_ ? family::negbin : family::poisson;
    m.d = 1;
    for (std::size_t k = 0; k < k_; ++k)
    {
        component c;
        c.weight = std::exp(p.logw[k]);
        c.mean = {p.mean[k]};
        c.size = negbin_ ? p.size[k] : 0.0;
        m.components.push_back(std::move(c));
    }
    return m;
}

count_params count_model::from_public(mixture const & m) const
{
    EMTK_ASSERT(m.components.size() == k_, "mixture shape does not match the model");
    count_params p;
    for (auto const & c : m.components)
    {
        p.logw.push_back(std::log(c.weight));
        p.mean.push_back(c.mean.at(0));
        if (negbin_)
            p.size.push_back(c.size);
    }
    return p;
}

} // namespace emtk::mix::detail
