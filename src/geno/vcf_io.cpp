/// \file
/// \brief htslib adapter of `emtk impute`: VCF/BCF reading by contig, imputed output with index
/// (behaviour documented in include/emtk/geno/vcf_io.hpp).

#include "hts_handles.hpp"

#include <emtk/geno/vcf_io.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>

#include <htslib/hts.h>
#include <htslib/hts_log.h>
#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace emtk::geno {

namespace {

std::string shown(std::string const & path) { return path == "-" ? std::string{"<stdin>"} : path; }

bool ends_with(std::string const & s, std::string const & suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

using detail::hts_ptr;
using detail::malloc_buffer;

} // namespace

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

struct vcf_reader::impl
{
    std::string path, region;
    // Owners, destroyed in reverse order: records and iterator before the index, header and file.
    hts_ptr<htsFile> fp;
    hts_ptr<bcf_hdr_t> hdr;
    hts_ptr<hts_idx_t> idx;
    hts_ptr<tbx_t> tbx;
    hts_ptr<hts_itr_t> itr;
    detail::owned_kstring line;
    bool is_bcf = false;
    std::vector<std::string> samples;
    vcf_counts counts;
    std::vector<std::uint64_t> observed;
    // The current contig's records, in input order, and for each its modelled-site index (-1: passed through).
    std::vector<hts_ptr<bcf1_t>> records;
    std::vector<std::int64_t> site_of_record;
    hts_ptr<bcf1_t> pending;
    std::set<int> seen_contigs;
    malloc_buffer<std::int32_t> gt;

    void clear_records()
    {
        records.clear();
        site_of_record.clear();
    }

    [[noreturn]] void fail(std::string const & what) const { throw_input_error(shown(path), 0, what); }
    /// As fail(), for a message that names option fields (field_name()).
    [[noreturn]] void fail_option(std::string const & what) const
    {
        throw option_input_error(located_message(shown(path), 0, what));
    }

    std::string where(bcf1_t const * r) const
    {
        return "record " + std::to_string(counts.records) + " (" + bcf_hdr_id2name(hdr.get(), r->rid) + ":" +
               std::to_string(r->pos + 1) + ")";
    }

    /// Reads one record: true, or false at the end. Throws on a read error.
    bool read(bcf1_t * r)
    {
        int ret = 0;
        if (itr)
        {
            if (is_bcf)
                ret = bcf_itr_next(fp.get(), itr.get(), r);
            else
            {
                ret = tbx_itr_next(fp.get(), tbx.get(), itr.get(), &line.s);
                if (ret >= 0)
                    ret = vcf_parse1(&line.s, hdr.get(), r);
            }
        }
        else
            ret = bcf_read(fp.get(), hdr.get(), r);
        if (ret == -1)
            return false;
        if (ret < -1 || r->errcode)
        {
            std::string what = "truncated or corrupt file, or a malformed VCF line";
            if (r->errcode & BCF_ERR_CTG_UNDEF)
                what = "its contig is not declared in the header (##contig line missing)";
            else if (r->errcode & BCF_ERR_TAG_UNDEF)
                what = "an INFO or FORMAT tag is not declared in the header";
            else if (r->errcode & BCF_ERR_NCOLS)
                what = "wrong number of columns (a truncated file?)";
            else if (r->errcode)
                what = "malformed record";
            fail("record " + std::to_string(counts.records + 1) + ": cannot read it: " + what);
        }
        ++counts.records;
        return true;
    }

