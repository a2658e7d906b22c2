// Model surgery: plan from expected counts, apply to a model (see include/emtk/hmm/surgery.hpp).
#include <emtk/hmm/surgery.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>

namespace emtk::hmm {

namespace {

// Neutral main-line transitions of an inserted node (surgery.hpp).
constexpr double neutral_mm = 0.90, neutral_mi = 0.05, neutral_md = 0.05;
constexpr double neutral_im = 0.5, neutral_ii = 0.5;
constexpr double neutral_dm = 0.7, neutral_dd = 0.3;
constexpr double last_mm = 0.95, last_mi = 0.05;

/// Caps M → I at neutral_mi, moving the excess to M → M.
void cap_insert_entry(transition_row & t)
{
    if (t[t_mi] > neutral_mi)
    {
        t[t_mm] += t[t_mi] - neutral_mi;
        t[t_mi] = neutral_mi;
    }
}

} // namespace

surgery_plan plan_surgery(hmm_counts const & c, surgery_options const & opt)
{
    int const M = c.M;
    auto const Ku = static_cast<std::size_t>(c.K);
    surgery_plan p;
    p.old_M = M;
    p.new_M = M;
    p.match_use.assign(static_cast<std::size_t>(M) + 1, 0.0);
    p.insert_use.assign(static_cast<std::size_t>(M) + 1, 0.0);
    p.insert_length.assign(static_cast<std::size_t>(M) + 1, 0.0);
    double const W = c.sequences;
    if (!(W > 0) || M < 1)
        return p;

    for (int k = 0; k <= M; ++k)
    {
        auto const ku = static_cast<std::size_t>(k);
        double mat = 0, ins = 0;
        for (std::size_t a = 0; a < Ku; ++a)
        {
            mat += c.mat[ku * Ku + a];
            ins += c.ins[ku * Ku + a];
        }
        if (k >= 1)
            p.match_use[ku] = mat / W;
        double const entries = c.t[ku][t_mi];
        p.insert_use[ku] = entries / W;
        p.insert_length[ku] = entries > 0 ? ins / entries : 0.0;
    }

    // Deletions, keeping at least one node.
    for (int k = 1; k <= M; ++k)
        if (p.match_use[static_cast<std::size_t>(k)] < opt.min_match_use)
            p.deleted.push_back(k);
    if (static_cast<int>(p.deleted.size()) == M)
    {
        int best = 1;
        for (int k = 2; k <= M; ++k)
            if (p.match_use[static_cast<std::size_t>(k)] > p.match_use[static_cast<std::size_t>(best)])
                best = k;
        p.deleted.erase(std::find(p.deleted.begin(), p.deleted.end(), best));
        p.capped = true;
    }
    int const kept = M - static_cast<int>(p.deleted.size());

    // Insertions, by decreasing entry fraction, within the growth cap.
    std::vector<surgery_insert> want;
    for (int k = 0; k <= M; ++k)
    {
        auto const ku = static_cast<std::size_t>(k);
        if (p.insert_use[ku] > opt.min_insert_use)
        {
            auto const n = static_cast<int>(std::lround(p.insert_length[ku]));
            if (n >= 1)
                want.push_back({k, n});
        }
    }
    std::stable_sort(want.begin(), want.end(), [&](surgery_insert const & x, surgery_insert const & y) {
        return p.insert_use[static_cast<std::size_t>(x.after)] > p.insert_use[static_cast<std::size_t>(y.after)];
    });
    int const limit = std::max(1, static_cast<int>(std::floor(std::max(1.0, opt.max_growth) * M)));
    int budget = std::max(0, limit - kept);
    for (auto const & w : want)
    {
        int const n = std::min(w.count, budget);
        if (n < w.count)
            p.capped = true;
        if (n > 0)
            p.inserted.push_back({w.after, n});
        budget -= n;
    }
    std::sort(p.inserted.begin(), p.inserted.end(),
              [](surgery_insert const & x, surgery_insert const & y) { return x.after < y.after; });
    p.new_M = kept;
    for (auto const & w : p.inserted)
        p.new_M += w.count;
    return p;
}

profile_hmm apply_surgery(profile_hmm const & hmm, surgery_plan const & plan)
{
    int const M = hmm.M, K = hmm.K;
    EMTK_ASSERT(plan.old_M == M, "surgery plan made for another model length");
    EMTK_ASSERT(plan.new_M >= 1, "surgery plan without nodes");

    // The new node list: (old node, fresh?) in order.
    struct entry
    {
        int old_k;
        bool fresh; // an inserted node standing for the old I_{old_k}
    };
    std::vector<bool> deleted(static_cast<std::size_t>(M) + 1, false);
    for (int k : plan.deleted)
        deleted[static_cast<std::size_t>(k)] = true;
    std::vector<int> insert_after(static_cast<std::size_t>(M) + 1, 0);
    for (auto const & w : plan.inserted)
        insert_after[static_cast<std::size_t>(w.after)] += w.count;
    std::vector<entry> nodes{{0, false}}; // node 0 = B
    for (int k = 0; k <= M; ++k)
    {
        if (k >= 1 && !deleted[static_cast<std::size_t>(k)])
            nodes.push_back({k, false});
        for (int n = 0; n < insert_after[static_cast<std::size_t>(k)]; ++n)
            nodes.push_back({k, true});
    }
    int const newM = static_cast<int>(nodes.size()) - 1;
    EMTK_ASSERT(newM == plan.new_M, "surgery plan inconsistent with its own counts");

    profile_hmm out(newM, K);
    if (hmm.null.size() == static_cast<std::size_t>(K))
        out.null = hmm.null;
    std::vector<double> const fresh_ins = out.null; // null model, or profile_hmm's uniform default
    out.t[0] = hmm.t[0];
    std::copy(hmm.insert(0).begin(), hmm.insert(0).end(), out.insert(0).begin());

    for (int n = 1; n <= newM; ++n)
    {
        entry const e = nodes[static_cast<std::size_t>(n)];
        auto & t = out.t[static_cast<std::size_t>(n)];
        bool const last = n == newM;
        if (e.fresh)
        {
            auto const src = hmm.insert(e.old_k);
            std::copy(src.begin(), src.end(), out.match(n).begin());
            std::copy(fresh_ins.begin(), fresh_ins.end(), out.insert(n).begin());
            t = {neutral_mm, neutral_mi, neutral_md, neutral_im, neutral_ii, neutral_dm, neutral_dd};
            if (last)
                t = {last_mm, last_mi, 0.0, neutral_im, neutral_ii, 1.0, 0.0};
            // The node the insertion follows now moves on to the new main line.
            entry const prev = nodes[static_cast<std::size_t>(n - 1)];
            if (!prev.fresh && prev.old_k == e.old_k)
                cap_insert_entry(out.t[static_cast<std::size_t>(n - 1)]);
            continue;
        }
        auto const ms = hmm.match(e.old_k);
        auto const is = hmm.insert(e.old_k);
        std::copy(ms.begin(), ms.end(), out.match(n).begin());
        std::copy(is.begin(), is.end(), out.insert(n).begin());
        t = hmm.t[static_cast<std::size_t>(e.old_k)];
        if (last && e.old_k != M)
        {
            // Becomes the last node: no M → D; (M → M, M → I) renormalised; D → E = 1.
            double const s = t[t_mm] + t[t_mi];
            if (s > 0)
                t[t_mm] /= s, t[t_mi] /= s;
            else
                t[t_mm] = 1.0, t[t_mi] = 0.0;
            t[t_md] = 0.0;
            t[t_dm] = 1.0;
            t[t_dd] = 0.0;
        }
        else if (!last && e.old_k == M)
        {
            // The old last node gets successors: neutral M → D and D row.
            t[t_mm] *= 1.0 - neutral_md;
            t[t_mi] *= 1.0 - neutral_md;
            t[t_md] = neutral_md;
            t[t_dm] = neutral_dm;
            t[t_dd] = neutral_dd;
        }
    }
    normalize(out);
    return out;
}

} // namespace emtk::hmm
