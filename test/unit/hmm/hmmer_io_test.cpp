// HMMER3 text I/O: round trips, real HMMER files (when Debian's hmmer-examples is installed),
// exact error messages, and interop with HMMER's own tools (when hmmstat is on the PATH).

#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>
#include <emtk/util/table_reader.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace emtk::hmm;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under the system temp dir, removed at the end of the test.
struct temp_dir
{
    fs::path path;
    temp_dir()
    {
        static int counter = 0;
        path = fs::temp_directory_path() /
               ("emtk_hmmer_io_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::create_directories(path);
    }
    ~temp_dir() { std::error_code ec; fs::remove_all(path, ec); }
    std::string file(std::string const & name) const { return (path / name).string(); }
};

void write_text(std::string const & path, std::string const & text)
{
    std::ofstream{path} << text;
}

std::string read_text(std::string const & path)
{
    std::ifstream in{path};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string to_hmmer_text(hmmer_model const & m)
{
    std::ostringstream os;
    write_hmmer(os, m);
    return os.str();
}

/// Two probabilities agree to 5 decimals of their natural log (the file's precision, plus the
/// renormalisation on reading); zero must stay exactly zero.
bool log_close(double a, double b, double tol = 1e-5)
{
    if (a == 0 || b == 0)
        return a == b;
    return std::fabs(std::log(a) - std::log(b)) <= tol;
}

void check_same_model(profile_hmm const & a, profile_hmm const & b, double tol = 1e-5)
{
    REQUIRE(a.M == b.M);
    REQUIRE(a.K == b.K);
    for (int k = 0; k <= a.M; ++k)
    {
        for (int x = 0; x < a.K; ++x)
        {
            INFO("node " << k << " residue " << x);
            if (k > 0)
                CHECK(log_close(a.match(k)[static_cast<std::size_t>(x)], b.match(k)[static_cast<std::size_t>(x)], tol));
            CHECK(log_close(a.insert(k)[static_cast<std::size_t>(x)], b.insert(k)[static_cast<std::size_t>(x)], tol));
        }
        for (int i = 0; i < n_transitions; ++i)
        {
            INFO("node " << k << " transition " << i << ": " << a.t[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)]
                         << " vs " << b.t[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)]);
            CHECK(log_close(a.t[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)],
                            b.t[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)], tol));
        }
    }
}

hmmer_model random_model(emtk::rng & r, int M, emtk::seq::alphabet_type a, std::string name)
{
    hmmer_model m;
    m.alphabet = a;
    m.hmm = random_profile_hmm(r, M, emtk::seq::alphabet::get(a).K());
    m.name = std::move(name);
    return m;
}

/// The small DNA model used for the error-message tests: 2 nodes, so the file has 21 lines
/// (9 header lines, HMM, transition header, COMPO, node 0 ×2, nodes 1–2 ×3, //).
std::string tiny_text()
{
    emtk::rng r{5};
    return to_hmmer_text(random_model(r, 2, emtk::seq::alphabet_type::dna, "tiny"));
}

std::vector<std::string> lines_of(std::string const & text)
{
    std::vector<std::string> out;
    std::istringstream is{text};
    for (std::string l; std::getline(is, l);)
        out.push_back(l);
    return out;
}

std::string join(std::vector<std::string> const & lines, std::size_t n)
{
    std::string s;
    for (std::size_t i = 0; i < n && i < lines.size(); ++i)
        s += lines[i] + "\n";
    return s;
}

std::string error_of(std::string const & path)
{
    try
    {
        (void)read_hmmer_all(path);
    }
    catch (emtk::user_error const & e)
    {
        return e.what();
    }
    return "no error";
}

/// "m3" (built without `"m" + std::string`, which trips GCC 12's false -Wrestrict, bug 105651).
std::string label(char c, std::size_t i)
{
    std::string s(1, c);
    s += std::to_string(i);
    return s;
}

std::string const examples = "/usr/share/doc/hmmer/examples/";

bool have(std::string const & path)
{
    return fs::exists(path);
}

bool have_hmmer_tools()
{
    return std::system("command -v hmmstat >/dev/null 2>&1 && command -v hmmconvert >/dev/null 2>&1") == 0;
}

} // namespace

