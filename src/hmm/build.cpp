// A profile HMM from a multiple alignment (see include/emtk/hmm/build.hpp).
#include <emtk/hmm/build.hpp>
#include <emtk/hmm/entropy_weight.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>

namespace emtk::hmm {

namespace {

enum class st : std::uint8_t
{
    B,
    M,
    I,
    D,
    E
};

struct step
{
    st s;
    int k;
    std::uint8_t code; // residue of M/I
};

/// Adds the transition a → b (a path of the core model) to the counts.
void count_transition(step const & a, step const & b, double w, hmm_counts & c)
{
    auto & t = c.t[static_cast<std::size_t>(a.s == st::B ? 0 : a.k)];
    switch (a.s)
    {
    case st::B:
        if (b.s == st::M)
            t[t_mm] += w; // always M1: the path goes through D1 … D_{k−1} otherwise
        else if (b.s == st::I)
            t[t_mi] += w;
        else
            t[t_md] += w;
        break;
    case st::M:
        if (b.s == st::M || b.s == st::E)
            t[t_mm] += w;
        else if (b.s == st::I)
            t[t_mi] += w;
        else
            t[t_md] += w;
        break;
    case st::I:
        if (b.s == st::M || b.s == st::E)
            t[t_im] += w;
        else
            t[t_ii] += w;
        break;
    case st::D:
        if (b.s == st::M || b.s == st::E)
            t[t_dm] += w;
        else
            t[t_dd] += w;
        break;
    case st::E:
        EMTK_ASSERT(false, "no transition out of E");
    }
}

/// Emission of `code` (split evenly over its canonical residues) with weight w into `row`.
void count_emission(std::span<std::uint8_t const> members, double w, double * row)
{
    double const share = w / static_cast<double>(members.size());
    for (std::uint8_t a : members)
        row[a] += share;
}

/// Match-emission rows start at HMMER's posterior mean, then `passes` M-steps.
profile_hmm estimate(hmm_counts const & c, hmm_prior const & prior, std::vector<double> const & bg, int passes)
{
    profile_hmm h(c.M, c.K);
    h.null = bg;
    if (!prior.none)
        for (int k = 1; k <= c.M; ++k)
            posterior_mean(prior.em,
                           std::span<double const>(c.mat.data() + static_cast<std::size_t>(k * c.K),
                                                   static_cast<std::size_t>(c.K)),
                           h.match(k));
    for (int p = 0; p < std::max(1, passes); ++p)
        estimate_parameters(c, prior, h);
    if (passes == 0 && !prior.none) // HMMER's estimator: the posterior mean for match emissions too
        for (int k = 1; k <= c.M; ++k)
            posterior_mean(prior.em,
                           std::span<double const>(c.mat.data() + static_cast<std::size_t>(k * c.K),
                                                   static_cast<std::size_t>(c.K)),
                           h.match(k));
    return h;
}

/// A copy of the counts times f (entropy_weight.hpp's scale_counts).
hmm_counts scaled(hmm_counts c, double f)
{
    scale_counts(c, f);
    return c;
}

std::string format_fraction(double x)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

} // namespace

namespace {

/// First and last residue column of a row (first > last when it has none).
std::pair<std::size_t, std::size_t> residue_span(std::vector<std::uint8_t> const & row)
{
    std::size_t first = 0, last = 0;
    bool any = false;
    for (std::size_t j = 0; j < row.size(); ++j)
        if (row[j] != msa_gap)
        {
            if (!any)
                first = j;
            last = j;
            any = true;
        }
    if (!any)
        return {1, 0};
    return {first, last};
}

} // namespace

std::vector<bool> mark_fragments(msa const & a, double fragthresh)
{
    std::vector<bool> f(a.size(), false);
    auto const minspan = static_cast<std::size_t>(std::ceil(fragthresh * static_cast<double>(a.columns())));
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        auto const span = residue_span(a.rows[i]);
        std::size_t const len = span.first > span.second ? 0 : span.second - span.first + 1;
        f[i] = len < minspan;
    }
    return f;
}

