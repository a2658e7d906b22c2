// Reference-panel imputation pieces (issue 20): the PLINK genetic map (interpolation, extrapolation,
// "chr" names, bad lines), allele matching (swaps, strand flips, ambiguous SNPs), state selection,
// the haploid posteriors (normalised, find the copied haplotype, EM step never lowers the
// likelihood), the diploid phasing (consistent with the genotypes, recovers the haplotypes) and its
// refinement by single switches.

#include <emtk/geno/genetic_map.hpp>
#include <emtk/geno/panel.hpp>
#include <emtk/geno/ref_hmm.hpp>
#include <emtk/geno/ref_impute.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

using namespace emtk;
using namespace emtk::geno;

namespace {

std::string write_temp(std::string const & name, std::string const & text)
{
    auto const path = std::filesystem::temp_directory_path() / ("emtk_ref_test_" + name);
    std::ofstream{path} << text;
    return path.string();
}

/// A random panel of H haplotypes over K typed markers (allele frequencies 0.1..0.5).
ref_window random_panel(std::size_t H, std::size_t K, std::uint64_t seed)
{
    ref_window w;
    w.haps = H;
    w.words = (H + 63) / 64;
    w.typed = K;
    w.block = 16;
    w.bits.assign(K * w.words, 0);
    w.rho.assign(K, 0.01);
    w.rho[0] = 0;
    rng r{seed, 3};
    for (std::size_t t = 0; t < K; ++t)
    {
        double const f = 0.1 + 0.4 * r.uniform();
        for (std::size_t h = 0; h < H; ++h)
            if (r.uniform() < f)
                w.bits[t * w.words + h / 64] |= std::uint64_t{1} << (h % 64);
    }
    return w;
}

std::vector<std::int8_t> copy_hap(ref_window const & w, std::uint32_t h)
{
    std::vector<std::int8_t> out(w.typed);
    for (std::size_t t = 0; t < w.typed; ++t)
        out[t] = static_cast<std::int8_t>(w.allele(t, h));
    return out;
}

} // namespace

TEST_CASE("genetic map: linear interpolation, constant-rate extrapolation, chr names", "[geno][ref]")
{
    auto const path = write_temp("a.map", "# comment\nchr1 a 1.0 1000000\nchr1 b 3.0 2000000\n1x c 0 5\n2 d 0.5 100\n");
    auto const m = genetic_map::read(path);
    CHECK(m.position_cm("1", 1500000) == Approx(2.0));
    CHECK(m.position_cm("chr1", 1250000) == Approx(1.5));
    CHECK(m.position_cm("1", 1000000) == Approx(1.0));
    // Outside: the contig's mean rate (2 cM over 1 Mb).
    CHECK(m.position_cm("1", 500000) == Approx(0.0));
    CHECK(m.position_cm("1", 2500000) == Approx(4.0));
    // One line: the fallback rate (1 cM/Mb).
    CHECK(m.position_cm("chr2", 1000100) == Approx(1.5));
    CHECK(m.has_contig("chr2"));
    CHECK_FALSE(m.has_contig("3"));
    CHECK_THROWS_AS(m.position_cm("3", 10), user_error);
    auto const c = genetic_map::constant(2.0);
    CHECK(c.position_cm("anything", 3000000) == Approx(6.0));
    std::vector<std::int64_t> const bp{2000000, 1000000, 1500000};
    auto const v = m.positions_cm("1", bp);
    CHECK(v == std::vector<double>{3.0, 1.0, 2.0});
}

TEST_CASE("genetic map: bad lines name the file and the line", "[geno][ref]")
{
    auto expect = [](std::string const & name, std::string const & text, std::string const & what) {
        auto const path = write_temp(name, text);
        try
        {
            (void)genetic_map::read(path);
            FAIL("no error for " << name);
        }
        catch (user_error const & e)
        {
            std::string const msg = e.what();
            CHECK(msg.find(path) != std::string::npos);
            CHECK(msg.find(what) != std::string::npos);
        }
    };
    expect("cols.map", "1 a 0.1 100\n1 b 0.2\n", ":2: expected 4 columns");
    expect("unsorted.map", "1 a 0.1 100\n1 b 0.2 50\n", ":2: positions of 1 are not strictly increasing");
    expect("decrease.map", "1 a 0.3 100\n1 b 0.2 200\n", ":2: cM decreases");
    expect("number.map", "1 a x 100\n", ":1: column 3");
    expect("empty.map", "# nothing\n", "no marker line");
}

