#pragma once
// Invariants every mixture fit must satisfy, shared by the mixture tests.

#include <emtk/mix/mixture.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace emtk::mix::test {

/// The fit succeeded and its EM objective never decreased (to 1e-9 relative).
inline void check_monotone(mixture_fit const & f)
{
    REQUIRE(f.ok);
    CHECK(f.decreases == 0);
    for (std::size_t t = 1; t < f.trace.size(); ++t)
        CHECK(f.trace[t] >= f.trace[t - 1] - 1e-9 * std::fabs(f.trace[t]));
}

} // namespace emtk::mix::test
