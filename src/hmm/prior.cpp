// Dirichlet priors and the MAP-EM update (see include/emtk/hmm/prior.hpp for the objective).
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/counts.hpp>
#include <emtk/hmm/prior.hpp>
#include <emtk/hmm/profile_hmm.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

namespace emtk::hmm {

namespace {

/// log B(a) = Σ log Γ(a_i) − log Γ(Σ a_i), with a = c + α (c empty: a = α).
double log_beta_sum(std::span<double const> c, std::vector<double> const & alpha)
{
    double s = 0, lg = 0;
    for (std::size_t a = 0; a < alpha.size(); ++a)
    {
        double const v = (c.empty() ? 0.0 : c[a]) + alpha[a];
        s += v;
        lg += std::lgamma(v);
    }
    return lg - std::lgamma(s);
}

/// log Γ(Σ (α_a + 1)) − Σ log Γ(α_a + 1): the log normaliser of Dir(·; α + 1).
double shifted_normaliser(std::vector<double> const & alpha)
{
    double s = 0, lg = 0;
    for (double const v : alpha)
    {
        s += v + 1.0;
        lg += std::lgamma(v + 1.0);
    }
    return std::lgamma(s) - lg;
}

/// Component q's cached normaliser (dirichlet_mixture::shifted_norm), or computed when not cached.
double shifted_norm_of(dirichlet_mixture const & d, std::size_t q)
{
    return d.shifted_norm.size() == d.q.size() ? d.shifted_norm[q] : shifted_normaliser(d.alpha[q]);
}

/// log Dir(θ; α_q + 1) = −log B(α_q + 1) + Σ α_{q,a} log θ_a, from log θ.
double log_shifted_dirichlet(dirichlet_mixture const & d, std::size_t q, std::span<double const> log_theta)
{
    auto const & alpha = d.alpha[q];
    double dot = 0;
    for (std::size_t a = 0; a < alpha.size(); ++a)
        dot += alpha[a] * log_theta[a];
    return shifted_norm_of(d, q) + dot;
}

} // namespace

dirichlet_mixture dirichlet_mixture::single(std::vector<double> alpha)
{
    dirichlet_mixture d;
    d.q = {1.0};
    d.alpha.push_back(std::move(alpha));
    d.cache_normalisers();
    return d;
}

dirichlet_mixture dirichlet_mixture::head(int n) const
{
    dirichlet_mixture d;
    d.q = q;
    for (auto const & a : alpha)
        d.alpha.emplace_back(a.begin(), a.begin() + n);
    d.cache_normalisers();
    return d;
}

void dirichlet_mixture::cache_normalisers()
{
    shifted_norm.clear();
    log_beta.clear();
    for (auto const & a : alpha)
    {
        shifted_norm.push_back(shifted_normaliser(a));
        log_beta.push_back(log_beta_sum({}, a));
    }
}

bool parse_prior_kind(std::string const & s, prior_kind & out) noexcept
{
    if (s == "none")
        out = prior_kind::none;
    else if (s == "laplace")
        out = prior_kind::laplace;
    else if (s == "default")
        out = prior_kind::standard;
    else
        return false;
    return true;
}

char const * to_string(prior_kind k) noexcept
{
    switch (k)
    {
    case prior_kind::none: return "none";
    case prior_kind::laplace: return "laplace";
    case prior_kind::standard: return "default";
    }
    return "?";
}

hmm_prior amino_prior()
{
    // Numbers (facts) from HMMER 3, src/p7_prior.c, p7_prior_CreateAmino().
    hmm_prior p;
    p.none = false;
    // Transition priors "originally from Graeme Mitchison", single Dirichlets.
    p.tm = dirichlet_mixture::single({0.7939, 0.0278, 0.0135}); // MM, MI, MD
    p.ti = dirichlet_mixture::single({0.1551, 0.1331});         // IM, II
    p.td = dirichlet_mixture::single({0.9002, 0.5630});         // DM, DD
    // Match emissions: Sjölander et al. 1996 (CABIOS 12:327), 9-component "blocks9" mixture;
    // residue order ACDEFGHIKLMNPQRSTVWY.
    p.em.q = {0.178091, 0.056591, 0.0960191, 0.0781233, 0.0834977, 0.0904123, 0.114468, 0.0682132, 0.234585};
    p.em.alpha = {
        {0.270671, 0.039848, 0.017576, 0.016415, 0.014268, 0.131916, 0.012391, 0.022599, 0.020358, 0.030727,
         0.015315, 0.048298, 0.053803, 0.020662, 0.023612, 0.216147, 0.147226, 0.065438, 0.003758, 0.009621},
        {0.021465, 0.010300, 0.011741, 0.010883, 0.385651, 0.016416, 0.076196, 0.035329, 0.013921, 0.093517,
         0.022034, 0.028593, 0.013086, 0.023011, 0.018866, 0.029156, 0.018153, 0.036100, 0.071770, 0.419641},
        {0.561459, 0.045448, 0.438366, 0.764167, 0.087364, 0.259114, 0.214940, 0.145928, 0.762204, 0.247320,
         0.118662, 0.441564, 0.174822, 0.530840, 0.465529, 0.583402, 0.445586, 0.227050, 0.029510, 0.121090},
        {0.070143, 0.011140, 0.019479, 0.094657, 0.013162, 0.048038, 0.077000, 0.032939, 0.576639, 0.072293,
         0.028240, 0.080372, 0.037661, 0.185037, 0.506783, 0.073732, 0.071587, 0.042532, 0.011254, 0.028723},
        {0.041103, 0.014794, 0.005610, 0.010216, 0.153602, 0.007797, 0.007175, 0.299635, 0.010849, 0.999446,
         0.210189, 0.006127, 0.013021, 0.019798, 0.014509, 0.012049, 0.035799, 0.180085, 0.012744, 0.026466},
        {0.115607, 0.037381, 0.012414, 0.018179, 0.051778, 0.017255, 0.004911, 0.796882, 0.017074, 0.285858,
         0.075811, 0.014548, 0.015092, 0.011382, 0.012696, 0.027535, 0.088333, 0.944340, 0.004373, 0.016741},
        {0.093461, 0.004737, 0.387252, 0.347841, 0.010822, 0.105877, 0.049776, 0.014963, 0.094276, 0.027761,
         0.010040, 0.187869, 0.050018, 0.110039, 0.038668, 0.119471, 0.065802, 0.025430, 0.003215, 0.018742},
        {0.452171, 0.114613, 0.062460, 0.115702, 0.284246, 0.140204, 0.100358, 0.550230, 0.143995, 0.700649,
         0.276580, 0.118569, 0.097470, 0.126673, 0.143634, 0.278983, 0.358482, 0.661750, 0.061533, 0.199373},
        {0.005193, 0.004039, 0.006722, 0.006121, 0.003468, 0.016931, 0.003647, 0.002184, 0.005019, 0.005990,
         0.001473, 0.004158, 0.009055, 0.003630, 0.006583, 0.003172, 0.003690, 0.002967, 0.002772, 0.002686},
    };
    // Insert emissions: single Dirichlet trained on Pfam 1.0, slightly polar.
    p.ei = dirichlet_mixture::single({681., 120., 623., 651., 313., 902., 241., 371., 687., 676.,
                                      143., 548., 647., 415., 551., 926., 623., 505., 102., 269.});
    p.em.cache_normalisers();
    return p;
}

hmm_prior nucleic_prior()
{
    // Numbers (facts) from HMMER 3, src/p7_prior.c, p7_prior_CreateNucleic() (trained on Rmark3).
    hmm_prior p;
    p.none = false;
    p.tm = dirichlet_mixture::single({2.0, 0.1, 0.1});  // MM, MI, MD
    p.ti = dirichlet_mixture::single({0.12, 0.4});      // IM, II
    p.td = dirichlet_mixture::single({0.5, 1.0});       // DM, DD
    p.em.q = {0.24, 0.26, 0.08, 0.42};                 // 4 components, residue order ACGT
    p.em.alpha = {
        {0.16, 0.45, 0.12, 0.39},
        {0.09, 0.03, 0.09, 0.04},
        {1.29, 0.40, 6.58, 0.51},
        {1.74, 1.49, 1.57, 1.95},
    };
    p.ei = dirichlet_mixture::single({1.0, 1.0, 1.0, 1.0});
    p.em.cache_normalisers();
    return p;
}

hmm_prior laplace_prior(int K)
{
    hmm_prior p;
    p.none = false;
    p.tm = dirichlet_mixture::single({1.0, 1.0, 1.0});
    p.ti = dirichlet_mixture::single({1.0, 1.0});
    p.td = dirichlet_mixture::single({1.0, 1.0});
    p.em = dirichlet_mixture::single(std::vector<double>(static_cast<std::size_t>(K), 1.0));
    p.ei = p.em;
    return p;
}

hmm_prior make_prior(prior_kind kind, seq::alphabet_type type)
{
    int const K = type == seq::alphabet_type::amino ? 20 : 4;
    switch (kind)
    {
    case prior_kind::none: return hmm_prior{};
    case prior_kind::laplace: return laplace_prior(K);
    case prior_kind::standard: return type == seq::alphabet_type::amino ? amino_prior() : nucleic_prior();
    }
    return hmm_prior{};
}

void posterior_mean(dirichlet_mixture const & d, std::span<double const> counts, std::span<double> out,
                    std::span<double> weights)
{
    std::size_t const nq = d.q.size(), K = static_cast<std::size_t>(d.K());
    assert(counts.size() == K && out.size() == K);
    std::vector<double> lw(nq);
    for (std::size_t q = 0; q < nq; ++q)
        lw[q] = std::log(d.q[q]) + log_beta_sum(counts, d.alpha[q]) -
                (d.log_beta.size() == nq ? d.log_beta[q] : log_beta_sum({}, d.alpha[q]));
    em::log_normalize(lw);
    double const N = std::accumulate(counts.begin(), counts.end(), 0.0);
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t q = 0; q < nq; ++q)
    {
        double const A = std::accumulate(d.alpha[q].begin(), d.alpha[q].end(), 0.0);
        for (std::size_t a = 0; a < K; ++a)
            out[a] += lw[q] * (counts[a] + d.alpha[q][a]) / (N + A);
    }
    if (!weights.empty())
        std::copy(lw.begin(), lw.end(), weights.begin());
}

