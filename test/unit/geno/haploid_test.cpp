// The haploid stage (haploid.hpp): phased output consistent with the observed genotypes, EM for ε
// monotone, normalised blended posteriors, identical output for any thread count, and the stage
// through impute_block (identical for 1 and 2 threads, more accurate than without it on a mosaic).

#include "simulate_genotypes.hpp"

#include <emtk/em/fit.hpp>
#include <emtk/geno/hapcluster.hpp>
#include <emtk/geno/haploid.hpp>
#include <emtk/geno/impute.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace emtk;
using namespace emtk::geno;

namespace {

/// Genotypes from an 8-cluster model (8% missing); haplotypes drawn from the generating model, as
/// the template rounds would leave them.
test::phased_case make_case()
{
    hapcluster_params p;
    rng r{83, 7};
    hapcluster_options ho;
    hapcluster_initialize(p, 8, 300, ho, r);
    for (std::size_t m = 1; m < p.M; ++m)
        p.jump[m] = 0.03;
    for (auto & t : p.theta)
        t = r.uniform() < 0.5 ? 0.02 : 0.95;
    return test::make_phased_case(p, 50, 89, 97);
}

} // namespace

TEST_CASE("haploid stage: phasing consistent, EM monotone, posteriors normalised, any thread count", "[geno][haploid]")
{
    haploid_options ho;
    ho.states = 30;
    ho.block = 16;
    ho.switch_passes = 2;
    ho.iterations = 6;
    ho.blend = haploid_blend::linear; // the bounds below are of the linear mean at weight 0.5
    ho.weight = 0.5;
    std::vector<std::vector<double>> posts;
    std::vector<std::vector<std::uint8_t>> panels;
    for (int threads : {1, 2, 3})
    {
        auto c = make_case();
        em::options eo;
        eo.threads = threads;
        eo.chunk_size = 4;
        eo.tol = 1e-12;
        eo.min_iter = 1;
        // The template stage's posteriors: uniform, so the blend is visible.
        std::vector<double> post(3 * c.missing, 1.0 / 3);
        auto const s = haploid_window(c.g, c.N, c.W, c.panel, c.jump, 0.01, c.slot, post, ho, eo);
        REQUIRE(s.run);
        CHECK(s.decreases == 0);
        REQUIRE(s.trace.size() >= 2);
        for (std::size_t k = 1; k < s.trace.size(); ++k)
            CHECK(s.trace[k] >= s.trace[k - 1] - 1e-9 * std::abs(s.trace[k - 1]));
        CHECK(s.error >= ho.error_min);
        CHECK(s.error <= ho.error_max);
        for (std::size_t k = 0; k < c.missing; ++k)
        {
            for (int x = 0; x < 3; ++x)
            {
                CHECK(post[3 * k + x] >= 0.5 / 3 - 1e-12); // half of the uniform stays
                CHECK(post[3 * k + x] <= 0.5 / 3 + 0.5 + 1e-12);
            }
            CHECK(post[3 * k] + post[3 * k + 1] + post[3 * k + 2] == Approx(1.0).margin(1e-9));
        }
        // The switched haplotypes add up to every observed genotype.
        for (std::size_t i = 0; i < c.N; ++i)
            for (std::size_t m = 0; m < c.W; ++m)
                if (std::int8_t const x = c.g[i * c.W + m]; x >= 0)
                    REQUIRE(c.panel.row(2 * i)[m] + c.panel.row(2 * i + 1)[m] == x);
        posts.push_back(post);
        panels.push_back(c.panel.hap);
    }
    CHECK(posts[0] == posts[1]);
    CHECK(posts[0] == posts[2]);
    CHECK(panels[0] == panels[1]);
    CHECK(panels[0] == panels[2]);
}

