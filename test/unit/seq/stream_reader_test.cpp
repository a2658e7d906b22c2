/// \file
/// \brief Unit tests of sequence_reader (include/emtk/seq/reader.hpp): records one by one, the
/// same records and alphabet as read_sequences(), the alphabet decided after the sample, and errors
/// raised at the record that causes them.

#include <emtk/seq/reader.hpp>
#include <emtk/seq/sequence.hpp>
#include <emtk/util/error.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <optional>
#include <vector>
#include <string>

using emtk::seq::alphabet_type;
using emtk::seq::sequence;
using emtk::seq::sequence_reader;
using emtk::test::temp_dir;

TEST_CASE("sequence_reader: records one at a time, as read_sequences reads them", "[seq][stream_reader]")
{
    temp_dir dir;
    std::string const p = dir.file("many.fa");
    {
        std::ofstream out{p};
        for (int i = 0; i < 300; ++i) // more than the alphabet sample (100 records)
            out << ">s" << i << " number " << i << '\n' << std::string(static_cast<std::size_t>(20 + i % 7), "ACGT"[i % 4]) << '\n';
    }
    auto const all = emtk::seq::read_sequences(p);
    sequence_reader reader{p};
    CHECK(reader.source() == p);
    sequence s;
    std::size_t n = 0;
    while (reader.next(s))
    {
        REQUIRE(n < all.seqs.size());
        CHECK(s.name == all.seqs[n].name);
        CHECK(s.description == all.seqs[n].description);
        CHECK(s.dsq == all.seqs[n].dsq);
        ++n;
        CHECK(reader.count() == n);
        CHECK(reader.type() == alphabet_type::dna);
    }
    CHECK(n == 300);
    CHECK(!reader.next(s)); // stays at the end
}

TEST_CASE("sequence_reader: records before a bad one are returned first", "[seq][stream_reader]")
{
    temp_dir dir;
    std::string const p = dir.file("bad.fa");
    std::ofstream{p} << ">a\nMKVLA\n>b\nMKV-LA\n";
    sequence_reader reader{p, alphabet_type::amino};
    sequence s;
    REQUIRE(reader.next(s));
    CHECK(s.name == "a");
    CHECK_THROWS_WITH(reader.next(s), p + ": record 2 (b): position 4: '-' is not an amino-acid residue");
}

TEST_CASE("sequence_reader: empty input and non-FASTA fail at construction", "[seq][stream_reader]")
{
    temp_dir dir;
    std::string const empty = dir.file("empty.fa"), tsv = dir.file("x.tsv");
    std::ofstream{empty} << "\n\n";
    std::ofstream{tsv} << "col\tval\n";
    CHECK_THROWS_WITH(sequence_reader{empty}, empty + ": empty file: no sequences");
    CHECK_THROWS_WITH(sequence_reader{tsv}, tsv + ": not a FASTA, FASTQ, EMBL or GenBank file: it starts with 'c' (expected '>', '@', 'ID' or 'LOCUS')");
}

TEST_CASE("sequence_reader: EMBL/UniProt and GenBank flat files", "[seq][stream_reader][flat]")
{
    temp_dir dir;
    std::string const embl = dir.file("x.embl");
    {
        // A feature table and a description holding "SQ" (which cut SeqAn3's EMBL records).
        std::ofstream out{embl};
        out << "ID   P1_HUMAN; Reviewed;  12 AA.\nAC   P00001;\nDE   RecName: Full=SQSTM1-like\nDE   protein.\n"
               "FT   CDS  1..12\nFT                   /translation=\"MSQ\"\nSQ   SEQUENCE   12 AA;\n"
               "     MKVLAA GWSQLL          12\n//\nID   P2; x\nSQ   Sequence\n     ACDE\n//\n";
    }
    sequence_reader r{embl};
    sequence s;
    REQUIRE(r.next(s));
    CHECK(s.name == "P1_HUMAN");
    CHECK(s.description == "RecName: Full=SQSTM1-like protein.");
    CHECK(s.dsq.size() == 12);
    REQUIRE(r.next(s));
    CHECK(s.name == "P2");
    CHECK(s.description.empty());
    CHECK(s.dsq.size() == 4);
    CHECK_FALSE(r.next(s));

    std::string const gb = dir.file("x.gb");
    {
        std::ofstream out{gb};
        out << "LOCUS       AB000001     20 bp    DNA     linear   PRI 01-JAN-2000\n"
               "DEFINITION  Homo sapiens test\n            sequence, partial.\nACCESSION   AB000001\n"
               "FEATURES             Location/Qualifiers\n     source          1..20\n                     "
               "/organism=\"Homo sapiens\"\nORIGIN\n        1 acgtacgtac gtacgtacgt\n//\n";
    }
    sequence_reader g{gb};
    REQUIRE(g.next(s));
    CHECK(g.type() == alphabet_type::dna);
    CHECK(s.name == "AB000001");
    CHECK(s.description == "Homo sapiens test sequence, partial.");
    CHECK(s.dsq.size() == 20);
    CHECK_FALSE(g.next(s));

    std::string const bad = dir.file("bad.gb");
    {
        std::ofstream out{bad};
        out << "LOCUS       A 3 aa\nORIGIN\n 1 mkv\n//\nLOCUSX\n";
    }
    sequence_reader b{bad};
    CHECK_THROWS_WITH([&] { while (b.next(s)) {} }(), bad + ":5: expected a GenBank record starting with 'LOCUS', found 'LOCUSX'");
}

