#include <emtk/hmm/msa.hpp>
#include <emtk/util/error.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <zlib.h>

using namespace emtk::hmm;
using emtk::seq::alphabet_type;

namespace {

std::string const tutorial = "/usr/share/doc/hmmer/examples/tutorial/";

bool have(std::string const & p) { return std::filesystem::exists(p); }

/// The user_error message of read_msa(path, forced), or "" when it does not throw.
std::string error_of(std::string const & path, std::optional<alphabet_type> forced = {})
{
    try
    {
        (void)read_msa(path, forced);
    }
    catch (emtk::user_error const & e)
    {
        return e.what();
    }
    return {};
}

std::string const interleaved = "# STOCKHOLM 1.0\n"
                                "#=GF ID   toy\n"
                                "#=GS s1 DE the first row\n"
                                "\n"
                                "s1    ACG-T\n"
                                "s2    ac.gt\n"
                                "#=GR s1 SS .....\n"
                                "#=GC RF   xx.xx\n"
                                "\n"
                                "s2    TT~\n"
                                "s1    TTA\n"
                                "#=GC SS_cons ...\n"
                                "#=GC RF   x_x\n"
                                "//\n"
                                "# STOCKHOLM 1.0\n"
                                "other AAAA\n"
                                "//\n";

} // namespace

TEST_CASE("msa: interleaved Stockholm with RF, markup skipped, first alignment only", "[hmm][msa]")
{
    emtk::test::temp_dir dir;
    auto const p = dir.write("toy.sto", interleaved);
    msa const a = read_msa(p);
    CHECK(a.stockholm);
    CHECK(a.name == "toy");
    CHECK(a.type == alphabet_type::dna);
    REQUIRE(a.names == std::vector<std::string>{"s1", "s2"});
    REQUIRE(a.columns() == 8);
    CHECK(a.rf == "xx.xxx_x");
    auto const G = msa_gap;
    // A C G T = 0 1 2 3 (lower case read as upper case; '.', '-', '~', '_' are gaps)
    CHECK(a.rows[0] == std::vector<std::uint8_t>{0, 1, 2, G, 3, 3, 3, 0});
    CHECK(a.rows[1] == std::vector<std::uint8_t>{0, 1, G, 2, 3, 3, 3, G});
    CHECK(a.source == p);

    auto const s = unaligned_sequences(a);
    REQUIRE(s.seqs.size() == 2);
    CHECK(s.seqs[0].dsq == std::vector<std::uint8_t>{0, 1, 2, 3, 3, 3, 0});
    CHECK(s.seqs[1].name == "s2");
    CHECK(s.seqs[1].dsq.size() == 6);
    CHECK(s.type == alphabet_type::dna);
}

TEST_CASE("msa: aligned FASTA, degenerate codes, forced alphabet, all-gap row left out", "[hmm][msa]")
{
    emtk::test::temp_dir dir;
    auto const p = dir.write("toy.afa", "\n>a some description\nAC-G\nN\n>b\nACGG-\n>c\n-----\n");
    msa const a = read_msa(p);
    CHECK_FALSE(a.stockholm);
    CHECK(a.type == alphabet_type::dna);
    REQUIRE(a.size() == 3);
    REQUIRE(a.columns() == 5);
    CHECK(a.rf.empty());
    auto const & abc = emtk::seq::alphabet::get(alphabet_type::dna);
    CHECK(a.rows[0][4] == abc.code('N'));
    CHECK(a.is_gap(0, 2));
    CHECK(unaligned_sequences(a).seqs.size() == 2); // row c has no residue

    // Forced amino: the same letters read as amino acids (A C G are amino acids too).
    msa const b = read_msa(p, alphabet_type::amino);
    CHECK(b.type == alphabet_type::amino);
    CHECK(b.rows[1][2] == emtk::seq::alphabet::get(alphabet_type::amino).code('G'));
}

TEST_CASE("msa: gzip input", "[hmm][msa]")
{
    emtk::test::temp_dir dir;
    auto const p = dir.file("toy.sto.gz");
    gzFile f = gzopen(p.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, interleaved.data(), static_cast<unsigned>(interleaved.size())) ==
            static_cast<int>(interleaved.size()));
    REQUIRE(gzclose(f) == Z_OK);
    msa const a = read_msa(p);
    CHECK(a.names == std::vector<std::string>{"s1", "s2"});
    CHECK(a.columns() == 8);
    CHECK(a.rf == "xx.xxx_x");
}

TEST_CASE("msa: a repeated name inside one block starts a new block", "[hmm][msa]")
{
    emtk::test::temp_dir dir;
    auto const p = dir.write("noblank.sto", "# STOCKHOLM 1.0\ns1 AC\ns2 AC\ns1 GT\ns2 G-\n//\n");
    msa const a = read_msa(p);
    REQUIRE(a.columns() == 4);
    CHECK(a.rows[1][3] == msa_gap);
}