TEST_CASE("haploid stage off: weight 0 or no states leaves posteriors and panel alone", "[geno][haploid]")
{
    for (int variant = 0; variant < 2; ++variant)
    {
        auto c = make_case();
        haploid_options ho;
        if (variant == 0)
            ho.weight = 0;
        else
            ho.states = 0;
        std::vector<double> post(3 * c.missing, 1.0 / 3);
        auto const before = c.panel.hap;
        auto const s = haploid_window(c.g, c.N, c.W, c.panel, c.jump, 0.01, c.slot, post, ho, em::options{});
        CHECK_FALSE(s.run);
        CHECK(c.panel.hap == before);
        CHECK(std::all_of(post.begin(), post.end(), [](double v) { return v == 1.0 / 3; }));
    }
}

TEST_CASE("impute_block with the haploid stage: identical for 1 and 2 threads, phase consistent", "[geno][haploid]")
{
    std::size_t const N = 80, W = 400;
    hapcluster_params p;
    rng r{101, 3};
    hapcluster_options hopt;
    hapcluster_initialize(p, 12, W, hopt, r);
    for (std::size_t m = 1; m < W; ++m)
        p.jump[m] = 0.02;
    for (auto & t : p.theta)
        t = r.uniform() < 0.6 ? 0.01 : 0.98;
    auto const gm = test::site_major(test::simulate_hapcluster(p, N, 0.05, 103), N, W);
    impute_options opt;
    opt.model.clusters = 5;
    opt.window = 250;
    opt.overlap = 50;
    opt.refine.templates = 12;
    opt.refine.window = 120;
    opt.refine.overlap = 30;
    opt.refine.rounds = 3;
    opt.refine.average = 2;
    opt.haploid.states = 40;
    opt.haploid.block = 16;
    opt.em.threads = 1;
    auto const a = impute_block(gm, opt, 0);
    opt.em.threads = 2;
    auto const b = impute_block(gm, opt, 0);
    REQUIRE(a.missing > 0);
    CHECK(a.gp == b.gp);
    CHECK(a.phase == b.phase);
    for (auto const & w : a.windows)
    {
        CHECK(w.haploid.run);
        CHECK(w.haploid.decreases == 0);
    }
    // The phase bits of each imputed genotype are alleles (0/1 per haplotype), never unknown.
    for (auto const ph : a.phase)
        CHECK(ph <= 3);
    // With PBWT longest-match states: identical for 1 and 2 threads, and a different choice.
    opt.haploid.pbwt = 3;
    opt.em.threads = 1;
    auto const pa = impute_block(gm, opt, 0);
    opt.em.threads = 2;
    auto const pb = impute_block(gm, opt, 0);
    CHECK(pa.gp == pb.gp);
    CHECK(pa.phase == pb.phase);
    CHECK(pa.gp != a.gp);
    opt.haploid.pbwt = haploid_options{}.pbwt;
    // The linear blend (not the default; the geometric pool is): identical for 1 and 2 threads,
    // other posteriors than the default, the same phase (the blend does not touch the panel).
    REQUIRE(haploid_options{}.blend == haploid_blend::geometric);
    opt.haploid.blend = haploid_blend::linear;
    opt.em.threads = 1;
    auto const la = impute_block(gm, opt, 0);
    opt.em.threads = 2;
    auto const lb = impute_block(gm, opt, 0);
    CHECK(la.gp == lb.gp);
    CHECK(la.gp != a.gp);
    CHECK(la.phase == a.phase);
    opt.haploid.blend = haploid_options{}.blend;
    // Without the stage the output differs (the stage did something) and carries no haploid summary.
    opt.haploid.states = 0;
    auto const c = impute_block(gm, opt, 0);
    CHECK(c.gp != a.gp);
    for (auto const & w : c.windows)
        CHECK_FALSE(w.haploid.run);
}

