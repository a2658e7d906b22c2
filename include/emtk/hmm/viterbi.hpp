#pragma once
/// \file
/// \brief Viterbi: the most probable state path of a sequence through a profile, its log
/// probability and its traceback. Natural log, double precision, full matrix (dp_matrix.hpp).
/// Only max and + are used: the score is exact to round-off.

#include <emtk/hmm/dp_matrix.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>

#include <cstdint>
#include <vector>

namespace emtk::hmm {

/// \brief A state of the profile's graph.
enum class state_type : std::uint8_t
{
    S, ///< start
    N, ///< N-terminal flank
    B, ///< begin
    M, ///< match
    I, ///< insert
    D, ///< delete
    E, ///< end
    J, ///< between hits
    C, ///< C-terminal flank
    T  ///< terminal
};

/// \brief One step of a path: state, node (M, I, D; 0 otherwise) and the residue it emitted
/// (1-based; 0 for a silent step, and for N, C, J when entered rather than looped, as in HMMER's
/// traces).
struct trace_step
{
    state_type state = state_type::S; ///< the state
    int k = 0;                        ///< node for M, I, D
    std::size_t i = 0;                ///< residue emitted (1 … L), 0 if none

    /// \brief Equality (for tests).
    friend bool operator==(trace_step const &, trace_step const &) = default;
};

/// \brief The Viterbi path and its log probability.
struct viterbi_result
{
    double score = 0;              ///< log P(x, best path | profile); −∞ when no path exists
    std::vector<trace_step> path;  ///< S … T; empty when no path exists
};

/// \brief Viterbi score and traceback. In glocal mode an entry B → M_k (k > 1) is the retracted
/// wing B → D1 → … → D_{k−1} → M_k (profile.hpp): the traceback lists those delete states.
/// Ties are broken in a fixed order (the order of the predecessors in the recurrences).
[[nodiscard]] viterbi_result viterbi(profile const & p, digital_sequence x);
/// \brief As above with `v` as the DP matrix (scratch, reused across calls to save allocation).
[[nodiscard]] viterbi_result viterbi(profile const & p, digital_sequence x, dp_matrix & v);

/// \brief Viterbi score only, filling `v` (the matrix the traceback reads).
double viterbi_fill(profile const & p, digital_sequence x, dp_matrix & v);

/// \brief log P(x, path | profile) of an explicit path (as viterbi() returns it); −∞ for a path
/// that the profile does not allow or that does not emit x in order.
[[nodiscard]] double path_score(profile const & p, digital_sequence x, std::vector<trace_step> const & path);

} // namespace emtk::hmm
