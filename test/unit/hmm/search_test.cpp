// emtk hmm search's library (search.hpp): per-sequence scores are hmmer_scorer's Forward scores,
// domains found where they were embedded, E-values consistent and monotone, thresholds, streaming
// batches and thread counts that do not change the result, and the user errors.
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/hmm/calibrate.hpp>
#include <emtk/hmm/search.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/seq/reader.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include "test_residues.hpp"
#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet;
using emtk::seq::alphabet_type;

namespace {

/// A random amino-acid model with sharpened match emissions (a recognisable family), and
/// STATS lines typical of a HMMER model of that size (the Forward tail: tau −4, lambda ln 2).
hmmer_model sharp_model(int M, std::uint64_t seed)
{
    emtk::rng r{seed};
    hmmer_model m;
    m.hmm = test::sharpened_hmm(r, M, 20, 3, 4.0, 1.0); // few inserts and deletes
    m.alphabet = alphabet_type::amino;
    m.name = "sharp" + std::to_string(M);
    m.stats = hmmer_stats{-8.0, 0.69, -9.0, 0.69, -4.0, 0.693};
    return m;
}

/// Background residues (HMMER's amino frequencies).
std::string random_residues(emtk::rng & r, std::size_t n)
{
    auto const f = hmmer_background(alphabet_type::amino);
    auto const & abc = alphabet::get(alphabet_type::amino);
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
    {
        double u = r.uniform();
        int c = 0;
        while (c < 19 && u >= f[static_cast<std::size_t>(c)])
            u -= f[static_cast<std::size_t>(c++)];
        s.push_back(abc.symbol(c));
    }
    return s;
}

std::string text_of(std::vector<std::uint8_t> const & x) { return test::text_of(x, alphabet_type::amino); }

/// A target with embedded domains: flank, domain, (spacer, domain …), flank.
struct target
{
    std::string name, residues;
    std::vector<std::pair<std::size_t, std::size_t>> truth; // 1-based domain intervals
};

std::vector<target> make_targets(hmmer_model const & m, std::size_t n, std::uint64_t seed)
{
    emtk::rng r{seed};
    std::vector<target> out;
    for (std::size_t s = 0; s < n; ++s)
    {
        target t;
        t.name = "t";
        t.name += std::to_string(s + 1);
        std::size_t const ndom = s % 3; // 0, 1 or 2 domains
        t.residues = random_residues(r, 30 + r.below(50));
        for (std::size_t d = 0; d < ndom; ++d)
        {
            if (d > 0)
                t.residues += random_residues(r, 40 + r.below(40));
            std::string const dom = text_of(emit_sequence(m.hmm, r));
            t.truth.emplace_back(t.residues.size() + 1, t.residues.size() + dom.size());
            t.residues += dom;
        }
        t.residues += random_residues(r, 30 + r.below(50));
        out.push_back(std::move(t));
    }
    return out;
}

std::string write_fasta(emtk::test::temp_dir const & dir, std::vector<target> const & ts)
{
    std::string const path = dir.file("targets.fa");
    std::ofstream out{path};
    for (auto const & t : ts)
        out << '>' << t.name << " embedded " << t.truth.size() << '\n' << t.residues << '\n';
    return path;
}

search_result run(std::vector<search_model> const & models, std::string const & path, search_options const & o)
{
    emtk::seq::sequence_reader reader{path};
    return search(models, "models.hmm", reader, o);
}

std::vector<std::uint8_t> digital(std::string const & s)
{
    auto const & abc = alphabet::get(alphabet_type::amino);
    std::vector<std::uint8_t> x;
    for (char c : s)
        x.push_back(static_cast<std::uint8_t>(abc.code(c)));
    return x;
}

} // namespace

