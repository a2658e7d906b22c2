#pragma once
// Shared helpers of the em::fit tests (fit_test.cpp, fit_failures_test.cpp, fit_determinism_test.cpp,
// squarem_test.cpp).

#include <emtk/em/fit.hpp>
#include <emtk/util/log.hpp>

#include "em/toy_models.hpp"
#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace em = emtk::em;
using em::stop_reason;
using em::stop_rule;
using emtk::test::gauss_mix;
using emtk::test::geometric_model;
using emtk::test::geometric_vector_model;
using emtk::test::mix_params;


namespace emtk::test {


/// Restores the log level at scope exit (some tests provoke warnings on purpose).
struct quiet_log
{
    emtk::log::level saved = emtk::log::get_level();
    quiet_log() { emtk::log::set_level(emtk::log::level::error); }
    ~quiet_log() { emtk::log::set_level(saved); }
};

inline em::options rule_options(stop_rule rule, double tol)
{
    em::options o;
    o.rule = rule;
    o.tol = tol;
    o.max_iter = 1000;
    return o;
}

/// The closed-form trace of geometric_model: L_t = -start * rate^(t-1) + prior.
inline std::vector<double> geometric_trace(geometric_model const & m, int n)
{
    std::vector<double> v;
    double x = m.start;
    for (int t = 0; t < n; ++t)
    {
        v.push_back(-x + m.prior);
        x *= m.rate;
    }
    return v;
}

inline void check_non_decreasing(std::vector<double> const & trace)
{
    for (std::size_t t = 1; t < trace.size(); ++t)
    {
        CAPTURE(t, trace[t - 1], trace[t]);
        REQUIRE(trace[t] - trace[t - 1] >= -1e-12 * std::max(1.0, std::fabs(trace[t])));
    }
}

inline bool rel_close(double a, double b, double rel)
{
    return std::fabs(a - b) <= rel * std::max({1.0, std::fabs(a), std::fabs(b)});
}

inline bool params_close(mix_params const & a, mix_params const & b, double rel)
{
    return rel_close(a.w, b.w, rel) && rel_close(a.mu1, b.mu1, rel) && rel_close(a.mu2, b.mu2, rel);
}

/// Two well separated components: 0.3 N(-2, 1) + 0.7 N(1.5, 1).
inline std::vector<double> const & separated_data()
{
    static std::vector<double> const d = emtk::test::simulate_mixture(2000, 0.3, -2.0, 1.5, 2024);
    return d;
}


} // namespace emtk::test
