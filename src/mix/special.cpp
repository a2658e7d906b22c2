#include "special.hpp"

#include <cmath>

namespace emtk::mix::detail {

double digamma(double x) noexcept
{
    double result = 0;
    while (x < 10.0)
    {
        result -= 1.0 / x;
        x += 1.0;
    }
    double const f = 1.0 / (x * x);
    // psi(x) ~ ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8) - 1/(132x^10)
    double const series = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132)))));
    return result + std::log(x) - 0.5 / x + series;
}

double trigamma(double x) noexcept
{
    double result = 0;
    while (x < 10.0)
    {
        result += 1.0 / (x * x);
        x += 1.0;
    }
    double const f = 1.0 / (x * x);
    // psi1(x) ~ 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7) - 1/(30x^9)
    double const series = (1.0 / 6 + f * (-1.0 / 30 + f * (1.0 / 42 + f * (-1.0 / 30)))) / (x * x * x);
    return result + 1.0 / x + 0.5 * f + series;
}

} // namespace emtk::mix::detail
