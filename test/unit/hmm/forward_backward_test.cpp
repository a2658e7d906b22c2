#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/viterbi.hpp>
#include <emtk/util/rng.hpp>

#include "hmm/test_residues.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace emtk::hmm;
using emtk::hmm::test::dna_like;
using emtk::hmm::test::random_sequence;

namespace {

struct random_case
{
    int M;
    std::size_t L;
    profile_options o;
};

/// Random models and sequences of assorted sizes and modes, from a fixed seed.
std::vector<random_case> cases(emtk::rng & r)
{
    std::vector<random_case> v;
    for (int n = 0; n < 24; ++n)
    {
        profile_options o;
        o.local = n % 2 == 0;
        o.multihit = (n / 2) % 2 == 0;
        o.entry = (n / 4) % 2 == 0 ? local_entry::uniform : local_entry::occupancy;
        if (n % 5 == 0)
            o.target_length = 100;
        v.push_back({1 + static_cast<int>(r.below(40)), 1 + r.below(120), o});
    }
    return v;
}

} // namespace

TEST_CASE("forward equals backward, Viterbi <= forward, posteriors sum to 1", "[hmm][dp]")
{
    std::uint64_t const seed = 7;
    INFO("seed " << seed);
    emtk::rng r{seed};
    residue_sets const sets = dna_like();
    for (auto const & c : cases(r))
    {
        profile_hmm const h = random_profile_hmm(r, c.M, 4);
        profile const p = make_profile(h, sets, c.o);
        auto const x = random_sequence(r, c.L, sets.Kp());
        dp_matrix f, b;
        double const lf = forward(p, x, f);
        double const lb = backward(p, x, b);
        INFO("M = " << c.M << ", L = " << c.L << ", local = " << c.o.local << ", multihit = " << c.o.multihit);
        REQUIRE(std::isfinite(lf));
        CHECK(std::fabs(lf - lb) <= 1e-9 * std::fabs(lf));
        double const vs = viterbi(p, x).score;
        CHECK(vs <= lf + 1e-12 * std::fabs(lf));

        posterior const post = decode_posterior(p, x, f, b, lf);
        double worst = 0;
        for (std::size_t i = 1; i <= c.L; ++i)
        {
            double s = post.n[i] + post.c[i] + post.j[i];
            for (int k = 0; k <= c.M; ++k)
                s += post.match(i, k) + post.insert(i, k);
            worst = std::max(worst, std::fabs(s - 1));
        }
        CHECK(worst < 1e-9);
    }
}

TEST_CASE("forward and backward agree on an amino-sized model and a long sequence", "[hmm][dp]")
{
    emtk::rng r{99};
    profile_hmm const h = random_profile_hmm(r, 60, 20);
    for (bool local : {true, false})
    {
        profile_options o;
        o.local = local;
        profile const p = make_profile(h, canonical_residue_sets(20), o);
        auto const x = random_sequence(r, 400, 20);
        dp_matrix f, b;
        double const lf = forward(p, x, f), lb = backward(p, x, b);
        CHECK(std::fabs(lf - lb) <= 1e-9 * std::fabs(lf));
        CHECK(f.bytes() >= 3 * 401 * 61 * sizeof(double));
    }
}

TEST_CASE("the Viterbi path is a path of the profile and scores what Viterbi reports", "[hmm][dp]")
{
    emtk::rng r{5};
    residue_sets const sets = dna_like();
    for (int n = 0; n < 12; ++n)
    {
        profile_options o;
        o.local = n % 2 == 0;
        o.multihit = n % 3 != 0;
        profile const p = make_profile(random_profile_hmm(r, 1 + static_cast<int>(r.below(15)), 4), sets, o);
        auto const x = random_sequence(r, 1 + r.below(60), sets.Kp());
        viterbi_result const v = viterbi(p, x);
        REQUIRE(v.path.size() >= 7); // at least S N B M E C T
        CHECK(v.path.front().state == state_type::S);
        CHECK(v.path.back().state == state_type::T);
        // Every residue emitted exactly once, in order.
        std::size_t next = 1;
        for (auto const & s : v.path)
            if (s.i != 0)
                CHECK(s.i == next++);
        CHECK(next == x.size() + 1);
        CHECK(path_score(p, x, v.path) == Approx(v.score).margin(1e-9));
        // Damaging the path makes it impossible.
        auto bad = v.path;
        auto const after_b = std::find_if(bad.begin(), bad.end(), [](trace_step const & t) { return t.state == state_type::B; }) + 1;
        bad.erase(after_b);
        CHECK(path_score(p, x, bad) == -std::numeric_limits<double>::infinity());
    }
}

TEST_CASE("Viterbi with a reused scratch matrix equals Viterbi with a fresh one", "[hmm][dp]")
{
    // The scratch keeps the values of earlier, larger and smaller problems (dp_matrix::reshape only
    // grows); viterbi_fill must read none of them.
    emtk::rng r{11};
    residue_sets const sets = dna_like();
    dp_matrix scratch;
    for (auto const & c : cases(r))
    {
        profile const p = make_profile(random_profile_hmm(r, c.M, 4), sets, c.o);
        auto const x = random_sequence(r, c.L, sets.Kp());
        viterbi_result const fresh = viterbi(p, x);
        viterbi_result const reused = viterbi(p, x, scratch);
        CHECK(reused.score == fresh.score);
        CHECK(reused.path == fresh.path);
    }
}

TEST_CASE("an empty sequence has no path", "[hmm][dp]")
{
    emtk::rng r{3};
    profile const p = make_profile(random_profile_hmm(r, 4, 4), canonical_residue_sets(4));
    std::vector<std::uint8_t> const x;
    dp_matrix f, b;
    CHECK(forward(p, x, f) == -std::numeric_limits<double>::infinity());
    CHECK(backward(p, x, b) == -std::numeric_limits<double>::infinity());
    viterbi_result const v = viterbi(p, x);
    CHECK(v.score == -std::numeric_limits<double>::infinity());
    CHECK(v.path.empty());
}
