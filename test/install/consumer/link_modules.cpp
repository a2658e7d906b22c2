// Links every module of the installed package (emtk::seq, emtk::hmm, emtk::cov, emtk::geno) and
// calls code that reaches their third-party libraries: SeqAn 3's streams (zlib, bzip2) in seq,
// htslib in cov and geno. Reads a FASTA file it writes into DIR, and expects a clear user_error
// for missing HMMER, BAM and VCF files. Exit 0 when all behave.
//
// usage: link_modules DIR
#include <emtk/cov/depth.hpp>
#include <emtk/geno/vcf_io.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/seq/reader.hpp>
#include <emtk/util/error.hpp>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

namespace {

bool throws_user_error(char const * what, std::function<void()> const & f)
{
    try
    {
        f();
    }
    catch (emtk::user_error const & e)
    {
        std::printf("%-5s user_error: %s\n", what, e.what());
        return true;
    }
    std::printf("%-5s no user_error\n", what);
    return false;
}

} // namespace

int main(int argc, char ** argv)
{
    if (argc != 2)
    {
        std::fputs("usage: link_modules DIR\n", stderr);
        return 2;
    }
    std::string const dir = argv[1];
    {
        std::ofstream fa{dir + "/two.fa"};
        fa << ">a first\nACGTACGTNN\n>b\nacgu\n";
    }
    emtk::seq::sequence_reader reader{dir + "/two.fa"};
    emtk::seq::sequence s;
    std::size_t residues = 0;
    while (reader.next(s))
        residues += s.dsq.size();
    std::printf("seq   %llu records, %zu residues\n", static_cast<unsigned long long>(reader.count()), residues);
    bool ok = reader.count() == 2 && residues == 14;

    ok &= throws_user_error("hmm", [&] { (void)emtk::hmm::read_hmmer_all(dir + "/missing.hmm"); });
    ok &= throws_user_error("cov", [&] { (void)emtk::cov::bam_window_depth(dir + "/missing.bam", {}); });
    ok &= throws_user_error("geno", [&] { emtk::geno::vcf_reader r{dir + "/missing.vcf"}; });
    std::puts(ok ? "all modules linked and ran" : "FAILED");
    return ok ? 0 : 1;
}
