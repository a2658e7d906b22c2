#pragma once
/// \file
/// \brief Consistency-based multiple alignment (ProbCons / T-Coffee style) of unaligned
/// sequences from pairwise residue-match posteriors: a pair-HMM's posteriors, a profile HMM's
/// (Σ_k P(x_i ∈ M_k)·P(y_j ∈ M_k)) or their mean; the consistency transformation; a progressive
/// maximum-expected-accuracy alignment along a UPGMA guide tree.
///
/// References: Do, Mahabhashyam, Brudno, Batzoglou 2005, "ProbCons: probabilistic consistency-based
/// multiple sequence alignment", Genome Research 15:330 (pair-HMM posteriors, the transformation
/// P'(x,y) = 1/|S| Σ_z P(x,z)·P(z,y), progressive alignment with the summed posteriors and no gap
/// penalty); Notredame, Higgins, Heringa 2000, T-Coffee, J. Mol. Biol. 302:205 (consistency).
///
/// Sparse storage: a posterior below `consistency_options::min_posterior` (0.01, ProbCons' cutoff)
/// is dropped. What that loses: per residue i of x, Σ_j P(x_i ~ y_j) ≤ 1, so at most
/// Ly·0.01 of mass per residue in the worst case, in practice the tail of a posterior that is
/// concentrated on a few cells; the alignment's objective (a sum of posteriors) changes by at most
/// 0.01 per residue pair it would have aligned through a dropped cell.
/// Values are stored as float (relative error ≤ 6e-8 each), summed in double: the alignment
/// objective is a sum of at most n²·L of them, so its error stays far below the 0.01 cutoff.

#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/msa.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/seq/alphabet.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace emtk::hmm {

/// \brief P(x_i ~ y_j) of one ordered pair of sequences, sparse by rows (residues of x, 0-based):
/// the entries of row i are col[row_start[i] … row_start[i+1]) with values p[…], columns increasing.
struct pair_posterior
{
    std::vector<std::uint32_t> row_start; ///< Lx + 1 offsets
    std::vector<std::uint32_t> col;       ///< residue index in y (0-based)
    std::vector<float> p;                 ///< posterior in [0, 1]

    [[nodiscard]] std::size_t rows() const noexcept { return row_start.empty() ? 0 : row_start.size() - 1; }
    /// \brief Σ of all entries: the expected number of aligned residue pairs.
    [[nodiscard]] double total() const noexcept;
    /// \brief The transpose: P(y_j ~ x_i), `ly` rows.
    [[nodiscard]] pair_posterior transposed(std::size_t ly) const;
};

/// \brief A 3-state pair-HMM (match, insert in x, insert in y) for pairwise posteriors.
///
/// Emissions: the match state emits the residue pair (a, b) with a joint probability P(a, b), the
/// insert states emit from its marginal (the background); P is used as the odds ratio
/// P(a,b)/(p_a p_b) (inserts emit with ratio 1). Residue codes ≥ K (ambiguity codes) emit with
/// ratio 1. The joint comes from a substitution model: BLOSUM62's for protein (blosum62(), the
/// default: 0.74 bits per pair), a transition/transversion model for DNA/RNA (nucleotide()), or a
/// Dirichlet mixture (from_mixture(); 1.43 bits per pair for the default protein prior: it scores
/// like a matrix for close homologues and gave weaker posteriors on 20–30%-identity pairs,
/// bench/README.md "Consistency realignment").
/// Transitions: gap open δ and extend ε; the defaults are ProbCons's trained values for its
/// monophasic (3-state) protein model rounded to two digits (probcons/Defaults.h: gapOpen1Default
/// 0.01993141696, gapExtend1Default 0.7943345308; FSA uses the same for proteins). The measurements
/// in bench/README.md ("Consistency realignment") are with the rounded values.
struct pair_hmm
{
    int K = 0;                       ///< canonical residues
    std::vector<double> odds;        ///< K·K odds ratios P(a,b)/(p_a p_b)
    std::vector<double> background;  ///< K: the joint's marginal p_a
    double gap_open = 0.02;          ///< δ: M → X and M → Y (and begin → X, Y)
    double gap_extend = 0.79;        ///< ε: X → X, Y → Y