TEST_CASE("hmmer_io: random models survive a write-read round trip to 5 decimals of log", "[hmm][hmmer_io]")
{
    std::uint64_t const seed = 20240601;
    INFO("seed " << seed);
    emtk::rng r{seed};
    temp_dir dir;
    std::vector<hmmer_model> models;
    for (int M : {1, 3, 57})
        for (auto a : {emtk::seq::alphabet_type::amino, emtk::seq::alphabet_type::dna, emtk::seq::alphabet_type::rna})
        {
            auto m = random_model(r, M, a, label('m', models.size()));
            // Zeros must come back as zeros ("*").
            m.hmm.t[0][t_md] = 0.0;
            m.hmm.match(M)[1] = 0.0;
            normalize(m.hmm);
            models.push_back(std::move(m));
        }
    models[1].accession = "PF99999.1";
    models[1].description = "a description with  several words";
    models[1].nseq = 12;
    models[1].effn = 3.25;
    models[1].checksum = 4000000000U;
    models[1].max_length = 77;
    models[1].date = hmmer_date(0);
    models[1].command_log = {"emtk hmm train -o x.hmm seqs.fa"};
    models[1].stats = hmmer_stats{-9.9014, 0.70957, -10.7224, 0.70957, -4.1637, 0.70957};
    models[1].ga = std::array<double, 2>{25.0, 21.5};
    models[1].rf = std::string(1, 'x');
    models[1].map = {4};
    models[1].cs = "E";
    models[1].mm = "m";
    CHECK(models[1].date == "Thu Jan  1 00:00:00 1970");

    auto const path = dir.file("many.hmm");
    write_hmmer_file(path, models);
    auto const back = read_hmmer_all(path);
    REQUIRE(back.size() == models.size());
    for (std::size_t i = 0; i < models.size(); ++i)
    {
        INFO("model " << i);
        CHECK(back[i].name == models[i].name);
        CHECK(back[i].alphabet == models[i].alphabet);
        CHECK(back[i].format_version == 'f');
        check_same_model(models[i].hmm, back[i].hmm);
        CHECK_FALSE(profile_hmm_problem(back[i].hmm, 1e-12));
        CHECK(back[i].consensus == hmmer_consensus(models[i].hmm, models[i].alphabet));
        REQUIRE(back[i].compo.size() == static_cast<std::size_t>(models[i].hmm.K));
        auto const compo = hmmer_composition(models[i].hmm);
        for (std::size_t x = 0; x < compo.size(); ++x)
            CHECK(log_close(back[i].compo[x], compo[x]));
        CHECK(back[i].hmm.null == hmmer_background(models[i].alphabet));
    }
    auto const & b = back[1];
    CHECK(b.accession == "PF99999.1");
    CHECK(b.description == "a description with  several words");
    CHECK(b.nseq == 12);
    CHECK(b.effn == Approx(3.25));
    CHECK(b.checksum == 4000000000U);
    CHECK(b.max_length == 77);
    CHECK(b.date == "Thu Jan  1 00:00:00 1970");
    CHECK(b.command_log == std::vector<std::string>{"emtk hmm train -o x.hmm seqs.fa"});
    REQUIRE(b.stats);
    CHECK(b.stats->msv_mu == Approx(-9.9014));
    CHECK(b.stats->viterbi_mu == Approx(-10.7224));
    CHECK(b.stats->forward_tau == Approx(-4.1637));
    CHECK(b.stats->forward_lambda == Approx(0.70957));
    REQUIRE(b.ga);
    CHECK((*b.ga)[1] == Approx(21.5));
    CHECK(b.rf == "x");
    CHECK(b.map == std::vector<int>{4});
    CHECK(b.cs == "E");
    CHECK(b.mm == "m");
    CHECK_FALSE(back[0].stats);
    CHECK(back[0].rf.empty());

    // Writing what we read gives the same bytes (the text is a fixed point).
    auto const again = dir.file("again.hmm");
    write_hmmer_file(again, back);
    CHECK(read_text(again) == read_text(path));
}

TEST_CASE("hmmer_io: the streaming reader returns one model at a time", "[hmm][hmmer_io]")
{
    emtk::rng r{3};
    temp_dir dir;
    auto const path = dir.file("three.hmm");
    std::string text;
    for (int i = 0; i < 3; ++i)
        text += to_hmmer_text(random_model(r, 4 + i, emtk::seq::alphabet_type::amino, label('s', static_cast<std::size_t>(i)))) + "\n";
    write_text(path, text);
    hmmer_reader in{path};
    hmmer_model m;
    for (int i = 0; i < 3; ++i)
    {
        REQUIRE(in.next(m));
        CHECK(m.name == label('s', static_cast<std::size_t>(i)));
        CHECK(m.hmm.M == 4 + i);
    }
    CHECK_FALSE(in.next(m));
}

