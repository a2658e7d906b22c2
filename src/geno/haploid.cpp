/// \file
/// \brief The haploid stage of `emtk impute`: switch passes, the EM for ε over the study's
/// haplotypes and the blend (see include/emtk/geno/haploid.hpp).

#include <emtk/em/fit.hpp>
#include <emtk/geno/haploid.hpp>
#include <emtk/geno/ref_hmm.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>

namespace emtk::geno {

namespace {

/// Salt of haplotype h's state selection in selection `pass` (within haploid pass r, the
/// switch passes are r × (switch_passes + 1) + 0, 1, ..., the imputation the last of them).
std::uint64_t selection_salt(std::size_t h, int pass)
{
    return (static_cast<std::uint64_t>(h) << 8) ^ static_cast<std::uint64_t>(pass) ^ 0x5851f42d4c957f2dULL;
}

using haploid_params = haploid_em_params;
using haploid_stats = haploid_em_stats;

/// The haploid HMM over the 2N switched haplotypes as an em::model; item h = haplotype h.
class haploid_model
{
public:
    using params_type = haploid_params;
    using stats_type = haploid_stats;

    haploid_model(ref_window const & w, std::vector<std::int8_t> const & haps, std::size_t n_samples,
                  std::span<std::int32_t const> slot, std::vector<float> & alt, haploid_options const & opt, double start,
                  int pass, std::vector<float> const * prev, ref_pbwt const & pbwt, std::vector<float> * flip) :
        w_{w}, haps_{haps}, n_{n_samples}, slot_{slot}, alt_{alt}, opt_{opt}, start_{start}, pass_{pass}, prev_{prev},
        pbwt_{pbwt}, flip_{flip}
    {
    }

    [[nodiscard]] std::size_t item_count() const noexcept { return 2 * n_; }
    [[nodiscard]] haploid_stats make_stats(haploid_params const &) const { return {}; }
    [[nodiscard]] double log_prior(haploid_params const &) const noexcept { return 0.0; }
    void initialize(rng &, haploid_params & p) const { p.eps = start_; }
    void maximize(haploid_stats const & s, haploid_params & p) const
    {
        if (s.observed > 0)
            p.eps = std::clamp(s.mismatches / s.observed, opt_.error_min, opt_.error_max);
    }

