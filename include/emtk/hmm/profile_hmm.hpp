#pragma once
/// \file
/// \brief The core Plan7 profile HMM in probability space (what training updates and what HMMER3/f
/// files hold), with its null model.
///
/// Layout follows HMMER3's P7_HMM (src/p7_hmm.h): nodes k = 0 … M.
/// - Node k = 1 … M has a match state M_k and an insert state I_k emitting over the K canonical
///   residues, and a silent delete state D_k.
/// - Node 0 is the begin node: t[0] holds B→M1 (t_mm), B→I0 (t_mi), B→D1 (t_md), I0→M1 (t_im),
///   I0→I0 (t_ii); by convention t[0][t_dm] = 1, t[0][t_dd] = 0 (there is no D0). ins row 0 is I0.
/// - Node M's "next node" is the end state E: t[M][t_mm] = M_M→E, t[M][t_mi] = M_M→I_M,
///   t[M][t_im] = I_M→E, t[M][t_ii] = I_M→I_M, t[M][t_dm] = D_M→E = 1; t[M][t_md] = t[M][t_dd] = 0.
/// - mat row 0 is unused (zero).
/// Each of the three transition groups out of a node (M: mm+mi+md, I: im+ii, D: dm+dd) and every
/// emission row sums to 1; profile_hmm_problem() checks that.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace emtk {
class rng;
}

namespace emtk::hmm {

/// \brief Core transition indices, in HMMER's p7H order (the column order of HMMER3/f files).
enum transition : int
{
    t_mm = 0, ///< M_k → M_{k+1}
    t_mi,     ///< M_k → I_k
    t_md,     ///< M_k → D_{k+1}
    t_im,     ///< I_k → M_{k+1}
    t_ii,     ///< I_k → I_k
    t_dm,     ///< D_k → M_{k+1}
    t_dd      ///< D_k → D_{k+1}
};

/// \brief Number of core transitions per node.
inline constexpr int n_transitions = 7;

/// \brief The seven transitions out of one node.
using transition_row = std::array<double, n_transitions>;

/// \brief A Plan7 profile HMM in probability space (see the file comment for the layout).
struct profile_hmm
{
    int M = 0;                       ///< number of nodes (match states)
    int K = 0;                       ///< number of canonical residues (4 or 20)
    std::vector<transition_row> t;   ///< M+1 rows, node 0 … M
    std::vector<double> mat;         ///< (M+1)·K match emissions, row k = M_k (row 0 unused)
    std::vector<double> ins;         ///< (M+1)·K insert emissions, row k = I_k (row 0 = I0)
    std::vector<double> null;        ///< K null-model (background) residue frequencies

    profile_hmm() = default;

    /// \brief A model of M nodes over K residues: uniform emissions and null model; transitions
    /// M→M = I→M = D→M = 1 except the fixed conventions of nodes 0 and M (a valid model).
    /// \throws std::invalid_argument when M < 1 or K < 1.
    profile_hmm(int M, int K);

    /// \brief The K match emission probabilities of node k (1 … M).
    [[nodiscard]] std::span<double> match(int k) noexcept { return {mat.data() + row(k), static_cast<std::size_t>(K)}; }
    /// \brief The K match emission probabilities of node k (1 … M).
    [[nodiscard]] std::span<double const> match(int k) const noexcept
    {
        return {mat.data() + row(k), static_cast<std::size_t>(K)};
    }
    /// \brief The K insert emission probabilities of node k (0 … M).
    [[nodiscard]] std::span<double> insert(int k) noexcept { return {ins.data() + row(k), static_cast<std::size_t>(K)}; }
    /// \brief The K insert emission probabilities of node k (0 … M).
    [[nodiscard]] std::span<double const> insert(int k) const noexcept
    {
        return {ins.data() + row(k), static_cast<std::size_t>(K)};
    }

private:
    [[nodiscard]] std::size_t row(int k) const noexcept { return static_cast<std::size_t>(k) * static_cast<std::size_t>(K); }
};

/// \brief The first thing wrong with a model, or nothing: sizes, probabilities outside [0, 1],
/// a transition group or emission row whose sum differs from 1 by more than `tol`, or a boundary
/// convention broken (t[0][t_dm] = 1, t[0][t_dd] = 0, t[M][t_md] = t[M][t_dd] = 0, t[M][t_dm] = 1).
/// The message names the node and the row ("node 3: match transitions sum to 0.97").
[[nodiscard]] std::optional<std::string> profile_hmm_problem(profile_hmm const & hmm, double tol = 1e-5);

/// \brief Rescales every transition group and emission row (and the null model) to sum to 1 and
/// restores the boundary conventions. Rows that sum to 0 become uniform.
void normalize(profile_hmm & hmm) noexcept;

/// \brief A random model (tests, random EM starts): every emission row and the null model drawn
/// from a flat Dirichlet; transition groups from Dirichlet priors that favour the main line
/// (concentrations M: mm 8, mi 1, md 1; I: im 3, ii 2; D: dm 3, dd 2), node 0 and M likewise
/// under the boundary conventions. Deterministic for a given stream state.
[[nodiscard]] profile_hmm random_profile_hmm(rng & r, int M, int K);

} // namespace emtk::hmm