TEST_CASE("allele matching: same, swap, strand flip, both, mismatch, ambiguous", "[geno][ref]")
{
    CHECK(match_alleles("A", "C", "A", "C") == allele_match::same);
    CHECK(match_alleles("a", "c", "A", "C") == allele_match::same);
    CHECK(match_alleles("C", "A", "A", "C") == allele_match::swap);
    CHECK(match_alleles("T", "G", "A", "C") == allele_match::flip);
    CHECK(match_alleles("G", "T", "A", "C") == allele_match::flip_swap);
    CHECK(match_alleles("A", "G", "A", "C") == allele_match::mismatch);
    CHECK(match_alleles("AT", "A", "AT", "A") == allele_match::same);
    CHECK(match_alleles("A", "AT", "AT", "A") == allele_match::swap);
    CHECK(match_alleles("N", "A", "A", "C") == allele_match::mismatch);
    // A/T: the flip equals the swap; the swap is taken (a flip cannot be told apart).
    CHECK(match_alleles("T", "A", "A", "T") == allele_match::swap);
}

TEST_CASE("state selection: the haplotype copied is chosen in every block", "[geno][ref]")
{
    auto const w = random_panel(300, 64, 1);
    auto const hap = copy_hap(w, 123);
    auto const sets = ref_select_states(w, hap, false, 10, 99);
    REQUIRE(sets.size() == 4);
    for (auto const & s : sets)
    {
        CHECK(s.size() == 10);
        CHECK(std::is_sorted(s.begin(), s.end()));
        CHECK(std::binary_search(s.begin(), s.end(), 123U));
    }
    // Diploid: a genotype made of haplotypes 7 and 200 keeps both (no opposite homozygote).
    std::vector<std::int8_t> g(w.typed);
    for (std::size_t t = 0; t < w.typed; ++t)
        g[t] = static_cast<std::int8_t>(w.allele(t, 7) + w.allele(t, 200));
    auto const d = ref_select_states(w, g, true, 40, 5);
    for (auto const & s : d)
    {
        CHECK(std::binary_search(s.begin(), s.end(), 7U));
        CHECK(std::binary_search(s.begin(), s.end(), 200U));
    }
    // More states than haplotypes: all of them.
    auto const all = ref_select_states(random_panel(20, 20, 2), std::vector<std::int8_t>(20, 0), false, 50, 1);
    CHECK(all.front().size() == 20);
}

TEST_CASE("state selection: haplotype-major mismatch counts choose the same states", "[geno][ref][haploid]")
{
    // Blocks inside one word, across words, shifted boundaries, end blocks with more states,
    // missing alleles, heterozygotes (diploid), excluded and preferred haplotypes.
    for (std::size_t const block : {7U, 16U, 32U, 50U, 100U})
        for (std::size_t const offset : {0U, 3U})
            for (bool const diploid : {false, true})
            {
                auto w = random_panel(203, 300, 4 + block);
                w.block = block;
                w.offset = offset % block;
                w.first_end = w.last_end = true;
                w.end_scale = 1.5;
                rng r{block, offset};
                std::vector<std::int8_t> obs(w.typed);
                for (auto & o : obs)
                    o = static_cast<std::int8_t>(r.uniform() < 0.1 ? -1 : r.below(diploid ? 3 : 2));
                std::array<std::uint32_t, 2> const own{10, 11};
                state_sets prefer(w.blocks());
                for (std::size_t b = 0; b < prefer.size(); ++b)
                    prefer[b] = {static_cast<std::uint32_t>(b % 203), 11, 150};
                auto const slow = ref_select_states(w, obs, diploid, 24, 77, own, &prefer);
                auto const slow_plain = ref_select_states(w, obs, diploid, 9, 5);
                ref_fill_hap_bits(w);
                REQUIRE(w.hap_words == (w.typed + 63) / 64);
                CHECK(ref_select_states(w, obs, diploid, 24, 77, own, &prefer) == slow);
                CHECK(ref_select_states(w, obs, diploid, 9, 5) == slow_plain);
            }
}

