#pragma once
/// \file
/// \brief Small models for testing em::fit, written against the em::model concept (model.hpp).

#include <emtk/em/logspace.hpp>
#include <emtk/em/model.hpp>
#include <emtk/em/options.hpp>
#include <emtk/util/rng.hpp>

#include <atomic>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace emtk::test {

/// Counts the items whose expectations were merged, so that an M-step can check it saw all of them.
struct item_count_stats
{
    std::size_t items = 0;
    item_count_stats & operator+=(item_count_stats const & o)
    {
        items += o.items;
        return *this;
    }
};

/// A "geometric" toy: θ = x, each of the n items contributes -x/n (so the log-likelihood is -x),
/// and the M-step is x ← rate·x. From x_1 = start, the trace is known in closed form:
///     L_t = -start · rate^(t-1) + prior.
struct geometric_model
{
    using params_type = double;
    using stats_type = item_count_stats;

    std::size_t n = 4;
    double start = 1000.0;
    double rate = 0.8;
    double prior = 0.0;

    [[nodiscard]] std::size_t item_count() const { return n; }
    [[nodiscard]] stats_type make_stats(double const &) const { return {}; }
    double expect(std::size_t, double const & x, stats_type & s) const
    {
        ++s.items;
        return -x / static_cast<double>(n);
    }
    void maximize(stats_type const & s, double & x) const
    {
        if (s.items != n)
            throw std::logic_error("M-step saw " + std::to_string(s.items) + " of " + std::to_string(n) + " items");
        x *= rate;
    }
    [[nodiscard]] double log_prior(double const &) const { return prior; }
    void initialize(rng &, double & x) const { x = start; }
};

/// The same toy with a vector form (x itself), so that SQUAREM applies.
struct geometric_vector_model : geometric_model
{
    [[nodiscard]] std::vector<double> to_vector(double const & x) const { return {x}; }
    void from_vector(std::vector<double> const & v, double & x) const { x = v.at(0); }
};

/// Parameters of a two-component 1-D Gaussian mixture with unit variances.
struct mix_params
{
    double w = 0.5; ///< weight of component 1
    double mu1 = 0.0, mu2 = 0.0;
    bool operator==(mix_params const &) const = default;
};

struct mix_stats
{
    double n1 = 0, s1 = 0, n2 = 0, s2 = 0;
    mix_stats & operator+=(mix_stats const & o)
    {
        n1 += o.n1;
        s1 += o.s1;
        n2 += o.n2;
        s2 += o.s2;
        return *this;
    }
    /// Scaling, for stepwise EM (em::stepwise_model).
    mix_stats & operator*=(double a)
    {
        n1 *= a;
        s1 *= a;
        n2 *= a;
        s2 *= a;
        return *this;
    }
};

/// Two-component Gaussian mixture, unit variances: a real EM (responsibilities, weighted means).
/// Vector form: (logit w, mu1, mu2), unconstrained.
struct gauss_mix
{
    using params_type = mix_params;
    using stats_type = mix_stats;

    std::vector<double> x;
    /// Largest OpenMP team that ran E-step items, minus one (test instrumentation only). The team
    /// size, unlike which thread happened to take a chunk, does not depend on the machine's load.
    mutable std::atomic<int> max_thread{0};

    explicit gauss_mix(std::vector<double> data) : x{std::move(data)} {}

    [[nodiscard]] std::size_t item_count() const { return x.size(); }
    [[nodiscard]] stats_type make_stats(params_type const &) const { return {}; }
    double expect(std::size_t i, params_type const & p, stats_type & s) const
    {
#if defined(_OPENMP)
        int const t = omp_get_num_threads() - 1;
        int seen = max_thread.load(std::memory_order_relaxed);
        while (t > seen && !max_thread.compare_exchange_weak(seen, t, std::memory_order_relaxed))
        {
        }
#endif
        double const c = -0.5 * std::log(2 * std::numbers::pi);
        double const d1 = x[i] - p.mu1, d2 = x[i] - p.mu2;
        double const l1 = std::log(p.w) + c - 0.5 * d1 * d1;
        double const l2 = std::log1p(-p.w) + c - 0.5 * d2 * d2;
        double const l = em::log_add(l1, l2);
        double const r1 = std::exp(l1 - l), r2 = std::exp(l2 - l);
        s.n1 += r1;
        s.s1 += r1 * x[i];
        s.n2 += r2;
        s.s2 += r2 * x[i];
        return l;
    }
    void maximize(stats_type const & s, params_type & p) const
    {
        if (!(s.n1 > 1e-9) || !(s.n2 > 1e-9))
            throw em::degenerate_error("a mixture component lost all its points");
        p.w = s.n1 / (s.n1 + s.n2);
        p.mu1 = s.s1 / s.n1;
        p.mu2 = s.s2 / s.n2;
    }
    [[nodiscard]] double log_prior(params_type const &) const { return 0.0; }
    void initialize(rng & r, params_type & p) const
    {
        std::size_t const i = r.below(x.size());
        std::size_t j = r.below(x.size() - 1);
        if (j >= i)
            ++j;
        p = {0.5, x[i], x[j]};
    }
    [[nodiscard]] std::vector<double> to_vector(params_type const & p) const
    {
        return {std::log(p.w) - std::log1p(-p.w), p.mu1, p.mu2};
    }
    void from_vector(std::vector<double> const & v, params_type & p) const
    {
        p.w = 1.0 / (1.0 + std::exp(-v.at(0)));
        p.mu1 = v.at(1);
        p.mu2 = v.at(2);
    }
};

/// n draws from w·N(mu1, 1) + (1-w)·N(mu2, 1) with the stream rng{seed}.
inline std::vector<double> simulate_mixture(std::size_t n, double w, double mu1, double mu2, std::uint64_t seed)
{
    rng g{seed};
    std::vector<double> xs(n);
    for (auto & v : xs)
        v = g.uniform() < w ? g.normal(mu1, 1.0) : g.normal(mu2, 1.0);
    return xs;
}

} // namespace emtk::test
