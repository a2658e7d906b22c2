// Tests of include/emtk/hmm/align.hpp and alignment_io.hpp: OA traces are valid paths whose
// accuracy is at least Viterbi's, realignment of emitted sequences recovers their match states,
// the Stockholm and A2M outputs hold the input sequences, results do not depend on the threads.

#include "test_residues.hpp"

#include <emtk/hmm/align.hpp>
#include <emtk/hmm/alignment_io.hpp>
#include <emtk/hmm/emit.hpp>
#include <emtk/hmm/msa.hpp>
#include <emtk/hmm/residues.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace emtk::hmm;

namespace {

/// Sequences emitted from `h` (glocal core paths), with random flanks of 0 … `flank` residues on
/// each side; `paths` receives the true emitting state of every residue (node −1 for a flank).
std::vector<std::vector<std::uint8_t>> emitted(profile_hmm const & h, std::size_t n, std::uint64_t seed, int flank,
                                               std::vector<emitted_path> * paths = nullptr)
{
    std::vector<std::vector<std::uint8_t>> out;
    for (std::size_t s = 0; s < n; ++s)
    {
        emtk::rng r{seed, s};
        emitted_path core;
        auto const x = emit_sequence(h, r, {}, &core);
        std::vector<std::uint8_t> full;
        emitted_path path;
        auto add_flank = [&] {
            auto const f = flank > 0 ? r.below(static_cast<std::uint64_t>(flank + 1)) : 0;
            for (std::uint64_t j = 0; j < f; ++j)
            {
                full.push_back(static_cast<std::uint8_t>(r.below(static_cast<std::uint64_t>(h.K))));
                path.node.push_back(-1);
                path.is_match.push_back(false);
            }
        };
        add_flank();
        for (std::size_t j = 0; j < x.size(); ++j)
        {
            full.push_back(x[j]);
            path.node.push_back(core.node[j]);
            path.is_match.push_back(core.is_match[j]);
        }
        add_flank();
        out.push_back(std::move(full));
        if (paths)
            paths->push_back(std::move(path));
    }
    return out;
}

std::vector<digital_sequence> spans(std::vector<std::vector<std::uint8_t>> const & xs)
{
    return {xs.begin(), xs.end()};
}

/// Every residue once and in order, a path of the profile (finite path_score), S … T.
bool valid_trace(profile const & p, digital_sequence x, alignment_trace const & t)
{
    if (t.path.size() < 2 || t.path.front().state != state_type::S || t.path.back().state != state_type::T)
        return false;
    if (t.pp.size() != t.path.size())
        return false;
    std::size_t next = 1;
    double sum = 0;
    for (std::size_t n = 0; n < t.path.size(); ++n)
    {
        if (t.pp[n] < 0 || t.pp[n] > 1 + 1e-9)
            return false;
        if (t.path[n].i == 0)
        {
            if (t.pp[n] != 0)
                return false;
            continue;
        }
        if (t.path[n].i != next++)
            return false;
        sum += t.pp[n];
    }
    return next == x.size() + 1 && std::isfinite(path_score(p, x, t.path)) && std::abs(sum - t.accuracy) < 1e-9 &&
           t.accuracy <= static_cast<double>(x.size()) + 1e-9;
}

/// A model whose match states are informative: a random model with each match row sharpened
/// (p^3, renormalised).
profile_hmm sharp_model(emtk::rng & r, int M, int K)
{
    profile_hmm h = random_profile_hmm(r, M, K);
    for (int k = 1; k <= M; ++k)
    {
        double z = 0;
        for (auto & v : h.match(k))
            z += (v = v * v * v);
        for (auto & v : h.match(k))
            v /= z;
    }
    return h;
}

/// Every S … T path of a glocal unihit profile over L residues (in viterbi()'s trace form; paths
/// with a zero-probability transition are included and filtered by the caller with path_score).
void all_paths(int M, std::size_t L, std::vector<std::vector<trace_step>> & out)
{
    using S = state_type;
    std::vector<trace_step> path;
    auto finish = [&](std::size_t i) {
        std::size_t const mark = path.size();
        path.push_back({S::E, 0, 0});
        path.push_back({S::C, 0, 0});
        for (std::size_t j = i + 1; j <= L; ++j)
            path.push_back({S::C, 0, j});
        path.push_back({S::T, 0, 0});
        out.push_back(path);
        path.resize(mark);
    };
    // core(st, k, i): the path is at state st of node k having emitted residues 1 … i.
    auto core = [&](auto & self, S st, int k, std::size_t i) -> void {
        std::size_t const mark = path.size();
        path.push_back({st, k, st == S::D ? 0 : i});
        if (st != S::I || k == M)
            finish(i);
        if (st != S::D && i < L)
            self(self, S::I, k, i + 1);
        if (k < M)
        {
            if (i < L)
                self(self, S::M, k + 1, i + 1);
            if (st != S::I)
                self(self, S::D, k + 1, i);
        }
        path.resize(mark);
    };
    path.push_back({S::S, 0, 0});
    path.push_back({S::N, 0, 0});
    for (std::size_t n = 0; n < L; ++n) // N emits residues 1 … n, then B
    {
        std::size_t const mark = path.size();
        for (std::size_t j = 1; j <= n; ++j)
            path.push_back({S::N, 0, j});
        path.push_back({S::B, 0, 0});
        core(core, S::I, 0, n + 1);
        for (int k = 1; k <= M; ++k)
        {
            std::size_t const wing = path.size();
            for (int d = 1; d < k; ++d)
                path.push_back({S::D, d, 0});
            core(core, S::M, k, n + 1);
            path.resize(wing);
        }
        path.resize(mark);
    }
}

std::string temp_path(std::string const & name)
{
    return (std::filesystem::temp_directory_path() / ("emtk_align_test_" + name)).string();
}

} // namespace

