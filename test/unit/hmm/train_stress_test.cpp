// Stress cases of profile-HMM training (issue 16, "Numerical robustness at any size"): long
// models, a titin-length sequence, full-length proteins whose family domain is a small part,
// fragments, two sequences, 5,000 sequences, a divergent family, DNA and RNA. Every case checks
// the same invariants: no exception, a finite objective, a clean-phase trace that never decreases,
// and identical results for 1 and 2 threads. Iterations are capped so that each case runs in
// about a second (Release build); the two cases marked [big] take a few seconds each.
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;
using emtk::seq::sequence;
using emtk::seq::sequence_set;

namespace {

/// A family model: match rows with `peak` on one residue (the rest spread evenly), insert rows
/// uniform, transitions with P(M→M) = 1 − 2·indel.
profile_hmm family_model(emtk::rng & r, int M, int K, double peak, double indel)
{
    profile_hmm h(M, K);
    for (int k = 0; k <= M; ++k)
    {
        auto & t = h.t[static_cast<std::size_t>(k)];
        t = {1.0 - 2 * indel, indel, indel, 0.6, 0.4, 0.7, 0.3};
        if (k == 0)
            t[t_dm] = 1, t[t_dd] = 0;
        if (k == M)
            t = {1.0 - indel, indel, 0.0, 0.6, 0.4, 1.0, 0.0};
        auto ins = h.insert(k);
        for (auto & v : ins)
            v = 1.0 / K;
        if (k >= 1)
        {
            auto const top = r.below(static_cast<std::uint64_t>(K));
            auto row = h.match(k);
            for (std::size_t a = 0; a < row.size(); ++a)
                row[a] = a == top ? peak : (1.0 - peak) / (K - 1);
        }
    }
    return h;
}

std::vector<std::uint8_t> random_residues(emtk::rng & r, std::size_t n, int K)
{
    std::vector<std::uint8_t> x(n);
    for (auto & c : x)
        c = static_cast<std::uint8_t>(r.below(static_cast<std::uint64_t>(K)));
    return x;
}

sequence named(std::string prefix, std::size_t i, std::vector<std::uint8_t> dsq)
{
    sequence s;
    s.name = std::move(prefix);
    s.name += std::to_string(i);
    s.dsq = std::move(dsq);
    return s;
}

sequence_set empty_set(alphabet_type type);

/// The records of `full`: the first `whole` kept ("full<i>"), the others cut to a random piece of
/// lo–hi % of their length ("frag<i>").
sequence_set fragmented(emtk::rng & r, sequence_set const & full, std::size_t whole, std::size_t lo, std::size_t hi)
{
    sequence_set s = empty_set(full.type);
    for (std::size_t i = 0; i < full.seqs.size(); ++i)
    {
        auto const & q = full.seqs[i].dsq;
        std::size_t const len = i < whole ? q.size() : std::max<std::size_t>(1, q.size() * (lo + r.below(hi - lo + 1)) / 100);
        std::size_t const from = r.below(q.size() - len + 1);
        s.seqs.push_back(named(i < whole ? "full" : "frag", i,
                               {q.begin() + static_cast<long>(from), q.begin() + static_cast<long>(from + len)}));
    }
    return s;
}

sequence_set empty_set(alphabet_type type)
{
    sequence_set s;
    s.type = type;
    s.source = "stress";
    return s;
}

/// Options with few iterations (the invariants hold from the first iteration on).
train_options quick(int max_iter, int mean_iter)
{
    train_options o;
    o.max_iter = max_iter;
    o.mean_phase_iter = mean_iter;
    o.tol = 1e-9;
    o.chunk_size = 1; // one sequence per chunk: the two threads really split small sets
    return o;
}

/// The invariants of the file comment; returns the 2-thread result.
train_result check_invariants(sequence_set const & s, train_options o)
{
    o.threads = 1;
    train_result a;
    REQUIRE_NOTHROW(a = train_profile_hmm(s, o));
    o.threads = 2;
    train_result b;
    REQUIRE_NOTHROW(b = train_profile_hmm(s, o));
    CHECK(std::isfinite(a.objective));
    CHECK(std::isfinite(a.log_likelihood));
    CHECK(a.decreases == 0);
    REQUIRE_FALSE(a.trace.empty());
    for (std::size_t i = 1; i < a.trace.size(); ++i)
        CHECK(a.trace[i] >= a.trace[i - 1] - 1e-9 * std::fabs(a.trace[i]));
    CHECK_FALSE(profile_hmm_problem(a.hmm).has_value());
    CHECK(a.trace == b.trace);
    CHECK(a.hmm.mat == b.hmm.mat);
    CHECK(a.hmm.ins == b.hmm.ins);
    CHECK(a.hmm.t == b.hmm.t);
    CHECK(a.logspace_sequences == b.logspace_sequences);
    return b;
}

} // namespace

