#pragma once
/// \file
/// \brief Entropy weighting: the effective sequence number that gives a model a target mean
/// relative entropy per match state (HMMER 3's default, hmmbuild --eent; L. S. Johnson, "Remote
/// protein homology detection using hidden Markov models", PhD thesis, Washington University,
/// 2006).
///
/// Why: counts from N related sequences make a model as sharp as those N sequences; a model meant
/// to find *remote* members of the family must stay more general. Scaling every count by
/// s ∈ (0, 1] lets the prior weigh more. hmmbuild picks s so that the mean match relative entropy
/// (to HMMER's background, in bits) of the estimated model equals
///     target(M) = max(re_target, (esigma − log2(2 / (M(M+1)))) / M),
/// re_target = 0.59 bits (amino) or 0.62 (DNA/RNA) and esigma = 45 bits (HMMER 3.3's
/// p7_ETARGET_AMINO, p7_ETARGET_DNA and p7_ESIGMA: the second term keeps short models informative
/// enough for a total of ~45 bits). When the model at s = 1 is already below the target, s = 1.
///
/// In training (train.hpp) s scales the sequence weights, so the objective stays a proper weighted
/// MAP-EM objective; the effective number written as EFFN is s · Σ w.

#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/seq/alphabet.hpp>

namespace emtk::hmm {

/// \brief HMMER's target mean match relative entropy (bits) for a model of M nodes (file comment).
/// \param re_target 0 = the alphabet's default (0.59 amino, 0.62 DNA/RNA)
[[nodiscard]] double entropy_target(int M, seq::alphabet_type a, double re_target = 0, double esigma = 45.0) noexcept;

/// \brief Multiplies every count (and hmm_counts::sequences) by s.
void scale_counts(hmm_counts & c, double s) noexcept;

/// \brief The scale s ∈ (0, 1] for which the model estimated from s · counts (estimate_parameters
/// of prior.hpp, from `current` as θ_old) has mean match relative entropy `target` bits to the
/// background `bg`; 1 when it is already ≤ target at s = 1. Bisection on log s over [1e-4, 1]
/// to a relative precision of 1% in s (the relative entropy decreases as s does).
[[nodiscard]] double entropy_scale(hmm_counts const & counts, hmm_prior const & prior, profile_hmm const & current,
                                   std::vector<double> const & bg, double target);

} // namespace emtk::hmm