TEST_CASE("hmmer_io: consensus follows HMMER's case rule", "[hmm][hmmer_io]")
{
    profile_hmm h{3, 4};
    auto set = [&](int k, std::array<double, 4> p) { std::copy(p.begin(), p.end(), h.match(k).begin()); };
    set(1, {0.05, 0.9, 0.03, 0.02}); // C at 0.9: upper for DNA (>= 0.9)
    set(2, {0.3, 0.3, 0.2, 0.2});    // tie A/C: the first, lower case
    set(3, {0.1, 0.1, 0.2, 0.6});    // T at 0.6: lower for DNA, upper for amino's 0.5 rule
    CHECK(hmmer_consensus(h, emtk::seq::alphabet_type::dna) == "Cat");
    CHECK(hmmer_consensus(h, emtk::seq::alphabet_type::rna) == "Cau");
}

TEST_CASE("hmmer_io: HMMER's globins4 and MADE1 tutorial models are read", "[hmm][hmmer_io]")
{
    auto const globins = examples + "tutorial/globins4.hmm";
    if (!have(globins))
    {
        WARN("hmmer-examples not installed (" << globins << "): skipped");
        return;
    }
    auto const g = read_hmmer_all(globins);
    REQUIRE(g.size() == 1);
    auto const & m = g[0];
    CHECK(m.name == "globins4");
    CHECK(m.hmm.M == 149);
    CHECK(m.alphabet == emtk::seq::alphabet_type::amino);
    CHECK(m.nseq == 4);
    CHECK(m.effn == Approx(0.964844));
    CHECK(m.checksum == 2027839109U);
    CHECK(m.date == "Fri May  4 11:33:09 2018");
    REQUIRE(m.stats);
    CHECK(m.stats->msv_mu == Approx(-9.9014));
    CHECK(m.stats->forward_lambda == Approx(0.70957));
    CHECK(m.hmm.match(1)[0] == Approx(std::exp(-1.70038)).epsilon(1e-5));         // node 1, A
    CHECK(m.hmm.t[149][t_mi] == Approx(std::exp(-1.61553)).epsilon(1e-5));        // node 149, m->i
    CHECK(m.hmm.t[149][t_md] == 0.0);                                              // "*"
    CHECK(m.consensus.substr(0, 3) == "vvL");
    CHECK(m.consensus.back() == 'k');
    CHECK(m.map.front() == 9);
    CHECK(m.rf.empty());
    // Our composition rule reproduces HMMER's COMPO line (same formula, from the 5-decimal model).
    auto const compo = hmmer_composition(m.hmm);
    for (std::size_t x = 0; x < compo.size(); ++x)
        CHECK(log_close(compo[x], m.compo[x], 1e-3));
    // And our consensus rule reproduces its CONS column.
    CHECK(hmmer_consensus(m.hmm, m.alphabet) == m.consensus);

    auto const made1 = examples + "tutorial/MADE1.hmm";
    if (have(made1))
    {
        auto const d = read_hmmer_all(made1);
        REQUIRE(d.size() == 1);
        CHECK(d[0].name == "MADE1");
        CHECK(d[0].accession == "DF0000629.2");
        CHECK(d[0].description == "MADE1 (MAriner Derived Element 1), a TcMar-Mariner DNA transposon");
        CHECK(d[0].alphabet == emtk::seq::alphabet_type::dna);
        CHECK(d[0].hmm.M == 80);
        CHECK(d[0].max_length == 426);
        CHECK(d[0].rf.size() == 80);
        CHECK(hmmer_consensus(d[0].hmm, d[0].alphabet) == d[0].consensus);
    }
}

