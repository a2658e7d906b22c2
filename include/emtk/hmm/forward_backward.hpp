#pragma once
/// \file
/// \brief Forward, backward and posterior decoding of one digital sequence against a profile,
/// natural log, double precision, full matrices (memory: see dp_matrix.hpp).
///
/// Numerics: every sum of probabilities is em::log_add / log-sum-exp, exact to double round-off;
/// em::fast_log_add (5e-7 nats per addition) is *not* used here, because forward and backward
/// must agree to 1e-9 relative and the E-step's expected counts feed an objective that em::fit
/// checks for monotonicity to round-off. Speed (issue 3's 30 Mcells/s target) will come from a
/// scaled probability-space kernel, not from a coarser logsum.
///
/// Conventions: the sequence is a span of residue codes 0 … Kp−1 of the profile's residue sets;
/// row i of a matrix has consumed residues 1 … i; values are log P(path prefix) (forward) and
/// log P(rest of the sequence and the end | state) (backward), so fwd + bwd − logL is the log
/// posterior of a state at a row.

#include <emtk/hmm/dp_matrix.hpp>
#include <emtk/hmm/profile.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace emtk::hmm {

/// \brief A digital sequence: residue codes 0 … Kp−1.
using digital_sequence = std::span<std::uint8_t const>;

/// \brief Forward algorithm. Fills `fwd` (resized to the sequence) and returns
/// log P(x | profile), −∞ when the profile cannot emit x (e.g. L = 0: a path needs a match state).
/// Precondition (asserted): every code < p.Kp.
double forward(profile const & p, digital_sequence x, dp_matrix & fwd);

/// \brief Backward algorithm. Fills `bwd` and returns log P(x | profile) (equal to forward's
/// value up to round-off).
double backward(profile const & p, digital_sequence x, dp_matrix & bwd);

/// \brief Posterior probabilities of the emitting states, per residue position.
///
/// For i = 1 … L: match(i, k), insert(i, k) (k = 0 … M; match(i, 0) = 0) and n(i), c(i), j(i)
/// are P(residue i was emitted by that state | x); they sum to 1 over all states at each i.
struct posterior
{
    std::size_t L = 0;             ///< residues
    int M = 0;                     ///< nodes
    std::vector<double> m;         ///< (L+1)·(M+1), row 0 zero
    std::vector<double> ins;       ///< (L+1)·(M+1), row 0 zero
    std::vector<double> n, c, j;   ///< L+1 each, index 0 zero

    /// \brief P(residue i emitted by M_k).
    [[nodiscard]] double match(std::size_t i, int k) const noexcept { return m[i * static_cast<std::size_t>(M + 1) + static_cast<std::size_t>(k)]; }
    /// \brief P(residue i emitted by I_k).
    [[nodiscard]] double insert(std::size_t i, int k) const noexcept { return ins[i * static_cast<std::size_t>(M + 1) + static_cast<std::size_t>(k)]; }
};

/// \brief Posterior decoding from the forward and backward matrices of `x` and its
/// log-likelihood. (N, C and J emit residue i only when they loop at i, which needs the profile's
/// special transitions and the residue.)
[[nodiscard]] posterior decode_posterior(profile const & p, digital_sequence x, dp_matrix const & fwd,
                                         dp_matrix const & bwd, double loglik);

} // namespace emtk::hmm
