// Domain definition of a search hit: posterior decoding of the whole target (scaled odds-space
// forward/backward keeping the special states of each row), regions of core
// occupancy, envelopes rescored in unihit mode, optimal-accuracy alignment of each envelope.
// After HMMER 3.3 src/p7_domaindef.c (p7_domaindef_ByPosteriorHeuristics, is_multidomain_region,
// rescore_isolated_domain) and src/p7_pipeline.c (domain bit score); read, not copied. The numerics
// and the deviations from HMMER are described in include/emtk/hmm/search.hpp.
#include "domain_display.hpp"
#include "domain_float.hpp"
#include "domain_oa.hpp"
#include "domain_posterior.hpp"

#include <emtk/hmm/score.hpp>
#include <emtk/hmm/search.hpp>
#include <emtk/em/logspace.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace emtk::hmm {

std::vector<domain_hit> search_model::domains(std::span<std::uint8_t const> x, domain_counts * counts,
                                             bool exact, detail::float_pass const * forward) const
{
    std::vector<domain_hit> out;
    std::size_t const L = x.size();
    if (L == 0)
        return out;
    profile const & multi = scorer_->configured();
    detail::occupancy const o = exact ? detail::decode_occupancy(multi, float_->exact(), x)
                                      : detail::decode_occupancy_float(multi, *float_, x, forward);

    domain_counts dc;
    std::vector<std::pair<std::size_t, std::size_t>> const envelopes =
        detail::find_envelopes(o, &dc.regions, &dc.clustered);
    dc.expected = o.btot.empty() ? 0.0 : o.btot.back();
    dc.envelopes = static_cast<int>(envelopes.size());
    if (counts)
        *counts = dc;
    std::string const consensus =
        model_.consensus.empty() ? hmmer_consensus(model_.hmm, model_.alphabet) : model_.consensus;
    seq::alphabet const & abc = seq::alphabet::get(model_.alphabet);

    // Rescore and align each envelope: unihit local, length model of the whole target.
    profile uni = multi;
    uni.options.multihit = false;
    uni.options.target_length = static_cast<int>(std::min<std::size_t>(L, 2'000'000'000));
    double const Ld0 = static_cast<double>(L);
    double const outside_cost = std::log(Ld0 / (Ld0 + 3.0)); // per residue outside the envelope
    double const null1 = null1_score(L, L);
    detail::special_probs const tu{special_transitions(uni, L)};
    thread_local dp_matrix oa; // reused: no allocation per target
    thread_local std::size_t oa_cells = 0;
    thread_local detail::oa_float_matrix oaf;
    thread_local posterior pp;
    for (auto const & [from, to] : envelopes)
    {
        std::size_t const Ld = to - from + 1;
        digital_sequence const sub = x.subspan(from - 1, Ld);
        // Envelope score and posterior decoding in one pass (the forward of decode_full).
        double envsc = 0;
        if (exact)
            pp = detail::decode_full(float_->exact(), tu, sub, envsc);
        else
            detail::decode_full_float(*float_, tu, sub, pp, envsc);
        if (!std::isfinite(envsc))
            continue;
        domain_hit d;
        d.env_from = from;
        d.env_to = to;
        d.bits = (envsc + static_cast<double>(L - Ld) * outside_cost - null1) / std::numbers::ln2;
        d.pvalue = pvalue(d.bits);
        // Optimal-accuracy alignment of the envelope (as HMMER's rescore_isolated_domain), from
        // the odds-space posterior decoding of the envelope under the same unihit profile.
        // Default mode in float (domain_oa.hpp), --max in double.
        alignment_trace v;
        if (exact)
        {
            detail::fit_alignment_matrix(oa, oa_cells, Ld, uni.M);
            if (optimal_accuracy_fill(uni, pp, oa) == em::log_zero)
                continue;
            v = optimal_accuracy_trace(uni, sub, pp, oa);
        }
        else
        {
            if (detail::optimal_accuracy_fill_float(uni, pp, oaf) == em::log_zero)
                continue;
            v = detail::optimal_accuracy_trace_float(uni, sub, pp, oaf);
        }
        bool first = true;
        for (trace_step const & s : v.path)
        {
            if (s.state != state_type::M)
                continue;
            if (first)
            {
                d.ali_from = from + s.i - 1;
                d.hmm_from = s.k;
                first = false;
            }
            d.ali_to = from + s.i - 1;
            d.hmm_to = s.k;
        }
        if (first) // no match state on the path (cannot happen in local mode: entry is B → M_k)
            continue;
        // HMMER's acc: the expected accuracy of the envelope's alignment (N, C included) per residue.
        d.accuracy = v.accuracy / static_cast<double>(Ld);
        d.alignment = detail::display_alignment(uni, consensus, abc, sub, v);
        out.push_back(d);
    }
    return out;
}

} // namespace emtk::hmm
