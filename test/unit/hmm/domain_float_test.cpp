// The float Forward/Backward of domain definition (src/hmm/domain_float.hpp) against the double
// odds-space passes (domain_posterior.hpp): scores within 1e-3 nats, occupancy and posteriors within
// 1e-4; the baseline and AVX2 builds of the kernels compute identical floats.
#include "hmm/domain_float.hpp"
#include "hmm/domain_oa.hpp"
#include "test_residues.hpp"

#include <emtk/hmm/align.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/residues.hpp>
#include <emtk/hmm/filter.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

using namespace emtk::hmm;

namespace {

/// A random amino model with sharpened emissions and a strong main line.
profile_hmm sharp_hmm(int M, std::uint64_t seed)
{
    emtk::rng r{seed};
    return test::sharpened_hmm(r, M, 20, 3, 4.0, 0.0);
}

/// Random residues, then emitted domains, then random residues (codes of the amino alphabet).
std::vector<std::uint8_t> target(profile_hmm const & h, emtk::rng & r, std::size_t flank, int domains)
{
    std::vector<std::uint8_t> x;
    auto add_random = [&] {
        for (std::size_t i = 0; i < flank; ++i)
            x.push_back(static_cast<std::uint8_t>(r.below(20)));
    };
    add_random();
    for (int d = 0; d < domains; ++d)
    {
        auto const e = emit_sequence(h, r);
        x.insert(x.end(), e.begin(), e.end());
        add_random();
    }
    return x;
}

} // namespace

TEST_CASE("domain_float: float passes equal the double ones within the stated tolerance", "[hmm][search]")
{
    for (int M : {1, 7, 40, 203})
    {
        profile_hmm const h = sharp_hmm(M, 11 + static_cast<std::uint64_t>(M));
        hmmer_scorer const sc{h, emtk::seq::alphabet_type::amino};
        profile const & p = sc.configured();
        detail::odds_profile const op{p};
        detail::float_profile const fp{op};
        emtk::rng r{static_cast<std::uint64_t>(5 * M)};
        for (int domains : {0, 1, 3})
        {
            auto const x = target(h, r, 60, domains);
            CAPTURE(M, domains, x.size());
            detail::special_probs const t{special_transitions(p, x.size())};
            std::vector<detail::special_values> rows;
            std::vector<double> ls;
            double const ll = detail::forward_odds(op, t, x, &rows, &ls);
            detail::float_pass f, b;
            double const llf = detail::forward_float(fp, t, x, f, false);
            double const llb = detail::backward_float(fp, t, x, b, false);
            CHECK(std::abs(llf - ll) <= 1e-3);
            CHECK(std::abs(llb - ll) <= 1e-3);
            // Occupancy, with the forward pass given and recomputed.
            auto const od = detail::decode_occupancy(p, op, x);
            auto const of = detail::decode_occupancy_float(p, fp, x, &f);
            auto const of2 = detail::decode_occupancy_float(p, fp, x);
            for (std::size_t i = 1; i <= x.size(); ++i)
            {
                CHECK(std::abs(od.mocc[i] - of.mocc[i]) <= 1e-4);
                CHECK(std::abs(od.btot[i] - of.btot[i]) <= 1e-4);
                CHECK(std::abs(od.etot[i] - of.etot[i]) <= 1e-4);
                CHECK(of.mocc[i] == of2.mocc[i]);
            }
            CHECK(detail::find_envelopes(od) == detail::find_envelopes(of));
            // Full posterior decoding of the whole target, unihit (with several domains, the float
            // pass loses the later ones: forward and backward disagree and the double path is used).
            profile uni = p;
            uni.options.multihit = false;
            detail::special_probs const tu{special_transitions(uni, x.size())};
            double scd = 0, scf = 0;
            posterior const pd = detail::decode_full(op, tu, x, scd);
            posterior pf;
            detail::decode_full_float(fp, tu, x, pf, scf);
            CHECK(std::abs(scd - scf) <= 1e-3);
            REQUIRE(pf.L == pd.L);
            for (std::size_t c = 0; c < pd.m.size(); ++c)
            {
                CHECK(std::abs(pd.m[c] - pf.m[c]) <= 1e-4);
                CHECK(std::abs(pd.ins[c] - pf.ins[c]) <= 1e-4);
            }
            for (std::size_t i = 0; i <= pd.L; ++i)
                CHECK(std::abs(pd.n[i] + pd.c[i] + pd.j[i] - pf.n[i] - pf.c[i] - pf.j[i]) <= 1e-4);
        }
    }
}

TEST_CASE("domain_float: long targets are rescaled without overflow or underflow", "[hmm][search]")
{
    profile_hmm const h = sharp_hmm(120, 3);
    hmmer_scorer const sc{h, emtk::seq::alphabet_type::amino};
    profile const & p = sc.configured();
    detail::odds_profile const op{p};
    detail::float_profile const fp{op};
    emtk::rng r{8};
    auto const x = target(h, r, 2000, 12); // ~25,000 residues, rows rescaled many times
    detail::special_probs const t{special_transitions(p, x.size())};
    detail::float_pass f, b;
    double const llf = detail::forward_float(fp, t, x, f, false);
    double const llb = detail::backward_float(fp, t, x, b, false);
    double const ll = detail::forward_odds(op, t, x, nullptr, nullptr);
    REQUIRE(std::isfinite(llf));
    CHECK(std::abs(llf - ll) <= 1e-3 * std::max(1.0, std::abs(ll) / 100));
    CHECK(std::abs(llb - ll) <= 1e-3 * std::max(1.0, std::abs(ll) / 100));
    auto const od = detail::decode_occupancy(p, op, x);
    auto const of = detail::decode_occupancy_float(p, fp, x, &f);
    CHECK(detail::find_envelopes(od) == detail::find_envelopes(of));
}