std::vector<double> henikoff_weights(msa const & a, double symfrac, double fragthresh)
{
    std::size_t const n = a.size(), L = a.columns();
    if (n == 0)
        return {};
    if (n == 1)
        return {1.0};
    int const K = seq::alphabet::get(a.type).K();
    auto const fragment = mark_fragments(a, fragthresh);

    // Per column: canonical residue counts, residues (any code), gaps; fragments' flanks left out.
    std::vector<int> ct(L * static_cast<std::size_t>(K), 0), nres(L, 0), ngap(L, 0);
    for (std::size_t i = 0; i < n; ++i)
    {
        auto const & row = a.rows[i];
        std::size_t lo = 0, hi = L;
        if (fragment[i])
        {
            auto const span = residue_span(row);
            if (span.first > span.second)
                continue;
            lo = span.first, hi = span.second + 1;
        }
        for (std::size_t j = lo; j < hi; ++j)
        {
            if (row[j] == msa_gap)
                ++ngap[j];
            else
            {
                ++nres[j];
                if (row[j] < K)
                    ++ct[j * static_cast<std::size_t>(K) + row[j]];
            }
        }
    }
    // Consensus columns: RF, else gap fraction < symfrac, else all.
    std::vector<std::size_t> cons;
    if (!a.rf.empty())
    {
        for (std::size_t j = 0; j < L; ++j)
            if (!is_gap_char(a.rf[j]) && a.rf[j] != ' ')
                cons.push_back(j);
    }
    else
        for (std::size_t j = 0; j < L; ++j)
            if (nres[j] + ngap[j] > 0 &&
                static_cast<double>(ngap[j]) / static_cast<double>(nres[j] + ngap[j]) < symfrac)
                cons.push_back(j);
    if (cons.empty())
        for (std::size_t j = 0; j < L; ++j)
            cons.push_back(j);

    std::vector<int> distinct(cons.size(), 0);
    for (std::size_t c = 0; c < cons.size(); ++c)
        for (int x = 0; x < K; ++x)
            distinct[c] += ct[cons[c] * static_cast<std::size_t>(K) + static_cast<std::size_t>(x)] > 0;
    std::vector<double> w(n, 0.0);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i)
    {
        std::size_t rlen = 0;
        for (std::size_t c = 0; c < cons.size(); ++c)
        {
            std::uint8_t const x = a.rows[i][cons[c]];
            if (x < K)
            {
                int const m = ct[cons[c] * static_cast<std::size_t>(K) + x];
                if (m > 0) // 0 only for a fragment's residue outside its own span: impossible
                    w[i] += 1.0 / (static_cast<double>(distinct[c]) * m);
                ++rlen;
            }
        }
        if (rlen > 0)
            w[i] /= static_cast<double>(rlen);
        sum += w[i];
    }
    for (double & x : w)
        x = sum > 0 ? x * static_cast<double>(n) / sum : 1.0;
    return w;
}


std::vector<row_span> data_spans(msa const & a, std::vector<bool> const & fragment, bool end_deletions_missing)
{
    std::size_t const L = a.columns();
    std::vector<row_span> spans(a.size());
    // The RF columns, when leading/trailing RF deletions are missing data.
    std::vector<bool> is_rf(L, false);
    bool const by_rf = end_deletions_missing && a.rf.size() == L;
    std::size_t rf_first = L, rf_last = 0;
    if (by_rf)
        for (std::size_t j = 0; j < L; ++j)
            if (!is_gap_char(a.rf[j]) && a.rf[j] != ' ')
            {
                is_rf[j] = true;
                rf_first = std::min(rf_first, j);
                rf_last = j;
            }
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        auto const & row = a.rows[i];
        row_span & s = spans[i];
        if (fragment[i])
        {
            auto const r = residue_span(row);
            s.first = r.first, s.last = r.second;
            s.lead_missing = r.first <= r.second && r.first > 0;
            s.tail_missing = r.first <= r.second && r.second + 1 < L;
            continue;
        }
        s.first = 0, s.last = L - 1;
        if (!by_rf || rf_first >= L)
            continue;
        std::size_t first = L, last = 0;
        for (std::size_t j = rf_first; j <= rf_last; ++j)
            if (is_rf[j] && row[j] != msa_gap)
            {
                first = std::min(first, j);
                last = j;
            }
        if (first == L)
        {
            s.first = 1, s.last = 0; // no residue in any RF column: all missing
            continue;
        }
        if (first > rf_first)
            s.first = first, s.lead_missing = true;
        if (last < rf_last)
            s.last = last, s.tail_missing = true;
    }
    return spans;
}

