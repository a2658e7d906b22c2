// E-value calibration as HMMER 3 does it. Sources (read, not copied): HMMER 3.3 src/evalues.c
// (p7_Calibrate, p7_Lambda, p7_MSVMu, p7_ViterbiMu, p7_Tau), src/modelstats.c
// (p7_MeanMatchRelativeEntropy); Easel esl_gumbel.c (FitCompleteLoc, FitComplete, invcdf);
// Lawless (1982) Statistical Models and Methods for Lifetime Data, eq. 4.1.6. See calibrate.hpp.
#include <emtk/hmm/build.hpp>
#include <emtk/hmm/calibrate.hpp>
#include <emtk/hmm/score.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace emtk::hmm {

namespace {

/// Weighted sums of the Gumbel likelihood equation at λ for data shifted by `c`:
/// s0 = Σ e^{−λ(x−c)}, s1 = Σ (x−c) e^{…}, s2 = Σ (x−c)² e^{…}.
struct lawless_sums
{
    double s0 = 0, s1 = 0, s2 = 0;
};

lawless_sums sums_at(std::span<double const> x, double c, double lambda) noexcept
{
    // Shift by the minimum of (x − c) so that the largest weight is 1 (no overflow).
    double lo = x[0];
    for (double v : x)
        lo = std::min(lo, v);
    lawless_sums s;
    for (double v : x)
    {
        double const w = std::exp(-lambda * (v - lo));
        double const d = v - c;
        s.s0 += w;
        s.s1 += d * w;
        s.s2 += d * d * w;
    }
    return s;
}

} // namespace

double hmmer_lambda(profile_hmm const & hmm, seq::alphabet_type a)
{
    EMTK_ASSERT(hmm.K == seq::alphabet::get(a).K(), "hmmer_lambda: K differs from the alphabet's");
    double const H = mean_match_relative_entropy(hmm, hmmer_background(a));
    if (!(H > 1e-12))
        throw user_error("calibrate: model of " + std::to_string(hmm.M) +
                         " nodes has match emissions equal to the background (mean relative entropy " +
                         std::to_string(H) + " bits); expected an informative model");
    // p7_Lambda: 1.44 is HMMER's empirical edge-effect constant [SRE J1/125].
    return std::numbers::ln2 + 1.44 / (static_cast<double>(hmm.M) * H);
}

double gumbel_fit_location(std::span<double const> x, double lambda)
{
    EMTK_ASSERT(!x.empty() && lambda > 0, "gumbel_fit_location: empty sample or lambda <= 0");
    double lo = x[0];
    for (double v : x)
        lo = std::min(lo, v);
    double s = 0;
    for (double v : x)
        s += std::exp(-lambda * (v - lo));
    // μ = −(1/λ) log((1/n) Σ e^{−λ x_i}) with the sum taken relative to e^{−λ lo}.
    return lo - std::log(s / static_cast<double>(x.size())) / lambda;
}

gumbel_params gumbel_fit(std::span<double const> x)
{
    auto const n = static_cast<double>(x.size());
    EMTK_ASSERT(x.size() >= 2, "gumbel_fit: fewer than two values");
    double mean = 0;
    for (double v : x)
        mean += v;
    mean /= n;
    double var = 0;
    for (double v : x)
        var += (v - mean) * (v - mean);
    var /= n - 1;
    EMTK_ASSERT(var > 0, "gumbel_fit: all values are equal");
    // f(λ) = 1/λ − x̄ + Σ x e^{−λx}/Σ e^{−λx}, here with x measured from x̄; f'(λ) = −1/λ² − var_w(x) < 0.
    auto f = [&](double lambda, double & df) {
        lawless_sums const s = sums_at(x, mean, lambda);
        double const m1 = s.s1 / s.s0;
        df = -1.0 / (lambda * lambda) - (s.s2 / s.s0 - m1 * m1);
        return 1.0 / lambda + m1;
    };
    // Bracket: f → +∞ as λ → 0+, and f(λ) < 0 for λ large enough (min x − x̄ < 0).
    double lambda = std::numbers::pi / std::sqrt(6.0 * var); // moment estimate (Easel's start)
    double a = lambda, b = lambda, df = 0;
    while (f(a, df) < 0)
        a /= 2;
    while (f(b, df) > 0)
        b *= 2;
    for (int it = 0; it < 200; ++it)
    {
        double const fx = f(lambda, df);
        if (fx > 0)
            a = lambda;
        else
            b = lambda;
        double next = lambda - fx / df;
        if (!(next > a && next < b)) // Newton step left the bracket: bisect
            next = 0.5 * (a + b);
        if (std::abs(next - lambda) <= 1e-12 * lambda)
        {
            lambda = next;
            break;
        }
        lambda = next;
    }
    return {gumbel_fit_location(x, lambda), lambda};
}

