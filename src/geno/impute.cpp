/// \file
/// \brief Windows, starts, posterior averaging and stitching (see include/emtk/geno/impute.hpp).

#include <emtk/em/fit.hpp>
#include <emtk/geno/haploid.hpp>
#include <emtk/geno/hwe.hpp>
#include <emtk/geno/impute.hpp>
#include <emtk/geno/templates.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace emtk::geno {

std::vector<window_summary> plan_windows(std::size_t n, std::size_t window, std::size_t overlap)
{
    std::vector<window_summary> w;
    if (n == 0)
        return w;
    window = std::max<std::size_t>(window, 1);
    overlap = std::min(overlap, window - 1);
    if (n <= window)
    {
        window_summary s;
        s.first = 0;
        s.end = n;
        w.push_back(s);
    }
    else
    {
        // The fewest windows that cover n markers with the required overlap, all of one length L
        // (<= window; +1 so that rounding the starts down never shortens an overlap), starts spread
        // evenly: no window is mostly a copy of its neighbour.
        std::size_t const W = (n - overlap + (window - overlap) - 1) / (window - overlap);
        std::size_t const L = std::min(window, (n + (W - 1) * overlap + W - 1) / W + 1);
        for (std::size_t i = 0; i < W; ++i)
        {
            window_summary s;
            s.first = i * (n - L) / (W - 1);
            s.end = s.first + L;
            w.push_back(s);
        }
    }
    // Each marker goes to the window where it is most central (ties: the earlier window).
    for (auto & s : w)
    {
        s.core_first = std::numeric_limits<std::size_t>::max();
        s.core_end = 0;
    }
    std::size_t lo = 0;
    for (std::size_t m = 0; m < n; ++m)
    {
        while (w[lo].end <= m)
            ++lo;
        std::size_t best = lo;
        std::size_t best_d = 0;
        for (std::size_t j = lo; j < w.size() && w[j].first <= m; ++j)
        {
            std::size_t const d = std::min(m - w[j].first, w[j].end - 1 - m);
            if (j == lo || d > best_d)
            {
                best = j;
                best_d = d;
            }
        }
        auto & s = w[best];
        s.core_first = std::min(s.core_first, m);
        EMTK_ASSERT(s.core_end == 0 || s.core_end == m, "window cores are not contiguous");
        s.core_end = m + 1;
    }
    for (auto & s : w)
        if (s.core_end == 0)
            s.core_first = s.core_end = s.first; // empty core (possible only for a redundant last window)
    return w;
}

namespace {

/// One window's data, sample-major, and the slot of every missing genotype of its core.
struct window_data
{
    std::size_t W = 0;
    std::vector<std::int8_t> g;       // N × W
    std::vector<std::int32_t> slot;   // N × W: index into the core's accumulator, or -1
    std::size_t core_missing = 0;
};

window_data cut_window(genotype_matrix const & gm, window_summary const & w)
{
    window_data d;
    std::size_t const N = gm.n_samples;
    d.W = w.end - w.first;
    d.g.resize(N * d.W);
    d.slot.assign(N * d.W, -1);
    std::int32_t next = 0;
    for (std::size_t j = 0; j < d.W; ++j)
    {
        std::size_t const m = w.first + j;
        std::int8_t const * row = gm.g.data() + m * N;
        bool const core = m >= w.core_first && m < w.core_end;
        for (std::size_t i = 0; i < N; ++i)
        {
            d.g[i * d.W + j] = row[i];
            if (core && row[i] == missing_genotype)
                d.slot[i * d.W + j] = next++;
        }
    }
    d.core_missing = static_cast<std::size_t>(next);
    return d;
}

/// Random streams of a window beside its starts' (block_rng.split(w).split(r), r < restarts).
constexpr std::uint64_t draw_stream = std::uint64_t{1} << 40;
constexpr std::uint64_t refine_stream = draw_stream + 1;

start_summary summarise(em::fit_result<hapcluster_params> const & r)
{
    start_summary s;
    s.objective = r.objective;
    s.iterations = r.iterations;
    s.stop_reason = em::to_string(r.reason);
    s.decreases = r.decreases;
    return s;
}

} // namespace

