/// \file
/// \brief Window depth from BAM/CRAM through htslib, mosdepth's semantics (see depth.hpp).

#include "accumulator.hpp"
#include "windows.hpp"

#include <emtk/cov/depth.hpp>
#include <emtk/util/error.hpp>

#include <htslib/hts.h>
#include <htslib/hts_log.h>
#include <htslib/sam.h>
#include <htslib/thread_pool.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <unistd.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace emtk::cov {

namespace {

struct hts_closer
{
    void operator()(htsFile * f) const noexcept { hts_close(f); }
    void operator()(bam_hdr_t * h) const noexcept { sam_hdr_destroy(h); }
    void operator()(hts_idx_t * i) const noexcept { hts_idx_destroy(i); }
    void operator()(hts_itr_t * i) const noexcept { hts_itr_destroy(i); }
    void operator()(bam1_t * b) const noexcept { bam_destroy1(b); }
};
template <typename T>
using hts_ptr = std::unique_ptr<T, hts_closer>;

/// One open alignment file (a handle per worker).
struct alignment_file
{
    hts_ptr<htsFile> fp;
    hts_ptr<bam_hdr_t> hdr;
    hts_ptr<hts_idx_t> idx;
    bool cram = false;
};

alignment_file open_alignments(std::string const & path, depth_options const & opt, bool want_index,
                               htsThreadPool * pool)
{
    hts_set_log_level(HTS_LOG_OFF); // our messages only: one line per error
    alignment_file f;
    f.fp.reset(hts_open(path.c_str(), "r"));
    if (!f.fp)
        throw user_error(located_message(path, 0, std::string{"cannot open: "} + std::strerror(errno)));
    htsFormat const * fmt = hts_get_format(f.fp.get());
    if (fmt->category != sequence_data || (fmt->format != bam && fmt->format != cram && fmt->format != sam))
        throw user_error(located_message(path, 0, "not a BAM, CRAM or SAM file"));
    f.cram = fmt->format == cram;
    if (f.cram)
    {
        if (opt.reference.empty())
            throw option_input_error(located_message(path, 0, "CRAM input needs its reference: give " + field_name("reference") + " FASTA"));
        // An unreadable reference is reported before htslib sees it: htslib 1.16's
        // cram_load_reference loses its reference table when the file cannot be opened.
        if (::access(opt.reference.c_str(), R_OK) != 0 ||
            hts_set_fai_filename(f.fp.get(), opt.reference.c_str()) != 0)
            throw user_error(located_message(opt.reference, 0, "cannot use as the CRAM reference (FASTA with .fai)"));
        hts_set_opt(f.fp.get(), CRAM_OPT_DECODE_MD, 0);
        hts_set_opt(f.fp.get(), CRAM_OPT_REQUIRED_FIELDS,
                    SAM_QNAME | SAM_FLAG | SAM_RNAME | SAM_POS | SAM_MAPQ | SAM_CIGAR | SAM_RNEXT | SAM_PNEXT);
    }
    if (fmt->format == bam && fmt->compression == bgzf)
    {
        // A BAM cut short on a block boundary reads cleanly to its last block: the missing EOF
        // marker is the only sign.
        int const eof = hts_check_EOF(f.fp.get());
        if (eof == 0)
            throw user_error(located_message(path, 0, "truncated BAM: the BGZF end-of-file marker is missing"));
    }
    if (pool)
        hts_set_thread_pool(f.fp.get(), pool);
    f.hdr.reset(sam_hdr_read(f.fp.get()));
    if (!f.hdr)
        throw user_error(located_message(path, 0, "cannot read the header (not an alignment file, or corrupt)"));
    if (want_index)
        f.idx.reset(sam_index_load(f.fp.get(), path.c_str()));
    return f;
}

/// A held first mate of an overlapping proper pair.
struct held_mate
{
    std::vector<std::pair<std::int64_t, std::int32_t>> blocks; ///< (position, ±1) of its covered blocks
    std::int64_t stop = 0;
    bool single_op = false;
};

/// mosdepth's gen_start_ends: +1 at the start and −1 after the end of each run of M/=/X
/// operations not separated by D/N (adjacent operations merge; I/S/H/P do not move the position).
void covered_blocks(bam1_t const * b, std::vector<std::pair<std::int64_t, std::int32_t>> & out)
{
    out.clear();
    std::uint32_t const * cig = bam_get_cigar(b);
    std::uint32_t const n = b->core.n_cigar;
    std::int64_t pos = b->core.pos;
    if (n == 1 && bam_cigar_op(cig[0]) == BAM_CMATCH)
    {
        out.emplace_back(pos, 1);
        out.emplace_back(pos + bam_cigar_oplen(cig[0]), -1);
        return;
    }
    std::int64_t last_stop = -1;
    for (std::uint32_t i = 0; i < n; ++i)
    {
        int const type = bam_cigar_type(bam_cigar_op(cig[i])); // bit 1: query, bit 2: reference
        if (!(type & 2))
            continue;
        std::int64_t const len = bam_cigar_oplen(cig[i]);
        if (type & 1)
        {
            if (pos != last_stop)
            {
                out.emplace_back(pos, 1);
                if (last_stop != -1)
                    out.emplace_back(last_stop, -1);
            }
            last_stop = pos + len;
        }
        pos += len;
    }
    if (last_stop != -1)
        out.emplace_back(last_stop, -1);
}

/// Depth of one chromosome from its records, in order. Keeps the per-chromosome state.
class chrom_depth
{
public:
    chrom_depth(detail::chrom_windows const & w, depth_options const & opt, std::string const & path)
        : w_{w}, opt_{opt}, path_{path}, acc_{w.start, w.stop, w.length, w.begin, w.end, opt.by_bed.empty()}
    {
    }