TEST_CASE("hmmer_io: many HMMER models in one file, gzip and HMMER3/e files", "[hmm][hmmer_io]")
{
    std::vector<std::string> parts{examples + "tutorial/Pkinase.hmm", examples + "tutorial/fn3.hmm",
                                   examples + "tutorial/globins4.hmm"};
    auto const gz = examples + "testsuite/20aa.hmm.gz";
    if (!have(parts[0]) || !have(parts[1]) || !have(parts[2]) || !have(gz))
    {
        WARN("hmmer-examples not installed: skipped");
        return;
    }
    temp_dir dir;
    auto const path = dir.file("three.hmm");
    std::string text;
    for (auto const & p : parts)
        text += read_text(p);
    write_text(path, text);
    auto const all = read_hmmer_all(path);
    REQUIRE(all.size() == 3);
    CHECK(all[0].name == "Pkinase");
    CHECK(all[1].name == "fn3");
    CHECK(all[2].name == "globins4");
    REQUIRE(all[0].ga.has_value()); // Pfam lines: GA/TC/NC, CS
    CHECK((*all[0].ga)[0] == Approx(70.30));
    CHECK(all[0].cs.size() == 260);
    CHECK(all[0].accession == "PF00069.17");

    auto const e = read_hmmer_all(gz); // HMMER3/e: no MM column
    REQUIRE(e.size() == 1);
    CHECK(e[0].format_version == 'e');
    CHECK(e[0].name == "test");
    CHECK(e[0].hmm.M == 20);
    CHECK(e[0].consensus.substr(0, 4) == "ACDE");
    CHECK(e[0].rf.size() == 20);
}

TEST_CASE("hmmer_io: truncated files name the missing line", "[hmm][hmmer_io]")
{
    temp_dir dir;
    auto const lines = lines_of(tiny_text());
    REQUIRE(lines.size() == 21);
    auto const path = dir.file("cut.hmm");
    write_text(path, join(lines, 16));
    CHECK(error_of(path) == path + ":17: file ends inside a model (model 'tiny'): expected the transition line of node 1");
    write_text(path, join(lines, 20));
    CHECK(error_of(path) == path + ":21: file ends inside a model (model 'tiny'): expected the closing '//'");
    write_text(path, join(lines, 5));
    CHECK(error_of(path) == path + ":6: file ends inside a model (model 'tiny'): expected a header line or the 'HMM' line");
    write_text(path, "");
    CHECK(error_of(path) == path + ": no profile HMM in the file: expected HMMER3 text ('HMMER3/f [...]')");
    // A model that stops early ("//" where node 2 should start).
    auto short_model = lines;
    short_model.erase(short_model.begin() + 17, short_model.begin() + 20);
    write_text(path, join(short_model, 100));
    CHECK(error_of(path) == path + ":18: model ends at node 1 but LENG says 2 (model 'tiny')");
}

TEST_CASE("hmmer_io: bad lines are reported with the file, line and what was expected", "[hmm][hmmer_io]")
{
    temp_dir dir;
    auto const lines = lines_of(tiny_text());
    auto const path = dir.file("bad.hmm");
    auto with = [&](std::size_t i, std::string const & line) {
        auto l = lines;
        l[i] = line;
        write_text(path, join(l, 100));
        return error_of(path);
    };
    CHECK(with(0, "# not a model") ==
          path + ":1: expected a HMMER3 header line ('HMMER3/f [...]'), found '#'");
    CHECK(with(0, "HMMER2.0  [2.3.2]") ==
          path + ":1: this is a HMMER2 file; expected HMMER3 (convert it with HMMER's 'hmmconvert')");
    CHECK(with(3, "ALPH  coins") ==
          path + ":4: unknown alphabet 'coins' on the ALPH line: expected amino, DNA or RNA");
    CHECK(with(2, "LENG  two") == path + ":3: expected the model length on the LENG line (an integer), found 'two'");
    CHECK(with(1, "DESC  no name") == path + ":10: no NAME line before the 'HMM' line: every model needs a name");

    // Node 1's insert line (line 16): a field that is not a number, a row that does not sum to 1.
    CHECK(with(15, "          1.38629  abc  1.38629  1.38629") ==
          path + ":16: node 1 insert emissions: field 2 is 'abc', expected a negative natural log probability (a number >= 0, or '*' for 0)");
    CHECK(with(15, "          1.38629  1.38629  1.38629  1.60000") ==
          path + ":16: node 1: insert emissions sum to 0.9519, expected 1 (model 'tiny')");
    CHECK(with(15, "          1.38629  1.38629  1.38629") ==
          path + ":16: node 1 insert emission line: expected 4 fields, found 3 (model 'tiny')");
    // Node 2's transition line (line 20): match transitions do not sum to 1.
    CHECK(with(19, "          0.10000  1.00000        *  0.69315  0.69315  0.00000        *") ==
          path + ":20: node 2: match transitions (m->m m->i m->d) sum to 1.27272, expected 1 (model 'tiny')");
    // Node lines out of order, and a match line with a missing annotation column.
    auto const node2 = lines[17];
    CHECK(with(17, "      3" + node2.substr(7)) ==
          path + ":18: expected the match emission line of node 2 (starting with 2), found '3' (model 'tiny')");
    CHECK(with(17, node2.substr(0, node2.size() - 2)) ==
          path + ":18: node 2 match line: expected 10 fields (node number, 4 emissions, MAP CONS RF MM CS), found 9 (model 'tiny')");
    CHECK(with(10 - 1, "HMM          A        C        G        U") ==
          path + ":10: the 'HMM' line lists residues 'ACGU', expected 'ACGT' for ALPH DNA (model 'tiny')");
    CHECK(with(20, "foo") == path + ":21: expected the closing '//' after node 2, found 'foo' (model 'tiny')");
}