    /// \brief The pair-HMM whose match emissions come from the mixture `em` (the prior's match
    /// emission mixture): P(a, b) = Σ_c q_c α_ca (α_cb + [a = b]) / (|α_c| (|α_c| + 1)) (the expected
    /// p_a·p_b of a column drawn from the mixture; Sjölander et al. 1996, CABIOS 12:327, derive
    /// substitution matrices from their mixtures this way). \throws usage_error on an empty mixture.
    [[nodiscard]] static pair_hmm from_mixture(dirichlet_mixture const & em);
    /// \brief The pair-HMM of a joint distribution `joint` (K·K, row-major, summing to 1):
    /// odds = joint / (p ⊗ p) with p = `marginal`, or the joint's row sums when `marginal` is empty.
    /// The gap parameters keep their defaults.
    [[nodiscard]] static pair_hmm from_joint(int K, std::vector<double> const & joint,
                                             std::vector<double> marginal = {});
    /// \brief BLOSUM62's joint probabilities (Henikoff & Henikoff 1992), recovered from the
    /// published half-bit scores and background frequencies (pair_hmm_emissions.cpp documents the
    /// rounding error), amino order ACDEFGHIKLMNPQRSTVWY.
    [[nodiscard]] static pair_hmm blosum62();
    /// \brief A DNA/RNA model (codes A C G T/U): identical pairs with probability `identity`,
    /// the rest split between transitions (A↔G, C↔T) and transversions in the ratio
    /// `transition_ratio` : 1; uniform bases. Defaults: 0.67 bits per pair.
    /// \throws usage_error unless 0.25 < identity < 1 and transition_ratio > 0.
    [[nodiscard]] static pair_hmm nucleotide(double identity = 0.7, double transition_ratio = 1.0);
    /// \brief The default substitution model of an alphabet: blosum62() for amino acids,
    /// nucleotide() for DNA and RNA.
    [[nodiscard]] static pair_hmm for_alphabet(seq::alphabet_type t);
    /// \brief Σ_ab P(a,b) log2(P(a,b)/(p_a p_b)): the expected score per aligned pair, in bits.
    [[nodiscard]] double relative_entropy_bits() const;
};

/// \brief Posterior P(x_i ~ y_j) of the pair-HMM (forward–backward in probability space with one
/// scale factor per row of x; entries < min_posterior dropped). Empty x or y: every row empty.
[[nodiscard]] pair_posterior pair_hmm_posterior(pair_hmm const & h, digital_sequence x, digital_sequence y,
                                                double min_posterior = 0.01);

/// \brief Per residue of one sequence, its sparse match-state posteriors under a profile: entries
/// (k, P(residue r ∈ M_k)) of residue r (0-based) in [start[r], start[r+1]).
struct match_posteriors
{
    std::vector<std::uint32_t> start;
    std::vector<std::uint32_t> k;
    std::vector<float> p;
};

/// \brief The sparse form (entries ≥ min_posterior) of a posterior decoding.
[[nodiscard]] match_posteriors sparse_match_posteriors(posterior const & pp, double min_posterior = 0.01);

/// \brief P(x_i ~ y_j) = Σ_k P(x_i ∈ M_k)·P(y_j ∈ M_k) (both in the same match column; the two
/// sequences' paths taken as independent given the model); entries < min_posterior dropped.
[[nodiscard]] pair_posterior profile_pair_posterior(match_posteriors const & x, match_posteriors const & y,
                                                    std::size_t ly, double min_posterior = 0.01);

/// \brief All ordered pairs' posteriors of n sequences: at(x, y) for x ≠ y (index x·n + y).
struct posterior_set
{
    std::size_t n = 0;
    std::vector<std::size_t> lengths;
    std::vector<pair_posterior> pairs; ///< n·n, the diagonal empty

    [[nodiscard]] pair_posterior const & at(std::size_t x, std::size_t y) const { return pairs[x * n + y]; }
    [[nodiscard]] pair_posterior & at(std::size_t x, std::size_t y) { return pairs[x * n + y]; }
};

/// \brief One round of the consistency transformation: P'(x,y) = (2·P(x,y) + Σ_{z ≠ x,y} P(x,z)·P(z,y)) / n
/// (ProbCons; P(x,x) is the identity), entries < min_posterior dropped; pairs in parallel,
/// identical for any thread count. Values stay in [0, 1] (each row of P sums to ≤ 1). Computed for
/// x < y only, P'(y,x) as its transpose (exact: `in` must be transpose-symmetric, as the pair-HMM
/// and profile posteriors are).
[[nodiscard]] posterior_set consistency_transform(posterior_set const & in, int threads = 1,
                                                  double min_posterior = 0.01);

/// \brief A multiple alignment as columns: for each sequence, the 0-based column of each residue
/// (strictly increasing), and the number of columns.
struct column_alignment
{
    std::size_t columns = 0;
    std::vector<std::vector<std::uint32_t>> col_of; ///< per sequence, per residue
};

/// \brief Progressive alignment maximising the sum over aligned residue pairs of their posteriors
/// (no gap penalty, as ProbCons), along a UPGMA tree on 1 − expected accuracy
/// (Σ P(x,y) / min(|x|, |y|)); ties broken by the lower index, so the result is deterministic.
[[nodiscard]] column_alignment progressive_alignment(posterior_set const & post);

/// \brief Σ over residue pairs (x_i, y_j), x < y, that `column` puts in the same column of
/// P(x_i ~ y_j): the expected number of correctly aligned pairs of that alignment if `post` were
/// right (ProbCons' objective). column[s][i] is the column of residue i of sequence s, or −1 when
/// the residue is not aligned (an insert): such residues add nothing. Sparse entries only.
/// \throws usage_error when `column` does not match post's sequences and lengths.
[[nodiscard]] double expected_aligned_pairs(posterior_set const & post, std::vector<std::vector<std::int32_t>> const & column);

/// \brief The msa of `seqs` laid out by `a` (gap = msa_gap), without RF.
[[nodiscard]] msa to_msa(column_alignment const & a, std::span<digital_sequence const> seqs);

} // namespace emtk::hmm
