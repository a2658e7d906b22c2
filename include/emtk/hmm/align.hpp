#pragma once
/// \file
/// \brief Aligning sequences to a profile (`emtk hmm align`): optimal-accuracy (OA) or Viterbi
/// traces with per-residue posterior probabilities, and the multiple alignment they induce.
///
/// Optimal accuracy (Holmes & Durbin 1998; Käll, Krogh & Sonnhammer 2005; HMMER 3's
/// p7_GOptimalAccuracy / p7_GOATrace in src/generic_optacc.c): after posterior decoding
/// (forward_backward.hpp's values, computed in odds space with row rescaling, src/hmm/align_scaled.hpp:
/// equal to decode_posterior()'s to 1e-12 + 2e-13·L, log space as the fallback), the path that maximises the *sum of the posterior probabilities* of the
/// states that emit the residues (M_k, I_k, and N, C, J when they loop), among the paths the
/// profile allows. "Allowed" means every transition of the path has a non-zero probability (the
/// Kronecker delta of Käll et al.); the transition probabilities play no other part. Its value is
/// the expected number of residues emitted by the state the path says (≤ L). The DP is Viterbi's
/// (viterbi.hpp) with + posterior instead of + log emission and the transitions only as a filter,
/// so the traceback has the same form (glocal entries list the retracted left-wing deletes).
///
/// Numerics: sums of at most L posteriors in double precision (error ≤ L·1e-16); unreachable
/// cells are −∞. Ties are broken in a fixed order (that of viterbi.cpp's predecessors).
///
/// Memory: the scaled forward's match and insert rows (16·(L+1)(M+1) bytes), the posterior
/// (16·(L+1)(M+1)) and the OA matrix (24·(L+1)(M+1)): about 56 kB per 1000 cells, 3.7 MB for
/// M = 260, L = 250; the log-space fallback adds forward and backward dp_matrix objects
/// (2 × 24·(L+1)(M+1)). align_sequences() holds one set per thread at a time.
///
/// The alignment profile is hmmalign's (HMMER 3, src/hmmalign.c: p7_ProfileConfig(…,
/// p7_UNIGLOCAL)): glocal, single hit, the length model set per sequence (p7_ReconfigLength).
/// Unlike HMMER our glocal profile keeps I0 and I_M (profile.hpp): residues before the first
/// match can be emitted by N or by I0; both are shown as left flank inserts.

#include <emtk/hmm/dp_matrix.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/viterbi.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace emtk::hmm {

/// \brief Which path to report.
enum class align_method
{
    optimal_accuracy, ///< maximum expected accuracy from posterior decoding (hmmalign's default)
    viterbi           ///< the most probable path
};

/// \brief One sequence aligned to a profile.
struct alignment_trace
{
    std::vector<trace_step> path; ///< S … T, as viterbi() returns it; empty when no path exists
    std::vector<double> pp;       ///< per step of `path`: posterior of the emitting state, 0 for silent steps
    double loglik = 0;            ///< forward log P(x | profile), −∞ when the profile cannot emit x
    double accuracy = 0;          ///< Σ pp over the path: expected number of correctly placed residues
};

/// \brief The profile options of hmmalign: glocal, single hit, per-sequence length model.
[[nodiscard]] profile_options alignment_profile_options() noexcept;

/// \brief OA fill: `oa` receives, per cell, the best sum of posteriors of a path prefix ending
/// there (−∞ when unreachable). Returns the OA value of the best complete path (−∞ if none).
double optimal_accuracy_fill(profile const & p, posterior const & pp, dp_matrix & oa);

/// \brief OA traceback of a matrix filled by optimal_accuracy_fill() for `x`, with the
/// posteriors on the path's steps. \pre the fill's value is finite.
[[nodiscard]] alignment_trace optimal_accuracy_trace(profile const & p, digital_sequence x, posterior const & pp,
                                                     dp_matrix const & oa);

/// \brief Sum of the posteriors of the states that emit residues on `path` (the OA objective of
/// any path); also fills `step_pp` (one value per step) when it is not null.
[[nodiscard]] double path_accuracy(std::vector<trace_step> const & path, posterior const & pp,
                                   std::vector<double> * step_pp = nullptr);

/// \brief Forward, backward, posterior decoding and the OA (or Viterbi) trace of one sequence.
/// An empty trace (loglik −∞) when the profile cannot emit x.
[[nodiscard]] alignment_trace align_sequence(profile const & p, digital_sequence x,
                                             align_method method = align_method::optimal_accuracy);

/// \brief align_sequence() for every sequence, `threads` at a time; results in input order,
/// identical for any thread count (each result depends on its sequence only).
[[nodiscard]] std::vector<alignment_trace> align_sequences(profile const & p, std::span<digital_sequence const> xs,
                                                           align_method method, int threads = 1);

/// \brief A multiple alignment as text, ready for a writer (alignment_io.hpp).
///
/// Columns: for k = 1 … M one match column (upper-case residue, '-' for a delete or a node the
/// trace does not visit), and insert blocks before column 1 (N flank and I0), between match
/// columns k and k+1 (I_k) and after column M (I_M and C flank), each as wide as the longest
/// insertion there among the rows: lower-case residues, '.' padding. Inserts are left-justified,
/// except the left flank block, which is right-justified (against the first match column).
struct text_alignment
{
    std::vector<std::string> names;        ///< row names
    std::vector<std::string> descriptions; ///< row descriptions (A2M headers), may be empty strings
    std::vector<std::string> rows;         ///< one string per row, all of the same width
    std::vector<std::string> pp;           ///< posterior codes per row (same width; '.' on gaps)
    std::string rf;                        ///< 'x' on match columns, '.' on insert columns
};

/// \brief HMMER's posterior-probability code of a residue (p7_alidisplay.c): '*' when
/// p + 0.05 ≥ 1, else the digit ⌊10 (p + 0.05)⌋ ('0' … '9').
[[nodiscard]] char posterior_code(double p) noexcept;

/// \brief Builds the multiple alignment of traces over M nodes.
/// \param symbols the upper-case symbol of every residue code (seq::alphabet::symbols())
/// \param trim    leave out the N and C flank residues (hmmalign --trim)
/// \pre traces.size() == seqs.size() == names.size(); every trace non-empty, single-hit
///      (no J), and emitting the residues of its sequence in order (asserted).
[[nodiscard]] text_alignment make_text_alignment(int M, std::span<alignment_trace const> traces,
                                                 std::span<digital_sequence const> seqs, std::span<std::string const> names,
                                                 std::string_view symbols, bool trim);

} // namespace emtk::hmm
