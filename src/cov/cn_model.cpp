/// \file
/// \brief The tied copy-number mixture as an em::model (see cn_model.hpp for the numerics).

#include <emtk/cov/cn_model.hpp>
#include <emtk/mix/log_density.hpp>
#include <emtk/em/fit.hpp>
#include <emtk/em/logspace.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>
#include <span>

namespace emtk::cov {

cn_values make_values(std::vector<double> const & depth, cn_options const & opt)
{
    cn_values v;
    v.scale = opt.family == mix::family::gaussian ? 1.0 : opt.count_scale;
    std::map<double, std::uint32_t> index;
    std::vector<double> val(depth.size());
    bool positive = false;
    for (std::size_t i = 0; i < depth.size(); ++i)
    {
        double x = std::max(0.0, depth[i]) * v.scale;
        if (opt.family != mix::family::gaussian)
            x = std::round(x);
        val[i] = x;
        positive = positive || x > 0;
        index.emplace(x, 0);
    }
    if (!positive)
        throw user_error("every window has depth 0: no copy-number state can be fitted");
    std::uint32_t g = 0;
    for (auto & [x, id] : index)
    {
        id = g++;
        v.value.push_back(x);
    }
    v.count.assign(v.value.size(), 0.0);
    v.group.resize(depth.size());
    for (std::size_t i = 0; i < depth.size(); ++i)
    {
        std::uint32_t const id = index[val[i]];
        v.group[i] = id;
        v.count[id] += 1.0;
    }
    return v;
}

namespace {

constexpr double r_min = 1e-2, r_max = 1e8;

double multiplier(int c, double cn0) noexcept { return c == 0 ? cn0 : static_cast<double>(c); }

struct tied_params
{
    double lambda = 1, size = 100, variance = 1;
    std::vector<double> logw;
};

/// Flat statistics: S0[K] S1[K] S2[K], then for the negative binomial T[K][G] (Σ responsibility of
/// state c at distinct value g).
struct tied_stats
{
    std::vector<double> v;
    tied_stats & operator+=(tied_stats const & o)
    {
        for (std::size_t i = 0; i < v.size(); ++i)
            v[i] += o.v[i];
        return *this;
    }
};

class tied_model
{
public:
    using params_type = tied_params;
    using stats_type = tied_stats;

    /// MPI E-step (em::packable_model, em/distributed.hpp): the flat statistics as they are.
    void pack(tied_stats const & st, std::vector<double> & out) const { out.insert(out.end(), st.v.begin(), st.v.end()); }
    [[nodiscard]] std::size_t unpack(std::span<double const> in, tied_stats & st) const
    {
        if (in.size() < st.v.size())
            throw std::runtime_error("cov: MPI statistics too short");
        std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(st.v.size()), st.v.begin());
        return st.v.size();
    }

    tied_model(cn_values const & v, cn_options const & opt)
        : v_{v}, opt_{opt}, k_{static_cast<std::size_t>(opt.max_cn + 1)}, lfact_(v.value.size())
    {
        for (std::size_t g = 0; g < v.value.size(); ++g)
            lfact_[g] = std::lgamma(v.value[g] + 1.0);
        for (std::size_t g = 0; g < v.value.size(); ++g)
            n_ += v.count[g];
        // Median of the positive values: the scale of the start.
        double const zeros = v.value.front() == 0 ? v.count.front() : 0.0;
        double half = (n_ - zeros) / 2, acc = 0;
        for (std::size_t g = 0; g < v.value.size(); ++g)
        {
            if (v.value[g] <= 0)
                continue;
            acc += v.count[g];
            if (acc >= half)
            {
                median_ = v.value[g];
                break;
            }
        }
        // Spread of the values within ±50% of the median: the start of r or σ².
        double s0 = 0, s1 = 0, s2 = 0;
        for (std::size_t g = 0; g < v.value.size(); ++g)
            if (v.value[g] > 0.5 * median_ && v.value[g] < 1.5 * median_)
            {
                s0 += v.count[g];
                s1 += v.count[g] * v.value[g];
                s2 += v.count[g] * v.value[g] * v.value[g];
            }
        mean_near_ = s0 > 0 ? s1 / s0 : median_;
        var_near_ = s0 > 1 ? std::max(1e-12, s2 / s0 - mean_near_ * mean_near_) : std::max(1e-12, median_);
    }