TEST_CASE("align: OA traces are valid paths of the glocal profile", "[hmm][align]")
{
    emtk::rng r{11};
    for (int K : {4, 20})
    {
        profile_hmm const h = random_profile_hmm(r, 9, K);
        profile const p = make_profile(h, canonical_residue_sets(K), alignment_profile_options());
        auto const xs = emitted(h, 25, 100 + static_cast<std::uint64_t>(K), 4);
        for (std::size_t s = 0; s < xs.size(); ++s)
        {
            alignment_trace const t = align_sequence(p, xs[s]);
            INFO("K " << K << ", sequence " << s << ", L " << xs[s].size());
            CHECK(valid_trace(p, xs[s], t));
            CHECK(std::isfinite(t.loglik));
            for (auto const & st : t.path)
                CHECK(st.state != state_type::J); // unihit
        }
    }
}

TEST_CASE("align: degenerate residue codes and random sequences align validly", "[hmm][align]")
{
    emtk::rng r{12};
    residue_sets const sets = test::dna_like();
    profile_hmm const h = random_profile_hmm(r, 7, 4);
    profile const p = make_profile(h, sets, alignment_profile_options());
    for (std::size_t L : {1u, 2u, 5u, 30u})
    {
        auto const x = test::random_sequence(r, L, sets.Kp());
        for (auto m : {align_method::optimal_accuracy, align_method::viterbi})
        {
            alignment_trace const t = align_sequence(p, x, m);
            INFO("L " << L);
            CHECK(valid_trace(p, x, t));
        }
    }
}

TEST_CASE("align: the OA path's summed posterior is at least the Viterbi path's", "[hmm][align]")
{
    emtk::rng r{13};
    int better = 0;
    for (int rep = 0; rep < 4; ++rep)
    {
        profile_hmm const h = random_profile_hmm(r, 15, 20);
        profile const p = make_profile(h, canonical_residue_sets(20), alignment_profile_options());
        auto const xs = emitted(h, 20, 200 + static_cast<std::uint64_t>(rep), 6);
        for (auto const & x : xs)
        {
            alignment_trace const oa = align_sequence(p, x, align_method::optimal_accuracy);
            alignment_trace const vit = align_sequence(p, x, align_method::viterbi);
            REQUIRE(valid_trace(p, x, vit));
            CHECK(oa.accuracy >= vit.accuracy - 1e-9);
            better += oa.accuracy > vit.accuracy + 1e-6;
            // The Viterbi trace is the most probable path: OA's is no more probable.
            CHECK(path_score(p, x, oa.path) <= path_score(p, x, vit.path) + 1e-9);
        }
    }
    CHECK(better > 0); // OA is not just Viterbi again
}

TEST_CASE("align: the OA value is the brute-force maximum over all paths", "[hmm][align]")
{
    emtk::rng r{18};
    for (int rep = 0; rep < 6; ++rep)
    {
        int const M = 1 + rep % 3;
        profile_hmm const h = random_profile_hmm(r, M, 4);
        profile const p = make_profile(h, canonical_residue_sets(4), alignment_profile_options());
        for (std::size_t L = 1; L <= 4; ++L)
        {
            auto const x = test::random_sequence(r, L, 4);
            dp_matrix fwd, bwd, oa;
            double const ll = forward(p, x, fwd);
            backward(p, x, bwd);
            posterior const pp = decode_posterior(p, x, fwd, bwd, ll);
            double const filled = optimal_accuracy_fill(p, pp, oa);
            alignment_trace const t = optimal_accuracy_trace(p, x, pp, oa);
            std::vector<std::vector<trace_step>> paths;
            all_paths(M, L, paths);
            double best = -1;
            std::size_t valid = 0;
            bool found = false;
            for (auto const & path : paths)
            {
                if (!std::isfinite(path_score(p, x, path)))
                    continue;
                ++valid;
                best = std::max(best, path_accuracy(path, pp));
                found = found || path == t.path;
            }
            INFO("M " << M << ", L " << L << ", " << valid << " valid paths of " << paths.size());
            REQUIRE(valid > 0);
            CHECK(found); // the OA trace is one of the enumerated valid paths
            CHECK(t.accuracy == Approx(best).margin(1e-12));
            CHECK(filled == Approx(best).margin(1e-12));
        }
    }
}