TEST_CASE("haploid posteriors: normalised, find the copied haplotypes, EM step is monotone", "[geno][ref]")
{
    auto w = random_panel(200, 96, 4);
    // A mosaic: haplotype 11 on markers 0..47, haplotype 150 on 48..95, one allele missing.
    auto hap = copy_hap(w, 11);
    auto const second = copy_hap(w, 150);
    std::copy(second.begin() + 48, second.end(), hap.begin() + 48);
    hap[20] = -1;
    auto const sets = ref_select_states(w, hap, false, 16, 3);
    std::size_t const stride = 16;
    std::vector<float> gamma(w.typed * stride);
    double mm = 0, ob = 0;
    double const eps0 = 0.05;
    double const ll0 = ref_haploid_posteriors(w, hap, sets, eps0, gamma, stride, mm, ob);
    CHECK(ob == Approx(95));
    for (std::size_t t = 0; t < w.typed; ++t)
    {
        auto const & set = sets[t / w.block];
        double const sum = std::accumulate(gamma.begin() + static_cast<std::ptrdiff_t>(t * stride),
                                           gamma.begin() + static_cast<std::ptrdiff_t>(t * stride + set.size()), 0.0);
        CHECK(sum == Approx(1.0).epsilon(1e-5));
        if (t < 40 || t > 56)
        {
            auto const it = std::max_element(gamma.begin() + static_cast<std::ptrdiff_t>(t * stride),
                                             gamma.begin() + static_cast<std::ptrdiff_t>(t * stride + set.size()));
            std::uint32_t const best = set[static_cast<std::size_t>(it - gamma.begin()) - t * stride];
            // The copied haplotype or one identical to it at the markers around t.
            std::uint32_t const truth = t < 48 ? 11 : 150;
            bool same = true;
            for (std::size_t u = t > 8 ? t - 8 : 0; u < std::min(w.typed, t + 8); ++u)
                same = same && w.allele(u, best) == w.allele(u, truth);
            CHECK(same);
        }
    }
    // One EM step (ε = E[mismatches] / observed) does not lower the log-likelihood.
    double const eps1 = std::clamp(mm / ob, 1e-6, 0.5);
    double m2 = 0, o2 = 0;
    double const ll1 = ref_haploid_posteriors(w, hap, sets, eps1, {}, 0, m2, o2);
    CHECK(ll1 >= ll0 - 1e-9);
    CHECK(eps1 < eps0);
}

TEST_CASE("diploid phasing: consistent with the genotypes, recovers the two haplotypes", "[geno][ref]")
{
    auto const w = random_panel(250, 80, 6);
    auto const a = copy_hap(w, 42), b = copy_hap(w, 199);
    std::vector<std::int8_t> g(w.typed);
    for (std::size_t t = 0; t < w.typed; ++t)
        g[t] = static_cast<std::int8_t>(a[t] + b[t]);
    g[5] = -1;
    auto const sets = ref_select_states(w, g, true, 24, 8);
    std::vector<std::int8_t> h1(w.typed), h2(w.typed);
    ref_phase(w, g, sets, 1e-3, h1, h2);
    std::size_t agree = 0, het = 0;
    for (std::size_t t = 0; t < w.typed; ++t)
    {
        if (g[t] < 0)
        {
            CHECK(h1[t] == -1);
            CHECK(h2[t] == -1);
            continue;
        }
        CHECK(h1[t] + h2[t] == g[t]);
        if (g[t] == 1)
        {
            ++het;
            agree += h1[t] == a[t];
        }
    }
    REQUIRE(het > 10);
    // Phase recovered up to the labelling of the two haplotypes.
    CHECK((agree == het || agree == 0));
}