    void add(bam1_t const * b)
    {
        ++counts_.records;
        std::uint16_t const flag = b->core.flag;
        std::int64_t const start = b->core.pos;
        if (start < last_start_)
            throw user_error(located_message(path_, 0, "not sorted by coordinate: read '" + std::string{bam_get_qname(b)} +
                                                           "' at " + w_.name + ":" + std::to_string(start + 1) +
                                                           " comes after " + w_.name + ":" +
                                                           std::to_string(last_start_ + 1) + " (samtools sort)"));
        last_start_ = start;
        if ((flag & opt_.exclude_flags) != 0 || (opt_.include_flags != 0 && (flag & opt_.include_flags) == 0))
        {
            ++counts_.filtered_flag;
            return;
        }
        if (b->core.qual < opt_.min_mapq)
        {
            ++counts_.filtered_mapq;
            return;
        }
        ++counts_.used;
        std::int64_t const stop = bam_endpos(b);
        counts_.aligned_bases += static_cast<std::uint64_t>(std::max<std::int64_t>(0, stop - start));
        acc_.advance(static_cast<std::uint64_t>(start));
        if (opt_.fast_mode)
        {
            acc_.add(static_cast<std::uint64_t>(start), 1);
            acc_.add(static_cast<std::uint64_t>(stop), -1);
            return;
        }
        covered_blocks(b, blocks_);
        if ((flag & BAM_FPROPER_PAIR) && !(flag & BAM_FSUPPLEMENTARY))
            pair_overlap(b, start, stop);
        for (auto const & [pos, v] : blocks_)
            acc_.add(static_cast<std::uint64_t>(pos), v);
    }

    [[nodiscard]] std::vector<std::int64_t> const & finish() { return acc_.finish(); }
    /// Per-base depths over the chromosome's range and its windows (after finish()).
    [[nodiscard]] depth_histogram const & bases() const noexcept { return acc_.bases(); }
    [[nodiscard]] depth_histogram const & window_bases() const noexcept { return acc_.window_bases(); }
    [[nodiscard]] std::vector<double> const & float_means() const noexcept { return acc_.float_means(); }
    [[nodiscard]] read_counts const & counts() const noexcept { return counts_; }

private:
    /// mosdepth's rule: hold the first mate of an overlapping pair; at the second, subtract the
    /// bases where both cover (pair depth 2) once.
    void pair_overlap(bam1_t const * b, std::int64_t start, std::int64_t stop)
    {
        std::int64_t const mpos = b->core.mpos;
        std::string const qname{bam_get_qname(b)};
        if (b->core.tid == b->core.mtid && stop > mpos &&
            (start < mpos || (start == mpos && held_.find(qname) == held_.end())))
        {
            held_mate & h = held_[qname];
            h.blocks = blocks_;
            h.stop = stop;
            h.single_op = b->core.n_cigar == 1;
            return;
        }
        auto it = held_.find(qname);
        if (it == held_.end())
            return;
        held_mate const mate = std::move(it->second);
        held_.erase(it);
        ++counts_.mate_overlaps;
        if (b->core.n_cigar == 1 && mate.single_op)
        {
            acc_.add(static_cast<std::uint64_t>(start), -1);
            acc_.add(static_cast<std::uint64_t>(mate.stop), 1);
            return;
        }
        events_ = blocks_;
        events_.insert(events_.end(), mate.blocks.begin(), mate.blocks.end());
        std::stable_sort(events_.begin(), events_.end(), [](auto const & x, auto const & y) { return x.first < y.first; });
        int depth = 0;
        std::int64_t last = 0;
        for (auto const & [pos, v] : events_)
        {
            if (v == -1 && depth == 2)
            {
                acc_.add(static_cast<std::uint64_t>(last), -1);
                acc_.add(static_cast<std::uint64_t>(pos), 1);
            }
            depth += v;
            last = pos;
        }
    }

