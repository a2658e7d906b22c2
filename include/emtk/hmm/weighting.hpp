#pragma once
/// \file
/// \brief Sequence weights and centrality of unaligned training sequences from shared k-mers
/// (train.hpp uses them before EM), in time that grows about linearly with the number of
/// sequences.
///
/// Definitions. K_i is sequence i's set of distinct k-mers (k = 3 amino, 6 nucleic; degenerate
/// codes break k-mers). The similarity of i and j is f_ij = |K_i ∩ K_j| / min(|K_i|, |K_j|); they are
/// neighbours when f_ij ≥ identity. w_i = 1 / (number of neighbours of i, itself included), the
/// "1/cluster size" weighting of direct-coupling analysis; near-duplicates share one unit of weight.
/// The centrality of i (which sequence starts training, train.hpp "Starts") is Σ_{j≠i} f_ij.
///
/// Exact mode (N ≤ kmer_options::exact_limit, default 2,000): every pair is compared by merging
/// the sorted k-mer sets: O(N² L) time. Every family of the benchmarks is in this mode, so their
/// weights are those of the earlier all-pairs code, bit for bit.
///
/// Scalable mode (N > exact_limit), O(N L + candidate pairs · L):
/// - **Neighbours**: MinHash locality-sensitive hashing (Broder 1997; Indyk & Motwani 1998) finds
///   candidate pairs, and each candidate is verified with the exact f_ij, so there is no false
///   neighbour; only missed ones. Each set gets a one-permutation MinHash signature of S = bands ·
///   rows bins (Li, Owen & Zhang 2012: one hash h(m) per k-mer, bin h mod S, value the minimum of
///   the high bits) with empty bins filled by optimal densification (Shrivastava 2017: an empty bin
///   takes the value of the first non-empty bin along its own fixed hash sequence), so two sets
///   agree on a bin with probability ≈ their Jaccard index J. Two sequences are candidates when
///   all `rows` bins of one of the `bands` bands agree: P = 1 − (1 − J^rows)^bands. Neighbours have
///   J ≥ identity / (2 − identity) when their lengths are equal (0.67 at 0.8) and
///   J ≥ 0.55 for a length ratio of 1.25; with 24 bands of 4 rows P = 0.995 and 0.90 there, while
///   a pair of family members at J = 0.05 becomes a candidate with P = 1.5e−4. What it misses:
///   neighbours whose k-mer sets differ a lot in size (a fragment inside a full-length sequence:
///   J = |fragment| / |full|), so such a fragment can keep a larger weight than in exact mode.
///   bench/README.md ("hmm train: weighting before EM") measures the recall of neighbour pairs
///   against exact mode on a redundant set.
/// - **Centrality**: Σ_j |K_i ∩ K_j| / min(|K_i|, m̃) = Σ_{m ∈ K_i} (df(m) − 1) / min(|K_i|, m̃), with
///   df(m) the number of sequences holding k-mer m and m̃ the median k-mer set size: exact for that
///   normalisation and O(Σ |K_i|). It replaces min(|K_i|, |K_j|) by min(|K_i|, m̃) — the two agree
///   when the other sets have about the median size — which changes little among the start
///   candidates (lengths within [0.8, 1.25] × the median) and, unlike |K_i| alone, does not favour
///   short sequences.
/// Deterministic: the hashes use a fixed seed (the weights do not depend on --seed), candidate
/// pairs are enumerated in sorted order, and neighbour counts are integers (exact sums for any
/// thread count).

#include <emtk/seq/sequence.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace emtk::hmm {

/// \brief Options of kmer_similarities(). Defaults are documented here and nowhere else.
struct kmer_options
{
    double identity = 0.8;            ///< f_ij that makes two sequences neighbours
    std::size_t exact_limit = 2000;   ///< N at most this: all pairs (exact); above: MinHash LSH
    int bands = 24;                   ///< LSH bands
    int rows = 4;                     ///< MinHash bins per band
    std::uint64_t hash_seed = 0x9e3779b97f4a7c15ULL; ///< fixed: weights independent of --seed
};

/// \brief For each sequence: its number of neighbours (itself included) and its centrality
/// (file comment; in scalable mode the centrality's normalisation differs, see there).
struct kmer_similarity
{
    std::vector<double> neighbours;
    std::vector<double> centrality;
    bool exact = true; ///< exact (all-pairs) mode was used
    std::size_t candidate_pairs = 0; ///< scalable mode: pairs verified exactly
};

[[nodiscard]] kmer_similarity kmer_similarities(seq::sequence_set const & set, kmer_options const & opt);
/// \brief kmer_similarities() with default options and this identity.
[[nodiscard]] kmer_similarity kmer_similarities(seq::sequence_set const & set, double identity);

/// \brief The weights of the file comment; returns w (N values) and sets `neff` to Σ w.
[[nodiscard]] std::vector<double> kmer_cluster_weights(seq::sequence_set const & set, kmer_options const & opt,
                                                       double & neff);
/// \brief kmer_cluster_weights() with default options and this identity.
[[nodiscard]] std::vector<double> kmer_cluster_weights(seq::sequence_set const & set, double identity, double & neff);

} // namespace emtk::hmm