std::vector<int> match_columns(msa const & a, std::vector<double> const & weights, std::vector<row_span> const & spans,
                               build_options const & opt)
{
    std::size_t const L = a.columns();
    std::vector<int> map;
    if (opt.use_rf && !a.rf.empty())
    {
        for (std::size_t j = 0; j < L; ++j)
            if (!is_gap_char(a.rf[j]) && a.rf[j] != ' ')
                map.push_back(static_cast<int>(j + 1));
        return map;
    }
    std::vector<double> res(L, 0.0), tot(L, 0.0);
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        if (spans[i].first > spans[i].last)
            continue; // all missing
        for (std::size_t j = spans[i].first; j <= spans[i].last; ++j)
        {
            tot[j] += weights[i];
            if (a.rows[i][j] != msa_gap)
                res[j] += weights[i];
        }
    }
    for (std::size_t j = 0; j < L; ++j)
        if (res[j] > 0 && res[j] / tot[j] >= opt.symfrac)
            map.push_back(static_cast<int>(j + 1));
    return map;
}

hmm_counts count_alignment(msa const & a, std::vector<int> const & map, std::vector<double> const & weights,
                           std::vector<row_span> const & spans)
{
    int const M = static_cast<int>(map.size());
    EMTK_ASSERT(M >= 1, "count_alignment needs at least one match column");
    seq::alphabet const & abc = seq::alphabet::get(a.type);
    int const K = abc.K();
    hmm_counts c(M, K);
    std::size_t const L = a.columns();
    std::vector<bool> is_match(L, false);
    for (int col : map)
        is_match[static_cast<std::size_t>(col - 1)] = true;

    std::vector<step> path, fixed;
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        auto const & row = a.rows[i];
        double const w = weights[i];
        row_span const & span = spans[i];
        if (span.first > span.last)
            continue; // nothing but missing data
        bool const lead_missing = span.lead_missing;
        bool const tail_missing = span.tail_missing;

        // The row's path (missing columns of a fragment left out).
        path.clear();
        path.push_back({st::B, 0, 0});
        int k = 0;
        for (std::size_t j = 0; j < L; ++j)
        {
            if (is_match[j])
                ++k;
            if (j < span.first || j > span.last)
                continue;
            std::uint8_t const code = row[j];
            if (is_match[j])
                path.push_back(code == msa_gap ? step{st::D, k, 0} : step{st::M, k, code});
            else if (code != msa_gap)
                path.push_back({st::I, k, code});
        }
        path.push_back({st::E, 0, 0});

        // No D → I or I → D in Plan7: the pair becomes one M (the D's node, the I's residue).
        fixed.clear();
        for (std::size_t z = 0; z < path.size();)
        {
            if (z + 1 < path.size() && path[z].s == st::D && path[z + 1].s == st::I)
            {
                fixed.push_back({st::M, path[z].k, path[z + 1].code});
                z += 2;
            }
            else if (z + 1 < path.size() && path[z].s == st::I && path[z + 1].s == st::D)
            {
                fixed.push_back({st::M, path[z + 1].k, path[z].code});
                z += 2;
            }
            else
                fixed.push_back(path[z++]);
        }

        // The counted stretch: all of it, or a fragment's first to last match state.
        std::size_t z1 = 0, z2 = fixed.size() - 1;
        if (lead_missing || tail_missing)
        {
            std::size_t first = fixed.size(), last = 0;
            for (std::size_t z = 0; z < fixed.size(); ++z)
                if (fixed[z].s == st::M)
                {
                    first = std::min(first, z);
                    last = z;
                }
            if (first == fixed.size())
                continue; // a fragment without a match state
            if (lead_missing)
                z1 = first;
            if (tail_missing)
                z2 = last;
        }
        for (std::size_t z = z1; z <= z2; ++z)
        {
            step const & s = fixed[z];
            if (s.s == st::M)
                count_emission(abc.expands_to(s.code), w, c.mat.data() + static_cast<std::size_t>(s.k * K));
            else if (s.s == st::I)
                count_emission(abc.expands_to(s.code), w, c.ins.data() + static_cast<std::size_t>(s.k * K));
            if (z < z2)
                count_transition(s, fixed[z + 1], w, c);
        }
        c.sequences += w;
    }
    return c;
}

