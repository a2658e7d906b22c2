#pragma once
// Private to src/hmm: posterior decoding for alignment (align.cpp's align_one, so emtk hmm align and
// the training realignment) in odds space with row rescaling, on the full profile graph of
// forward_backward.cpp (glocal I0 and I_M, explicit entry and exit arrays, real insert emissions).
//
// Numerics: the recurrences are forward()/backward()'s with every log-sum replaced by a sum of
// probabilities. Each row's emissions are divided by the null emission of its residue
// (exp(xsc[x_i])), and each row is divided by its largest value (the log of the divisor
// accumulated in a per-row log scale), so every stored value is in [0, 1] and the row maximum is
// 1. Sums of non-negative terms in double lose at most ~M·ε relative, so the posteriors equal
// decode_posterior()'s up to 1e-12 + 2e-13·L absolute (test/unit/hmm/align_scaled_test.cpp; most of
// that is log space's own round-off: each log_add rounds to an ulp of |log value|, ~1e-12 at
// thousands of nats); cells
// whose value is below ~1e-308 of their row's largest underflow to 0 (their posterior is below
// ~1e-300, i.e. 0 in log space's exp() too whenever it matters). The log-likelihood returned is
// the odds score plus Σ_i xsc[x_i], equal to forward()'s up to the same round-off. The decoder
// refuses (returns false, and align_one falls back to the log-space path) when the profile has a
// non-finite odds (a null emission of probability 0), the profile cannot emit x (a zero row or
// likelihood), or forward and backward disagree by more than 1e-9 relative.
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>

#include <vector>

namespace emtk::hmm::detail {

/// The profile in odds space: transitions as probabilities, match and insert emissions as odds
/// against the null (xsc).
struct scaled_profile
{
    int M = 0;
    std::size_t Kp = 0;
    bool usable = true;                                  // every odds finite
    std::vector<double> me, ie;                          // (M+1) per code: me[c·(M+1) + k]
    std::vector<double> mm, im, dm, mi, ii, md, dd;      // per node k (k → k+1)
    std::vector<double> enter_m, exit_m, exit_d;         // per node
    double enter_i0 = 0, exit_i = 0;
    std::vector<double> xsc;                             // the null's log emissions
    explicit scaled_profile(profile const & p);
};

/// Reusable buffers of one worker.
struct scaled_workspace
{
    std::vector<double> fm, fi;                 // forward match / insert rows, (L+1)·(M+1)
    std::vector<double> fx;                     // forward specials, (L+1)·n_special_states
    std::vector<double> fs;                     // forward log scales, L+1
    std::vector<double> bm, bi, bd, nm, ni;     // backward rows (current and next)
};

/// Posterior decoding of x (decode_posterior()'s values, see the file comment) into `pp`, and the
/// log-likelihood (forward()'s) into `loglik`. False when the scaled path cannot be trusted: the
/// caller then uses forward/backward/decode_posterior.
[[nodiscard]] bool scaled_posterior(scaled_profile const & sp, profile const & p, digital_sequence x,
                                    posterior & pp, double & loglik, scaled_workspace & w);

} // namespace emtk::hmm::detail
