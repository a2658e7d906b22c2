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

    /// Imputes the buffered window and writes its core markers.
    void process(bool last)
    {
        auto const & M = buf_.markers;
        std::size_t const n = last ? M.size() : opt_.window;
        std::size_t const half = opt_.overlap / 2;
        std::size_t const core_begin = cs_.first_window ? 0 : half;
        std::size_t const core_end = last ? n : n - opt_.overlap + half;
        std::size_t const N = study_.samples.size(), H = panel_.haplotypes();
        auto const & sc = *cs_.study;

        // Typed markers, their genotypes (panel orientation) and cM positions.
        std::vector<std::size_t> typed;
        for (std::size_t i = 0; i < n; ++i)
            if (buf_.match[i] >= 0)
                typed.push_back(i);
        std::size_t const K = typed.size();
        std::vector<std::int64_t> bp(n);
        for (std::size_t i = 0; i < n; ++i)
            bp[i] = M[i].pos;
        std::vector<double> const cm = map_.positions_cm(sc.name, bp);
        ref_window w;
        w.haps = H;
        w.words = (H + 63) / 64;
        w.typed = K;
        w.block = opt_.block;
        w.edge_context = opt_.edge_context;
        w.first_end = cs_.first_window;
        w.last_end = last;
        w.bits.resize(K * w.words);
        w.rho.assign(K, 0.0);
        std::vector<double> c_rate(K, 0.0); // ρ_t = 1 − exp(−c_t Ne)
        std::vector<std::int8_t> G(N * K); // sample-major
        for (std::size_t t = 0; t < K; ++t)
        {
            std::size_t const i = typed[t];
            std::copy(M[i].bits.begin(), M[i].bits.end(), w.bits.begin() + static_cast<std::ptrdiff_t>(t * w.words));
            if (t > 0)
            {
                double const d = std::max(0.0, cm[i] - cm[typed[t - 1]]);
                c_rate[t] = 0.04 * d / static_cast<double>(H);
                w.rho[t] = -std::expm1(-c_rate[t] * opt_.ne);
            }
            std::int8_t const * g = sc.g.data() + static_cast<std::size_t>(buf_.match[i]) * N;
            for (std::size_t s = 0; s < N; ++s)
                G[s * K + t] = (g[s] >= 0 && buf_.swapped[i]) ? static_cast<std::int8_t>(2 - g[s]) : g[s];
        }
        int const threads = std::max(1, opt_.em.threads);
        // Phasing, then each haplotype's state sets.
        std::vector<std::int8_t> haps(2 * N * K);
        std::vector<state_sets> sets(2 * N);
        std::int64_t const first_pos = M.front().pos;
        // Round 1: states from the genotypes' opposite homozygotes with the panel haplotypes.
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
        for (std::size_t s = 0; s < N; ++s)
        {
            std::span<std::int8_t const> const g{G.data() + s * K, K};
            auto const dsets = ref_select_states(w, g, true, opt_.phase_states, salt_of(2 * N + s, first_pos));
            ref_phase(w, g, dsets, eps_, {haps.data() + 2 * s * K, K}, {haps.data() + (2 * s + 1) * K, K});
        }
        // Later rounds: the templates are the panel haplotypes and the study's haplotypes of the
        // previous round (as Beagle and SHAPEIT iterate), but never the sample's own two. The pairs'
        // states are the templates that match the current phasing's two haplotypes best (haploid
        // IBS), half from each; the opposite-homozygote counts of round 1 cannot tell the two
        // haplotypes' matches apart. After `phase_rounds` Viterbi rounds, `switch_passes` passes of
        // single-switch refinement (ref_phase_switches: linear in the states, so each haplotype
        // gets `switch_states` of them). Every sample of a round reads the same snapshot, so the
        // result does not depend on the order of the samples or the threads.
        int const rounds = opt_.phase_rounds + opt_.switch_passes;
        // phase_mix: per sample, the heterozygotes t whose switch from the previous heterozygote has a
        // posterior of at least phase_mix in the last switch pass (ref_switch_posteriors).
        bool const mixing = opt_.phase_mix > 0 && opt_.switch_passes > 0 && K > 0;
        std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> uncertain(mixing ? N : 0);
        if (rounds > 1 && K > 0)
        {
            ref_window wx = w;
            wx.haps = H + (opt_.study_templates ? 2 * N : 0);
            wx.words = (wx.haps + 63) / 64;
            wx.bits.assign(K * wx.words, 0);
            for (int round = 1; round < rounds; ++round)
            {
                bool const viterbi = round < opt_.phase_rounds;
                // With shift_blocks, round r's block boundaries are shifted by r / rounds of a block.
                wx.offset = opt_.shift_blocks ? static_cast<std::size_t>(round) * w.block / static_cast<std::size_t>(rounds) : 0;
                // More states at the chromosome's ends in the switch passes (end_scale), fewer in
                // the Viterbi rounds (viterbi_end_scale: their pairs cost the square of the states).
                wx.end_scale = viterbi ? opt_.viterbi_end_scale : opt_.end_scale;
                for (std::size_t t = 0; t < K; ++t)
                {
                    std::uint64_t * row = wx.bits.data() + t * wx.words;
                    std::fill_n(row, wx.words, 0);
                    std::copy_n(w.bits.data() + t * w.words, w.words, row);
                    if (!opt_.study_templates)
                        continue;
                    // A missing allele of a study haplotype is taken as the panel's majority allele.
                    bool const major_alt = 2 * M[typed[t]].alt_count > H;
                    for (std::size_t h = 0; h < 2 * N; ++h)
                    {
                        std::int8_t const a = haps[h * K + t];
                        if (a == 1 || (a < 0 && major_alt))
                            row[(H + h) / 64] |= std::uint64_t{1} << ((H + h) % 64);
                    }
                }
                // Longest-match states (ref_hmm.hpp, ref_pbwt_neighbours) over this round's snapshot.
                ref_pbwt const pbwt = opt_.pbwt > 0 && !viterbi ? ref_build_pbwt(wx) : ref_pbwt{};
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
                for (std::size_t s = 0; s < N; ++s)
                {
                    std::span<std::int8_t const> const g{G.data() + s * K, K};
                    std::span<std::int8_t> h1{haps.data() + 2 * s * K, K}, h2{haps.data() + (2 * s + 1) * K, K};
                    std::array<std::uint32_t, 2> const own{static_cast<std::uint32_t>(H + 2 * s),
                                                           static_cast<std::uint32_t>(H + 2 * s + 1)};
                    std::size_t const half_states = std::max<std::size_t>(1, viterbi ? opt_.phase_states / 2 : opt_.switch_states);
                    bool const use_pbwt = opt_.pbwt > 0 && !viterbi && opt_.study_templates;
                    state_sets const n1 = use_pbwt ? ref_pbwt_neighbours(pbwt, own[0], opt_.pbwt, own) : state_sets{};
                    state_sets const n2 = use_pbwt ? ref_pbwt_neighbours(pbwt, own[1], opt_.pbwt, own) : state_sets{};
                    auto const s1 = ref_select_states(wx, h1, false, half_states, salt_of(2 * s, first_pos + round), own,
                                                      use_pbwt ? &n1 : nullptr);
                    auto const s2 = ref_select_states(wx, h2, false, half_states, salt_of(2 * s + 1, first_pos + round),
                                                      own, use_pbwt ? &n2 : nullptr);
                    state_sets merged(s1.size());
                    for (std::size_t b = 0; b < s1.size(); ++b)
                        std::set_union(s1[b].begin(), s1[b].end(), s2[b].begin(), s2[b].end(),
                                       std::back_inserter(merged[b]));
                    if (viterbi)
                        ref_phase(wx, g, merged, eps_, h1, h2);
                    else
                    {
                        (void)ref_phase_switches(wx, merged, eps_, h1, h2);
                        if (opt_.het_flips > 0)
                            (void)ref_phase_flips(wx, merged, eps_, h1, h2, opt_.het_flips);
                        if (mixing && round + 1 == rounds)
                        {
                            std::vector<float> post(K);
                            ref_switch_posteriors(wx, merged, eps_, h1, h2, post);
                            std::uint32_t prev = static_cast<std::uint32_t>(K);
                            for (std::size_t t = 0; t < K; ++t)
                            {
                                if (h1[t] < 0 || h1[t] == h2[t])
                                    continue;
                                if (prev < K && post[t] >= opt_.phase_mix)
                                    uncertain[s].emplace_back(prev, static_cast<std::uint32_t>(t));
                                prev = static_cast<std::uint32_t>(t);
                            }
                        }
                    }
                }
            }
        }
        // The imputation's states (per block offset, see impute_offsets): with `pbwt`, the panel
        // haplotypes with the longest matches with each study haplotype first (a PBWT over the
        // panel and the study's final haplotypes, a missing allele as the panel's majority allele;
        // only panel haplotypes are chosen).
        std::size_t const n_off = K > 0 ? std::max<std::size_t>(1, opt_.impute_offsets) : 1;
        // phase_mix: each uncertain switch c (sample s, heterozygotes ta < tb) adds the pair with the
        // phase switched between ta and tb as two more haplotypes to impute (alternative haplotypes
        // 2c and 2c + 1: h1's prefix with h2's suffix and the reverse). An alternative haplotype takes
        // the allele at typed marker t from its sample's haplotype from[t] (0: h1, 1: h2).
        struct mix_pair
        {
            std::size_t sample, ta, tb;
        };
        struct alt_hap
        {
            std::size_t sample = 0;
            std::vector<char> from;
        };
        std::vector<mix_pair> mix;
        for (std::size_t s = 0; s < uncertain.size(); ++s)
            for (auto const & [ta, tb] : uncertain[s])
                mix.push_back({s, ta, tb});
        auto alt_alleles = [&](std::vector<alt_hap> const & alts) {
            std::vector<std::int8_t> out(alts.size() * K);
            for (std::size_t a = 0; a < alts.size(); ++a)
                for (std::size_t t = 0; t < K; ++t)
                    out[a * K + t] = haps[(2 * alts[a].sample + static_cast<std::size_t>(alts[a].from[t])) * K + t];
            return out;
        };
        std::vector<alt_hap> alts_a(2 * mix.size());
        for (std::size_t c = 0; c < mix.size(); ++c)
            for (std::size_t k = 0; k < 2; ++k)
            {
                alts_a[2 * c + k].sample = mix[c].sample;
                alts_a[2 * c + k].from.resize(K);
                for (std::size_t t = 0; t < K; ++t)
                    alts_a[2 * c + k].from[t] = static_cast<char>(t < mix[c].tb ? k : 1 - k);
            }
        std::vector<std::int8_t> const alt_a = alt_alleles(alts_a);
        std::size_t const n_haps = 2 * N + alts_a.size();
        ref_window wf;
        if (opt_.pbwt > 0 && K > 0)
        {
            wf = w;
            wf.haps = H + 2 * N;
            wf.words = (wf.haps + 63) / 64;
            wf.bits.assign(K * wf.words, 0);
            for (std::size_t t = 0; t < K; ++t)
            {
                std::uint64_t * row = wf.bits.data() + t * wf.words;
                std::copy_n(w.bits.data() + t * w.words, w.words, row);
                bool const major_alt = 2 * M[typed[t]].alt_count > H;
                for (std::size_t h = 0; h < 2 * N; ++h)
                {
                    std::int8_t const a = haps[h * K + t];
                    if (a == 1 || (a < 0 && major_alt))
                        row[(H + h) / 64] |= std::uint64_t{1} << ((H + h) % 64);
                }
            }
        }
        // The imputation's state sets of a list of haplotypes: the study's 2N (h < 2N) followed by
        // alternative ones (`alts`, alleles `alt`), or the alternative ones only (`with_study` false).
        auto select_imputation_states = [&](std::size_t offset, std::vector<state_sets> & out, bool with_study,
                                            std::vector<alt_hap> const & alts, std::vector<std::int8_t> const & alt) {
            ref_window wo = w;
            wo.offset = offset;
            wo.end_scale = opt_.end_scale;
            ref_pbwt fp;
            if (opt_.pbwt > 0 && K > 0)
            {
                wf.offset = offset;
                fp = ref_build_pbwt(wf);
            }
            std::size_t const n_study = with_study ? 2 * N : 0, nh = n_study + alts.size();
            out.resize(nh);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
            for (std::size_t h = 0; h < nh; ++h)
            {
                auto neighbours = [&](std::size_t g) {
                    return ref_pbwt_neighbours(fp, static_cast<std::uint32_t>(H + g), opt_.pbwt, {},
                                               static_cast<std::uint32_t>(H));
                };
                state_sets near;
                if (opt_.pbwt > 0 && K > 0 && h < n_study)
                    near = neighbours(h);
                else if (opt_.pbwt > 0 && K > 0)
                {
                    // An alternative haplotype: per block, the longest matches of the study
                    // haplotypes whose alleles it has there (both in a block with a switch).
                    auto const & x = alts[h - n_study];
                    state_sets const l = neighbours(2 * x.sample), r = neighbours(2 * x.sample + 1);
                    near.resize(l.size());
                    for (std::size_t b = 0; b < l.size(); ++b)
                    {
                        bool use_l = false, use_r = false;
                        for (std::size_t t = wo.block_begin(b); t < wo.block_end(b); ++t)
                            (x.from[t] ? use_r : use_l) = true;
                        if (use_l && use_r)
                            std::set_union(l[b].begin(), l[b].end(), r[b].begin(), r[b].end(),
                                           std::back_inserter(near[b]));
                        else
                            near[b] = use_r ? r[b] : l[b];
                    }
                }
                std::int8_t const * row = h < n_study ? haps.data() + h * K : alt.data() + (h - n_study) * K;
                std::size_t const id = h < n_study ? h : 2 * N + (with_study ? 0 : n_haps) + (h - n_study);
                out[h] = ref_select_states(wo, {row, K}, false, opt_.states,
                                           salt_of(id, first_pos + static_cast<std::int64_t>(offset)), {},
                                           opt_.pbwt > 0 && K > 0 ? &near : nullptr);
            }
            return wo;
        };
        (void)select_imputation_states(0, sets, true, alts_a, alt_a);
        ref_window_summary ws;
        ws.contig = sc.name;
        ws.first_pos = M.front().pos;
        ws.last_pos = M[n - 1].pos;
        ws.markers = n;
        ws.typed = K;
        if (K > 0 && opt_.fit_error)
        {
            eps_model model;
            model.w = &w;
            model.haps = &haps;
            model.sets = &sets;
            model.items = 2 * N;
            model.start = eps_;
            if (opt_.fit_ne)
            {
                model.c = &c_rate;
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
                    w.rho = ref_jump_rates(c_rate, ws.ne);
                }
            }
            ws.iterations = res.iterations;
            ws.stop_reason = em::to_string(res.reason);
            ws.trace = res.trace;
            ws.decreases = res.decreases;
        }
        ws.error = eps_;
        sum_.windows.push_back(ws);

        // Flanking typed markers of every marker (ordinal in `typed`).
        std::vector<std::size_t> lo(n, 0), hi(n, 0);
        {
            std::size_t t = 0;
            for (std::size_t i = 0; i < n; ++i)
            {
                while (t + 1 < K && typed[t + 1] <= i)
                    ++t;
                lo[i] = t;
                hi[i] = (K > 0 && typed[t] < i && t + 1 < K) ? t + 1 : t;
            }
        }
        std::size_t const core = core_end - core_begin;
        std::vector<float> prob(core * 2 * N, 0.0f);
        if (K == 0)
        {
            for (std::size_t c = 0; c < core; ++c)
                std::fill_n(prob.begin() + static_cast<std::ptrdiff_t>(c * 2 * N), 2 * N,
                            static_cast<float>(M[core_begin + c].alt_count) / static_cast<float>(H));
        }
        // The panel haplotypes carrying ALT at each core marker of low ALT count (at most
        // `few`), increasing: P(ALT) of a haplotype is then summed over these carriers (their kept
        // weights, 0 if not kept) instead of over its kept states, whichever is shorter. The same
        // terms in the same order (both lists increase by haplotype), so the same double sum.
        std::size_t const few = std::max<std::size_t>(1, opt_.states / 4);
        std::vector<std::uint32_t> carriers, carrier_begin(core + 1, 0);
        std::vector<char> has_carriers(core, 0);
        for (std::size_t c = 0; c < core && K > 0; ++c)
        {
            carrier_begin[c] = static_cast<std::uint32_t>(carriers.size());
            auto const & mk = M[core_begin + c];
            if (mk.alt_count > few)
                continue;
            has_carriers[c] = 1;
            for (std::size_t k = 0; k < mk.bits.size(); ++k)
                for (std::uint64_t v = mk.bits[k]; v; v &= v - 1)
                {
                    std::size_t const hh = k * 64 + static_cast<std::size_t>(__builtin_ctzll(v));
                    if (hh < H)
                        carriers.push_back(static_cast<std::uint32_t>(hh));
                }
        }
        carrier_begin[core] = static_cast<std::uint32_t>(carriers.size());
        // The imputation of a list of haplotypes (as select_imputation_states: the study's and
        // `alts`, or `alts` only), over n_off block offsets (impute_offsets = n > 1: the block
        // boundaries shifted by 1/n, 2/n, ... of a block, new state sets for each, the
        // probabilities averaged). Haplotype h's P(ALT) at core markers [c_lo, c_hi) is added to
        // dst[(c − c_lo) · stride]; its log-likelihood (averaged over the offsets) to ll[h] if given.
        struct target
        {
            std::size_t c_lo = 0, c_hi = 0;
            float * dst = nullptr;
            std::size_t stride = 1;
        };
        auto impute = [&](bool with_study, std::vector<alt_hap> const & alts, std::vector<std::int8_t> const & alt,
                          std::vector<state_sets> const * first_sets, std::vector<target> const & tg,
                          std::vector<double> * ll) {
            std::size_t const n_study = with_study ? 2 * N : 0, nh = n_study + alts.size();
            std::vector<state_sets> osets;
            for (std::size_t o = 0; K > 0 && o < n_off; ++o)
            {
                std::size_t const offset = o * w.block / n_off;
                ref_window const wo = o == 0 && first_sets ? w
                                                           : select_imputation_states(offset, osets, with_study, alts, alt);
                std::vector<state_sets> const & use = o == 0 && first_sets ? *first_sets : osets;
                float const weight = 1.0f / static_cast<float>(n_off);
                std::size_t stride = 0;
                for (std::size_t h = 0; h < nh; ++h)
                    for (auto const & b : use[h])
                        stride = std::max(stride, b.size());
#pragma omp parallel num_threads(threads) if (threads > 1)
                {
                    std::vector<float> gamma(K * stride);
                    std::vector<std::uint32_t> kept_hap, kept_begin(K + 1);
                    std::vector<float> kept_w;
                    // Two typed markers' kept weights as dense rows over the panel (0 where not kept).
                    std::array<std::vector<float>, 2> dense{std::vector<float>(H, 0.0f), std::vector<float>(H, 0.0f)};
                    std::array<std::size_t, 2> dense_t{K, K};
#pragma omp for schedule(dynamic, 1)
                    for (std::size_t h = 0; h < nh; ++h)
                    {
                        double mm = 0, ob = 0;
                        std::span<std::int8_t const> const hv{
                            h < n_study ? haps.data() + h * K : alt.data() + (h - n_study) * K, K};
                        double const lh = ref_haploid_posteriors(wo, hv, use[h], eps_, gamma, stride, mm, ob);
                        if (ll)
                            (*ll)[h] += lh / static_cast<double>(n_off);
                        // Sparse posteriors (as Beagle stores them): per typed marker only the states
                        // with posterior >= min_posterior, rescaled to sum 1. The dropped mass is at most
                        // S × min_posterior and usually far less; the interpolation below then costs
                        // the kept states per marker, not S.
                        kept_hap.clear();
                        kept_w.clear();
                        for (std::size_t t = 0; t < K; ++t)
                        {
                            kept_begin[t] = static_cast<std::uint32_t>(kept_hap.size());
                            auto const & set = use[h][wo.block_of(t)];
                            float const * gm = gamma.data() + t * stride;
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
                            std::size_t const c = i - core_begin;
                            if (has_carriers[c] && carrier_begin[c + 1] - carrier_begin[c] < kept_begin[t + 1] - kept_begin[t])
                            {
                                auto const & d = dense_row(t);
                                for (std::size_t j = carrier_begin[c]; j < carrier_begin[c + 1]; ++j)
                                    p += d[carriers[j]];
                                return p;
                            }
                            for (std::size_t j = kept_begin[t]; j < kept_begin[t + 1]; ++j)
                                if ((b[kept_hap[j] / 64] >> (kept_hap[j] % 64)) & 1U)
                                    p += kept_w[j];
                            return p;
                        };
                        target const & g = tg[h];
                        for (std::size_t c = g.c_lo; c < g.c_hi; ++c)
                        {
                            std::size_t const i = core_begin + c;
                            std::size_t const a = lo[i], z = hi[i];
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
                    }
                }
            }
        };
        // Stage 1: the study's haplotypes over the whole core; with phase_mix, the switched pairs in
        // their stretch (core markers strictly between the two heterozygotes) and every
        // haplotype's log-likelihood.
        std::vector<std::size_t> mix_begin(mix.size() + 1, 0), mix_lo(mix.size(), 0), mix_len(mix.size(), 0);
        for (std::size_t c = 0; c < mix.size(); ++c)
        {
            std::size_t const lo_i = std::max(typed[mix[c].ta] + 1, core_begin), hi_i = std::min(typed[mix[c].tb], core_end);
            mix_lo[c] = lo_i > core_begin ? lo_i - core_begin : 0;
            mix_len[c] = hi_i > lo_i && opt_.phase_mix_soft ? hi_i - lo_i : 0;
            mix_begin[c + 1] = mix_begin[c] + 2 * mix_len[c];
        }
        std::vector<float> mix_prob(mix_begin.back(), 0.0f);
        std::vector<double> hap_ll(mix.empty() ? 0 : n_haps, 0.0);
        {
            std::vector<target> tg(n_haps);
            for (std::size_t h = 0; h < 2 * N; ++h)
                tg[h] = {0, core, prob.data() + h, 2 * N};
            for (std::size_t h = 2 * N; h < n_haps; ++h)
            {
                std::size_t const c = (h - 2 * N) / 2, k = (h - 2 * N) % 2;
                tg[h] = {mix_lo[c], mix_lo[c] + mix_len[c], mix_prob.data() + mix_begin[c] + k * mix_len[c], 1};
            }
            impute(true, alts_a, alt_a, &sets, tg, mix.empty() ? nullptr : &hap_ll);
        }
        // Stage 2 (phase_mix): the switches that the imputation's model prefers by more than
        // phase_mix_margin (the pair's log-likelihood, the sum of its two haplotypes', minus the
        // current pair's; each judged alone against the current phase) are made, and those samples
        // imputed again with all of their switches; with phase_mix_soft, in the other samples each
        // uncertain stretch gets the mixture of the two phasings' P(ALT), weighted by their
        // likelihoods.
        std::vector<double> mix_d(mix.size(), 0.0);
        std::vector<char> rephased(N, 0);
        for (std::size_t c = 0; c < mix.size(); ++c)
        {
            std::size_t const s = mix[c].sample, e = 2 * N + 2 * c;
            mix_d[c] = (hap_ll[e] + hap_ll[e + 1]) - (hap_ll[2 * s] + hap_ll[2 * s + 1]);
            if (mix_d[c] > opt_.phase_mix_margin)
                rephased[s] = 1;
        }
        std::vector<alt_hap> alts_b;
        for (std::size_t s = 0; s < N; ++s)
        {
            if (!rephased[s])
                continue;
            alt_hap x;
            x.sample = s;
            x.from.assign(K, 0);
            for (std::size_t c = 0; c < mix.size(); ++c)
                if (mix[c].sample == s && mix_d[c] > opt_.phase_mix_margin)
                    for (std::size_t t = mix[c].tb; t < K; ++t)
                        x.from[t] = static_cast<char>(1 - x.from[t]);
            alts_b.push_back(x);
            for (auto & f : x.from)
                f = static_cast<char>(1 - f);
            alts_b.push_back(std::move(x));
        }
        if (!alts_b.empty())
        {
            // The new phase replaces the old in the haplotypes (the output's phase at the typed
            // markers) and in the PBWT's study rows, so that the re-imputed pair gets its own longest
            // matches; it is then imputed as its sample's two haplotypes (from[] the identity).
            {
                std::vector<std::int8_t> const fresh = alt_alleles(alts_b);
                for (std::size_t a = 0; a < alts_b.size(); ++a)
                {
                    std::size_t const h = 2 * alts_b[a].sample + a % 2;
                    std::copy_n(fresh.data() + a * K, K, haps.data() + h * K);
                    alts_b[a].from.assign(K, static_cast<char>(a % 2));
                    for (std::size_t t = 0; K > 0 && opt_.pbwt > 0 && t < K; ++t)
                    {
                        std::uint64_t & word = wf.bits[t * wf.words + (H + h) / 64];
                        std::uint64_t const bit = std::uint64_t{1} << ((H + h) % 64);
                        std::int8_t const x = haps[h * K + t];
                        word &= ~bit;
                        if (x == 1 || (x < 0 && 2 * M[typed[t]].alt_count > H))
                            word |= bit;
                    }
                }
            }
            std::vector<std::int8_t> const alt_b = alt_alleles(alts_b);
            std::vector<target> tg(alts_b.size());
            for (std::size_t a = 0; a < alts_b.size(); ++a)
            {
                float * const row = prob.data() + 2 * alts_b[a].sample + a % 2;
                for (std::size_t c = 0; c < core; ++c)
                    row[c * 2 * N] = 0.0f;
                tg[a] = {0, core, row, 2 * N};
            }
            impute(false, alts_b, alt_b, nullptr, tg, nullptr);
        }
        for (std::size_t c = 0; c < mix.size(); ++c)
        {
            std::size_t const s = mix[c].sample;
            if (rephased[s] || !opt_.phase_mix_soft)
                continue;
            double const d = mix_d[c];
            float const wt = static_cast<float>(d > 0 ? 1 / (1 + std::exp(-d)) : std::exp(d) / (1 + std::exp(d)));

            for (std::size_t j = 0; j < mix_len[c]; ++j)
            {
                std::size_t const cc = mix_lo[c] + j;
                for (std::size_t k = 0; k < 2; ++k)
                {
                    float & q = prob[cc * 2 * N + 2 * s + k];
                    q = (1 - wt) * q + wt * mix_prob[mix_begin[c] + k * mix_len[c] + j];
                }
            }
        }
        // Write the core.
        std::vector<std::int8_t> obs(N), h1(N), h2(N);
        std::size_t t = 0;
        for (std::size_t c = 0; c < core; ++c)
        {
            std::size_t const i = core_begin + c;
            while (t < K && typed[t] < i)
                ++t;
            bool const is_typed = t < K && typed[t] == i;
            if (is_typed)
                for (std::size_t s = 0; s < N; ++s)
                {
                    obs[s] = G[s * K + t];
                    h1[s] = haps[2 * s * K + t];
                    h2[s] = haps[(2 * s + 1) * K + t];
                }
            out_.write(sc.name, M[i], prob.data() + c * 2 * N, is_typed ? obs.data() : nullptr, h1.data(), h2.data());
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
