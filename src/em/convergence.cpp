#include <emtk/em/convergence.hpp>

#include <algorithm>
#include <cmath>

namespace emtk::em {

bool has_converged(std::span<double const> trace, stop_rule rule, double tol) noexcept
{
    std::size_t const n = trace.size();
    if (n < 2)
        return false;
    double const l2 = trace[n - 1], l1 = trace[n - 2];
    double const step = l2 - l1;
    switch (rule)
    {
    case stop_rule::absolute: return std::fabs(step) < tol;
    case stop_rule::relative: return std::fabs(step) < tol * std::max(1.0, std::fabs(l2));
    case stop_rule::aitken:
    {
        if (n < 3)
            return false;
        double const prev = l1 - trace[n - 3];
        if (step == 0.0)
            return true; // no change at all: already at the limit
        if (prev == 0.0)
            return false;
        double const a = step / prev;
        if (!(a >= 0.0 && a < 1.0))
            return false; // not (yet) in the linear-convergence regime the extrapolation assumes
        double const l_inf = l1 + step / (1.0 - a);
        return std::fabs(l_inf - l2) < tol;
    }
    }
    return false;
}

} // namespace emtk::em
