// Consistency-based alignment (consistency.hpp) and the consistency realignment of training
// (train.hpp, train_options::consistency).
#include <emtk/hmm/consistency.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/util/rng.hpp>

#include "test_residues.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;

namespace {

std::vector<std::uint8_t> random_protein(emtk::rng & r, std::size_t n)
{
    std::vector<std::uint8_t> s(n);
    for (auto & c : s)
        c = static_cast<std::uint8_t>(r.below(20));
    return s;
}

/// Every pair's posteriors of `seqs` from the pair-HMM.
posterior_set pair_posteriors(pair_hmm const & h, std::vector<std::vector<std::uint8_t>> const & seqs)
{
    posterior_set p;
    p.n = seqs.size();
    for (auto const & s : seqs)
        p.lengths.push_back(s.size());
    p.pairs.resize(p.n * p.n);
    for (std::size_t x = 0; x < p.n; ++x)
        for (std::size_t y = 0; y < p.n; ++y)
            if (x != y)
                p.at(x, y) = pair_hmm_posterior(h, seqs[x], seqs[y]);
    return p;
}

void check_range(posterior_set const & p)
{
    for (std::size_t x = 0; x < p.n; ++x)
        for (std::size_t y = 0; y < p.n; ++y)
        {
            if (x == y)
                continue;
            auto const & q = p.at(x, y);
            REQUIRE(q.rows() == p.lengths[x]);
            for (std::size_t i = 0; i < q.rows(); ++i)
            {
                double row = 0;
                for (auto e = q.row_start[i]; e < q.row_start[i + 1]; ++e)
                {
                    CHECK(q.p[e] >= 0.01f);
                    CHECK(q.p[e] <= 1.0f);
                    CHECK(q.col[e] < p.lengths[y]);
                    if (e > q.row_start[i])
                        CHECK(q.col[e] > q.col[e - 1]);
                    row += q.p[e];
                }
                CHECK(row <= 1.0 + 1e-4); // residue i is aligned to at most one residue of y
            }
        }
}

/// The alignment is a valid MSA of the inputs: per row, strictly increasing columns below the
/// width, every column used, and the rows without gaps are the inputs.
void check_valid(column_alignment const & a, std::vector<std::vector<std::uint8_t>> const & seqs)
{
    REQUIRE(a.col_of.size() == seqs.size());
    std::vector<int> used(a.columns, 0);
    for (std::size_t s = 0; s < seqs.size(); ++s)
    {
        REQUIRE(a.col_of[s].size() == seqs[s].size());
        for (std::size_t i = 0; i < seqs[s].size(); ++i)
        {
            REQUIRE(a.col_of[s][i] < a.columns);
            if (i > 0)
                CHECK(a.col_of[s][i] > a.col_of[s][i - 1]);
            ++used[a.col_of[s][i]];
        }
    }
    for (int u : used)
        CHECK(u > 0);
    std::vector<digital_sequence> views(seqs.begin(), seqs.end());
    msa const m = to_msa(a, views);
    for (std::size_t s = 0; s < seqs.size(); ++s)
    {
        std::vector<std::uint8_t> ungapped;
        for (auto c : m.rows[s])
            if (c != msa_gap)
                ungapped.push_back(c);
        CHECK(ungapped == seqs[s]);
    }
}

} // namespace

TEST_CASE("consistency: the pair-HMM's odds come from the mixture, symmetric, identities above 1", "[hmm][consistency]")
{
    pair_hmm const h = pair_hmm::from_mixture(make_prior(prior_kind::standard, alphabet_type::amino).em);
    REQUIRE(h.K == 20);
    for (int a = 0; a < 20; ++a)
    {
        CHECK(h.odds[static_cast<std::size_t>(a * 20 + a)] > 1.0);
        for (int b = 0; b < 20; ++b)
            CHECK(h.odds[static_cast<std::size_t>(a * 20 + b)] == Approx(h.odds[static_cast<std::size_t>(b * 20 + a)]));
    }
    // A bad mixture is a user error.
    CHECK_THROWS(pair_hmm::from_mixture(dirichlet_mixture{}));
}

