// The scaled double E-step under a deletion tilt (scaled_dp.hpp, "Deletion tilt"): the rescue
// of the sequences whose paths the plain scaled kernel cannot represent, before the log-space
// reference.
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/scaled_dp.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <utility>

namespace emtk::hmm {

namespace {

/// Largest tilt step between two nodes, in powers of two (a t_DD below 2^−64 counts as 2^−64).
constexpr double max_step_bits = 64.0;

/// log2 τ_k, k = 0 … M (scaled_dp.hpp, "Deletion tilt"): T_k = round(C_k / 2) with C_k the
/// deletion run's decay −Σ_{j<k} log2 t_DD(j) in bits. Non-decreasing: every tilted move k → k+1
/// is multiplied by 2^(T_{k+1} − T_k) ≥ 1.
std::vector<int> deletion_tilt(prob_profile const & pp)
{
    auto const M = static_cast<std::size_t>(pp.M);
    std::vector<int> t(M + 1, 0);
    double bits = 0;
    for (std::size_t k = 1; k <= M; ++k)
    {
        if (pp.tdd[k - 1] > 0)
            bits += std::min(max_step_bits, -std::log2(pp.tdd[k - 1]));
        t[k] = static_cast<int>(std::lround(bits / 2));
    }
    return t;
}

/// `pp` tilted by 2^(T_k) at node k: moves k → k+1 times 2^(T_{k+1} − T_k), entries B → M_k times
/// 2^(T_k), exits from node k times 2^(T_M − T_k). Multiplying a double by a power of two is exact,
/// so every parameter that was representable is the untilted one times its factor exactly; a
/// glocal entry/exit that was below the double range is recomputed from its log value (the only
/// rounding the tilt adds: one exp(), 1 ulp) and stays on its floored list, with its tilted log
/// value, when it is still below. No float tables: only the double kernel runs on the copy.
prob_profile tilted_copy(prob_profile const & pp, std::vector<int> const & t)
{
    prob_profile q;
    q.M = pp.M;
    q.K = pp.K;
    q.Kp = pp.Kp;
    q.W = pp.W;
    q.options = pp.options;
    q.sets = pp.sets;
    q.tmi = pp.tmi;
    q.tii = pp.tii;
    q.memit = pp.memit;
    q.iemit = pp.iemit;
    q.xemit = pp.xemit;
    q.pmat = pp.pmat;
    q.pins = pp.pins;
    q.enter_i0 = pp.enter_i0; // node 0: τ_0 = 1
    q.exit_i = pp.exit_i;     // I_M → E: τ_M / τ_M = 1
    q.floored_enter_i0 = pp.floored_enter_i0;
    q.floored_exit_i = pp.floored_exit_i;
    q.floored_other = pp.floored_other;
    auto const M = static_cast<std::size_t>(pp.M);
    int const tm = t[M];
    for (auto [to, from] : {std::pair{&q.tmm, &pp.tmm}, {&q.tmd, &pp.tmd}, {&q.tim, &pp.tim}, {&q.tdm, &pp.tdm},
                            {&q.tdd, &pp.tdd}})
    {
        *to = *from;
        for (std::size_t k = 0; k < M; ++k)
            (*to)[k] = std::ldexp((*to)[k], t[k + 1] - t[k]);
    }
    q.enter = pp.enter;
    q.exit_m = pp.exit_m;
    q.exit_d = pp.exit_d;
    for (std::size_t k = 1; k <= M; ++k)
    {
        q.enter[k] = std::ldexp(q.enter[k], t[k]);
        q.exit_m[k] = std::ldexp(q.exit_m[k], tm - t[k]);
        q.exit_d[k] = std::ldexp(q.exit_d[k], tm - t[k]);
    }
    auto refill = [](std::vector<std::pair<int, double>> const & from, std::vector<std::pair<int, double>> & still,
                     std::vector<double> & values, auto bits_of) {
        for (auto const & [k, lp] : from)
        {
            double const tilted = lp + bits_of(k) * std::log(2.0);
            double const v = std::exp(tilted);
            if (v < DBL_MIN)
                still.emplace_back(k, tilted);
            else
                values[static_cast<std::size_t>(k)] = v;
        }
    };
    refill(pp.floored_enter, q.floored_enter, q.enter, [&](int k) { return static_cast<double>(t[static_cast<std::size_t>(k)]); });
    refill(pp.floored_exit_m, q.floored_exit_m, q.exit_m,
           [&](int k) { return static_cast<double>(tm - t[static_cast<std::size_t>(k)]); });
    refill(pp.floored_exit_d, q.floored_exit_d, q.exit_d,
           [&](int k) { return static_cast<double>(tm - t[static_cast<std::size_t>(k)]); });
    return q;
}

} // namespace

bool deletion_tilt_applies(prob_profile const & pp) noexcept
{
    return pp.M >= 1 && !pp.options.local && !pp.options.multihit && pp.floored_other == 0;
}

std::optional<double> scaled_expected_counts_tilted(prob_profile const & pp, digital_sequence x, hmm_counts & acc,
                                                    double weight, estep_workspace & ws, double tol)
{
    if (!deletion_tilt_applies(pp))
        return std::nullopt;
    std::vector<int> const t = deletion_tilt(pp);
    int const tm = t[static_cast<std::size_t>(pp.M)];
    if (tm == 0)
        return std::nullopt; // no tilt: the plain kernel's result
    prob_profile const q = tilted_copy(pp, t);
    for (auto const * v : {&q.tmm, &q.tmd, &q.tim, &q.tdm, &q.tdd, &q.enter, &q.exit_m, &q.exit_d})
        if (!std::all_of(v->begin(), v->end(), [](double p) { return std::isfinite(p); }))
            return std::nullopt;
    // Every path enters once and leaves once (unihit), so P̃ carries τ_M exactly.
    auto const ll = scaled_expected_counts_checked(q, x, acc, weight, ws, tol);
    if (!ll || *ll == em::log_zero)
        return ll;
    return *ll - static_cast<double>(tm) * std::log(2.0);
}

} // namespace emtk::hmm