TEST_CASE("switch refinement: mends planted phase errors, keeps the genotypes, excluded states never chosen",
          "[geno][ref]")
{
    auto const w = random_panel(250, 80, 9);
    auto const a = copy_hap(w, 17), b = copy_hap(w, 230);
    std::vector<std::int8_t> h1 = a, h2 = b;
    h1[7] = h2[7] = -1; // a missing genotype
    // Plant two switch errors: the heterozygous markers from 25 to 54 exchanged between h1 and h2.
    std::size_t planted = 0;
    for (std::size_t t = 25; t < 55; ++t)
        if (h1[t] >= 0 && h1[t] != h2[t])
        {
            std::swap(h1[t], h2[t]);
            ++planted;
        }
    REQUIRE(planted > 3);
    // The states of both haplotypes, as the pipeline chooses them; the true ones are among them.
    auto s1 = ref_select_states(w, a, false, 12, 1), s2 = ref_select_states(w, b, false, 12, 2);
    state_sets sets(s1.size());
    for (std::size_t k = 0; k < s1.size(); ++k)
        std::set_union(s1[k].begin(), s1[k].end(), s2[k].begin(), s2[k].end(), std::back_inserter(sets[k]));
    std::size_t switches = 0;
    for (int pass = 0; pass < 3; ++pass)
        switches += ref_phase_switches(w, sets, 1e-3, h1, h2);
    CHECK(switches >= 2);
    std::size_t agree = 0, het = 0;
    for (std::size_t t = 0; t < w.typed; ++t)
    {
        if (t == 7)
        {
            CHECK((h1[t] == -1 && h2[t] == -1));
            continue;
        }
        CHECK(h1[t] + h2[t] == a[t] + b[t]);
        if (a[t] != b[t])
        {
            ++het;
            agree += h1[t] == a[t];
        }
    }
    CHECK((agree == het || agree == 0));
    // A correct phase stays as it is.
    std::vector<std::int8_t> c1 = a, c2 = b;
    CHECK(ref_phase_switches(w, sets, 1e-3, c1, c2) == 0);
    CHECK(c1 == a);
    // Excluded haplotypes are never chosen, even when they match exactly.
    std::array<std::uint32_t, 2> const own{17, 230};
    for (auto const & set : ref_select_states(w, a, false, 40, 5, own))
    {
        CHECK(set.size() == 40);
        CHECK(std::find(set.begin(), set.end(), 17U) == set.end());
        CHECK(std::find(set.begin(), set.end(), 230U) == set.end());
    }
}

TEST_CASE("switch posteriors: in [0, 1], above 1/2 exactly where a switch pass switches", "[geno][ref]")
{
    auto const w = random_panel(250, 80, 9);
    auto const a = copy_hap(w, 17), b = copy_hap(w, 230);
    std::vector<std::int8_t> h1 = a, h2 = b;
    h1[7] = h2[7] = -1;
    std::size_t first_het = w.typed;
    for (std::size_t t = 25; t < 55; ++t)
        if (h1[t] >= 0 && h1[t] != h2[t])
            std::swap(h1[t], h2[t]);
    auto s1 = ref_select_states(w, a, false, 12, 1), s2 = ref_select_states(w, b, false, 12, 2);
    state_sets sets(s1.size());
    for (std::size_t k = 0; k < s1.size(); ++k)
        std::set_union(s1[k].begin(), s1[k].end(), s2[k].begin(), s2[k].end(), std::back_inserter(sets[k]));
    std::vector<float> post(w.typed, -1.0f);
    ref_switch_posteriors(w, sets, 1e-3, h1, h2, post);
    std::size_t high = 0;
    for (std::size_t t = 0; t < w.typed; ++t)
    {
        bool const het = h1[t] >= 0 && h1[t] != h2[t];
        if (het && first_het == w.typed)
            first_het = t;
        CHECK(post[t] >= 0.0f);
        CHECK(post[t] <= 1.0f);
        if (!het || t == first_het)
            CHECK(post[t] == 0.0f);
        high += post[t] > 0.5f;
    }
    CHECK(high >= 2); // the two planted switch errors
    // A switch pass makes exactly the switches whose posterior is above 1/2.
    auto c1 = h1, c2 = h2;
    CHECK(ref_phase_switches(w, sets, 1e-3, c1, c2) == high);
    // On the true phase no switch is likely.
    ref_switch_posteriors(w, sets, 1e-3, a, b, post);
    CHECK(*std::max_element(post.begin(), post.end()) < 0.5f);
}

