#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/util/rng.hpp>

#include "hmm/test_residues.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <vector>

using namespace emtk::hmm;
using emtk::hmm::test::dna_like;
using emtk::hmm::test::random_sequence;

namespace {

profile_options mode(bool local, bool multihit)
{
    profile_options o;
    o.local = local;
    o.multihit = multihit;
    return o;
}

double occupancy(dp_matrix const & f, dp_matrix const & b, double ll, char s, int k)
{
    double o = 0;
    for (std::size_t i = 0; i <= f.length(); ++i)
    {
        double const v = s == 'M' ? f.mat(i, k) + b.mat(i, k) : s == 'I' ? f.ins(i, k) + b.ins(i, k) : f.del(i, k) + b.del(i, k);
        o += std::exp(v - ll);
    }
    return o;
}

} // namespace

TEST_CASE("expected counts: the uses out of each state equal its posterior occupancy", "[hmm][counts]")
{
    emtk::rng r{42};
    residue_sets const sets = dna_like();
    for (int n = 0; n < 16; ++n)
    {
        bool const local = n % 2 == 0;
        int const M = 1 + static_cast<int>(r.below(12));
        profile const p = make_profile(random_profile_hmm(r, M, 4), sets, mode(local, n % 4 < 2));
        auto const x = random_sequence(r, 1 + r.below(50), sets.Kp());
        dp_matrix f, b;
        hmm_counts c{M, 4};
        double const ll = expected_counts(p, x, c, 1.0, f, b);
        INFO("M = " << M << ", L = " << x.size() << ", local = " << local);
        for (int k = 0; k <= M; ++k)
        {
            auto const & t = c.t[static_cast<std::size_t>(k)];
            auto const ku = static_cast<std::size_t>(k);
            if (k >= 1)
            {
                double const out_m = t[t_mm] + t[t_mi] + t[t_md] + (local ? c.exit_m[ku] : 0.0);
                CHECK(out_m == Approx(occupancy(f, b, ll, 'M', k)).margin(1e-10));
                if (local)
                    CHECK(t[t_dm] + t[t_dd] + c.exit_d[ku] == Approx(occupancy(f, b, ll, 'D', k)).margin(1e-10));
                // Into M_k: from node k-1 (in glocal mode t[k-1][dm] includes retracted entries,
                // t[0][mm] is B → M1) plus local entries.
                auto const & tp = c.t[ku - 1];
                double const in_m = tp[t_mm] + tp[t_im] + tp[t_dm] + (local ? c.enter[ku] : 0.0);
                CHECK(in_m == Approx(occupancy(f, b, ll, 'M', k)).margin(1e-10));
            }
            CHECK(t[t_im] + t[t_ii] == Approx(occupancy(f, b, ll, 'I', k)).margin(1e-10));
        }
        // One E use per hit; every hit leaves E to C (once) or to J.
        double const ends = std::accumulate(c.exit_m.begin(), c.exit_m.end(), 0.0) +
                            std::accumulate(c.exit_d.begin(), c.exit_d.end(), 0.0) + c.exit_i;
        CHECK(ends == Approx(c.special[e_move] + c.special[e_loop]).margin(1e-10));
        CHECK(c.special[e_move] == Approx(1.0).margin(1e-10));
        CHECK(c.special[c_move] == Approx(1.0).margin(1e-10));
        CHECK(c.special[n_move] + c.special[j_move] == Approx(c.special[e_move] + c.special[e_loop]).margin(1e-10));
    }
}

TEST_CASE("expected counts: emissions sum to L, and weights and += add up", "[hmm][counts]")
{
    emtk::rng r{8};
    residue_sets const sets = dna_like();
    for (bool local : {true, false})
    {
        int const M = 9;
        profile const p = make_profile(random_profile_hmm(r, M, 4), sets, mode(local, true));
        auto const x = random_sequence(r, 37, sets.Kp());
        auto const y = random_sequence(r, 21, sets.Kp());
        hmm_counts cx{M, 4}, cy{M, 4}, both{M, 4}, twice{M, 4};
        expected_counts(p, x, cx);
        expected_counts(p, y, cy);
        expected_counts(p, x, both);
        expected_counts(p, y, both);
        dp_matrix f, b;
        expected_counts(p, x, twice, 2.0, f, b);
        double const emitted = std::accumulate(cx.mat.begin(), cx.mat.end(), 0.0) +
                               std::accumulate(cx.ins.begin(), cx.ins.end(), 0.0) + cx.flank[0] + cx.flank[1] + cx.flank[2];
        CHECK(emitted == Approx(37.0).margin(1e-9));
        hmm_counts sum = cx;
        sum += cy;
        CHECK(sum.sequences == 2.0);
        for (std::size_t j = 0; j < sum.mat.size(); ++j)
        {
            CHECK(sum.mat[j] == Approx(both.mat[j]).margin(1e-12));
            CHECK(twice.ins[j] == Approx(2 * cx.ins[j]).margin(1e-12));
        }
        for (std::size_t k = 0; k < sum.t.size(); ++k)
            for (int a = 0; a < n_transitions; ++a)
                CHECK(sum.t[k][static_cast<std::size_t>(a)] == Approx(both.t[k][static_cast<std::size_t>(a)]).margin(1e-12));
    }
}

TEST_CASE("expected counts equal t * dlogL/dt by finite differences (the E-step's gradient identity)", "[hmm][counts]")
{
    // For parameters that enter every path probability as factors, the expected number of uses
    // of θ is θ ∂logL/∂θ = ∂logL/∂logθ. Central differences in log θ, step h: truncation error
    // O(h²), round-off ~1e-16 |logL| / h; both ≪ the 1e-6 tolerance.
    emtk::rng r{2024};
    residue_sets const sets = dna_like();
    double const h = 1e-5;
    for (int n = 0; n < 4; ++n)
    {
        bool const local = n % 2 == 0;
        int const M = 4;
        profile_hmm const hmm = random_profile_hmm(r, M, 4);
        profile_options const o = mode(local, n < 2);
        auto const x = random_sequence(r, 9, sets.Kp()); // includes degenerate codes
        hmm_counts c{M, 4};
        expected_counts(make_profile(hmm, sets, o), x, c);
        dp_matrix f;
        auto loglik = [&](profile_hmm const & g) { return forward(make_profile(g, sets, o), x, f); };
        auto dlog = [&](auto && param) {
            profile_hmm up = hmm, down = hmm;
            param(up) *= std::exp(h);
            param(down) *= std::exp(-h);
            return (loglik(up) - loglik(down)) / (2 * h);
        };
        INFO("local = " << local << ", multihit = " << o.multihit);
        for (std::size_t k = 0; k <= static_cast<std::size_t>(M); ++k)
            for (std::size_t a = 0; a < static_cast<std::size_t>(n_transitions); ++a)
            {
                if (hmm.t[k][a] == 0)
                    continue;
                INFO("t[" << k << "][" << a << "]");
                CHECK(c.t[k][a] == Approx(dlog([&](profile_hmm & g) -> double & { return g.t[k][a]; })).margin(1e-6));
            }
        for (int k = 0; k <= M; ++k)
            for (int a = 0; a < 4; ++a)
            {
                INFO("node " << k << ", residue " << a);
                auto const j = static_cast<std::size_t>(k * 4 + a);
                if (k >= 1)
                    CHECK(c.mat[j] == Approx(dlog([&](profile_hmm & g) -> double & { return g.mat[j]; })).margin(1e-6));
                CHECK(c.ins[j] == Approx(dlog([&](profile_hmm & g) -> double & { return g.ins[j]; })).margin(1e-6));
            }
    }
}
