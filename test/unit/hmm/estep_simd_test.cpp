// The float SIMD E-step (estep_simd.hpp) against the double scaled kernel (scaled_dp.hpp): the
// stated tolerances, bit-identical results at every SIMD level, normalised counts, and the
// fallback to the double kernel and to the log-space reference.
#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/estep_simd.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include "hmm/test_residues.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

using namespace emtk::hmm;
using emtk::hmm::test::dna_like;
using emtk::hmm::test::flatten;
using emtk::hmm::test::amino_sets;
using emtk::hmm::test::mode;
using emtk::hmm::test::random_sequence;

namespace {

/// Largest |a − b| / scale over all counts.
double max_abs_diff(hmm_counts const & a, hmm_counts const & b, double scale)
{
    auto const x = flatten(a), y = flatten(b);
    REQUIRE(x.size() == y.size());
    double worst = 0;
    for (std::size_t j = 0; j < x.size(); ++j)
        worst = std::max(worst, std::fabs(x[j] - y[j]) / scale);
    return worst;
}

/// Residues emitted by the counts: match + insert emissions and flank loops (N, C, J).
double emitted(hmm_counts const & c)
{
    return std::accumulate(c.mat.begin(), c.mat.end(), 0.0) + std::accumulate(c.ins.begin(), c.ins.end(), 0.0) +
           c.flank[0] + c.flank[1] + c.flank[2];
}

std::vector<simd_level> levels()
{
    std::vector<simd_level> v{simd_level::scalar};
    if (simd_supported() >= simd_level::sse41)
        v.push_back(simd_level::sse41);
    if (simd_supported() >= simd_level::avx2)
        v.push_back(simd_level::avx2);
    return v;
}

} // namespace

TEST_CASE("float E-step: within the stated tolerance of the double kernel, normalised", "[hmm][estep_simd]")
{
    emtk::rng r{20261205};
    double worst_ll = 0, worst_c = 0;
    for (bool amino : {false, true})
        for (int cfg = 0; cfg < 4; ++cfg)
        {
            bool const local = cfg < 2, multihit = cfg % 2 == 0;
            residue_sets const sets = amino ? amino_sets() : dna_like();
            int const K = sets.K;
            estep_workspace ws;
            for (int n = 0; n < 5; ++n)
            {
                int const M = n == 0 ? 1 : 1 + static_cast<int>(r.below(n == 4 ? 300 : 60));
                profile_hmm const hmm = random_profile_hmm(r, M, K);
                prob_profile const pp = make_prob_profile(make_profile(hmm, sets, mode(local, multihit)));
                REQUIRE(pp.float_ok);
                std::vector<std::vector<std::uint8_t>> xs{random_sequence(r, 1, sets.Kp())};
                for (int j = 0; j < 2; ++j)
                    xs.push_back(random_sequence(r, 2 + r.below(90), sets.Kp())); // with degenerate codes
                for (bool el : {false, true})
                {
                    emit_options eo;
                    eo.local = el;
                    xs.push_back(emit_sequence(hmm, r, eo));
                }
                for (auto const & x : xs)
                {
                    INFO((amino ? "amino" : "DNA") << ", local = " << local << ", multihit = " << multihit
                                                   << ", M = " << M << ", L = " << x.size());
                    double const w = 0.5 + r.uniform();
                    hmm_counts d{M, K}, f{M, K};
                    double const ld = scaled_expected_counts(pp, x, d, w, ws);
                    REQUIRE(float_estep_applies(pp, x.size(), ws));
                    auto const lf = float_expected_counts(pp, x, f, w, ws);
                    if (!lf) // the check may reject a random sequence against a glocal model
                    {
                        CHECK(f.sequences == 0);
                        continue;
                    }
                    // log P: float_check_tol absolute (relative in P).
                    CHECK(std::fabs(*lf - ld) <= float_check_tol);
                    worst_ll = std::max(worst_ll, std::fabs(*lf - ld));
                    // Every count within 1e-4 of the sequence's weight (file comment, "Tolerance").
                    double const dc = max_abs_diff(f, d, w);
                    CHECK(dc <= 1e-4);
                    worst_c = std::max(worst_c, dc);
                    // Normalised: one sequence, L residues emitted, one C → T.
                    CHECK(f.sequences == w);
                    CHECK(std::fabs(emitted(f) - w * static_cast<double>(x.size())) <= 1e-5 * w * static_cast<double>(x.size()));
                    CHECK(std::fabs(f.special[c_move] - w) <= 1e-12 * w);
                }
            }
        }
    WARN("largest |dlog P| " << worst_ll << ", largest count difference / weight " << worst_c);
}