    detail::chrom_windows const & w_;
    depth_options const & opt_;
    std::string const & path_;
    detail::depth_accumulator acc_;
    read_counts counts_;
    std::int64_t last_start_ = -1;
    std::vector<std::pair<std::int64_t, std::int32_t>> blocks_, events_;
    std::unordered_map<std::string, held_mate> held_;
};

[[noreturn]] void read_failed(std::string const & path, std::string const & chrom, int rc)
{
    throw user_error(located_message(path, 0, "cannot read a record" + (chrom.empty() ? "" : " on " + chrom) +
                                                  (rc == -4 ? " (out of memory)" : ": truncated or corrupt file")));
}

struct chrom_result
{
    std::vector<std::int64_t> sums;
    read_counts counts;
    depth_histogram bases, window_bases;
    std::vector<double> float_means;

    void take(chrom_depth & cd)
    {
        sums = cd.finish();
        float_means = cd.float_means();
        counts = cd.counts();
        bases = cd.bases();
        window_bases = cd.window_bases();
    }
};

chrom_result depth_indexed(alignment_file & f, detail::chrom_windows const & w, depth_options const & opt,
                           std::string const & path)
{
    hts_ptr<hts_itr_t> itr{sam_itr_queryi(f.idx.get(), w.tid, static_cast<hts_pos_t>(w.begin),
                                          static_cast<hts_pos_t>(w.end))};
    if (!itr)
        throw user_error(located_message(path, 0, "cannot query " + w.name + " in the index"));
    hts_ptr<bam1_t> b{bam_init1()};
    chrom_depth cd{w, opt, path};
    int rc;
    while ((rc = sam_itr_next(f.fp.get(), itr.get(), b.get())) >= 0)
        cd.add(b.get());
    if (rc < -1)
        read_failed(path, w.name, rc);
    chrom_result r;
    r.take(cd);
    return r;
}

} // namespace

