#pragma once
/// \file
/// \brief Fast text formatting of the numbers that fill large output tables (millions of rows).

#include <cstdint>
#include <string>

namespace emtk {

/// \brief Appends the decimal digits of v.
void append_uint(std::string & out, std::uint64_t v);

/// \brief Appends a probability p in [0, 1] rounded to `decimals` (1..9) decimal places, without
/// trailing zeros: 1 → "1", 0.25 → "0.25", 0.9999996 → "1", 3e-7 → "0" (for decimals = 6).
/// Values outside [0, 1] (round-off) are clamped; NaN is written as "nan".
void append_probability(std::string & out, double p, int decimals = 6);

} // namespace emtk