TEST_CASE("float E-step: every SIMD level gives bit-identical results", "[hmm][estep_simd]")
{
    emtk::rng r{7771};
    residue_sets const sets = amino_sets();
    auto const lv = levels();
    INFO("levels compared: " << lv.size() << " (best supported: " << simd_name(simd_supported()) << ")");
    for (int cfg = 0; cfg < 4; ++cfg)
        for (int M : {1, 7, 8, 9, 31, 130})
        {
            profile_hmm const hmm = random_profile_hmm(r, M, 20);
            prob_profile const pp = make_prob_profile(make_profile(hmm, sets, mode(cfg < 2, cfg % 2 == 0)));
            std::vector<std::vector<std::uint8_t>> xs{emit_sequence(hmm, r), random_sequence(r, 1 + r.below(200), sets.Kp())};
            for (auto const & x : xs)
            {
                INFO("cfg " << cfg << ", M = " << M << ", L = " << x.size());
                std::vector<std::vector<double>> counts;
                std::vector<double> lls;
                for (simd_level l : lv)
                {
                    estep_workspace ws;
                    hmm_counts c{M, 20};
                    auto const ll = float_expected_counts(pp, x, c, 1.0, ws, l, 1.0); // tol 1: keep every result
                    REQUIRE(ll.has_value());
                    lls.push_back(*ll);
                    counts.push_back(flatten(c));
                }
                for (std::size_t j = 1; j < lv.size(); ++j)
                {
                    CHECK(lls[j] == lls[0]);
                    CHECK(counts[j] == counts[0]);
                }
            }
        }
}

TEST_CASE("float E-step: falls back to the double kernel, then to the log-space reference", "[hmm][estep_simd]")
{
    emtk::rng r{1617};
    residue_sets const sets = amino_sets();
    estep_workspace ws;
    // No room for the float matrix: the double kernel's result, exactly.
    {
        profile_hmm const hmm = random_profile_hmm(r, 40, 20);
        prob_profile const pp = make_prob_profile(make_profile(hmm, sets, mode(false, false)));
        auto const x = emit_sequence(hmm, r);
        estep_workspace small;
        small.full_limit = 0;
        CHECK_FALSE(float_estep_applies(pp, x.size(), small));
        hmm_counts a{40, 20}, b{40, 20};
        auto const la = fast_expected_counts_checked(pp, x, a, 1.0, small);
        auto const lb = scaled_expected_counts_checked(pp, x, b, 1.0, small);
        REQUIRE(la.has_value());
        REQUIRE(lb.has_value());
        CHECK(*la == *lb);
        CHECK(flatten(a) == flatten(b));
    }
    // Issue 16's case (a 300-residue fragment, glocal M = 1200): float and double both fail, nothing
    // is added, and the log-space reference is finite.
    profile_hmm const big = random_profile_hmm(r, 1200, 20);
    profile const p = make_profile(big, sets, mode(false, false));
    prob_profile const pp = make_prob_profile(p);
    auto const x = random_sequence(r, 300, 20);
    hmm_counts c{1200, 20};
    REQUIRE(float_estep_applies(pp, x.size(), ws));
    CHECK_FALSE(float_expected_counts(pp, x, c, 1.0, ws).has_value());
    CHECK_FALSE(fast_expected_counts_checked(pp, x, c, 1.0, ws).has_value());
    CHECK(c.sequences == 0);
    hmm_counts ref{1200, 20};
    CHECK(std::isfinite(expected_counts(p, x, ref)));
}

