// The scaled E-step under the deletion tilt (scaled_dp.hpp, "Deletion tilt"; src/hmm/scaled_tilt.cpp):
// the counts and log-likelihood of the log-space reference, for the fragments against long
// glocal models that the untilted kernel cannot represent (issue 16's SMC_N fallbacks).
#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/scaled_dp.hpp>
#include <emtk/util/rng.hpp>

#include "hmm/test_residues.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace emtk::hmm;
using emtk::hmm::test::amino_sets;
using emtk::hmm::test::flatten;
using emtk::hmm::test::mode;

namespace {

/// Largest |a − b| over all counts, relative to the sequence's weight (1): counts are expected
/// numbers of uses, so this is the error in uses.
double max_abs_diff(hmm_counts const & a, hmm_counts const & b)
{
    auto const x = flatten(a), y = flatten(b);
    REQUIRE(x.size() == y.size());
    double worst = 0;
    for (std::size_t j = 0; j < x.size(); ++j)
        worst = std::max(worst, std::fabs(x[j] - y[j]));
    return worst;
}

} // namespace

TEST_CASE("tilted scaled E-step: a fragment against a long glocal model equals the log-space reference",
          "[hmm][scaled]")
{
    emtk::rng r{1617};
    residue_sets const sets = amino_sets();
    estep_workspace ws;
    // M = 1,200 with t_DD = 0.45 (1.15 bits per deleted node; SMC_N's trained model: 1.05 on
    // average); fragments of 250–340 residues emitted from the first nodes of the model (every
    // glocal path deletes ≥ 850 nodes, ~1,000 bits: the untilted forward flushes them).
    profile_hmm big = emtk::hmm::test::sharpened_hmm(r, 1200, 20, 2, 1.0, 1.0);
    for (int k = 1; k < big.M; ++k)
    {
        auto & t = big.t[static_cast<std::size_t>(k)];
        t[t_dm] = 0.55;
        t[t_dd] = 0.45;
    }
    profile const p = make_profile(big, sets, mode(false, false));
    prob_profile const pp = make_prob_profile(p);
    REQUIRE(deletion_tilt_applies(pp));
    int rescued = 0;
    for (int j = 0; j < 4; ++j)
    {
        auto x = emit_sequence(big, r);
        x.resize(std::min<std::size_t>(x.size(), 250 + 30 * static_cast<std::size_t>(j)));
        hmm_counts plain{1200, 20}, tilted{1200, 20}, ref{1200, 20};
        auto const lp = scaled_expected_counts_checked(pp, x, plain, 1.0, ws);
        double const lr = expected_counts(p, x, ref);
        REQUIRE(std::isfinite(lr));
        auto const lt = scaled_expected_counts_tilted(pp, x, tilted, 1.0, ws);
        INFO("fragment " << j << ": L = " << x.size() << ", reference " << lr << ", plain "
                         << (lp ? *lp : 0.0) << (lp ? "" : " (failed its check)"));
        REQUIRE(lt.has_value());
        CHECK(std::fabs(*lt - lr) <= 1e-8 * std::fabs(lr));
        CHECK(max_abs_diff(tilted, ref) <= 1e-7);
        CHECK(tilted.sequences == 1.0);
        rescued += lp ? 0 : 1;
    }
    CHECK(rescued > 0); // the case exists: the untilted kernel failed on some fragment
}

TEST_CASE("tilted scaled E-step: on sequences the plain kernel handles, the same result to round-off",
          "[hmm][scaled]")
{
    emtk::rng r{1618};
    residue_sets const sets = amino_sets();
    estep_workspace ws;
    profile_hmm const hmm = random_profile_hmm(r, 80, 20);
    prob_profile const pp = make_prob_profile(make_profile(hmm, sets, mode(false, false)));
    for (int j = 0; j < 5; ++j)
    {
        auto const x = emit_sequence(hmm, r);
        hmm_counts a{80, 20}, b{80, 20};
        auto const la = scaled_expected_counts_checked(pp, x, a, 1.0, ws);
        auto const lb = scaled_expected_counts_tilted(pp, x, b, 1.0, ws);
        REQUIRE(la.has_value());
        REQUIRE(lb.has_value());
        CHECK(std::fabs(*la - *lb) <= 1e-12 * std::fabs(*la));
        CHECK(max_abs_diff(a, b) <= 1e-10);
    }
    // Local or multihit profiles: every path does not carry the same τ_M, no tilt.
    prob_profile const local = make_prob_profile(make_profile(hmm, sets, mode(true, false)));
    CHECK_FALSE(deletion_tilt_applies(local));
    hmm_counts c{80, 20};
    CHECK_FALSE(scaled_expected_counts_tilted(local, emit_sequence(hmm, r), c, 1.0, ws).has_value());
    CHECK(c.sequences == 0);
}
