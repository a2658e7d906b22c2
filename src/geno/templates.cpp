/// \file
/// \brief The template (diploid Li–Stephens) refinement of `emtk impute`: template choice, the
/// template HMM as an em::model, draws and their stitching, the rounds (see
/// include/emtk/geno/templates.hpp).

#include <emtk/em/fit.hpp>
#include <emtk/geno/impute.hpp>
#include <emtk/geno/templates.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <bit>
#include <cmath>

namespace emtk::geno {

template_stats & template_stats::operator+=(template_stats const & o)
{
    EMTK_ASSERT(jumps.size() == o.jumps.size(), "template_stats shapes differ");
    mismatches += o.mismatches;
    chains += o.chains;
    for (std::size_t m = 0; m < jumps.size(); ++m)
    {
        jumps[m] += o.jumps[m];
        covered[m] += o.covered[m];
    }
    items += o.items;
    return *this;
}

packed_window pack_window(haplotype_panel const & panel, std::size_t first, std::size_t end)
{
    EMTK_ASSERT(first <= end && end <= panel.n_markers, "packed window out of range");
    packed_window w;
    w.first = first;
    w.end = end;
    w.words = (end - first + 63) / 64;
    std::size_t const H = 2 * panel.n_samples;
    w.bits.assign(H * w.words, 0);
    for (std::size_t h = 0; h < H; ++h)
    {
        std::uint8_t const * a = panel.row(h) + first;
        std::uint64_t * b = w.bits.data() + h * w.words;
        for (std::size_t m = 0; m < end - first; ++m)
            b[m / 64] |= static_cast<std::uint64_t>(a[m] & 1u) << (m % 64);
    }
    return w;
}

/// Bits that differ between two packed rows over words [first, end). Compiled with and without the
/// POPCNT instruction (GCC's target_clones, chosen at load time from the CPU; the baseline x86-64
/// has none and calls libgcc's table-driven popcount): integer arithmetic, same result on both.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(EMTK_NO_TARGET_CLONES)
__attribute__((target_clones("popcnt", "default")))
#endif
static std::uint64_t hamming(std::uint64_t const * x, std::uint64_t const * y, std::size_t first, std::size_t end)
{
    std::uint64_t d = 0;
    for (std::size_t j = first; j < end; ++j)
        d += static_cast<std::uint64_t>(std::popcount(x[j] ^ y[j]));
    return d;
}

void select_templates(packed_window const & w, std::size_t n_samples, std::size_t i, std::size_t S,
                      std::vector<std::uint32_t> & out)
{
    select_templates(w, n_samples, i, S, 0, w.words, out);
}

void select_templates(packed_window const & w, std::size_t n_samples, std::size_t i, std::size_t S,
                      std::size_t word_first, std::size_t word_end, std::vector<std::uint32_t> & out)
{
    out.clear();
    std::size_t const H = 2 * n_samples;
    word_end = std::min(word_end, w.words);
    if (H <= 2 || S == 0 || word_first >= word_end)
        return;
    S = std::min(S, H - 2);
    // Keys (distance << 32 | haplotype): a sort by key is by distance, ties by index.
    thread_local std::vector<std::uint64_t> key[2];
    for (int own = 0; own < 2; ++own)
    {
        std::uint64_t const * x = w.row(2 * i + static_cast<std::size_t>(own));
        auto & k = key[own];
        k.clear();
        for (std::size_t h = 0; h < H; ++h)
        {
            if (h / 2 == i)
                continue;
            std::uint64_t const * y = w.row(h);
            k.push_back(hamming(x, y, word_first, word_end) << 32 | h);
        }
    }
    // Each list sorted nearest first as far as needed; identical haplotypes are skipped, so the
    // first S of a list may not suffice: sort more when they run out.
    std::size_t sorted = 0;
    std::size_t const n = key[0].size();
    auto sort_first = [&](std::size_t upto) {
        upto = std::min(upto, n);
        for (auto & k : key)
            std::partial_sort(k.begin() + static_cast<std::ptrdiff_t>(sorted), k.begin() + static_cast<std::ptrdiff_t>(upto),
                              k.end());
        sorted = upto;
    };
    sort_first(S);
    auto identical = [&](std::uint32_t a, std::uint32_t b) {
        return std::equal(w.row(a) + word_first, w.row(a) + word_end, w.row(b) + word_first);
    };
    auto taken = [&](std::uint32_t h) { return std::find(out.begin(), out.end(), h) != out.end(); };
    std::size_t pos[2] = {0, 0};
    int turn = 0;
    while (out.size() < S && (pos[0] < n || pos[1] < n))
    {
        if (pos[turn] >= n)
            turn = 1 - turn;
        if (pos[turn] >= sorted)
            sort_first(std::max(2 * sorted, pos[turn] + 1));
        auto const h = static_cast<std::uint32_t>(key[turn][pos[turn]++] & 0xffffffffu);
        bool dup = false;
        for (auto t : out)
            if (t == h || identical(t, h))
            {
                dup = true;
                break;
            }
        if (!dup)
        {
            out.push_back(h);
            turn = 1 - turn;
        }
    }
    // Fewer distinct haplotypes than S over these words: the nearest duplicates fill the set, so
    // that every block of a composite template set has S members.
    if (out.size() < S)
        sort_first(n);
    for (std::size_t j = 0; j < n && out.size() < S; ++j)
        if (auto const h = static_cast<std::uint32_t>(key[0][j] & 0xffffffffu); !taken(h))
            out.push_back(h);
}

void select_composite_templates(packed_window const & w, std::size_t n_samples, std::size_t i, std::size_t S,
                                std::size_t block_words, std::vector<std::uint32_t> & slots)
{
    slots.clear();
    std::size_t const H = 2 * n_samples;
    if (H <= 2 || S == 0 || w.words == 0)
        return;
    S = std::min(S, H - 2);
    if (block_words == 0 || block_words >= w.words)
    {
        select_templates(w, n_samples, i, S, 0, w.words, slots);
        return;
    }
    std::size_t const flank = std::max<std::size_t>(1, block_words / 2);
    std::size_t const nb = (w.words + block_words - 1) / block_words;
    slots.resize(nb * S);
    thread_local std::vector<std::uint32_t> set;
    thread_local std::vector<char> keep;
    for (std::size_t b = 0; b < nb; ++b)
    {
        std::size_t const w0 = b * block_words, w1 = std::min(w.words, w0 + block_words);
        select_templates(w, n_samples, i, S, w0 >= flank ? w0 - flank : 0, std::min(w.words, w1 + flank), set);
        EMTK_ASSERT(set.size() == S, "composite template block with fewer than S templates");
        std::uint32_t * cur = slots.data() + b * S;
        if (b == 0)
        {
            std::copy(set.begin(), set.end(), cur);
            continue;
        }
        // A slot keeps its haplotype while it stays among the nearest; freed slots take the new
        // ones in order of nearness.
        std::uint32_t const * prev = cur - S;
        keep.assign(S, 0);
        std::vector<char> placed(S, 0);
        for (std::size_t k = 0; k < S; ++k)
            for (std::size_t j = 0; j < S; ++j)
                if (!placed[j] && set[j] == prev[k])
                {
                    keep[k] = 1;
                    placed[j] = 1;
                    break;
                }
        std::size_t j = 0;
        for (std::size_t k = 0; k < S; ++k)
        {
            if (keep[k])
            {
                cur[k] = prev[k];
                continue;
            }
            while (placed[j])
                ++j;
            cur[k] = set[j];
            placed[j] = 1;
        }
    }
}

void template_hapcluster_params(haplotype_panel const & panel, std::span<std::uint32_t const> slots, std::size_t K,
                                std::size_t block, std::size_t first, std::size_t end, template_params const & p,
                                hapcluster_params & out)
{
    std::size_t const L = end - first;
    EMTK_ASSERT(K >= 1 && end <= p.jump.size(), "template HMM without templates or beyond the jump rates");
    EMTK_ASSERT(slots.size() % K == 0 && (block == 0 ? slots.size() == K : slots.size() / K >= (L + block - 1) / block),
                "template slots do not cover the window");
    out.K = static_cast<int>(K);
    out.M = L;
    out.jump.assign(p.jump.begin() + static_cast<std::ptrdiff_t>(first), p.jump.begin() + static_cast<std::ptrdiff_t>(end));
    out.jump[0] = 1.0;
    out.alpha.assign(L * K, 1.0 / static_cast<double>(K));
    out.theta.resize(L * K);
    double const th[2] = {p.error, 1 - p.error};
    for (std::size_t m = 0; m < L; ++m)
    {
        std::uint32_t const * s = slots.data() + (block == 0 ? 0 : m / block) * K;
        for (std::size_t k = 0; k < K; ++k)
            out.theta[m * K + k] = th[panel.row(s[k])[first + m] & 1u];
    }
}

template_model::template_model(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
                               haplotype_panel const & panel, std::vector<packed_window> const & windows,
                               std::size_t S, refine_options const & ropt, hapcluster_options const & hopt,
                               template_outputs & out, rng const & draw_rng, template_params start, bool statistics) :
    genotypes_{genotypes}, n_samples_{n_samples}, n_markers_{n_markers}, panel_{panel}, windows_{windows}, S_{S},
    ropt_{ropt}, hopt_{hopt}, out_{out}, draw_rng_{draw_rng}, start_{std::move(start)}, statistics_{statistics}
{
    EMTK_ASSERT(genotypes.size() == n_samples * n_markers && panel.n_samples == n_samples &&
                    panel.n_markers == n_markers && start_.jump.size() == n_markers,
                "template model: shapes differ");
    EMTK_ASSERT(out.draw_offset.size() == windows.size(), "template model: draw offsets");
}

template_stats template_model::make_stats(params_type const &) const
{
    template_stats s;
    s.jumps.assign(n_markers_, 0.0);
    s.covered.assign(n_markers_, 0.0);
    return s;
}

double template_model::expect(std::size_t item, params_type const & p, stats_type & s) const
{
    return expect_range(item, item + 1, p, s);
}

double template_model::expect_range(std::size_t begin, std::size_t end, params_type const & p, stats_type & s) const
{
    thread_local std::vector<std::uint32_t> templates;
    thread_local hapcluster_params hp;
    thread_local std::vector<double> post;
    thread_local hapcluster_stats hs;
    double ll = 0;
    for (std::size_t item = begin; item < end; ++item)
    {
        std::size_t const wi = item / n_samples_, i = item % n_samples_;
        packed_window const & w = windows_[wi];
        std::size_t const L = w.end - w.first;
        std::size_t const block_words = ropt_.template_block / 64;
        select_composite_templates(w, n_samples_, i, S_, block_words, templates);
        std::size_t const K = std::min(S_, 2 * n_samples_ - 2);
        EMTK_ASSERT(K > 0 && !templates.empty(), "template model without templates");
        template_hapcluster_params(panel_, templates, K, templates.size() == K ? 0 : 64 * block_words, w.first, w.end,
                                   p, hp);
        if (statistics_)
            hs = make_hapcluster_stats(static_cast<int>(K), L);
        hapcluster_stats * const hsp = statistics_ ? &hs : nullptr;
        post.resize(3 * L);
        rng r = draw_rng_.split(item);
        std::uint8_t * d = out_.draws.data() + out_.draw_offset[wi] + 2 * i * L;
        haplotype_draw const draw{&r, d, d + L};
        auto const g = genotypes_.subspan(i * n_markers_ + w.first, L);
        double item_ll = 0;
        double * const gp = out_.posteriors ? post.data() : nullptr;
        if (hopt_.single_precision)
        {
            hapcluster_prepared const pp{hp};
            item_ll = hapcluster_forward_backward(pp, g, hsp, gp, nullptr, &draw);
        }
        else
            item_ll = hapcluster_forward_backward(hp, g, hsp, gp, nullptr, &draw);
        ll += item_ll;
        if (statistics_)
        {
            // Mismatches: ALT alleles of chains on REF templates, REF alleles of chains on ALT templates.
            for (std::size_t m = 0; m < L; ++m)
                for (std::size_t k = 0; k < K; ++k)
                {
                    double const c = hs.chains[m * K + k], alt = hs.alt[m * K + k];
                    s.chains += c;
                    s.mismatches += hp.theta[m * K + k] > 0.5 ? c - alt : alt;
                }
            for (std::size_t m = 1; m < L; ++m)
            {
                s.jumps[w.first + m] += hs.jumps[m];
                s.covered[w.first + m] += 2;
            }
        }
        s.items += 1;
        // Posteriors of the wanted missing genotypes of the core.
        if (!out_.posteriors)
            continue;
        std::int32_t const * sl = out_.slot.data() + i * n_markers_;
        for (std::size_t m = w.core_first; m < w.core_end; ++m)
            if (std::int32_t const x = sl[m]; x >= 0)
                for (int v = 0; v < 3; ++v)
                    out_.posterior[3 * static_cast<std::size_t>(x) + static_cast<std::size_t>(v)] =
                        post[3 * (m - w.first) + static_cast<std::size_t>(v)];
    }
    return ll;
}

void template_model::maximize(stats_type const & s, params_type & p) const
{
    if (s.chains > 0)
        p.error = std::clamp(s.mismatches / s.chains, ropt_.error_min, ropt_.error_max);
    for (std::size_t m = 1; m < n_markers_; ++m)
        if (s.covered[m] > 0)
            p.jump[m] = std::clamp(s.jumps[m] / s.covered[m], hopt_.jump_min, hopt_.jump_max);
}

void template_model::initialize(rng &, params_type & p) const
{
    p = start_;
}

void stitch_draws(template_outputs const & out, std::vector<packed_window> const & windows, haplotype_panel & panel)
{
    std::size_t const N = panel.n_samples;
    for (std::size_t i = 0; i < N; ++i)
    {
        std::uint8_t * h1 = panel.row(2 * i);
        std::uint8_t * h2 = panel.row(2 * i + 1);
        for (std::size_t wi = 0; wi < windows.size(); ++wi)
        {
            packed_window const & w = windows[wi];
            std::size_t const L = w.end - w.first;
            std::uint8_t const * d1 = out.draws.data() + out.draw_offset[wi] + 2 * i * L;
            std::uint8_t const * d2 = d1 + L;
            // Markers of this window already placed by earlier cores: [first, core_first).
            long agree = 0;
            if (wi > 0)
                for (std::size_t m = w.first; m < w.core_first; ++m)
                    if (d1[m - w.first] != d2[m - w.first])
                        agree += d1[m - w.first] == h1[m] ? 1 : -1;
            bool const swap = agree < 0;
            for (std::size_t m = w.core_first; m < w.core_end; ++m)
            {
                h1[m] = swap ? d2[m - w.first] : d1[m - w.first];
                h2[m] = swap ? d1[m - w.first] : d2[m - w.first];
            }
        }
    }
}

std::vector<refine_round_summary>
refine_window(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
              haplotype_panel & panel, std::span<double const> jump, std::span<std::int32_t const> slot,
              std::span<double> posterior, refine_options const & ropt, hapcluster_options const & hopt,
              em::options const & em_opt, rng const & draw_rng, template_params * fitted,
              std::function<void(int, haplotype_panel &, template_params const &)> const & after_round)
{
    std::vector<refine_round_summary> rounds;
    std::size_t const N = n_samples, W = n_markers;
    if (ropt.rounds <= 0 || N < 2 || W == 0)
        return rounds;
    std::size_t const S = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, ropt.templates)), 2 * N - 2);
    auto const plan = plan_windows(W, ropt.window, ropt.overlap);
    template_params params;
    params.error = ropt.error_init;
    params.jump.assign(jump.begin(), jump.end());
    template_outputs out;
    out.slot = slot;
    out.posterior = posterior;
    std::size_t total = 0;
    for (auto const & w : plan)
    {
        out.draw_offset.push_back(total);
        total += 2 * N * (w.end - w.first);
    }
    out.draws.assign(total, 0);
    // Small item sets run in double precision (as stage 1 does: impute.cpp).
    hapcluster_options hp = hopt;
    {
        double cells = 0;
        for (auto const & w : plan)
            cells += static_cast<double>(w.end - w.first);
        if (cells * static_cast<double>(N) * static_cast<double>(S * S) < 1e6)
            hp.single_precision = false;
    }
    int const average = std::clamp(ropt.average, 1, ropt.rounds);
    std::vector<double> sum;
    if (average > 1)
        sum.assign(posterior.size(), 0.0);
    for (int round = 0; round < ropt.rounds; ++round)
    {
        std::vector<packed_window> windows;
        for (auto const & w : plan)
        {
            windows.push_back(pack_window(panel, w.first, w.end));
            windows.back().core_first = w.core_first;
            windows.back().core_end = w.core_end;
        }
        em::options eo = em_opt;
        eo.restarts = 1;
        eo.max_iter = std::max(1, round == 0 ? ropt.first_iterations : ropt.later_iterations);
        eo.min_iter = std::min(eo.min_iter, eo.max_iter);
        // One E-step and no M-step: the round only wants its outputs, not the statistics; a round
        // before the averaged ones only its draws (the posteriors are those of the last rounds).
        out.posteriors = round >= ropt.rounds - average;
        template_model const model{genotypes, N, W, panel, windows, S, ropt, hp, out,
                                   draw_rng.split(static_cast<std::uint64_t>(round)), params, eo.max_iter > 1};
        auto fit = em::fit(model, params, eo);
        if (!fit.ok())
            throw user_error("the template refinement failed in round " + std::to_string(round + 1) + ": " + fit.message);
        refine_round_summary rs;
        rs.objective = fit.objective;
        rs.iterations = fit.iterations;
        rs.stop_reason = em::to_string(fit.reason);
        rs.decreases = fit.decreases;
        rs.error = fit.params.error;
        double sj = 0;
        for (std::size_t m = 1; m < W; ++m)
            sj += fit.params.jump[m];
        rs.mean_jump = W > 1 ? sj / static_cast<double>(W - 1) : 0.0;
        rs.templates = S;
        rounds.push_back(rs);
        params = std::move(fit.params);
        if (average > 1 && round >= ropt.rounds - average)
            for (std::size_t k = 0; k < sum.size(); ++k)
                sum[k] += posterior[k];
        stitch_draws(out, windows, panel);
        if (after_round)
            after_round(round, panel, params);
    }
    if (fitted)
        *fitted = params;
    if (average > 1)
        for (std::size_t k = 0; k < sum.size(); ++k)
            posterior[k] = sum[k] / average;
    return rounds;
}

} // namespace emtk::geno