    [[nodiscard]] std::size_t item_count() const noexcept { return v_.value.size(); }

    [[nodiscard]] tied_stats make_stats(tied_params const &) const
    {
        tied_stats s;
        s.v.assign(3 * k_ + (opt_.family == mix::family::negbin ? k_ * v_.value.size() : 0), 0.0);
        return s;
    }

    /// log f_c(value g) for every state.
    void log_density(std::size_t g, tied_params const & p, double * out) const
    {
        double const x = v_.value[g];
        switch (opt_.family)
        {
        case mix::family::negbin:
        {
            double const r = p.size;
            double const base = mix::negbin_log_density_base(x, lfact_[g], r);
            for (std::size_t c = 0; c < k_; ++c)
            {
                double const mu = multiplier(static_cast<int>(c), opt_.cn0_mean) * p.lambda;
                out[c] = mix::negbin_log_density_from_base(base, x, mu, r);
            }
            break;
        }
        case mix::family::poisson:
            for (std::size_t c = 0; c < k_; ++c)
            {
                double const mu = multiplier(static_cast<int>(c), opt_.cn0_mean) * p.lambda;
                out[c] = mix::poisson_log_density(x, lfact_[g], mu);
            }
            break;
        case mix::family::gaussian:
            for (std::size_t c = 0; c < k_; ++c)
            {
                double const m = multiplier(static_cast<int>(c), opt_.cn0_mean);
                out[c] = mix::normal_log_density(x, m * p.lambda, p.variance * m);
            }
            break;
        }
    }

    double expect(std::size_t g, tied_params const & p, tied_stats & s) const
    {
        std::array<double, 256> lp{};
        log_density(g, p, lp.data());
        for (std::size_t c = 0; c < k_; ++c)
            lp[c] += p.logw[c];
        double const ll = em::log_normalize(std::span<double>{lp.data(), k_});
        double const n = v_.count[g], x = v_.value[g];
        for (std::size_t c = 0; c < k_; ++c)
        {
            double const r = n * lp[c];
            s.v[c] += r;
            s.v[k_ + c] += r * x;
            s.v[2 * k_ + c] += r * x * x;
            if (opt_.family == mix::family::negbin)
                s.v[3 * k_ + c * v_.value.size() + g] += r;
        }
        return n * ll;
    }

    void maximize(tied_stats const & s, tied_params & p) const
    {
        double const a = opt_.weight_pseudocount;
        double total = 0;
        for (std::size_t c = 0; c < k_; ++c)
            total += s.v[c] + a;
        for (std::size_t c = 0; c < k_; ++c)
            p.logw[c] = std::log((s.v[c] + a) / total);
        double s1 = 0, ms0 = 0;
        for (std::size_t c = 0; c < k_; ++c)
        {
            s1 += s.v[k_ + c];
            ms0 += multiplier(static_cast<int>(c), opt_.cn0_mean) * s.v[c];
        }
        if (!(s1 > 0) || !(ms0 > 0))
            throw em::degenerate_error("every window fell into the copy-number 0 state");
        switch (opt_.family)
        {
        case mix::family::poisson:
            p.lambda = std::clamp(s1 / ms0, lambda_lo(), lambda_hi()); // Q is concave in λ
            break;
        case mix::family::gaussian:
        {
            p.lambda = std::clamp(s1 / ms0, lambda_lo(), lambda_hi()); // Q is quadratic in λ
            double rss = 0, n = 0;
            for (std::size_t c = 0; c < k_; ++c)
            {
                double const m = multiplier(static_cast<int>(c), opt_.cn0_mean);
                rss += s.v[2 * k_ + c] / m - 2 * p.lambda * s.v[k_ + c] + p.lambda * p.lambda * m * s.v[c];
                n += s.v[c];
            }
            p.variance = std::max(rss / n, 1e-10 * p.lambda * p.lambda + 1e-300);
            break;
        }
        case mix::family::negbin:
            maximize_negbin(s, p);
            break;
        }
    }

