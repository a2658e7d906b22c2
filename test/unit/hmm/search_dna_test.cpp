// DNA search (search_dna.hpp) and its pieces: the fast odds-space posterior decoding equals the
// log-space reference, the maximum hit length bounds emitted lengths, embedded elements are found
// on the right strand with nhmmer's coordinates, and windows and threads do not change the hits;
// GFF3 escaping (hits_io.hpp).
#include "hmm/domain_posterior.hpp"
#include "test_residues.hpp"

#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/hits_io.hpp>
#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/hmm/search_dna.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/seq/reader.hpp>
#include <emtk/util/rng.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet;
using emtk::seq::alphabet_type;

namespace {

/// A random DNA model with sharpened match emissions and a strong main line; STATS typical of a
/// DNA model (Forward tail tau −3.5, lambda 0.72, as Dfam's MADE1).
hmmer_model sharp_dna_model(int M, std::uint64_t seed)
{
    emtk::rng r{seed};
    hmmer_model m;
    m.hmm = test::sharpened_hmm(r, M, 4, 4, 6.0, 1.0);
    m.alphabet = alphabet_type::dna;
    m.name = "dna" + std::to_string(M);
    m.stats = hmmer_stats{-8.6, 0.72, -9.4, 0.72, -3.5, 0.72};
    return m;
}

std::string random_dna(emtk::rng & r, std::size_t n)
{
    std::string s;
    for (std::size_t i = 0; i < n; ++i)
        s.push_back("ACGT"[r.below(4)]);
    return s;
}

std::string text_of(std::vector<std::uint8_t> const & x) { return test::text_of(x, alphabet_type::dna); }

std::string revcomp(std::string s)
{
    std::reverse(s.begin(), s.end());
    for (char & c : s)
        c = c == 'A' ? 'T' : c == 'C' ? 'G' : c == 'G' ? 'C' : c == 'T' ? 'A' : c;
    return s;
}

dna_search_result run(std::vector<search_model> const & models, std::string const & path, dna_search_options o)
{
    emtk::seq::sequence_reader reader{path};
    return search_dna(models, "models.hmm", reader, o);
}

} // namespace

TEST_CASE("search dna: odds-space posterior decoding equals the log-space reference", "[hmm][search_dna]")
{
    hmmer_model const m = sharp_dna_model(25, 7);
    hmmer_scorer const sc{m.hmm, m.alphabet};
    emtk::rng r{99};
    for (bool multihit : {false, true})
    {
        profile p = sc.configured();
        p.options.multihit = multihit;
        std::string const text = random_dna(r, 20) + text_of(emit_sequence(m.hmm, r)) + random_dna(r, 15);
        std::vector<std::uint8_t> x;
        for (char c : text)
            x.push_back(static_cast<std::uint8_t>(alphabet::get(alphabet_type::dna).code(c)));
        dp_matrix fwd, bwd;
        double const ll = forward(p, x, fwd);
        backward(p, x, bwd);
        posterior const ref = decode_posterior(p, x, fwd, bwd, ll);
        detail::special_probs const t{special_transitions(p, x.size())};
        double score = 0;
        posterior const fast = detail::decode_full(detail::odds_profile{p}, t, x, score);
        double null = 0;
        for (auto c : x)
            null += p.xsc[c];
        CHECK(score == Approx(ll - null).epsilon(1e-10));
        double maxdiff = 0;
        for (std::size_t i = 1; i <= x.size(); ++i)
        {
            for (int k = 1; k <= p.M; ++k)
            {
                maxdiff = std::max(maxdiff, std::abs(ref.match(i, k) - fast.match(i, k)));
                maxdiff = std::max(maxdiff, std::abs(ref.insert(i, k) - fast.insert(i, k)));
            }
            maxdiff = std::max({maxdiff, std::abs(ref.n[i] - fast.n[i]), std::abs(ref.c[i] - fast.c[i]),
                                std::abs(ref.j[i] - fast.j[i])});
        }
        INFO("multihit " << multihit);
        CHECK(maxdiff < 1e-9);
    }
}

TEST_CASE("domain definition: a region is split only where two domains are more probable than one",
          "[hmm][search_dna][domains]")
{
    // One region, residues 21..80 occupied: with probability 1 − p one domain spans it, with
    // probability p two domains touch at 50 | 51 (an E after 50, a B before 51), as on a repeat
    // whose halves also match the model apart (MADE1's inverted repeats).
    auto region = [](double p) {
        std::size_t const L = 100;
        detail::occupancy o;
        o.mocc.assign(L + 1, 0.0);
        std::vector<double> b(L + 1, 0.0), e(L + 1, 0.0);
        for (std::size_t i = 21; i <= 80; ++i)
            o.mocc[i] = 1.0;
        b[21] = 1.0, e[80] = 1.0; // the region's start and end in both readings
        e[50] = p, b[51] = p;     // the split reading's inner end and begin
        o.btot.assign(L + 1, 0.0), o.etot.assign(L + 1, 0.0);
        for (std::size_t i = 1; i <= L; ++i)
            o.btot[i] = o.btot[i - 1] + b[i], o.etot[i] = o.etot[i - 1] + e[i];
        return o;
    };
    using env = std::vector<std::pair<std::size_t, std::size_t>>;
    for (double p : {0.1, 0.25, 0.4, 0.5})
    {
        int regions = 0, clustered = 0;
        INFO("split probability " << p);
        CHECK(detail::find_envelopes(region(p), &regions, &clustered) == env{{21, 80}});
        CHECK(regions == 1);
        CHECK(clustered == (p >= 0.2 ? 1 : 0)); // HMMER's multidomain test (rt3 = 0.2) still counts it
    }
    for (double p : {0.6, 0.85})
    {
        int regions = 0, clustered = 0;
        INFO("split probability " << p);
        CHECK(detail::find_envelopes(region(p), &regions, &clustered) == env{{21, 50}, {51, 80}});
        CHECK(regions == 1);
        CHECK(clustered == 1);
    }
}

