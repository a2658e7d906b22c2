/// \file
/// \brief Unit tests of read_sequences() (include/emtk/seq/sequence.hpp): formats, compression,
/// stdin, residue rules, and every error path with its exact message. Fixtures are written into a
/// fresh temporary directory by each test.

#include <emtk/seq/sequence.hpp>
#include <emtk/util/error.hpp>

#include "seq/gzip_fixture.hpp"
#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <zlib.h>

using emtk::seq::alphabet;
using emtk::seq::alphabet_type;
using emtk::seq::read_sequences;
using emtk::seq::sequence_set;
using emtk::test::temp_dir;
using emtk::test::write_gzip;

namespace {

/// The residues of a digital sequence as upper-case symbols.
std::string text(sequence_set const & set, std::size_t i)
{
    auto const & a = alphabet::get(set.type);
    std::string out;
    for (auto x : set.seqs.at(i).dsq)
        out.push_back(a.symbol(x));
    return out;
}

/// Reads `path` through stdin ("-"), restoring the real stdin afterwards.
sequence_set read_via_stdin(std::string const & path)
{
    int const saved = ::dup(STDIN_FILENO);
    int const fd = ::open(path.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    ::dup2(fd, STDIN_FILENO);
    ::close(fd);
    struct restore
    {
        int saved;
        ~restore()
        {
            ::dup2(saved, STDIN_FILENO);
            ::close(saved);
        }
    } guard{saved};
    return read_sequences("-");
}

/// The user_error message of reading `path`, or "" when it reads fine.
std::string error_of(std::string const & path, std::optional<alphabet_type> forced = {})
{
    try
    {
        (void)read_sequences(path, forced);
    }
    catch (emtk::user_error const & e)
    {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("read_sequences: multi-line FASTA with descriptions", "[seq][reader]")
{
    temp_dir dir;
    auto p = dir.write("a.fa", ">seqA first one\nACGT\nacgt\n\n>seqB\tsecond   \r\nTTGCA\n");
    auto s = read_sequences(p);
    CHECK(s.type == alphabet_type::dna);
    CHECK(s.source == p);
    REQUIRE(s.seqs.size() == 2);
    CHECK(s.seqs[0].name == "seqA");
    CHECK(s.seqs[0].description == "first one");
    CHECK(text(s, 0) == "ACGTACGT");
    CHECK(s.seqs[1].name == "seqB");
    CHECK(s.seqs[1].description == "second");
    CHECK(text(s, 1) == "TTGCA");
}

TEST_CASE("read_sequences: FASTQ, quality read and ignored", "[seq][reader]")
{
    temp_dir dir;
    auto p = dir.write("r.fq", "@r1 lane 1\nACGTN\n+\nIIII#\n@r2\nacg\n+r2\n!!~\n");
    auto s = read_sequences(p);
    CHECK(s.type == alphabet_type::dna);
    REQUIRE(s.seqs.size() == 2);
    CHECK(s.seqs[0].name == "r1");
    CHECK(s.seqs[0].description == "lane 1");
    CHECK(text(s, 0) == "ACGTN");
    CHECK(text(s, 1) == "ACG");
    auto crlf = read_sequences(dir.write("crlf.fq", "@r1 x\r\nACGT\r\n+\r\nIIII\r\n@r2\r\nGG\r\n+\r\nII\r\n"));
    REQUIRE(crlf.seqs.size() == 2);
    CHECK(crlf.seqs[0].description == "x");
    CHECK(text(crlf, 1) == "GG");
}

TEST_CASE("read_sequences: protein, RNA, lower case, trailing stop, no final newline", "[seq][reader]")
{
    temp_dir dir;
    auto prot = read_sequences(dir.write("p.fa", "\n\n>p1\nmkvLAAG*\n>p2\nWYEF BJZOUX*"));
    CHECK(prot.type == alphabet_type::amino);
    CHECK(text(prot, 0) == "MKVLAAG");
    CHECK(text(prot, 1) == "WYEFBJZOUX");
    auto rna = read_sequences(dir.write("r.fa", ">r\nACGUU\nGGAUC\n"));
    CHECK(rna.type == alphabet_type::rna);
    CHECK(text(rna, 0) == "ACGUUGGAUC");
    // SeqAn3's FASTA rule: digits in sequence lines are ignored (numbered GenBank-style lines).
    auto numbered = read_sequences(dir.write("n.fa", ">n\n1 acgtacgt 9\n10 ttgg\n"));
    CHECK(text(numbered, 0) == "ACGTACGTTTGG");
}

TEST_CASE("read_sequences: forced alphabet", "[seq][reader]")
{
    temp_dir dir;
    auto p = dir.write("s.fa", ">s\nACGTTGCA\n");
    auto as_amino = read_sequences(p, alphabet_type::amino);
    CHECK(as_amino.type == alphabet_type::amino);
    CHECK(text(as_amino, 0) == "ACGTTGCA");
    CHECK(as_amino.seqs[0].dsq[3] == alphabet::get(alphabet_type::amino).code('T'));
    auto as_rna = read_sequences(p, alphabet_type::rna); // T read as U
    CHECK(text(as_rna, 0) == "ACGUUGCA");
}

TEST_CASE("read_sequences: gzip file and stdin (plain and gzip)", "[seq][reader]")
{
    temp_dir dir;
    std::string const fasta = ">g1 gz\nMKV\nLAA\n>g2\nWYEF*\n";
    auto gz = dir.file("g.fa.gz");
    write_gzip(gz, fasta);
    auto plain = dir.write("g.fa", fasta);
    auto nosuffix = dir.file("g_gzip_without_suffix");
    write_gzip(nosuffix, fasta);

    for (auto const & set : {read_sequences(gz), read_sequences(nosuffix), read_via_stdin(plain), read_via_stdin(gz)})
    {
        CHECK(set.type == alphabet_type::amino);
        REQUIRE(set.seqs.size() == 2);
        CHECK(set.seqs[0].description == "gz");
        CHECK(text(set, 0) == "MKVLAA");
        CHECK(text(set, 1) == "WYEF");
    }
    CHECK(read_via_stdin(plain).source == "-");

    auto fq = dir.file("r.fq.gz");
    write_gzip(fq, "@r1\nACGT\n+\nIIII\n");
    CHECK(text(read_sequences(fq), 0) == "ACGT");
}

TEST_CASE("read_sequences: many records (alphabet decided after the sample, then streamed)", "[seq][reader]")
{
    temp_dir dir;
    std::string fasta;
    for (int i = 0; i < 250; ++i)
        fasta += ">s" + std::to_string(i) + "\n" + std::string(500, "ACGT"[i % 4]) + "\n";
    auto s = read_sequences(dir.write("many.fa", fasta));
    CHECK(s.type == alphabet_type::dna);
    REQUIRE(s.seqs.size() == 250);
    CHECK(s.seqs[249].name == "s249");
    CHECK(text(s, 249) == std::string(500, 'C')); // 249 % 4 == 1
}

TEST_CASE("read_sequences: residue errors name file, record and position", "[seq][reader]")
{
    temp_dir dir;
    auto p = dir.write("seqs.fa", ">seqA\nACGTACGT\n>seqB x\nACGT\nACGTACGT\nACGTJ\n");
    CHECK(error_of(p) == p + ": record 2 (seqB): position 17: 'J' is not a DNA residue "
                             "(alphabet guessed from the first records)");
    CHECK(error_of(p, alphabet_type::rna) == p + ": record 2 (seqB): position 17: 'J' is not an RNA residue");
    auto prot = dir.write("p.fa", ">p\nMKV-LAA\n");
    CHECK(error_of(prot) == prot + ": record 1 (p): position 4: '-' is not an amino-acid residue "
                                   "(alphabet guessed from the first records)");
    auto stop = dir.write("stop.fa", ">p\nMKV*LAA\n");
    CHECK(error_of(stop, alphabet_type::amino) ==
          stop + ": record 1 (p): position 4: '*' (stop) inside the sequence; only a final '*' is accepted");
    auto ctrl = dir.write("ctrl.fa", std::string{">p\nMK\x01V\n"});
    CHECK(error_of(ctrl, alphabet_type::amino) == ctrl + ": record 1 (p): position 3: byte 0x01 is not an amino-acid residue");
    // Mixed alphabets: DNA guessed from the first records, then a protein (M K V are IUPAC codes).
    auto mixed = dir.write("mixed.fa", ">d\n" + std::string(100, 'A') + "\n>p\nMKVLEAG\n");
    CHECK(error_of(mixed) == mixed + ": record 2 (p): position 4: 'L' is not a DNA residue "
                                     "(alphabet guessed from the first records)");
}

TEST_CASE("read_sequences: empty records and headers without names", "[seq][reader]")
{
    temp_dir dir;
    auto next_header = dir.write("e1.fa", ">a\nACGT\n>b desc\n>c\nACGT\n");
    CHECK(error_of(next_header) == next_header + ": record 2 (b): empty record: no residues after the header line");
    auto at_end = dir.write("e2.fa", ">a\nACGT\n>last\n");
    CHECK(error_of(at_end) == at_end + ": record 2 (last): empty record: no residues after the header line");
    auto at_end_no_newline = dir.write("e3.fa", ">a\nACGT\n>last");
    CHECK(error_of(at_end_no_newline) ==
          at_end_no_newline + ": record 2 (last): empty record: no residues after the header line");
    auto only_stop = dir.write("e4.fa", ">a\n*\n");
    CHECK(error_of(only_stop) == only_stop + ": record 1 (a): empty record: no residues after the header line");
    auto blank_line = dir.write("e5.fq", "@a\nACGT\n+\nIIII\n@b\n\n+\n\n");
    CHECK(error_of(blank_line) == blank_line + ": record 2 (b): empty record: no residues after the header line");
    auto no_name = dir.write("n.fa", ">a\nACGT\n>  \nACGT\n");
    CHECK(error_of(no_name) == no_name + ": record 2: the header line has no sequence name");
}

TEST_CASE("read_sequences: file-level errors", "[seq][reader]")
{
    temp_dir dir;
    auto missing = dir.file("missing.fa");
    CHECK(error_of(missing) == missing + ": cannot open: No such file or directory");
    auto empty = dir.write("empty.fa", "");
    CHECK(error_of(empty) == empty + ": empty file: no sequences");
    auto blank = dir.write("blank.fa", "\n  \n\t\n");
    CHECK(error_of(blank) == blank + ": empty file: no sequences");
    auto tsv = dir.write("t.tsv", "chr1\t100\t200\n");
    CHECK(error_of(tsv) == tsv + ": not a FASTA, FASTQ, EMBL or GenBank file: it starts with 'c' (expected '>', '@', 'ID' or 'LOCUS')");
    auto binary = dir.write("b.bin", std::string{"\x89PNG\r\n"});
    CHECK(error_of(binary) == binary + ": not a FASTA, FASTQ, EMBL or GenBank file: it starts with byte 0x89 (expected '>', '@', 'ID' or 'LOCUS')");
    auto bz2 = dir.write("x.fa.bz2", "BZh91AY&SY");
    CHECK(error_of(bz2) == bz2 + ": bzip2-compressed input is not supported (use gzip or plain text)");
    auto zst = dir.write("x.fa.zst", std::string{"\x28\xB5\x2F\xFD\x00"});
    CHECK(error_of(zst) == zst + ": zstd-compressed input is not supported (use gzip or plain text)");
    auto gz_empty = dir.file("empty.fa.gz");
    write_gzip(gz_empty, "");
    CHECK(error_of(gz_empty) == gz_empty + ": empty file: no sequences");
    auto truncated = dir.file("trunc.fa.gz");
    {
        std::string fasta;
        for (int i = 0; i < 200; ++i)
            fasta += ">s" + std::to_string(i) + "\nACGTTGCAACGGTACCAGT\n";
        write_gzip(truncated, fasta);
        auto bytes = emtk::test::slurp(truncated);
        dir.write("trunc.fa.gz", bytes.substr(0, bytes.size() / 2));
    }
    // The message names the record being read when the data ended.
    std::string const msg = error_of(truncated);
    CHECK(msg.starts_with(truncated + ": record "));
    CHECK(msg.ends_with(": truncated gzip file (unexpected end of data)"));
    CHECK(msg.find('\n') == std::string::npos);
}

TEST_CASE("read_sequences: malformed FASTQ", "[seq][reader]")
{
    temp_dir dir;
    auto no_plus = dir.write("np.fq", "@r1\nACGT\n+\nIIII\n@r2\nACGT\n");
    CHECK(error_of(no_plus) == no_plus + ": record 2: the file ends inside a FASTQ record (missing '+' line, "
                                         "or fewer quality characters than residues)");
    auto short_qual = dir.write("sq.fq", "@r1\nACGT\n+\nII\n");
    CHECK(error_of(short_qual) == short_qual + ": record 1: the file ends inside a FASTQ record (missing '+' "
                                               "line, or fewer quality characters than residues)");
    auto long_qual = dir.write("lq.fq", "@r1\nACGT\n+\nIIIIII\n@r2\nACGT\n+\nIIII\n");
    CHECK(error_of(long_qual) == long_qual + ": record 2: expected a FASTQ header line starting with '@' (more "
                                             "quality characters than residues in the record before?)");
}