    [[nodiscard]] double log_prior(tied_params const & p) const noexcept
    {
        double lp = 0;
        for (double lw : p.logw)
            lp += opt_.weight_pseudocount * lw;
        return lp;
    }

    /// The deterministic start: λ = median / ploidy.
    [[nodiscard]] tied_params start() const
    {
        if (!(median_ > 0))
            throw em::degenerate_error("no window with a positive value");
        tied_params p;
        p.lambda = median_ / opt_.ploidy;
        double const mu = mean_near_;
        p.size = var_near_ > mu ? std::clamp(mu * mu / (var_near_ - mu), r_min, r_max) : 1e4;
        p.variance = var_near_ / opt_.ploidy;
        p.logw.assign(k_, std::log(0.1 / static_cast<double>(k_ - 1)));
        p.logw[static_cast<std::size_t>(std::min(opt_.ploidy, opt_.max_cn))] = std::log(0.9);
        return p;
    }

    /// A random start: the deterministic one with λ times a log-normal factor (sd 0.1).
    void initialize(rng & gen, tied_params & p) const
    {
        p = start();
        p.lambda = std::clamp(p.lambda * std::exp(0.1 * gen.normal()), lambda_lo(), lambda_hi());
    }

    [[nodiscard]] double windows() const noexcept { return n_; }

    /// λ stays within a factor lambda_range of median / ploidy (see cn_model.hpp).
    [[nodiscard]] double lambda_lo() const noexcept { return median_ / opt_.ploidy / lambda_range; }
    [[nodiscard]] double lambda_hi() const noexcept { return median_ / opt_.ploidy * lambda_range; }
    static constexpr double lambda_range = 4.0 / 3.0;

private:
    /// Expected complete-data log-likelihood of the negative binomial part, up to constants.
    [[nodiscard]] double q_negbin(tied_stats const & s, double lambda, double r) const
    {
        std::size_t const G = v_.value.size();
        double q = 0;
        double const lg_r = std::lgamma(r), rlogr = r * std::log(r);
        std::vector<double> mu(k_), lmu(k_), lrm(k_);
        for (std::size_t c = 0; c < k_; ++c)
        {
            mu[c] = multiplier(static_cast<int>(c), opt_.cn0_mean) * lambda;
            lmu[c] = std::log(mu[c]);
            lrm[c] = std::log(r + mu[c]);
        }
        for (std::size_t g = 0; g < G; ++g)
        {
            double const x = v_.value[g];
            double tg = 0, part = 0;
            for (std::size_t c = 0; c < k_; ++c)
            {
                double const t = s.v[3 * k_ + c * G + g];
                if (t == 0)
                    continue;
                tg += t;
                part += t * ((x > 0 ? x * lmu[c] : 0.0) - (x + r) * lrm[c]);
            }
            if (tg > 0)
                q += part + tg * (std::lgamma(x + r) - lg_r + rlogr);
        }
        return q;
    }

