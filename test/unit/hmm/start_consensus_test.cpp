// Consensus of candidate starts (include/emtk/hmm/start_consensus.hpp).
#include <emtk/hmm/start_consensus.hpp>

#include <catch2/catch.hpp>

using emtk::hmm::column_agreement;
using emtk::hmm::consensus_medoid;
using emtk::hmm::residue_columns;

TEST_CASE("column_agreement: identical alignments agree fully, shifted ones not at all", "[hmm][consensus]")
{
    // Three sequences of 4 residues, every residue in match column i + 1.
    residue_columns const a{{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}};
    CHECK(column_agreement(a, a) == 1.0);
    // Sequence 3 shifted by one column: of the 12 pairs of a, the 4 pairs (1,2) still agree.
    residue_columns const b{{1, 2, 3, 4}, {1, 2, 3, 4}, {2, 3, 4, 5}};
    CHECK(column_agreement(a, b) == Approx(4.0 / 12.0));
    CHECK(column_agreement(b, a) == Approx(4.0 / 10.0)); // b aligns 1 + 3 + 3 + 3 pairs
    // A residue in no match column (0) aligns with nothing.
    residue_columns const none{{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    CHECK(column_agreement(none, a) == 0.0);
    CHECK(column_agreement(a, none) == 0.0);
}

TEST_CASE("consensus_medoid: the alignment the others support most wins, ties to the lowest index", "[hmm][consensus]")
{
    residue_columns const truth{{1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}};
    residue_columns near1 = truth, near2 = truth, far = truth;
    near1[0] = {2, 3, 4}; // one row off
    near2[1] = {0, 2, 3}; // one residue in an insert
    far = {{3, 2, 1}, {1, 3, 2}, {2, 1, 3}, {3, 1, 2}};
    CHECK(consensus_medoid({near1, truth, near2, far}) == 1);
    CHECK(consensus_medoid({truth, truth, far}) == 0);
    CHECK(consensus_medoid({far}) == 0);
}