double log_objective_density(dirichlet_mixture const & d, std::span<double const> theta)
{
    std::vector<double> lq(d.q.size()), log_theta(theta.size());
    for (std::size_t a = 0; a < theta.size(); ++a)
        log_theta[a] = std::log(theta[a]);
    for (std::size_t q = 0; q < d.q.size(); ++q)
        lq[q] = std::log(d.q[q]) + log_shifted_dirichlet(d, q, log_theta);
    return em::log_sum_exp(lq);
}

void map_update(dirichlet_mixture const & d, std::span<double const> counts, std::span<double> theta,
                int inner_steps)
{
    std::size_t const nq = d.q.size(), K = static_cast<std::size_t>(d.K());
    assert(counts.size() == K && theta.size() == K);
    std::vector<double> r(nq, 1.0), pseudo(K), log_theta(K);
    int const steps = nq == 1 ? 1 : std::max(1, inner_steps);
    for (int s = 0; s < steps; ++s)
    {
        if (nq > 1)
        {
            // Responsibilities of the components at θ_old (the latent component of the MM step).
            for (std::size_t a = 0; a < K; ++a)
                log_theta[a] = std::log(theta[a]);
            for (std::size_t q = 0; q < nq; ++q)
                r[q] = std::log(d.q[q]) + log_shifted_dirichlet(d, q, log_theta);
            // On the simplex boundary (a θ_a = 0) every component has density 0: the objective is
            // −∞ there and any step is an ascent; use the mixture coefficients as responsibilities.
            if (!std::isfinite(em::log_normalize(r)))
                std::copy(d.q.begin(), d.q.end(), r.begin());
        }
        std::fill(pseudo.begin(), pseudo.end(), 0.0);
        for (std::size_t q = 0; q < nq; ++q)
            for (std::size_t a = 0; a < K; ++a)
                pseudo[a] += r[q] * d.alpha[q][a];
        double Z = 0;
        for (std::size_t a = 0; a < K; ++a)
            Z += counts[a] + pseudo[a];
        for (std::size_t a = 0; a < K; ++a)
            theta[a] = (counts[a] + pseudo[a]) / Z;
    }
}

