#include "count_models.hpp"
#include "gaussian_model.hpp"

#include <emtk/em/fit.hpp>
#include <emtk/mix/mixture.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <memory>
#include <cmath>
#include <numeric>
#include <optional>

namespace emtk::mix {

char const * to_string(family f) noexcept
{
    switch (f)
    {
    case family::gaussian: return "gaussian";
    case family::poisson: return "poisson";
    case family::negbin: return "negbin";
    }
    return "?";
}

int screen_iterations(mixture_options const & opt, bool has_missing) noexcept
{
    if (opt.screen >= 0)
        return opt.screen;
    return has_missing ? missing_screen_iterations : 0;
}

int e_step_threads(std::size_t n, std::size_t d, int k, int threads) noexcept
{
    double const work = static_cast<double>(n) * k * static_cast<double>((d + 1) * (d + 1));
    double const most = std::max(1.0, std::floor(work / e_step_work_per_thread));
    return threads <= 1 ? threads : static_cast<int>(std::min<double>(threads, most));
}

em::em_mode resolve_em_mode(std::size_t n, mixture_options const & opt)
{
    using em::em_mode;
    bool const gaussian = opt.fam == family::gaussian;
    switch (opt.mode)
    {
    case em_mode::batch: return em_mode::batch;
    case em_mode::stepwise:
        if (!gaussian)
            throw usage_error("stepwise EM applies to the gaussian family (the count families fit distinct values)");
        return em_mode::stepwise;
    case em_mode::automatic: break;
    }
    return gaussian && n >= opt.stepwise_min_rows ? em_mode::stepwise : em_mode::batch;
}

char const * to_string(covariance_type c) noexcept { return c == covariance_type::full ? "full" : "diagonal"; }

bool parse_family(std::string const & s, family & out) noexcept
{
    if (s == "gaussian" || s == "normal")
        out = family::gaussian;
    else if (s == "poisson")
        out = family::poisson;
    else if (s == "negbin" || s == "negative-binomial" || s == "nb")
        out = family::negbin;
    else
        return false;
    return true;
}

bool parse_covariance(std::string const & s, covariance_type & out) noexcept
{
    if (s == "full")
        out = covariance_type::full;
    else if (s == "diag" || s == "diagonal")
        out = covariance_type::diagonal;
    else
        return false;
    return true;
}

int free_parameters(mixture const & m) noexcept
{
    int const k = static_cast<int>(m.components.size());
    int const d = static_cast<int>(m.d);
    int p = k - 1;
    switch (m.fam)
    {
    case family::poisson: return p + k;
    case family::negbin: return p + 2 * k;
    case family::gaussian:
    {
        int const cov = (m.cov == covariance_type::full && d > 1) ? d * (d + 1) / 2 : d;
        return p + k * d + (m.shared_variance ? cov : k * cov);
    }
    }
    return p;
}

namespace {

/// Sorts components by the mean of the first column (then weight): labels are then stable across
/// runs, thread counts and restarts.
std::vector<std::size_t> sort_order(mixture const & m)
{
    std::vector<std::size_t> order(m.components.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        auto const & ca = m.components[a];
        auto const & cb = m.components[b];
        if (ca.mean != cb.mean)
            return ca.mean < cb.mean;
        return ca.weight > cb.weight;
    });
    return order;
}

void validate(dataset const & data, mixture_options const & opt)
{
    if (opt.k < 1 || opt.k > max_components)
        throw usage_error("the number of components must be between 1 and " + std::to_string(max_components) +
                          ", got " + std::to_string(opt.k));
    if (data.d < 1 || data.d > 64)
        throw usage_error("a mixture is fitted to 1 to 64 columns, got " + std::to_string(data.d));
    if (!(opt.ridge >= 0))
        throw option_error(field_name("ridge") + " must be >= 0");
    std::size_t distinct = count_distinct_rows(data, static_cast<std::size_t>(opt.k));
    if (static_cast<std::size_t>(opt.k) > distinct)
    {
        std::string cols;
        for (std::size_t j = 0; j < data.d; ++j)
            cols += (j == 0 ? "" : ", ") + data.column_label(j);
        std::string const what = data.d > 1 ? "distinct row" : "distinct value";
        throw user_error(located_message(data.source, 0,
                                         "K = " + std::to_string(opt.k) + " components but " + cols +
                                             (data.d > 1 ? " have only " : " has only ") + std::to_string(distinct) +
                                             " " + what + (distinct == 1 ? "" : "s") + "; use at most " +
                                             std::to_string(distinct)));
    }
}

std::size_t row_count(dataset const & data) { return data.n; }
std::size_t row_count(row_source const & rows) { return rows.n(); }

template <typename Model, typename Data>
mixture_fit run(Model const & model, Data const & data, mixture_options const & opt)
{
    auto res = em::fit(model, opt.em);
    mixture_fit out;
    out.ok = res.ok();
    out.message = res.message;
    out.trace = res.trace;
    out.iterations = res.iterations;
    out.e_steps = res.e_steps;
    out.reason = res.reason;
    out.best_restart = res.best_restart;
    out.restarts = res.restarts;
    out.decreases = res.decreases;
    out.stepwise = res.stepwise;
    if (!res.ok())
        return out;
    mixture m = model.to_public(res.params);
    auto order = sort_order(m);
    mixture sorted = m;
    for (std::size_t k = 0; k < order.size(); ++k)
        sorted.components[k] = m.components[order[k]];
    out.model = std::move(sorted);
    out.objective = res.objective;
    // For soft EM the objective is the log-likelihood; for hard EM compute the mixture one.
    out.log_likelihood = opt.hard ? log_likelihood(data, out.model, opt.em.threads) : res.log_likelihood;
    out.n_params = free_parameters(out.model);
    out.bic = -2.0 * out.log_likelihood + out.n_params * std::log(static_cast<double>(row_count(data)));
    return out;
}

/// Posteriors of one row from its log joint densities: one-hot at the argmax (lowest k on ties)
/// with `hard`, else normalised.
void posterior_of_row(double const * lp, std::size_t k, bool hard, double * o)
{
    if (hard)
    {
        std::size_t best = 0;
        for (std::size_t c = 1; c < k; ++c)
            if (lp[c] > lp[best])
                best = c;
        std::fill(o, o + k, 0.0);
        o[best] = 1.0;
    }
    else
    {
        std::copy_n(lp, k, o);
        em::log_normalize(std::span<double>{o, k});
    }
}

/// Calls fn(row, lp) with lp[k] = log w_k + log f_k(row) for every row, in parallel.
template <typename Fn>
void for_each_row_logjoint(dataset const & data, mixture const & m, int threads, Fn && fn)
{
    mixture_options o = detail::options_for(m);
    if (m.fam == family::gaussian)
    {
        detail::gaussian_model model{data, o};
        auto p = model.from_public(m);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
        for (std::size_t i = 0; i < data.n; ++i)
        {
            double lp[max_components];
            model.log_joint(i, p, lp);
            fn(i, lp);
        }
    }
    else
    {
        detail::count_model model{data, o};
        auto p = model.from_public(m);
        auto const & vals = model.values();
        std::size_t const u = vals.value.size(), k = m.components.size();
        std::vector<double> table(u * k);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
        for (std::size_t j = 0; j < u; ++j)
            model.log_joint(j, p, table.data() + j * k);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
        for (std::size_t i = 0; i < data.n; ++i)
        {
            double lp[max_components];
            std::copy_n(table.data() + vals.index_of_row[i] * k, k, lp);
            fn(i, lp);
        }
    }
}

/// One column, Gaussian: posteriors (if resp) and log-likelihood by the vectorised kernel, in
/// fixed chunks whose log-likelihoods are summed in chunk order (same result for any threads).
double gauss1d_pass(dataset const & data, mixture const & m, int threads, double * resp)
{
    detail::gaussian_model model{data, detail::options_for(m)};
    auto p = model.from_public(m);
    constexpr std::size_t chunk = 4096;
    std::size_t const n_chunks = (data.n + chunk - 1) / chunk, k = m.components.size();
    std::vector<double> ll(n_chunks, 0.0);
    std::unique_ptr<double[]> scratch; // posteriors nobody asked for: not zero-filled
    if (resp == nullptr)
        scratch.reset(new double[n_chunks * chunk * k]);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (std::size_t c = 0; c < n_chunks; ++c)
    {
        std::size_t const b = c * chunk, e = std::min(data.n, b + chunk);
        double * out = resp != nullptr ? resp + b * k : scratch.get() + b * k;
        ll[c] = model.posteriors_range(b, e, p, out);
    }
    double s = 0;
    for (double v : ll)
        s += v;
    return s;
}

} // namespace

