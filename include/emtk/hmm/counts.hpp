#pragma once
/// \file
/// \brief Expected counts of one sequence under a profile: the E-step of Baum-Welch.
///
/// For a sequence x and a profile, the expected number of uses of a transition X → Y is
///     Σ_i exp(fwd_X(i) + log t(X→Y) + log e_Y(x_{i'}) + bwd_Y(i') − log P(x)),
/// and the expected number of emissions of residue a by an emitting state is the sum of the
/// state's posterior over the positions holding a. A degenerate residue's posterior is split over
/// the canonical residues it stands for in proportion to their emission probabilities
/// (e(a) / Σ_{a' ∈ set} e(a'), the posterior of which member was "really" emitted).
///
/// Core transitions are counted with the core model's indexing (profile_hmm.hpp): in glocal mode
/// the entries B → M1 / I0 go to t[0][mm] / t[0][mi], a retracted-wing entry B → M_k (k > 1)
/// counts one use each of t[0][md], t[j][dd] (j = 1 … k−2) and t[k−1][dm], and the exits
/// M_M → E, I_M → E, D_M → E go to t[M][mm], t[M][im], t[M][dm]. The local mode's fixed entries
/// and exits are not core parameters: their uses are reported in enter/exit_m/exit_d only.
/// Every count is multiplied by the sequence weight.
///
/// Numerics: exact log-space sums (forward_backward.hpp) and one exp per term; counts are summed
/// in double in a fixed order, so the result is deterministic.

#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/profile_hmm.hpp>

#include <array>
#include <span>
#include <vector>

namespace emtk::hmm {

/// \brief Expected counts (sufficient statistics of Baum-Welch), summable over sequences with +=.
struct hmm_counts
{
    int M = 0;                           ///< nodes
    int K = 0;                           ///< canonical residues
    std::vector<transition_row> t;       ///< M+1 rows: expected uses of core transitions
    std::vector<double> mat;             ///< (M+1)·K: expected match emissions (row 0 zero)
    std::vector<double> ins;             ///< (M+1)·K: expected insert emissions (row 0 = I0)
    std::vector<double> enter;           ///< M+1: expected uses of B → M_k (either mode)
    std::vector<double> exit_m;          ///< M+1: expected uses of M_k → E
    std::vector<double> exit_d;          ///< M+1: expected uses of D_k → E
    double exit_i = 0;                   ///< expected uses of I_M → E
    special_row special{};               ///< expected uses of the special transitions
    std::array<double, 3> flank{};       ///< expected residues emitted by N, C, J (in that order)
    double sequences = 0;                ///< total weight of the sequences counted

    hmm_counts() = default;
    /// \brief Zero counts for a model of M nodes over K residues.
    hmm_counts(int M, int K);

    /// \brief Adds other's counts (same M and K, asserted).
    hmm_counts & operator+=(hmm_counts const & other);
    /// \brief Scales every count by a (stepwise EM, em::stepwise_model).
    hmm_counts & operator*=(double a);

    /// \brief Expected emissions of canonical residue a by M_k.
    [[nodiscard]] double match(int k, int a) const noexcept { return mat[static_cast<std::size_t>(k * K + a)]; }
    /// \brief Expected emissions of canonical residue a by I_k.
    [[nodiscard]] double insert(int k, int a) const noexcept { return ins[static_cast<std::size_t>(k * K + a)]; }
};

/// \brief Appends every count of `c` to `out` (a fixed number for given M and K), for the MPI
/// E-step (em::packable_model).
void pack_counts(hmm_counts const & c, std::vector<double> & out);
/// \brief Reads what pack_counts() wrote into `c` (shaped for the same M and K); returns the
/// number of doubles read. \throws std::runtime_error when `in` is too short.
std::size_t unpack_counts(std::span<double const> in, hmm_counts & c);

/// \brief Adds the expected counts of `x` (times `weight`) to `acc`, from its filled forward and
/// backward matrices and log-likelihood (−∞: nothing is added).
void accumulate_counts(profile const & p, digital_sequence x, dp_matrix const & fwd, dp_matrix const & bwd,
                       double loglik, double weight, hmm_counts & acc);

/// \brief Runs forward and backward on `x`, adds its expected counts times `weight` to `acc` and
/// returns log P(x | profile). `fwd` and `bwd` are scratch (reused across calls to save allocation).
double expected_counts(profile const & p, digital_sequence x, hmm_counts & acc, double weight, dp_matrix & fwd,
                       dp_matrix & bwd);

/// \brief As above with its own scratch matrices and weight 1.
double expected_counts(profile const & p, digital_sequence x, hmm_counts & acc);

} // namespace emtk::hmm
