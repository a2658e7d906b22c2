#pragma once
/// \file
/// \brief What the mixture families share (private to src/mix): flat statistics and the E-step of
/// a mixture, soft or hard, written once on top of each family's log_joint().

#include <emtk/em/logspace.hpp>
#include <emtk/mix/mixture.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace emtk::mix::detail {

/// Sufficient statistics as one flat vector; merging is element-wise addition, scaling
/// (stepwise EM, em::stepwise_model) element-wise multiplication.
struct flat_stats
{
    std::vector<double> v;
    flat_stats & operator+=(flat_stats const & o)
    {
        for (std::size_t i = 0; i < v.size(); ++i)
            v[i] += o.v[i];
        return *this;
    }
    flat_stats & operator*=(double a)
    {
        for (double & x : v)
            x *= a;
        return *this;
    }
};

/// MPI E-step (em::packable_model): a flat_stats as its values (size fixed by make_stats).
inline void pack_flat(flat_stats const & s, std::vector<double> & out) { out.insert(out.end(), s.v.begin(), s.v.end()); }
inline std::size_t unpack_flat(std::span<double const> in, flat_stats & s)
{
    if (in.size() < s.v.size())
        throw std::runtime_error("unpack_flat: too few values");
    std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(s.v.size()), s.v.begin());
    return s.v.size();
}

/// The E-step of a mixture for one item, given the family's
///   void log_joint(i, params, double* lp)   — lp[k] = log w_k + log f_k(x_i)
///   double item_weight(i)                   — multiplicity of item i (1 for rows)
///   void accumulate(i, params, resp, stats) — add resp[k] × item_weight × (stats of x_i)
/// Soft EM: resp = posterior; returns weight × log Σ_k e^{lp_k}.
/// Hard (classification) EM: resp = one-hot at argmax_k lp_k (lowest k on ties); returns
/// weight × max_k lp_k, the classification log-likelihood, which CEM never decreases.
template <typename Family, typename Params, typename Stats>
double mixture_expect(Family const & fam, std::size_t i, Params const & p, Stats & s, int k, bool hard)
{
    std::array<double, max_components> lp;
    fam.log_joint(i, p, lp.data());
    double ll;
    if (hard)
    {
        int best = 0;
        for (int c = 1; c < k; ++c)
            if (lp[static_cast<std::size_t>(c)] > lp[static_cast<std::size_t>(best)])
                best = c;
        ll = lp[static_cast<std::size_t>(best)];
        std::fill(lp.begin(), lp.begin() + k, 0.0);
        lp[static_cast<std::size_t>(best)] = 1.0;
    }
    else
        ll = em::log_normalize(std::span<double>{lp.data(), static_cast<std::size_t>(k)});
    fam.accumulate(i, p, lp.data(), s);
    return fam.item_weight(i) * ll;
}

/// Options that rebuild a model for a fitted mixture (posteriors, log-likelihood, imputation).
inline mixture_options options_for(mixture const & m)
{
    mixture_options o;
    o.fam = m.fam;
    o.k = static_cast<int>(m.components.size());
    o.cov = m.cov;
    o.shared_variance = m.shared_variance;
    o.ridge = 0; // the public covariances already include the floor
    return o;
}

/// True when row i of data has no observed value.
inline bool nothing_observed(dataset const & data, std::size_t i)
{
    if (!data.has_missing())
        return false;
    auto const * m = data.missing.data() + i * data.d;
    return std::all_of(m, m + data.d, [](std::uint8_t v) { return v != 0; });
}

/// The rows of data with at least one observed value (mask dropped when they are then complete),
/// or nothing when every row has one.
inline std::optional<dataset> observed_rows(dataset const & data)
{
    if (!data.has_missing())
        return std::nullopt;
    std::size_t none = 0;
    for (std::size_t i = 0; i < data.n; ++i)
        none += nothing_observed(data, i) ? 1 : 0;
    if (none == 0)
        return std::nullopt;
    dataset out;
    out.d = data.d;
    out.names = data.names;
    out.source = data.source;
    bool any = false;
    for (std::size_t i = 0; i < data.n; ++i)
    {
        if (nothing_observed(data, i))
            continue;
        out.values.insert(out.values.end(), data.row(i), data.row(i) + data.d);
        out.missing.insert(out.missing.end(), data.missing.begin() + static_cast<std::ptrdiff_t>(i * data.d),
                           data.missing.begin() + static_cast<std::ptrdiff_t>((i + 1) * data.d));
        out.line_of_row.push_back(data.line(i));
        ++out.n;
    }
    for (auto v : out.missing)
        any = any || v != 0;
    if (!any)
        out.missing.clear();
    return out;
}

/// A number with 3 significant digits, for messages.
inline std::string fmt(double v)
{
    std::ostringstream o;
    o.precision(3);
    o << v;
    return o.str();
}

/// log w_k for k < K from unnormalised log-weights (softmax), used by from_vector.
inline void softmax_log(std::vector<double> & logw)
{
    double lse = em::log_sum_exp(logw);
    for (double & x : logw)
        x -= lse;
}

} // namespace emtk::mix::detail