TEST_CASE("align: OA on a one-path profile is that path", "[hmm][align]")
{
    // A main-line model (M → M with probability 1 from B) on a sequence of exactly M residues with
    // the N and C flanks' posteriors: the OA path may still use flanks, but every path is valid.
    profile_hmm h(5, 4);
    for (int k = 1; k <= 5; ++k)
        for (int a = 0; a < 4; ++a)
            h.match(k)[static_cast<std::size_t>(a)] = a == k % 4 ? 0.97 : 0.01;
    profile const p = make_profile(h, canonical_residue_sets(4), alignment_profile_options());
    std::vector<std::uint8_t> const x{1, 2, 3, 0, 1};
    alignment_trace const t = align_sequence(p, x);
    REQUIRE(valid_trace(p, x, t));
    std::vector<int> matched;
    for (auto const & st : t.path)
        if (st.state == state_type::M)
            matched.push_back(st.k);
    CHECK(matched == std::vector<int>{1, 2, 3, 4, 5});
    CHECK(t.accuracy > 4.5);
}

TEST_CASE("align: realigned emitted sequences recover their match states", "[hmm][align]")
{
    emtk::rng r{14};
    profile_hmm const h = sharp_model(r, 40, 20);
    profile const p = make_profile(h, canonical_residue_sets(20), alignment_profile_options());
    std::vector<emitted_path> truth;
    auto const xs = emitted(h, 40, 300, 5, &truth);
    for (auto m : {align_method::optimal_accuracy, align_method::viterbi})
    {
        std::size_t matches = 0, recovered = 0;
        for (std::size_t s = 0; s < xs.size(); ++s)
        {
            alignment_trace const t = align_sequence(p, xs[s], m);
            std::vector<int> node(xs[s].size() + 1, 0);
            for (auto const & st : t.path)
                if (st.state == state_type::M)
                    node[st.i] = st.k;
            for (std::size_t i = 0; i < xs[s].size(); ++i)
                if (truth[s].node[i] > 0 && truth[s].is_match[i])
                {
                    ++matches;
                    recovered += node[i + 1] == truth[s].node[i];
                }
        }
        double const frac = static_cast<double>(recovered) / static_cast<double>(matches);
        INFO((m == align_method::viterbi ? "Viterbi" : "OA") << ": " << recovered << " of " << matches << " match residues");
        CHECK(frac > 0.9);
    }
}

TEST_CASE("align: 1 and 2 threads give identical traces", "[hmm][align]")
{
    emtk::rng r{15};
    profile_hmm const h = random_profile_hmm(r, 20, 20);
    profile const p = make_profile(h, canonical_residue_sets(20), alignment_profile_options());
    auto const xs = emitted(h, 30, 400, 8);
    auto const v = spans(xs);
    auto const a = align_sequences(p, v, align_method::optimal_accuracy, 1);
    auto const b = align_sequences(p, v, align_method::optimal_accuracy, 2);
    REQUIRE(a.size() == xs.size());
    REQUIRE(b.size() == xs.size());
    for (std::size_t s = 0; s < a.size(); ++s)
    {
        CHECK(a[s].path == b[s].path);
        CHECK(a[s].pp == b[s].pp);
        CHECK(a[s].loglik == b[s].loglik);
        CHECK(a[s].path == align_sequence(p, xs[s]).path);
    }
}

TEST_CASE("align: posterior codes follow HMMER's rounding", "[hmm][align]")
{
    CHECK(posterior_code(0.0) == '0');
    CHECK(posterior_code(0.04) == '0');
    CHECK(posterior_code(0.06) == '1');
    CHECK(posterior_code(0.5) == '5');
    CHECK(posterior_code(0.94) == '9');
    CHECK(posterior_code(0.95) == '*');
    CHECK(posterior_code(1.0) == '*');
}

