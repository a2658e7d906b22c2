#pragma once
/// \file
/// \brief A profile HMM from a multiple alignment, the way HMMER's hmmbuild does it (seed
/// alignments of `emtk hmm train --seed-msa`).
///
/// Steps (learned from HMMER 3's src/p7_builder.c, build.c, eweight.c and p7_trace.c and Easel's
/// esl_msaweight.c / esl_msa.c; the code here is our own):
/// 1. **Sequence weights**: Henikoff & Henikoff position-based weights (JMB 243:574, 1994), with
///    the rules of HMMER 3.3 / Easel's esl_msaweight_PB_adv: only *consensus* columns count — the
///    RF columns when the alignment has an RF line, else the columns whose (unweighted) gap
///    fraction among rows with a residue or gap there is < symfrac (all columns if none is);
///    a fragment's flanking gaps are not counted. For a consensus column with r distinct canonical
///    residues, a row holding residue a (n_a rows hold it) gets 1/(r·n_a); gaps and degenerate codes
///    get nothing; each row's sum is divided by its number of canonical residues in consensus
///    columns, then the weights are scaled to sum to the number of rows N (all 1 when every sum is
///    0). `weighting = false`: every weight 1.
/// 2. **Fragments**: a row whose span (first to last residue) is shorter than ⌈fragthresh·L⌉
///    columns is a fragment (HMMER 3.3's rule); its leading and trailing gaps are *missing data*,
///    not deletions (esl_msa_MarkFragments). With `end_deletions_missing` (an alignment with an RF
///    line, e.g. the realignment of `emtk hmm train`, whose paths may leave the model early): any row
///    whose first residue in an RF column comes after the first RF column has its leading RF
///    deletions, and whatever lies before them, treated as missing data, and the same at the end;
///    every such row counts as a fragment, whatever its span (a fragment over half the width would
///    otherwise count its end deletions as D states and push the end columns under symfrac).
/// 3. **Match columns**: the RF columns (a non-gap RF character) when `use_rf` and the alignment has
///    an RF line (hmmbuild --hand); otherwise the columns whose weighted residue fraction
///    Σ_{rows with a residue} w / Σ_{rows with a residue or gap} w is ≥ symfrac (missing data not
///    counted; hmmbuild's default --fast with --symfrac 0.5).
/// 4. **Counts**: each row's path through the model — M_k for a residue in the k-th match column,
///    D_k for a gap there, I_k for a residue in an insert column after the k-th match column — is
///    counted with the row's weight into an hmm_counts (counts.hpp layout: B → M1/I0/D1 in t[0],
///    exits M_M/I_M/D_M → E in t[M][mm/im/dm]). Plan7 has no D → I or I → D transition: a D_k
///    followed by an insert residue, or an insert residue followed by D_k, becomes M_k emitting
///    that residue (scanned left to right, as HMMER's p7_trace_Doctor does). A degenerate residue
///    (N, X, R, …) adds w/|set| to each canonical residue it stands for (split evenly, as
///    esl_abc_FCount does; splitting by the background would favour frequent residues). For a
///    fragment, only the stretch from its first to its last match state is counted (its entry,
///    exit and flanking inserts are missing data); a fragment without a match state adds nothing.
/// 5. **Effective sequence number**: the counts are scaled by Neff/N. Neff = N by default
///    (hmmbuild --enone), a given value (--eset), or HMMER's entropy weighting (--eent, hmmbuild's
///    default; L. S. Johnson, PhD thesis, Washington University 2006; HMMER's eweight.c): the Neff in
///    [0, N] at which the mean match relative entropy of the estimated model equals
///    max(re_target, (esigma − log2(2/(M(M+1))))/M) bits (re_target 0.59 amino, 0.62 nucleic:
///    HMMER 3.3's p7_ETARGET_AMINO/DNA; esigma 45), found by bisection to ±0.01 (N is kept when
///    the entropy at N is already below the target). The entropy is that of the model HMMER's
///    estimator gives (posterior mean, step 6 with map_passes = 0), for which the target was
///    tuned: so Neff is hmmbuild's (the MAP match rows are sharper and would pick a smaller Neff).
/// 6. **Estimate**: prior.hpp's estimate_parameters() (the training M-step) from the scaled counts
///    under make_prior(prior, alphabet). Match emissions start from HMMER's posterior mean
///    (posterior_mean()) and take `map_passes` M-steps, so for the match-emission mixture the result
///    is the MAP estimate (close to, not equal to, HMMER's posterior mean); every other row is
///    HMMER's estimate exactly. `map_passes = 0` keeps HMMER's posterior mean for the match
///    emissions (hmmbuild's estimator exactly). The null model is HMMER's background
///    (hmmer_background()).
///
/// Cost: O(N·L) for weights and counts; entropy weighting re-estimates the model ~log2(100·N)
/// times. Memory: the counts and the model, O(M·K).

