#pragma once
/// \file
/// \brief Fast text formatting of the numbers that fill large output tables (millions of rows).
/// The `write_*` functions write into a caller's buffer and return the end of what they wrote
/// (at most 20 characters for write_uint, 12 for write_probability); `append_*` append to a string.

#include <cstdint>
#include <string>

namespace emtk {

/// \brief Writes the decimal digits of v at out; returns the end.
char * write_uint(char * out, std::uint64_t v) noexcept;

/// \brief Writes a probability p in [0, 1] rounded to `decimals` (1..9) decimal places, without
/// trailing zeros: 1 → "1", 0.25 → "0.25", 0.9999996 → "1", 3e-7 → "0" (for decimals = 6).
/// Values outside [0, 1] (round-off) are clamped; NaN is written as "nan". Returns the end.
char * write_probability(char * out, double p, int decimals = 6) noexcept;

/// \brief v in fixed notation with `decimals` decimals, correctly rounded (std::to_chars):
/// format_fixed(2.5, 2) = "2.50". The one formatter of numbers in messages, summaries and tables.
[[nodiscard]] std::string format_fixed(double v, int decimals);
/// \brief v with at most `digits` significant digits, as printf's "%.*g" (std::to_chars general):
/// format_general(1234.5678, 6) = "1234.57".
[[nodiscard]] std::string format_general(double v, int digits);
/// \brief append versions of the above.
void append_uint(std::string & out, std::uint64_t v);
void append_probability(std::string & out, double p, int decimals = 6);

} // namespace emtk