TEST_CASE("search dna: the maximum hit length bounds the lengths the model emits", "[hmm][search_dna]")
{
    hmmer_model m = sharp_dna_model(40, 3);
    int const W = model_max_length(m);
    CHECK(W >= 40);
    CHECK(W < 400);
    emtk::rng r{5};
    std::size_t longest = 0;
    for (int n = 0; n < 3000; ++n)
        longest = std::max(longest, emit_sequence(m.hmm, r).size());
    CHECK(longest <= static_cast<std::size_t>(W));
    m.max_length = 1234; // a MAXL line wins
    CHECK(model_max_length(m) == 1234);
}

TEST_CASE("search dna: embedded elements are found on their strand, windows and threads change nothing",
          "[hmm][search_dna]")
{
    emtk::test::temp_dir dir;
    std::vector<search_model> models;
    models.emplace_back(sharp_dna_model(60, 11), "models.hmm");
    emtk::rng r{21};
    // Elements: + at ~3 kb, − at ~9.9 kb (across the 10 kb window edge with --window 10000? no: the
    // window is 5 kb below, so 9.9 kb sits in the overlap of two windows), + at ~16 kb.
    std::string g = random_dna(r, 3000);
    struct truth_t
    {
        char strand;
        std::size_t from, to; // forward-strand interval
    };
    std::vector<truth_t> truth;
    auto add = [&](char strand, std::size_t spacer) {
        std::string e = text_of(emit_sequence(models[0].model().hmm, r));
        truth.push_back({strand, g.size() + 1, g.size() + e.size()});
        g += strand == '+' ? e : revcomp(e);
        g += random_dna(r, spacer);
    };
    add('+', 6850);
    add('-', 6000);
    add('+', 3000);
    std::string const path = dir.file("genome.fa");
    std::ofstream{path} << ">chrT test\n" << g << '\n';

    dna_search_options o;
    o.evalue = 1e-3;
    o.window = 5000;
    dna_search_result const a = run(models, path, o);
    REQUIRE(a.models.size() == 1);
    auto const & hits = a.models[0].hits;
    CHECK(a.residues == 2 * g.size());
    for (auto const & t : truth)
    {
        bool found = false;
        for (auto const & h : hits)
        {
            std::size_t const lo = std::min(h.ali_from, h.ali_to), hi = std::max(h.ali_from, h.ali_to);
            bool const orientation = h.strand == '+' ? h.ali_from <= h.ali_to : h.ali_from >= h.ali_to;
            std::size_t const ov = std::min(hi, t.to) >= std::max(lo, t.from) ? std::min(hi, t.to) - std::max(lo, t.from) + 1 : 0;
            if (h.strand == t.strand && orientation && 2 * ov >= t.to - t.from + 1)
                found = true;
        }
        INFO("element " << t.strand << " " << t.from << "-" << t.to);
        CHECK(found);
    }
    CHECK(hits.size() == truth.size());

    dna_search_options o2 = o;
    o2.window = 100000;
    o2.threads = 2;
    dna_search_result const b = run(models, path, o2);
    REQUIRE(b.models[0].hits.size() == hits.size());
    for (std::size_t i = 0; i < hits.size(); ++i)
    {
        CHECK(b.models[0].hits[i].ali_from == hits[i].ali_from);
        CHECK(b.models[0].hits[i].ali_to == hits[i].ali_to);
        CHECK(b.models[0].hits[i].bits == Approx(hits[i].bits).margin(1e-9));
    }

    dna_search_options top = o;
    top.bottom = false;
    dna_search_result const c = run(models, path, top);
    CHECK(c.residues == g.size());
    for (auto const & h : c.models[0].hits)
        CHECK(h.strand == '+');
}

TEST_CASE("search dna: GFF3 escaping", "[hmm][search_dna]")
{
    CHECK(gff3_escape_seqid("chr1") == "chr1");
    CHECK(gff3_escape_seqid("chr 1;x") == "chr%201%3Bx");
    CHECK(gff3_escape_value("a=b;c,d&e%f") == "a%3Db%3Bc%2Cd%26e%25f");
    CHECK(gff3_escape_value("a b") == "a b");
    CHECK(gff3_escape_value("a b", true) == "a%20b");
    CHECK(gff3_escape_value("tab\there") == "tab%09here");
}