namespace {
/// The records of `p` through next_part with parts of `max` residues: each record joined from
/// its parts (offsets checked to be contiguous).
std::vector<sequence> joined_parts(std::string const & p, std::size_t max, std::size_t & parts)
{
    sequence_reader reader{p};
    std::vector<sequence> out;
    sequence s;
    std::uint64_t offset = 0;
    bool last = true, open = false;
    parts = 0;
    while (reader.next_part(s, max, offset, last))
    {
        ++parts;
        if (!open)
        {
            REQUIRE(offset == 0);
            out.push_back(s);
        }
        else
        {
            REQUIRE(offset == out.back().dsq.size());
            CHECK(s.name == out.back().name);
            out.back().dsq.insert(out.back().dsq.end(), s.dsq.begin(), s.dsq.end());
        }
        open = !last;
        CHECK(reader.type() == alphabet_type::dna);
    }
    CHECK(!open);
    CHECK(reader.count() == out.size());
    return out;
}
} // namespace

TEST_CASE("sequence_reader: next_part returns long records in parts, short ones whole", "[seq][stream_reader]")
{
    temp_dir dir;
    std::string const p = dir.file("chr.fa");
    {
        std::ofstream out{p};
        std::uint32_t r = 7;
        auto line = [&](std::size_t n) {
            std::string l;
            for (std::size_t k = 0; k < n; ++k)
                l += "ACGTN"[(r = r * 1103515245u + 12345u) >> 16 & 3u];
            return l;
        };
        out << ">short1 first\n" << line(50) << '\n';
        out << ">chr1 a long one\n";
        for (int i = 0; i < 5000; ++i) // 300,000 residues, digits and blanks ignored
            out << line(60) << (i % 7 == 0 ? " 12\n" : "\n");
        out << ">short2\n" << line(30) << "\n\n>chr2\n";
        for (int i = 0; i < 4000; ++i)
            out << line(60) << '\n';
        out << "*\n"; // a final stop, dropped
    }
    auto const all = emtk::seq::read_sequences(p);
    std::size_t parts = 0;
    auto const got = joined_parts(p, 100'000, parts);
    REQUIRE(got.size() == all.seqs.size());
    for (std::size_t i = 0; i < got.size(); ++i)
    {
        CHECK(got[i].name == all.seqs[i].name);
        CHECK(got[i].description == all.seqs[i].description);
        CHECK(got[i].dsq == all.seqs[i].dsq);
    }
    CHECK(parts >= got.size() + 4); // chr1 (300 kb) and chr2 (240 kb) came in three parts or more each
}

TEST_CASE("sequence_reader: next_part reports errors of long records as next() does", "[seq][stream_reader]")
{
    temp_dir dir;
    std::string const star = dir.file("star.fa"), bad = dir.file("bad.fa");
    std::string const acgt(200'000, 'A');
    std::ofstream{star} << ">x\n" << acgt << "\n*\nAC\n";
    std::ofstream{bad} << ">y\n" << acgt << "\nACQ\n";
    sequence s;
    std::uint64_t offset = 0;
    bool last = false;
    sequence_reader r1{star, alphabet_type::dna};
    CHECK_THROWS_WITH(
        [&] {
            while (r1.next_part(s, 100'000, offset, last)) {}
        }(),
        star + ": record 1 (x): position 200001: '*' (stop) inside the sequence; only a final '*' is accepted");
    sequence_reader r2{bad};
    CHECK_THROWS_WITH(
        [&] {
            while (r2.next_part(s, 100'000, offset, last)) {}
        }(),
        bad + ": record 1 (y): position 200003: 'Q' is not a DNA residue (alphabet guessed from the first records)");
    for (auto const & p : {star, bad}) // next() agrees
        CHECK_THROWS_WITH(emtk::seq::read_sequences(p, p == star ? std::optional{alphabet_type::dna} : std::nullopt),
                          Catch::Matchers::Contains(p == star ? "position 200001" : "position 200003"));
}