mixture_fit fit_mixture(dataset const & data, mixture_options const & opt)
{
    // Rows with no observed value have marginal density 1 under any parameters: they are left out
    // of the fit (and of BIC's n), which is exact for the observed-data likelihood.
    std::optional<dataset> const part = detail::observed_rows(data);
    dataset const & obs = part ? *part : data;
    validate(obs, opt);
    mixture_options o = opt;
    bool const gaps = data.any_missing();
    o.em.screen_iterations = screen_iterations(opt, gaps);
    if (gaps)
        o.em.threads = e_step_threads(obs.n, obs.d, opt.k, opt.em.threads);
    if (opt.fam == family::gaussian)
    {
        o.em.stepwise.enabled = resolve_em_mode(obs.n, opt) == em::em_mode::stepwise;
        return run(detail::gaussian_model{obs, o}, obs, o);
    }
    (void)resolve_em_mode(obs.n, opt); // rejects a stepwise request
    o.em.stepwise.enabled = false;
    return run(detail::count_model{obs, o}, obs, o);
}

/// Log-likelihood of a Gaussian mixture over a row source, in blocks (hard EM's final value).
double log_likelihood(row_source const & rows, mixture const & m, int threads)
{
    detail::gaussian_model model{rows, detail::options_for(m)};
    auto p = model.from_public(m);
    constexpr std::size_t chunk = 4096;
    std::size_t const n_chunks = (rows.n() + chunk - 1) / chunk, k = m.components.size();
    std::vector<double> ll(n_chunks, 0.0);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (std::size_t c = 0; c < n_chunks; ++c)
    {
        std::size_t const b = c * chunk, e = std::min(rows.n(), b + chunk);
        thread_local std::vector<double> buf;
        double const * x = model.centred(b, e, buf);
        double lp[max_components];
        double s = 0;
        for (std::size_t i = 0; i < e - b; ++i)
        {
            model.log_joint_x(x + i * m.d, p, lp);
            s += em::log_sum_exp(std::span<double const>{lp, k});
        }
        ll[c] = s;
    }
    double s = 0;
    for (double v : ll)
        s += v;
    return s;
}