double gumbel_inverse_cdf(double p, double mu, double lambda) noexcept { return mu - std::log(-std::log(p)) / lambda; }

namespace {

void check_options(calibrate_options const & o)
{
    if (o.msv_length < 1 || o.msv_count < 1 || o.viterbi_length < 1 || o.viterbi_count < 1 || o.forward_length < 1 ||
        o.forward_count < 2)
        throw std::invalid_argument("calibrate: lengths and counts must be positive (Forward count at least 2)");
    if (!(o.forward_tail > 0 && o.forward_tail < 1))
        throw std::invalid_argument("calibrate: forward_tail must be in (0, 1)");
}

std::vector<double> phase_scores(hmmer_scorer const & scorer, std::vector<double> const & bg, calibration_phase phase,
                                 calibrate_options const & o)
{
    int const L = phase == calibration_phase::msv ? o.msv_length
                  : phase == calibration_phase::viterbi ? o.viterbi_length
                                                        : o.forward_length;
    int const N = phase == calibration_phase::msv ? o.msv_count
                  : phase == calibration_phase::viterbi ? o.viterbi_count
                                                        : o.forward_count;
    score_mode const mode = o.filter_scores ? score_mode::filter : score_mode::exact;
    std::uint64_t const stream0 = static_cast<std::uint64_t>(phase) << 32;
    std::vector<double> scores(static_cast<std::size_t>(N));
    int const threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
        std::vector<std::uint8_t> x(static_cast<std::size_t>(L));
#pragma omp for schedule(dynamic, 4)
        for (int i = 0; i < N; ++i)
        {
            rng r{o.seed, stream0 + static_cast<std::uint64_t>(i)};
            for (auto & c : x)
                c = static_cast<std::uint8_t>(r.categorical(bg));
            double s = 0;
            switch (phase)
            {
            case calibration_phase::msv: s = scorer.msv_bits(x, mode); break;
            case calibration_phase::viterbi: s = scorer.viterbi_bits(x, mode); break;
            case calibration_phase::forward: s = scorer.forward_bits(x); break;
            }
            scores[static_cast<std::size_t>(i)] = s;
        }
    }
    return scores;
}

} // namespace

std::vector<double> calibration_scores(profile_hmm const & hmm, seq::alphabet_type a, calibration_phase phase,
                                       calibrate_options const & options)
{
    check_options(options);
    hmmer_scorer const scorer(hmm, a);
    return phase_scores(scorer, hmmer_background(a), phase, options);
}

hmmer_stats calibrate(profile_hmm const & hmm, seq::alphabet_type a, calibrate_options const & options)
{
    check_options(options);
    double const lambda = hmmer_lambda(hmm, a);
    hmmer_scorer const scorer(hmm, a);
    std::vector<double> const bg = hmmer_background(a);

    hmmer_stats s;
    s.msv_lambda = s.viterbi_lambda = s.forward_lambda = lambda;
    s.msv_mu = gumbel_fit_location(phase_scores(scorer, bg, calibration_phase::msv, options), lambda);
    s.viterbi_mu = gumbel_fit_location(phase_scores(scorer, bg, calibration_phase::viterbi, options), lambda);
    std::vector<double> const fwd = phase_scores(scorer, bg, calibration_phase::forward, options);
    gumbel_params const g = gumbel_fit(fwd);
    // p7_Tau: the score whose Gumbel tail mass is t, moved back by log(t)/λ so that the
    // exponential tail of slope λ starts at P = 1.
    s.forward_tau = gumbel_inverse_cdf(1.0 - options.forward_tail, g.mu, g.lambda) + std::log(options.forward_tail) / lambda;
    return s;
}

} // namespace emtk::hmm