TEST_CASE("consistency: BLOSUM62's joint probabilities: symmetric, normalised, 0.74 bits per pair", "[hmm][consistency]")
{
    pair_hmm const h = pair_hmm::blosum62();
    REQUIRE(h.K == 20);
    REQUIRE(h.background.size() == 20);
    double total = 0, same = 0;
    for (int a = 0; a < 20; ++a)
        for (int b = 0; b < 20; ++b)
        {
            auto const ab = static_cast<std::size_t>(a * 20 + b), ba = static_cast<std::size_t>(b * 20 + a);
            CHECK(h.odds[ab] == Approx(h.odds[ba]));
            double const p = h.odds[ab] * h.background[static_cast<std::size_t>(a)] * h.background[static_cast<std::size_t>(b)];
            total += p;
            if (a == b)
                same += p;
        }
    CHECK(total == Approx(1.0).epsilon(1e-12));
    CHECK(same == Approx(0.339).margin(0.001));
    // The published matrix has 0.698 bits; the half-bit rounding moves it by < 0.05 (pair_hmm_emissions.cpp).
    CHECK(h.relative_entropy_bits() == Approx(0.736).margin(0.001));
    CHECK(h.relative_entropy_bits() < pair_hmm::from_mixture(make_prior(prior_kind::standard, alphabet_type::amino).em).relative_entropy_bits());
    // Codes in ACDEFGHIKLMNPQRSTVWY order: W–W (11 half bits) over C–C (9) over A–A (4) over 1;
    // I–V (3) over 1; W–D (−4) under 1; the background close to BLOSUM62's (A 0.074, W 0.013).
    auto const o = [&](char a, char b) {
        std::string const order = "ACDEFGHIKLMNPQRSTVWY";
        return h.odds[order.find(a) * 20 + order.find(b)];
    };
    CHECK(o('W', 'W') > o('C', 'C'));
    CHECK(o('C', 'C') > o('A', 'A'));
    CHECK(o('A', 'A') > 2.0);
    CHECK(o('I', 'V') > 1.5);
    CHECK(o('W', 'D') < 0.5);
    CHECK(h.background[0] == Approx(0.074).margin(0.003));
    CHECK(h.background[18] == Approx(0.013).margin(0.002));
    CHECK(pair_hmm::for_alphabet(alphabet_type::amino).odds == h.odds);
}

TEST_CASE("consistency: the nucleotide pair model favours transitions over transversions", "[hmm][consistency]")
{
    pair_hmm const h = pair_hmm::nucleotide();
    REQUIRE(h.K == 4);
    // A C G T = 0 1 2 3: A–G and C–T are transitions.
    CHECK(h.odds[0 * 4 + 0] == Approx(0.7 / 4 * 16));
    CHECK(h.odds[0 * 4 + 2] == Approx(2 * h.odds[0 * 4 + 1]));
    CHECK(h.odds[1 * 4 + 3] == Approx(h.odds[0 * 4 + 2]));
    CHECK(h.odds[1 * 4 + 2] == Approx(h.odds[0 * 4 + 1]));
    CHECK(h.odds[0 * 4 + 1] < 1.0);
    CHECK(h.relative_entropy_bits() == Approx(0.67).margin(0.01));
    CHECK(pair_hmm::for_alphabet(alphabet_type::dna).odds == h.odds);
    CHECK(pair_hmm::for_alphabet(alphabet_type::rna).odds == h.odds);
    CHECK_THROWS(pair_hmm::nucleotide(0.2));
    CHECK_THROWS(pair_hmm::nucleotide(0.7, 0.0));
}

TEST_CASE("consistency: identical sequences keep their alignment through the transformation", "[hmm][consistency]")
{
    emtk::rng r{3};
    pair_hmm const h = pair_hmm::from_mixture(make_prior(prior_kind::standard, alphabet_type::amino).em);
    auto const s = random_protein(r, 60);
    std::vector<std::vector<std::uint8_t>> const seqs(4, s);
    posterior_set p = pair_posteriors(h, seqs);
    check_range(p);
    for (int round = 0; round < 3; ++round)
    {
        // The diagonal carries the largest posterior of each row, above 0.5.
        for (std::size_t i = 0; i < s.size(); ++i)
        {
            auto const & q = p.at(0, 1);
            float best = 0, diag = 0;
            for (auto e = q.row_start[i]; e < q.row_start[i + 1]; ++e)
            {
                best = std::max(best, q.p[e]);
                if (q.col[e] == i)
                    diag = q.p[e];
            }
            CHECK(diag == best);
            CHECK(diag > 0.5f);
        }
        column_alignment const a = progressive_alignment(p);
        check_valid(a, seqs);
        CHECK(a.columns == s.size());
        for (auto const & row : a.col_of)
            for (std::size_t i = 0; i < row.size(); ++i)
                CHECK(row[i] == i);
        posterior_set next = consistency_transform(p, 1);
        check_range(next);
        // Thread count does not change the result.
        posterior_set const two = consistency_transform(p, 2);
        for (std::size_t q = 0; q < next.pairs.size(); ++q)
        {
            CHECK(two.pairs[q].col == next.pairs[q].col);
            CHECK(two.pairs[q].p == next.pairs[q].p);
        }
        p = std::move(next);
    }
}

