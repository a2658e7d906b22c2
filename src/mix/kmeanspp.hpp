#pragma once
/// \file
/// \brief k-means++ seeding (Arthur & Vassilvitskii 2007), private to src/mix.

#include <emtk/util/rng.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace emtk::mix::detail {

/// \brief Picks k distinct rows of `points` (n×d row-major) as centres: the first uniformly (by
/// weight), each next one the best of 2 + ⌊ln k⌋ candidates drawn with probability proportional to
/// weight × squared distance to the nearest centre chosen so far (greedy k-means++). `scale` (d values) divides each coordinate before distances.
/// `weights` may be empty (all 1). Requires at least k distinct points.
/// \returns the indices of the chosen rows.
[[nodiscard]] std::vector<std::size_t> kmeanspp(std::span<double const> points, std::size_t d,
                                                std::span<double const> weights, std::span<double const> scale,
                                                std::size_t k, rng & gen);

/// \brief Index of the nearest centre (scaled squared Euclidean distance) for each point.
[[nodiscard]] std::vector<std::uint32_t> nearest_centres(std::span<double const> points, std::size_t d,
                                                         std::span<double const> centres,
                                                         std::span<double const> scale);

} // namespace emtk::mix::detail
