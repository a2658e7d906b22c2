/// \file
/// \brief `emtk impute --ref` pipeline (ref_impute.hpp): panel windows, matching, phasing, ε by EM,
/// imputation, output. htslib only in the output writer below and in panel.cpp.

#include "hts_handles.hpp"

#include <emtk/em/fit.hpp>
#include <emtk/geno/genetic_map.hpp>
#include <emtk/geno/panel.hpp>
#include <emtk/geno/ref_hmm.hpp>
#include <emtk/geno/ref_impute.hpp>
#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <htslib/hts.h>
#include <htslib/vcf.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <iterator>
#include <optional>

namespace emtk::geno {

namespace {

bool ends_with(std::string const & s, std::string const & suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

float round3(double x) { return static_cast<float>(std::nearbyint(x * 1000.0) / 1000.0); }

// ---------------------------------------------------------------------------------------------
// Output (htslib handles owned by detail::hts_ptr, hts_handles.hpp; files through atomic_output_file).

class ref_writer
{
public:
    ref_writer(std::string const & path, study_data const & study, panel_reader const & panel,
               std::vector<std::string> const & extra)
        : path_{path}
    {
        std::string mode = "w";
        int min_shift = -1;
        if (path != "-")
        {
            if (ends_with(path, ".bcf"))
            {
                mode = "wb";
                min_shift = 14;
                index_ = path + ".csi";
            }
            else if (ends_with(path, ".gz"))
            {
                mode = "wz";
                min_shift = 0;
                index_ = path + ".tbi";
            }
            out_.emplace(path);
            if (!index_.empty())
                idx_.emplace(index_);
        }
        std::string const target = out_ ? out_->temporary() : std::string{"-"};
        fp_.reset(hts_open(target.empty() ? "-" : target.c_str(), mode.c_str()));
        if (!fp_)
            fail("cannot open for writing");
        hdr_.reset(bcf_hdr_init("w"));
        std::vector<std::string> lines;
        for (auto const & c : study.contigs)
        {
            std::int64_t len = panel.contig_length(c.name);
            if (len == 0)
                len = panel.contig_length(c.name.rfind("chr", 0) == 0 ? c.name.substr(3) : "chr" + c.name);
            lines.push_back("##contig=<ID=" + c.name + (len > 0 ? ",length=" + std::to_string(len) : "") + ">");
        }
        lines.emplace_back("##INFO=<ID=AF,Number=A,Type=Float,Description=\"Estimated ALT allele frequency in the "
                           "study (mean dosage / 2)\">");
        lines.emplace_back("##INFO=<ID=IMP_R2,Number=A,Type=Float,Description=\"Estimated squared correlation "
                           "between dosage and true genotype (like Beagle's DR2)\">");
        lines.emplace_back("##INFO=<ID=IMP,Number=0,Type=Flag,Description=\"Imputed marker (no allele of it typed "
                           "in the study)\">");
        lines.emplace_back("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype (phased)\">");
        lines.emplace_back("##FORMAT=<ID=DS,Number=A,Type=Float,Description=\"Expected dosage of each ALT allele\">");
        lines.emplace_back("##FORMAT=<ID=GP,Number=G,Type=Float,Description=\"Genotype posterior probabilities (VCF "
                           "order: 0/0, 0/1, 1/1, 0/2, 1/2, 2/2, ...)\">");
        lines.push_back("##emtk_imputeReference=" + panel.path());
        for (auto const & l : extra)
            lines.push_back(l);
        for (auto const & l : lines)
            if (bcf_hdr_append(hdr_.get(), l.c_str()) != 0)
                fail("cannot add the header line " + l);
        for (auto const & s : study.samples)
            if (bcf_hdr_add_sample(hdr_.get(), s.c_str()) != 0)
                fail("cannot add sample " + s);
        if (bcf_hdr_sync(hdr_.get()) != 0 || bcf_hdr_write(fp_.get(), hdr_.get()) != 0)
            fail("cannot write the header");
        if (min_shift >= 0 && bcf_idx_init(fp_.get(), hdr_.get(), min_shift, idx_->temporary().c_str()) != 0)
            fail("cannot start the index");
        rec_.reset(bcf_init());
        N_ = study.samples.size();
        gt_.resize(2 * N_);
    }

    /// Takes one marker; p holds P(ALT) of the 2N haplotypes, `obs` the observed (oriented)
    /// genotypes with their phase (h1, h2) or null for an untyped marker. The ALT alleles of a
    /// split multiallelic record (panel.hpp) are collected and written as one record after the last.
    void write(std::string const & contig, panel_marker const & m, float const * p, std::int8_t const * obs,
               std::int8_t const * h1, std::int8_t const * h2)
    {
        if (m.allele == 1)
        {
            alts_.clear();
            q_.clear();
            any_typed_ = false;
        }
        alts_.push_back(m.alt);
        any_typed_ = any_typed_ || obs;
        // Observed haplotypes enter with their allele (probability 0 or 1), marked by t_.
        std::size_t const base = q_.size();
        q_.resize(base + 2 * N_);
        t_.resize(base + 2 * N_);
        for (std::size_t i = 0; i < N_; ++i)
        {
            bool const seen = obs && obs[i] >= 0;
            q_[base + 2 * i] = seen ? static_cast<float>(h1[i]) : p[2 * i];
            q_[base + 2 * i + 1] = seen ? static_cast<float>(h2[i]) : p[2 * i + 1];
            t_[base + 2 * i] = t_[base + 2 * i + 1] = seen;
        }
        if (m.allele + 1 == m.alleles)
            emit(contig, m);
    }

    /// Per haplotype, the allele probabilities of a split record: an observed ALT (t_ set, q_ = 1)
    /// excludes the others; otherwise the imputed P(ALT k) are scaled to sum to at most 1
    /// (each ALT was imputed as its own biallelic marker) and REF takes the rest.
    void allele_probs(std::size_t h, std::size_t A, double * v) const
    {
        double sum = 0;
        std::size_t seen_alt = A;
        for (std::size_t k = 0; k < A; ++k)
        {
            v[k + 1] = q_[k * 2 * N_ + h];
            sum += v[k + 1];
            if (t_[k * 2 * N_ + h] && v[k + 1] > 0.5)
                seen_alt = k;
        }
        if (seen_alt < A)
        {
            for (std::size_t k = 0; k < A; ++k)
                v[k + 1] = k == seen_alt ? 1.0 : 0.0;
            sum = 1;
        }
        else if (sum > 1)
        {
            for (std::size_t k = 0; k < A; ++k)
                v[k + 1] /= sum;
            sum = 1;
        }
        v[0] = 1 - sum;
    }

    /// Writes the collected record: GT (each haplotype's most probable allele; REF unless an ALT
    /// reaches 0.5 or exceeds REF), DS and AF per ALT, GP in VCF order, IMP_R2 per ALT.
    void emit(std::string const & contig, panel_marker const & m)
    {
        std::size_t const A = alts_.size(), G = (A + 1) * (A + 2) / 2;
        bcf1_t * r = rec_.get();
        bcf_clear(r);
        r->rid = bcf_hdr_name2id(hdr_.get(), contig.c_str());
        EMTK_ASSERT(r->rid >= 0, "output contig not declared");
        r->pos = m.pos - 1;
        bcf_float_set_missing(r->qual);
        std::string alleles = m.ref;
        for (auto const & x : alts_)
            alleles.append(",").append(x);
        bcf_update_id(hdr_.get(), r, m.id.c_str());
        bcf_update_alleles_str(hdr_.get(), r, alleles.c_str());
        ds_.resize(A * N_);
        gp_.resize(G * N_);
        std::vector<double> sum_d(A, 0.0), sum_d2(A, 0.0), sum_e2(A, 0.0), v1(A + 1), v2(A + 1);
        for (std::size_t i = 0; i < N_; ++i)
        {
            allele_probs(2 * i, A, v1.data());
            allele_probs(2 * i + 1, A, v2.data());
            auto pick = [&](std::vector<double> const & v) {
                std::size_t best = 1;
                for (std::size_t k = 2; k <= A; ++k)
                    if (v[k] > v[best])
                        best = k;
                return (v[best] >= 0.5 || v[best] > v[0]) ? static_cast<int>(best) : 0;
            };
            gt_[2 * i] = bcf_gt_phased(pick(v1));
            gt_[2 * i + 1] = bcf_gt_phased(pick(v2));
            float * q = gp_.data() + G * i;
            for (std::size_t k = 0; k < A; ++k)
            {
                double const p1 = v1[k + 1], p2 = v2[k + 1], d = p1 + p2;
                double const g0 = (1 - p1) * (1 - p2), g2 = p1 * p2, g1 = 1 - g0 - g2;
                if (A == 1)
                {
                    q[0] = round3(g0);
                    q[1] = round3(g1);
                    q[2] = round3(g2);
                }
                ds_[i * A + k] = round3(d);
                sum_d[k] += d;
                sum_d2[k] += d * d;
                sum_e2[k] += g1 + 4 * g2;
            }
            if (A > 1)
                for (std::size_t b = 0; b <= A; ++b)
                    for (std::size_t a = 0; a <= b; ++a)
                        q[b * (b + 1) / 2 + a] = round3(a == b ? v1[a] * v2[a] : v1[a] * v2[b] + v1[b] * v2[a]);
        }
        std::vector<float> af(A), r2(A);
        double const n = static_cast<double>(N_);
        for (std::size_t k = 0; k < A; ++k)
        {
            double const mean = sum_d[k] / n;
            double const num = sum_d2[k] - n * mean * mean, den = sum_e2[k] - n * mean * mean;
            af[k] = static_cast<float>(std::nearbyint(mean / 2 * 1e4) / 1e4);
            r2[k] = den > 1e-12 ? round3(std::clamp(num / den, 0.0, 1.0)) : 0.0f;
        }
        int const nA = static_cast<int>(A);
        if (bcf_update_info_float(hdr_.get(), r, "AF", af.data(), nA) != 0 ||
            bcf_update_info_float(hdr_.get(), r, "IMP_R2", r2.data(), nA) != 0 ||
            (!any_typed_ && bcf_update_info_flag(hdr_.get(), r, "IMP", nullptr, 1) != 0) ||
            bcf_update_genotypes(hdr_.get(), r, gt_.data(), static_cast<int>(2 * N_)) != 0 ||
            bcf_update_format_float(hdr_.get(), r, "DS", ds_.data(), static_cast<int>(A * N_)) != 0 ||
            bcf_update_format_float(hdr_.get(), r, "GP", gp_.data(), static_cast<int>(G * N_)) != 0)
            fail("cannot build the record at " + contig + ":" + std::to_string(m.pos));
        if (bcf_write(fp_.get(), hdr_.get(), r) != 0)
            fail("write failed (disk full?)");
    }

    void commit()
    {
        if (idx_ && bcf_idx_save(fp_.get()) != 0)
            fail("cannot write the index");
        if (hts_close(fp_.release()) != 0)
            fail("write failed (disk full?)");
        if (out_)
            out_->commit();
        if (idx_)
        {
            // A stale index of the other kind would describe the previous file.
            std::remove((path_ + (ends_with(index_, ".tbi") ? ".csi" : ".tbi")).c_str());
            idx_->commit();
        }
    }

    [[nodiscard]] std::string const & index() const noexcept { return index_; }

private:
    [[noreturn]] void fail(std::string const & what) const { throw user_error(path_ + ": " + what); }
    std::string path_, index_;
    std::optional<atomic_output_file> out_, idx_;
    detail::hts_ptr<htsFile> fp_;
    detail::hts_ptr<bcf_hdr_t> hdr_;
    detail::hts_ptr<bcf1_t> rec_;
    std::size_t N_ = 0;
    std::vector<std::int32_t> gt_;
    std::vector<float> ds_, gp_;
    std::vector<std::string> alts_; ///< ALT alleles of the record being collected
    std::vector<float> q_;          ///< per ALT, 2N haplotype probabilities of that ALT
    std::vector<char> t_;           ///< per ALT and haplotype: observed (q_ is 0 or 1)
    bool any_typed_ = false;
};

// ---------------------------------------------------------------------------------------------
// ε by EM over the study haplotypes (em::fit).

/// θ of the window's EM: the mismatch rate ε and, with ref_impute_options::fit_ne, Ne of the jump
/// rates.
struct eps_params
{
    double eps = 1e-3;
    double ne = 1e5;
};

/// Expected mismatches and observed alleles (ε), and with fit_ne the expected jumps at each typed
/// marker summed over the haplotypes (Ne).
struct eps_stats
{
    double mismatches = 0, observed = 0, haps = 0;
    std::vector<double> jumps;
    eps_stats & operator+=(eps_stats const & o)
    {
        mismatches += o.mismatches;
        observed += o.observed;
        haps += o.haps;
        for (std::size_t t = 0; t < o.jumps.size(); ++t)
            jumps[t] += o.jumps[t];
        return *this;
    }
};

/// Items: the 2N study haplotypes of a window with their state sets. M-step: ε = E[mismatches] /
/// observed alleles (the exact maximiser of the expected complete log-likelihood); with `c`, Ne by
/// ref_fit_ne from the expected jumps (exact too: one concave equation).
struct eps_model
{
    using params_type = eps_params;
    using stats_type = eps_stats;
    ref_window const * w = nullptr;
    std::vector<std::int8_t> const * haps = nullptr; ///< 2N × K
    std::vector<state_sets> const * sets = nullptr;
    std::vector<double> const * c = nullptr;           ///< fit Ne: c_t = 0.04 d_t / H (else null)
    double ne_lo = 0, ne_hi = 0;                       ///< its bounds
    std::uint64_t id = 0;                              ///< unique per window (the per-thread ρ cache's key)
    double start = 1e-3, start_ne = 1e5;
    std::size_t items = 0;                             ///< the study haplotypes (the first of `sets`)
    [[nodiscard]] std::size_t item_count() const { return items; }
    [[nodiscard]] eps_stats make_stats(eps_params const &) const
    {
        eps_stats s;
        if (c)
            s.jumps.assign(w->typed, 0.0);
        return s;
    }
    /// The window with the jump rates of `ne` (the window itself at its own Ne). expect() must not
    /// change the model, so each thread keeps its own copy, rebuilt when the window or Ne changes.
    [[nodiscard]] ref_window const & window_at(double ne) const
    {
        if (!c || ne == start_ne)
            return *w;
        thread_local ref_window local;
        thread_local std::uint64_t local_id = 0;
        thread_local double local_ne = 0;
        if (local_id != id || local_ne != ne)
        {
            local = *w;
            local.rho = ref_jump_rates(*c, ne);
            local_id = id;
            local_ne = ne;
        }
        return local;
    }
    double expect(std::size_t i, eps_params const & p, eps_stats & s) const
    {
        std::span<std::int8_t const> const h{haps->data() + i * w->typed, w->typed};
        s.haps += 1;
        return ref_haploid_posteriors(window_at(p.ne), h, (*sets)[i], p.eps, {}, 0, s.mismatches, s.observed,
                                      s.jumps);
    }
    void maximize(eps_stats const & s, eps_params & p) const
    {
        if (s.observed > 0)
            p.eps = std::clamp(s.mismatches / s.observed, 1e-6, 0.5);
        if (c && s.haps > 0)
            p.ne = ref_fit_ne(*c, s.jumps, s.haps, ne_lo, ne_hi);
    }
    [[nodiscard]] double log_prior(eps_params const &) const { return 0; }
    void initialize(rng &, eps_params & p) const
    {
        p.eps = start;
        p.ne = start_ne;
    }
};

/// A key unique in the process for each eps_model with fit_ne (its per-thread window cache must
/// never take another window for this one, whichever pipeline or thread made it).
std::uint64_t next_model_id()
{
    static std::atomic<std::uint64_t> next{0};
    return ++next;
}

std::uint64_t salt_of(std::size_t haplotype, std::int64_t first_pos)
{
    return (static_cast<std::uint64_t>(haplotype) << 32) ^ static_cast<std::uint64_t>(first_pos);
}

/// The state of one contig's streaming.
struct contig_state
{
    std::string panel_name;
    study_contig const * study = nullptr;
    std::vector<char> used, pos_seen;
    std::size_t cursor = 0;    ///< first study marker at or after the last panel position
    bool first_window = true;
};

struct window_buffer
{
    std::vector<panel_marker> markers;
    std::vector<std::int32_t> match; ///< study marker index or −1
    std::vector<char> swapped;       ///< study genotype g becomes 2 − g
};

/// One window's data, filled step by step by pipeline::process (the steps below it).
struct window_data
{
    std::size_t n = 0;                      ///< markers of the window
    std::size_t core_begin = 0, core_end = 0; ///< the markers written by this window
    std::size_t N = 0, H = 0, K = 0;        ///< study samples, panel haplotypes, typed markers
    std::int64_t first_pos = 0;             ///< the window's first position (the state selections' salt)
    std::vector<std::size_t> typed;         ///< the typed markers' indices in the window
    std::vector<double> cm;                 ///< every marker's map position
    ref_window w;                           ///< the panel over the typed markers
    std::vector<double> c_rate;             ///< ρ_t = 1 − exp(−c_t Ne)
    std::vector<std::int8_t> G;             ///< genotypes (panel orientation), sample-major N × K
    std::vector<std::int8_t> haps;          ///< the phased study haplotypes, 2N × K
    std::vector<char> major_alt;            ///< per typed marker: ALT is the panel's majority allele
    ref_window wf;                          ///< with pbwt: the panel and the study haplotypes (the imputation's PBWT)
    std::size_t n_off = 1;                  ///< the imputation's block offsets (impute_offsets)
    std::size_t n_haps = 0;                 ///< 2N + the first stage's alternative haplotypes (state selection ids)
    // Interpolation (prepare_interpolation): flanking typed markers of every marker (ordinal in
    // `typed`), and the panel haplotypes carrying ALT at each core marker of low ALT count.
    std::vector<std::size_t> lo, hi;
    std::vector<std::uint32_t> carriers, carrier_begin;
    std::vector<char> has_carriers;
};

/// phase_mix: an uncertain switch of sample `sample` between its heterozygotes ta < tb (ordinals
/// in `typed`).
struct mix_pair
{
    std::size_t sample, ta, tb;
};

/// An alternative haplotype of a sample: the allele at typed marker t from the sample's haplotype
/// from[t] (0: h1, 1: h2).
struct alt_hap
{
    std::size_t sample = 0;
    std::vector<char> from;
};

/// The alleles of alternative haplotypes (alts.size() × K) from the study haplotypes `haps`.
std::vector<std::int8_t> alt_alleles(std::vector<std::int8_t> const & haps, std::size_t K,
                                     std::vector<alt_hap> const & alts)
{
    std::vector<std::int8_t> out(alts.size() * K);
    for (std::size_t a = 0; a < alts.size(); ++a)
        for (std::size_t t = 0; t < K; ++t)
            out[a * K + t] = haps[(2 * alts[a].sample + static_cast<std::size_t>(alts[a].from[t])) * K + t];
    return out;
}

/// The haplotypes one imputation call works on: the study's 2N (with_study) followed by the
/// alternative ones (`alts`, alleles `alleles`), or the alternative ones only.
struct hap_list
{
    bool with_study = true;
    std::vector<alt_hap> alts;
    std::vector<std::int8_t> alleles;
    [[nodiscard]] std::size_t study_count(std::size_t N) const { return with_study ? 2 * N : 0; }
};

/// Where the imputation puts haplotype h's P(ALT) at core markers [c_lo, c_hi): added to
/// dst[(c − c_lo) · stride].
struct impute_target
{
    std::size_t c_lo = 0, c_hi = 0;
    float * dst = nullptr;
    std::size_t stride = 1;
};

/// Each uncertain switch c adds two alternative haplotypes (2c and 2c + 1): h1's prefix with h2's
/// suffix from tb on, and the reverse.
std::vector<alt_hap> switched_pairs(std::vector<mix_pair> const & mix, std::size_t K)
{
    std::vector<alt_hap> alts(2 * mix.size());
    for (std::size_t c = 0; c < mix.size(); ++c)
        for (std::size_t k = 0; k < 2; ++k)
        {
            alts[2 * c + k].sample = mix[c].sample;
            alts[2 * c + k].from.resize(K);
            for (std::size_t t = 0; t < K; ++t)
                alts[2 * c + k].from[t] = static_cast<char>(t < mix[c].tb ? k : 1 - k);
        }
    return alts;
}

/// phase_mix_runs: the pairs (c, d) of uncertain switches of one sample, c < d ≤ c + max_gap.
std::vector<std::pair<std::size_t, std::size_t>> switch_runs(std::vector<mix_pair> const & mix, std::size_t max_gap)
{
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    for (std::size_t c = 0; c < mix.size(); ++c)
        for (std::size_t d = c + 1; d < mix.size() && d <= c + max_gap && mix[d].sample == mix[c].sample; ++d)
            runs.emplace_back(c, d);
    return runs;
}

/// Each run (c, d) adds two alternative haplotypes: the sample's pair with the heterozygotes from
/// switch c's tb up to (not including) switch d's tb exchanged.
void add_exchanged_runs(std::vector<alt_hap> & alts, std::vector<mix_pair> const & mix,
                        std::vector<std::pair<std::size_t, std::size_t>> const & runs, std::size_t K)
{
    for (auto const & [c, d] : runs)
        for (std::size_t k = 0; k < 2; ++k)
        {
            alt_hap x;
            x.sample = mix[c].sample;
            x.from.resize(K);
            for (std::size_t t = 0; t < K; ++t)
                x.from[t] = static_cast<char>(t >= mix[c].tb && t < mix[d].tb ? 1 - k : k);
            alts.push_back(std::move(x));
        }
}

/// Sets study haplotype h's bits (column H + h) in the rows of `x` from its alleles (a missing
/// allele as the panel's majority allele `major_alt[t]`).
void set_study_column(ref_window & x, std::size_t H, std::size_t h, std::int8_t const * alleles,
                      std::vector<char> const & major_alt)
{
    std::uint64_t const bit = std::uint64_t{1} << ((H + h) % 64);
    for (std::size_t t = 0; t < x.typed; ++t)
    {
        std::uint64_t & word = x.bits[t * x.words + (H + h) / 64];
        std::int8_t const a = alleles[t];
        word &= ~bit;
        if (a == 1 || (a < 0 && major_alt[t]))
            word |= bit;
    }
}

class pipeline
{
public:
    pipeline(ref_impute_options const & opt, study_data const & study, panel_reader & panel, genetic_map const & map,
             ref_writer & out, ref_impute_summary & sum)
        : opt_{opt}, study_{study}, panel_{panel}, map_{map}, out_{out}, sum_{sum}, eps_{opt.error}
    {}

    void run()
    {
        std::string contig;
        panel_marker m;
        while (panel_.next(contig, m))
        {
            if (contig != cs_.panel_name)
            {
                finish_contig();
                start_contig(contig);
            }
            if (!cs_.study)
                continue;
            add_marker(std::move(m));
            m = panel_marker{};
            if (buf_.markers.size() == opt_.window + 1)
            {
                process(false);
                std::size_t const drop = opt_.window - opt_.overlap;
                buf_.markers.erase(buf_.markers.begin(), buf_.markers.begin() + static_cast<std::ptrdiff_t>(drop));
                buf_.match.erase(buf_.match.begin(), buf_.match.begin() + static_cast<std::ptrdiff_t>(drop));
                buf_.swapped.erase(buf_.swapped.begin(), buf_.swapped.begin() + static_cast<std::ptrdiff_t>(drop));
                cs_.first_window = false;
            }
        }
        finish_contig();
        for (auto const & c : study_.contigs)
            if (!seen_contig(c))
            {
                sum_.contigs_not_in_panel.push_back(c.name);
                sum_.dropped_not_in_panel += c.pos.size();
            }
    }

private:
    bool seen_contig(study_contig const & c) const
    {
        return std::find(done_.begin(), done_.end(), &c) != done_.end();
    }

    void start_contig(std::string const & name)
    {
        cs_ = contig_state{};
        cs_.panel_name = name;
        cs_.study = study_.find(name);
        if (cs_.study && seen_contig(*cs_.study))
            cs_.study = nullptr; // two panel contigs map to one study contig ("1" and "chr1"): first wins
        if (!cs_.study)
            return;
        cs_.used.assign(cs_.study->pos.size(), 0);
        cs_.pos_seen.assign(cs_.study->pos.size(), 0);
        buf_ = window_buffer{};
    }

    void finish_contig()
    {
        if (!cs_.study)
            return;
        if (!buf_.markers.empty())
            process(true);
        for (std::size_t k = 0; k < cs_.used.size(); ++k)
            if (!cs_.used[k])
                ++(cs_.pos_seen[k] ? sum_.dropped_allele_mismatch : sum_.dropped_not_in_panel);
        done_.push_back(cs_.study);
        cs_.study = nullptr;
    }

    void add_marker(panel_marker && m)
    {
        auto const & sc = *cs_.study;
        while (cs_.cursor < sc.pos.size() && sc.pos[cs_.cursor] < m.pos)
            ++cs_.cursor;
        std::int32_t match = -1;
        char swapped = 0;
        for (std::size_t k = cs_.cursor; k < sc.pos.size() && sc.pos[k] == m.pos; ++k)
        {
            cs_.pos_seen[k] = 1;
            if (cs_.used[k])
                continue;
            auto const r = match_alleles(sc.ref[k], sc.alt[k], m.ref, m.alt);
            if (r == allele_match::mismatch)
                continue;
            cs_.used[k] = 1;
            match = static_cast<std::int32_t>(k);
            swapped = r == allele_match::swap || r == allele_match::flip_swap;
            ++sum_.matched;
            sum_.matched_swap += r == allele_match::swap;
            sum_.matched_flip += r == allele_match::flip;
            sum_.matched_flip_swap += r == allele_match::flip_swap;
            break;
        }
        buf_.markers.push_back(std::move(m));
        buf_.match.push_back(match);
        buf_.swapped.push_back(swapped);
    }

    /// Imputes the buffered window and writes its core markers: the window's typed markers
    /// (build_window), phasing (phase), the imputation's states (select_imputation_states), ε by EM
    /// (fit_error), the imputation with phase_mix's re-judged switches (impute_window), output
    /// (write_core).
    void process(bool last)
    {
        window_data wd = build_window(last);
        std::vector<mix_pair> const mix = phase(wd);
        // The imputation's states (per block offset, see impute_offsets): with `pbwt`, the panel
        // haplotypes with the longest matches with each study haplotype first (a PBWT over the
        // panel and the study's final haplotypes, a missing allele as the panel's majority allele;
        // only panel haplotypes are chosen).
        wd.n_off = wd.K > 0 ? std::max<std::size_t>(1, opt_.impute_offsets) : 1;
        hap_list first;
        first.alts = switched_pairs(mix, wd.K);
        auto const runs = switch_runs(mix, opt_.phase_mix_runs);
        add_exchanged_runs(first.alts, mix, runs, wd.K);
        first.alleles = alt_alleles(wd.haps, wd.K, first.alts);
        wd.n_haps = 2 * wd.N + first.alts.size();
        if (opt_.pbwt > 0 && wd.K > 0)
            wd.wf = with_study_haplotypes(wd, true);
        std::vector<state_sets> sets;
        (void)select_imputation_states(wd, 0, sets, first);
        fit_error(wd, sets);
        prepare_interpolation(wd);
        std::vector<float> prob((wd.core_end - wd.core_begin) * 2 * wd.N, 0.0f);
        impute_window(wd, mix, runs, first, sets, prob);
        write_core(wd, prob);
    }

    /// The window's typed markers, their genotypes (panel orientation), map positions and the
    /// panel over them with its jump rates at opt_.ne.
    window_data build_window(bool last)
    {
        auto const & M = buf_.markers;
        auto const & sc = *cs_.study;
        window_data wd;
        wd.n = last ? M.size() : opt_.window;
        std::size_t const n = wd.n, half = opt_.overlap / 2;
        wd.core_begin = cs_.first_window ? 0 : half;
        wd.core_end = last ? n : n - opt_.overlap + half;
        wd.N = study_.samples.size();
        wd.H = panel_.haplotypes();
        std::size_t const N = wd.N, H = wd.H;
        for (std::size_t i = 0; i < n; ++i)
            if (buf_.match[i] >= 0)
                wd.typed.push_back(i);
        std::size_t const K = wd.K = wd.typed.size();
        wd.first_pos = M.front().pos;
        std::vector<std::int64_t> bp(n);
        for (std::size_t i = 0; i < n; ++i)
            bp[i] = M[i].pos;
        wd.cm = map_.positions_cm(sc.name, bp);
        ref_window & w = wd.w;
        w.haps = H;
        w.words = (H + 63) / 64;
        w.typed = K;
        w.block = opt_.block;
        w.edge_context = opt_.edge_context;
        w.first_end = cs_.first_window;
        w.last_end = last;
        w.bits.resize(K * w.words);
        w.rho.assign(K, 0.0);
        wd.c_rate.assign(K, 0.0);
        wd.G.resize(N * K);
        wd.major_alt.resize(K);
        for (std::size_t t = 0; t < K; ++t)
        {
            std::size_t const i = wd.typed[t];
            std::copy(M[i].bits.begin(), M[i].bits.end(), w.bits.begin() + static_cast<std::ptrdiff_t>(t * w.words));
            if (t > 0)
            {
                double const d = std::max(0.0, wd.cm[i] - wd.cm[wd.typed[t - 1]]);
                wd.c_rate[t] = 0.04 * d / static_cast<double>(H);
                w.rho[t] = -std::expm1(-wd.c_rate[t] * opt_.ne);
            }
            std::int8_t const * g = sc.g.data() + static_cast<std::size_t>(buf_.match[i]) * N;
            for (std::size_t s = 0; s < N; ++s)
                wd.G[s * K + t] = (g[s] >= 0 && buf_.swapped[i]) ? static_cast<std::int8_t>(2 - g[s]) : g[s];
            wd.major_alt[t] = 2 * M[i].alt_count > H;
        }
        return wd;
    }

    /// The panel's rows over the typed markers, followed with `study` by the study's 2N haplotypes
    /// (a missing allele as the panel's majority allele).
    static ref_window with_study_haplotypes(window_data const & wd, bool study)
    {
        ref_window x = wd.w;
        x.haps = wd.H + (study ? 2 * wd.N : 0);
        x.words = (x.haps + 63) / 64;
        x.bits.assign(wd.K * x.words, 0);
        for (std::size_t t = 0; t < wd.K; ++t)
            std::copy_n(wd.w.bits.data() + t * wd.w.words, wd.w.words, x.bits.data() + t * x.words);
        for (std::size_t h = 0; study && h < 2 * wd.N; ++h)
            set_study_column(x, wd.H, h, wd.haps.data() + h * wd.K, wd.major_alt);
        return x;
    }

    /// Phases the window's samples into wd.haps. Round 1: states from the genotypes' opposite
    /// homozygotes with the panel haplotypes. Later rounds: the templates are the panel haplotypes
    /// and the study's haplotypes of the previous round (as Beagle and SHAPEIT iterate), but never
    /// the sample's own two. The pairs' states are the templates that match the current phasing's
    /// two haplotypes best (haploid IBS), half from each; the opposite-homozygote counts of round 1
    /// cannot tell the two haplotypes' matches apart. After `phase_rounds` Viterbi rounds,
    /// `switch_passes` passes of single-switch refinement (ref_phase_switches: linear in the
    /// states, so each haplotype gets `switch_states` of them). Every sample of a round reads the
    /// same snapshot, so the result does not depend on the order of the samples or the threads.
    /// Returns phase_mix's uncertain switches (sample-major, increasing).
    std::vector<mix_pair> phase(window_data & wd)
    {
        std::size_t const N = wd.N, K = wd.K;
        int const threads = std::max(1, opt_.em.threads);
        wd.haps.assign(2 * N * K, 0);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
        for (std::size_t s = 0; s < N; ++s)
        {
            std::span<std::int8_t const> const g{wd.G.data() + s * K, K};
            auto const dsets = ref_select_states(wd.w, g, true, opt_.phase_states, salt_of(2 * N + s, wd.first_pos));
            ref_phase(wd.w, g, dsets, eps_, {wd.haps.data() + 2 * s * K, K}, {wd.haps.data() + (2 * s + 1) * K, K});
        }
        int const rounds = opt_.phase_rounds + opt_.switch_passes;
        // phase_mix: per sample, the heterozygotes whose switch from the previous heterozygote has
        // a posterior of at least phase_mix in the last switch pass (ref_switch_posteriors).
        bool const mixing = opt_.phase_mix > 0 && opt_.switch_passes > 0 && K > 0;
        std::vector<std::vector<mix_pair>> uncertain(mixing ? N : 0);
        for (int round = 1; rounds > 1 && K > 0 && round < rounds; ++round)
        {
            bool const viterbi = round < opt_.phase_rounds;
            ref_window wx = with_study_haplotypes(wd, opt_.study_templates);
            // With shift_blocks, round r's block boundaries are shifted by r / rounds of a block.
            wx.offset = opt_.shift_blocks ? static_cast<std::size_t>(round) * wd.w.block / static_cast<std::size_t>(rounds) : 0;
            // More states at the chromosome's ends in the switch passes (end_scale), fewer in
            // the Viterbi rounds (viterbi_end_scale: their pairs cost the square of the states).
            wx.end_scale = viterbi ? opt_.viterbi_end_scale : opt_.end_scale;
            // Longest-match states (ref_hmm.hpp, ref_pbwt_neighbours) over this round's snapshot.
            ref_pbwt const pbwt = opt_.pbwt > 0 && !viterbi ? ref_build_pbwt(wx) : ref_pbwt{};
            bool const last_pass = mixing && round + 1 == rounds;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
            for (std::size_t s = 0; s < N; ++s)
                phase_sample(wd, wx, pbwt, s, round, last_pass ? &uncertain[s] : nullptr);
        }
        std::vector<mix_pair> mix;
        for (auto const & u : uncertain)
            mix.insert(mix.end(), u.begin(), u.end());
        return mix;
    }

    /// One sample's phasing in a later round (see phase) over the round's templates `wx`; in the
    /// last switch pass with phase_mix, its uncertain switches into `uncertain`.
    void phase_sample(window_data & wd, ref_window const & wx, ref_pbwt const & pbwt, std::size_t s, int round,
                      std::vector<mix_pair> * uncertain) const
    {
        std::size_t const K = wd.K, H = wd.H;
        bool const viterbi = round < opt_.phase_rounds;
        std::span<std::int8_t const> const g{wd.G.data() + s * K, K};
        std::span<std::int8_t> h1{wd.haps.data() + 2 * s * K, K}, h2{wd.haps.data() + (2 * s + 1) * K, K};
        std::array<std::uint32_t, 2> const own{static_cast<std::uint32_t>(H + 2 * s),
                                               static_cast<std::uint32_t>(H + 2 * s + 1)};
        std::size_t const half_states = std::max<std::size_t>(1, viterbi ? opt_.phase_states / 2 : opt_.switch_states);
        bool const use_pbwt = opt_.pbwt > 0 && !viterbi && opt_.study_templates;
        state_sets const n1 = use_pbwt ? ref_pbwt_neighbours(pbwt, own[0], opt_.pbwt, own) : state_sets{};
        state_sets const n2 = use_pbwt ? ref_pbwt_neighbours(pbwt, own[1], opt_.pbwt, own) : state_sets{};
        auto const s1 = ref_select_states(wx, h1, false, half_states, salt_of(2 * s, wd.first_pos + round), own,
                                          use_pbwt ? &n1 : nullptr);
        auto const s2 = ref_select_states(wx, h2, false, half_states, salt_of(2 * s + 1, wd.first_pos + round), own,
                                          use_pbwt ? &n2 : nullptr);
        state_sets merged(s1.size());
        for (std::size_t b = 0; b < s1.size(); ++b)
            std::set_union(s1[b].begin(), s1[b].end(), s2[b].begin(), s2[b].end(), std::back_inserter(merged[b]));
        if (viterbi)
        {
            ref_phase(wx, g, merged, eps_, h1, h2);
            return;
        }
        (void)ref_phase_switches(wx, merged, eps_, h1, h2);
        if (opt_.het_flips > 0)
            (void)ref_phase_flips(wx, merged, eps_, h1, h2, opt_.het_flips);
        if (!uncertain)
            return;
        std::vector<float> post(K);
        ref_switch_posteriors(wx, merged, eps_, h1, h2, post);
        std::size_t prev = K;
        for (std::size_t t = 0; t < K; ++t)
        {
            if (h1[t] < 0 || h1[t] == h2[t])
                continue;
            if (prev < K && post[t] >= opt_.phase_mix)
                uncertain->push_back({s, prev, t});
            prev = t;
        }
    }

    /// The imputation's state sets (block offset `offset`) of the haplotypes of `list` into `out`;
    /// returns the window they were selected over.
    ref_window select_imputation_states(window_data & wd, std::size_t offset, std::vector<state_sets> & out,
                                        hap_list const & list)
    {
        std::size_t const N = wd.N, H = wd.H, K = wd.K;
        int const threads = std::max(1, opt_.em.threads);
        ref_window wo = wd.w;
        wo.offset = offset;
        wo.end_scale = opt_.end_scale;
        bool const pbwt = opt_.pbwt > 0 && K > 0;
        ref_pbwt fp;
        if (pbwt)
        {
            wd.wf.offset = offset;
            fp = ref_build_pbwt(wd.wf);
        }
        std::size_t const n_study = list.study_count(N), nh = n_study + list.alts.size();
        out.resize(nh);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
        for (std::size_t h = 0; h < nh; ++h)
        {
            auto neighbours = [&](std::size_t g) {
                return ref_pbwt_neighbours(fp, static_cast<std::uint32_t>(H + g), opt_.pbwt, {},
                                           static_cast<std::uint32_t>(H));
            };
            state_sets near;
            if (pbwt && h < n_study)
                near = neighbours(h);
            else if (pbwt)
            {
                // An alternative haplotype: per block, the longest matches of the study
                // haplotypes whose alleles it has there (both in a block with a switch).
                auto const & x = list.alts[h - n_study];
                state_sets const l = neighbours(2 * x.sample), r = neighbours(2 * x.sample + 1);
                near.resize(l.size());
                for (std::size_t b = 0; b < l.size(); ++b)
                {
                    bool use_l = false, use_r = false;
                    for (std::size_t t = wo.block_begin(b); t < wo.block_end(b); ++t)
                        (x.from[t] ? use_r : use_l) = true;
                    if (use_l && use_r)
                        std::set_union(l[b].begin(), l[b].end(), r[b].begin(), r[b].end(), std::back_inserter(near[b]));
                    else
                        near[b] = use_r ? r[b] : l[b];
                }
            }
            std::int8_t const * row = h < n_study ? wd.haps.data() + h * K : list.alleles.data() + (h - n_study) * K;
            std::size_t const id = h < n_study ? h : 2 * N + (list.with_study ? 0 : wd.n_haps) + (h - n_study);
            out[h] = ref_select_states(wo, {row, K}, false, opt_.states,
                                       salt_of(id, wd.first_pos + static_cast<std::int64_t>(offset)), {},
                                       pbwt ? &near : nullptr);
        }
        return wo;
    }

    /// ε (and with fit_ne, Ne: the imputation then runs at the fitted jump rates) by EM over the
    /// study haplotypes with their imputation states `sets`; records the window's summary.
    void fit_error(window_data & wd, std::vector<state_sets> const & sets)
    {
        auto const & M = buf_.markers;
        ref_window_summary ws;
        ws.contig = cs_.study->name;
        ws.first_pos = M.front().pos;
        ws.last_pos = M[wd.n - 1].pos;
        ws.markers = wd.n;
        ws.typed = wd.K;
        if (wd.K > 0 && opt_.fit_error)
        {
            eps_model model;
            model.w = &wd.w;
            model.haps = &wd.haps;
            model.sets = &sets;
            model.items = 2 * wd.N;
            model.start = eps_;
            if (opt_.fit_ne)
            {
                model.c = &wd.c_rate;
                model.ne_lo = opt_.ne_min;
                model.ne_hi = opt_.ne_max;
                model.id = next_model_id();
            }
            model.start_ne = opt_.ne;
            auto const res = em::fit(model, eps_params{eps_, opt_.ne}, opt_.em);
            if (res.ok())
            {
                eps_ = res.params.eps;
                if (opt_.fit_ne)
                {
                    // The imputation below runs at the fitted Ne (the phasing above ran at opt_.ne).
                    ws.ne = res.params.ne;
                    wd.w.rho = ref_jump_rates(wd.c_rate, ws.ne);
                }
            }
            ws.iterations = res.iterations;
            ws.stop_reason = em::to_string(res.reason);
            ws.trace = res.trace;
            ws.decreases = res.decreases;
        }
        ws.error = eps_;
        sum_.windows.push_back(ws);
    }

    /// Flanking typed markers of every marker, and the panel haplotypes carrying ALT at each core
    /// marker of low ALT count (at most `few`), increasing: P(ALT) of a haplotype is then summed
    /// over these carriers (their kept weights, 0 if not kept) instead of over its kept states,
    /// whichever is shorter. The same terms in the same order (both lists increase by haplotype),
    /// so the same double sum.
    void prepare_interpolation(window_data & wd) const
    {
        auto const & M = buf_.markers;
        std::size_t const n = wd.n, K = wd.K, H = wd.H, core = wd.core_end - wd.core_begin;
        wd.lo.assign(n, 0);
        wd.hi.assign(n, 0);
        std::size_t t = 0;
        for (std::size_t i = 0; i < n; ++i)
        {
            while (t + 1 < K && wd.typed[t + 1] <= i)
                ++t;
            wd.lo[i] = t;
            wd.hi[i] = (K > 0 && wd.typed[t] < i && t + 1 < K) ? t + 1 : t;
        }
        std::size_t const few = std::max<std::size_t>(1, opt_.states / 4);
        wd.carrier_begin.assign(core + 1, 0);
        wd.has_carriers.assign(core, 0);
        for (std::size_t c = 0; c < core && K > 0; ++c)
        {
            wd.carrier_begin[c] = static_cast<std::uint32_t>(wd.carriers.size());
            auto const & mk = M[wd.core_begin + c];
            if (mk.alt_count > few)
                continue;
            wd.has_carriers[c] = 1;
            for (std::size_t k = 0; k < mk.bits.size(); ++k)
                for (std::uint64_t v = mk.bits[k]; v; v &= v - 1)
                {
                    std::size_t const hh = k * 64 + static_cast<std::size_t>(__builtin_ctzll(v));
                    if (hh < H)
                        wd.carriers.push_back(static_cast<std::uint32_t>(hh));
                }
        }
        wd.carrier_begin[core] = static_cast<std::uint32_t>(wd.carriers.size());
    }

    /// One thread's buffers for impute_haplotype.
    struct impute_scratch
    {
        std::vector<float> gamma;
        std::vector<std::uint32_t> kept_hap, kept_begin;
        std::vector<float> kept_w;
        /// Two typed markers' kept weights as dense rows over the panel (0 where not kept).
        std::array<std::vector<float>, 2> dense;
        std::array<std::size_t, 2> dense_t{};
    };

    /// The imputation of the haplotypes of `list` over n_off block offsets (impute_offsets = n >
    /// 1: the block boundaries shifted by 1/n, 2/n, ... of a block, new state sets for each, the
    /// probabilities averaged; offset 0 uses `first_sets` if given). Haplotype h's P(ALT) goes to
    /// tg[h]; its log-likelihood (averaged over the offsets) is added to (*ll)[h] if given.
    void impute(window_data & wd, hap_list const & list, std::size_t n_off, std::vector<state_sets> const * first_sets,
                std::vector<impute_target> const & tg, std::vector<double> * ll)
    {
        std::size_t const K = wd.K, H = wd.H;
        int const threads = std::max(1, opt_.em.threads);
        std::size_t const n_study = list.study_count(wd.N), nh = n_study + list.alts.size();
        std::vector<state_sets> osets;
        for (std::size_t o = 0; K > 0 && o < n_off; ++o)
        {
            std::size_t const offset = o * wd.w.block / n_off;
            ref_window const wo = o == 0 && first_sets ? wd.w : select_imputation_states(wd, offset, osets, list);
            std::vector<state_sets> const & use = o == 0 && first_sets ? *first_sets : osets;
            float const weight = 1.0f / static_cast<float>(n_off);
            std::size_t stride = 0;
            for (std::size_t h = 0; h < nh; ++h)
                for (auto const & b : use[h])
                    stride = std::max(stride, b.size());
#pragma omp parallel num_threads(threads) if (threads > 1)
            {
                impute_scratch sc;
                sc.gamma.resize(K * stride);
                sc.kept_begin.resize(K + 1);
                sc.dense = {std::vector<float>(H, 0.0f), std::vector<float>(H, 0.0f)};
                sc.dense_t = {K, K};
#pragma omp for schedule(dynamic, 1)
                for (std::size_t h = 0; h < nh; ++h)
                {
                    std::span<std::int8_t const> const hv{
                        h < n_study ? wd.haps.data() + h * K : list.alleles.data() + (h - n_study) * K, K};
                    double const lh = impute_haplotype(wd, wo, use[h], hv, stride, tg[h], weight, sc);
                    if (ll)
                        (*ll)[h] += lh / static_cast<double>(n_off);
                }
            }
        }
    }

    /// One haplotype's imputation over the window `wo` with its states `states`: P(ALT) × weight
    /// added to `g`; returns its log-likelihood.
    double impute_haplotype(window_data const & wd, ref_window const & wo, state_sets const & states,
                            std::span<std::int8_t const> hv, std::size_t stride, impute_target const & g, float weight,
                            impute_scratch & sc) const
    {
        auto const & M = buf_.markers;
        std::size_t const K = wd.K;
        double mm = 0, ob = 0;
        double const lh = ref_haploid_posteriors(wo, hv, states, eps_, sc.gamma, stride, mm, ob);
        // Sparse posteriors (as Beagle stores them): per typed marker only the states with
        // posterior >= min_posterior, rescaled to sum 1. The dropped mass is at most S ×
        // min_posterior and usually far less; the interpolation below then costs the kept states
        // per marker, not S.
        auto & kept_hap = sc.kept_hap;
        auto & kept_w = sc.kept_w;
        auto & kept_begin = sc.kept_begin;
        auto & dense = sc.dense;
        auto & dense_t = sc.dense_t;
        kept_hap.clear();
        kept_w.clear();
        for (std::size_t t = 0; t < K; ++t)
        {
            kept_begin[t] = static_cast<std::uint32_t>(kept_hap.size());
            auto const & set = states[wo.block_of(t)];
            float const * gm = sc.gamma.data() + t * stride;
            float sum = 0;
            for (std::size_t j = 0; j < set.size(); ++j)
                if (gm[j] >= opt_.min_posterior)
                {
                    kept_hap.push_back(set[j]);
                    kept_w.push_back(gm[j]);
                    sum += gm[j];
                }
            if (sum > 0)
                for (std::size_t j = kept_begin[t]; j < kept_w.size(); ++j)
                    kept_w[j] /= sum;
        }
        kept_begin[K] = static_cast<std::uint32_t>(kept_hap.size());
        auto dense_row = [&](std::size_t t) -> std::vector<float> const & {
            if (dense_t[0] == t)
                return dense[0];
            if (dense_t[1] == t)
                return dense[1];
            // Replace the row of the earlier marker (the markers only move right).
            std::size_t const r = dense_t[0] == K ? 0 : dense_t[1] == K ? 1 : dense_t[0] < dense_t[1] ? 0 : 1;
            if (dense_t[r] != K)
                for (std::size_t j = kept_begin[dense_t[r]]; j < kept_begin[dense_t[r] + 1]; ++j)
                    dense[r][kept_hap[j]] = 0.0f;
            for (std::size_t j = kept_begin[t]; j < kept_begin[t + 1]; ++j)
                dense[r][kept_hap[j]] = kept_w[j];
            dense_t[r] = t;
            return dense[r];
        };
        auto p_at = [&](std::size_t t, std::size_t i) {
            std::uint64_t const * b = M[i].bits.data();
            double p = 0;
            std::size_t const c = i - wd.core_begin;
            if (wd.has_carriers[c] &&
                wd.carrier_begin[c + 1] - wd.carrier_begin[c] < kept_begin[t + 1] - kept_begin[t])
            {
                auto const & d = dense_row(t);
                for (std::size_t j = wd.carrier_begin[c]; j < wd.carrier_begin[c + 1]; ++j)
                    p += d[wd.carriers[j]];
                return p;
            }
            for (std::size_t j = kept_begin[t]; j < kept_begin[t + 1]; ++j)
                if ((b[kept_hap[j] / 64] >> (kept_hap[j] % 64)) & 1U)
                    p += kept_w[j];
            return p;
        };
        auto const & typed = wd.typed;
        auto const & cm = wd.cm;
        for (std::size_t c = g.c_lo; c < g.c_hi; ++c)
        {
            std::size_t const i = wd.core_begin + c;
            std::size_t const a = wd.lo[i], z = wd.hi[i];
            double p = p_at(a, i);
            if (z != a)
            {
                double const span_cm = cm[typed[z]] - cm[typed[a]];
                double const f = span_cm > 0 ? (cm[i] - cm[typed[a]]) / span_cm
                                             : static_cast<double>(i - typed[a]) /
                                                   static_cast<double>(typed[z] - typed[a]);
                p = (1 - f) * p + f * p_at(z, i);
            }
            g.dst[(c - g.c_lo) * g.stride] += static_cast<float>(std::clamp(p, 0.0, 1.0)) * weight;
        }
        // Clear the dense rows while this haplotype's kept lists are still in place.
        for (std::size_t r = 0; r < 2; ++r)
            if (dense_t[r] != K)
            {
                for (std::size_t j = kept_begin[dense_t[r]]; j < kept_begin[dense_t[r] + 1]; ++j)
                    dense[r][kept_hap[j]] = 0.0f;
                dense_t[r] = K;
            }
        return lh;
    }

    /// The stretch of each uncertain switch (core markers strictly between its two heterozygotes;
    /// empty without phase_mix_soft) and the switched pair's P(ALT) there.
    struct mix_stretches
    {
        std::vector<std::size_t> begin, lo, len;
        std::vector<float> prob; ///< switch c's haplotype k at stretch marker j: prob[begin[c] + k·len[c] + j]
    };

    /// The imputation with phase_mix (the P(ALT) of the 2N study haplotypes into `prob`, core-major).
    /// Stage 1: the study's haplotypes over the whole core; the switched pairs (`first`'s
    /// alternative haplotypes) in their stretch and every haplotype's log-likelihood. Stage 2: the
    /// switches that the imputation's model prefers by more than phase_mix_margin (the pair's
    /// log-likelihood, the sum of its two haplotypes', minus the current pair's; each judged alone
    /// against the current phase) are made, and those samples imputed again with all of their
    /// switches (reimpute_rephased); with phase_mix_soft, in the other samples each uncertain
    /// stretch gets the mixture of the two phasings' P(ALT), weighted by their likelihoods.
    void impute_window(window_data & wd, std::vector<mix_pair> const & mix,
                       std::vector<std::pair<std::size_t, std::size_t>> const & runs, hap_list const & first,
                       std::vector<state_sets> const & sets, std::vector<float> & prob)
    {
        std::size_t const N = wd.N, core = wd.core_end - wd.core_begin;
        if (wd.K == 0)
            for (std::size_t c = 0; c < core; ++c)
                std::fill_n(prob.begin() + static_cast<std::ptrdiff_t>(c * 2 * N), 2 * N,
                            static_cast<float>(buf_.markers[wd.core_begin + c].alt_count) / static_cast<float>(wd.H));
        mix_stretches ms;
        ms.begin.assign(mix.size() + 1, 0);
        ms.lo.assign(mix.size(), 0);
        ms.len.assign(mix.size(), 0);
        for (std::size_t c = 0; c < mix.size(); ++c)
        {
            std::size_t const lo_i = std::max(wd.typed[mix[c].ta] + 1, wd.core_begin);
            std::size_t const hi_i = std::min(wd.typed[mix[c].tb], wd.core_end);
            ms.lo[c] = lo_i > wd.core_begin ? lo_i - wd.core_begin : 0;
            ms.len[c] = hi_i > lo_i && opt_.phase_mix_soft ? hi_i - lo_i : 0;
            ms.begin[c + 1] = ms.begin[c] + 2 * ms.len[c];
        }
        ms.prob.assign(ms.begin.back(), 0.0f);
        std::vector<double> hap_ll(mix.empty() ? 0 : wd.n_haps, 0.0);
        {
            std::vector<impute_target> tg(wd.n_haps);
            for (std::size_t h = 0; h < 2 * N; ++h)
                tg[h] = {0, core, prob.data() + h, 2 * N};
            for (std::size_t h = 2 * N; h < 2 * N + 2 * mix.size(); ++h)
            {
                std::size_t const c = (h - 2 * N) / 2, k = (h - 2 * N) % 2;
                tg[h] = {ms.lo[c], ms.lo[c] + ms.len[c], ms.prob.data() + ms.begin[c] + k * ms.len[c], 1};
            }
            impute(wd, first, wd.n_off, &sets, tg, mix.empty() ? nullptr : &hap_ll);
        }
        auto gain = [&](std::size_t s, std::size_t e) {
            return (hap_ll[e] + hap_ll[e + 1]) - (hap_ll[2 * s] + hap_ll[2 * s + 1]);
        };
        std::vector<double> mix_d(mix.size(), 0.0);
        std::vector<char> made(mix.size(), 0), rephased(N, 0);
        for (std::size_t c = 0; c < mix.size(); ++c)
        {
            mix_d[c] = gain(mix[c].sample, 2 * N + 2 * c);
            made[c] = mix_d[c] > opt_.phase_mix_margin;
        }
        if (!runs.empty())
            choose_runs(mix, runs, mix_d,
                        [&](std::size_t r) { return gain(mix[runs[r].first].sample, 2 * N + 2 * mix.size() + 2 * r); },
                        made);
        // phase_mix_redraw: every sample with an uncertain switch is imputed again (over
        // phase_mix_offsets offsets), its phase changed or not; the soft mixture still applies to
        // those whose phase did not change.
        std::vector<char> reimputed(N, 0);
        for (std::size_t c = 0; c < mix.size(); ++c)
        {
            if (made[c])
                rephased[mix[c].sample] = 1;
            if (made[c] || opt_.phase_mix_redraw)
                reimputed[mix[c].sample] = 1;
        }
        reimpute_rephased(wd, mix, made, reimputed, prob);
        if (opt_.phase_mix_soft)
            mix_soft(wd, mix, mix_d, rephased, ms, prob);
    }

    /// phase_mix_runs: the switches made (`made`, in: the single switches above the margin). Per
    /// sample, its candidates (single switches, gain mix_d[c]; runs, gain run_gain(r): both
    /// switches of the run) above phase_mix_margin are taken greedily by decreasing gain (ties: the
    /// earlier candidate, singles first), each switch in at most one of them.
    template <class RunGain>
    void choose_runs(std::vector<mix_pair> const & mix,
                     std::vector<std::pair<std::size_t, std::size_t>> const & runs, std::vector<double> const & mix_d,
                     RunGain const & run_gain, std::vector<char> & made) const
    {
        struct candidate
        {
            double gain;
            std::size_t order, a, b; ///< the switches (b == a for a single switch)
        };
        std::vector<candidate> cand;
        for (std::size_t c = 0; c < mix.size(); ++c)
            if (mix_d[c] > opt_.phase_mix_margin)
                cand.push_back({mix_d[c], cand.size(), c, c});
        for (std::size_t r = 0; r < runs.size(); ++r)
        {
            double const g = run_gain(r);
            if (g > opt_.phase_mix_margin)
                cand.push_back({g, cand.size(), runs[r].first, runs[r].second});
        }
        std::sort(cand.begin(), cand.end(), [](candidate const & x, candidate const & y) {
            return x.gain != y.gain ? x.gain > y.gain : x.order < y.order;
        });
        std::vector<char> used(mix.size(), 0);
        std::fill(made.begin(), made.end(), 0);
        for (auto const & x : cand)
        {
            if (used[x.a] || used[x.b])
                continue;
            used[x.a] = used[x.b] = 1;
            made[x.a] = made[x.b] = 1;
        }
    }

    /// phase_mix stage 2: the samples with a switch preferred by more than phase_mix_margin get all
    /// of those switches. The new phase replaces the old in the haplotypes (the output's phase at the
    /// typed markers) and in the PBWT's study rows, so that the re-imputed pair gets its own longest
    /// matches; it is then imputed as its sample's two haplotypes, replacing their P(ALT).
    /// `reimputed`: the samples imputed again (those with a switch made; with phase_mix_redraw,
    /// every sample with an uncertain switch).
    void reimpute_rephased(window_data & wd, std::vector<mix_pair> const & mix, std::vector<char> const & made,
                           std::vector<char> const & reimputed, std::vector<float> & prob)
    {
        std::size_t const N = wd.N, K = wd.K, H = wd.H, core = wd.core_end - wd.core_begin;
        hap_list second;
        second.with_study = false;
        for (std::size_t s = 0; s < N; ++s)
        {
            if (!reimputed[s])
                continue;
            alt_hap x;
            x.sample = s;
            x.from.assign(K, 0);
            for (std::size_t c = 0; c < mix.size(); ++c)
                if (mix[c].sample == s && made[c])
                    for (std::size_t t = mix[c].tb; t < K; ++t)
                        x.from[t] = static_cast<char>(1 - x.from[t]);
            second.alts.push_back(x);
            for (auto & f : x.from)
                f = static_cast<char>(1 - f);
            second.alts.push_back(std::move(x));
        }
        if (second.alts.empty())
            return;
        std::vector<std::int8_t> const fresh = alt_alleles(wd.haps, K, second.alts);
        for (std::size_t a = 0; a < second.alts.size(); ++a)
        {
            std::size_t const h = 2 * second.alts[a].sample + a % 2;
            std::copy_n(fresh.data() + a * K, K, wd.haps.data() + h * K);
            second.alts[a].from.assign(K, static_cast<char>(a % 2));
            if (K > 0 && opt_.pbwt > 0)
                set_study_column(wd.wf, H, h, wd.haps.data() + h * K, wd.major_alt);
        }
        second.alleles = alt_alleles(wd.haps, K, second.alts);
        std::vector<impute_target> tg(second.alts.size());
        for (std::size_t a = 0; a < second.alts.size(); ++a)
        {
            float * const row = prob.data() + 2 * second.alts[a].sample + a % 2;
            for (std::size_t c = 0; c < core; ++c)
                row[c * 2 * N] = 0.0f;
            tg[a] = {0, core, row, 2 * N};
        }
        // phase_mix_offsets: these few samples over more block offsets (two state selections or more,
        // averaged) than the rest.
        impute(wd, second, std::max(wd.n_off, opt_.phase_mix_offsets), nullptr, tg, nullptr);
    }

    /// phase_mix_soft: in the samples not rephased, each uncertain stretch gets the mixture of the
    /// two phasings' P(ALT), weighted by their likelihoods (the switched pair's weight the logistic
    /// of its log-likelihood difference).
    static void mix_soft(window_data const & wd, std::vector<mix_pair> const & mix, std::vector<double> const & mix_d,
                         std::vector<char> const & rephased, mix_stretches const & ms, std::vector<float> & prob)
    {
        std::size_t const N = wd.N;
        for (std::size_t c = 0; c < mix.size(); ++c)
        {
            std::size_t const s = mix[c].sample;
            if (rephased[s])
                continue;
            double const d = mix_d[c];
            float const wt = static_cast<float>(d > 0 ? 1 / (1 + std::exp(-d)) : std::exp(d) / (1 + std::exp(d)));
            for (std::size_t j = 0; j < ms.len[c]; ++j)
            {
                std::size_t const cc = ms.lo[c] + j;
                for (std::size_t k = 0; k < 2; ++k)
                {
                    float & q = prob[cc * 2 * N + 2 * s + k];
                    q = (1 - wt) * q + wt * ms.prob[ms.begin[c] + k * ms.len[c] + j];
                }
            }
        }
    }

    /// Writes the window's core markers (typed ones with their observed genotypes and phase).
    void write_core(window_data const & wd, std::vector<float> const & prob)
    {
        auto const & M = buf_.markers;
        std::size_t const N = wd.N, K = wd.K, core = wd.core_end - wd.core_begin;
        std::vector<std::int8_t> obs(N), h1(N), h2(N);
        std::size_t t = 0;
        for (std::size_t c = 0; c < core; ++c)
        {
            std::size_t const i = wd.core_begin + c;
            while (t < K && wd.typed[t] < i)
                ++t;
            bool const is_typed = t < K && wd.typed[t] == i;
            if (is_typed)
                for (std::size_t s = 0; s < N; ++s)
                {
                    obs[s] = wd.G[s * K + t];
                    h1[s] = wd.haps[2 * s * K + t];
                    h2[s] = wd.haps[(2 * s + 1) * K + t];
                }
            out_.write(cs_.study->name, M[i], prob.data() + c * 2 * N, is_typed ? obs.data() : nullptr, h1.data(),
                       h2.data());
            ++sum_.written;
            sum_.imputed_markers += !is_typed;
        }
    }

    ref_impute_options const & opt_;
    study_data const & study_;
    panel_reader & panel_;
    genetic_map const & map_;
    ref_writer & out_;
    ref_impute_summary & sum_;
    double eps_;
    contig_state cs_;
    window_buffer buf_;
    std::vector<study_contig const *> done_;
};

} // namespace

ref_impute_summary ref_impute(ref_impute_options const & opt)
{
    if (opt.overlap >= opt.window)
        throw user_error("the window overlap must be smaller than the window");
    if (!(opt.end_scale >= 1) || !(opt.viterbi_end_scale >= 1))
        throw user_error("the end blocks' state scale must be at least 1");
    if (opt.block == 0 || opt.states == 0 || opt.phase_states == 0 || opt.phase_states > 65535)
        throw user_error("states and block sizes must be positive (phase states at most 65535)");
    if (opt.phase_mix_offsets == 0)
        throw user_error("the re-imputed samples' block offsets (phase_mix_offsets) must be at least 1");
    study_data const study = read_study(opt.study);
    panel_reader panel{opt.panel};
    genetic_map const map = opt.map.empty() ? genetic_map::constant(opt.cm_per_mb)
                                            : genetic_map::read(opt.map, opt.cm_per_mb);
    for (auto const & c : study.contigs)
        if (!c.pos.empty() && !map.has_contig(c.name))
            throw user_error(opt.map + ": the genetic map has no line for contig " + c.name + " of " + opt.study);
    ref_impute_summary sum;
    sum.samples = study.samples.size();
    sum.panel_haplotypes = panel.haplotypes();
    sum.study_records = study.counts.records;
    sum.study_usable = study.counts.usable;
    sum.study_multiallelic = study.counts.multiallelic;
    sum.study_no_gt = study.counts.no_gt;
    sum.study_non_diploid = study.counts.non_diploid;
    ref_writer out{opt.output, study, panel, opt.header_lines};
    pipeline{opt, study, panel, map, out, sum}.run();
    sum.panel_records = panel.counts().records;
    sum.panel_markers = panel.counts().markers;
    sum.panel_multiallelic = panel.counts().multiallelic;
    sum.panel_no_alt = panel.counts().no_alt;
    if (sum.matched == 0)
        throw user_error(opt.study + ": no marker of the study matches a marker of the reference panel " + opt.panel +
                         " (same contig, position and alleles; " + std::to_string(sum.dropped_allele_mismatch) +
                         " with other alleles, " + std::to_string(sum.dropped_not_in_panel) + " not in the panel)");
    out.commit();
    sum.index = out.index();
    return sum;
}

} // namespace emtk::geno
