#pragma once
/// \file
/// \brief Choosing among candidate starts by consensus (train.hpp, "Consensus of starts").
///
/// Each candidate model aligns the training sequences (optimal accuracy, as hmmalign); the
/// alignment maps every residue to a match column or to none (insert, flank). Two alignments agree
/// on a pair of residues of two different sequences when both put them in one match column.
/// agreement(A, B) = (pairs aligned in A and in B) / (pairs aligned in A), counted without
/// enumerating pairs: Σ over (column in A, column in B) of C(n, 2), n the residues in both, over
/// Σ over columns of A of C(n_A, 2); residues of the same sequence never share a column. The
/// chosen candidate maximises the mean of the symmetric agreement (A→B and B→A averaged) with the
/// others: the medoid, the alignment the other starts support most (consistency, as T-Coffee's
/// library scores reward pairs that several alignments share). Ties: the lowest index.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace emtk::hmm {

/// \brief Match column (1 … M) of every residue of every sequence, 0 for a residue in no match
/// column: columns[s][i] for residue i (0-based) of sequence s.
using residue_columns = std::vector<std::vector<int>>;

/// \brief agreement(A, B) as in the file comment (0 when A aligns no pair). \pre same shape.
[[nodiscard]] double column_agreement(residue_columns const & a, residue_columns const & b);

/// \brief Index of the candidate with the highest mean symmetric agreement with the others (0
/// for fewer than two candidates).
[[nodiscard]] std::size_t consensus_medoid(std::vector<residue_columns> const & candidates);

} // namespace emtk::hmm