double mean_match_relative_entropy(profile_hmm const & hmm, std::vector<double> const & bg)
{
    double sum = 0;
    for (int k = 1; k <= hmm.M; ++k)
    {
        auto const p = hmm.match(k);
        for (int a = 0; a < hmm.K; ++a)
        {
            double const x = p[static_cast<std::size_t>(a)];
            if (x > 0)
                sum += x * std::log2(x / bg[static_cast<std::size_t>(a)]);
        }
    }
    return sum / hmm.M;
}

build_result build_profile_hmm(msa const & a, build_options const & opt)
{
    if (!(opt.symfrac >= 0 && opt.symfrac <= 1))
        throw usage_error("symfrac must be in [0, 1], not " + format_fraction(opt.symfrac));
    if (opt.effn_rule == effective_number::set && !(opt.effn > 0))
        throw usage_error("the effective sequence number must be > 0, not " + format_fraction(opt.effn));
    EMTK_ASSERT(a.size() > 0 && a.columns() > 0, "build_profile_hmm needs a non-empty alignment");

    build_result r;
    r.nseq = static_cast<double>(a.size());
    r.weights = opt.weighting ? henikoff_weights(a, opt.symfrac, opt.fragthresh) : std::vector<double>(a.size(), 1.0);
    r.fragment = mark_fragments(a, opt.fragthresh);
    auto const spans = data_spans(a, r.fragment, opt.end_deletions_missing);
    for (std::size_t i = 0; i < spans.size(); ++i)
        r.fragment[i] = r.fragment[i] || spans[i].lead_missing || spans[i].tail_missing;
    r.map = match_columns(a, r.weights, spans, opt);
    if (r.map.empty())
    {
        std::string const what =
            opt.use_rf && !a.rf.empty()
                ? std::string{"no consensus column: the #=GC RF line marks no column"}
                : "no consensus column: no column has a weighted residue fraction >= " + format_fraction(opt.symfrac);
        throw_input_error(a.source, 0, what);
    }
    r.counts = count_alignment(a, r.map, r.weights, spans);

    std::vector<double> const bg = hmmer_background(a.type);
    hmm_prior const prior = make_prior(opt.prior, a.type);
    int const M = static_cast<int>(r.map.size());
    auto model_at = [&](double neff) { return estimate(scaled(r.counts, neff / r.nseq), prior, bg, opt.map_passes); };

    switch (opt.effn_rule)
    {
    case effective_number::none:
        r.effn = r.nseq;
        break;
    case effective_number::set:
        r.effn = opt.effn;
        break;
    case effective_number::entropy: {
        double const re = opt.re_target > 0 ? opt.re_target : (a.type == seq::alphabet_type::amino ? 0.59 : 0.62);
        double const Md = M;
        double const target = std::max(re, (opt.esigma - std::log2(2.0 / (Md * (Md + 1.0)))) / Md);
        // The target was tuned for HMMER's estimator: evaluate it with the posterior mean (passes 0).
        auto f = [&](double neff) {
            return mean_match_relative_entropy(estimate(scaled(r.counts, neff / r.nseq), prior, bg, 0), bg) - target;
        };
        r.effn = r.nseq;
        if (f(r.nseq) > 0)
        {
            double lo = 0, hi = r.nseq;
            while (hi - lo > 0.01)
            {
                double const mid = 0.5 * (lo + hi);
                (f(mid) > 0 ? hi : lo) = mid;
            }
            r.effn = 0.5 * (lo + hi);
        }
        break;
    }
    }
    r.hmm = model_at(r.effn);
    return r;
}

} // namespace emtk::hmm