    /// Classifies a record and, when modelled, appends its genotypes to the block; keeps it.
    void take(hts_ptr<bcf1_t> rec, vcf_block & b)
    {
        bcf1_t * r = rec.get();
        std::size_t const N = samples.size();
        std::int64_t site = -1;
        bcf_unpack(r, BCF_UN_STR);
        int const ngt = bcf_get_genotypes(hdr.get(), r, &gt.p, &gt.n);
        if (ngt <= 0)
            ++counts.no_gt;
        else if (r->n_allele > 2)
            ++counts.multiallelic;
        else if (r->n_allele < 2)
            ++counts.multiallelic; // no ALT allele: nothing to impute (counted with the non-biallelic)
        else
        {
            int const ploidy = ngt / static_cast<int>(N);
            std::uint64_t non_diploid = 0;
            for (std::size_t i = 0; i < N; ++i)
            {
                std::int32_t const * a = gt.p + i * static_cast<std::size_t>(ploidy);
                int n = 0;
                for (int j = 0; j < ploidy && a[j] != bcf_int32_vector_end; ++j)
                    ++n;
                if (n != 2 && !(n == 1 && bcf_gt_is_missing(a[0]) && ploidy == 2))
                    ++non_diploid;
            }
            if (non_diploid > 0 || ploidy != 2)
            {
                ++counts.haploid;
                counts.haploid_calls += ploidy == 2 ? non_diploid : N;
            }
            else
            {
                std::size_t const row = b.genotypes.n_sites;
                b.genotypes.g.resize((row + 1) * N);
                std::int8_t * g = b.genotypes.g.data() + row * N;
                std::size_t missing = 0, half = 0;
                for (std::size_t i = 0; i < N; ++i)
                {
                    std::int32_t const a0 = gt.p[2 * i], a1 = gt.p[2 * i + 1];
                    bool const m0 = bcf_gt_is_missing(a0), m1 = a1 == bcf_int32_vector_end || bcf_gt_is_missing(a1);
                    if (m0 || m1)
                    {
                        g[i] = missing_genotype;
                        ++missing;
                        if (m0 != m1)
                            ++half;
                        continue;
                    }
                    int const x0 = bcf_gt_allele(a0), x1 = bcf_gt_allele(a1);
                    if (x0 < 0 || x0 > 1 || x1 < 0 || x1 > 1)
                        fail(where(r) + ": GT allele index out of range for a biallelic site");
                    g[i] = static_cast<std::int8_t>(x0 + x1);
                }
                if (missing == N)
                {
                    ++counts.all_missing_sites;
                    b.genotypes.g.resize(row * N);
                }
                else
                {
                    for (std::size_t i = 0; i < N; ++i)
                        if (g[i] != missing_genotype)
                            ++observed[i];
                    counts.half_missing_calls += half;
                    counts.missing_genotypes += missing;
                    ++counts.modelled;
                    site = static_cast<std::int64_t>(row);
                    b.genotypes.n_sites = row + 1;
                    b.positions.push_back(r->pos + 1);
                }
            }
        }
        records.push_back(std::move(rec));
        site_of_record.push_back(site);
    }
};

vcf_reader::vcf_reader(std::string path, std::string region) : p_{std::make_unique<impl>()}
{
    hts_set_log_level(HTS_LOG_OFF); // our own one-line messages only
    impl & s = *p_;
    s.path = std::move(path);
    s.region = std::move(region);
    if (!s.region.empty() && s.path == "-")
        throw option_error(field_name("region") + " needs an indexed file, not stdin");
    errno = 0;
    s.fp.reset(hts_open(s.path.c_str(), "r"));
    if (!s.fp)
        s.fail(std::string{"cannot open: "} + (errno ? std::strerror(errno) : "not a readable file"));
    htsFormat const * f = hts_get_format(s.fp.get());
    if (f->category != variant_data)
        s.fail("not a VCF or BCF file");
    s.is_bcf = f->format == bcf;
    s.hdr.reset(bcf_hdr_read(s.fp.get()));
    if (!s.hdr)
        s.fail("cannot read the VCF header (truncated or malformed)");
    int const n = bcf_hdr_nsamples(s.hdr.get());
    if (n == 0)
        s.fail("no samples in the header: nothing to impute");
    for (int i = 0; i < n; ++i)
        s.samples.emplace_back(s.hdr->samples[i]);
    s.observed.assign(static_cast<std::size_t>(n), 0);
    int const gt_id = bcf_hdr_id2int(s.hdr.get(), BCF_DT_ID, "GT");
    if (!bcf_hdr_idinfo_exists(s.hdr.get(), BCF_HL_FMT, gt_id))
        s.fail("no FORMAT/GT field declared in the header: nothing to impute");
    if (!s.region.empty())
    {
        if (s.is_bcf)
        {
            s.idx.reset(bcf_index_load3(s.path.c_str(), nullptr, HTS_IDX_SILENT_FAIL));
            if (s.idx)
                s.itr.reset(bcf_itr_querys(s.idx.get(), s.hdr.get(), s.region.c_str()));
        }
        else
        {
            s.tbx.reset(tbx_index_load3(s.path.c_str(), nullptr, HTS_IDX_SILENT_FAIL));
            if (s.tbx)
                s.itr.reset(tbx_itr_querys(s.tbx.get(), s.region.c_str()));
        }
        if (!s.idx && !s.tbx)
            s.fail_option(field_name("region") + " needs an index (" + s.path + (s.is_bcf ? ".csi" : ".tbi or .csi") +
                   "): make one with 'bcftools index'");
        if (!s.itr)
            s.fail_option(field_name("region") + " '" + s.region + "': unknown contig or malformed region (expected CHR or CHR:FROM-TO)");
    }
}

vcf_reader::~vcf_reader() = default;

std::vector<std::string> const & vcf_reader::samples() const noexcept { return p_->samples; }
vcf_counts const & vcf_reader::counts() const noexcept { return p_->counts; }
std::vector<std::uint64_t> const & vcf_reader::observed_per_sample() const noexcept { return p_->observed; }
std::string const & vcf_reader::path() const noexcept { return p_->path; }

bool vcf_reader::next_block(vcf_block & out)
{
    impl & s = *p_;
    s.clear_records();
    out.contig.clear();
    out.positions.clear();
    out.genotypes.n_sites = 0;
    out.genotypes.n_samples = s.samples.size();
    out.genotypes.g.clear();
    hts_ptr<bcf1_t> r = std::move(s.pending);
    if (!r)
    {
        r = detail::new_record();
        if (!s.read(r.get()))
            return false;
    }
    int const rid = r->rid;
    if (!s.seen_contigs.insert(rid).second)
        s.fail(s.where(r.get()) + ": contig '" + bcf_hdr_id2name(s.hdr.get(), rid) +
               "' appears again after another contig: the records are not sorted (bcftools sort)");
    out.contig = bcf_hdr_id2name(s.hdr.get(), rid);
    ++s.counts.contigs;
    std::int64_t last = -1;
    for (;;)
    {
        if (r->pos < last)
            s.fail(s.where(r.get()) + ": the records are not sorted: position " + std::to_string(r->pos + 1) +
                   " comes after " + std::to_string(last + 1) + " (bcftools sort)");
        if (r->pos == last)
            ++s.counts.duplicate_positions;
        last = r->pos;
        s.take(std::move(r), out);
        r = detail::new_record();
        if (!s.read(r.get()))
            break;
        if (r->rid != rid)
        {
            s.pending = std::move(r);
            break;
        }
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

struct vcf_writer::impl
{
    std::string target, temporary, index_target, index_temporary;
    hts_ptr<htsFile> fp;
    hts_ptr<bcf_hdr_t> hdr;
    bool committed = false;
    malloc_buffer<std::int32_t> gt;
    std::vector<float> ds, gp;

    ~impl()
    {
        // The file first (it may hold an index being built), then the header, then the temporaries.
        fp.reset();
        hdr.reset();
        if (!committed)
        {
            if (!temporary.empty())
                std::remove(temporary.c_str());
            if (!index_temporary.empty())
                std::remove(index_temporary.c_str());
        }
    }

    [[noreturn]] void fail(std::string const & what) const
    {
        throw_input_error(target == "-" ? std::string{"<stdout>"} : target, 0, what);
    }
};

namespace {

/// Declares a header line unless an equivalent one exists; a conflicting one is a user error.
void declare(bcf_hdr_t * h, int type, char const * id, int number, int vl, int ht, std::string const & line,
             std::string const & file)
{
    int const i = bcf_hdr_id2int(h, BCF_DT_ID, id);
    if (bcf_hdr_idinfo_exists(h, type, i))
    {
        bool const same = static_cast<int>(bcf_hdr_id2type(h, type, i)) == ht &&
                          static_cast<int>(bcf_hdr_id2length(h, type, i)) == vl &&
                          (vl != BCF_VL_FIXED || static_cast<int>(bcf_hdr_id2number(h, type, i)) == number);
        if (!same)
            throw_input_error(file, 0,
                              std::string{"the header declares "} + (type == BCF_HL_FMT ? "FORMAT/" : "INFO/") + id +
                                  " differently from emtk impute's " + line);
        return;
    }
    if (bcf_hdr_append(h, line.c_str()) != 0)
        throw_input_error(file, 0, "cannot add the header line " + line);
}

float round3(double v) { return static_cast<float>(std::nearbyint(v * 1000.0) / 1000.0); }

} // namespace

vcf_writer::vcf_writer(std::string path, vcf_reader const & reader, std::vector<std::string> const & header_lines,
                       int threads) :
    p_{std::make_unique<impl>()}
{
    impl & w = *p_;
    w.target = std::move(path);
    std::string mode = "w";
    int min_shift = -1; // no index
    if (w.target != "-")
    {
        if (ends_with(w.target, ".bcf"))
        {
            mode = "wb";
            min_shift = 14;
            w.index_target = w.target + ".csi";
        }
        else if (ends_with(w.target, ".gz"))
        {
            mode = "wz";
            min_shift = 0;
            w.index_target = w.target + ".tbi";
        }
        namespace fs = std::filesystem;
        fs::path const tp{w.target};
        fs::path dir = tp.parent_path();
        if (dir.empty())
            dir = ".";
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            w.fail("cannot write: directory '" + dir.string() + "' does not exist");
        if (fs::is_directory(tp, ec))
            w.fail("cannot write: is a directory");
    }
    if (w.target != "-" && output_suppressed())
    {
        // MPI ranks other than 0 (atomic_file.hpp): the same work, written nowhere.
        w.index_target.clear();
        min_shift = -1;
        w.fp.reset(hts_open("/dev/null", mode.c_str()));
    }
    else if (w.target != "-" && is_special_output(w.target))
    {
        // A device or a pipe (/dev/null, /dev/stdout, a FIFO): written in place, never renamed
        // onto (atomic_file.hpp), and not indexed.
        w.index_target.clear();
        min_shift = -1;
        w.fp.reset(hts_open(w.target.c_str(), mode.c_str()));
    }
    else if (w.target != "-")
    {
        namespace fs = std::filesystem;
        fs::path const tp{w.target};
        fs::path dir = tp.parent_path();
        if (dir.empty())
            dir = ".";
        std::string name{"."};
        name.append(tp.filename().string()).append(".tmp.XXXXXX"); // append: GCC 12 PR 105651
        std::string pattern = (dir / name).string();
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        int const fd = ::mkstemp(buf.data());
        if (fd < 0)
            w.fail(std::string{"cannot write: "} + std::strerror(errno));
        mode_t const mask = ::umask(0);
        ::umask(mask);
        ::fchmod(fd, static_cast<mode_t>(0666) & ~mask);
        ::close(fd);
        w.temporary = buf.data();
        if (!w.index_target.empty())
            w.index_temporary = w.temporary + (min_shift > 0 ? ".csi" : ".tbi");
    }
    if (!w.fp)
        w.fp.reset(hts_open(w.temporary.empty() ? "-" : w.temporary.c_str(), mode.c_str()));
    if (!w.fp)
        w.fail("cannot open for writing");
    if (threads > 1 && mode != "w")
        hts_set_threads(w.fp.get(), threads);
    w.hdr.reset(bcf_hdr_dup(reader.p_->hdr.get()));
    if (!w.hdr)
        w.fail("cannot copy the input header");
    std::string const in = shown(reader.path());
    declare(w.hdr.get(), BCF_HL_FMT, "GT", 1, BCF_VL_FIXED, BCF_HT_STR,
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">", in);
    declare(w.hdr.get(), BCF_HL_FMT, "DS", 1, BCF_VL_FIXED, BCF_HT_REAL,
            "##FORMAT=<ID=DS,Number=1,Type=Float,Description=\"Expected ALT allele dosage P(0/1)+2P(1/1) "
            "(emtk impute; observed genotypes: their allele count)\">",
            in);
    declare(w.hdr.get(), BCF_HL_FMT, "GP", 0, BCF_VL_G, BCF_HT_REAL,
            "##FORMAT=<ID=GP,Number=G,Type=Float,Description=\"Genotype posterior probabilities of 0/0, 0/1, 1/1 "
            "(emtk impute; observed genotypes: 1 for the observed one)\">",
            in);
    declare(w.hdr.get(), BCF_HL_INFO, "AF", 0, BCF_VL_A, BCF_HT_REAL,
            "##INFO=<ID=AF,Number=A,Type=Float,Description=\"Estimated ALT allele frequency (observed genotypes "
            "and imputed dosages)\">",
            in);
    declare(w.hdr.get(), BCF_HL_INFO, "IMP_R2", 1, BCF_VL_FIXED, BCF_HT_REAL,
            "##INFO=<ID=IMP_R2,Number=1,Type=Float,Description=\"Estimated squared correlation between imputed "
            "dosage and true genotype over the imputed genotypes (like Beagle's DR2)\">",
            in);
    declare(w.hdr.get(), BCF_HL_INFO, "IMP_N", 1, BCF_VL_FIXED, BCF_HT_INT,
            "##INFO=<ID=IMP_N,Number=1,Type=Integer,Description=\"Number of genotypes imputed at this site\">", in);
    for (auto const & l : header_lines)
        if (bcf_hdr_append(w.hdr.get(), l.c_str()) != 0)
            w.fail("cannot add the header line " + l);
    if (bcf_hdr_sync(w.hdr.get()) != 0)
        w.fail("cannot build the output header");
    if (bcf_hdr_write(w.fp.get(), w.hdr.get()) != 0)
        w.fail("cannot write the header");
    if (min_shift >= 0 && bcf_idx_init(w.fp.get(), w.hdr.get(), min_shift, w.index_temporary.c_str()) != 0)
        w.fail("cannot start the index");
}

vcf_writer::~vcf_writer() = default;

std::string vcf_writer::index_path() const { return p_->index_target; }

void vcf_writer::write_block(vcf_reader & reader, vcf_block const & block, std::span<float const> gp,
                             std::span<std::uint8_t const> phase)
{
    impl & w = *p_;
    auto & rd = *reader.p_;
    std::size_t const N = rd.samples.size();
    w.ds.resize(N);
    w.gp.resize(3 * N);
    std::size_t next = 0; // index of the next missing genotype in gp
    for (std::size_t k = 0; k < rd.records.size(); ++k)
    {
        bcf1_t * r = rd.records[k].get();
        std::int64_t const site = rd.site_of_record[k];
        if (site >= 0)
        {
            int const ngt = bcf_get_genotypes(w.hdr.get(), r, &w.gt.p, &w.gt.n);
            EMTK_ASSERT(ngt == static_cast<int>(2 * N), "modelled record lost its diploid GT");
            std::int8_t const * g = block.genotypes.g.data() + static_cast<std::size_t>(site) * N;
            // Phased record: every observed call phased (the second allele carries the flag).
            bool phased = true;
            for (std::size_t i = 0; i < N && phased; ++i)
                if (g[i] != missing_genotype)
                    phased = bcf_gt_is_phased(w.gt.p[2 * i + 1]);
            double alt = 0, sum_d = 0, sum_d2 = 0, sum_e2 = 0;
            int n_imp = 0;
            for (std::size_t i = 0; i < N; ++i)
            {
                float * q = w.gp.data() + 3 * i;
                if (g[i] != missing_genotype)
                {
                    // Observed: GT untouched, hard DS and GP.
                    q[0] = q[1] = q[2] = 0.0f;
                    q[g[i]] = 1.0f;
                    w.ds[i] = static_cast<float>(g[i]);
                    alt += g[i];
                    continue;
                }
                EMTK_ASSERT(3 * next + 2 < gp.size(), "fewer imputed genotypes than missing ones");
                double const p0 = gp[3 * next], p1 = gp[3 * next + 1], p2 = gp[3 * next + 2];
                std::uint8_t const ph = phase.empty() ? phase_unknown : phase[next];
                ++next;
                double const d = p1 + 2 * p2;
                int const best = (p1 > p0 && p1 >= p2) ? 1 : (p2 > p0 && p2 > p1) ? 2 : 0;
                int a0 = best == 2 ? 1 : 0, a1 = best >= 1 ? 1 : 0;
                if (phased)
                {
                    // A heterozygote takes the model's haplotype draw when that is heterozygous too.
                    if (best == 1 && (ph == 1 || ph == 2))
                    {
                        a0 = ph & 1;
                        a1 = ph >> 1;
                    }
                    w.gt.p[2 * i] = bcf_gt_phased(a0);
                    w.gt.p[2 * i + 1] = bcf_gt_phased(a1);
                }
                else
                {
                    w.gt.p[2 * i] = bcf_gt_unphased(a0);
                    w.gt.p[2 * i + 1] = bcf_gt_unphased(a1);
                }
                q[0] = round3(p0);
                q[1] = round3(p1);
                q[2] = round3(p2);
                w.ds[i] = round3(d);
                alt += d;
                sum_d += d;
                sum_d2 += d * d;
                sum_e2 += p1 + 4 * p2;
                ++n_imp;
            }
            if (bcf_update_genotypes(w.hdr.get(), r, w.gt.p, static_cast<int>(2 * N)) != 0 ||
                bcf_update_format_float(w.hdr.get(), r, "DS", w.ds.data(), static_cast<int>(N)) != 0 ||
                bcf_update_format_float(w.hdr.get(), r, "GP", w.gp.data(), static_cast<int>(3 * N)) != 0)
                w.fail("cannot update the FORMAT fields of " + rd.where(r));
            float const af = static_cast<float>(std::nearbyint(alt / (2.0 * static_cast<double>(N)) * 1e6) / 1e6);
            std::int32_t const imp_n = n_imp;
            bcf_update_info_float(w.hdr.get(), r, "AF", &af, 1);
            bcf_update_info_int32(w.hdr.get(), r, "IMP_N", &imp_n, 1);
            if (n_imp > 0)
            {
                // DR2-like (Browning & Browning 2009): var(dosage) / E[var(genotype)] over the imputed genotypes.
                double const mean = sum_d / n_imp;
                double const num = sum_d2 - n_imp * mean * mean, den = sum_e2 - n_imp * mean * mean;
                float const r2 = den > 1e-12 ? round3(std::clamp(num / den, 0.0, 1.0)) : 0.0f;
                bcf_update_info_float(w.hdr.get(), r, "IMP_R2", &r2, 1);
            }
            else
                bcf_update_info_float(w.hdr.get(), r, "IMP_R2", nullptr, 0);
        }
        if (bcf_write(w.fp.get(), w.hdr.get(), r) != 0)
            w.fail("write failed (disk full?)");
    }
    EMTK_ASSERT(3 * next == gp.size(), "more imputed genotypes than missing ones");
    EMTK_ASSERT(phase.empty() || phase.size() == next, "one phase per imputed genotype");
}

void vcf_writer::commit()
{
    impl & w = *p_;
    if (!w.index_temporary.empty() && bcf_idx_save(w.fp.get()) != 0)
        w.fail("cannot write the index");
    int const rc = hts_close(w.fp.release());
    if (rc != 0)
        w.fail("write failed (disk full?)");
    if (w.temporary.empty())
    {
        w.committed = true;
        return;
    }
    if (std::rename(w.temporary.c_str(), w.target.c_str()) != 0)
        w.fail(std::string{"cannot rename the temporary file: "} + std::strerror(errno));
    w.temporary.clear();
    if (!w.index_temporary.empty())
    {
        // A stale index of the other kind would describe the previous file.
        std::remove((w.target + (ends_with(w.index_target, ".tbi") ? ".csi" : ".tbi")).c_str());
        if (std::rename(w.index_temporary.c_str(), w.index_target.c_str()) != 0)
            w.fail(std::string{"cannot rename the index: "} + std::strerror(errno));
    }
    w.committed = true;
}

} // namespace emtk::geno
