#include <emtk/hmm/profile.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

using namespace emtk::hmm;

namespace {

double p_of(double log_p) { return std::exp(log_p); }

} // namespace

TEST_CASE("profile: special-state rows are normalised and follow HMMER's length model", "[hmm][profile]")
{
    emtk::rng r{1};
    profile_hmm const h = random_profile_hmm(r, 6, 4);
    for (bool multi : {true, false})
        for (std::size_t L : {std::size_t{0}, std::size_t{1}, std::size_t{50}, std::size_t{400}})
        {
            profile_options o;
            o.multihit = multi;
            profile const p = make_profile(h, canonical_residue_sets(4), o);
            special_row const x = special_transitions(p, L);
            INFO("multihit = " << multi << ", L = " << L);
            CHECK(p_of(x[n_loop]) + p_of(x[n_move]) == Approx(1.0).margin(1e-15));
            CHECK(p_of(x[c_loop]) + p_of(x[c_move]) == Approx(1.0).margin(1e-15));
            CHECK(p_of(x[j_loop]) + p_of(x[j_move]) == Approx(1.0).margin(1e-15));
            CHECK(p_of(x[e_move]) + p_of(x[e_loop]) == Approx(1.0).margin(1e-15));
            double const nj = multi ? 1 : 0, Ld = static_cast<double>(L);
            CHECK(p_of(x[n_loop]) == Approx(Ld / (Ld + 2 + nj)).margin(1e-15)); // p7_ReconfigLength
            CHECK(p_of(x[e_loop]) == (multi ? Approx(0.5) : Approx(0.0)));
        }
    // A fixed target length overrides the sequence length.
    profile_options o;
    o.target_length = 400;
    profile const p = make_profile(h, canonical_residue_sets(4), o);
    CHECK(special_transitions(p, 7)[n_loop] == Approx(std::log(400.0 / 403.0)));
}

TEST_CASE("profile: local entries make every fragment equiprobable, glocal entry rows are normalised",
          "[hmm][profile]")
{
    emtk::rng r{2};
    for (int M : {1, 2, 5, 30})
    {
        profile_hmm const h = random_profile_hmm(r, M, 20);
        auto const sets = canonical_residue_sets(20);
        INFO("M = " << M);
        {
            profile const p = make_profile(h, sets, profile_options{});
            double frag = 0;
            for (int k = 1; k <= M; ++k)
            {
                CHECK(p_of(p.enter_m[static_cast<std::size_t>(k)]) == Approx(2.0 / (M * (M + 1.0))));
                frag += p_of(p.enter_m[static_cast<std::size_t>(k)]) * (M - k + 1);
                CHECK(p.exit_m[static_cast<std::size_t>(k)] == 0.0);
                CHECK(p.exit_d[static_cast<std::size_t>(k)] == 0.0);
            }
            CHECK(frag == Approx(1.0));
            CHECK(p.enter_i0 == -INFINITY);
            CHECK(p.exit_i == -INFINITY);
        }
        {
            profile_options o;
            o.entry = local_entry::occupancy;
            profile const p = make_profile(h, sets, o);
            auto const occ = match_occupancy(h);
            double frag = 0;
            for (int k = 1; k <= M; ++k)
            {
                CHECK(occ[static_cast<std::size_t>(k)] > 0);
                CHECK(occ[static_cast<std::size_t>(k)] <= 1 + 1e-12);
                frag += p_of(p.enter_m[static_cast<std::size_t>(k)]) * (M - k + 1);
            }
            CHECK(frag == Approx(1.0));
        }
        {
            profile_options o;
            o.local = false;
            profile const p = make_profile(h, sets, o);
            // B's outgoing probability: entries + B → I0 + the one path lost to wing retraction.
            double all_delete = h.t[0][t_md];
            for (int j = 1; j < M; ++j)
                all_delete *= h.t[static_cast<std::size_t>(j)][t_dd];
            double b_out = p_of(p.enter_i0) + all_delete;
            for (int k = 1; k <= M; ++k)
                b_out += p_of(p.enter_m[static_cast<std::size_t>(k)]);
            CHECK(b_out == Approx(1.0).margin(1e-12));
            // Node M: M_M → E and M_M → I_M; I_M → E and I_M → I_M.
            auto const Mu = static_cast<std::size_t>(M);
            CHECK(p_of(p.exit_m[Mu]) + p_of(p.tsc[Mu][t_mi]) == Approx(1.0).margin(1e-12));
            CHECK(p_of(p.exit_i) + p_of(p.tsc[Mu][t_ii]) == Approx(1.0).margin(1e-12));
            CHECK(p.exit_d[Mu] == 0.0);
            for (int k = 1; k < M; ++k)
                CHECK(p.exit_m[static_cast<std::size_t>(k)] == -INFINITY);
        }
    }
}