TEST_CASE("haploid blend (step 6): linear mean, geometric pool, floor, weights 0 and 1", "[geno][haploid]")
{
    // Two stages that disagree: the template stage sure of 0/0, the haploid stage leaning to 0/1.
    std::vector<double> const T{0.98, 0.02, 0.0}, H{0.15, 0.85, 0.0};
    std::vector<double> lin = T, geo = T;
    haploid_blend_posteriors(lin, H, 0.6, haploid_blend::linear);
    haploid_blend_posteriors(geo, H, 0.6, haploid_blend::geometric);
    for (std::size_t x = 0; x < 3; ++x)
        CHECK(lin[x] == Approx(0.4 * T[x] + 0.6 * H[x]).epsilon(1e-12));
    // Geometric: T^0.4 H^0.6 normalised; the 0/0 call of the template stage keeps more weight than
    // in the linear mean because the haploid stage only doubts it (0.15) while T nearly excludes 0/1.
    double q[3], total = 0;
    for (std::size_t x = 0; x < 3; ++x)
        total += q[x] = std::pow(std::max(T[x], blend_floor), 0.4) * std::pow(std::max(H[x], blend_floor), 0.6);
    for (std::size_t x = 0; x < 3; ++x)
        CHECK(geo[x] == Approx(q[x] / total).epsilon(1e-12));
    CHECK(geo[0] + geo[1] + geo[2] == Approx(1.0).epsilon(1e-12));
    CHECK(lin[1] > lin[0]);  // linear: 0/1 (0.52 against 0.48)
    CHECK(geo[0] > geo[1]);  // geometric: 0/0
    // Both zero at 1/1: the floor keeps it a (tiny) probability, not a NaN.
    CHECK(geo[2] > 0);
    CHECK(geo[2] < 1e-8);
    // Where the stages agree the pool is the common posterior; weight 0 / 1 return T / H.
    std::vector<double> same{0.2, 0.7, 0.1}, w0 = T, w1 = T;
    haploid_blend_posteriors(same, std::vector<double>{0.2, 0.7, 0.1}, 0.6, haploid_blend::geometric);
    CHECK(same[1] == Approx(0.7).epsilon(1e-12));
    haploid_blend_posteriors(w0, H, 0.0, haploid_blend::geometric);
    haploid_blend_posteriors(w1, H, 1.0, haploid_blend::geometric);
    CHECK(w0[0] == Approx(0.98).epsilon(1e-6));
    CHECK(w1[1] == Approx(0.85).epsilon(1e-6));
}

TEST_CASE("haploid stage: a lone mis-phased heterozygote is flipped back (step 4b)", "[geno][haploid]")
{
    // One heterozygote per sample swapped between its two haplotypes (in the middle of the window):
    // no single switch can undo that; the flips should undo most of them, and nothing without them.
    for (bool flips : {true, false})
    {
        auto c = make_case();
        std::vector<std::size_t> swapped(c.N, c.W);
        for (std::size_t i = 0; i < c.N; ++i)
            for (std::size_t m = c.W / 3 + 7 * i % (c.W / 3); m < c.W; ++m)
                if (c.g[i * c.W + m] == 1)
                {
                    std::swap(c.panel.row(2 * i)[m], c.panel.row(2 * i + 1)[m]);
                    swapped[i] = m;
                    break;
                }
        auto const truth = make_case().panel;
        haploid_options ho;
        ho.states = 30;
        ho.block = 16;
        ho.switch_passes = 0;
        ho.passes = 1;
        ho.het_flips = flips;
        std::vector<double> post(3 * c.missing, 1.0 / 3);
        auto const s = haploid_window(c.g, c.N, c.W, c.panel, c.jump, 0.01, c.slot, post, ho, em::options{});
        std::size_t restored = 0, tried = 0;
        for (std::size_t i = 0; i < c.N; ++i)
            if (std::size_t const m = swapped[i]; m < c.W)
            {
                ++tried;
                restored += c.panel.row(2 * i)[m] == truth.row(2 * i)[m] ? 1 : 0;
            }
        REQUIRE(tried >= c.N / 2);
        if (flips)
        {
            CHECK(s.flips > 0);
            CHECK(restored >= 8 * tried / 10);
        }
        else
        {
            CHECK(s.flips == 0);
            CHECK(restored == 0);
        }
    }
}

