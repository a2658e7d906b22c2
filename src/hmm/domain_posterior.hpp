#pragma once
// Private to src/hmm: posterior decoding of a target for domain definition (emtk hmm search,
// protein and DNA). Forward and backward in odds space with row rescaling, keeping the special
// states of every row (O(L) memory, O(M) core rows), the per-residue core occupancy and begin/end
// expectations, and HMMER's region heuristics (after HMMER 3.3 src/p7_domaindef.c,
// p7_domaindef_ByPosteriorHeuristics and is_multidomain_region; read, not copied). Numerics and
// deviations from HMMER: include/emtk/hmm/search.hpp.
#include <emtk/hmm/dp_matrix.hpp> // special_state indices
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

namespace emtk::hmm::detail {

/// Posterior sums along the target, 1-based: mocc[i] core occupancy of residue i, btot[i] =
/// Σ_{y ≤ i} P(B at row y−1), etot[i] = Σ_{y ≤ i} P(E at row y).
struct occupancy
{
    std::vector<double> mocc, btot, etot;
};

/// The configured profile in odds space: match emissions as odds against the profile's null
/// emissions xsc (insert and N/C/J emissions have odds 1), transitions as probabilities.
struct odds_profile
{
    int M = 0;
    std::size_t Kp = 0;
    std::vector<double> e;                                 // (M+1)·Kp match odds, e[k·Kp + c]
    std::vector<double> et;                                // the same, per residue: et[c·(M+1) + k]
    std::vector<double> tbm, mm, im, dm, mi, ii, md, dd;   // per node, probabilities
    explicit odds_profile(profile const & p);
};

/// Special transitions as probabilities.
struct special_probs
{
    double nn, nb, ec, ej, cc, ct, jj, jb;
    explicit special_probs(special_row const & s);
};

/// Special-state values of one DP row (odds, divided by e^{log_scale[i]}).
using special_values = std::array<double, n_special_states>;

/// Forward in odds space with row rescaling (as hmmer_scorer::forward_bits, score.hpp), keeping
/// the special states of every row when `rows` is given: returns the log-odds score in nats
/// (N/C/J and inserts emit with the null, so this is log P(x|model) − Σ log f(x_i)).
/// Every cell is bounded by the specials of its row (E ≥ any M or D cell), so rescaling on the
/// specials keeps the row in double range.
/// When `core_m` / `core_i` are given they receive the match / insert values of every row
/// ((L+1)·(M+1), same scale as the row's specials), for full posterior decoding.
double forward_odds(odds_profile const & op, special_probs const & t, digital_sequence x,
                    std::vector<special_values> * rows, std::vector<double> * log_scale,
                    std::vector<double> * core_m = nullptr, std::vector<double> * core_i = nullptr);

/// Backward in odds space (the transposed recurrences of forward_odds), keeping the special
/// states of every row: value = P(rest of x and the end | state at row i) in odds, divided by
/// e^{log_scale[i]}. Core cells are not bounded by the specials here (M_k at row i can exceed B),
/// so each row is rescaled on its largest value. Returns the log-odds score (equal to
/// forward_odds' up to round-off).
double backward_odds(odds_profile const & op, special_probs const & t, digital_sequence x,
                     std::vector<special_values> & rows, std::vector<double> & log_scale,
                     std::vector<double> * core_m = nullptr, std::vector<double> * core_i = nullptr);

/// Full posterior decoding of x (match, insert, N, C, J emission posteriors; the `posterior` of
/// forward_backward.hpp) in odds space with row rescaling: the same values as decode_posterior()
/// on the log-space matrices, up to round-off (~1e-12 relative), about 10× faster. `score`
/// receives the log-odds Forward score (nats). Memory: 4 doubles per cell (forward and backward
/// match and insert rows) plus the posterior's 2. When the profile cannot emit x, `score` is −∞
/// and the posterior is empty (L = 0).
[[nodiscard]] posterior decode_full(odds_profile const & op, special_probs const & t, digital_sequence x,
                                    double & score);

/// Shapes the per-thread matrix `oa` for an optimal-accuracy alignment of L residues and M nodes
/// (optimal_accuracy_fill reshapes it to the same size): when it must grow it is freed first and
/// allocated at the exact size, not by std::vector's doubling (which kept up to twice the largest
/// envelope's matrix, and the old and new storage at once while copying). `cells` tracks the
/// matrix's storage (0 for a new one).
void fit_alignment_matrix(dp_matrix & oa, std::size_t & cells, std::size_t L, int M);

/// Sizes `pp` for L residues and M nodes, every value 0 (storage reused).
void reset_posterior(posterior & pp, std::size_t L, int M);

/// fv·bv·e^{r} (0 unless both are positive), through logs when e^{r} alone could overflow: a
/// posterior from a forward and a backward value whose rows' log scales minus the score sum to r.
[[nodiscard]] double posterior_product(double fv, double bv, double r) noexcept;

/// Posterior core occupancy and begin/end expectations of every residue of x under profile p
/// (its special transitions for length x.size()); asserts forward = backward to 1e-6 relative.
[[nodiscard]] occupancy decode_occupancy(profile const & p, odds_profile const & op, digital_sequence x);

/// HMMER's region scan over an occupancy (thresholds rt1 = 0.25, rt2 = 0.10) and the split of
/// regions that look like several domains (rt3 = 0.20): the envelopes (1-based, inclusive) in
/// sequence order. `regions` and `split`, when given, receive the number of regions and of
/// regions split into several envelopes (HMMER's reg and clu).
[[nodiscard]] std::vector<std::pair<std::size_t, std::size_t>> find_envelopes(occupancy const & o,
                                                                             int * regions = nullptr,
                                                                             int * split = nullptr);

} // namespace emtk::hmm::detail
