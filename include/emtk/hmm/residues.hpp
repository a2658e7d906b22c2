#pragma once
/// \file
/// \brief Degenerate residues for the DP: which canonical residues each residue code stands for,
/// and the emission table over all codes.
///
/// The DP works on plain arrays: a digital sequence of codes 0 … Kp−1 and, per state, the log
/// emission probability of every code. Codes 0 … K−1 are canonical; a degenerate code (IUPAC N, R,
/// Y…, amino X, B, Z…) emits with the *sum* of the probabilities of the canonical residues it
/// stands for (HMMER's rule, esl_abc_FExpectScore's probability form). The table is computed once
/// per model by emission_log_table(), so the DP never looks at the alphabet.
///
/// residue_sets is the only thing the hmm module needs from an alphabet; residue_sets_of() builds
/// it from seq::alphabet (src/hmm/residues_alphabet.cpp, the one file that calls the seq module).

#include <cstdint>
#include <span>
#include <vector>

namespace emtk::seq {
class alphabet;
}

namespace emtk::hmm {

/// \brief For every residue code 0 … Kp−1, the canonical codes (< K) it stands for.
struct residue_sets
{
    int K = 0;                                      ///< number of canonical residues
    std::vector<std::vector<std::uint8_t>> members; ///< Kp entries; members[c] = {c} for c < K

    /// \brief Number of codes, canonical and degenerate.
    [[nodiscard]] int Kp() const noexcept { return static_cast<int>(members.size()); }
};

/// \brief Canonical codes only (Kp = K): what tests and alphabets without degenerate codes use.
[[nodiscard]] residue_sets canonical_residue_sets(int K);

/// \brief The residue sets of an alphabet (alphabet::expands_to for every code).
[[nodiscard]] residue_sets residue_sets_of(seq::alphabet const & abc);

/// \brief Log emission probability of every code: out[c] = log Σ_{a ∈ members[c]} p[a].
/// \param p    K probabilities over the canonical residues
/// \param sets the residue sets (p.size() must be sets.K)
/// \param out  Kp values written (log 0 = −∞ when every member has probability 0)
void emission_log_table(std::span<double const> p, residue_sets const & sets, std::span<double> out) noexcept;

} // namespace emtk::hmm
