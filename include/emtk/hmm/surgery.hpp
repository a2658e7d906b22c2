#pragma once
/// \file
/// \brief Model surgery (`emtk hmm train --surgery`): drop match states that few sequences use,
/// add match states where most sequences insert, then refit (Krogh et al., JMB 235:1501, 1994,
/// section "Adjusting the model length"; SAM's buildmodel does the same between EM rounds).
///
/// Input: the expected counts of one E-step over the training set (counts.hpp) under the *glocal
/// unihit* training profile (train.hpp's make_training_profile), summed with the sequence
/// weights; W = hmm_counts::sequences is the total weight. In that profile every sequence passes
/// each node exactly once (through M_k or D_k), so:
/// - match use u_k = Σ_a (expected emissions of M_k) / W = the weighted fraction of sequences
///   aligned to M_k;
/// - insert entry e_k = expected uses of M_k → I_k (for k = 0: B → I0) / W = the fraction of
///   sequences that insert after node k (Plan7 enters I_k only from M_k, at most once per pass);
/// - insert length ℓ_k = expected emissions of I_k / expected entries of I_k = the mean length of
///   an insertion after node k *when there is one* (the per-sequence mean ℓ_k·e_k is reported too).
///   We use the conditional mean because the new match states should stand for the columns of the
///   sequences that do insert: if 60% insert 3 residues, 3 columns of 60% occupancy are match
///   columns by the same ≥ 50% rule that deletes; the unconditional mean (1.8) would add 2.
///
/// Plan: delete node k when u_k < min_match_use; insert round(ℓ_k) new match states after node k
/// (k = 0 … M) when e_k > min_insert_use. Guards: at least one node is kept (the most used one
/// when all fall below the threshold); the new length is at most ⌊max_growth · M⌋ (insertions
/// are granted by decreasing e_k, ties to the left, and the last one granted may be shortened),
/// so M grows at most 2× per round by default.
///
/// Applying a plan gives a valid model (profile_hmm_problem() finds nothing):
/// - A kept node keeps its emission rows and transition row; its transitions now lead to the next
///   kept node. When node M is deleted, the last kept node becomes node M: its M → D is dropped and
///   (M → M, M → I) renormalised, D → E = 1. When nodes are inserted after the old node M, the old
///   node M's row gets the neutral M → D and D rows below, rescaling (M → M, M → I).
/// - Before inserted nodes, the node they follow (or B for k = 0) had most of its mass on M → I:
///   M → I is capped at the neutral 0.05 and the excess moved to M → M (the new main line).
/// - An inserted node's match emissions are the old insert emissions of I_k (what the insertion
///   emitted); its insert emissions are the null model (uniform if the model has none); its
///   transitions are neutral main-line values: M (0.90, 0.05, 0.05), I (0.5, 0.5), D (0.7, 0.3)
///   (node M: M → D 0, (0.95, 0.05)).
/// The refit (EM) after surgery re-estimates everything; these values only have to be a
/// reasonable start.

#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/profile_hmm.hpp>

#include <vector>

namespace emtk::hmm {

/// \brief Options of plan_surgery(). Defaults are documented here and nowhere else.
struct surgery_options
{
    double min_match_use = 0.5;  ///< delete M_k when its use fraction is below this
    double min_insert_use = 0.5; ///< add match states after node k when the fraction entering I_k exceeds this
    double max_growth = 2.0;     ///< the new M is at most max_growth · M (≥ 1)
};

/// \brief One insertion of the plan.
struct surgery_insert
{
    int after = 0; ///< old node the new match states follow (0 = before node 1)
    int count = 0; ///< number of new match states
};

/// \brief What surgery decides (for the JSON summary, and for apply_surgery()).
struct surgery_plan
{
    int old_M = 0;                         ///< model length before
    int new_M = 0;                         ///< model length after
    std::vector<int> deleted;              ///< old nodes deleted, increasing
    std::vector<surgery_insert> inserted;  ///< insertions, by increasing `after`
    std::vector<double> match_use;         ///< M+1: u_k (index 0 unused, 0)
    std::vector<double> insert_use;        ///< M+1: e_k, k = 0 … M
    std::vector<double> insert_length;     ///< M+1: ℓ_k (0 where e_k = 0)
    bool capped = false;                   ///< true when max_growth or the keep-one rule changed the plan

    /// \brief True when the plan changes the model.
    [[nodiscard]] bool changes() const noexcept { return !deleted.empty() || !inserted.empty(); }
};

/// \brief Decides the surgery from one E-step's expected counts (see the file comment).
/// Counts with no sequence weight (c.sequences ≤ 0) give an empty plan.
[[nodiscard]] surgery_plan plan_surgery(hmm_counts const & c, surgery_options const & opt = {});

/// \brief The model after the plan (see the file comment); the null model is kept.
/// A plan for another model length is a bug (assertion).
[[nodiscard]] profile_hmm apply_surgery(profile_hmm const & hmm, surgery_plan const & plan);

} // namespace emtk::hmm
