#pragma once
/// \file
/// \brief The assignments table PREFIX.tsv of `emtk mix` (a fit or `--model`): a header line
/// "row component posterior p1 … pK", then per row its 1-based number, its most probable component
/// (the first on ties), that component's posterior and all K posteriors, rounded to 6 decimals
/// (util/format.hpp, write_probability).

#include <emtk/mix/mixture.hpp>

#include <cstddef>
#include <iosfwd>
#include <vector>

namespace emtk::mix {

/// \brief Writes the table for posteriors `post` (n×k, row-major).
void write_assignments(std::ostream & out, std::vector<double> const & post, std::size_t n, std::size_t k);

/// \brief Writes the table for the n rows of `post` without holding n×K posteriors or the whole
/// text: rows are computed and formatted in waves of blocks, the blocks of a wave in parallel on
/// `threads` threads, and written in row order (the bytes do not depend on `threads`).
void write_assignments(std::ostream & out, posterior_blocks const & post, std::size_t n, std::size_t k, int threads);

} // namespace emtk::mix