TEST_CASE("search: per-sequence scores are the Forward scores and P-values of the STATS", "[hmm][search]")
{
    emtk::test::temp_dir dir;
    hmmer_model const m = sharp_model(50, 11);
    auto const ts = make_targets(m, 12, 5);
    std::vector<search_model> models;
    models.emplace_back(m, "models.hmm");
    search_options o;
    o.evalue = 1e300; // report everything
    o.domains = false;
    o.filter.max = true; // no filter
    auto const r = run(models, write_fasta(dir, ts), o);
    REQUIRE(r.targets == ts.size());
    CHECK(r.Z == static_cast<double>(ts.size()));
    REQUIRE(r.models.size() == 1);
    REQUIRE(r.models[0].hits.size() == ts.size());
    hmmer_scorer const s{m.hmm, m.alphabet};
    for (std::size_t i = 0; i < ts.size(); ++i)
    {
        auto const & h = r.models[0].hits[i];
        CHECK(h.index == i);
        CHECK(h.name == ts[i].name);
        CHECK(h.length == ts[i].residues.size());
        CHECK(h.bits == s.forward_bits(digital(ts[i].residues)));
        CHECK(h.pvalue == forward_pvalue(h.bits, *m.stats));
        CHECK(h.evalue == h.pvalue * r.Z);
        CHECK(h.domains.empty());
        if (ts[i].truth.empty())
            CHECK(h.bits < 15.0);
        else
            CHECK(h.bits > 25.0);
    }
}

TEST_CASE("search: domain envelopes and alignments cover the embedded domains", "[hmm][search]")
{
    emtk::test::temp_dir dir;
    hmmer_model const m = sharp_model(60, 21);
    auto const ts = make_targets(m, 18, 9);
    std::vector<search_model> models;
    models.emplace_back(m, "models.hmm");
    search_options o;
    o.evalue = 1e-3;
    auto const r = run(models, write_fasta(dir, ts), o);
    auto const & hits = r.models[0].hits;
    std::size_t with_domains = 0;
    for (auto const & t : ts)
        with_domains += !t.truth.empty();
    REQUIRE(hits.size() == with_domains); // exactly the targets with embedded domains
    CHECK(r.models[0].domZ == static_cast<double>(hits.size()));
    for (auto const & h : hits)
    {
        auto const & t = ts[h.index];
        INFO("target " << t.name << " length " << t.residues.size());
        std::vector<domain_hit> shown;
        for (auto const & d : h.domains)
            if (d.reported)
                shown.push_back(d);
        REQUIRE(shown.size() == t.truth.size());
        for (std::size_t k = 0; k < shown.size(); ++k)
        {
            auto const & d = shown[k];
            auto const [from, to] = t.truth[k];
            INFO("domain " << k + 1 << " true " << from << "-" << to << " env " << d.env_from << "-" << d.env_to
                           << " ali " << d.ali_from << "-" << d.ali_to << " hmm " << d.hmm_from << "-" << d.hmm_to);
            CHECK(1 <= d.env_from);
            CHECK(d.env_from <= d.ali_from);
            CHECK(d.ali_from <= d.ali_to);
            CHECK(d.ali_to <= d.env_to);
            CHECK(d.env_to <= h.length);
            CHECK(1 <= d.hmm_from);
            CHECK(d.hmm_from <= d.hmm_to);
            CHECK(d.hmm_to <= m.hmm.M);
            // The envelope covers most of the true domain and not much more.
            std::size_t const overlap = std::min(d.env_to, to) + 1 - std::max(d.env_from, from);
            CHECK(overlap >= (to - from + 1) * 8 / 10);
            CHECK(d.env_to - d.env_from + 1 <= (to - from + 1) + 30);
            CHECK(d.bits > 20.0);
            CHECK(d.bits <= h.bits + 2.0); // a domain does not score much above its whole sequence
            CHECK(d.c_evalue == d.pvalue * r.models[0].domZ);
            CHECK(d.i_evalue == d.pvalue * r.Z);
        }
    }
}

