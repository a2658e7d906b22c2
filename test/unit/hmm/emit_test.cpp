#include <emtk/hmm/emit.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace emtk::hmm;

namespace {

/// A model with only the main line (M → M): every glocal path is M1 … MM.
profile_hmm main_line(int M, int K)
{
    profile_hmm h(M, K);
    for (int k = 1; k <= M; ++k)
        for (int a = 0; a < K; ++a)
            h.match(k)[static_cast<std::size_t>(a)] = a == k % K ? 0.7 : 0.3 / (K - 1);
    return h;
}

} // namespace

TEST_CASE("emit: a main-line model emits exactly M residues from M1 to MM", "[hmm][emit]")
{
    profile_hmm const h = main_line(7, 4);
    emtk::rng r{5};
    for (int n = 0; n < 20; ++n)
    {
        emitted_path path;
        auto const x = emit_sequence(h, r, {}, &path);
        REQUIRE(x.size() == 7);
        for (int i = 0; i < 7; ++i)
        {
            CHECK(path.node[static_cast<std::size_t>(i)] == i + 1);
            CHECK(path.is_match[static_cast<std::size_t>(i)]);
            CHECK(x[static_cast<std::size_t>(i)] < 4);
        }
    }
}

TEST_CASE("emit: residue frequencies of each match state follow its emissions", "[hmm][emit]")
{
    emtk::rng r{17};
    profile_hmm const h = random_profile_hmm(r, 6, 4);
    std::vector<double> count(7 * 4, 0.0), uses(7, 0.0);
    int const n = 20000;
    for (int s = 0; s < n; ++s)
    {
        emitted_path path;
        auto const x = emit_sequence(h, r, {}, &path);
        for (std::size_t i = 0; i < x.size(); ++i)
            if (path.is_match[i])
            {
                count[static_cast<std::size_t>(path.node[i] * 4 + x[i])] += 1;
                uses[static_cast<std::size_t>(path.node[i])] += 1;
            }
    }
    for (int k = 1; k <= 6; ++k)
        for (int a = 0; a < 4; ++a)
        {
            double const f = count[static_cast<std::size_t>(k * 4 + a)] / uses[static_cast<std::size_t>(k)];
            double const p = h.match(k)[static_cast<std::size_t>(a)];
            // 5 binomial standard errors.
            CHECK(std::fabs(f - p) < 5 * std::sqrt(p * (1 - p) / uses[static_cast<std::size_t>(k)]) + 1e-3);
        }
}

TEST_CASE("emit: local fragments are contiguous node ranges", "[hmm][emit]")
{
    profile_hmm const h = main_line(9, 4);
    emtk::rng r{9};
    emit_options o;
    o.local = true;
    std::vector<int> lengths(10, 0);
    for (int n = 0; n < 2000; ++n)
    {
        emitted_path path;
        auto const x = emit_sequence(h, r, o, &path);
        REQUIRE(!x.empty());
        REQUIRE(x.size() <= 9);
        for (std::size_t i = 1; i < x.size(); ++i)
            CHECK(path.node[i] == path.node[i - 1] + 1);
        ++lengths[x.size()];
    }
    // Uniform fragments: P(length l) = (M − l + 1) / (M(M+1)/2); length 1 has 9/45 = 0.2.
    CHECK(lengths[1] / 2000.0 == Approx(0.2).margin(0.04));
    CHECK(lengths[9] / 2000.0 == Approx(1.0 / 45).margin(0.015));
}

TEST_CASE("emit: emit_sequences is deterministic per seed and names records", "[hmm][emit]")
{
    emtk::rng r{1};
    profile_hmm const h = random_profile_hmm(r, 5, 4);
    auto const a = emit_sequences(h, emtk::seq::alphabet_type::dna, 10, 42);
    auto const b = emit_sequences(h, emtk::seq::alphabet_type::dna, 12, 42);
    REQUIRE(a.seqs.size() == 10);
    for (std::size_t i = 0; i < 10; ++i)
        CHECK(a.seqs[i].dsq == b.seqs[i].dsq);
    CHECK(a.seqs[0].name == "emit1");
    CHECK_THROWS(emit_sequences(h, emtk::seq::alphabet_type::amino, 1, 1));
}