TEST_CASE("train stress: M = 1200 with fragments a quarter of its length (the SMC_N case)", "[hmm][train][stress]")
{
    // Glocal training forces every fragment through ~900 deletes: out of the plain scaled
    // kernel's range; the deletion tilt (scaled_dp.hpp) computes them, so no sequence needs the
    // log-space reference any more (before the tilt, the fragments ran in log space).
    emtk::rng r{161};
    profile_hmm const h = family_model(r, 1200, 20, 0.6, 0.02);
    sequence_set s = empty_set(alphabet_type::amino);
    auto const full = emit_sequences(h, alphabet_type::amino, 3, 5);
    for (auto const & q : full.seqs)
        s.seqs.push_back(q);
    for (std::size_t i = 0; i < 3; ++i)
    {
        auto const & q = full.seqs[i].dsq;
        std::size_t const from = 100 + 250 * i;
        s.seqs.push_back(named("frag", i, {q.begin() + static_cast<long>(from), q.begin() + static_cast<long>(from + 300)}));
    }
    train_options o = quick(3, 2);
    o.length = 1200;
    train_result const res = check_invariants(s, o);
    CHECK(res.hmm.M == 1200);
    for (auto const & [i, n] : res.logspace_sequences)
        CHECK(i >= 3); // only the fragments, if any
    CHECK(res.logspace_e_steps == 0);
}

namespace {
// Two members of an M = 1200 family and a 300-residue fragment of the first: glocal training
// forces the fragment through ~900 deletes (the deletion tilt's case).
sequence_set two_members_and_a_fragment()
{
    emtk::rng r{170};
    profile_hmm const h = family_model(r, 1200, 20, 0.6, 0.02);
    sequence_set s = emit_sequences(h, alphabet_type::amino, 2, 5);
    s.source = "stress";
    auto const q = s.seqs[0].dsq;
    s.seqs.push_back(named("frag", 0, {q.begin() + 200, q.begin() + 500}));
    return s;
}
} // namespace

TEST_CASE("train stress: a fragment the deletion tilt computes trains under a tiny log-space memory limit", "[hmm][train][stress]")
{
    // Before the deletion tilt this fragment needed the log-space reference, and a limit of 1 MiB
    // made the run a user error naming it; the tilted scaled kernel computes it in O(√L · M).
    sequence_set const s = two_members_and_a_fragment();
    for (bool entropy : {true, false}) // the failure in the entropy pass, and in every restart
    {
        train_options o = quick(2, 1);
        o.length = 1200;
        o.entropy_weighting = entropy;
        o.logspace_limit = 1 << 20;
        train_result const res = train_profile_hmm(s, o);
        CHECK(res.logspace_e_steps == 0);
        CHECK(std::isfinite(res.objective));
    }
}

TEST_CASE("train stress: a fallback beyond the log-space memory limit is a user error naming the record", "[hmm][train][stress]")
{
    // The same fragment without the deletion tilt (train_options::deletion_tilt = false) needs the
    // log-space reference, and 1 MiB is too little for it: one error naming the record.
    sequence_set const s = two_members_and_a_fragment();
    for (bool entropy : {true, false}) // the failure in the entropy pass, and in every restart
    {
        train_options o = quick(2, 1);
        o.length = 1200;
        o.entropy_weighting = entropy;
        o.logspace_limit = 1 << 20;
        o.deletion_tilt = false;
        try
        {
            static_cast<void>(train_profile_hmm(s, o));
            FAIL("no error");
        }
        catch (emtk::user_error const & e)
        {
            std::string const msg = e.what();
            INFO(msg);
            CHECK(msg.rfind("stress: ", 0) == 0);
            CHECK(msg.find("record 'frag0' (300 residues)") != std::string::npos);
            CHECK(msg.find("MiB") != std::string::npos);
        }
    }
}

TEST_CASE("train stress: a model of M = 3000 from two sequences", "[hmm][train][stress][big]")
{
    emtk::rng r{162};
    profile_hmm const h = family_model(r, 3000, 20, 0.7, 0.01);
    sequence_set s = emit_sequences(h, alphabet_type::amino, 2, 9);
    s.source = "stress";
    train_result const res = check_invariants(s, quick(2, 1));
    CHECK(res.hmm.M >= 2500);
}

TEST_CASE("train stress: a 35,000-residue sequence among domain-sized ones", "[hmm][train][stress][big]")
{
    emtk::rng r{163};
    profile_hmm const h = family_model(r, 90, 20, 0.6, 0.03);
    auto const domains = emit_sequences(h, alphabet_type::amino, 40, 3);
    sequence_set s = empty_set(alphabet_type::amino);
    std::vector<std::uint8_t> titin;
    for (std::size_t d = 0; titin.size() < 35000; ++d) // domains separated by random linkers
    {
        auto const linker = random_residues(r, 50 + r.below(400), 20);
        titin.insert(titin.end(), linker.begin(), linker.end());
        auto const & dom = domains.seqs[d % domains.seqs.size()].dsq;
        titin.insert(titin.end(), dom.begin(), dom.end());
    }
    titin.resize(35000);
    s.seqs.push_back(named("titin", 1, titin));
    for (std::size_t i = 0; i < 4; ++i)
        s.seqs.push_back(domains.seqs[i]);
    train_result const res = check_invariants(s, quick(3, 2));
    CHECK(res.hmm.M < 200);
}

