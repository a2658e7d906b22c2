#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/surgery.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;

namespace {

/// Counts of W = 10 sequences through M = 6 nodes over DNA: node 3 used by 20%, 80% insert
/// 3 residues after node 4, 30% insert after node 1 (below the threshold).
hmm_counts synthetic_counts()
{
    hmm_counts c(6, 4);
    c.sequences = 10;
    for (int k = 1; k <= 6; ++k)
        c.mat[static_cast<std::size_t>(k * 4 + (k % 4))] = k == 3 ? 2.0 : 10.0;
    c.t[4][t_mi] = 8;
    c.ins[4 * 4 + 1] = 24; // 8 entries × 3 residues, all C
    c.t[1][t_mi] = 3;
    c.ins[1 * 4 + 0] = 3;
    return c;
}

/// A DNA model with peaked match emissions (0.85 on one residue) and a strong main line.
profile_hmm peaked_model(emtk::rng & r, int M)
{
    profile_hmm h(M, 4);
    for (int k = 0; k <= M; ++k)
    {
        auto & t = h.t[static_cast<std::size_t>(k)];
        t = {0.94, 0.03, 0.03, 0.6, 0.4, 0.7, 0.3};
        if (k == 0)
            t[t_dm] = 1, t[t_dd] = 0;
        if (k == M)
            t = {0.97, 0.03, 0.0, 0.6, 0.4, 1.0, 0.0};
        if (k >= 1)
        {
            int const top = static_cast<int>(r.below(4));
            for (int a = 0; a < 4; ++a)
                h.match(k)[static_cast<std::size_t>(a)] = a == top ? 0.85 : 0.05;
        }
    }
    return h;
}

/// One E-step of `h` over `set` under the glocal unihit training profile.
hmm_counts e_step(profile_hmm const & h, emtk::seq::sequence_set const & set)
{
    profile_options po;
    po.local = false;
    po.multihit = false;
    profile const p = make_profile(h, residue_sets_of(emtk::seq::alphabet::get(set.type)), po);
    hmm_counts c(h.M, h.K);
    for (auto const & s : set.seqs)
        (void)expected_counts(p, digital_sequence(s.dsq.data(), s.dsq.size()), c);
    return c;
}

} // namespace

TEST_CASE("surgery: synthetic counts give the exact plan", "[hmm][surgery]")
{
    surgery_plan const p = plan_surgery(synthetic_counts());
    CHECK(p.old_M == 6);
    CHECK(p.deleted == std::vector<int>{3});
    REQUIRE(p.inserted.size() == 1);
    CHECK(p.inserted[0].after == 4);
    CHECK(p.inserted[0].count == 3);
    CHECK(p.new_M == 8);
    CHECK_FALSE(p.capped);
    CHECK(p.changes());
    CHECK(p.match_use[3] == Approx(0.2));
    CHECK(p.match_use[5] == Approx(1.0));
    CHECK(p.insert_use[4] == Approx(0.8));
    CHECK(p.insert_length[4] == Approx(3.0));
    CHECK(p.insert_use[1] == Approx(0.3));

    // Stricter thresholds: node 3 kept (0.2 >= 0.1), node 1's insert taken too (0.3 > 0.25).
    surgery_options o;
    o.min_match_use = 0.1;
    o.min_insert_use = 0.25;
    surgery_plan const q = plan_surgery(synthetic_counts(), o);
    CHECK(q.deleted.empty());
    REQUIRE(q.inserted.size() == 2);
    CHECK(q.inserted[0].after == 1);
    CHECK(q.inserted[0].count == 1);
    CHECK(q.new_M == 6 + 1 + 3);

    // No weight: nothing to decide.
    CHECK_FALSE(plan_surgery(hmm_counts(4, 4)).changes());
}