    /// Golden-section maximum of f on [lo, hi] (40 steps: the bracket shrinks by 0.618^40 ≈ 4e-9).
    template <typename F>
    static double golden(F && f, double lo, double hi, double & best)
    {
        double const g = (std::sqrt(5.0) - 1) / 2;
        double a = lo, b = hi, x1 = b - g * (b - a), x2 = a + g * (b - a);
        double f1 = f(x1), f2 = f(x2);
        for (int it = 0; it < 40; ++it)
        {
            if (f1 > f2)
            {
                b = x2;
                x2 = x1;
                f2 = f1;
                x1 = b - g * (b - a);
                f1 = f(x1);
            }
            else
            {
                a = x1;
                x1 = x2;
                f1 = f2;
                x2 = a + g * (b - a);
                f2 = f(x2);
            }
        }
        best = std::max(f1, f2);
        return f1 > f2 ? x1 : x2;
    }

    void maximize_negbin(tied_stats const & s, tied_params & p) const
    {
        double lam = p.lambda, r = p.size;
        double q = q_negbin(s, lam, r);
        for (int round = 0; round < 3; ++round)
        {
            double qb = 0;
            double const ll = golden([&](double t) { return q_negbin(s, std::exp(t), r); },
                                     std::max(std::log(lambda_lo()), std::log(lam) - 0.7),
                                     std::min(std::log(lambda_hi()), std::log(lam) + 0.7), qb);
            if (qb > q)
            {
                lam = std::exp(ll);
                q = qb;
            }
            double const lr = golden([&](double t) { return q_negbin(s, lam, std::exp(t)); },
                                     std::max(std::log(r_min), std::log(r) - 3), std::min(std::log(r_max), std::log(r) + 3), qb);
            if (qb > q)
            {
                r = std::exp(lr);
                q = qb;
            }
        }
        p.lambda = lam;
        p.size = r;
    }

    cn_values const & v_;
    cn_options const & opt_;
    std::size_t k_;
    std::vector<double> lfact_;
    double n_ = 0, median_ = 0, mean_near_ = 0, var_near_ = 0;
};

} // namespace

double cn_log_density(cn_mixture_fit const & f, int c, double x) noexcept
{
    double const m = multiplier(c, f.cn0_mean);
    switch (f.family)
    {
    case mix::family::negbin: return mix::negbin_log_density(x, std::lgamma(x + 1), m * f.lambda, f.size);
    case mix::family::poisson: return mix::poisson_log_density(x, std::lgamma(x + 1), m * f.lambda);
    case mix::family::gaussian: return mix::normal_log_density(x, m * f.lambda, f.variance * m);
    }
    return 0;
}

cn_mixture_fit fit_cn_mixture(cn_values const & v, cn_options const & opt)
{
    EMTK_ASSERT(opt.max_cn >= 1 && opt.max_cn <= 200, "max_cn out of range");
    tied_model m{v, opt};
    // Start 1 from median / ploidy; further starts (--restarts) perturb it; the best objective wins.
    em::fit_result<tied_params> res;
    try
    {
        res = em::fit(m, m.start(), opt.em);
    }
    catch (em::degenerate_error const & e)
    {
        res.message = e.what();
    }
    if (opt.em.restarts > 1)
    {
        em::options more = opt.em;
        more.restarts = opt.em.restarts - 1;
        auto other = em::fit(m, more);
        if (other.ok() && (!res.ok() || other.objective > res.objective))
        {
            other.best_restart += 1;
            res = std::move(other);
        }
    }
    cn_mixture_fit f;
    f.family = opt.family;
    f.max_cn = opt.max_cn;
    f.cn0_mean = opt.cn0_mean;
    f.ok = res.ok();
    f.message = res.message;
    f.trace = res.trace;
    f.iterations = res.iterations;
    f.reason = res.reason;
    f.best_restart = res.best_restart;
    f.decreases = res.decreases;
    if (!f.ok)
        return f;
    f.lambda = res.params.lambda;
    f.haploid_depth = f.lambda / v.scale;
    f.size = opt.family == mix::family::negbin ? res.params.size : 0;
    f.variance = opt.family == mix::family::gaussian ? res.params.variance : 0;
    for (double lw : res.params.logw)
        f.weights.push_back(std::exp(lw));
    f.objective = res.objective;
    f.log_likelihood = res.log_likelihood;
    f.n_params = 1 + opt.max_cn + (opt.family == mix::family::poisson ? 0 : 1);
    f.bic = -2 * f.log_likelihood + f.n_params * std::log(m.windows());
    return f;
}