window_table bam_window_depth(std::string const & path, depth_options const & opt)
{
    int const threads = std::max(1, opt.threads);
    bool const need_index = !opt.region.empty();
    // The first handle: header, index, and the sequential reader when there is no index.
    struct pool_holder
    {
        htsThreadPool p{nullptr, 0};
        ~pool_holder()
        {
            if (p.pool)
                hts_tpool_destroy(p.pool);
        }
    } pool;
    if (threads > 1)
    {
        pool.p.pool = hts_tpool_init(threads);
        if (!pool.p.pool)
            throw user_error("cannot start " + std::to_string(threads) + " htslib threads");
    }
    std::vector<alignment_file> handles;
    handles.push_back(open_alignments(path, opt, true, pool.p.pool ? &pool.p : nullptr));
    alignment_file & first = handles.front();
    bool const indexed = first.idx != nullptr;
    if (need_index && !indexed)
        throw option_input_error(located_message(path, 0, field_name("region") + " needs an index (.bai/.csi/.crai): run 'samtools index " +
                                                      path + "'"));

    std::vector<std::string> names;
    std::vector<std::uint64_t> lengths;
    for (int i = 0; i < first.hdr->n_targets; ++i)
    {
        names.emplace_back(sam_hdr_tid2name(first.hdr.get(), i));
        lengths.push_back(static_cast<std::uint64_t>(sam_hdr_tid2len(first.hdr.get(), i)));
    }
    if (names.empty())
        throw user_error(located_message(path, 0, "the header names no reference sequence (@SQ lines)"));
    std::vector<detail::chrom_windows> plan = detail::plan_windows(names, lengths, opt, path);

    std::vector<chrom_result> results(plan.size());
    if (indexed)
    {
        // Largest chromosomes first, for balance; results are stored by plan index.
        std::vector<std::size_t> order(plan.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return plan[a].end - plan[a].begin > plan[b].end - plan[b].begin;
        });
        int const workers = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), plan.size()));
        for (int t = 1; t < workers; ++t)
            handles.push_back(open_alignments(path, opt, true, pool.p.pool ? &pool.p : nullptr));
        std::vector<std::exception_ptr> errors(plan.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(workers) if (workers > 1)
        for (std::size_t k = 0; k < order.size(); ++k)
        {
            std::size_t const i = order[k];
            try
            {
#if defined(_OPENMP)
                alignment_file & f = handles[static_cast<std::size_t>(omp_get_thread_num())];
#else
                alignment_file & f = handles.front();
#endif
                if (!f.idx)
                    throw user_error(located_message(path, 0, "cannot load the index"));
                results[i] = depth_indexed(f, plan[i], opt, path);
            }
            catch (...)
            {
                errors[i] = std::current_exception();
            }
        }
        for (auto const & e : errors)
            if (e)
                std::rethrow_exception(e);
    }
    else
    {
        // One pass in file order: the records of each selected chromosome go to its accumulator.
        std::vector<int> plan_of_tid(names.size(), -1);
        for (std::size_t i = 0; i < plan.size(); ++i)
            plan_of_tid[static_cast<std::size_t>(plan[i].tid)] = static_cast<int>(i);
        hts_ptr<bam1_t> b{bam_init1()};
        std::unique_ptr<chrom_depth> current;
        int current_plan = -1, last_tid = -1;
        read_counts skipped;
        int rc;
        auto close_current = [&] {
            if (current)
            {
                results[static_cast<std::size_t>(current_plan)].take(*current);
                current.reset();
            }
        };
        while ((rc = sam_read1(first.fp.get(), first.hdr.get(), b.get())) >= 0)
        {
            int const tid = b->core.tid;
            if (tid < 0)
            {
                last_tid = static_cast<int>(names.size()); // unplaced reads come last in a sorted file
                continue;
            }
            if (tid != last_tid)
            {
                if (tid < last_tid)
                    throw user_error(located_message(path, 0, "not sorted by coordinate: read '" +
                                                                  std::string{bam_get_qname(b.get())} + "' on " +
                                                                  names[static_cast<std::size_t>(tid)] +
                                                                  " comes after records of a later reference (samtools sort)"));
                close_current();
                last_tid = tid;
                current_plan = plan_of_tid[static_cast<std::size_t>(tid)];
                if (current_plan >= 0)
                    current = std::make_unique<chrom_depth>(plan[static_cast<std::size_t>(current_plan)], opt, path);
            }
            if (current)
                current->add(b.get());
        }
        if (rc < -1)
            read_failed(path, "", rc);
        close_current();
        // Chromosomes without records: all windows 0.
        for (std::size_t i = 0; i < plan.size(); ++i)
            if (results[i].sums.empty())
                results[i].sums.assign(plan[i].start.size(), 0);
    }

    window_table t;
    t.source = path;
    for (std::size_t i = 0; i < plan.size(); ++i)
    {
        t.chrom_names.push_back(plan[i].name);
        t.chrom_length.push_back(plan[i].length);
        auto const & w = plan[i];
        for (std::size_t j = 0; j < w.start.size(); ++j)
        {
            t.chrom.push_back(static_cast<std::uint32_t>(i));
            t.start.push_back(w.start[j]);
            t.end.push_back(w.stop[j]);
            t.depth.push_back(static_cast<double>(results[i].sums[j]) / static_cast<double>(w.stop[j] - w.start[j]));
        }
        t.reads += results[i].counts;
        t.chrom_bases.push_back(std::move(results[i].bases));
        t.chrom_window_bases.push_back(std::move(results[i].window_bases));
        t.chrom_has_records.push_back(results[i].counts.records > 0);
        if (opt.by_bed.empty())
        {
            auto & m = results[i].float_means;
            m.resize(w.start.size(), 0.0); // a chromosome without records: all 0
            t.mosdepth_window_mean.insert(t.mosdepth_window_mean.end(), m.begin(), m.end());
        }
    }
    t.mean_read_span = t.reads.used ? static_cast<double>(t.reads.aligned_bases) / static_cast<double>(t.reads.used) : 0;
    return t;
}

} // namespace emtk::cov