TEST_CASE("consistency: related sequences with indels give a valid MSA that aligns the shared core", "[hmm][consistency]")
{
    emtk::rng r{19};
    pair_hmm const h = pair_hmm::from_mixture(make_prior(prior_kind::standard, alphabet_type::amino).em);
    auto const core = random_protein(r, 80);
    std::vector<std::vector<std::uint8_t>> seqs;
    // Five variants: random flanks of 0-9 residues, a deletion of 3 residues at a varying place,
    // 15% substitutions. The core residues outside the deletions are homologous.
    for (int v = 0; v < 5; ++v)
    {
        std::vector<std::uint8_t> s = random_protein(r, r.below(10));
        std::size_t const del = 10 + static_cast<std::size_t>(v) * 12;
        for (std::size_t i = 0; i < core.size(); ++i)
            if (i < del || i >= del + 3)
                s.push_back(r.uniform() < 0.15 ? static_cast<std::uint8_t>(r.below(20)) : core[i]);
        auto const tail = random_protein(r, r.below(10));
        s.insert(s.end(), tail.begin(), tail.end());
        seqs.push_back(std::move(s));
    }
    posterior_set p = pair_posteriors(h, seqs);
    for (int round = 0; round < 2; ++round)
        p = consistency_transform(p, 2);
    check_range(p);
    column_alignment const a = progressive_alignment(p);
    check_valid(a, seqs);
    // The alignment realises most of the homologous pairs' posterior mass.
    double ours = 0;
    for (std::size_t x = 0; x < p.n; ++x)
        for (std::size_t y = x + 1; y < p.n; ++y)
        {
            auto const & q = p.at(x, y);
            for (std::size_t i = 0; i < q.rows(); ++i)
                for (auto e = q.row_start[i]; e < q.row_start[i + 1]; ++e)
                    if (a.col_of[x][i] == a.col_of[y][q.col[e]])
                        ours += q.p[e];
        }
    CHECK(ours > 0.7 * 10 * 70); // 10 pairs, ≥ 70 homologous residue pairs each
}

