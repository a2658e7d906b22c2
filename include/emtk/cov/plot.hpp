#pragma once
/// \file
/// \brief The coverage plot: window depth along the genome, each window coloured by its copy number.
///
/// 1200 × 420 SVG (plot area 1090 px wide). Chromosomes side by side in header order (width proportional to the span of
/// their windows); one 1.5 px square per distinct (pixel column, pixel row, copy number), so the
/// file stays small (at most ~1100 columns × the rows a band covers) however many windows there
/// are; dashed lines at c × haploid depth; depths above (max_cn + 0.5) × haploid drawn at the top.

#include <emtk/cov/depth.hpp>

#include <string>
#include <vector>

namespace emtk::cov {

/// \brief Fill colour of a copy number ("#RRGGBB").
[[nodiscard]] char const * cn_colour(int cn) noexcept;

/// \brief The SVG document.
[[nodiscard]] std::string coverage_svg(window_table const & t, std::vector<double> const & depth,
                                       std::vector<int> const & cn, double haploid_depth, int max_cn,
                                       std::string const & title);

} // namespace emtk::cov