TEST_CASE("msa: every error path names the file, the line and what was expected", "[hmm][msa]")
{
    emtk::test::temp_dir dir;
    auto err = [&](std::string const & name, std::string const & text, std::optional<alphabet_type> forced = {}) {
        auto const p = dir.write(name, text);
        return std::pair{p, error_of(p, forced)};
    };
    {
        auto [p, e] = err("ragged.afa", ">a\nACGT\n>b\nACG\n");
        CHECK(e == p + ":3: row b has 3 columns, expected 4 (the length of row a)");
    }
    {
        auto [p, e] = err("ragged.sto", "# STOCKHOLM 1.0\n\ns1 ACGT\ns2 ACG\n//\n");
        CHECK(e == p + ":4: row s2 has 3 columns in this block, expected 4 (as on line 3)");
    }
    {
        auto [p, e] = err("rf.sto", "# STOCKHOLM 1.0\ns1 ACGT\n#=GC RF xxx\n//\n");
        CHECK(e == p + ":3: #=GC RF has 3 columns in this block, expected 4 (as on line 2)");
    }
    {
        auto [p, e] = err("blocks.sto", "# STOCKHOLM 1.0\n\ns1 ACGT\ns2 ACGT\n\ns1 AA\n//\n");
        CHECK(e == p + ":7: row s2 appears in 1 block, expected 2 (every row must continue in every block)");
    }
    {
        auto [p, e] = err("residue.sto", "# STOCKHOLM 1.0\n\ns1 ACGT\ns2 ACGT\n\ns1 AA\ns2 A!\n//\n",
                          alphabet_type::dna);
        CHECK(e == p + ":7: row s2, column 6: '!' is not a DNA residue or a gap");
    }
    {
        auto [p, e] = err("residue.afa", ">x\nMKV\nLL1\n>y\nMKVLLA\n", alphabet_type::amino);
        CHECK(e == p + ":3: row x, column 6: '1' is not an amino-acid residue or a gap");
    }
    {
        auto [p, e] = err("empty.sto", "# STOCKHOLM 1.0\n#=GF ID nothing\n\n//\n");
        CHECK(e == p + ":4: empty alignment: no sequence rows before \"//\"");
    }
    {
        auto [p, e] = err("nocols.afa", ">a\n>b\n");
        CHECK(e == p + ":1: empty alignment: row a has no columns");
    }
    {
        auto [p, e] = err("noend.sto", "# STOCKHOLM 1.0\ns1 ACGT\ns2 ACGT\n");
        CHECK(e == p + ":3: the Stockholm alignment does not end with \"//\"");
    }
    {
        auto [p, e] = err("neither.txt", "\nhello world\n");
        CHECK(e == p + ":2: not an alignment: expected a Stockholm header \"# STOCKHOLM 1.0\" or an aligned FASTA "
                       "header \">NAME\"");
    }
    {
        auto [p, e] = err("empty.txt", "\n  \n");
        CHECK(e == p + ": empty file: no alignment");
    }
    {
        auto [p, e] = err("noname.afa", ">\nACGT\n");
        CHECK(e == p + ":1: FASTA header without a name");
    }
    {
        auto [p, e] = err("notext.sto", "# STOCKHOLM 1.0\ns1\n//\n");
        CHECK(e == p + ":2: sequence line of row s1 has no alignment text (expected \"NAME TEXT\")");
    }
    {
        auto const p = dir.file("missing.sto");
        CHECK(error_of(p).rfind(p + ": cannot open", 0) == 0);
    }
    {
        msa a;
        a.source = "x.sto";
        a.names = {"g"};
        a.rows = {{msa_gap, msa_gap}};
        try
        {
            (void)unaligned_sequences(a);
            FAIL("no error");
        }
        catch (emtk::user_error const & e)
        {
            CHECK(std::string{e.what()} == "x.sto: no row of the alignment has a residue");
        }
    }
}

TEST_CASE("msa: HMMER's tutorial alignments parse with their numbers of rows and columns", "[hmm][msa]")
{
    struct expect
    {
        char const * file;
        std::size_t rows, columns;
        alphabet_type type;
        bool rf;
    };
    for (auto const & x : {expect{"globins4.sto", 4, 171, alphabet_type::amino, false},
                           expect{"Pkinase.sto", 38, 419, alphabet_type::amino, false},
                           expect{"fn3.sto", 98, 117, alphabet_type::amino, false},
                           expect{"MADE1.sto", 100, 304, alphabet_type::dna, true}})
    {
        auto const p = tutorial + x.file;
        if (!have(p))
        {
            WARN("skipped: " << p << " not installed (package hmmer-examples)");
            continue;
        }
        INFO(x.file);
        msa const a = read_msa(p);
        CHECK(a.size() == x.rows);
        CHECK(a.columns() == x.columns);
        CHECK(a.type == x.type);
        CHECK(a.rf.empty() != x.rf);
        for (auto const & r : a.rows)
            CHECK(r.size() == x.columns);
    }
}