#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/msa.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/hmm/profile_hmm.hpp>

#include <vector>

namespace emtk::hmm {

/// \brief How the counts are scaled (step 5 of the file comment).
enum class effective_number
{
    none,   ///< Neff = number of rows (default; hmmbuild --enone)
    set,    ///< Neff = build_options::effn (hmmbuild --eset)
    entropy ///< HMMER's entropy weighting (hmmbuild's default --eent)
};

/// \brief Options of build_profile_hmm(). Defaults are documented here and nowhere else.
struct build_options
{
    double symfrac = 0.5;                               ///< weighted residue fraction that makes a match column
    bool use_rf = false;                                ///< match columns from "#=GC RF" when present (--hand)
    double fragthresh = 0.5;                            ///< rows with < fragthresh·columns residues are fragments
    bool weighting = true;                              ///< Henikoff position-based weights (false: all 1)
    prior_kind prior = prior_kind::standard;            ///< prior of the estimate
    effective_number effn_rule = effective_number::none; ///< how Neff is chosen
    double effn = 0;                                    ///< Neff for effective_number::set (> 0)
    double re_target = 0;                               ///< entropy target in bits; 0 = 0.59 amino, 0.62 nucleic
    double esigma = 45.0;                               ///< minimum total relative entropy (bits) of entropy weighting
    int map_passes = 4;                                 ///< M-steps refining the match mixture (0: HMMER's posterior mean)
    bool end_deletions_missing = false;                 ///< leading/trailing RF deletions are missing data (step 2)
};

/// \brief What build_profile_hmm() returns.
struct build_result
{
    profile_hmm hmm;             ///< the estimated model (null = HMMER's background)
    std::vector<int> map;        ///< alignment column (1-based) of each match state: M values (HMMER's MAP)
    std::vector<double> weights; ///< per-row relative weights (sum = number of rows)
    std::vector<bool> fragment;  ///< per row: treated as a fragment (some of its columns are missing data)
    hmm_counts counts;           ///< weighted observed counts, before the Neff scaling
    double nseq = 0;             ///< number of rows
    double effn = 0;             ///< effective sequence number used
};

/// \brief Henikoff position-based weights (step 1), summing to the number of rows.
[[nodiscard]] std::vector<double> henikoff_weights(msa const & a, double symfrac = 0.5, double fragthresh = 0.5);

/// \brief Which rows are fragments (step 2).
[[nodiscard]] std::vector<bool> mark_fragments(msa const & a, double fragthresh);

/// \brief The columns of a row that are data (step 2): [first, last], 0-based; the counted path of a
/// row with `lead_missing` (`tail_missing`) starts (ends) at its first (last) match state.
struct row_span
{
    std::size_t first = 1, last = 0; ///< first > last: no data at all
    bool lead_missing = false, tail_missing = false;
};

/// \brief Every row's data span (step 2): a fragment's residue span, a whole row otherwise; with
/// `end_deletions_missing` and an RF line, also the rows with leading or trailing RF deletions.
[[nodiscard]] std::vector<row_span> data_spans(msa const & a, std::vector<bool> const & fragment,
                                               bool end_deletions_missing = false);

/// \brief The match columns (step 3), 1-based, in increasing order (may be empty).
[[nodiscard]] std::vector<int> match_columns(msa const & a, std::vector<double> const & weights,
                                             std::vector<row_span> const & spans, build_options const & opt);

/// \brief The weighted observed counts of every row's path (step 4) for the match columns `map`.
/// hmm_counts::sequences is set to the sum of the weights of the rows counted.
[[nodiscard]] hmm_counts count_alignment(msa const & a, std::vector<int> const & map,
                                         std::vector<double> const & weights, std::vector<row_span> const & spans);

/// \brief Mean over match states of Σ_a p_a log2(p_a / bg_a), in bits (HMMER's
/// p7_MeanMatchRelativeEntropy).
[[nodiscard]] double mean_match_relative_entropy(profile_hmm const & hmm, std::vector<double> const & bg);

/// \brief Builds a model from an alignment (see the file comment).
/// \throws user_error (naming the alignment's file) when no column qualifies as a match column,
///         and usage_error for an invalid option value (symfrac outside [0, 1], effn ≤ 0 with
///         effective_number::set).
[[nodiscard]] build_result build_profile_hmm(msa const & a, build_options const & opt = {});

} // namespace emtk::hmm
