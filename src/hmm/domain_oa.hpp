#pragma once
// The optimal-accuracy alignment of a search envelope in single precision (default mode; --max
// keeps align.hpp's double fill). Same recurrences, predecessors, gates and tie order as
// optimal_accuracy_fill/optimal_accuracy_trace (align.cpp): each cell holds the best sum of
// posteriors of a path prefix ending there, in float, rows stored as contiguous M, I, D arrays
// (12 bytes per cell instead of 24, and no copy of the row into an interleaved matrix).
//
// *Approximation*: every cell is a sum of at most L posteriors, each rounded to float, with float
// additions: its relative error is below (L + 1)·2^−24 (about 6e-6 for L = 100). The path found
// is optimal for these float sums; its accuracy (recomputed in double by path_accuracy) is within
// 2·(L + 1)·L·2^−24 of the double optimum, and the two paths differ only where two alignments'
// expected accuracies are that close: on 180 random cases (test/unit/hmm/domain_float_test.cpp,
// local multihit/unihit and glocal, M 1–260) all paths were identical to the double ones, and so
// were all alignments of the issue-15 protein benchmark (bench/README.md, 2026-12-06 22:00).
#include <emtk/hmm/align.hpp>

#include <cstddef>
#include <vector>

namespace emtk::hmm::detail {

/// Float OA matrix of L residues and M nodes: row i holds M_0…M_M, I_0…I_M, D_0…D_M; specials
/// N, B, E, J, C per row. Storage grows only (reused between envelopes without a fill).
struct oa_float_matrix
{
    std::size_t L = 0, n = 0; // n = M + 1
    std::vector<float> core;  // (L + 1)·3n
    std::vector<float> sx;    // (L + 1)·n_special_states

    void reshape(std::size_t L_, int M);
    [[nodiscard]] float const * row(std::size_t i) const noexcept { return core.data() + 3 * n * i; }
    [[nodiscard]] float * row(std::size_t i) noexcept { return core.data() + 3 * n * i; }
    [[nodiscard]] float mat(std::size_t i, int k) const noexcept { return row(i)[static_cast<std::size_t>(k)]; }
    [[nodiscard]] float ins(std::size_t i, int k) const noexcept { return row(i)[n + static_cast<std::size_t>(k)]; }
    [[nodiscard]] float del(std::size_t i, int k) const noexcept { return row(i)[2 * n + static_cast<std::size_t>(k)]; }
    [[nodiscard]] std::size_t length() const noexcept { return L; }
    [[nodiscard]] float xs(std::size_t i, special_state s) const noexcept
    {
        return sx[i * n_special_states + static_cast<std::size_t>(s)];
    }
    [[nodiscard]] float & xs(std::size_t i, special_state s) noexcept { return sx[i * n_special_states + static_cast<std::size_t>(s)]; }
};

/// The OA fill of optimal_accuracy_fill() in float into `oa`; returns the best complete path's
/// value (−∞ if none).
double optimal_accuracy_fill_float(profile const & p, posterior const & pp, oa_float_matrix & oa);

/// The OA traceback of optimal_accuracy_trace() from a float matrix (posteriors on the path's
/// steps and the accuracy in double). \pre the fill's value is finite.
[[nodiscard]] alignment_trace optimal_accuracy_trace_float(profile const & p, digital_sequence x,
                                                           posterior const & pp, oa_float_matrix const & oa);

} // namespace emtk::hmm::detail