impute_result impute_block(genotype_matrix const & gm, impute_options const & opt, std::uint64_t block,
                           std::function<void(std::size_t, std::size_t)> const & progress)
{
    std::size_t const N = gm.n_samples, M = gm.n_sites;
    EMTK_ASSERT(gm.g.size() == N * M, "genotype matrix size mismatch");
    impute_result res;
    res.missing = static_cast<std::size_t>(std::count(gm.g.begin(), gm.g.end(), missing_genotype));
    res.gp.assign(3 * res.missing, 0.0f);
    res.phase.assign(res.missing, phase_unknown);
    if (M == 0 || N == 0)
        return res;
    // Offset of each site's first missing genotype in the result.
    std::vector<std::size_t> offset(M + 1, 0);
    for (std::size_t m = 0; m < M; ++m)
        offset[m + 1] = offset[m] + static_cast<std::size_t>(std::count(gm.g.begin() + static_cast<std::ptrdiff_t>(m * N),
                                                                        gm.g.begin() + static_cast<std::ptrdiff_t>((m + 1) * N),
                                                                        missing_genotype));
    bool const hwe = opt.method == impute_method::hwe;
    res.windows = hwe ? plan_windows(M, M, 0) : plan_windows(M, opt.window, opt.overlap);
    int const restarts = hwe ? 1 : std::max(1, opt.restarts);
    std::size_t const total_starts = res.windows.size() * static_cast<std::size_t>(restarts);
    std::size_t done = 0;
    em::options eo = opt.em;
    eo.restarts = 1;
    int const threads = std::max(1, eo.threads);
    rng const block_rng{eo.seed, block};

    for (std::size_t wi = 0; wi < res.windows.size(); ++wi)
    {
        window_summary & w = res.windows[wi];
        window_data const d = cut_window(gm, w);
        std::vector<double> acc(3 * d.core_missing, 0.0);
        if (hwe)
        {
            hwe_model const model{d.g, N, d.W};
            std::vector<double> start;
            rng r = block_rng.split(wi);
            model.initialize(r, start);
            auto const fit = em::fit(model, std::move(start), eo);
            if (!fit.ok())
                throw user_error("the allele-frequency fit failed: " + fit.message);
            start_summary s;
            s.objective = fit.objective;
            s.iterations = fit.iterations;
            s.stop_reason = em::to_string(fit.reason);
            s.decreases = fit.decreases;
            w.starts.push_back(s);
            w.trace = fit.trace;
            for (std::size_t i = 0; i < N; ++i)
                for (std::size_t j = 0; j < d.W; ++j)
                    if (std::int32_t const sl = d.slot[i * d.W + j]; sl >= 0)
                    {
                        double q[3];
                        hwe_model::genotype_probabilities(fit.params[j], q);
                        for (int x = 0; x < 3; ++x)
                            acc[3 * static_cast<std::size_t>(sl) + x] += q[x];
                    }
            if (progress)
                progress(++done, total_starts);
        }
        else
        {
            // Small windows (samples × markers × K² < 1e6 pair cells: a fraction of a second) run
            // in double precision: there the float kernel's round-off of the objective (~1e-7 of a
            // small total) is not small next to the EM's own per-iteration gains.
            hapcluster_options mopt = opt.model;
            auto const Kd = static_cast<double>(mopt.clusters);
            if (static_cast<double>(N) * static_cast<double>(d.W) * Kd * Kd < 1e6)
                mopt.single_precision = false;
            hapcluster_model const model{d.g, N, d.W, mopt};
            // Stage 2 (templates.hpp) needs every sample phased: start 0 draws the haplotypes.
            bool const refine = opt.refine.rounds > 0 && N >= 2;
            haplotype_panel panel;
            std::vector<double> stage1_jump;
            if (refine)
            {
                panel.n_samples = N;
                panel.n_markers = d.W;
                panel.hap.assign(2 * N * d.W, 0);
            }
            rng const draw_rng = block_rng.split(wi).split(draw_stream);
            for (int r = 0; r < restarts; ++r)
            {
                hapcluster_params start;
                rng gen = block_rng.split(wi).split(static_cast<std::uint64_t>(r));
                model.initialize(gen, start);
                auto const fit = em::fit(model, std::move(start), eo);
                if (!fit.ok())
                    throw user_error("the haplotype-cluster fit failed in window " + std::to_string(wi + 1) + ": " +
                                     fit.message);
                w.starts.push_back(summarise(fit));
                if (r == 0)
                    w.trace = fit.trace;
                // Posteriors of the missing genotypes of the core; each slot belongs to one sample.
                hapcluster_params const & p = fit.params;
                hapcluster_prepared const pp{p};
#pragma omp parallel num_threads(threads) if (threads > 1)
                {
                    std::vector<double> post(3 * d.W);
#pragma omp for schedule(dynamic, 4)
                    for (std::size_t i = 0; i < N; ++i)
                    {
                        std::int32_t const * sl = d.slot.data() + i * d.W;
                        bool const phase = refine && r == 0;
                        bool any = phase;
                        for (std::size_t j = 0; j < d.W && !any; ++j)
                            any = sl[j] >= 0;
                        if (!any)
                            continue;
                        // Only start 0 of a refined window phases: the panel is empty otherwise.
                        rng sample_rng = draw_rng.split(i);
                        haplotype_draw draw;
                        if (phase)
                            draw = {&sample_rng, panel.hap.data() + 2 * i * d.W, panel.hap.data() + (2 * i + 1) * d.W};
                        haplotype_draw const * dp = phase ? &draw : nullptr;
                        if (mopt.single_precision)
                            hapcluster_forward_backward(pp, model.sample(i), nullptr, post.data(), nullptr, dp);
                        else
                            hapcluster_forward_backward(p, model.sample(i), nullptr, post.data(), nullptr, dp);
                        for (std::size_t j = 0; j < d.W; ++j)
                            if (sl[j] >= 0)
                                for (int x = 0; x < 3; ++x)
                                    acc[3 * static_cast<std::size_t>(sl[j]) + x] += post[3 * j + x];
                    }
                }
                if (r == 0 && refine)
                    stage1_jump = p.jump;
                if (progress)
                    progress(++done, total_starts);
            }
            if (refine)
            {
                // The refined posteriors replace the starts' average.
                std::vector<double> post(3 * d.core_missing, 0.0);
                template_params fitted;
                // Salts of the flips' state selection: above the haploid passes' (pass × (switch
                // passes + 1) + ...), one per round.
                auto const flips = [&](int round, haplotype_panel & pn, template_params const & tp) {
                    w.refine_flips += panel_het_flips(d.g, N, d.W, pn, tp.jump, tp.error, opt.haploid, 200 + round, threads);
                };
                w.refine = refine_window(d.g, N, d.W, panel, stage1_jump, d.slot, post, opt.refine, mopt, eo,
                                         block_rng.split(wi).split(refine_stream), &fitted,
                                         opt.refine_flips ? flips : std::function<void(int, haplotype_panel &, template_params const &)>{});
                // Stage 3: the haploid pass over the last round's haplotypes, blended in.
                w.haploid = haploid_window(d.g, N, d.W, panel, fitted.jump, fitted.error, d.slot, post, opt.haploid, eo);
                for (std::size_t k = 0; k < post.size(); ++k)
                    acc[k] = post[k] * restarts;
                // The phase of each imputed genotype: the sample's haplotypes in the panel.
                std::size_t const base = offset[w.core_first];
                for (std::size_t i = 0; i < N; ++i)
                    for (std::size_t j = 0; j < d.W; ++j)
                        if (std::int32_t const sl = d.slot[i * d.W + j]; sl >= 0)
                            res.phase[base + static_cast<std::size_t>(sl)] =
                                static_cast<std::uint8_t>((panel.row(2 * i)[j] & 1u) | ((panel.row(2 * i + 1)[j] & 1u) << 1));
                if (progress)
                    progress(done, total_starts);
            }
        }
        // Core slots were numbered site by site, samples in order: the result's order.
        std::size_t const base = offset[w.core_first];
        EMTK_ASSERT(offset[w.core_end] - base == d.core_missing, "core missing count mismatch");
        for (std::size_t k = 0; k < 3 * d.core_missing; ++k)
            res.gp[3 * base + k] = static_cast<float>(acc[k] / restarts);
    }
    return res;
}

} // namespace emtk::geno
