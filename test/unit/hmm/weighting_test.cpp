// k-mer weights and centrality (weighting.hpp): the scalable (MinHash LSH) mode against the exact
// all-pairs mode.
#include <emtk/hmm/weighting.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;
using emtk::seq::sequence_set;

namespace {

/// `bases` random amino sequences of ~200 residues, each followed by `copies` near-copies with
/// 0–2% substitutions (f_ij well above 0.8: neighbours), in a shuffled-looking fixed order.
sequence_set redundant_set(emtk::rng & r, std::size_t bases, std::size_t copies)
{
    sequence_set s;
    s.type = alphabet_type::amino;
    s.source = "redundant";
    for (std::size_t b = 0; b < bases; ++b)
    {
        std::vector<std::uint8_t> x(180 + r.below(40));
        for (auto & c : x)
            c = static_cast<std::uint8_t>(r.below(20));
        for (std::size_t c = 0; c <= copies; ++c)
        {
            emtk::seq::sequence q;
            q.name = std::to_string(b) + "_" + std::to_string(c);
            q.name.insert(0, 1, 'b'); // (not "b" + to_string: GCC 12 -Wrestrict false positive)
            q.dsq = x;
            double const rate = c == 0 ? 0.0 : 0.02 * r.uniform();
            for (auto & v : q.dsq)
                if (r.uniform() < rate)
                    v = static_cast<std::uint8_t>(r.below(20));
            s.seqs.push_back(std::move(q));
        }
    }
    return s;
}

} // namespace

TEST_CASE("weighting: LSH mode finds the near-duplicates that exact mode finds, and no false ones", "[hmm][weighting]")
{
    emtk::rng r{1717};
    sequence_set const s = redundant_set(r, 150, 3); // 600 sequences
    kmer_options exact, lsh;
    lsh.exact_limit = 0;
    auto const e = kmer_similarities(s, exact);
    auto const l = kmer_similarities(s, lsh);
    CHECK(e.exact);
    CHECK_FALSE(l.exact);
    REQUIRE(e.neighbours.size() == s.seqs.size());
    for (std::size_t i = 0; i < s.seqs.size(); ++i)
    {
        INFO("sequence " << s.seqs[i].name);
        CHECK(e.neighbours[i] == 4.0); // itself and its 3 copies
        CHECK(l.neighbours[i] == e.neighbours[i]);
    }
    // Candidate pairs stay far below all pairs (600 · 599 / 2 = 179,700).
    CHECK(l.candidate_pairs < 5000);
    // Centrality: the duplicates of a base are more central than anything unrelated is.
    CHECK(l.centrality[0] > 2.5);
}

TEST_CASE("weighting: LSH mode never invents neighbours and is deterministic", "[hmm][weighting]")
{
    emtk::rng r{1718};
    sequence_set s = redundant_set(r, 60, 2);
    // Add unrelated and partly related sequences: fragments of 40-90% length of some bases.
    std::size_t const n0 = s.seqs.size();
    for (std::size_t i = 0; i < n0; i += 7)
    {
        auto q = s.seqs[i];
        q.name += "_frag";
        q.dsq.resize(q.dsq.size() * (4 + r.below(6)) / 10);
        s.seqs.push_back(std::move(q));
    }
    kmer_options lsh;
    lsh.exact_limit = 0;
    auto const e = kmer_similarities(s, 0.8);
    auto const a = kmer_similarities(s, lsh);
    auto const b = kmer_similarities(s, lsh);
    CHECK(a.neighbours == b.neighbours);
    CHECK(a.centrality == b.centrality);
    for (std::size_t i = 0; i < s.seqs.size(); ++i)
        CHECK(a.neighbours[i] <= e.neighbours[i]);
    double neff = 0;
    auto const w = kmer_cluster_weights(s, lsh, neff);
    double sum = 0;
    for (double v : w)
    {
        CHECK(v > 0);
        CHECK(v <= 1);
        sum += v;
    }
    CHECK(sum == Approx(neff));
}

TEST_CASE("weighting: DNA sequences and empty k-mer sets in LSH mode", "[hmm][weighting]")
{
    sequence_set s;
    s.type = alphabet_type::dna;
    s.source = "dna";
    emtk::rng r{1719};
    std::vector<std::uint8_t> base(300);
    for (auto & c : base)
        c = static_cast<std::uint8_t>(r.below(4));
    for (int i = 0; i < 4; ++i)
    {
        emtk::seq::sequence q;
        q.name = std::to_string(i);
        q.name.insert(0, 1, 'd');
        q.dsq = base;
        s.seqs.push_back(q);
    }
    emtk::seq::sequence tiny; // shorter than k = 6: no k-mer
    tiny.name = "tiny";
    tiny.dsq = {0, 1, 2};
    s.seqs.push_back(tiny);
    kmer_options lsh;
    lsh.exact_limit = 0;
    auto const l = kmer_similarities(s, lsh);
    auto const e = kmer_similarities(s, kmer_options{});
    CHECK(l.neighbours == e.neighbours);
    CHECK(l.neighbours[0] == 4.0);
    CHECK(l.neighbours[4] == 1.0);
    CHECK(l.centrality[4] == 0.0);
}
