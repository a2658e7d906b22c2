#pragma once
/// \file
/// \brief Sampling sequences from a core profile HMM (tests, parameter-recovery checks, and later
/// `emtk hmm emit`).
///
/// Glocal (default): one path B → … → E through the core model, as the core parameters define it
/// (profile_hmm.hpp): B is node 0's match row (B → M1, B → I0, B → D1); M_k, I_k and D_k follow
/// their transition rows; node M's "next node" is E. Emitting states draw a canonical residue from
/// their emission row. The one path that emits nothing (B → D1 → … → D_M → E) is rejected and
/// redrawn, as is any empty sequence: the glocal profile (profile.hpp) retracts that path anyway.
///
/// Local (emit_options::local): a fragment (i, j), 1 ≤ i ≤ j ≤ M, is drawn uniformly (every
/// fragment equiprobable, as in the uniform local entry of profile.hpp); the path enters at M_i,
/// follows the core transitions and ends as soon as it would move past node j (an insert at I_j
/// is kept). No N/C/J flanks are emitted.

#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/seq/sequence.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace emtk {
class rng;
}

namespace emtk::hmm {

/// \brief How to emit.
struct emit_options
{
    bool local = false; ///< uniform local fragments instead of full glocal paths
};

/// \brief The state path of an emitted sequence: for each residue, the node of the state that
/// emitted it and whether that state was a match (true) or an insert state.
struct emitted_path
{
    std::vector<int> node;
    std::vector<bool> is_match;
};

/// \brief One sequence of canonical residue codes (0 … K−1), never empty.
/// \param path when not null, receives the emitting states
[[nodiscard]] std::vector<std::uint8_t> emit_sequence(profile_hmm const & hmm, rng & r,
                                                      emit_options const & opt = {}, emitted_path * path = nullptr);

/// \brief n sequences named "emit1" … "emitN"; sequence i is drawn from rng{seed, i}, so the set is
/// the same for any n' ≥ n prefix. `type` must have K = hmm.K residues.
[[nodiscard]] seq::sequence_set emit_sequences(profile_hmm const & hmm, seq::alphabet_type type, std::size_t n,
                                               std::uint64_t seed, emit_options const & opt = {});

} // namespace emtk::hmm