cn_states tied_states(cn_values const & v, cn_mixture_fit const & f)
{
    cn_states s;
    s.states = static_cast<std::size_t>(f.max_cn + 1);
    for (int c = 0; c <= f.max_cn; ++c)
    {
        s.cn.push_back(c);
        s.log_weight.push_back(std::log(f.weights[static_cast<std::size_t>(c)]));
    }
    s.log_density.resize(v.value.size() * s.states);
    for (std::size_t g = 0; g < v.value.size(); ++g)
        for (int c = 0; c <= f.max_cn; ++c)
            s.log_density[g * s.states + static_cast<std::size_t>(c)] = cn_log_density(f, c, v.value[g]);
    return s;
}

cn_states free_states(cn_values const & v, mix::mixture const & m, int ploidy, int max_cn)
{
    cn_states s;
    s.states = m.components.size();
    std::size_t heavy = 0;
    for (std::size_t k = 1; k < s.states; ++k)
        if (m.components[k].weight > m.components[heavy].weight)
            heavy = k;
    double const haploid = m.components[heavy].mean.at(0) / ploidy;
    for (auto const & c : m.components)
    {
        int const cn = haploid > 0 ? static_cast<int>(std::lround(c.mean.at(0) / haploid)) : 0;
        s.cn.push_back(std::clamp(cn, 0, max_cn));
        s.log_weight.push_back(std::log(c.weight));
    }
    s.log_density.resize(v.value.size() * s.states);
    for (std::size_t g = 0; g < v.value.size(); ++g)
    {
        double const x = v.value[g];
        for (std::size_t k = 0; k < s.states; ++k)
        {
            auto const & c = m.components[k];
            double const mu = c.mean.at(0);
            double ld = 0;
            if (m.fam == mix::family::gaussian)
                ld = mix::normal_log_density(x, mu, c.covariance.at(0));
            else if (m.fam == mix::family::poisson)
                ld = mix::poisson_log_density(x, std::lgamma(x + 1), mu);
            else
                ld = mix::negbin_log_density(x, std::lgamma(x + 1), mu, c.size);
            s.log_density[g * s.states + k] = ld;
        }
    }
    return s;
}

void mixture_calls(cn_values const & v, cn_states const & s, std::vector<int> & cn, std::vector<double> & posterior)
{
    std::size_t const G = v.value.size(), S = s.states;
    int const max_cn = *std::max_element(s.cn.begin(), s.cn.end());
    std::vector<int> best_cn(G);
    std::vector<double> best_p(G);
    std::vector<double> lp(S), by_cn(static_cast<std::size_t>(max_cn + 1));
    for (std::size_t g = 0; g < G; ++g)
    {
        for (std::size_t k = 0; k < S; ++k)
            lp[k] = s.log_weight[k] + s.log_density[g * S + k];
        em::log_normalize(lp); // lp now holds the posterior probabilities
        std::fill(by_cn.begin(), by_cn.end(), 0.0);
        for (std::size_t k = 0; k < S; ++k)
            by_cn[static_cast<std::size_t>(s.cn[k])] += lp[k];
        auto it = std::max_element(by_cn.begin(), by_cn.end());
        best_cn[g] = static_cast<int>(it - by_cn.begin());
        best_p[g] = *it;
    }
    cn.resize(v.windows());
    posterior.resize(v.windows());
    for (std::size_t i = 0; i < v.windows(); ++i)
    {
        cn[i] = best_cn[v.group[i]];
        posterior[i] = best_p[v.group[i]];
    }
}

} // namespace emtk::cov
