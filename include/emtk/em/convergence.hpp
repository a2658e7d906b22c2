#pragma once
/// \file
/// \brief The stop rules of the EM driver, as a function of the objective trace.

#include <emtk/em/options.hpp>

#include <span>

namespace emtk::em {

/// \brief True when `trace` (objective after each iteration, oldest first) satisfies `rule` with
/// tolerance `tol`. Needs 2 values (3 for Aitken); min_iter is the caller's business.
[[nodiscard]] bool has_converged(std::span<double const> trace, stop_rule rule, double tol) noexcept;

} // namespace emtk::em