TEST_CASE("profile: emission rows are normalised and a degenerate code emits the sum of its members",
          "[hmm][profile]")
{
    emtk::rng r{3};
    residue_sets sets = canonical_residue_sets(4);
    sets.members.push_back({0, 2});
    sets.members.push_back({0, 1, 2, 3});
    profile_hmm const h = random_profile_hmm(r, 5, 4);
    profile const p = make_profile(h, sets);
    CHECK(p.Kp == 6);
    for (int k = 0; k <= 5; ++k)
    {
        double si = 0, sm = 0;
        for (int a = 0; a < 4; ++a)
        {
            si += p_of(p.insert_score(k, a));
            if (k >= 1)
                sm += p_of(p.match_score(k, a));
        }
        CHECK(si == Approx(1.0));
        if (k >= 1)
        {
            CHECK(sm == Approx(1.0));
            CHECK(p_of(p.match_score(k, 4)) == Approx(h.match(k)[0] + h.match(k)[2]));
            CHECK(p.match_score(k, 5) == Approx(0.0).margin(1e-15));
        }
    }
    CHECK(p_of(p.xsc[4]) == Approx(h.null[0] + h.null[2]));
    CHECK(std::accumulate(p.xsc.begin(), p.xsc.begin() + 4, 0.0, [](double s, double v) { return s + std::exp(v); }) ==
          Approx(1.0));
}

TEST_CASE("profile: residue sets of the seq alphabets", "[hmm][profile]")
{
    using emtk::seq::alphabet;
    using emtk::seq::alphabet_type;
    for (auto t : {alphabet_type::dna, alphabet_type::rna, alphabet_type::amino})
    {
        alphabet const & abc = alphabet::get(t);
        residue_sets const s = residue_sets_of(abc);
        CHECK(s.K == abc.K());
        CHECK(s.Kp() == abc.Kp());
        for (int c = 0; c < abc.K(); ++c)
            CHECK(s.members[static_cast<std::size_t>(c)] == std::vector<std::uint8_t>{static_cast<std::uint8_t>(c)});
    }
    alphabet const & dna = alphabet::get(alphabet_type::dna);
    residue_sets const s = residue_sets_of(dna);
    CHECK(s.members[static_cast<std::size_t>(dna.code('N'))].size() == 4);
    CHECK(s.members[static_cast<std::size_t>(dna.code('R'))] ==
          std::vector<std::uint8_t>{static_cast<std::uint8_t>(dna.code('A')), static_cast<std::uint8_t>(dna.code('G'))});
    // The profile of an amino model: X emits with probability 1 from every state.
    emtk::rng r{4};
    alphabet const & amino = alphabet::get(alphabet_type::amino);
    profile const p = make_profile(random_profile_hmm(r, 3, 20), residue_sets_of(amino));
    CHECK(p.match_score(2, amino.code('X')) == Approx(0.0).margin(1e-12));
}

TEST_CASE("profile: mismatched residue sets are rejected", "[hmm][profile]")
{
    emtk::rng r{5};
    CHECK_THROWS_AS(make_profile(random_profile_hmm(r, 3, 20), canonical_residue_sets(4)), std::invalid_argument);
}