TEST_CASE("hmmer_io: Pfam's BM and SM lines and unknown tags are kept, not interpreted", "[hmm][hmmer_io]")
{
    temp_dir dir;
    auto lines = lines_of(tiny_text());
    lines.insert(lines.begin() + 9, {"BM    hmmbuild HMM.ann SEED.ann", "SM    hmmsearch -Z 61295632 -E 1000 --cpu 4 HMM pfamseq",
                                     "XYZ   something newer"});
    auto const path = dir.file("pfam.hmm");
    write_text(path, join(lines, 100));
    auto const m = read_hmmer_all(path);
    REQUIRE(m.size() == 1);
    CHECK(m[0].other_header_lines.size() == 3);
    CHECK(m[0].other_header_lines[0] == "BM    hmmbuild HMM.ann SEED.ann");
    CHECK(m[0].hmm.M == 2);
}

TEST_CASE("hmmer_io: the writer refuses a name with white space", "[hmm][hmmer_io]")
{
    emtk::rng r{1};
    auto m = random_model(r, 2, emtk::seq::alphabet_type::dna, "two words");
    std::ostringstream os;
    CHECK_THROWS_WITH(write_hmmer(os, m), "HMMER3 model name 'two words' must be one word (no white space)");
}

TEST_CASE("hmmer_io: HMMER's hmmstat and hmmconvert accept our files", "[hmm][hmmer_io][interop]")
{
    if (!have_hmmer_tools())
    {
        WARN("hmmstat/hmmconvert not on the PATH: interop test skipped");
        return;
    }
    emtk::rng r{99};
    temp_dir dir;
    std::vector<hmmer_model> models{random_model(r, 42, emtk::seq::alphabet_type::amino, "emtk_amino"),
                                    random_model(r, 17, emtk::seq::alphabet_type::dna, "emtk_dna")};
    models[0].nseq = 10;
    models[0].effn = 2.5;
    models[0].date = hmmer_date(1700000000);
    models[0].stats = hmmer_stats{-9.9, 0.7, -10.7, 0.7, -4.2, 0.7};
    auto const amino = dir.file("amino.hmm");
    auto const dna = dir.file("dna.hmm");
    write_hmmer_file(amino, std::span{models}.subspan(0, 1));
    write_hmmer_file(dna, std::span{models}.subspan(1, 1));

    for (auto const & [path, model] : {std::pair{amino, &models[0]}, std::pair{dna, &models[1]}})
    {
        INFO(path);
        auto const stat_out = path + ".stat";
        REQUIRE(std::system(("hmmstat '" + path + "' > '" + stat_out + "' 2>&1").c_str()) == 0);
        // hmmstat data line: idx name accession nseq eff_nseq M relent info p relE compKL
        bool found = false;
        for (auto const & line : lines_of(read_text(stat_out)))
        {
            std::istringstream is{line};
            std::string idx, name, acc, nseq, effn;
            int M = 0;
            if (line.empty() || line[0] == '#' || !(is >> idx >> name >> acc >> nseq >> effn >> M))
                continue;
            CHECK(name == model->name);
            CHECK(M == model->hmm.M);
            found = true;
        }
        CHECK(found);

        auto const converted = path + ".conv";
        REQUIRE(std::system(("hmmconvert '" + path + "' > '" + converted + "' 2>/dev/null").c_str()) == 0);
        auto const back = read_hmmer_all(converted);
        REQUIRE(back.size() == 1);
        CHECK(back[0].name == model->name);
        check_same_model(model->hmm, back[0].hmm, 1e-4); // HMMER holds floats
        CHECK(back[0].consensus == hmmer_consensus(model->hmm, model->alphabet));
    }
}