TEST_CASE("heterozygote flips: mend single wrong heterozygotes, keep a correct phase", "[geno][ref]")
{
    auto const w = random_panel(250, 80, 9);
    auto const a = copy_hap(w, 17), b = copy_hap(w, 230);
    std::vector<std::int8_t> h1 = a, h2 = b;
    h1[7] = h2[7] = -1;
    // Two isolated heterozygotes with their alleles exchanged (each: two switches, one marker apart).
    std::vector<std::size_t> hets;
    for (std::size_t t = 0; t < w.typed; ++t)
        if (h1[t] >= 0 && h1[t] != h2[t])
            hets.push_back(t);
    REQUIRE(hets.size() > 20);
    for (std::size_t const k : {hets[5], hets[15]})
        std::swap(h1[k], h2[k]);
    auto s1 = ref_select_states(w, a, false, 12, 1), s2 = ref_select_states(w, b, false, 12, 2);
    state_sets sets(s1.size());
    for (std::size_t k = 0; k < s1.size(); ++k)
        std::set_union(s1[k].begin(), s1[k].end(), s2[k].begin(), s2[k].end(), std::back_inserter(sets[k]));
    CHECK(ref_phase_flips(w, sets, 1e-3, h1, h2) == 2);
    CHECK(h1 == [&] { auto x = a; x[7] = -1; return x; }());
    CHECK(h2 == [&] { auto x = b; x[7] = -1; return x; }());
    // A correct phase stays as it is.
    CHECK(ref_phase_flips(w, sets, 1e-3, h1, h2) == 0);
}

TEST_CASE("heterozygote flips: a run of two exchanged heterozygotes needs max_run 2", "[geno][ref]")
{
    // Haplotypes a and b, each 3 more times in the panel; c = a with b's alleles at two neighbouring
    // heterozygotes k1 < k2 of the pair, d = b with a's there (once each). The phase (c, d) is
    // (a, b) with both heterozygotes exchanged: exchanging either alone leaves a mismatch on each
    // haplotype (lower likelihood), exchanging both gives the more frequent a and b.
    auto w = random_panel(250, 80, 9);
    auto const a = copy_hap(w, 17), b = copy_hap(w, 230);
    std::vector<std::size_t> hets;
    for (std::size_t t = 0; t < w.typed; ++t)
        if (a[t] != b[t])
            hets.push_back(t);
    REQUIRE(hets.size() > 20);
    std::size_t const k1 = hets[10], k2 = hets[11];
    auto c = a, d = b;
    std::swap(c[k1], d[k1]);
    std::swap(c[k2], d[k2]);
    auto set_hap = [&](std::uint32_t h, std::vector<std::int8_t> const & x) {
        for (std::size_t t = 0; t < w.typed; ++t)
        {
            std::uint64_t & word = w.bits[t * w.words + h / 64];
            std::uint64_t const bit = std::uint64_t{1} << (h % 64);
            word = x[t] ? (word | bit) : (word & ~bit);
        }
    };
    for (std::uint32_t h : {40U, 41U, 42U})
        set_hap(h, a);
    for (std::uint32_t h : {60U, 61U, 62U})
        set_hap(h, b);
    set_hap(100, c);
    set_hap(101, d);
    std::vector<std::uint32_t> const states{3, 17, 40, 41, 42, 60, 61, 62, 77, 100, 101, 150, 230};
    state_sets const sets((w.typed + w.block - 1) / w.block, states);
    auto h1 = c, h2 = d;
    CHECK(ref_phase_flips(w, sets, 1e-3, h1, h2, 1) == 0);
    CHECK(h1 == c);
    CHECK(ref_phase_flips(w, sets, 1e-3, h1, h2, 2) == 2);
    CHECK(h1 == a);
    CHECK(h2 == b);
    // The mended phase stays; runs of up to 3 find nothing more.
    CHECK(ref_phase_flips(w, sets, 1e-3, h1, h2, 3) == 0);
    CHECK(ref_phase_flips(w, sets, 1e-3, h1, h2, 0) == 0);
}