namespace {

/// Updates one row in place: MAP under `d`, or c/N without a prior (row kept when N = 0).
void update_row(dirichlet_mixture const * d, std::span<double const> c, std::span<double> theta)
{
    if (d)
    {
        map_update(*d, c, theta, mixture_inner_steps);
        return;
    }
    double const N = std::accumulate(c.begin(), c.end(), 0.0);
    if (N > 0)
        for (std::size_t a = 0; a < c.size(); ++a)
            theta[a] = c[a] / N;
}

} // namespace

void estimate_parameters(hmm_counts const & c, hmm_prior const & prior, profile_hmm & hmm)
{
    assert(c.M == hmm.M && c.K == hmm.K);
    int const M = hmm.M;
    bool const use = !prior.none;
    dirichlet_mixture const tm_end = use ? prior.tm.head(2) : dirichlet_mixture{};
    for (int k = 0; k <= M; ++k)
    {
        auto & t = hmm.t[static_cast<std::size_t>(k)];
        auto const & n = c.t[static_cast<std::size_t>(k)];
        if (k < M)
            update_row(use ? &prior.tm : nullptr, std::span<double const>(n.data(), 3), std::span<double>(t.data(), 3));
        else
        {
            update_row(use ? &tm_end : nullptr, std::span<double const>(n.data(), 2), std::span<double>(t.data(), 2));
            t[t_md] = 0.0;
        }
        update_row(use ? &prior.ti : nullptr, std::span<double const>(n.data() + 3, 2), std::span<double>(t.data() + 3, 2));
        if (k >= 1 && k < M)
            update_row(use ? &prior.td : nullptr, std::span<double const>(n.data() + 5, 2),
                       std::span<double>(t.data() + 5, 2));
        else
        {
            t[t_dm] = 1.0;
            t[t_dd] = 0.0;
        }
        auto const Ku = static_cast<std::size_t>(hmm.K);
        auto const off = static_cast<std::size_t>(k) * Ku;
        if (k >= 1)
            update_row(use ? &prior.em : nullptr, std::span<double const>(c.mat.data() + off, Ku), hmm.match(k));
        update_row(use ? &prior.ei : nullptr, std::span<double const>(c.ins.data() + off, Ku), hmm.insert(k));
    }
}

double log_prior_density(profile_hmm const & hmm, hmm_prior const & prior)
{
    if (prior.none)
        return 0.0;
    int const M = hmm.M;
    dirichlet_mixture const tm_end = prior.tm.head(2);
    double lp = 0;
    for (int k = 0; k <= M; ++k)
    {
        auto const & t = hmm.t[static_cast<std::size_t>(k)];
        if (k < M)
            lp += log_objective_density(prior.tm, std::span<double const>(t.data(), 3));
        else
            lp += log_objective_density(tm_end, std::span<double const>(t.data(), 2));
        lp += log_objective_density(prior.ti, std::span<double const>(t.data() + 3, 2));
        if (k >= 1 && k < M)
            lp += log_objective_density(prior.td, std::span<double const>(t.data() + 5, 2));
        if (k >= 1)
            lp += log_objective_density(prior.em, hmm.match(k));
        lp += log_objective_density(prior.ei, hmm.insert(k));
    }
    return lp;
}

} // namespace emtk::hmm