TEST_CASE("surgery: never deletes every node, and caps growth", "[hmm][surgery]")
{
    hmm_counts c(3, 4);
    c.sequences = 10;
    c.mat[1 * 4] = 1;
    c.mat[2 * 4] = 3; // the most used, still < 50%
    c.mat[3 * 4] = 2;
    surgery_plan const p = plan_surgery(c);
    CHECK(p.deleted == std::vector<int>{1, 3});
    CHECK(p.new_M == 1);
    CHECK(p.capped);

    hmm_counts g(2, 4);
    g.sequences = 10;
    for (int k = 1; k <= 2; ++k)
        g.mat[static_cast<std::size_t>(k * 4)] = 10;
    g.t[0][t_mi] = 9; // 90% insert 5 before node 1
    g.ins[0] = 45;
    g.t[2][t_mi] = 10; // 100% insert 4 after node 2: granted first
    g.ins[2 * 4 + 3] = 40;
    surgery_plan const q = plan_surgery(g);
    CHECK(q.capped);
    CHECK(q.new_M == 4); // at most 2 × 2
    REQUIRE(q.inserted.size() == 1);
    CHECK(q.inserted[0].after == 2);
    CHECK(q.inserted[0].count == 2);
}

TEST_CASE("surgery: applying a plan gives a valid model of the planned length", "[hmm][surgery]")
{
    emtk::rng r{7};
    profile_hmm const h = random_profile_hmm(r, 6, 4);
    surgery_plan const p = plan_surgery(synthetic_counts());
    profile_hmm const g = apply_surgery(h, p);
    REQUIRE(g.M == 8);
    auto const problem = profile_hmm_problem(g);
    CHECK_FALSE(problem);
    if (problem)
        FAIL(*problem);
    // New node order: old 1, 2, 4, then three from I_4, then old 5, 6.
    auto same = [](auto x, auto y) {
        return std::equal(x.begin(), x.end(), y.begin(), y.end(),
                          [](double u, double v) { return std::abs(u - v) < 1e-12; });
    };
    CHECK(same(g.match(1), h.match(1)));
    CHECK(same(g.match(3), h.match(4)));
    for (int n = 4; n <= 6; ++n)
        CHECK(same(g.match(n), h.insert(4)));
    CHECK(same(g.match(7), h.match(5)));
    CHECK(same(g.match(8), h.match(6)));
    CHECK(same(g.t[8], h.t[6])); // the last node keeps its row
    CHECK(g.t[3][t_mi] <= 0.05 + 1e-12); // node before the insertion moves to the main line

    // Deleting the last node and inserting after the old last node keep the end conventions.
    surgery_plan tail = p;
    tail.deleted = {6};
    tail.inserted.clear();
    tail.new_M = 5;
    profile_hmm const t5 = apply_surgery(h, tail);
    CHECK_FALSE(profile_hmm_problem(t5));
    CHECK(t5.t[5][t_md] == 0);
    tail.deleted.clear();
    tail.inserted = {{6, 2}, {0, 1}};
    std::swap(tail.inserted[0], tail.inserted[1]);
    tail.new_M = 9;
    profile_hmm const t9 = apply_surgery(h, tail);
    CHECK_FALSE(profile_hmm_problem(t9));
    CHECK(t9.M == 9);
    CHECK(t9.t[7][t_md] > 0); // the old node 6 now has successors
    CHECK(same(t9.match(1), h.insert(0)));
}

TEST_CASE("surgery: one E-step plus surgery moves a too long or too short model toward the truth", "[hmm][surgery]")
{
    int const M = 20;
    emtk::rng r{2024};
    profile_hmm truth = peaked_model(r, M);
    auto const set = emit_sequences(truth, alphabet_type::dna, 150, 99);

    for (int delta : {3, -3})
    {
        train_options opt;
        opt.length = M + delta;
        opt.restarts = 2;
        opt.seed = 5;
        opt.max_iter = 60;
        opt.prior = prior_kind::laplace;
        train_result const tr = train_profile_hmm(set, opt);
        REQUIRE(tr.hmm.M == M + delta);
        hmm_counts const c = e_step(tr.hmm, set);
        surgery_plan const p = plan_surgery(c);
        std::printf("surgery: truth M %d, start M %d -> planned M %d (%zu deleted, %zu insertions)\n", M, M + delta,
                    p.new_M, p.deleted.size(), p.inserted.size());
        INFO("start M " << M + delta << ", planned " << p.new_M);
        CHECK(std::abs(p.new_M - M) < std::abs(delta));
        profile_hmm const g = apply_surgery(tr.hmm, p);
        CHECK(g.M == p.new_M);
        CHECK_FALSE(profile_hmm_problem(g));
    }
}