TEST_CASE("float E-step: the per-node tilt keeps sequences much shorter than the model in float",
          "[hmm][estep_simd]")
{
    // Peaked glocal unihit models (like a training start from one sequence: a peaked match row per
    // node, t_DD = 0.1) and emitted sequences with a block of a quarter of the model deleted: every
    // path deletes ≥ M/4 nodes, which the plain float table cannot represent (the row maximum sits
    // on paths that have not deleted yet, estep_simd.hpp, "Tilt"). With the tilt the float kernel
    // passes its check and agrees with the log-space reference within the stated tolerance; the
    // plain table alone fails at least once (the premise of the tilt).
    emtk::rng r{20261206};
    residue_sets const sets = amino_sets();
    estep_workspace ws;
    int plain_failures = 0, tilted_ok = 0, n = 0;
    double worst_ll = 0, worst_c = 0;
    for (int M : {325, 600})
    {
        profile_hmm hmm = random_profile_hmm(r, M, 20);
        for (int k = 1; k <= M; ++k)
        {
            auto row = hmm.match(k);
            std::fill(row.begin(), row.end(), 0.02);
            row[r.below(20)] = 0.62;
            if (k < M)
                hmm.t[static_cast<std::size_t>(k)][t_dm] = 0.9, hmm.t[static_cast<std::size_t>(k)][t_dd] = 0.1;
        }
        profile const p = make_profile(hmm, sets, mode(false, false));
        prob_profile const pp = make_prob_profile(p);
        REQUIRE(pp.float_ok);
        REQUIRE_FALSE(pp.ftab_tilt.empty());
        REQUIRE(pp.tilt.size() == static_cast<std::size_t>(M) + 1);
        prob_profile plain = pp;
        plain.tilt.clear();
        plain.ftab_tilt.clear();
        for (int j = 0; j < 4; ++j)
        {
            auto x = emit_sequence(hmm, r);
            std::size_t const cut = x.size() / 4, from = x.size() / 3;
            x.erase(x.begin() + static_cast<std::ptrdiff_t>(from), x.begin() + static_cast<std::ptrdiff_t>(from + cut));
            INFO("M = " << M << ", L = " << x.size());
            ++n;
            REQUIRE(float_estep_applies(pp, x.size(), ws));
            hmm_counts scratch{M, 20};
            if (!float_expected_counts(plain, x, scratch, 1.0, ws))
                ++plain_failures;
            double const w = 0.5 + r.uniform();
            hmm_counts f{M, 20}, ref{M, 20};
            estep_kernel used = estep_kernel::none;
            auto const lf = fast_expected_counts_checked(pp, x, f, w, ws, scaled_check_tol, simd_active(), &used);
            dp_matrix fwd, bwd;
            double const lr = expected_counts(p, x, ref, w, fwd, bwd);
            REQUIRE(lf.has_value());
            if (used == estep_kernel::float_simd)
                ++tilted_ok;
            CHECK(std::fabs(*lf - lr) <= float_check_tol);
            // Counts within 1e-4 of the sequence's total (w L: estep_simd.hpp, "Tolerance").
            double const dc = max_abs_diff(f, ref, w * static_cast<double>(x.size()));
            CHECK(dc <= 1e-4);
            worst_ll = std::max(worst_ll, std::fabs(*lf - lr));
            worst_c = std::max(worst_c, dc);
        }
    }
    // The half tilt compensates about half of each deletion's cost (t_DD = 0.1: 2^−2 of 2^−3.3 per
    // node), so on these 80–150-node deletions most, not all, sequences stay in float; the rest
    // fail the check and go to the double kernel (counted above as agreeing with the reference).
    CHECK(plain_failures == n);
    CHECK(tilted_ok >= n / 2);
    WARN("plain table failed " << plain_failures << " of " << n << ", tilted table passed " << tilted_ok
                               << "; largest |dlog P| " << worst_ll << ", largest count difference / total " << worst_c);
}

TEST_CASE("float E-step: the tilted table gives the same result as the plain one where both pass",
          "[hmm][estep_simd]")
{
    // The tilt is a similarity transform by powers of two (estep_simd.hpp, "Tilt"): on sequences
    // both tables represent, log P and the counts agree to float round-off.
    emtk::rng r{99};
    residue_sets const sets = amino_sets();
    estep_workspace ws;
    profile_hmm const hmm = random_profile_hmm(r, 60, 20);
    prob_profile const pp = make_prob_profile(make_profile(hmm, sets, mode(false, false)));
    REQUIRE_FALSE(pp.ftab_tilt.empty());
    prob_profile plain = pp, only_tilt = pp;
    plain.tilt.clear(), plain.ftab_tilt.clear();
    // A zero plain table fails its check (P̃ = 0), so the dispatch runs the tilted one.
    std::fill(only_tilt.ftab.begin(), only_tilt.ftab.end(), 0.0f);
    int compared = 0;
    for (int j = 0; j < 6; ++j)
    {
        auto const x = emit_sequence(hmm, r);
        hmm_counts a{60, 20}, b{60, 20};
        auto const la = float_expected_counts(plain, x, a, 1.0, ws);
        auto const lb = float_expected_counts(only_tilt, x, b, 1.0, ws);
        if (!la || !lb)
            continue;
        ++compared;
        CHECK(std::fabs(*la - *lb) <= 1e-5);
        CHECK(max_abs_diff(a, b, 1.0) <= 1e-5);
    }
    CHECK(compared >= 3);
}