TEST_CASE("panel_het_flips: lone mis-phased heterozygotes flipped back, same for any thread count", "[geno][haploid]")
{
    // As above, one heterozygote per sample swapped; the flip pass over the panel (run after each
    // template round with impute_options::refine_flips) undoes most of them, keeps every observed
    // genotype and gives the same panel for 1 and 2 threads.
    auto c = make_case();
    std::vector<std::size_t> swapped(c.N, c.W);
    for (std::size_t i = 0; i < c.N; ++i)
        for (std::size_t m = c.W / 3 + 7 * i % (c.W / 3); m < c.W; ++m)
            if (c.g[i * c.W + m] == 1)
            {
                std::swap(c.panel.row(2 * i)[m], c.panel.row(2 * i + 1)[m]);
                swapped[i] = m;
                break;
            }
    auto const truth = make_case().panel;
    haploid_options ho;
    ho.switch_states = 30;
    ho.block = 16;
    auto p1 = c.panel, p2 = c.panel;
    std::size_t const f1 = panel_het_flips(c.g, c.N, c.W, p1, c.jump, 0.01, ho, 200, 1);
    std::size_t const f2 = panel_het_flips(c.g, c.N, c.W, p2, c.jump, 0.01, ho, 200, 2);
    CHECK(f1 == f2);
    CHECK(p1.hap == p2.hap);
    std::size_t restored = 0, tried = 0;
    for (std::size_t i = 0; i < c.N; ++i)
        if (std::size_t const m = swapped[i]; m < c.W)
        {
            ++tried;
            restored += p1.row(2 * i)[m] == truth.row(2 * i)[m] ? 1 : 0;
        }
    REQUIRE(tried >= c.N / 2);
    CHECK(f1 > 0);
    CHECK(restored >= 8 * tried / 10);
    for (std::size_t i = 0; i < c.N; ++i)
        for (std::size_t m = 0; m < c.W; ++m)
            if (std::int8_t const g = c.g[i * c.W + m]; g >= 0)
                CHECK(p1.row(2 * i)[m] + p1.row(2 * i + 1)[m] == g);
}

TEST_CASE("impute_block with refine_flips: identical for 1 and 2 threads, flips made, output changed", "[geno][haploid]")
{
    std::size_t const N = 80, W = 400;
    hapcluster_params p;
    rng r{101, 3};
    hapcluster_options hopt;
    hapcluster_initialize(p, 12, W, hopt, r);
    for (std::size_t m = 1; m < W; ++m)
        p.jump[m] = 0.02;
    for (auto & t : p.theta)
        t = r.uniform() < 0.6 ? 0.01 : 0.98;
    auto const gm = test::site_major(test::simulate_hapcluster(p, N, 0.05, 103), N, W);
    impute_options opt;
    opt.model.clusters = 5;
    opt.window = 250;
    opt.overlap = 50;
    opt.refine.templates = 12;
    opt.refine.window = 120;
    opt.refine.overlap = 30;
    opt.refine.rounds = 3;
    opt.refine.average = 2;
    opt.haploid.states = 40;
    opt.haploid.switch_states = 20;
    opt.haploid.block = 16;
    opt.em.threads = 1;
    auto const off = impute_block(gm, opt, 0);
    opt.refine_flips = true;
    auto const a = impute_block(gm, opt, 0);
    opt.em.threads = 2;
    auto const b = impute_block(gm, opt, 0);
    REQUIRE(a.missing > 0);
    CHECK(a.gp == b.gp);
    CHECK(a.phase == b.phase);
    std::size_t flips = 0;
    for (std::size_t k = 0; k < a.windows.size(); ++k)
    {
        flips += a.windows[k].refine_flips;
        CHECK(a.windows[k].refine_flips == b.windows[k].refine_flips);
        CHECK(off.windows[k].refine_flips == 0);
    }
    CHECK(flips > 0);
    CHECK(a.gp != off.gp);
}
