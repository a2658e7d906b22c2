#pragma once
/// \file
/// \brief The search/alignment profile: a core profile_hmm configured with the special states
/// N, B, E, C, J for local or glocal, multi-hit or single-hit alignment, in natural-log space.
///
/// All configuration lives in make_profile() and special_transitions() (src/hmm/profile.cpp);
/// each value names its source in HMMER 3 (src/modelconfig.c: p7_ProfileConfig,
/// p7_ReconfigLength / p7_profile_SetLength).
///
/// State graph (Moore form: N, C, J emit when they loop; B, E, D silent):
///
///     S → N → B → {M_k, I0} … core … {M_k, D_k, I_M} → E → C → T
///         N↺        ↑                                   │    C↺
///                   └──────────── J ←───────────────────┘ (multi-hit only)
///                                 J↺
///
/// Local mode (HMMER's default): B → M_k with a fixed entry distribution (uniform 2/(M(M+1)) or
/// HMMER's occupancy-weighted one), M_k → E and D_k → E with probability 1 (HMMER's implicit
/// local-exit model, Eddy 2008), no I0 and no I_M. The local model is deliberately not a
/// normalised HMM: the fragment (entry k, exit j) is what carries probability.
///
/// Glocal mode (global in the model, local in the sequence): entry through node 0 of the core
/// model. B → M1 = t[0][mm], B → I0 = t[0][mi], and the left wing B → D1 → … → D_{k−1} → M_k is
/// *retracted* into a direct entry B → M_k = t[0][md] · Π_{j=1}^{k−2} t[j][dd] · t[k−1][dm]
/// (as HMMER does: it removes the mute cycle B → D1 … D_M → E → J → B from the DP; the one
/// path lost is the all-delete path, of probability t[0][md] Π t[j][dd]). Exits M_M → E =
/// t[M][mm], D_M → E = 1 and I_M → E = t[M][im]. Unlike HMMER3's profile (which drops I0 and
/// I_M and sets B → M1 = 1 − t[0][md]) we keep I0 and I_M, so every core parameter appears as a
/// factor of path probabilities and Baum-Welch estimates all of them.
///
/// Emissions are log-probabilities (not HMMER's log-odds): match and insert states emit with the
/// core model's emissions, N/C/J with the null model. Hence forward() returns log P(x | model);
/// subtract the null model's log P(x) for a log-odds score.

#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/hmm/residues.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace emtk::hmm {

/// \brief Entry distribution of local mode.
enum class local_entry
{
    uniform,  ///< B → M_k = 2/(M(M+1)): every fragment (i, j) equiprobable (Eddy 2008)
    occupancy ///< B → M_k = occ[k] / Σ_i occ[i](M−i+1), HMMER 3's default (modelconfig.c, p7_ProfileConfig)
};

/// \brief How to configure a profile.
struct profile_options
{
    bool local = true;                          ///< local (true, HMMER's default) or glocal
    bool multihit = true;                       ///< J loop allowed (E → J = E → C = 1/2) or unihit
    local_entry entry = local_entry::uniform;   ///< local-mode entry distribution
    /// Target length for the N/C/J length model; 0 (default) = the length of each sequence the DP
    /// is run on (what hmmsearch does with p7_ReconfigLength per target).
    int target_length = 0;
};

/// \brief Indices of the special-state transitions (log probabilities).
enum special_transition : int
{
    n_loop = 0, ///< N → N (emits)
    n_move,     ///< N → B
    e_move,     ///< E → C
    e_loop,     ///< E → J
    c_loop,     ///< C → C (emits)
    c_move,     ///< C → T
    j_loop,     ///< J → J (emits)
    j_move      ///< J → B
};

/// \brief Number of special transitions.
inline constexpr int n_special_transitions = 8;

/// \brief The eight special transitions, log space.
using special_row = std::array<double, n_special_transitions>;

/// \brief A configured profile in natural-log space, ready for the DP.
///
/// Transition tsc[k][x] is the log of the core transition t[k][x] as the DP uses it: rows
/// 0 … M; the DP reads tsc[k][mm|im|dm|md|dd] for k < M only, tsc[0][im|ii] for I0 and
/// tsc[M][mi|ii] for I_M (−∞ in local mode). Entries and exits are explicit arrays.
struct profile
{
    int M = 0;                       ///< nodes
    int K = 0;                       ///< canonical residues
    int Kp = 0;                      ///< all residue codes
    profile_options options;         ///< how it was configured
    std::vector<transition_row> tsc; ///< M+1 rows of log transitions
    std::vector<double> enter_m;     ///< M+1: log B → M_k (index 0 unused, −∞)
    double enter_i0 = 0;             ///< log B → I0 (glocal), −∞ in local mode
    std::vector<double> exit_m;      ///< M+1: log M_k → E (index 0 unused)
    std::vector<double> exit_d;      ///< M+1: log D_k → E (index 0 unused)
    double exit_i = 0;               ///< log I_M → E (glocal), −∞ in local mode
    std::vector<double> msc;         ///< (M+1)·Kp: log emission of code c by M_k (row 0 −∞)
    std::vector<double> isc;         ///< (M+1)·Kp: log emission of code c by I_k
    std::vector<double> xsc;         ///< Kp: log emission of code c by N, C, J (null model)
    std::vector<double> lmat;        ///< (M+1)·K: log canonical match emissions (splitting counts)
    std::vector<double> lins;        ///< (M+1)·K: log canonical insert emissions
    residue_sets sets;               ///< what each code stands for

    /// \brief log P(code c | M_k).
    [[nodiscard]] double match_score(int k, int c) const noexcept { return msc[static_cast<std::size_t>(k * Kp + c)]; }
    /// \brief log P(code c | I_k).
    [[nodiscard]] double insert_score(int k, int c) const noexcept { return isc[static_cast<std::size_t>(k * Kp + c)]; }
};

/// \brief Configures `hmm` as a search/alignment profile (see the file comment).
/// \throws std::invalid_argument if sets.K differs from hmm.K or a code has no member.
[[nodiscard]] profile make_profile(profile_hmm const & hmm, residue_sets const & sets,
                                   profile_options const & options = {});

/// \brief The special transitions for a sequence of length L (the length model; uses
/// options.target_length instead of L when that is > 0). HMMER's p7_ReconfigLength: with nj the
/// expected number of J uses (1 multihit, 0 unihit), N, C, J loop with L/(L+2+nj) and move with
/// (2+nj)/(L+2+nj); E → C = E → J = 1/2 multihit, E → C = 1 unihit.
[[nodiscard]] special_row special_transitions(profile const & p, std::size_t L) noexcept;

/// \brief HMMER's match-state occupancy (p7_hmm_CalculateOccupancy): occ[k] = P(a glocal path
/// uses M_k); occ[1] = t[0][mm] + t[0][mi], occ[k] = occ[k−1](t[k−1][mm] + t[k−1][mi]) +
/// (1 − occ[k−1]) t[k−1][dm]. Returns M+1 values (index 0 is 0).
[[nodiscard]] std::vector<double> match_occupancy(profile_hmm const & hmm);

} // namespace emtk::hmm
