/// \file
/// \brief Unit tests of the sequence spool (include/emtk/seq/spool.hpp): read_or_spool() keeps
/// small files in memory and spools large ones, the spool gives back every record (plain and
/// gzip), sample_records() is seeded, and a truncated gzip names the file and record.

#include <emtk/seq/spool.hpp>
#include <emtk/util/error.hpp>

#include "seq/gzip_fixture.hpp"
#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <zlib.h>

using emtk::seq::read_or_spool;
using emtk::seq::read_sequences;
using emtk::test::temp_dir;
using emtk::test::write_gzip;

namespace {

/// n protein records of varying length and composition (deterministic).
std::string protein_fasta(int n)
{
    std::string const aa = "ACDEFGHIKLMNPQRSTVWY";
    std::string out;
    for (int i = 0; i < n; ++i)
    {
        out += ">p";
        out += std::to_string(i);
        out += " description\n";
        int const len = 5 + (i * 7) % 31;
        for (int j = 0; j < len; ++j)
            out.push_back(aa[static_cast<std::size_t>((i * 13 + j * j) % 20)]);
        out += "\n";
    }
    return out;
}

} // namespace

TEST_CASE("read_or_spool: in memory below the limit, spooled from it on", "[seq][spool]")
{
    temp_dir dir;
    auto const path = dir.write("p.fa", protein_fasta(50));
    auto const all = read_sequences(path);
    auto const small = read_or_spool(path, {}, 51, dir.path().string());
    CHECK(small.spool == nullptr);
    REQUIRE(small.set.seqs.size() == 50);
    CHECK(small.set.seqs[7].description == all.seqs[7].description);

    for (std::string const & file : {path, dir.file("p.fa.gz")})
    {
        if (file != path)
            write_gzip(file, protein_fasta(50));
        auto const big = read_or_spool(file, {}, 50, dir.path().string());
        REQUIRE(big.spool != nullptr);
        CHECK(big.set.seqs.empty());
        CHECK(big.set.type == all.type);
        auto const & sp = *big.spool;
        REQUIRE(sp.size() == 50);
        CHECK(sp.type() == all.type);
        std::uint64_t residues = 0;
        std::vector<std::uint64_t> counts(sp.code_counts().size(), 0);
        emtk::seq::sequence s;
        for (std::size_t i = 0; i < 50; ++i)
        {
            sp.read(i, s);
            CHECK(s.name == all.seqs[i].name);
            CHECK(s.dsq == all.seqs[i].dsq);
            CHECK(sp.length(i) == all.seqs[i].dsq.size());
            residues += all.seqs[i].dsq.size();
            for (auto c : all.seqs[i].dsq)
                ++counts[c];
        }
        CHECK(sp.residues() == residues);
        CHECK(sp.code_counts() == counts);
        CHECK(sp.find("p17") == std::optional<std::size_t>{17});
        CHECK_FALSE(sp.find("p50").has_value());
    }
    // The spool file is unlinked at once: nothing is left in the directory but the inputs.
    CHECK(dir.entry_count() == 2);
}

TEST_CASE("sample_records: seeded, in file order, with the required record", "[seq][spool]")
{
    temp_dir dir;
    auto const path = dir.write("p.fa", protein_fasta(200));
    auto const in = read_or_spool(path, {}, 2, dir.path().string());
    REQUIRE(in.spool);
    std::vector<std::size_t> a, b, c;
    auto const sa = emtk::seq::sample_records(*in.spool, 20, 7, a);
    auto const sb = emtk::seq::sample_records(*in.spool, 20, 7, b);
    auto const sc = emtk::seq::sample_records(*in.spool, 20, 8, c);
    CHECK(a.size() == 20);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(std::is_sorted(a.begin(), a.end()));
    CHECK(std::adjacent_find(a.begin(), a.end()) == a.end());
    for (std::size_t j = 0; j < a.size(); ++j)
        CHECK(sa.seqs[j].name.substr(1) == std::to_string(a[j]));
    // Records 0..199 evenly: the mean index of 20 draws is far from either end.
    double mean = 0;
    for (auto i : a)
        mean += static_cast<double>(i) / 20.0;
    CHECK(mean > 40);
    CHECK(mean < 160);
    std::size_t const missing = [&] {
        for (std::size_t i = 0;; ++i)
            if (!std::binary_search(a.begin(), a.end(), i))
                return i;
    }();
    std::vector<std::size_t> d;
    auto const sd = emtk::seq::sample_records(*in.spool, 20, 7, d, missing);
    CHECK(d.size() == 21);
    CHECK(std::binary_search(d.begin(), d.end(), missing));
    std::vector<std::size_t> e;
    CHECK(emtk::seq::sample_records(*in.spool, 500, 7, e).seqs.size() == 200);
}

TEST_CASE("read_or_spool: a truncated gzip file names the file and the record", "[seq][spool]")
{
    temp_dir dir;
    auto const full = dir.file("full.fa.gz");
    write_gzip(full, protein_fasta(3000));
    auto const bytes = emtk::test::slurp(full);
    auto const cut = dir.write("cut.fa.gz", bytes.substr(0, bytes.size() / 2));
    std::string msg;
    try
    {
        (void)read_or_spool(cut, {}, 10, dir.path().string());
    }
    catch (emtk::user_error const & e)
    {
        msg = e.what();
    }
    INFO(msg);
    CHECK(msg.starts_with(cut + ": record "));
    CHECK(msg.ends_with(": truncated gzip file (unexpected end of data)"));
    // The record number is past the spooled ones and within the file.
    auto const number = std::stoul(msg.substr(cut.size() + 9));
    CHECK(number > 10);
    CHECK(number <= 3000);
}
