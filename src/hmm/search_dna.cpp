// emtk hmm search on DNA targets (nhmmer's pipeline without filters): windows of both strands,
// envelopes by posterior decoding, nhmmer's envelope rescoring with a composition-bias model,
// duplicates across window overlaps removed, E-values per residue searched. See
// include/emtk/hmm/search_dna.hpp for the method, its sources, memory and determinism.
#include "domain_float.hpp"
#include "domain_oa.hpp"
#include "domain_posterior.hpp"

#include <emtk/em/logspace.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/hmm/search_dna.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/work_queue.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <future>
#include <limits>
#include <memory>
#include <numbers>

namespace emtk::hmm {

namespace {

using em::log_zero;

// nhmmer's constants (HMMER 3.3 src/p7_domaindef.c rescore_isolated_domain, src/p7_pipeline.c
// p7_pli_postViterbi_LongTarget).
constexpr std::size_t envelope_slack = 20;    // envelope kept beyond the alignment when trimmed
constexpr std::size_t trim_trigger = 23;      // trim when the envelope reaches further than this
constexpr int max_trim_rounds = 5;
constexpr std::size_t min_alignment = 8;      // shorter alignments are dropped
constexpr double max_length_tail = 1e-7;      // p7_DEFAULT_WINDOW_BETA

/// The complement of every code of a nucleotide alphabet (IUPAC: R↔Y, K↔M, B↔V, D↔H; S, W, N
/// are their own complements).
std::vector<std::uint8_t> complement_table(seq::alphabet const & a)
{
    auto comp = [&](char c) -> char {
        switch (c)
        {
        case 'A': return a.type() == seq::alphabet_type::rna ? 'U' : 'T';
        case 'T':
        case 'U': return 'A';
        case 'C': return 'G';
        case 'G': return 'C';
        case 'R': return 'Y';
        case 'Y': return 'R';
        case 'K': return 'M';
        case 'M': return 'K';
        case 'B': return 'V';
        case 'V': return 'B';
        case 'D': return 'H';
        case 'H': return 'D';
        default: return c; // S, W, N and gap-like symbols
        }
    };
    std::vector<std::uint8_t> t(static_cast<std::size_t>(a.Kp()));
    for (int c = 0; c < a.Kp(); ++c)
    {
        int const d = a.code(comp(a.symbol(c)));
        t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(d < 0 ? c : d);
    }
    return t;
}

/// `p` (HMMER's search configuration, unihit) with the background replaced by `f` (K canonical
/// frequencies): N/C/J and insert emissions f, match log-odds log(e/f), degenerate codes scored
/// with the f-weighted mean log-odds of their members (as the configuration does with HMMER's
/// background). nhmmer's reparameterize_model.
profile with_background(profile p, std::span<double const> f)
{
    auto const K = static_cast<std::size_t>(p.K), Kp = static_cast<std::size_t>(p.Kp);
    auto const M = static_cast<std::size_t>(p.M);
    for (std::size_t c = 0; c < Kp; ++c)
    {
        double s = 0;
        for (std::uint8_t m : p.sets.members[c])
            s += f[m];
        p.xsc[c] = std::log(s);
    }
    for (std::size_t k = 0; k <= M; ++k)
        for (std::size_t c = 0; c < Kp; ++c)
            p.isc[k * Kp + c] = p.xsc[c];
    std::vector<double> lo(Kp);
    for (std::size_t k = 1; k <= M; ++k)
    {
        for (std::size_t c = 0; c < K; ++c)
            lo[c] = p.lmat[k * K + c] - std::log(f[c]);
        for (std::size_t c = K; c < Kp; ++c)
        {
            double num = 0, den = 0;
            bool impossible = false;
            for (std::uint8_t m : p.sets.members[c])
            {
                impossible = impossible || lo[m] == log_zero;
                num += f[m] * lo[m];
                den += f[m];
            }
            lo[c] = impossible ? log_zero : num / den;
        }
        for (std::size_t c = 0; c < Kp; ++c)
            p.msc[k * Kp + c] = lo[c] == log_zero ? log_zero : lo[c] + p.xsc[c];
    }
    return p;
}

/// A hit in the coordinates of its strand (1-based positions on the searched sequence, which is
/// the reverse complement for '-'), before thresholds.
struct raw_hit
{
    std::size_t ali_from = 0, ali_to = 0, env_from = 0, env_to = 0; // from ≤ to on the strand
    int hmm_from = 0, hmm_to = 0;
    double bits = 0, bias = 0, pvalue = 1, accuracy = 0;
    std::size_t window = 0; // window index (tie-break of duplicates)
};

/// One model prepared for DNA search.
struct dna_model
{
    search_model const * sm = nullptr;
    int W = 0;                     // maximum hit length
    profile multi;                 // local multihit, length model W (--max's envelope definition; empty otherwise)
    profile const * config = nullptr; // the scorer's configured profile (multihit; unihit() copies it)
    std::vector<double> bg;        // HMMER's background
    std::shared_ptr<detail::odds_profile const> odds; // of `multi` (--max's decoding; null otherwise)
    std::vector<std::size_t> before, after; // SSV window extensions per node (ssv_extensions)
};

/// nhmmer's extension of an SSV diagonal into a window (its p7_pli_ExtendAndMergeWindows with the
/// prefix/suffix lengths of p7_hmm_ScoreDataComputeRest; read, not copied): each node j gets a
/// length ℓ_j = 2 + n_j, n_j the largest insert run whose probability t_MI·t_II^(n−1) stays at
/// least β = 1e-7 (ℓ_M = 1); with f(k) = Σ_{j ≤ k} ℓ_j / Σ ℓ the expected fraction of the model's
/// length up to node k, a diagonal from node k0 to k is extended by ⌈W·(0.1 + f(k0))⌉ residues
/// before it and ⌈W·(0.1 + 1 − f(k − 1))⌉ after it: about 1.2·W + its length in all, where ± W
/// around each SSV row took 2·W + 1 (*approximation*, nhmmer's: a hit whose inserts and flanks
/// before or after the diagonal exceed these lengths is cut or missed; W is the length the model
/// exceeds with probability < 1e-7, so the 0.1·W slack covers the rest).
void ssv_extensions(profile_hmm const & h, int W, std::vector<std::size_t> & before, std::vector<std::size_t> & after)
{
    auto const M = static_cast<std::size_t>(h.M);
    std::vector<double> len(M + 1, 0.0);
    double total = 0;
    for (std::size_t j = 1; j <= M; ++j)
    {
        double const mi = h.t[j][t_mi], ii = h.t[j][t_ii];
        double n = 0;
        if (j < M && mi > max_length_tail)
            n = ii <= 0.0 ? 1.0 : ii >= 1.0 ? static_cast<double>(W) : std::floor(std::log(max_length_tail / mi) / std::log(ii)) + 1.0;
        len[j] = j < M ? 1.0 + std::min(n, static_cast<double>(W)) : 1.0;
        total += len[j];
    }
    before.assign(M + 1, 0);
    after.assign(M + 1, 0);
    double cum = 0; // f(k − 1)
    auto const Wd = static_cast<double>(W);
    for (std::size_t k = 1; k <= M; ++k)
    {
        after[k] = static_cast<std::size_t>(std::ceil(Wd * (0.1 + 1.0 - cum / total)));
        cum += len[k];
        before[k] = static_cast<std::size_t>(std::ceil(Wd * (0.1 + cum / total)));
    }
}

/// The model in local unihit mode (rescoring; the caller sets the length model): a copy of the
/// configured profile per envelope, not one kept per model.
profile unihit(dna_model const & dm)
{
    profile p = *dm.config;
    p.options.multihit = false;
    return p;
}

/// nhmmer's rescoring of envelope i..j (1-based in `x`, a window of length Lw); false when the
/// envelope yields no alignment of at least min_alignment residues. `exact`: Forward/Backward in
/// double (--max), else in float (domain_float.hpp).
bool rescore(dna_model const & dm, digital_sequence x, std::size_t i, std::size_t j, bool bias, raw_hit & h,
             bool exact)
{
    std::size_t const Lw = x.size();
    auto const K = static_cast<std::size_t>(dm.config->K);
    double const smooth = 25.0 / static_cast<double>(std::min<std::size_t>(100, std::max<std::size_t>(50, Lw)));
    double envsc = 0, plain = 0;
    alignment_trace tr;
    thread_local dp_matrix oa; // reused between envelopes
    thread_local std::size_t oa_cells = 0;
    thread_local detail::oa_float_matrix oaf;
    thread_local posterior pp;
    thread_local detail::float_pass plain_pass;
    std::size_t a_from = 0, a_to = 0;
    for (int round = 0;; ++round)
    {
        std::size_t const Ld = j - i + 1;
        digital_sequence const sub = x.subspan(i - 1, Ld);
        profile used = unihit(dm);
        used.options.target_length = static_cast<int>(Ld);
        detail::special_probs const t{special_transitions(used, Ld)};
        if (bias)
        {
            // f' = s·f + (1 − s)·(composition of the envelope; degenerate residues spread over
            // their members by the background).
            std::vector<double> comp(K, 0.0);
            for (std::uint8_t c : sub)
            {
                auto const & mem = used.sets.members[c];
                double den = 0;
                for (std::uint8_t m : mem)
                    den += dm.bg[m];
                for (std::uint8_t m : mem)
                    comp[m] += dm.bg[m] / den;
            }
            std::vector<double> f(K);
            for (std::size_t c = 0; c < K; ++c)
                f[c] = smooth * dm.bg[c] + (1.0 - smooth) * comp[c] / static_cast<double>(Ld);
            used = with_background(std::move(used), f);
        }
        if (exact)
            pp = detail::decode_full(detail::odds_profile{used}, t, sub, envsc);
        else if (!bias) // `used` is the configured core: its float odds are built once per model
            detail::decode_full_float(dm.sm->float_odds(), t, sub, pp, envsc);
        else
        {
            detail::odds_profile const op{used};
            detail::decode_full_float(detail::float_profile{op}, t, sub, pp, envsc);
        }
        if (!std::isfinite(envsc))
            return false;
        if (exact) // --max in double, the default in float (domain_oa.hpp)
        {
            detail::fit_alignment_matrix(oa, oa_cells, Ld, used.M);
            if (optimal_accuracy_fill(used, pp, oa) == log_zero)
                return false;
            tr = optimal_accuracy_trace(used, sub, pp, oa);
        }
        else
        {
            if (detail::optimal_accuracy_fill_float(used, pp, oaf) == log_zero)
                return false;
            tr = detail::optimal_accuracy_trace_float(used, sub, pp, oaf);
        }
        a_from = a_to = 0;
        for (trace_step const & s : tr.path)
            if (s.state == state_type::M)
            {
                if (a_from == 0)
                    a_from = s.i, h.hmm_from = s.k;
                a_to = s.i, h.hmm_to = s.k;
            }
        if (a_from == 0)
            return false;
        a_from += i - 1, a_to += i - 1; // window coordinates
        bool const trim = i + trim_trigger < a_from || j > a_to + trim_trigger;
        if (!trim || round + 1 >= max_trim_rounds)
            break;
        i = std::max(i, a_from > envelope_slack ? a_from - envelope_slack : 1);
        j = std::min(j, a_to + envelope_slack);
    }
    std::size_t const Ld = j - i + 1;
    if (bias)
    {
        profile uni = unihit(dm);
        uni.options.target_length = static_cast<int>(Ld);
        detail::special_probs const t{special_transitions(uni, Ld)};
        plain = exact ? detail::forward_odds(detail::odds_profile{uni}, t, x.subspan(i - 1, Ld), nullptr, nullptr)
                      : detail::forward_float(dm.sm->float_odds(), t, x.subspan(i - 1, Ld), plain_pass, false);
        envsc = std::min(envsc, plain);
        h.bias = (plain - envsc) / std::numbers::ln2;
    }
    std::size_t const La = a_to - a_from + 1;
    if (La < min_alignment)
        return false;
    // Move the score from the length model of Ld to that of W (nhmmer's adjustment).
    auto const W = static_cast<double>(dm.W), dLd = static_cast<double>(Ld), dLa = static_cast<double>(La);
    double sc = envsc;
    sc -= 2.0 * std::log(2.0 / (dLd + 2.0));
    sc += 2.0 * std::log(2.0 / (W + 2.0));
    sc -= (dLd - dLa) * std::log(dLd / (dLd + 2.0));
    sc += (std::max(W, dLd) - dLa) * std::log(W / (W + 2.0));
    std::size_t const Lnull = std::max<std::size_t>(static_cast<std::size_t>(dm.W), Ld);
    h.bits = (sc - null1_score(Lnull, Lnull)) / std::numbers::ln2;
    h.pvalue = dm.sm->pvalue(h.bits);
    h.env_from = i, h.env_to = j, h.ali_from = a_from, h.ali_to = a_to;
    double acc = 0;
    std::size_t n = 0;
    for (std::size_t s = 0; s < tr.path.size(); ++s)
        if (tr.path[s].i > 0 && tr.path[s].i + i - 1 >= a_from && tr.path[s].i + i - 1 <= a_to &&
            (tr.path[s].state == state_type::M || tr.path[s].state == state_type::I))
            acc += tr.pp[s], ++n;
    h.accuracy = n ? acc / static_cast<double>(n) : 0.0;
    return true;
}

/// The hits of one window (1-based window coordinates). `forward`: the Forward filter's pass over
/// x (float path): the posterior occupancy then uses it and the filter's length model (the
/// window's length, as nhmmer's domain definition uses the Forward filter's matrix) instead of
/// a second Forward under the length model of W.
std::vector<raw_hit> scan_window(dna_model const & dm, digital_sequence x, bool bias, bool exact,
                                 detail::float_pass const * forward = nullptr)
{
    std::vector<raw_hit> out;
    if (x.empty())
        return out;
    // The configured profile's odds (multi and unihit share them; only the specials differ).
    detail::occupancy const o =
        exact ? detail::decode_occupancy(dm.multi, *dm.odds, x)
              : detail::decode_occupancy_float(dm.sm->scorer().configured(), dm.sm->float_odds(), x, forward);
    for (auto const & [from, to] : detail::find_envelopes(o))
    {
        raw_hit h;
        if (rescore(dm, x, from, to, bias, h, exact))
            out.push_back(h);
    }
    return out;
}

/// The hits of one window through the filters (search_dna.hpp, "Filters"): SSV diagonals extended
/// into sub-windows (ssv_extensions) and merged, Viterbi and Forward filters, then scan_window on
/// each survivor.
std::vector<raw_hit> scan_window_filtered(dna_model const & dm, digital_sequence x, bool bias, filter_options const & fo)
{
    if (fo.max)
        return scan_window(dm, x, bias, true);
    thread_local detail::float_pass pass;
    std::vector<raw_hit> out;
    search_model const & sm = *dm.sm;
    hmmer_stats const & st = *sm.model().stats;
    auto const W = static_cast<std::size_t>(dm.W);
    for (auto const & [from, to] : sm.filter().ssv_windows(x, W, st, fo.F1, dm.before, dm.after))
    {
        digital_sequence const sub = x.subspan(from, to - from);
        if (viterbi_pvalue(sm.filter().viterbi_bits(sub), st) > fo.F2)
            continue;
        if (forward_pvalue(sm.float_sequence_bits(sub, pass), st) > fo.F3)
            continue;
        for (raw_hit h : scan_window(dm, sub, bias, false, &pass))
        {
            h.ali_from += from, h.ali_to += from, h.env_from += from, h.env_to += from;
            out.push_back(h);
        }
    }
    return out;
}

/// One unit of work: a window of one strand of one target for one model. Windows are intervals of
/// the forward strand; a '−' task searches the reverse complement of its interval.
struct task
{
    std::size_t model = 0;
    std::size_t record = 0;  // slot in the open records
    std::size_t segment = 0; // the batch's residue copy holding the window
    bool minus = false;
    std::size_t start = 0, length = 0; // 0-based start on the forward strand, residues
    std::size_t window = 0;            // window index on that strand (earlier on the strand = lower)
};

/// Strand coordinates of '−' hits: origin_minus − (forward position) + 1, which increases along
/// the reverse strand without knowing the target's length (targets are read in parts).
constexpr std::size_t origin_minus = std::size_t{1} << 62;

bool passes(dna_search_options const & o, double bits, double evalue) noexcept
{
    return o.bits ? bits >= *o.bits : evalue <= o.evalue;
}

/// Removes duplicates among the hits of one strand of one target (see the header, step 5).
void remove_duplicates(std::vector<raw_hit> & hits)
{
    std::sort(hits.begin(), hits.end(), [](raw_hit const & a, raw_hit const & b) {
        return a.ali_from != b.ali_from ? a.ali_from < b.ali_from
               : a.ali_to != b.ali_to   ? a.ali_to < b.ali_to
                                        : a.window < b.window;
    });
    std::vector<bool> gone(hits.size(), false);
    for (std::size_t a = 0; a < hits.size(); ++a)
    {
        if (gone[a])
            continue;
        for (std::size_t b = a + 1; b < hits.size() && hits[b].ali_from <= hits[a].ali_to; ++b)
        {
            if (gone[b])
                continue;
            std::size_t const ov = std::min(hits[a].ali_to, hits[b].ali_to) - hits[b].ali_from + 1;
            std::size_t const shorter = std::min(hits[a].ali_to - hits[a].ali_from, hits[b].ali_to - hits[b].ali_from) + 1;
            if (2 * ov < shorter)
                continue;
            bool const a_wins = hits[a].bits > hits[b].bits ||
                                (hits[a].bits == hits[b].bits && hits[a].window <= hits[b].window);
            gone[a_wins ? b : a] = true;
            if (!a_wins)
                break;
        }
    }
    std::size_t w = 0;
    for (std::size_t a = 0; a < hits.size(); ++a)
        if (!gone[a])
            hits[w++] = hits[a];
    hits.resize(w);
}

} // namespace

int model_max_length(hmmer_model const & m)
{
    if (m.max_length && *m.max_length > 0)
        return *m.max_length;
    profile_hmm const & h = m.hmm;
    auto const M = static_cast<std::size_t>(h.M);
    // mm[k], ii[k], dd[k]: probability of being in M_k / I_k / D_k having emitted exactly `len`
    // residues (rows of the DP over len). Node 0's "match" is B.
    std::vector<double> pm(M + 1, 0.0), pi(M + 1, 0.0), pd(M + 1, 0.0), cm(M + 1), ci(M + 1), cd(M + 1);
    auto t = [&](std::size_t k, transition x) { return h.t[k][x]; };
    double done = 0;
    std::size_t const cap = 20 * M + 10000;
    for (std::size_t len = 0; len <= cap; ++len)
    {
        std::fill(cm.begin(), cm.end(), 0.0);
        std::fill(ci.begin(), ci.end(), 0.0);
        std::fill(cd.begin(), cd.end(), 0.0);
        if (len == 0)
            cm[0] = 1.0; // B
        for (std::size_t k = 0; k <= M; ++k)
        {
            if (k >= 1 && len >= 1)
                cm[k] = pm[k - 1] * t(k - 1, t_mm) + pi[k - 1] * t(k - 1, t_im) + (k >= 2 ? pd[k - 1] * t(k - 1, t_dm) : 0.0);
            if (len >= 1)
                ci[k] = pm[k] * t(k, t_mi) + pi[k] * t(k, t_ii);
            if (k >= 1)
                cd[k] = cm[k - 1] * t(k - 1, t_md) + (k >= 2 ? cd[k - 1] * t(k - 1, t_dd) : 0.0);
        }
        // Ending with `len` residues: leave node M (its match, its insert or its delete) to E.
        done += cm[M] * t(M, t_mm) + ci[M] * t(M, t_im) + cd[M] * t(M, t_dm);
        std::swap(pm, cm);
        std::swap(pi, ci);
        std::swap(pd, cd);
        if (1.0 - done < max_length_tail && len >= M)
            return static_cast<int>(len);
    }
    return static_cast<int>(cap);
}

dna_search_result search_dna(std::span<search_model const> models, std::string const & models_source,
                             seq::sequence_reader & targets, dna_search_options const & options)
{
    dna_search_result result;
    std::vector<dna_model> dms(models.size());
    result.models.resize(models.size());
    std::vector<dna_search_options> per_model(models.size(), options); // thresholds (cutoffs are per model)
    for (std::size_t m = 0; m < models.size(); ++m)
        if (options.cutoff != model_cutoff::none)
            per_model[m].bits = per_model[m].inc_bits =
                model_cutoff_scores(models[m].model(), options.cutoff, models_source)[0];
    for (std::size_t m = 0; m < models.size(); ++m)
    {
        auto const & hm = models[m].model();
        if (hm.alphabet == seq::alphabet_type::amino)
            throw_input_error(models_source, 0,
                              "model " + hm.name + " is a protein model: DNA search needs DNA or RNA models");
        dna_model & d = dms[m];
        d.sm = &models[m];
        d.W = model_max_length(hm);
        d.config = &models[m].scorer().configured();
        d.bg = hmmer_background(hm.alphabet);
        ssv_extensions(hm.hmm, d.W, d.before, d.after);
        if (options.filter.max) // only --max decodes whole windows in double (the filters' path: scan_window)
        {
            d.multi = models[m].scorer().configured();
            d.multi.options.target_length = d.W;
            d.odds = std::make_shared<detail::odds_profile const>(d.multi);
        }
        result.models[m].name = hm.name;
        result.models[m].accession = hm.accession;
        result.models[m].description = hm.description;
        result.models[m].M = hm.hmm.M;
        result.models[m].max_length = d.W;
    }
    int const threads = options.threads > 0 ? options.threads : 1;
    std::size_t const win = std::max<std::size_t>(options.window, 1000);
    int const strands = (options.top ? 1 : 0) + (options.bottom ? 1 : 0);
    std::vector<std::uint8_t> comp;
    bool checked = false;
    std::size_t const batch_residues = 1u << 20, part_residues = 256u << 10;

    /// A target being read in parts: the residues of its windows not yet searched, the next window
    /// of each model, its hits so far per (model, strand).
    struct open_record
    {
        std::uint64_t index = 0;
        std::string name, description;
        std::size_t length = 0; // residues read so far
        bool ended = false;
        std::vector<std::uint8_t> carry; // residues [carry_from, length)
        std::size_t carry_from = 0;
        std::vector<std::size_t> next_start, next_window; // per model
        std::vector<bool> done;                           // per model: its last window emitted
        std::vector<std::vector<raw_hit>> hits;           // [model · 2 + strand]
        std::uint64_t final_batch = 0;                    // once ended: the batch holding its last windows
    };
    /// The windows of one batch: its tasks and the copies of residues they read. Two of them: with
    /// more than one thread the next batch is read while the current one is searched.
    struct batch_windows
    {
        std::vector<task> tasks;
        std::vector<std::vector<std::uint8_t>> segments; // the first n_segments are used; their storage is reused
        std::size_t n_segments = 0;
        std::vector<std::size_t> segment_from; // forward position of each segment's first residue
        std::size_t residues = 0;              // residues read into this batch
        std::uint64_t number = 0;              // batches read before it
    };
    std::deque<open_record> open;
    std::size_t open_base = 0; // slot number of open.front()
    std::vector<std::vector<raw_hit>> found;

    // Emits the windows of record `slot` that its residues read so far complete (all remaining ones
    // once it has ended): the same windows as cutting the whole target, for each model.
    auto emit_windows = [&](std::size_t slot, batch_windows & b) {
        std::vector<task> & tasks = b.tasks;
        open_record & r = open[slot - open_base];
        std::size_t const L = r.length;
        std::size_t lo = L, hi = 0;
        std::size_t const first_task = tasks.size();
        for (std::size_t m = 0; m < dms.size(); ++m)
        {
            std::size_t const overlap = std::min<std::size_t>(static_cast<std::size_t>(dms[m].W), win / 2);
            while (!r.done[m])
            {
                std::size_t const start = r.next_start[m];
                if (!r.ended && start + win >= L) // needs more residues (or the end) to be final
                    break;
                std::size_t const len = std::min(win, L - start);
                std::size_t const w = r.next_window[m]++;
                for (int strand = 0; strand < 2; ++strand)
                {
                    if ((strand == 0 && !options.top) || (strand == 1 && !options.bottom))
                        continue;
                    tasks.push_back({m, slot, b.n_segments, strand == 1, start, len,
                                     strand == 1 ? std::numeric_limits<std::size_t>::max() - w : w});
                }
                lo = std::min(lo, start), hi = std::max(hi, start + len);
                if (start + len >= L)
                    r.done[m] = true;
                else
                    r.next_start[m] = start + win - overlap;
            }
        }
        if (tasks.size() > first_task)
        {
            if (b.n_segments == b.segments.size())
                b.segments.emplace_back();
            b.segments[b.n_segments++].assign(r.carry.begin() + static_cast<std::ptrdiff_t>(lo - r.carry_from),
                                              r.carry.begin() + static_cast<std::ptrdiff_t>(hi - r.carry_from));
            b.segment_from.push_back(lo);
        }
        // Residues before every model's next window are no longer needed.
        std::size_t keep = L;
        for (std::size_t m = 0; m < dms.size(); ++m)
            if (!r.done[m])
                keep = std::min(keep, r.next_start[m]);
        if (keep > r.carry_from)
        {
            r.carry.erase(r.carry.begin(), r.carry.begin() + static_cast<std::ptrdiff_t>(keep - r.carry_from));
            r.carry_from = keep;
        }
        if (keep == L && r.ended)
            std::vector<std::uint8_t>{}.swap(r.carry);
    };

    seq::sequence part;
    bool input_left = true;
    std::uint64_t batches_read = 0;
    // Reads the next batch of windows into `b` (the reader, `open` and result.targets/residues are
    // touched by one thread at a time: the one reading).
    auto read_batch = [&](batch_windows & b) {
        b.tasks.clear();
        b.n_segments = 0;
        b.segment_from.clear();
        b.residues = 0;
        b.number = batches_read++;
        while (input_left && b.residues < batch_residues)
        {
            std::uint64_t offset = 0;
            bool last = false;
            if (!targets.next_part(part, part_residues, offset, last))
            {
                input_left = false;
                break;
            }
            if (!checked)
            {
                seq::alphabet const & a = seq::alphabet::get(targets.type());
                for (auto const & sm : models)
                    if (sm.model().alphabet != targets.type())
                        throw option_input_error(located_message(
                            targets.source(), 0,
                            "the targets are " + std::string{a.name()} + " sequences but model " +
                                sm.model().name + " in " + models_source + " is " +
                                std::string{seq::alphabet::get(sm.model().alphabet).name()} + " (use " +
                                field_name("alphabet") + " to force the targets' alphabet)"));
                comp = complement_table(a);
                checked = true;
            }
            if (offset == 0)
            {
                open_record r;
                r.index = result.targets++;
                r.name = part.name;
                r.description = part.description;
                r.next_start.assign(dms.size(), 0);
                r.next_window.assign(dms.size(), 0);
                r.done.assign(dms.size(), false);
                r.hits.resize(2 * dms.size());
                open.push_back(std::move(r));
            }
            open_record & r = open.back();
            if (r.carry.capacity() < r.carry.size() + part.dsq.size()) // room for a part and a window, once
                r.carry.reserve(r.carry.size() + std::max(part.dsq.size(), part_residues) + win);
            r.carry.insert(r.carry.end(), part.dsq.begin(), part.dsq.end());
            r.length += part.dsq.size();
            r.ended = last;
            r.final_batch = b.number;
            b.residues += part.dsq.size();
            result.residues += part.dsq.size() * static_cast<std::uint64_t>(strands);
            emit_windows(open_base + open.size() - 1, b);
        }
    };
    // With more than one thread, the next batch is read (one more thread, mostly parsing) while
    // the current one is searched: the windows, tasks and hits do not depend on it, so the output
    // is that of reading and searching in turn. A reading error surfaces before the next batch is
    // searched, as without overlap.
    bool const overlap = threads > 1;
    batch_windows buffers[2];
    batch_windows * cur = &buffers[0];
    batch_windows * ahead_buf = &buffers[1];
    read_batch(*cur);
    for (;;)
    {
        bool const more = input_left; // another batch follows this one (possibly empty)
        std::future<void> ahead;
        if (overlap && more)
            ahead = std::async(std::launch::async, [&] { read_batch(*ahead_buf); });
        std::vector<task> const & tasks = cur->tasks;
        std::vector<std::vector<std::uint8_t>> const & segments = cur->segments;
        std::vector<std::size_t> const & segment_from = cur->segment_from;

        found.assign(tasks.size(), {});
        // Tasks are claimed one at a time from a shared counter by `threads` workers
        // (util::run_claimed, as in search.cpp: workers that finish block in join() instead of
        // spinning at a barrier, which would take CPU from the thread reading the next batch);
        // hits go to their task's slot, so the output does not depend on the number of threads.
        util::run_claimed(tasks.size(), static_cast<std::size_t>(threads), [&](std::size_t ti, std::size_t) {
            task const & tk = tasks[ti];
            std::vector<std::uint8_t> const & seg = segments[tk.segment];
            auto const at = static_cast<std::ptrdiff_t>(tk.start - segment_from[tk.segment]);
            digital_sequence window{seg.data() + at, tk.length};
            thread_local std::vector<std::uint8_t> rc;
            if (tk.minus)
            {
                rc.resize(tk.length);
                std::transform(seg.begin() + at, seg.begin() + at + static_cast<std::ptrdiff_t>(tk.length), rc.rbegin(),
                               [&](std::uint8_t c) { return comp[c]; });
                window = digital_sequence{rc.data(), tk.length};
            }
            auto hits = scan_window_filtered(dms[tk.model], window, options.bias, options.filter);
            // Strand coordinates: forward positions on '+', origin_minus − forward + 1 on '−'.
            std::size_t const shift = tk.minus ? origin_minus - tk.start - tk.length : tk.start;
            for (auto & h : hits)
            {
                h.window = tk.window;
                h.ali_from += shift, h.ali_to += shift, h.env_from += shift, h.env_to += shift;
            }
            found[ti] = std::move(hits);
        });
        if (ahead.valid())
            ahead.get(); // the next batch is read (or its error thrown)
        else if (more)
            read_batch(*ahead_buf);
        // Z only grows: a hit failing with the search space so far fails at the end too.
        double const res_now = options.Z_mb ? *options.Z_mb * 1e6 * strands : static_cast<double>(result.residues);
        for (std::size_t ti = 0; ti < tasks.size(); ++ti)
        {
            task const & tk = tasks[ti];
            auto & to = open[tk.record - open_base].hits[2 * tk.model + (tk.minus ? 1 : 0)];
            to.insert(to.end(), found[ti].begin(), found[ti].end());
        }
        // Targets whose windows are all searched: duplicates out, thresholds, forward coordinates.
        while (!open.empty() && open.front().ended && open.front().final_batch <= cur->number)
        {
            open_record & rec = open.front();
            std::size_t const L = rec.length;
            for (std::size_t m = 0; m < dms.size(); ++m)
                for (int strand = 0; strand < 2; ++strand)
                {
                    std::vector<raw_hit> & hits = rec.hits[2 * m + static_cast<std::size_t>(strand)];
                    remove_duplicates(hits);
                    bool const minus = strand == 1;
                    for (raw_hit const & r : hits)
                    {
                        if (!passes(per_model[m], r.bits, r.pvalue * res_now / static_cast<double>(dms[m].W)))
                            continue;
                        dna_hit h;
                        h.index = rec.index;
                        h.name = rec.name;
                        h.description = rec.description;
                        h.length = L;
                        h.strand = minus ? '-' : '+';
                        auto fwd = [&](std::size_t p) { return minus ? origin_minus - p + 1 : p; };
                        h.ali_from = fwd(r.ali_from), h.ali_to = fwd(r.ali_to);
                        h.env_from = fwd(r.env_from), h.env_to = fwd(r.env_to);
                        h.hmm_from = r.hmm_from, h.hmm_to = r.hmm_to;
                        h.bits = r.bits, h.bias = r.bias, h.pvalue = r.pvalue, h.accuracy = r.accuracy;
                        result.models[m].hits.push_back(std::move(h));
                    }
                }
            open.pop_front();
            ++open_base;
        }
        if (options.on_batch)
            options.on_batch(result.targets, result.residues);
        if (!more)
            break;
        std::swap(cur, ahead_buf);
    }
    if (!checked)
        throw_input_error(targets.source(), 0, "no sequences in the file");

    double const res_final = options.Z_mb ? *options.Z_mb * 1e6 * strands : static_cast<double>(result.residues);
    for (std::size_t m = 0; m < dms.size(); ++m)
    {
        auto & mh = result.models[m];
        double const Z = res_final / static_cast<double>(dms[m].W);
        for (auto & h : mh.hits)
            h.evalue = h.pvalue * Z;
        dna_search_options const & mo = per_model[m];
        std::erase_if(mh.hits, [&](dna_hit const & h) { return !passes(mo, h.bits, h.evalue); });
        for (auto & h : mh.hits)
            h.included = mo.inc_bits ? h.bits >= *mo.inc_bits : h.evalue <= mo.inc_evalue;
        // Per target in input order; within a target by position on the forward strand.
        std::stable_sort(mh.hits.begin(), mh.hits.end(), [](dna_hit const & a, dna_hit const & b) {
            if (a.index != b.index)
                return a.index < b.index;
            std::size_t const pa = std::min(a.ali_from, a.ali_to), pb = std::min(b.ali_from, b.ali_to);
            if (pa != pb)
                return pa < pb;
            return a.strand < b.strand;
        });
    }
    return result;
}

} // namespace emtk::hmm
