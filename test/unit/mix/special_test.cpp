#include <catch2/catch.hpp>

#include "mix/special.hpp"

#include <cmath>
#include <numbers>

using emtk::mix::detail::digamma;
using emtk::mix::detail::trigamma;

TEST_CASE("digamma matches closed forms to 1e-12", "[mix][special]")
{
    double const euler = 0.57721566490153286061;
    CHECK(std::fabs(digamma(1.0) + euler) < 1e-12);
    CHECK(std::fabs(digamma(0.5) - (-euler - 2 * std::log(2.0))) < 1e-12);
    CHECK(std::fabs(digamma(10.0) - (-euler + 7129.0 / 2520.0)) < 1e-12); // H_9 - gamma
    for (double x : {0.01, 0.3, 1.7, 5.9, 6.1, 42.0, 1e4})
        CHECK(std::fabs(digamma(x + 1) - digamma(x) - 1 / x) < 1e-11 * std::max(1.0, 1 / x));
}

TEST_CASE("trigamma matches closed forms to 1e-12", "[mix][special]")
{
    double const pi2 = std::numbers::pi * std::numbers::pi;
    CHECK(std::fabs(trigamma(1.0) - pi2 / 6) < 1e-12);
    CHECK(std::fabs(trigamma(0.5) - pi2 / 2) < 1e-12);
    for (double x : {0.05, 0.9, 3.3, 6.0, 77.0, 1e5})
        CHECK(std::fabs(trigamma(x) - trigamma(x + 1) - 1 / (x * x)) < 1e-11 * std::max(1.0, 1 / (x * x)));
    // Derivative of digamma, by central differences.
    for (double x : {0.7, 2.5, 13.0})
    {
        double h = 1e-5;
        CHECK(std::fabs((digamma(x + h) - digamma(x - h)) / (2 * h) - trigamma(x)) < 1e-6);
    }
}
