// The scaled probability-space E-step (scaled_dp.hpp) against the log-space reference
// (counts.hpp): same log-likelihood and counts in every configuration, checkpointing that changes
// nothing, and the documented memory bound.
#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/scaled_dp.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include "hmm/test_residues.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace emtk::hmm;
using emtk::hmm::test::dna_like;
using emtk::hmm::test::flatten;
using emtk::hmm::test::amino_sets;
using emtk::hmm::test::mode;
using emtk::hmm::test::random_sequence;

namespace {

/// Largest |a − b| / (|b| + floor) over all counts (the floor keeps counts that are 0 in one and
/// 1e−300 in the other from counting as a relative error of 1).
double max_rel_diff(hmm_counts const & a, hmm_counts const & b, double floor = 1e-12)
{
    auto const x = flatten(a), y = flatten(b);
    REQUIRE(x.size() == y.size());
    double worst = 0;
    for (std::size_t j = 0; j < x.size(); ++j)
        worst = std::max(worst, std::fabs(x[j] - y[j]) / (std::fabs(y[j]) + floor));
    return worst;
}

double rel_diff(double a, double b)
{
    if (a == b) // includes −∞ == −∞
        return 0;
    return std::fabs(a - b) / std::max(std::fabs(b), 1e-300);
}

/// Runs both E-steps on x, adding to ref/got; checks the log-likelihoods.
void both(profile const & p, prob_profile const & pp, std::vector<std::uint8_t> const & x, double w, hmm_counts & ref,
          hmm_counts & got, estep_workspace & ws)
{
    dp_matrix f, b;
    double const lr = expected_counts(p, x, ref, w, f, b);
    double const ls = scaled_expected_counts(pp, x, got, w, ws);
    double const lf = scaled_forward(pp, x, ws);
    INFO("L = " << x.size() << ", reference " << lr << ", scaled " << ls << ", scaled forward " << lf);
    CHECK(std::isinf(lr) == std::isinf(ls));
    CHECK(rel_diff(ls, lr) <= 1e-10);
    CHECK(lf == ls);
}

} // namespace

TEST_CASE("scaled E-step equals the log-space reference in every configuration", "[hmm][scaled]")
{
    emtk::rng r{20240917};
    for (bool amino : {false, true})
        for (int cfg = 0; cfg < 4; ++cfg)
        {
            bool const local = cfg < 2, multihit = cfg % 2 == 0;
            residue_sets const sets = amino ? amino_sets() : dna_like();
            int const K = sets.K;
            estep_workspace ws; // reused across models and lengths: no history effects
            for (int n = 0; n < 6; ++n)
            {
                int const M = n == 0 ? 1 : 1 + static_cast<int>(r.below(amino ? 30 : 45));
                profile_hmm const hmm = random_profile_hmm(r, M, K);
                profile_options o = mode(local, multihit);
                o.entry = n % 2 == 1 ? local_entry::occupancy : local_entry::uniform;
                o.target_length = n == 3 ? 50 : 0; // a fixed length model instead of each sequence's
                profile const p = make_profile(hmm, sets, o);
                prob_profile const pp = make_prob_profile(p);
                hmm_counts ref{M, K}, got{M, K};
                std::vector<std::vector<std::uint8_t>> xs{{}, random_sequence(r, 1, sets.Kp())};
                for (int j = 0; j < 3; ++j)
                    xs.push_back(random_sequence(r, 2 + r.below(90), sets.Kp())); // with degenerate codes
                for (bool el : {false, true})
                {
                    emit_options eo;
                    eo.local = el;
                    auto y = emit_sequence(hmm, r, eo);
                    xs.push_back(y);
                    for (auto & c : y) // the same with some degenerate codes
                        if (r.uniform() < 0.2)
                            c = static_cast<std::uint8_t>(K + r.below(static_cast<std::uint64_t>(sets.Kp() - K)));
                    xs.push_back(y);
                }
                for (auto const & x : xs)
                {
                    INFO((amino ? "amino" : "DNA") << ", local = " << local << ", multihit = " << multihit << ", M = " << M);
                    both(p, pp, x, 0.5 + r.uniform(), ref, got, ws);
                }
                INFO((amino ? "amino" : "DNA") << ", local = " << local << ", multihit = " << multihit << ", M = " << M);
                CHECK(got.sequences == ref.sequences);
                CHECK(max_rel_diff(got, ref) <= 1e-9);
            }
        }
}

