/// \file
/// \brief impute_vcf (impute_vcf.hpp): the within-study pipeline over a whole file.

#include <emtk/geno/impute_vcf.hpp>

#include <chrono>

namespace emtk::geno {

std::uint64_t contig_stream(std::string const & name)
{
    // Fowler-Noll-Vo 1a: offset basis and prime from the published parameters.
    std::uint64_t h = 14695981039346656037ULL;
    for (unsigned char ch : name)
        h = (h ^ ch) * 1099511628211ULL;
    return h;
}

impute_vcf_summary impute_vcf(impute_vcf_options const & opt, impute_vcf_callbacks const & cb)
{
    vcf_reader reader{opt.input, opt.region};
    vcf_writer writer{opt.output, reader, opt.header_lines, 1};
    impute_vcf_summary sum;
    vcf_block block;
    while (reader.next_block(block))
    {
        auto const t0 = std::chrono::steady_clock::now();
        auto res = impute_block(block.genotypes, opt.impute, contig_stream(block.contig), [&](std::size_t, std::size_t) {
            if (cb.start_done)
                cb.start_done(block.contig);
        });
        sum.fit_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        writer.write_block(reader, block, res.gp, res.phase);
        impute_contig_report rep;
        rep.contig = block.contig;
        rep.sites = block.genotypes.n_sites;
        rep.missing = res.missing;
        sum.imputed += res.missing;
        for (auto const & w : res.windows)
        {
            for (auto const & s : w.starts)
            {
                sum.iterations += s.iterations;
                sum.decreases += s.decreases;
            }
            for (auto const & rr : w.refine)
            {
                sum.iterations += rr.iterations;
                sum.decreases += rr.decreases;
            }
            sum.iterations += w.haploid.iterations;
            sum.decreases += w.haploid.decreases;
        }
        rep.windows = std::move(res.windows);
        if (cb.contig_done)
            cb.contig_done(rep);
        sum.contigs.push_back(std::move(rep));
    }
    sum.counts = reader.counts();
    sum.samples = reader.samples().size();
    for (auto n : reader.observed_per_sample())
        sum.samples_all_missing += n == 0 ? 1 : 0;
    sum.index = writer.index_path();
    if (cb.before_commit)
        cb.before_commit(sum);
    writer.commit();
    return sum;
}

} // namespace emtk::geno