mixture_fit fit_mixture(row_source const & rows, mixture_options const & opt)
{
    if (opt.fam != family::gaussian)
        throw usage_error("a streamed fit is for the gaussian family (the count families fit in memory)");
    if (opt.k < 1 || opt.k > max_components)
        throw usage_error("the number of components must be between 1 and " + std::to_string(max_components) +
                          ", got " + std::to_string(opt.k));
    if (rows.d() < 1 || rows.d() > 64)
        throw usage_error("a mixture is fitted to 1 to 64 columns, got " + std::to_string(rows.d()));
    std::size_t const distinct = first_distinct_rows(rows, static_cast<std::size_t>(opt.k)).size();
    if (static_cast<std::size_t>(opt.k) > distinct)
        throw user_error(located_message(rows.source(), 0,
                                         "K = " + std::to_string(opt.k) + " components but the data have only " +
                                             std::to_string(distinct) + (rows.d() > 1 ? " distinct row" : " distinct value") +
                                             (distinct == 1 ? "" : "s") + "; use at most " + std::to_string(distinct)));
    mixture_options o = opt;
    o.em.stepwise.enabled = resolve_em_mode(rows.n(), opt) == em::em_mode::stepwise;
    o.em.screen_iterations = screen_iterations(opt, false);
    detail::gaussian_model model{rows, o};
    mixture_fit f = run(model, rows, o);
    return f;
}

double log_likelihood(dataset const & data, mixture const & m, int threads)
{
    if (std::optional<dataset> const part = detail::observed_rows(data))
        return log_likelihood(*part, m, threads); // rows with nothing observed contribute log 1
    if (m.fam == family::gaussian && m.d == 1)
        return gauss1d_pass(data, m, threads, nullptr);
    std::size_t const k = m.components.size();
    std::vector<double> per_row(data.n);
    for_each_row_logjoint(data, m, threads, [&](std::size_t i, double * lp) {
        per_row[i] = em::log_sum_exp(std::span<double const>{lp, k});
    });
    // Summed sequentially: the same value for any thread count.
    double s = 0;
    for (double v : per_row)
        s += v;
    return s;
}

