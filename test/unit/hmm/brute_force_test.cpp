// Brute force: on tiny models (M = 1…3) and short sequences (L <= 4) every state path is
// enumerated directly from the *core* model and the mode's definition (not from the profile's
// log tables), so this checks the profile configuration (wing retraction, local entries/exits,
// length model) as well as forward and Viterbi.
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/profile.hpp>
#include <emtk/hmm/viterbi.hpp>
#include <emtk/util/rng.hpp>

#include "hmm/test_residues.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

using namespace emtk::hmm;
using emtk::hmm::test::dna_like;

namespace {

/// Sum (or max) of path probabilities, enumerated state by state.
class enumerator
{
public:
    enumerator(profile_hmm const & h, residue_sets const & sets, profile_options const & o, std::vector<std::uint8_t> x,
               bool take_max)
        : h_{h}, sets_{sets}, o_{o}, x_{std::move(x)}, max_{take_max}
    {
        // HMMER's length model and E transitions, written out independently of profile.cpp.
        double const nj = o.multihit ? 1 : 0, L = static_cast<double>(x_.size());
        move_ = (2 + nj) / (L + 2 + nj);
        loop_ = 1 - move_;
        e_c_ = o.multihit ? 0.5 : 1.0;
        e_j_ = o.multihit ? 0.5 : 0.0;
    }

    double total() { return state(st::N, 0, 0, false); }

private:
    enum class st { N, B, M, I, D, E, J, C };
    double comb(double a, double b) const { return max_ ? std::max(a, b) : a + b; }
    double emit(std::span<double const> p, std::size_t i) const
    {
        double s = 0;
        for (auto a : sets_.members[x_[i]])
            s += p[a];
        return s;
    }
    double bg(std::size_t i) const { return emit(h_.null, i); }

    /// Probability of completing the path from `s` at node k with i residues emitted so far;
    /// `emitted` tells whether the current hit (since B) has emitted anything.
    double state(st s, int k, std::size_t i, bool emitted)
    {
        std::size_t const L = x_.size();
        bool const more = i < L;
        int const M = h_.M;
        auto const & t = h_.t[static_cast<std::size_t>(k)];
        double r = 0;
        auto add = [&](double p, auto && next) {
            if (p > 0)
                r = comb(r, p * next());
        };
        switch (s)
        {
        case st::N:
            if (more)
                add(loop_ * bg(i), [&] { return state(st::N, 0, i + 1, false); });
            add(move_, [&] { return state(st::B, 0, i, false); });
            break;
        case st::J:
            if (more)
                add(loop_ * bg(i), [&] { return state(st::J, 0, i + 1, false); });
            add(move_, [&] { return state(st::B, 0, i, false); });
            break;
        case st::C:
            if (more)
                add(loop_ * bg(i), [&] { return state(st::C, 0, i + 1, false); });
            else
                r = comb(r, move_);
            break;
        case st::E:
            add(e_c_, [&] { return state(st::C, 0, i, false); });
            add(e_j_, [&] { return state(st::J, 0, i, false); });
            break;
        case st::B:
            if (o_.local)
            {
                for (int j = 1; j <= M; ++j)
                    if (more)
                        add(2.0 / (M * (M + 1.0)) * emit(h_.match(j), i), [&] { return state(st::M, j, i + 1, true); });
            }
            else
            {
                auto const & t0 = h_.t[0];
                if (more)
                {
                    add(t0[t_mm] * emit(h_.match(1), i), [&] { return state(st::M, 1, i + 1, true); });
                    add(t0[t_mi] * emit(h_.insert(0), i), [&] { return state(st::I, 0, i + 1, true); });
                }
                add(t0[t_md], [&] { return state(st::D, 1, i, false); });
            }
            break;
        case st::M:
            if (k < M)
            {
                if (more)
                    add(t[t_mm] * emit(h_.match(k + 1), i), [&] { return state(st::M, k + 1, i + 1, true); });
                if (more)
                    add(t[t_mi] * emit(h_.insert(k), i), [&] { return state(st::I, k, i + 1, true); });
                add(t[t_md], [&] { return state(st::D, k + 1, i, true); });
                if (o_.local)
                    add(1.0, [&] { return state(st::E, 0, i, true); });
            }
            else if (o_.local)
                add(1.0, [&] { return state(st::E, 0, i, true); });
            else
            {
                add(t[t_mm], [&] { return state(st::E, 0, i, true); });
                if (more)
                    add(t[t_mi] * emit(h_.insert(k), i), [&] { return state(st::I, k, i + 1, true); });
            }
            break;
        case st::I:
            if (more)
                add(t[t_ii] * emit(h_.insert(k), i), [&] { return state(st::I, k, i + 1, true); });
            if (k < M)
            {
                if (more)
                    add(t[t_im] * emit(h_.match(k + 1), i), [&] { return state(st::M, k + 1, i + 1, true); });
            }
            else
                add(t[t_im], [&] { return state(st::E, 0, i, true); });
            break;
        case st::D:
            if (k < M)
            {
                if (more)
                    add(t[t_dm] * emit(h_.match(k + 1), i), [&] { return state(st::M, k + 1, i + 1, true); });
                add(t[t_dd], [&] { return state(st::D, k + 1, i, emitted); });
                if (o_.local)
                    add(1.0, [&] { return state(st::E, 0, i, emitted); });
            }
            else if (emitted) // the all-delete path B → D1 … D_M → E is not a path (wing retraction)
                add(o_.local ? 1.0 : t[t_dm], [&] { return state(st::E, 0, i, emitted); });
            break;
        }
        return r;
    }

    profile_hmm const & h_;
    residue_sets const & sets_;
    profile_options o_;
    std::vector<std::uint8_t> x_;
    bool max_;
    double move_ = 0, loop_ = 0, e_c_ = 0, e_j_ = 0;
};

std::vector<profile_options> all_modes()
{
    std::vector<profile_options> v;
    for (bool local : {true, false})
        for (bool multi : {true, false})
            v.push_back(profile_options{local, multi, local_entry::uniform, 0});
    return v;
}

} // namespace

TEST_CASE("brute force: forward and Viterbi equal the sum and the max over all state paths", "[hmm][dp]")
{
    emtk::rng r{20240611};
    residue_sets const sets = dna_like();
    int cases = 0;
    for (int M = 1; M <= 3; ++M)
        for (std::size_t L = 1; L <= 4; ++L)
            for (auto const & o : all_modes())
                for (int rep = 0; rep < 3; ++rep)
                {
                    profile_hmm const h = random_profile_hmm(r, M, 4);
                    std::vector<std::uint8_t> x(L);
                    for (auto & c : x)
                        c = static_cast<std::uint8_t>(r.below(6));
                    profile const p = make_profile(h, sets, o);
                    dp_matrix f;
                    double const fwd = forward(p, x, f);
                    double const sum = enumerator{h, sets, o, x, false}.total();
                    double const best = enumerator{h, sets, o, x, true}.total();
                    viterbi_result const v = viterbi(p, x);
                    INFO("M = " << M << ", L = " << L << ", local = " << o.local << ", multihit = " << o.multihit);
                    REQUIRE(sum > 0);
                    CHECK(fwd == Approx(std::log(sum)).epsilon(0).margin(1e-12 * std::fabs(std::log(sum)) + 1e-13));
                    CHECK(v.score == Approx(std::log(best)).epsilon(0).margin(1e-12 * std::fabs(std::log(best)) + 1e-13));
                    CHECK(path_score(p, x, v.path) == Approx(v.score).margin(1e-12));
                    ++cases;
                }
    CHECK(cases == 3 * 4 * 4 * 3);
}