    double expect(std::size_t h, haploid_params const & p, haploid_stats & s) const
    {
        std::size_t const W = w_.typed, i = h / 2;
        std::span<std::int8_t const> const hv{haps_.data() + h * W, W};
        std::array<std::uint32_t, 2> const own{static_cast<std::uint32_t>(2 * i), static_cast<std::uint32_t>(2 * i + 1)};
        auto const near = ref_pbwt_neighbours(pbwt_, static_cast<std::uint32_t>(h), opt_.pbwt, own);
        auto const sets = ref_select_states(w_, hv, false, opt_.states,
                                            selection_salt(h, pass_ * (opt_.switch_passes + 1) + opt_.switch_passes), own,
                                            opt_.pbwt > 0 ? &near : nullptr);
        std::size_t stride = 0;
        for (auto const & b : sets)
            stride = std::max(stride, b.size());
        thread_local std::vector<float> gamma;
        gamma.resize(W * stride);
        double const ll = ref_haploid_posteriors(w_, hv, sets, p.eps, gamma, stride, s.mismatches, s.observed);
        // P(ALT) of the haplotype at the wanted missing genotypes. A state whose own genotype is
        // missing there carries the previous pass's P(ALT) of that haplotype, not its drawn allele.
        std::int32_t const * sl = slot_.data() + i * W;
        for (std::size_t m = 0; m < W; ++m)
        {
            if (sl[m] < 0)
                continue;
            auto const & set = sets[m / w_.block];
            float const * gm = gamma.data() + m * stride;
            double pa = 0;
            for (std::size_t j = 0; j < set.size(); ++j)
            {
                std::uint32_t const d = set[j];
                std::int32_t const kd = prev_ ? slot_[(d / 2) * W + m] : -1;
                double const a = kd >= 0 ? (*prev_)[2 * static_cast<std::size_t>(kd) + (d & 1)] : (w_.allele(m, d) ? 1.0 : 0.0);
                pa += gm[j] * (p.eps + (1 - 2 * p.eps) * a);
            }
            alt_[2 * static_cast<std::size_t>(sl[m]) + (h & 1)] = static_cast<float>(std::clamp(pa, 0.0, 1.0));
        }
        // Step 4b: at the sample's heterozygotes, the likelihood ratio of this haplotype with the
        // other allele, Σ_j γ_j e_j(other) / e_j(own) (exact for the haploid HMM).
        if (flip_)
        {
            float * r = flip_->data() + h * W;
            double const odds = p.eps / (1 - p.eps);
            for (std::size_t m = 0; m < W; ++m)
            {
                if (hv[m] < 0 || hv[m] == haps_[(h ^ 1) * W + m])
                    continue;
                auto const & set = sets[m / w_.block];
                float const * gm = gamma.data() + m * stride;
                double ratio = 0;
                for (std::size_t j = 0; j < set.size(); ++j)
                    ratio += gm[j] * ((w_.allele(m, set[j]) ? 1 : 0) == hv[m] ? odds : 1 / odds);
                r[m] = static_cast<float>(ratio);
            }
        }
        return ll;
    }

private:
    ref_window const & w_;
    std::vector<std::int8_t> const & haps_;
    std::size_t n_;
    std::span<std::int32_t const> slot_;
    std::vector<float> & alt_;
    haploid_options opt_;
    double start_;
    int pass_; ///< haploid pass (salts the state selection)
    std::vector<float> const * prev_; ///< the previous pass's P(ALT) per slot and haplotype (null in the first)
    ref_pbwt const & pbwt_;           ///< the pass's panel PBWT (longest-match states)
    std::vector<float> * flip_;       ///< 2N × W: step 4b's ratio at the heterozygotes (null: no flips)
};

/// The panel as the ref_hmm kernels see it: all W markers "typed", 2N haplotypes.
ref_window panel_window(haplotype_panel const & panel, std::span<double const> jump, haploid_options const & opt)
{
    ref_window w;
    std::size_t const W = panel.n_markers;
    w.haps = 2 * panel.n_samples;
    w.words = (w.haps + 63) / 64;
    w.typed = W;
    w.block = std::max<std::size_t>(1, opt.block);
    w.bits.assign(W * w.words, 0);
    for (std::size_t h = 0; h < w.haps; ++h)
    {
        std::uint8_t const * a = panel.row(h);
        for (std::size_t m = 0; m < W; ++m)
            w.bits[m * w.words + h / 64] |= static_cast<std::uint64_t>(a[m] & 1u) << (h % 64);
    }
    w.rho.assign(W, 0.0);
    for (std::size_t m = 1; m < W; ++m)
        w.rho[m] = std::min(1.0, opt.jump_scale * jump[m]);
    ref_fill_hap_bits(w); // the state selection's fast mismatch counts (the same states)
    return w;
}

/// Each sample's haplotypes with the alleles of its missing genotypes missing; at observed
/// genotypes the panel's alleles (which add up to the genotype: template draws do).
std::vector<std::int8_t> sample_haplotypes(std::span<std::int8_t const> genotypes, std::size_t N, std::size_t W,
                                           haplotype_panel const & panel)
{
    std::vector<std::int8_t> haps(2 * N * W);
    for (std::size_t i = 0; i < N; ++i)
    {
        std::int8_t * h1 = haps.data() + 2 * i * W;
        std::int8_t * h2 = h1 + W;
        for (std::size_t m = 0; m < W; ++m)
        {
            std::int8_t const g = genotypes[i * W + m];
            if (g < 0)
                h1[m] = h2[m] = -1;
            else if (g != 1)
                h1[m] = h2[m] = static_cast<std::int8_t>(g / 2);
            else
            {
                h1[m] = static_cast<std::int8_t>(panel.row(2 * i)[m] & 1u);
                h2[m] = static_cast<std::int8_t>(1 - h1[m]);
            }
        }
    }
    return haps;
}

/// The states of one sample's phase moves (switches, flips): the union, per block, of the states
/// chosen for each of its two haplotypes (its own two excluded; `p1`/`p2` the PBWT preferences).
state_sets sample_pair_states(ref_window const & w, std::span<std::int8_t const> h1, std::span<std::int8_t const> h2,
                              std::size_t states, std::size_t sample, int salt,
                              std::array<std::uint32_t, 2> const & own, state_sets const * p1, state_sets const * p2)
{
    auto const s1 = ref_select_states(w, h1, false, states, selection_salt(2 * sample, salt), own, p1);
    auto const s2 = ref_select_states(w, h2, false, states, selection_salt(2 * sample + 1, salt), own, p2);
    state_sets merged(s1.size());
    for (std::size_t b = 0; b < s1.size(); ++b)
        std::set_union(s1[b].begin(), s1[b].end(), s2[b].begin(), s2[b].end(), std::back_inserter(merged[b]));
    return merged;
}

} // namespace

std::size_t panel_het_flips(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
                            haplotype_panel & panel, std::span<double const> jump, double error,
                            haploid_options const & opt, int salt, int threads)
{
    std::size_t const N = n_samples, W = n_markers;
    if (N < 2 || W < 2)
        return 0;
    EMTK_ASSERT(genotypes.size() == N * W && panel.n_samples == N && panel.n_markers == W && jump.size() == W,
                "panel flips: shapes differ");
    ref_window const w = panel_window(panel, jump, opt);
    ref_pbwt const pbwt = opt.pbwt > 0 ? ref_build_pbwt(w) : ref_pbwt{};
    std::vector<std::int8_t> haps = sample_haplotypes(genotypes, N, W, panel);
    double const eps = std::clamp(error, opt.error_min, opt.error_max);
    std::size_t flips = 0;
    threads = std::max(1, threads);
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads) if (threads > 1) reduction(+ : flips)
    for (std::size_t i = 0; i < N; ++i)
    {
        std::span<std::int8_t> h1{haps.data() + 2 * i * W, W}, h2{haps.data() + (2 * i + 1) * W, W};
        std::array<std::uint32_t, 2> const own{static_cast<std::uint32_t>(2 * i), static_cast<std::uint32_t>(2 * i + 1)};
        auto const n1 = ref_pbwt_neighbours(pbwt, own[0], opt.pbwt, own);
        auto const n2 = ref_pbwt_neighbours(pbwt, own[1], opt.pbwt, own);
        std::size_t const S = std::max<std::size_t>(1, opt.switch_states);
        state_sets const merged =
            sample_pair_states(w, h1, h2, S, i, salt, own, opt.pbwt > 0 ? &n1 : nullptr, opt.pbwt > 0 ? &n2 : nullptr);
        std::size_t const f = ref_phase_flips(w, merged, eps, h1, h2, 1);
        flips += f;
        if (f == 0)
            continue;
        // Only the sample's own rows change (every sample read the same snapshot `w`).
        for (std::size_t e = 0; e < 2; ++e)
        {
            std::int8_t const * h = haps.data() + (2 * i + e) * W;
            std::uint8_t * row = panel.row(2 * i + e);
            for (std::size_t m = 0; m < W; ++m)
                if (h[m] >= 0)
                    row[m] = static_cast<std::uint8_t>(h[m]);
        }
    }
    return flips;
}