TEST_CASE("PBWT neighbours: the longest matches into and out of each block, never the excluded", "[geno][ref]")
{
    // Mosaic panel: haplotypes copy segments of 8 founders (long shared matches), plus noise.
    std::size_t const H = 150, K = 70; // 5 blocks of 16, the last partial
    ref_window w = random_panel(H, K, 4);
    rng r{7, 1};
    auto const founders = random_panel(8, K, 9);
    for (std::size_t h = 0; h < H; ++h)
    {
        std::size_t f = r.below(8);
        for (std::size_t t = 0; t < K; ++t)
        {
            if (r.uniform() < 0.05)
                f = r.below(8);
            bool const x = founders.allele(t, static_cast<std::uint32_t>(f)) != (r.uniform() < 0.02);
            auto & word = w.bits[t * w.words + h / 64];
            word = (word & ~(std::uint64_t{1} << (h % 64))) | (static_cast<std::uint64_t>(x) << (h % 64));
        }
    }
    // Offset 0 and shifted block boundaries (offset 5: block 0 covers markers 0..10, block b
    // [16 b − 5, 16 b + 11)).
    std::size_t const offset = GENERATE(std::size_t{0}, std::size_t{5});
    w.offset = offset;
    REQUIRE(w.blocks() == 5);
    CHECK(w.block_begin(1) == 16 - offset);
    CHECK(w.block_end(0) == 16 - offset);
    CHECK(w.block_end(4) == K);
    CHECK(w.block_of(16 - offset) == 1);
    CHECK(w.block_of(15 - offset) == 0);
    auto const p = ref_build_pbwt(w);
    REQUIRE(p.blocks == 5);
    std::size_t const n = 3;
    // Brute-force match length of haplotypes a and b ending at marker `end` (exclusive), going
    // left, or starting at `start`, going right.
    auto left = [&](std::uint32_t a, std::uint32_t b, std::size_t end) {
        std::size_t l = 0;
        while (l < end && w.allele(end - 1 - l, a) == w.allele(end - 1 - l, b))
            ++l;
        return l;
    };
    auto right = [&](std::uint32_t a, std::uint32_t b, std::size_t start) {
        std::size_t l = 0;
        while (start + l < K && w.allele(start + l, a) == w.allele(start + l, b))
            ++l;
        return l;
    };
    for (std::uint32_t h : {0U, 17U, 64U, 149U})
    {
        std::array<std::uint32_t, 2> const own{h, h ^ 1U};
        auto const sets = ref_pbwt_neighbours(p, h, n, own);
        REQUIRE(sets.size() == 5);
        for (std::size_t b = 0; b < 5; ++b)
        {
            auto const & s = sets[b];
            CHECK(std::is_sorted(s.begin(), s.end()));
            CHECK(s.size() <= 4 * n);
            CHECK(std::adjacent_find(s.begin(), s.end()) == s.end());
            for (auto const x : own)
                CHECK(!std::binary_search(s.begin(), s.end(), x));
            // Each checkpoint: every haplotype matching longer than the n-th longest is in the set.
            auto check = [&](auto len) {
                std::vector<std::size_t> l;
                for (std::uint32_t x = 0; x < H; ++x)
                    if (x != own[0] && x != own[1])
                        l.push_back(len(x));
                std::sort(l.rbegin(), l.rend());
                for (std::uint32_t x = 0; x < H; ++x)
                    if (x != own[0] && x != own[1] && len(x) > l[n - 1])
                        CHECK(std::binary_search(s.begin(), s.end(), x));
            };
            for (std::size_t c : {b, std::min<std::size_t>(4, b + 1)})
                check([&](std::uint32_t x) { return left(h, x, std::min(K, (c + 1) * 16 - offset)); });
            for (std::size_t c : {b, b == 0 ? std::size_t{0} : b - 1})
                check([&](std::uint32_t x) { return right(h, x, c == 0 ? 0 : c * 16 - offset); });
        }
    }
    // Preferred haplotypes come first in ref_select_states' sets.
    auto const hap = copy_hap(w, 17);
    state_sets prefer(5, std::vector<std::uint32_t>{3, 90});
    for (auto const & s : ref_select_states(w, hap, false, 4, 1, {}, &prefer))
    {
        CHECK(std::binary_search(s.begin(), s.end(), 3U));
        CHECK(std::binary_search(s.begin(), s.end(), 90U));
        CHECK(std::binary_search(s.begin(), s.end(), 17U));
    }
}