TEST_CASE("domain_float: the baseline and AVX2 kernels compute identical floats", "[hmm][search]")
{
    if (simd_supported() != simd_level::avx2)
    {
        WARN("no AVX2 on this CPU: only the baseline kernels run");
        return;
    }
    for (int M : {3, 50, 333})
    {
        profile_hmm const h = sharp_hmm(M, 77);
        hmmer_scorer const sc{h, emtk::seq::alphabet_type::amino};
        detail::odds_profile const op{sc.configured()};
        detail::float_profile const fp{op};
        emtk::rng r{static_cast<std::uint64_t>(M)};
        auto const x = target(h, r, 40, 2);
        detail::special_probs const t{special_transitions(sc.configured(), x.size())};
        float const sp[8] = {static_cast<float>(t.nn), static_cast<float>(t.nb), static_cast<float>(t.ec),
                             static_cast<float>(t.ej), static_cast<float>(t.cc), static_cast<float>(t.ct),
                             static_cast<float>(t.jj), static_cast<float>(t.jb)};
        detail::float_pass g, a;
        CHECK(detail::df_generic::forward(fp, sp, x, g, true) == detail::df_avx2::forward(fp, sp, x, a, true));
        CHECK(g.core_m == a.core_m);
        CHECK(g.core_i == a.core_i);
        CHECK(std::memcmp(g.rows.data(), a.rows.data(), g.rows.size() * sizeof(g.rows[0])) == 0);
        CHECK(detail::df_generic::backward(fp, sp, x, g, true) == detail::df_avx2::backward(fp, sp, x, a, true));
        CHECK(g.core_m == a.core_m);
        CHECK(g.core_i == a.core_i);
        CHECK(g.log_scale == a.log_scale);
    }
}

TEST_CASE("domain_oa: the float optimal-accuracy alignment equals the double one", "[hmm][search]")
{
    // Search profiles (local, unihit as envelopes are aligned, and multihit) and hmmalign's glocal
    // profile (I0, I_M, the retracted left wing), random sharp models, targets with 0-3 domains.
    int same = 0, total = 0;
    double worst = 0;
    for (int M : {1, 4, 33, 120, 260})
        for (std::uint64_t seed = 1; seed <= 4; ++seed)
        {
            profile_hmm const h = sharp_hmm(M, 100 * seed + static_cast<std::uint64_t>(M));
            hmmer_scorer const sc{h, emtk::seq::alphabet_type::amino};
            profile uni = sc.configured();
            uni.options.multihit = false;
            profile const glocal = make_profile(h, canonical_residue_sets(20), alignment_profile_options());
            emtk::rng r{seed * 31 + static_cast<std::uint64_t>(M)};
            for (int domains : {0, 1, 3})
                for (profile const * p : {&sc.configured(), static_cast<profile const *>(&uni), &glocal})
                {
                    auto const x = target(h, r, 1 + r.below(40), domains);
                    CAPTURE(M, seed, domains, p->options.local, p->options.multihit, x.size());
                    dp_matrix fwd, bwd, oa;
                    double const ll = forward(*p, x, fwd);
                    if (!std::isfinite(ll))
                        continue;
                    backward(*p, x, bwd);
                    posterior const pp = decode_posterior(*p, x, fwd, bwd, ll);
                    double const vd = optimal_accuracy_fill(*p, pp, oa);
                    alignment_trace const td = optimal_accuracy_trace(*p, x, pp, oa);
                    detail::oa_float_matrix of;
                    double const vf = detail::optimal_accuracy_fill_float(*p, pp, of);
                    alignment_trace const tf = detail::optimal_accuracy_trace_float(*p, x, pp, of);
                    auto const L = static_cast<double>(x.size());
                    double const tol = 2.0 * (L + 1.0) * L * 0x1p-24; // domain_oa.hpp's bound
                    CHECK(std::abs(vf - vd) <= tol);
                    // The float path is valid and as accurate as the double optimum within the bound.
                    CHECK(tf.accuracy >= td.accuracy - tol);
                    CHECK(std::abs(tf.accuracy - vf) <= tol);
                    worst = std::max(worst, td.accuracy - tf.accuracy);
                    bool const eq = tf.path.size() == td.path.size() &&
                                    std::equal(tf.path.begin(), tf.path.end(), td.path.begin(), [](auto const & a, auto const & b) {
                                        return a.state == b.state && a.k == b.k && a.i == b.i;
                                    });
                    same += eq ? 1 : 0;
                    ++total;
                }
        }
    INFO(same << " of " << total << " alignments identical; worst accuracy loss " << worst);
    CHECK(total >= 150);
    CHECK(same * 100 >= total * 95); // ties within float rounding are rare
}
