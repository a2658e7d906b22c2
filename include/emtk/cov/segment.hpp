#pragma once
/// \file
/// \brief Copy-number segmentation: an HMM over consecutive windows of each chromosome whose
/// states and emissions are those of the copy-number mixture (cn_model.hpp), transitions and
/// initial probabilities estimated by Baum-Welch through em::fit, then Viterbi segments.
///
/// Baum-Welch. Items of em::fit are chromosomes (the E-step runs them in parallel, merged in
/// chromosome order: results do not depend on the thread count). Emissions stay those of the
/// mixture fit (the mixture already estimated them from the same windows); the M-step is MAP with
/// Dirichlet pseudo-counts: `self_pseudocount` on A_ii, `other_pseudocount` on A_ij (i ≠ j) and
/// on each initial probability, so a state never visited keeps a proper row and the objective
/// (log-likelihood + log prior) never decreases.
///
/// Forward-backward in probability space with per-window scaling (Rabiner 1989, §V.A): window t's
/// emissions are divided by their maximum (e_t(j) = exp(log f_j − max_k log f_k) ∈ [0, 1]) and the
/// forward vector renormalised to sum 1 by c_t; log-likelihood = Σ_t (log c_t + max_k log f_k).
/// No underflow for any chromosome length: every scaled quantity stays in [1e-300, 1] unless a
/// probability is truly below that, which then counts as 0. Memory: 3 × windows × states doubles
/// for the largest chromosome being processed, per thread. Viterbi runs in log space.
///
/// Segment quality: the mean, over the segment's windows, of the posterior probability (from
/// forward-backward) of the segment's copy number.

#include <emtk/cov/cn_model.hpp>
#include <emtk/em/options.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace emtk::cov {

struct hmm_options
{
    double self_pseudocount = 1.0;   ///< Dirichlet pseudo-count of A_ii
    double other_pseudocount = 0.1;  ///< of A_ij, i ≠ j, and of each initial probability
    double switch_start = 1e-3;      ///< start: A = (1 − s) I + s · mixture weights
    em::options em;
};

struct hmm_fit
{
    bool ok = false;
    std::string message;
    std::vector<double> initial;     ///< states
    std::vector<double> transition;  ///< states × states, row-major
    double log_likelihood = 0;
    double objective = 0;
    std::vector<double> trace;
    int iterations = 0;
    em::stop_reason reason = em::stop_reason::max_iter;
    int decreases = 0;
    std::vector<int> cn;             ///< per window: copy number of the Viterbi state
    std::vector<double> posterior;   ///< per window: posterior probability of that copy number
};

/// \brief Fits the HMM and decodes every chromosome.
/// \param chrom_offsets window index where each chromosome starts, plus the total (size C + 1)
[[nodiscard]] hmm_fit fit_cn_hmm(cn_values const & v, cn_states const & s,
                                 std::vector<std::size_t> const & chrom_offsets, hmm_options const & opt);

/// \brief One segment: consecutive windows of one chromosome with the same copy number.
struct cn_segment
{
    std::size_t first = 0, last = 0; ///< window indices, inclusive
    int cn = 0;
    double mean_depth = 0;           ///< mean of the windows' depths
    double quality = 0;              ///< mean posterior of cn over the windows
};
/// \brief Maximal runs of equal copy number within each chromosome.
[[nodiscard]] std::vector<cn_segment> make_segments(std::vector<std::size_t> const & chrom_offsets,
                                                    std::vector<int> const & cn, std::vector<double> const & posterior,
                                                    std::vector<double> const & depth);

} // namespace emtk::cov