TEST_CASE("ref_haploid_posteriors: jump posteriors equal the brute-force sum over state paths", "[geno][ref]")
{
    // 5 haplotypes, 6 typed markers, one block (every state in every set): enumerate the 5^6 paths.
    ref_window w = random_panel(5, 6, 41);
    w.block = 64;
    for (std::size_t t = 1; t < w.typed; ++t)
        w.rho[t] = 0.05 + 0.1 * static_cast<double>(t % 3);
    std::vector<std::int8_t> hap{0, 1, 1, -1, 0, 1};
    state_sets const sets(1, std::vector<std::uint32_t>{0, 1, 2, 3, 4});
    double const eps = 0.05;
    std::size_t const K = w.typed, n = 5;
    std::vector<double> brute(K, 0.0);
    double total = 0;
    std::vector<std::size_t> s(K, 0);
    for (std::size_t code = 0; code < 15625; ++code)
    {
        for (std::size_t t = 0, c = code; t < K; ++t, c /= n)
            s[t] = c % n;
        auto emit = [&](std::size_t t) {
            return hap[t] < 0 ? 1.0 : (w.allele(t, static_cast<std::uint32_t>(s[t])) == (hap[t] == 1) ? 1 - eps : eps);
        };
        double p = emit(0) / n;
        std::vector<double> share(K, 0.0);
        for (std::size_t t = 1; t < K; ++t)
        {
            double const jump = w.rho[t] / n, T = (s[t] == s[t - 1] ? 1 - w.rho[t] : 0.0) + jump;
            p *= T * emit(t);
            share[t] = jump / T;
        }
        total += p;
        for (std::size_t t = 1; t < K; ++t)
            brute[t] += p * share[t];
    }
    std::vector<double> jumps(K, 0.0);
    double mm = 0, ob = 0;
    double const ll = ref_haploid_posteriors(w, hap, sets, eps, {}, 0, mm, ob, jumps);
    CHECK(ll == Approx(std::log(total)).epsilon(1e-5));
    CHECK(jumps[0] == 0.0);
    for (std::size_t t = 1; t < K; ++t)
        CHECK(jumps[t] == Approx(brute[t] / total).epsilon(1e-4));
    // Asking for the jumps changes nothing else.
    double mm2 = 0, ob2 = 0;
    CHECK(ref_haploid_posteriors(w, hap, sets, eps, {}, 0, mm2, ob2) == ll);
    CHECK(mm2 == mm);
    CHECK(ob2 == ob);
}

TEST_CASE("ref_fit_ne: recovers Ne from its expected jumps and stays within its bounds", "[geno][ref]")
{
    std::vector<double> c{0, 2e-7, 5e-8, 1e-6, 0, 3e-7};
    for (double const ne : {2e4, 1e5, 7e5})
    {
        auto const rho = ref_jump_rates(c, ne);
        CHECK(rho[0] == 0);
        CHECK(rho[4] == 0);
        CHECK(rho[3] == Approx(-std::expm1(-1e-6 * ne)));
        std::vector<double> jumps(c.size());
        for (std::size_t t = 0; t < c.size(); ++t)
            jumps[t] = 400 * rho[t]; // the expected jumps of 400 haplotypes at this Ne
        CHECK(ref_fit_ne(c, jumps, 400, 1e3, 1e7) == Approx(ne).epsilon(1e-9));
    }
    std::vector<double> none(c.size(), 0.0), all(c.size(), 400.0);
    CHECK(ref_fit_ne(c, none, 400, 1e3, 1e7) == 1e3);
    CHECK(ref_fit_ne(c, all, 400, 1e3, 1e7) == 1e7);
}

