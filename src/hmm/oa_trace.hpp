#pragma once
// The Plan7 traceback shared by the optimal-accuracy tracebacks of align.cpp (double matrix) and
// domain_oa.cpp (float matrix, search) and by viterbi.cpp: one body for every cell type and rule. The matrix gives mat(i, k), ins(i, k), del(i, k)
// and xs(i, s) of cell type V; the candidates are recomputed with the fill's arithmetic in V
// (posteriors rounded to V), so each maximum is found exactly. Internal header of src/hmm.
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <array>
#include <limits>

namespace emtk::hmm::detail {

/// `v` when the transition of log probability `t` exists, else −∞ (Käll et al.'s delta).
template <typename V>
inline V oa_allow(double t, V v) noexcept
{
    return t == em::log_zero ? -std::numeric_limits<V>::infinity() : v;
}

/// Index of the largest value (the first one on ties).
template <typename V, std::size_t N>
std::size_t oa_argmax(std::array<V, N> const & xs) noexcept
{
    return static_cast<std::size_t>(std::max_element(xs.begin(), xs.end()) - xs.begin());
}

/// The traceback of a filled Plan7 matrix `oa` (cells of type V, rows 0 … L) from C at row L back
/// to S, shared by the optimal-accuracy traceback (oa_trace below) and Viterbi's (viterbi.cpp).
/// `rule` recomputes each candidate with its fill's arithmetic, so each maximum is found exactly:
/// rule.step(t, v) is the value of a move by a transition of log probability t from a cell of
/// value v, rule.loop(i, is_c, v, t) that of the C (is_c) or J loop emitting residue i from a
/// cell of value v. Ties go to the first candidate.
template <typename V, typename Matrix, typename Rule>
std::vector<trace_step> plan7_traceback(profile const & p, std::size_t L, Matrix const & oa, Rule const & rule)
{
    constexpr V none = -std::numeric_limits<V>::infinity();
    auto const allow = [&rule](double t, V v) { return rule.step(t, v); };

    int const M = p.M;
    special_row const sp = special_transitions(p, L);
    std::vector<trace_step> tr; // built backwards, reversed at the end
    tr.push_back({state_type::T, 0, 0});
    state_type st = state_type::C;
    std::size_t i = L;
    int k = 0;
    // Each case recomputes the candidates with the fill's arithmetic: the maximum is found exactly.
    for (bool done = false; !done;)
    {
        switch (st)
        {
        case state_type::C:
        case state_type::J: {
            bool const is_c = st == state_type::C;
            V const loop = i >= 1 ? rule.loop(i, is_c, oa.xs(i - 1, is_c ? x_c : x_j), sp[is_c ? c_loop : j_loop]) : none;
            V const enter = allow(sp[is_c ? e_move : e_loop], oa.xs(i, x_e));
            if (loop > enter)
            {
                tr.push_back({st, 0, i});
                --i;
            }
            else
            {
                tr.push_back({st, 0, 0});
                st = state_type::E;
            }
            break;
        }
        case state_type::E: {
            tr.push_back({state_type::E, 0, 0});
            V best = allow(p.exit_i, oa.ins(i, M));
            st = state_type::I;
            k = M;
            for (int kk = 1; kk <= M; ++kk)
            {
                V const m = allow(p.exit_m[static_cast<std::size_t>(kk)], oa.mat(i, kk));
                V const d = allow(p.exit_d[static_cast<std::size_t>(kk)], oa.del(i, kk));
                if (m > best)
                    best = m, st = state_type::M, k = kk;
                if (d > best)
                    best = d, st = state_type::D, k = kk;
            }
            EMTK_ASSERT(best != none, "traceback: E has no reachable predecessor");
            break;
        }
        case state_type::M: {
            tr.push_back({state_type::M, k, i});
            auto const & tp = p.tsc[static_cast<std::size_t>(k - 1)];
            std::array<V, 4> const cand{allow(p.enter_m[static_cast<std::size_t>(k)], oa.xs(i - 1, x_b)),
                                             allow(tp[t_mm], oa.mat(i - 1, k - 1)), allow(tp[t_im], oa.ins(i - 1, k - 1)),
                                             allow(tp[t_dm], oa.del(i - 1, k - 1))};
            std::size_t const a = oa_argmax(cand);
            EMTK_ASSERT(cand[a] != none, "traceback: M has no reachable predecessor");
            --i;
            if (a == 0)
            {
                if (!p.options.local) // the retracted left wing
                    for (int kk = k - 1; kk >= 1; --kk)
                        tr.push_back({state_type::D, kk, 0});
                st = state_type::B;
            }
            else
            {
                st = a == 1 ? state_type::M : a == 2 ? state_type::I : state_type::D;
                --k;
            }
            break;
        }
        case state_type::I: {
            tr.push_back({state_type::I, k, i});
            auto const & tk = p.tsc[static_cast<std::size_t>(k)];
            std::array<V, 3> const cand{allow(tk[t_mi], k == 0 ? none : oa.mat(i - 1, k)),
                                             allow(tk[t_ii], oa.ins(i - 1, k)),
                                             k == 0 ? allow(p.enter_i0, oa.xs(i - 1, x_b)) : none};
            std::size_t const a = oa_argmax(cand);
            EMTK_ASSERT(cand[a] != none, "traceback: I has no reachable predecessor");
            --i;
            st = a == 0 ? state_type::M : a == 1 ? state_type::I : state_type::B;
            break;
        }
        case state_type::D: {
            tr.push_back({state_type::D, k, 0});
            auto const & tp = p.tsc[static_cast<std::size_t>(k - 1)];
            std::array<V, 2> const cand{allow(tp[t_md], oa.mat(i, k - 1)), allow(tp[t_dd], oa.del(i, k - 1))};
            EMTK_ASSERT(std::max(cand[0], cand[1]) != none, "traceback: D has no reachable predecessor");
            st = oa_argmax(cand) == 0 ? state_type::M : state_type::D;
            --k;
            break;
        }
        case state_type::B: {
            tr.push_back({state_type::B, 0, 0});
            std::array<V, 2> const cand{allow(sp[n_move], oa.xs(i, x_n)), allow(sp[j_move], oa.xs(i, x_j))};
            st = oa_argmax(cand) == 0 ? state_type::N : state_type::J;
            break;
        }
        case state_type::N:
            if (i == 0)
            {
                tr.push_back({state_type::N, 0, 0});
                tr.push_back({state_type::S, 0, 0});
                done = true;
                break;
            }
            tr.push_back({state_type::N, 0, i});
            --i;
            break;
        case state_type::S:
        case state_type::T: EMTK_ASSERT(false, "traceback reached S or T");
        }
    }
    std::reverse(tr.begin(), tr.end());
    return tr;
}

/// OA traceback of a filled matrix `oa` (cells of type V) for x; see optimal_accuracy_trace().
/// A move is allowed when its transition exists (oa_allow); the C and J loops add the residue's
/// posterior (rounded to V, as in the fill).
template <typename V, typename Matrix>
alignment_trace oa_trace(profile const & p, digital_sequence x, posterior const & pp, Matrix const & oa)
{
    struct oa_rule
    {
        posterior const & pp;
        V step(double t, V v) const noexcept { return oa_allow<V>(t, v); }
        V loop(std::size_t i, bool is_c, V v, double t) const noexcept
        {
            return oa_allow<V>(t, v + static_cast<V>(is_c ? pp.c[i] : pp.j[i]));
        }
    };
    EMTK_ASSERT(pp.L == x.size() && oa.length() == x.size(), "OA traceback: matrix and sequence differ in length");
    alignment_trace r;
    r.path = plan7_traceback<V>(p, x.size(), oa, oa_rule{pp});
    r.accuracy = path_accuracy(r.path, pp, &r.pp);
    return r;
}

} // namespace emtk::hmm::detail
