#pragma once
// Private to src/hmm: what the double scaled kernel (scaled_dp.cpp) shares with the float SIMD
// kernel (estep_float.cpp): the per-sequence special transitions, the layout of the transition
// flows, and the step that checks a result and turns flows into counts.
#include <emtk/hmm/scaled_dp.hpp>

#include <cstddef>
#include <optional>

namespace emtk::hmm::detail {

/// The special transitions of a sequence of length L in probability space.
struct specials
{
    double n_loop, n_move, e_move, e_loop, c_loop, c_move, j_loop, j_move;
};

/// special_transitions() of the profile's length model for length L, as probabilities.
specials special_probs(prob_profile const & pp, std::size_t L);

/// Indices of the transition flows in the workspace's flow buffer (W doubles each).
enum flow : std::size_t
{
    f_mm = 0, f_md, f_mi, f_im, f_ii, f_dm, f_dd, f_xm, f_xd, f_en, f_em, f_ei, n_flows
};

/// Scalar flows of one sequence (unnormalised: multiply by weight / P̃ and the parameter).
struct scalar_flows
{
    double b_i0 = 0, x_i = 0, n_loop = 0, c_loop = 0, j_loop = 0, n_move = 0, j_move = 0, e_move = 0, e_loop = 0;
};

/// What a kernel hands to scaled_finish(): besides the flows it left in the workspace (flow_:
/// n_flows · W doubles, acc_: 2 Kp W doubles per code, both zero for codes x does not use).
struct estep_sums
{
    double log_p = 0;   ///< log P(x)
    double pt = 0;      ///< P̃ from forward
    double pb = 0;      ///< P̃ recomputed by backward, B̂(0, N)
    scalar_flows sf;
};

/// Fills pp.ftab and pp.float_ok from the double tables (estep_float.cpp).
void build_float_tables(prob_profile & pp);

/// The reliability check (with tol ≥ 0; scaled_dp.hpp, "When the bounds fail") and the counts:
/// adds weight × the expected counts of x to acc and returns log P, or returns nothing and adds
/// nothing when the check fails.
std::optional<double> scaled_finish(prob_profile const & pp, digital_sequence x, estep_workspace & ws,
                                    hmm_counts & acc, double weight, double tol, estep_sums const & s);

} // namespace emtk::hmm::detail