std::vector<double> posteriors(dataset const & data, mixture const & m, bool hard, int threads)
{
    std::size_t const k = m.components.size();
    if (std::optional<dataset> const part = detail::observed_rows(data))
    {
        // Rows with no observed value: the posterior is the prior, i.e. the mixing weights.
        std::vector<double> sub = posteriors(*part, m, hard, threads);
        std::vector<double> prior(k);
        for (std::size_t c = 0; c < k; ++c)
            prior[c] = m.components[c].weight;
        if (hard)
        {
            std::size_t best = static_cast<std::size_t>(std::max_element(prior.begin(), prior.end()) - prior.begin());
            std::fill(prior.begin(), prior.end(), 0.0);
            prior[best] = 1.0;
        }
        std::vector<double> out(data.n * k);
        std::size_t r = 0;
        for (std::size_t i = 0; i < data.n; ++i)
        {
            bool const none = detail::nothing_observed(data, i);
            double const * src = none ? prior.data() : sub.data() + (r++) * k;
            std::copy_n(src, k, out.data() + i * k);
        }
        return out;
    }
    std::vector<double> out(data.n * k);
    if (m.fam == family::gaussian && m.d == 1 && !hard)
    {
        gauss1d_pass(data, m, threads, out.data());
        return out;
    }
    for_each_row_logjoint(data, m, threads, [&](std::size_t i, double * lp) {
        posterior_of_row(lp, k, hard, out.data() + i * k);
    });
    return out;
}

} // namespace emtk::mix

namespace emtk::mix {

struct posterior_blocks::impl
{
    std::optional<dataset_rows> view;            // a complete dataset seen as rows
    std::optional<detail::gaussian_model> model; // Gaussian, complete rows: computed per block
    detail::gauss_params params;
    std::vector<double> all;                     // other cases: every posterior, computed once
    std::size_t k = 0, d = 0;
    bool hard = false;
    int threads = 1;
};

posterior_blocks::posterior_blocks(row_source const & rows, mixture const & m, bool hard, int threads) :
    impl_{std::make_unique<impl>()}
{
    impl_->model.emplace(rows, detail::options_for(m));
    impl_->params = impl_->model->from_public(m);
    impl_->k = m.components.size();
    impl_->d = m.d;
    impl_->hard = hard;
    impl_->threads = threads;
}

posterior_blocks::posterior_blocks(dataset const & data, mixture const & m, bool hard, int threads) :
    impl_{std::make_unique<impl>()}
{
    impl_->k = m.components.size();
    if (m.fam == family::gaussian && !data.has_missing())
    {
        impl_->view.emplace(data);
        impl_->model.emplace(*impl_->view, detail::options_for(m));
        impl_->params = impl_->model->from_public(m);
        impl_->d = m.d;
        impl_->hard = hard;
        impl_->threads = threads;
        return;
    }
    impl_->all = posteriors(data, m, hard, threads);
}

posterior_blocks::~posterior_blocks() = default;

void posterior_blocks::operator()(std::size_t begin, std::size_t end, double * out) const
{
    impl const & s = *impl_;
    std::size_t const k = s.k;
    if (!s.model)
    {
        std::copy(s.all.begin() + static_cast<std::ptrdiff_t>(begin * k),
                  s.all.begin() + static_cast<std::ptrdiff_t>(end * k), out);
        return;
    }
    // The per-row arithmetic of posteriors(): rows are independent, so blocks give the same bits.
    constexpr std::size_t chunk = 4096;
    std::size_t const n_chunks = (end - begin + chunk - 1) / chunk;
#pragma omp parallel for schedule(static) num_threads(std::max(1, s.threads))
    for (std::size_t c = 0; c < n_chunks; ++c)
    {
        std::size_t const b = begin + c * chunk, e = std::min(end, b + chunk);
        double * o = out + (b - begin) * k;
        if (s.d == 1 && !s.hard)
        {
            (void)s.model->posteriors_range(b, e, s.params, o);
            continue;
        }
        thread_local std::vector<double> buf;
        double const * x = s.model->centred(b, e, buf);
        double lp[max_components];
        for (std::size_t i = 0; i < e - b; ++i, o += k)
        {
            s.model->log_joint_x(x + i * s.d, s.params, lp);
            posterior_of_row(lp, k, s.hard, o);
        }
    }
}

} // namespace emtk::mix