haploid_summary haploid_window(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
                               haplotype_panel & panel, std::span<double const> jump, double error,
                               std::span<std::int32_t const> slot, std::span<double> posterior,
                               haploid_options const & opt, em::options const & em_opt)
{
    haploid_summary sum;
    std::size_t const N = n_samples, W = n_markers;
    if (opt.states == 0 || !(opt.weight > 0) || N < 2 || W == 0)
        return sum;
    EMTK_ASSERT(genotypes.size() == N * W && panel.n_samples == N && panel.n_markers == W && jump.size() == W &&
                    slot.size() == N * W && posterior.size() % 3 == 0,
                "haploid stage: shapes differ");
    sum.run = true;
    std::size_t const slots = posterior.size() / 3;
    std::vector<float> alt(2 * slots, 0.0f), prev_alt;
    int const passes = std::max(1, opt.passes);
    int const averaged = std::clamp(opt.average, 1, passes);
    std::vector<double> mean(3 * slots, 0.0); // Σ over the averaged passes of the step-4 posteriors
    for (int pass = 0; pass < passes; ++pass)
    {
        ref_window const w = panel_window(panel, jump, opt);
        ref_pbwt const pbwt = opt.pbwt > 0 ? ref_build_pbwt(w) : ref_pbwt{};
        std::vector<std::int8_t> haps = sample_haplotypes(genotypes, N, W, panel);
        int const threads = std::max(1, em_opt.threads);
        std::size_t switches = 0;
        if (opt.switch_passes > 0)
        {
#pragma omp parallel for schedule(dynamic, 4) num_threads(threads) if (threads > 1) reduction(+ : switches)
            for (std::size_t i = 0; i < N; ++i)
            {
                std::span<std::int8_t> h1{haps.data() + 2 * i * W, W}, h2{haps.data() + (2 * i + 1) * W, W};
                std::array<std::uint32_t, 2> const own{static_cast<std::uint32_t>(2 * i), static_cast<std::uint32_t>(2 * i + 1)};
                auto const n1 = ref_pbwt_neighbours(pbwt, own[0], opt.pbwt, own);
                auto const n2 = ref_pbwt_neighbours(pbwt, own[1], opt.pbwt, own);
                state_sets const * p1 = opt.pbwt > 0 ? &n1 : nullptr, * p2 = opt.pbwt > 0 ? &n2 : nullptr;
                for (int sp = 0; sp < opt.switch_passes; ++sp)
                {
                    int const salt = pass * (opt.switch_passes + 1) + sp;
                    std::size_t const S = std::max<std::size_t>(1, opt.switch_states);
                    state_sets const merged = sample_pair_states(w, h1, h2, S, i, salt, own, p1, p2);
                    switches += ref_phase_switches(w, merged, error, h1, h2);
                }
            }
        }
        sum.switches += switches;

        if (pass > 0)
            prev_alt = alt;
        std::vector<float> flip;
        if (opt.het_flips)
            flip.assign(2 * N * W, 1.0f);
        haploid_model const model{w,    haps, N, slot, alt, opt, std::clamp(error, opt.error_min, opt.error_max),
                                  pass, pass > 0 ? &prev_alt : nullptr, pbwt, opt.het_flips ? &flip : nullptr};
        em::options eo = em_opt;
        eo.restarts = 1;
        eo.max_iter = std::max(1, opt.iterations);
        eo.min_iter = std::min(eo.min_iter, eo.max_iter);
        auto const fit = em::fit(model, haploid_params{std::clamp(error, opt.error_min, opt.error_max)}, eo);
        if (!fit.ok())
            throw user_error("the haploid stage failed: " + fit.message);
        sum.objective = fit.objective;
        sum.iterations = fit.iterations;
        sum.stop_reason = em::to_string(fit.reason);
        sum.decreases = fit.decreases;
        sum.error = fit.params.eps;
        sum.trace = fit.trace; // the last pass's EM (each pass fits ε again from the same start)
        // Step 4b: flip the heterozygotes where both haplotypes gain.
        if (opt.het_flips)
            for (std::size_t i = 0; i < N; ++i)
            {
                std::int8_t * h1 = haps.data() + 2 * i * W;
                std::int8_t * h2 = h1 + W;
                float const * r1 = flip.data() + 2 * i * W;
                float const * r2 = r1 + W;
                for (std::size_t m = 0; m < W; ++m)
                    if (h1[m] >= 0 && h1[m] != h2[m] && static_cast<double>(r1[m]) * r2[m] > 1.0)
                    {
                        std::swap(h1[m], h2[m]);
                        ++sum.flips;
                    }
            }
        // The panel rows: the switched haplotypes, imputed alleles at the wanted slots (the next
        // pass's panel and starting phase, and the phase written for imputed heterozygotes).
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t e = 0; e < 2; ++e)
            {
                std::int8_t const * h = haps.data() + (2 * i + e) * W;
                std::uint8_t * row = panel.row(2 * i + e);
                for (std::size_t m = 0; m < W; ++m)
                {
                    if (h[m] >= 0)
                        row[m] = static_cast<std::uint8_t>(h[m]);
                    else if (std::int32_t const k = slot[i * W + m]; k >= 0)
                        row[m] = alt[2 * static_cast<std::size_t>(k) + e] > 0.5f ? 1 : 0;
                }
            }
        if (pass >= passes - averaged)
            for (std::size_t k = 0; k < slots; ++k)
            {
                double const p1 = alt[2 * k], p2 = alt[2 * k + 1];
                mean[3 * k] += (1 - p1) * (1 - p2);
                mean[3 * k + 1] += p1 * (1 - p2) + (1 - p1) * p2;
                mean[3 * k + 2] += p1 * p2;
            }
    }

    // Blend the averaged passes' posteriors with the template stage's (step 6).
    for (double & v : mean)
        v /= averaged;
    haploid_blend_posteriors(posterior, mean, opt.weight, opt.blend);
    return sum;
}

void haploid_blend_posteriors(std::span<double> posterior, std::span<double const> haploid, double weight,
                              haploid_blend rule)
{
    EMTK_ASSERT(posterior.size() == haploid.size() && posterior.size() % 3 == 0, "blend: shapes differ");
    double const wt = std::clamp(weight, 0.0, 1.0);
    for (std::size_t k = 0; k < posterior.size(); k += 3)
    {
        double * t = posterior.data() + k;
        double const * h = haploid.data() + k;
        if (rule == haploid_blend::linear)
        {
            for (std::size_t x = 0; x < 3; ++x)
                t[x] = (1 - wt) * t[x] + wt * h[x];
            continue;
        }
        double q[3], total = 0;
        for (std::size_t x = 0; x < 3; ++x)
        {
            q[x] = std::pow(std::max(t[x], blend_floor), 1 - wt) * std::pow(std::max(h[x], blend_floor), wt);
            total += q[x];
        }
        for (std::size_t x = 0; x < 3; ++x)
            t[x] = q[x] / total;
    }
}

} // namespace emtk::geno