TEST_CASE("align: Stockholm output parses back and holds every input sequence", "[hmm][align]")
{
    emtk::rng r{16};
    auto const & abc = emtk::seq::alphabet::get(emtk::seq::alphabet_type::amino);
    profile_hmm const h = sharp_model(r, 25, 20);
    profile const p = make_profile(h, residue_sets_of(abc), alignment_profile_options());
    auto xs = emitted(h, 12, 500, 6);
    xs[3].push_back(static_cast<std::uint8_t>(abc.code('X'))); // a degenerate residue
    auto const v = spans(xs);
    auto const traces = align_sequences(p, v, align_method::optimal_accuracy, 2);
    std::vector<std::string> names;
    for (std::size_t s = 0; s < xs.size(); ++s)
        names.push_back("seq" + std::to_string(s + 1) + "/1-" + std::to_string(xs[s].size()));

    for (bool trim : {false, true})
    {
        text_alignment const ta = make_text_alignment(p.M, traces, v, names, abc.symbols(), trim);
        CHECK(std::count(ta.rf.begin(), ta.rf.end(), 'x') == 25);
        for (std::size_t block : {std::size_t{0}, std::size_t{17}})
        {
            std::string const path = temp_path(std::string{"rt"} + (trim ? "t" : "") + std::to_string(block) + ".sto");
            {
                std::ofstream f(path);
                write_stockholm(f, ta, {block, true});
            }
            msa const m = read_msa(path, emtk::seq::alphabet_type::amino);
            std::filesystem::remove(path);
            INFO("trim " << trim << ", block width " << block);
            REQUIRE(m.size() == xs.size());
            CHECK(m.stockholm);
            CHECK(m.rf == ta.rf);
            CHECK(m.names == names);
            for (std::size_t s = 0; s < xs.size(); ++s)
            {
                std::vector<std::uint8_t> ungapped;
                for (auto c : m.rows[s])
                    if (c != msa_gap)
                        ungapped.push_back(c);
                if (!trim)
                    CHECK(ungapped == xs[s]);
                else // a contiguous piece of the sequence
                    CHECK(std::search(xs[s].begin(), xs[s].end(), ungapped.begin(), ungapped.end()) != xs[s].end());
                // Match columns are upper case or '-', insert columns lower case or '.'.
                for (std::size_t c = 0; c < ta.rf.size(); ++c)
                {
                    char const ch = ta.rows[s][c];
                    bool const ok = ta.rf[c] == 'x' ? (ch == '-' || (ch >= 'A' && ch <= 'Z'))
                                                     : (ch == '.' || (ch >= 'a' && ch <= 'z'));
                    CHECK(ok);
                    CHECK((ta.pp[s][c] == '.') == (ch == '.' || ch == '-'));
                }
            }
        }
    }
}

TEST_CASE("align: A2M rows hold M match characters and the whole sequence", "[hmm][align]")
{
    emtk::rng r{17};
    auto const & abc = emtk::seq::alphabet::get(emtk::seq::alphabet_type::dna);
    profile_hmm const h = sharp_model(r, 18, 4);
    profile const p = make_profile(h, residue_sets_of(abc), alignment_profile_options());
    auto const xs = emitted(h, 6, 600, 3);
    auto const v = spans(xs);
    auto const traces = align_sequences(p, v, align_method::viterbi, 1);
    std::vector<std::string> names;
    for (std::size_t s = 0; s < xs.size(); ++s)
        names.push_back(std::string(1, 's').append(std::to_string(s)));
    text_alignment const ta = make_text_alignment(p.M, traces, v, names, abc.symbols(), false);
    std::ostringstream out;
    write_a2m(out, ta);
    std::istringstream in(out.str());
    std::string line;
    std::vector<std::string> headers, rows;
    while (std::getline(in, line))
    {
        if (!line.empty() && line[0] == '>')
        {
            headers.push_back(line.substr(1));
            rows.emplace_back();
            continue;
        }
        REQUIRE(!rows.empty());
        CHECK(line.size() <= 60);
        rows.back() += line;
    }
    CHECK(headers == names);
    REQUIRE(rows.size() == xs.size());
    for (std::size_t s = 0; s < xs.size(); ++s)
    {
        CHECK(std::count_if(rows[s].begin(), rows[s].end(), [](char c) { return c == '-' || (c >= 'A' && c <= 'Z'); }) == 18);
        CHECK(rows[s].find('.') == std::string::npos);
        std::string seq, want;
        for (char c : rows[s])
            if (c != '-')
                seq.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        for (auto c : xs[s])
            want.push_back(abc.symbol(c));
        CHECK(seq == want);
    }
}

TEST_CASE("align: duplicate or empty names are reported", "[hmm][align]")
{
    CHECK_FALSE(stockholm_name_problem({"a", "b", "c"}));
    auto const dup = stockholm_name_problem({"a", "b", "a"});
    REQUIRE(dup);
    CHECK(*dup == "sequence name 'a' appears twice (records 1 and 3): alignment rows need unique names");
    CHECK(stockholm_name_problem({"a", ""}));
}