TEST_CASE("search: E-values decrease with the score and thresholds select by them", "[hmm][search]")
{
    emtk::test::temp_dir dir;
    hmmer_model const m = sharp_model(40, 31);
    auto const ts = make_targets(m, 30, 13);
    std::string const path = write_fasta(dir, ts);
    std::vector<search_model> models;
    models.emplace_back(m, "models.hmm");
    search_options all;
    all.evalue = 1e300;
    all.domains = false; // with domains, sequences without a region are dropped (tested below)
    all.filter.max = true;
    auto const r = run(models, path, all);
    auto hits = r.models[0].hits;
    REQUIRE(hits.size() == ts.size());
    std::sort(hits.begin(), hits.end(), [](auto const & a, auto const & b) { return a.bits > b.bits; });
    for (std::size_t i = 1; i < hits.size(); ++i)
    {
        CHECK(hits[i].evalue >= hits[i - 1].evalue);
        CHECK(hits[i].pvalue >= 0.0);
        CHECK(hits[i].pvalue <= 1.0);
    }
    // -E keeps exactly the hits with E ≤ threshold; -T exactly those with a score ≥ threshold.
    double const cut = hits[hits.size() / 2].evalue;
    search_options e;
    e.domains = false;
    e.filter.max = true; // the scores of `hits` (the float Forward of the filters differs in the last digits)
    e.evalue = cut;
    auto const re = run(models, path, e);
    auto const expected_e = std::count_if(hits.begin(), hits.end(), [&](auto const & h) { return h.evalue <= cut; });
    CHECK(static_cast<std::ptrdiff_t>(re.models[0].hits.size()) == expected_e);
    search_options tb;
    tb.domains = false;
    tb.filter.max = true;
    tb.bits = 20.0;
    auto const rt = run(models, path, tb);
    auto const expected_t = std::count_if(hits.begin(), hits.end(), [](auto const & h) { return h.bits >= 20.0; });
    CHECK(static_cast<std::ptrdiff_t>(rt.models[0].hits.size()) == expected_t);
    for (auto const & h : rt.models[0].hits)
        CHECK(h.bits >= 20.0);
    // -Z scales E-values.
    search_options z = all;
    z.Z = 1000;
    auto const rz = run(models, path, z);
    REQUIRE(rz.models[0].hits.size() == ts.size());
    for (std::size_t i = 0; i < ts.size(); ++i)
        CHECK(rz.models[0].hits[i].evalue == Approx(r.models[0].hits[i].evalue * 1000.0 / 30.0).epsilon(1e-12));
}

TEST_CASE("search: batches and thread counts do not change the result", "[hmm][search]")
{
    emtk::test::temp_dir dir;
    hmmer_model const a = sharp_model(45, 41), b = sharp_model(30, 42);
    auto ts = make_targets(a, 14, 17);
    auto const tb = make_targets(b, 10, 18);
    ts.insert(ts.end(), tb.begin(), tb.end());
    std::string const path = write_fasta(dir, ts);
    std::vector<search_model> models;
    models.emplace_back(a, "models.hmm");
    models.emplace_back(b, "models.hmm");
    search_options o1;
    o1.evalue = 1.0;
    search_options o2 = o1;
    o2.threads = 2;
    o2.batch_sequences = 3; // many batches: the running-Z candidate rule is exercised
    auto const r1 = run(models, path, o1), r2 = run(models, path, o2);
    REQUIRE(r1.models.size() == 2);
    CHECK(r1.targets == r2.targets);
    CHECK(r1.residues == r2.residues);
    std::size_t total = 0;
    for (std::size_t m = 0; m < 2; ++m)
    {
        auto const & h1 = r1.models[m].hits;
        auto const & h2 = r2.models[m].hits;
        REQUIRE(h1.size() == h2.size());
        total += h1.size();
        for (std::size_t i = 0; i < h1.size(); ++i)
        {
            CHECK(h1[i].index == h2[i].index);
            if (i > 0)
                CHECK(h1[i].index > h1[i - 1].index); // input order
            CHECK(h1[i].bits == h2[i].bits);
            CHECK(h1[i].evalue == h2[i].evalue);
            REQUIRE(h1[i].domains.size() == h2[i].domains.size());
            for (std::size_t d = 0; d < h1[i].domains.size(); ++d)
            {
                CHECK(h1[i].domains[d].env_from == h2[i].domains[d].env_from);
                CHECK(h1[i].domains[d].ali_to == h2[i].domains[d].ali_to);
                CHECK(h1[i].domains[d].bits == h2[i].domains[d].bits);
                CHECK(h1[i].domains[d].c_evalue == h2[i].domains[d].c_evalue);
            }
        }
    }
    CHECK(total >= 10); // both models found their families
}