TEST_CASE("consistency: profile posteriors pair residues in the same match state", "[hmm][consistency]")
{
    // x: residue 0 in M1 (0.9), residue 1 in M2 (1.0); y: residue 0 in M2 (0.5), residue 1 in M1 (1.0).
    match_posteriors x{{0, 1, 2}, {1, 2}, {0.9f, 1.0f}};
    match_posteriors y{{0, 1, 2}, {2, 1}, {0.5f, 1.0f}};
    pair_posterior const p = profile_pair_posterior(x, y, 2);
    REQUIRE(p.rows() == 2);
    REQUIRE(p.row_start == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(p.col[0] == 1);
    CHECK(p.p[0] == Approx(0.9));
    CHECK(p.col[1] == 0);
    CHECK(p.p[1] == Approx(0.5));
    pair_posterior const t = p.transposed(2);
    CHECK(t.row_start == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(t.col[0] == 1);
    CHECK(t.p[0] == Approx(0.5));
}

TEST_CASE("consistency: training with the consistency realignment, identical for 1 and 2 threads",
          "[hmm][train][consistency]")
{
    emtk::rng r{7};
    int const M = 18;
    profile_hmm const truth = emtk::hmm::test::indel_model(r, M);
    auto const s = emit_sequences(truth, alphabet_type::dna, 20, 43);
    train_options o;
    o.max_iter = 15;
    o.consensus_starts = 5;
    o.threads = 1;
    o.consistency = consistency_mode::both;
    train_result const a = train_profile_hmm(s, o);
    auto const & ra = a.realign;
    REQUIRE(ra.consistency_message.empty());
    REQUIRE(ra.consistency_M > 0);
    CHECK(ra.consistency_accuracy > 0);
    double const before = ra.kept ? ra.second_accuracy : ra.first_accuracy;
    CHECK(ra.consistency_kept == (ra.consistency_accuracy > before));
    if (ra.consistency_kept)
        CHECK(a.hmm.M == ra.consistency_M);
    CHECK(std::isfinite(a.objective));
    CHECK(a.decreases == 0);
    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(b.realign.consistency_accuracy == ra.consistency_accuracy);
    CHECK(b.hmm.mat == a.hmm.mat);
    CHECK(b.hmm.t == a.hmm.t);

    // Above the cap: skipped, said why.
    o.consistency_max_sequences = 10;
    train_result const c = train_profile_hmm(s, o);
    CHECK(c.realign.consistency_M == 0);
    CHECK_FALSE(c.realign.consistency_message.empty());
    consistency_mode m = consistency_mode::off;
    CHECK(parse_consistency_mode("pair", m));
    CHECK(m == consistency_mode::pair);
    CHECK_FALSE(parse_consistency_mode("on", m));
    CHECK(std::string{to_string(consistency_mode::both)} == "both");
}

TEST_CASE("consistency: expected aligned pairs count the posteriors of pairs in one column", "[hmm][consistency]")
{
    // Three sequences of 2, 2 and 1 residues; P(0,1): (0,0) 0.9, (1,1) 0.8, (1,0) 0.1;
    // P(0,2): (0,0) 0.5; P(1,2): (1,0) 0.6.
    posterior_set p;
    p.n = 3;
    p.lengths = {2, 2, 1};
    p.pairs.resize(9);
    p.at(0, 1) = {{0, 1, 3}, {0, 0, 1}, {0.9f, 0.1f, 0.8f}};
    p.at(0, 2) = {{0, 1, 1}, {0}, {0.5f}};
    p.at(1, 2) = {{0, 0, 1}, {0}, {0.6f}};
    for (std::size_t x = 0; x < 3; ++x)
        for (std::size_t y = x + 1; y < 3; ++y)
            p.at(y, x) = p.at(x, y).transposed(p.lengths[y]);
    // Columns: s0 = (0, 1), s1 = (0, 1), s2 = (0): pairs (0,0)+(1,1) of 0–1, (0,0) of 0–2.
    CHECK(expected_aligned_pairs(p, {{0, 1}, {0, 1}, {0}}) == Approx(0.9 + 0.8 + 0.5));
    // s1's second residue an insert, s2 in column 1: (0,0) of 0–1, s0's residue 1 with s2.
    CHECK(expected_aligned_pairs(p, {{0, 1}, {0, -1}, {1}}) == Approx(0.9));
    CHECK(expected_aligned_pairs(p, {{-1, -1}, {0, 1}, {1}}) == Approx(0.6));
    CHECK_THROWS(expected_aligned_pairs(p, {{0, 1}, {0, 1}}));
    CHECK_THROWS(expected_aligned_pairs(p, {{0, 1}, {0}, {0}}));
}

TEST_CASE("consistency: the pairs keep rule, identical for 1 and 2 threads", "[hmm][train][consistency]")
{
    emtk::rng r{11};
    int const M = 24;
    profile_hmm truth(M, 20);
    for (int k = 0; k <= M; ++k)
    {
        auto & t = truth.t[static_cast<std::size_t>(k)];
        t = {0.88, 0.06, 0.06, 0.6, 0.4, 0.7, 0.3};
        if (k == 0)
            t[t_dm] = 1, t[t_dd] = 0;
        if (k == M)
            t = {0.94, 0.06, 0.0, 0.6, 0.4, 1.0, 0.0};
        if (k >= 1)
        {
            int const top = static_cast<int>(r.below(20));
            for (int a = 0; a < 20; ++a)
                truth.match(k)[static_cast<std::size_t>(a)] = a == top ? 0.62 : 0.02;
        }
    }
    auto const s = emit_sequences(truth, alphabet_type::amino, 12, 5);
    train_options o;
    o.max_iter = 15;
    o.consensus_starts = 4;
    o.threads = 1;
    o.consistency = consistency_mode::pair;
    o.consistency_keep = consistency_keep_rule::pairs;
    train_result const a = train_profile_hmm(s, o);
    auto const & ra = a.realign;
    REQUIRE(ra.consistency_message.empty());
    REQUIRE(ra.consistency_M > 0);
    CHECK(ra.consistency_pairs_current > 0);
    CHECK(ra.consistency_pairs_candidate > 0);
    CHECK(ra.consistency_kept == (ra.consistency_pairs_candidate > ra.consistency_pairs_current));
    if (ra.consistency_kept)
        CHECK(a.hmm.M == ra.consistency_M);
    CHECK(a.decreases == 0);
    o.threads = 2;
    train_result const b = train_profile_hmm(s, o);
    CHECK(b.realign.consistency_pairs_current == ra.consistency_pairs_current);
    CHECK(b.realign.consistency_pairs_candidate == ra.consistency_pairs_candidate);
    CHECK(b.hmm.mat == a.hmm.mat);
    CHECK(b.hmm.t == a.hmm.t);
    consistency_keep_rule k = consistency_keep_rule::accuracy;
    CHECK(parse_consistency_keep("pairs", k));
    CHECK(k == consistency_keep_rule::pairs);
    CHECK_FALSE(parse_consistency_keep("best", k));
    CHECK(std::string{to_string(consistency_keep_rule::pairs)} == "pairs");
}
