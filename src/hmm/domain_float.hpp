#pragma once
// Private to src/hmm: single-precision Forward/Backward in odds space for the domain definition of
// the targets that pass the filters (emtk hmm search's default pipeline; `--max` keeps the double
// path of domain_posterior.hpp). HMMER does the same after its filters (float Forward/Backward,
// Eddy 2011); the kernels here are emtk's own.
//
// What is approximated: the recurrences of forward_odds/backward_odds (domain_posterior.hpp) are
// evaluated in float instead of double, rows rescaled to keep their largest special (forward) or
// cell (backward) in [2^-40, 2^40], with flush-to-zero of denormals (x86: MXCSR FTZ/DAZ set for
// the call and restored). The delete chain D_k = a_k + dd_{k-1}·D_{k-1} is computed in blocks
// (each block's chain from 0, then the carry of the previous block times the block's prefix
// products of dd, precomputed per model): the same sum as the serial chain, associated
// differently. Error bound: every cell is a sum of positive terms (no cancellation), so each
// operation adds at most one float rounding (2^-24 relative); a row's value carries at most
// about 4M + 10 roundings from the previous row, and the log score accumulates them over L rows:
// |Δ log-odds| ≲ L·(4M + 10)·2^-24 in the worst case, in practice (errors of random sign) about
// sqrt(L·M)·2^-24: ≲ 1e-4 nats for L = M = 1000. test/hmm/domain_float_test.cpp checks
// |score − double score| ≤ 1e-3 nats and posteriors within 1e-4 absolute on random models.
//
// Identical output at every dispatch level: the kernels are one portable C++ source compiled
// twice (baseline and -mavx2, no FMA contraction), every reduction has a fixed order (8
// accumulator lanes), so the AVX2 and baseline builds compute the same floats.
#include "domain_posterior.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace emtk::hmm::detail {

/// The odds profile (odds_profile) in float, rows padded to a multiple of 8 with zeros, and the
/// block products of the delete chain.
struct float_profile
{
    int M = 0;
    std::size_t np = 0;                                  // padded row length (≥ M + 2, multiple of 8)
    std::size_t Kp = 0;
    std::vector<float> et;                               // et[c·np + k], match odds of residue c
    std::vector<float> tbm, mm, im, dm, mi, ii, md, dd;  // per node, zero beyond M
    std::size_t block = 1;                               // delete-chain block length (nodes)
    std::vector<float> fprod; // forward: Π_{m = s−1}^{k−1} dd[m], s = first node of k's block
    std::vector<float> bprod; // backward: Π_{m = k}^{e} dd[m], e = last node of k's block
    /// From the double odds `op`, kept as the fallback (must outlive this).
    explicit float_profile(odds_profile const & op);
    /// From the configured profile `p` (must outlive this): the double odds of the fallback are
    /// built only when first needed (exact()), not kept per model otherwise (memory of a library).
    explicit float_profile(profile const & p);
    /// The double odds profile (the fallback of the decoders below, and `--max`'s decoding).
    [[nodiscard]] odds_profile const & exact() const;

private:
    void build(odds_profile const & op);
    odds_profile const * source_ = nullptr;         // the double profile, when given
    profile const * config_ = nullptr;              // else the profile it is built from on demand
    mutable std::once_flag once_;
    mutable std::unique_ptr<odds_profile const> own_;
};

/// Special-state values of one row in float.
using float_specials = std::array<float, n_special_states>;

/// What a forward or backward pass keeps: the specials and log scale of every row and, when
/// asked, the match and insert cells of every row (row i at i·np).
struct float_pass
{
    std::vector<float_specials> rows;
    std::vector<double> log_scale;
    std::vector<float> core_m, core_i;
    double score = 0; // the pass's log-odds score (nats)
};

/// Receives the rows of a backward pass as they are computed (rows L down to 0): row i's specials,
/// log scale and match/insert cells (np floats each, valid during the call). With a sink the
/// pass keeps nothing in its float_pass (posteriors are summed row by row instead of from stored
/// backward rows: 8 bytes per cell and 28 per row less).
struct backward_sink
{
    void (*row)(void * ctx, std::size_t i, float_specials const & sv, double log_scale, float const * m,
                float const * ins) = nullptr;
    void * ctx = nullptr;
};

/// Forward (as forward_odds, in float); fills `out.rows`/`out.log_scale` and, with `keep_core`,
/// `out.core_m`/`out.core_i`. Returns the log-odds score in nats.
double forward_float(float_profile const & fp, special_probs const & t, digital_sequence x, float_pass & out,
                     bool keep_core);
/// Backward (as backward_odds, in float); the same outputs. Returns the log-odds score in nats.
double backward_float(float_profile const & fp, special_probs const & t, digital_sequence x, float_pass & out,
                      bool keep_core);

/// Whether a float forward and backward score agree: |a − b| ≤ 1e-3 · max(1, |a|/100) nats. When they
/// do not (float range exceeded: in unihit mode, a later domain whose path starts 2^-126 below
/// the row's best lost to flush-to-zero), the decoders below recompute in double.
[[nodiscard]] bool float_passes_agree(double a, double b) noexcept;

/// decode_occupancy (domain_posterior.hpp) through the float passes (double when they disagree).
/// `forward`, when given, is
/// the forward pass of x already computed (forward_float with p's special transitions for
/// x.size(), e.g. by the Forward filter) and is not recomputed.
[[nodiscard]] occupancy decode_occupancy_float(profile const & p, float_profile const & fp, digital_sequence x,
                                               float_pass const * forward = nullptr);

/// decode_full (domain_posterior.hpp) through the float passes (double when they disagree); the posterior is written into
/// `pp` (its storage reused). `score` receives the Forward log-odds score (nats); −∞ and an empty
/// posterior when the profile cannot emit x.
void decode_full_float(float_profile const & fp, special_probs const & t, digital_sequence x, posterior & pp,
                       double & score);

/// The kernels of one instruction-set build (domain_float_kernels.hpp); `avx2` is the -mavx2 build.
/// `sink`, when given, receives the backward rows instead of `out` (backward_sink).
namespace df_generic {
double forward(float_profile const & fp, float const * sp, digital_sequence x, float_pass & out, bool keep_core);
double backward(float_profile const & fp, float const * sp, digital_sequence x, float_pass & out, bool keep_core,
                backward_sink const * sink = nullptr);
} // namespace df_generic
namespace df_avx2 {
double forward(float_profile const & fp, float const * sp, digital_sequence x, float_pass & out, bool keep_core);
double backward(float_profile const & fp, float const * sp, digital_sequence x, float_pass & out, bool keep_core,
                backward_sink const * sink = nullptr);
} // namespace df_avx2

} // namespace emtk::hmm::detail