TEST_CASE("scaled E-step on long sequences whose probability underflows doubles", "[hmm][scaled]")
{
    // log P ≈ −4000 nats: e^−4000 is far below the double range, so this needs the scaling.
    emtk::rng r{77};
    residue_sets const sets = dna_like();
    for (int cfg = 0; cfg < 4; ++cfg)
    {
        int const M = 12;
        profile_hmm const hmm = random_profile_hmm(r, M, 4);
        profile const p = make_profile(hmm, sets, mode(cfg < 2, cfg % 2 == 0));
        prob_profile const pp = make_prob_profile(p);
        estep_workspace ws;
        ws.full_limit = 0; // and checkpointed
        hmm_counts ref{M, 4}, got{M, 4};
        auto const x = random_sequence(r, 3000, sets.Kp());
        both(p, pp, x, 1.0, ref, got, ws);
        INFO("configuration " << cfg);
        CHECK(max_rel_diff(got, ref) <= 1e-9);
    }
}

TEST_CASE("scaled E-step equals the reference on a training-sized amino model", "[hmm][scaled]")
{
    emtk::rng r{404};
    residue_sets const sets = amino_sets();
    int const M = 200;
    profile_hmm const hmm = random_profile_hmm(r, M, 20);
    for (int cfg = 0; cfg < 4; ++cfg)
    {
        profile const p = make_profile(hmm, sets, mode(cfg < 2, cfg % 2 == 0));
        prob_profile const pp = make_prob_profile(p);
        estep_workspace ws;
        hmm_counts ref{M, 20}, got{M, 20};
        both(p, pp, emit_sequence(hmm, r), 1.0, ref, got, ws);
        both(p, pp, random_sequence(r, 150, sets.Kp()), 1.0, ref, got, ws);
        INFO("configuration " << cfg);
        CHECK(max_rel_diff(got, ref) <= 1e-9);
    }
}

TEST_CASE("scaled E-step with extreme parameters and residues the model hardly emits", "[hmm][scaled]")
{
    // Tiny transition and emission probabilities make most cells underflow relative to their
    // row: exercises the flush to zero (scaled_dp.hpp) against the exact log-space values.
    emtk::rng r{5};
    residue_sets const sets = dna_like();
    for (int cfg = 0; cfg < 4; ++cfg)
    {
        int const M = 30;
        profile_hmm hmm = random_profile_hmm(r, M, 4);
        for (int k = 1; k <= M; ++k)
        {
            auto & t = hmm.t[static_cast<std::size_t>(k)];
            if (k % 3 == 0 && k < M)
                t[t_md] = 1e-120, t[t_dd] = 1e-90;
            auto m = hmm.match(k);
            m[static_cast<std::size_t>(k % 4)] = 1e-150; // a residue each match state (almost) never emits
        }
        normalize(hmm);
        profile const p = make_profile(hmm, sets, mode(cfg < 2, cfg % 2 == 0));
        prob_profile const pp = make_prob_profile(p);
        estep_workspace ws;
        hmm_counts ref{M, 4}, got{M, 4};
        for (int j = 0; j < 4; ++j)
        {
            auto x = emit_sequence(hmm, r);
            auto const junk = random_sequence(r, 40, sets.Kp());
            x.insert(x.begin() + static_cast<std::ptrdiff_t>(x.size() / 2), junk.begin(), junk.end());
            both(p, pp, x, 1.0, ref, got, ws);
        }
        INFO("configuration " << cfg);
        CHECK(max_rel_diff(got, ref, 1e-9) <= 1e-9);
    }
}

TEST_CASE("checkpointed E-step equals the full-matrix E-step bit for bit", "[hmm][scaled]")
{
    emtk::rng r{31};
    residue_sets const sets = amino_sets();
    for (int cfg = 0; cfg < 4; ++cfg)
    {
        int const M = 1 + static_cast<int>(r.below(40));
        profile_hmm const hmm = random_profile_hmm(r, M, 20);
        prob_profile const pp = make_prob_profile(make_profile(hmm, sets, mode(cfg < 2, cfg % 2 == 0)));
        estep_workspace full, ck;
        ck.full_limit = 0;
        hmm_counts a{M, 20}, b{M, 20};
        // Lengths around the segment boundaries: C = ⌈√(L+1)⌉ (L + 1 a square, one more, one less).
        for (std::size_t L : {0u, 1u, 2u, 3u, 7u, 8u, 9u, 15u, 24u, 99u, 100u, 101u, 400u})
        {
            auto const x = random_sequence(r, L, sets.Kp());
            double const lf = scaled_expected_counts(pp, x, a, 1.0, full);
            double const lc = scaled_expected_counts(pp, x, b, 1.0, ck);
            INFO("M = " << M << ", L = " << L);
            CHECK(lf == lc);
        }
        INFO("configuration " << cfg << ", M = " << M);
        CHECK(flatten(a) == flatten(b)); // counts summed over the sequences, exactly equal
        CHECK(ck.bytes() < full.bytes());
    }
}