TEST_CASE("edge context: the end blocks' states are matched over as many blocks as inside", "[geno][ref]")
{
    // 3 blocks of 4 typed markers; the study haplotype is all 0. Haplotype 0 has 4 mismatches in
    // block 0 and none after, haplotype 1 none before block 2 and 4 in it, haplotype 2 one in
    // block 0 and one in block 2; the rest mismatch everywhere. With one state, block 0 takes
    // haplotype 1 over blocks 0-1 and block 2 haplotype 0 over blocks 1-2; over blocks 0-2
    // (edge_context) both take haplotype 2, as block 1 does either way.
    ref_window w;
    w.haps = 8;
    w.words = 1;
    w.typed = 12;
    w.block = 4;
    w.rho.assign(12, 0.01);
    w.bits.assign(12, 0);
    for (std::size_t t = 0; t < 12; ++t)
        w.bits[t] = 0xF8U | (t < 4 ? 1U : 0U) | (t >= 8 ? 2U : 0U) | (t == 0 || t == 11 ? 4U : 0U);
    std::vector<std::int8_t> const hap(12, 0);
    auto const plain = ref_select_states(w, hap, false, 1, 1);
    REQUIRE(plain.size() == 3);
    CHECK(plain[0] == std::vector<std::uint32_t>{1});
    CHECK(plain[1] == std::vector<std::uint32_t>{2});
    CHECK(plain[2] == std::vector<std::uint32_t>{0});
    w.edge_context = true;
    auto const edge = ref_select_states(w, hap, false, 1, 1);
    CHECK(edge[0] == std::vector<std::uint32_t>{2});
    CHECK(edge[1] == plain[1]); // the inner block unchanged
    CHECK(edge[2] == std::vector<std::uint32_t>{2});
}

TEST_CASE("ref_select_states: more states in the chromosome's end blocks with end_scale", "[geno][ref]")
{
    // 3 blocks of 4 typed markers, 8 haplotypes; haplotype h mismatches the all-0 study haplotype
    // at h of the typed markers (so the order by mismatches is 0, 1, 2, ...). With 2 states and
    // end_scale 2, a flagged end block takes the best 4, the others the best 2.
    ref_window w;
    w.haps = 8;
    w.words = 1;
    w.typed = 12;
    w.block = 4;
    w.rho.assign(12, 0.01);
    w.bits.assign(12, 0);
    for (std::size_t t = 0; t < 12; ++t)
        for (std::uint32_t h = 0; h < 8; ++h)
            if (t < h)
                w.bits[t] |= std::uint64_t{1} << h;
    std::vector<std::int8_t> const hap(12, 0);
    std::vector<std::uint32_t> const two{0, 1}, four{0, 1, 2, 3};
    auto const plain = ref_select_states(w, hap, false, 2, 1);
    REQUIRE(plain.size() == 3);
    for (auto const & s : plain)
        CHECK(s == two);
    w.end_scale = 2;
    auto const unflagged = ref_select_states(w, hap, false, 2, 1);
    CHECK(unflagged == plain); // no end flagged: no change
    w.first_end = true;
    auto const first = ref_select_states(w, hap, false, 2, 1);
    CHECK(first[0] == four);
    CHECK(first[1] == two);
    CHECK(first[2] == two);
    w.last_end = true;
    auto const both = ref_select_states(w, hap, false, 2, 1);
    CHECK(both[0] == four);
    CHECK(both[1] == two);
    CHECK(both[2] == four);
    // At most the haplotypes not excluded.
    w.end_scale = 10;
    std::vector<std::uint32_t> const own{7};
    auto const capped = ref_select_states(w, hap, false, 2, 1, own);
    CHECK(capped[0].size() == 7);
    CHECK(capped[2].size() == 7);
    CHECK(capped[1] == two);
}

TEST_CASE("ref_impute: an end-block state scale below 1 is refused before any file is read", "[geno][ref]")
{
    ref_impute_options opt;
    opt.study = "no-such-study.vcf";
    opt.panel = "no-such-panel.vcf.gz";
    SECTION("switch passes and imputation") { opt.end_scale = 0.5; }
    SECTION("later Viterbi rounds") { opt.viterbi_end_scale = 0.5; }
    CHECK_THROWS_WITH(ref_impute(opt), Catch::Contains("at least 1"));
}
