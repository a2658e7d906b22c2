#pragma once
/// \file
/// \brief The dynamic-programming matrix of forward, backward and Viterbi.
///
/// Memory: full O(L·M) matrices. One dp_matrix holds 3 doubles per cell (M, I, D) for
/// (L+1)·(M+1) cells plus 5 doubles per row for the special states: about 24·(L+1)(M+1) bytes;
/// forward + backward for the E-step need two, 48·L·M bytes (M = 500, L = 35,000: 840 MB).
/// Memory-bounded checkpointing (issue 3, "Memory bounded for long sequences") replaces this
/// later; the DP functions take the matrix by reference so that its storage can be reused.

#include <array>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace emtk::hmm {

/// \brief Special states stored per row.
enum special_state : int
{
    x_n = 0, ///< N (N-terminal flank)
    x_b,     ///< B (begin, silent)
    x_e,     ///< E (end, silent)
    x_j,     ///< J (between hits)
    x_c      ///< C (C-terminal flank)
};

/// \brief Number of special states per row.
inline constexpr int n_special_states = 5;

namespace detail {
/// std::allocator whose default construction (std::vector::resize) leaves trivial values
/// uninitialised: dp_matrix::reshape then costs no fill (the zero fill of a growing resize was ~6%
/// of a protein search's CPU).
template <typename T>
struct uninitialised_allocator : std::allocator<T>
{
    template <typename U>
    struct rebind
    {
        using other = uninitialised_allocator<U>;
    };
    uninitialised_allocator() noexcept = default;
    template <typename U>
    uninitialised_allocator(uninitialised_allocator<U> const &) noexcept
    {
    }
    template <typename U>
    void construct(U * p) noexcept(std::is_nothrow_default_constructible_v<U>)
    {
        ::new (static_cast<void *>(p)) U;
    }
    template <typename U, typename... A>
    void construct(U * p, A &&... a)
    {
        ::new (static_cast<void *>(p)) U(std::forward<A>(a)...);
    }
};
} // namespace detail

/// \brief A (L+1) × (M+1) DP matrix of log values: rows i = 0 … L (row i has seen residues
/// 1 … i), columns k = 0 … M (column 0 holds I0; M_0 and D_0 do not exist and stay −∞).
class dp_matrix
{
public:
    /// \brief Resizes to L residues and M nodes and fills every value with −∞.
    void reset(std::size_t L, int M);
    /// \brief Resizes to L residues and M nodes without filling (values unspecified, not even
    /// zero): for a caller that writes every value it (or a reader of the matrix) reads, as
    /// optimal_accuracy_fill does. The storage only grows (a reused matrix is not reallocated for
    /// a smaller shape).
    void reshape(std::size_t L, int M);
    /// \brief reshape(), then −∞ in row 0 (cells and specials) and in M_0, D_0 of every row: the
    /// cells the forward, backward and Viterbi recurrences read before (or never) writing. With
    /// those fills every cell is defined as after reset(), without an O(LM) fill of a reused matrix.
    void reshape_boundary(std::size_t L, int M);

    /// \brief Number of residues L.
    [[nodiscard]] std::size_t length() const noexcept { return L_; }
    /// \brief Number of nodes M.
    [[nodiscard]] int nodes() const noexcept { return M_; }

    /// \brief M_k at row i.
    [[nodiscard]] double & mat(std::size_t i, int k) noexcept { return cells_[at(i, k) + 0]; }
    /// \brief M_k at row i.
    [[nodiscard]] double mat(std::size_t i, int k) const noexcept { return cells_[at(i, k) + 0]; }
    /// \brief I_k at row i.
    [[nodiscard]] double & ins(std::size_t i, int k) noexcept { return cells_[at(i, k) + 1]; }
    /// \brief I_k at row i.
    [[nodiscard]] double ins(std::size_t i, int k) const noexcept { return cells_[at(i, k) + 1]; }
    /// \brief D_k at row i.
    [[nodiscard]] double & del(std::size_t i, int k) noexcept { return cells_[at(i, k) + 2]; }
    /// \brief D_k at row i.
    [[nodiscard]] double del(std::size_t i, int k) const noexcept { return cells_[at(i, k) + 2]; }
    /// \brief Special state s at row i.
    [[nodiscard]] double & xs(std::size_t i, special_state s) noexcept { return specials_[i][static_cast<std::size_t>(s)]; }
    /// \brief Special state s at row i.
    [[nodiscard]] double xs(std::size_t i, special_state s) const noexcept
    {
        return specials_[i][static_cast<std::size_t>(s)];
    }

    /// \brief Row i's cells, node-major: M_k, I_k, D_k at [3k], [3k + 1], [3k + 2] (k = 0 … M).
    [[nodiscard]] double * row(std::size_t i) noexcept { return cells_.data() + at(i, 0); }
    /// \brief Row i's cells, as row().
    [[nodiscard]] double const * row(std::size_t i) const noexcept { return cells_.data() + at(i, 0); }

    /// \brief Bytes held by the matrix (see the file comment).
    [[nodiscard]] std::size_t bytes() const noexcept
    {
        return cells_.capacity() * sizeof(double) + specials_.capacity() * sizeof(specials_[0]);
    }

private:
    [[nodiscard]] std::size_t at(std::size_t i, int k) const noexcept
    {
        return 3 * (i * static_cast<std::size_t>(M_ + 1) + static_cast<std::size_t>(k));
    }
    std::size_t L_ = 0;
    int M_ = 0;
    std::vector<double, detail::uninitialised_allocator<double>> cells_;
    std::vector<std::array<double, n_special_states>, detail::uninitialised_allocator<std::array<double, n_special_states>>>
        specials_;
};

} // namespace emtk::hmm