TEST_CASE("scaled E-step workspace stays within its documented memory bound", "[hmm][scaled]")
{
    emtk::rng r{3};
    residue_sets const sets = amino_sets();
    int const M = 60, Kp = sets.Kp();
    prob_profile const pp = make_prob_profile(make_profile(random_profile_hmm(r, M, 20), sets, mode(true, true)));
    std::size_t const L = 6000;
    auto const x = random_sequence(r, L, Kp);
    std::size_t const full_matrix = 3 * sizeof(double) * static_cast<std::size_t>(M + 1) * (L + 1);

    estep_workspace ck;
    ck.full_limit = std::size_t{1} << 20; // 1 MiB: this sequence needs ~4.7 MB in full, so it is checkpointed
    hmm_counts c{M, 20};
    CHECK(std::isfinite(scaled_expected_counts(pp, x, c, 1.0, ck)));
    std::size_t const b = estep_workspace::bound(M, Kp, L, ck.full_limit);
    INFO("checkpointed: " << ck.bytes() << " bytes, bound " << b << ", one full matrix " << full_matrix);
    CHECK(ck.bytes() <= b);
    CHECK(ck.bytes() * 4 > b); // the bound is not vacuous
    CHECK(ck.bytes() * 8 < full_matrix);
    // Shorter sequences afterwards (some in full) do not grow it past the bound of the longest.
    for (std::size_t l : {10u, 300u, 3000u})
        static_cast<void>(scaled_expected_counts(pp, random_sequence(r, l, Kp), c, 1.0, ck));
    CHECK(ck.bytes() <= b);

    estep_workspace full; // default 32 MiB: kept in full
    static_cast<void>(scaled_expected_counts(pp, x, c, 1.0, full));
    CHECK(full.bytes() <= estep_workspace::bound(M, Kp, L, full.full_limit));
    CHECK(full.bytes() > full_matrix); // 3 values per cell, plus the specials and padding

    // Issue 3's case, by the formula: M = 500, L = 35,000 (amino, Kp codes), default full_limit.
    std::size_t const big = estep_workspace::bound(500, Kp, 35000, estep_workspace{}.full_limit);
    INFO("bound for M = 500, L = 35000: " << big << " bytes");
    CHECK(big < (std::size_t{33} << 20)); // the full-matrix limit plus the scratch vectors
    CHECK(estep_workspace::bound(500, Kp, 35000, 0) < 6'000'000);
    CHECK(std::size_t{3} * 8 * 501 * 35001 > 400'000'000); // what a full matrix would need
}

TEST_CASE("scaled E-step check: passes normal sequences, rejects what the scaled kernel cannot represent", "[hmm][scaled]")
{
    emtk::rng r{1616};
    residue_sets const sets = amino_sets();
    estep_workspace ws;
    // A domain-sized model and its own sequences: the check passes and changes nothing.
    {
        profile_hmm const hmm = random_profile_hmm(r, 50, 20);
        prob_profile const pp = make_prob_profile(make_profile(hmm, sets, mode(false, false)));
        for (int j = 0; j < 5; ++j)
        {
            auto const x = emit_sequence(hmm, r);
            hmm_counts a{50, 20}, b{50, 20};
            double const la = scaled_expected_counts(pp, x, a, 1.0, ws);
            auto const lb = scaled_expected_counts_checked(pp, x, b, 1.0, ws);
            REQUIRE(lb.has_value());
            CHECK(*lb == la);
            CHECK(flatten(a) == flatten(b));
        }
    }
    // A 300-residue fragment against a glocal model of M = 1200 (issue 16's SMC_N failure): every
    // path deletes ≥ 900 nodes. The check rejects the scaled result and adds nothing; the
    // log-space reference is finite.
    profile_hmm const big = random_profile_hmm(r, 1200, 20);
    profile const p = make_profile(big, sets, mode(false, false));
    prob_profile const pp = make_prob_profile(p);
    CHECK_FALSE(pp.floored_enter.empty()); // deep retracted-wing entries are below the double range
    auto const x = random_sequence(r, 300, 20);
    hmm_counts c{1200, 20};
    auto const checked = scaled_expected_counts_checked(pp, x, c, 1.0, ws);
    CHECK_FALSE(checked.has_value());
    CHECK(c.sequences == 0);
    hmm_counts ref{1200, 20};
    double const lr = expected_counts(p, x, ref);
    CHECK(std::isfinite(lr));
    hmm_counts unchecked{1200, 20};
    double const lu = scaled_expected_counts(pp, x, unchecked, 1.0, ws);
    CHECK((!std::isfinite(lu) || rel_diff(lu, lr) > 1e-8)); // why the check exists
}
