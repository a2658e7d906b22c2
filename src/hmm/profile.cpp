// Profile configuration: the one place where local/glocal, multi-hit/unihit and the length model
// are decided. Sources: HMMER 3 src/modelconfig.c (p7_ProfileConfig, p7_ReconfigLength) and
// src/p7_hmm.c (p7_hmm_CalculateOccupancy); Eddy 2008, PLoS Comput Biol 4:e1000069.
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/profile.hpp>

#include <cmath>
#include <stdexcept>

namespace emtk::hmm {

using em::log_zero;

std::vector<double> match_occupancy(profile_hmm const & h)
{
    std::vector<double> occ(static_cast<std::size_t>(h.M + 1), 0.0);
    occ[1] = h.t[0][t_mm] + h.t[0][t_mi];
    for (std::size_t k = 2; k <= static_cast<std::size_t>(h.M); ++k)
        occ[k] = occ[k - 1] * (h.t[k - 1][t_mm] + h.t[k - 1][t_mi]) + (1 - occ[k - 1]) * h.t[k - 1][t_dm];
    return occ;
}

profile make_profile(profile_hmm const & h, residue_sets const & sets, profile_options const & opt)
{
    if (sets.K != h.K)
        throw std::invalid_argument("make_profile: the residue sets have K = " + std::to_string(sets.K) +
                                    ", the model K = " + std::to_string(h.K));
    for (auto const & m : sets.members)
        if (m.empty())
            throw std::invalid_argument("make_profile: a residue code stands for no canonical residue");
    profile p;
    p.M = h.M;
    p.K = h.K;
    p.Kp = sets.Kp();
    p.options = opt;
    p.sets = sets;
    auto const n = static_cast<std::size_t>(h.M + 1), M = static_cast<std::size_t>(h.M);
    auto const Kp = static_cast<std::size_t>(p.Kp), K = static_cast<std::size_t>(p.K);

    // Core transitions: logs of the core model's (modelconfig.c sets tsc = log t for k = 1 … M−1).
    p.tsc.resize(n);
    for (std::size_t k = 0; k < n; ++k)
        for (int x = 0; x < n_transitions; ++x)
            p.tsc[k][static_cast<std::size_t>(x)] = std::log(h.t[k][static_cast<std::size_t>(x)]);

    p.enter_m.assign(n, log_zero);
    p.exit_m.assign(n, log_zero);
    p.exit_d.assign(n, log_zero);
    if (opt.local)
    {
        // Local entry (modelconfig.c, p7_ProfileConfig "Local mode entry"): occ[k] / Σ_i occ[i](M−i+1),
        // which is 2/(M(M+1)) for occupancies of 1 (our `uniform`).
        std::vector<double> occ = opt.entry == local_entry::occupancy ? match_occupancy(h) : std::vector<double>(n, 1.0);
        double Z = 0;
        for (std::size_t k = 1; k <= M; ++k)
            Z += occ[k] * static_cast<double>(M - k + 1);
        for (std::size_t k = 1; k <= M; ++k)
            p.enter_m[k] = std::log(occ[k] / Z);
        p.enter_i0 = log_zero;
        // Local exits M_k → E and D_k → E have probability 1 (generic_fwdback.c: esc = 0 in local
        // mode); node M has no insert state in a local profile.
        for (std::size_t k = 1; k <= M; ++k)
            p.exit_m[k] = p.exit_d[k] = 0.0;
        p.exit_i = log_zero;
        p.tsc[M][t_mi] = p.tsc[M][t_ii] = log_zero;
    }
    else
    {
        // Glocal entry: node 0 of the core model, left wing retracted (see profile.hpp).
        p.enter_m[1] = std::log(h.t[0][t_mm]);
        double wing = std::log(h.t[0][t_md]); // log P(B → D1 → … → D_{k−1})
        for (std::size_t k = 2; k <= M; ++k)
        {
            p.enter_m[k] = wing + std::log(h.t[k - 1][t_dm]);
            wing += std::log(h.t[k - 1][t_dd]);
        }
        p.enter_i0 = std::log(h.t[0][t_mi]);
        p.exit_m[M] = std::log(h.t[M][t_mm]);
        p.exit_d[M] = std::log(h.t[M][t_dm]);
        p.exit_i = std::log(h.t[M][t_im]);
    }

    // Emissions over all codes (degenerate = log of the sum over its members).
    p.msc.assign(n * Kp, log_zero);
    p.isc.assign(n * Kp, log_zero);
    p.xsc.assign(Kp, log_zero);
    p.lmat.assign(n * K, log_zero);
    p.lins.assign(n * K, log_zero);
    for (std::size_t k = 0; k < n; ++k)
    {
        int const kk = static_cast<int>(k);
        if (k >= 1)
            emission_log_table(h.match(kk), sets, {p.msc.data() + k * Kp, Kp});
        emission_log_table(h.insert(kk), sets, {p.isc.data() + k * Kp, Kp});
        for (std::size_t a = 0; a < K; ++a)
        {
            if (k >= 1)
                p.lmat[k * K + a] = std::log(h.match(kk)[a]);
            p.lins[k * K + a] = std::log(h.insert(kk)[a]);
        }
    }
    emission_log_table(h.null, sets, p.xsc);
    return p;
}

special_row special_transitions(profile const & p, std::size_t L) noexcept
{
    special_row x{};
    // E state (p7_ProfileConfig): multihit E→C = E→J = 1/2, nj = 1; unihit E→C = 1, E→J = 0, nj = 0.
    double const nj = p.options.multihit ? 1.0 : 0.0;
    x[e_move] = p.options.multihit ? -std::log(2.0) : 0.0;
    x[e_loop] = p.options.multihit ? -std::log(2.0) : log_zero;
    // Length model (p7_ReconfigLength): N, C, J share the L unaligned residues; pmove = (2+nj)/(L+2+nj),
    // i.e. 2/(L+2) unihit and 3/(L+3) multihit; the loop takes the rest.
    double const Lt = p.options.target_length > 0 ? static_cast<double>(p.options.target_length) : static_cast<double>(L);
    double const pmove = (2.0 + nj) / (Lt + 2.0 + nj);
    double const lmove = std::log(pmove), lloop = std::log1p(-pmove);
    x[n_loop] = x[c_loop] = x[j_loop] = lloop;
    x[n_move] = x[c_move] = x[j_move] = lmove;
    return x;
}

} // namespace emtk::hmm