TEST_CASE("search: with domains, only sequences with a domain region are reported", "[hmm][search]")
{
    emtk::test::temp_dir dir;
    hmmer_model const m = sharp_model(40, 51);
    auto const ts = make_targets(m, 15, 23);
    std::string const path = write_fasta(dir, ts);
    std::vector<search_model> models;
    models.emplace_back(m, "models.hmm");
    search_options o;
    o.evalue = 1e300;
    auto const r = run(models, path, o);
    std::size_t embedded = 0;
    for (auto const & t : ts)
        embedded += !t.truth.empty();
    CHECK(r.models[0].hits.size() >= embedded);
    CHECK(r.models[0].hits.size() < ts.size()); // random sequences rarely hold a region
    for (auto const & h : r.models[0].hits)
    {
        CHECK(!h.domains.empty());
        bool any = false;
        for (auto const & d : h.domains)
            any = any || d.reported;
        CHECK(any); // the best domain is always listed
    }
}

TEST_CASE("search: the filters only remove targets; the hits that pass keep their --max scores (float Forward: 1e-3 bits)", "[hmm][search]")
{
    emtk::test::temp_dir dir;
    hmmer_model const m = sharp_model(40, 31);
    auto const ts = make_targets(m, 30, 13);
    std::string const path = write_fasta(dir, ts);
    std::vector<search_model> models;
    models.emplace_back(m, "models.hmm");
    search_options o;
    o.filter.max = true;
    auto const all = run(models, path, o).models[0].hits;
    o.filter = {};
    auto const filtered = run(models, path, o).models[0].hits;
    CHECK(filtered.size() <= all.size());
    CHECK(!filtered.empty());
    for (auto const & h : filtered)
    {
        auto const it = std::find_if(all.begin(), all.end(), [&](auto const & a) { return a.index == h.index; });
        REQUIRE(it != all.end());
        // The default pipeline scores survivors with the float Forward (domain_float.hpp).
        CHECK(std::abs(it->bits - h.bits) <= 1e-3);
        CHECK(std::abs(it->evalue - h.evalue) <= 1e-3 * it->evalue);
        CHECK(it->domains.size() == h.domains.size());
    }
}

TEST_CASE("search: uncalibrated models are calibrated; alphabet mismatches are user errors", "[hmm][search]")
{
    hmmer_model m = sharp_model(20, 3);
    m.stats.reset();
    search_model const sm(m, "m.hmm");
    REQUIRE(sm.model().stats);
    hmmer_stats const want = calibrate(m.hmm, m.alphabet);
    CHECK(sm.model().stats->msv_mu == want.msv_mu);
    CHECK(sm.model().stats->forward_tau == want.forward_tau);
    emtk::test::temp_dir dir;
    std::string const dna = dir.file("dna.fa");
    std::ofstream{dna} << ">d1\nACGTACGTACGGTACCATGACGATCGATCGA\n";
    std::vector<search_model> models;
    models.emplace_back(sharp_model(20, 3), "m.hmm");
    emtk::seq::sequence_reader reader{dna};
    CHECK_THROWS_WITH(search(models, "m.hmm", reader, {}),
                      dna + ": the targets are DNA sequences but model sharp20 in m.hmm is amino (use alphabet to "
                            "force the targets' alphabet)");
}
