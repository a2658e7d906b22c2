/// \file
/// \brief Study and reference-panel reading and allele matching (panel.hpp). htslib stays here.

#include "hts_handles.hpp"

#include <emtk/geno/panel.hpp>
#include <emtk/util/error.hpp>

#include <htslib/hts.h>
#include <htslib/vcf.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace emtk::geno {

namespace {

// RAII for every htslib handle: detail::hts_ptr (hts_handles.hpp).
struct c_free
{
    void operator()(void * p) const noexcept { std::free(p); }
};
using hts_file_ptr = detail::hts_ptr<htsFile>;
using bcf_hdr_ptr = detail::hts_ptr<bcf_hdr_t>;
using bcf_rec_ptr = detail::hts_ptr<bcf1_t>;
using hts_idx_ptr = detail::hts_ptr<hts_idx_t>;

/// A growing int32 buffer filled by bcf_get_genotypes (malloc'ed by htslib).
struct gt_buffer
{
    std::unique_ptr<std::int32_t, c_free> p;
    int n = 0;
    int get(bcf_hdr_t const * h, bcf1_t * r)
    {
        std::int32_t * raw = p.release();
        int const k = bcf_get_genotypes(h, r, &raw, &n);
        p.reset(raw);
        return k;
    }
};

std::string shown(std::string const & path) { return path == "-" ? "<stdin>" : path; }

std::string where(std::string const & path, bcf_hdr_t const * h, bcf1_t const * r)
{
    return shown(path) + ": record " + bcf_seqname_safe(h, r) + ":" + std::to_string(r->pos + 1);
}

std::string strip_chr(std::string const & s) { return s.rfind("chr", 0) == 0 ? s.substr(3) : s; }

std::string upper(std::string s)
{
    for (auto & c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string complement(std::string const & s)
{
    std::string out(s.size(), 'N');
    for (std::size_t i = 0; i < s.size(); ++i)
    {
        char const c = s[s.size() - 1 - i];
        out[i] = c == 'A' ? 'T' : c == 'T' ? 'A' : c == 'C' ? 'G' : c == 'G' ? 'C' : '?';
    }
    return out;
}

/// Opens a VCF/BCF and reads its header; throws user_error naming the file.
std::pair<hts_file_ptr, bcf_hdr_ptr> open_vcf(std::string const & path, char const * what)
{
    hts_file_ptr f{hts_open(path.c_str(), "r")};
    if (!f)
        throw user_error(shown(path) + ": cannot open the " + what);
    auto const fmt = hts_get_format(f.get())->format;
    if (fmt != vcf && fmt != bcf)
        throw user_error(shown(path) + ": the " + what + " is not VCF or BCF");
    bcf_hdr_ptr h{bcf_hdr_read(f.get())};
    if (!h)
        throw user_error(shown(path) + ": cannot read the VCF/BCF header of the " + what);
    if (bcf_hdr_nsamples(h.get()) == 0)
        throw user_error(shown(path) + ": the " + what + " has no samples");
    if (bcf_hdr_id2int(h.get(), BCF_DT_ID, "GT") < 0)
        throw user_error(shown(path) + ": the " + what + "'s header declares no FORMAT/GT");
    return {std::move(f), std::move(h)};
}

/// Reads the next record; false at the end; throws on a truncated or malformed file.
bool read_record(htsFile * f, bcf_hdr_t * h, bcf1_t * r, std::string const & path, std::uint64_t after)
{
    int const rc = bcf_read(f, h, r);
    if (rc == -1)
        return false;
    if (rc < -1 || r->errcode)
        throw user_error(shown(path) + ": unreadable record after record " + std::to_string(after) +
                         " (truncated or malformed file)");
    return true;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Study

study_contig const * study_data::find(std::string const & panel_contig) const
{
    for (auto const & c : contigs)
        if (c.name == panel_contig)
            return &c;
    std::string const key = strip_chr(panel_contig);
    for (auto const & c : contigs)
        if (strip_chr(c.name) == key)
            return &c;
    return nullptr;
}

study_data read_study(std::string const & path)
{
    study_data out;
    out.path = path;
    auto [f, h] = open_vcf(path, "study VCF/BCF");
    std::size_t const N = static_cast<std::size_t>(bcf_hdr_nsamples(h.get()));
    for (std::size_t i = 0; i < N; ++i)
        out.samples.emplace_back(h->samples[i]);
    bcf_rec_ptr r{bcf_init()};
    gt_buffer gt;
    std::set<std::string> seen;
    while (read_record(f.get(), h.get(), r.get(), path, out.counts.records))
    {
        ++out.counts.records;
        bcf_unpack(r.get(), BCF_UN_STR);
        std::string const contig = bcf_seqname_safe(h.get(), r.get());
        if (out.contigs.empty() || out.contigs.back().name != contig)
        {
            if (!seen.insert(contig).second)
                throw user_error(where(path, h.get(), r.get()) + ": contig " + contig +
                                 " reappears after another contig (sort the study file)");
            out.contigs.push_back(study_contig{contig, {}, {}, {}, {}});
        }
        auto & c = out.contigs.back();
        std::int64_t const pos = r->pos + 1;
        if (!c.pos.empty() && pos < c.pos.back())
            throw user_error(where(path, h.get(), r.get()) + ": position is before the previous record's (" +
                             std::to_string(c.pos.back()) + "); sort the study file");
        if (r->n_allele != 2)
        {
            ++out.counts.multiallelic;
            continue;
        }
        int const k = gt.get(h.get(), r.get());
        if (k <= 0)
        {
            ++out.counts.no_gt;
            continue;
        }
        if (static_cast<std::size_t>(k) != 2 * N)
        {
            ++out.counts.non_diploid;
            continue;
        }
        std::size_t const base = c.g.size();
        c.g.resize(base + N);
        bool diploid = true;
        for (std::size_t i = 0; i < N; ++i)
        {
            std::int32_t const a = gt.p.get()[2 * i], b = gt.p.get()[2 * i + 1];
            if (b == bcf_int32_vector_end)
            {
                diploid = false;
                break;
            }
            if (bcf_gt_is_missing(a) || bcf_gt_is_missing(b))
                c.g[base + i] = -1;
            else
                c.g[base + i] = static_cast<std::int8_t>((bcf_gt_allele(a) != 0) + (bcf_gt_allele(b) != 0));
        }
        if (!diploid)
        {
            c.g.resize(base);
            ++out.counts.non_diploid;
            continue;
        }
        ++out.counts.usable;
        c.pos.push_back(pos);
        c.ref.emplace_back(r->d.allele[0]);
        c.alt.emplace_back(r->d.allele[1]);
    }
    return out;
}

allele_match match_alleles(std::string const & study_ref, std::string const & study_alt, std::string const & panel_ref,
                           std::string const & panel_alt)
{
    std::string const sr = upper(study_ref), sa = upper(study_alt), pr = upper(panel_ref), pa = upper(panel_alt);
    if (sr == pr && sa == pa)
        return allele_match::same;
    if (sr == pa && sa == pr)
        return allele_match::swap;
    std::string const cr = complement(sr), ca = complement(sa);
    if (cr.find('?') != std::string::npos || ca.find('?') != std::string::npos)
        return allele_match::mismatch;
    if (cr == pr && ca == pa)
        return allele_match::flip;
    if (cr == pa && ca == pr)
        return allele_match::flip_swap;
    return allele_match::mismatch;
}

// ---------------------------------------------------------------------------------------------
// Panel

struct panel_reader::impl
{
    std::string path;
    hts_file_ptr file;
    bcf_hdr_ptr hdr;
    bcf_rec_ptr rec{bcf_init()};
    gt_buffer gt;
    std::size_t haps = 0;
    panel_counts counts;
    std::string contig;
    std::int64_t last_pos = 0;
    std::set<std::string> seen;
    std::vector<panel_marker> split; ///< the markers of a split record not yet returned
    std::size_t split_next = 0;
    std::vector<std::uint8_t> allele; ///< each haplotype's allele index of the current record
};

panel_reader::panel_reader(std::string path) : p_{std::make_unique<impl>()}
{
    p_->path = std::move(path);
    if (p_->path == "-")
        throw option_input_error(field_name("ref") + ": the panel cannot be read from stdin (it needs an index)");
    auto [f, h] = open_vcf(p_->path, "reference panel");
    // The panel must be indexed (as for every imputation server): a bgzipped VCF with .tbi/.csi or
    // a BCF with .csi. The index is only checked here; the panel is then read sequentially.
    {
        hts_idx_ptr idx{hts_idx_load3(p_->path.c_str(), nullptr, HTS_FMT_CSI, HTS_IDX_SILENT_FAIL)};
        if (!idx)
        {
            hts_idx_ptr tidx{hts_idx_load3(p_->path.c_str(), nullptr, HTS_FMT_TBI, HTS_IDX_SILENT_FAIL)};
            if (!tidx)
                throw user_error(p_->path + ": the reference panel has no index (.tbi or .csi) beside it; "
                                 "bgzip it and run 'bcftools index' (or 'tabix -p vcf')");
        }
    }
    p_->file = std::move(f);
    p_->hdr = std::move(h);
    p_->haps = 2 * static_cast<std::size_t>(bcf_hdr_nsamples(p_->hdr.get()));
}

panel_reader::~panel_reader() = default;

std::size_t panel_reader::haplotypes() const noexcept { return p_->haps; }
std::string const & panel_reader::path() const noexcept { return p_->path; }
panel_counts const & panel_reader::counts() const noexcept { return p_->counts; }

std::int64_t panel_reader::contig_length(std::string const & contig) const
{
    int const rid = bcf_hdr_name2id(p_->hdr.get(), contig.c_str());
    if (rid < 0)
        return 0;
    auto const len = p_->hdr->id[BCF_DT_CTG][rid].val->info[0];
    return len > 0 ? static_cast<std::int64_t>(len) : 0;
}

bool panel_reader::next(std::string & contig, panel_marker & out)
{
    impl & p = *p_;
    if (p.split_next < p.split.size())
    {
        out = std::move(p.split[p.split_next++]);
        contig = p.contig;
        return true;
    }
    bcf_hdr_t * h = p.hdr.get();
    bcf1_t * r = p.rec.get();
    for (;;)
    {
        if (!read_record(p.file.get(), h, r, p.path, p.counts.records))
            return false;
        ++p.counts.records;
        bcf_unpack(r, BCF_UN_STR);
        std::string const name = bcf_seqname_safe(h, r);
        std::int64_t const pos = r->pos + 1;
        if (name != p.contig)
        {
            if (!p.seen.insert(name).second)
                throw user_error(where(p.path, h, r) + ": contig " + name +
                                 " reappears after another contig: the reference panel is not sorted");
            p.contig = name;
        }
        else if (pos < p.last_pos)
            throw user_error(where(p.path, h, r) + ": position is before the previous record's (" +
                             std::to_string(p.last_pos) + "): the reference panel is not sorted");
        p.last_pos = pos;
        if (r->n_allele < 2)
        {
            ++p.counts.no_alt;
            continue;
        }
        int const k = p.gt.get(h, r);
        if (k <= 0)
            throw user_error(where(p.path, h, r) + ": the reference panel record has no GT");
        if (static_cast<std::size_t>(k) != p.haps)
            throw user_error(where(p.path, h, r) + ": expected diploid calls in the reference panel");
        p.allele.resize(p.haps);
        std::int32_t const * g = p.gt.p.get();
        for (std::size_t i = 0; i < p.haps; i += 2)
        {
            std::int32_t const a = g[i], b = g[i + 1];
            if (b == bcf_int32_vector_end)
                throw user_error(where(p.path, h, r) + ": sample " + h->samples[i / 2] +
                                 " has a haploid call; expected diploid phased calls in the reference panel");
            if (bcf_gt_is_missing(a) || bcf_gt_is_missing(b))
                throw user_error(where(p.path, h, r) + ": sample " + h->samples[i / 2] +
                                 " has a missing allele; the reference panel must be complete");
            if (!bcf_gt_is_phased(b))
                throw user_error(where(p.path, h, r) + ": sample " + h->samples[i / 2] +
                                 " is unphased; the reference panel must be phased ('0|1')");
            int const aa = bcf_gt_allele(a), bb = bcf_gt_allele(b);
            if (aa >= r->n_allele || bb >= r->n_allele)
                throw user_error(where(p.path, h, r) + ": sample " + h->samples[i / 2] + " has an allele index beyond ALT");
            p.allele[i] = static_cast<std::uint8_t>(aa);
            p.allele[i + 1] = static_cast<std::uint8_t>(bb);
        }
        std::uint32_t const n_alleles = static_cast<std::uint32_t>(r->n_allele);
        if (n_alleles > 255)
            throw user_error(where(p.path, h, r) + ": more than 254 ALT alleles");
        p.split.resize(n_alleles - 1);
        for (std::uint32_t a = 1; a < n_alleles; ++a)
        {
            panel_marker & m = p.split[a - 1];
            m.pos = pos;
            m.id = r->d.id ? r->d.id : ".";
            m.ref = r->d.allele[0];
            m.alt = r->d.allele[a];
            m.allele = a;
            m.alleles = n_alleles;
            m.bits.assign((p.haps + 63) / 64, 0);
            m.alt_count = 0;
            for (std::size_t i = 0; i < p.haps; ++i)
                if (p.allele[i] == a)
                {
                    m.bits[i / 64] |= std::uint64_t{1} << (i % 64);
                    ++m.alt_count;
                }
        }
        p.counts.multiallelic += n_alleles > 2;
        p.counts.markers += n_alleles - 1;
        p.split_next = 1;
        out = std::move(p.split[0]);
        contig = name;
        return true;
    }
}

} // namespace emtk::geno