TEST_CASE("train stress: full-length proteins whose family domain is a small part", "[hmm][train][stress]")
{
    emtk::rng r{164};
    profile_hmm const h = family_model(r, 60, 20, 0.6, 0.03);
    auto const domains = emit_sequences(h, alphabet_type::amino, 8, 4);
    sequence_set s = empty_set(alphabet_type::amino);
    for (std::size_t i = 0; i < domains.seqs.size(); ++i)
    {
        auto x = random_residues(r, 100 + r.below(500), 20);
        auto const & dom = domains.seqs[i].dsq;
        auto const at = static_cast<long>(r.below(x.size()));
        x.insert(x.begin() + at, dom.begin(), dom.end());
        auto const tail = random_residues(r, 100 + r.below(300), 20);
        x.insert(x.end(), tail.begin(), tail.end());
        s.seqs.push_back(named("full", i, std::move(x)));
    }
    static_cast<void>(check_invariants(s, quick(6, 3)));
}

TEST_CASE("train stress: fragments of a family", "[hmm][train][stress]")
{
    emtk::rng r{165};
    profile_hmm const h = family_model(r, 120, 20, 0.6, 0.03);
    sequence_set const s = fragmented(r, emit_sequences(h, alphabet_type::amino, 12, 6), 2, 15, 65);
    static_cast<void>(check_invariants(s, quick(8, 3)));
}

TEST_CASE("train stress: two sequences", "[hmm][train][stress]")
{
    emtk::rng r{166};
    profile_hmm const h = family_model(r, 150, 20, 0.7, 0.02);
    sequence_set s = emit_sequences(h, alphabet_type::amino, 2, 7);
    s.source = "stress";
    static_cast<void>(check_invariants(s, quick(10, 3)));
}

TEST_CASE("train stress: 5,000 short DNA sequences", "[hmm][train][stress]")
{
    emtk::rng r{167};
    profile_hmm const h = family_model(r, 14, 4, 0.8, 0.03);
    sequence_set s = emit_sequences(h, alphabet_type::dna, 5000, 8);
    s.source = "stress";
    train_options o = quick(4, 2);
    o.chunk_size = 64;
    static_cast<void>(check_invariants(s, o));
}

TEST_CASE("train stress: a divergent family (about 30% identity)", "[hmm][train][stress]")
{
    // Peak 0.45 with indels: two members share the column's top residue at ~0.2 + background.
    emtk::rng r{168};
    profile_hmm const h = family_model(r, 80, 20, 0.45, 0.06);
    sequence_set s = emit_sequences(h, alphabet_type::amino, 24, 10);
    s.source = "stress";
    static_cast<void>(check_invariants(s, quick(10, 3)));
}

TEST_CASE("train stress: DNA and RNA families with flanks", "[hmm][train][stress]")
{
    for (auto type : {alphabet_type::dna, alphabet_type::rna})
    {
        INFO((type == alphabet_type::dna ? "DNA" : "RNA"));
        emtk::rng r{169};
        profile_hmm const h = family_model(r, 100, 4, 0.7, 0.03);
        auto const core = emit_sequences(h, type, 16, 11);
        sequence_set s = empty_set(type);
        for (std::size_t i = 0; i < core.seqs.size(); ++i)
        {
            auto x = random_residues(r, r.below(200), 4);
            x.insert(x.end(), core.seqs[i].dsq.begin(), core.seqs[i].dsq.end());
            s.seqs.push_back(named("nuc", i, std::move(x)));
        }
        static_cast<void>(check_invariants(s, quick(8, 3)));
    }
}

TEST_CASE("train: fragments do not set the model length (reference length without fragments)", "[hmm][train]")
{
    // 4 full-length members and 8 fragments of 30-60%: the plain median is a fragment's length;
    // the reference length (train.hpp, "Starts") is the full members'.
    emtk::rng r{171};
    profile_hmm const h = family_model(r, 120, 20, 0.7, 0.02);
    sequence_set const s = fragmented(r, emit_sequences(h, alphabet_type::amino, 12, 12), 4, 30, 60);
    train_options o = quick(3, 2);
    o.realign_keep = realign_keep_rule::always; // the realigned model is the one checked here
    train_result const res = train_profile_hmm(s, o);
    CHECK(res.start == "central");
    // Before and after the realignment (train.hpp, "Realignment"): the model built from the
    // realigned set treats the fragments' leading and trailing deletions as missing data
    // (build.hpp, end_deletions_missing); with hmmbuild's rule alone, the fragments over half the
    // alignment's width counted as full members and their end deletions cut the model to M = 84.
    CHECK(res.realign.first_M >= 100);
    CHECK(res.realign.kept);
    CHECK(res.hmm.M >= 100);
    REQUIRE(res.start_sequences.size() == 1);
    CHECK(res.start_sequences[0].rfind("full", 0) == 0);
    o.central_start = false; // random start: M = the reference length too
    CHECK(train_profile_hmm(s, o).hmm.M >= 100);
}
