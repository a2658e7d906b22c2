// Consistency realignment (train.hpp, "Realignment"; train_options::consistency): after the
// realignment step, the training set is aligned again by consistency (consistency.hpp: pairwise
// residue-match posteriors from a pair-HMM and/or the trained model, two rounds of the
// consistency transformation, a progressive maximum-expected-accuracy alignment), a model is built
// from that alignment and retrained exactly as the realignment's retrain does, and it replaces the
// current model when the keep rule "accuracy" prefers it (the larger Σ match-state posteriors of
// its optimal-accuracy alignment of the training set).
#include "train_detail.hpp"

#include <emtk/em/logspace.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/hmm/build.hpp>
#include <emtk/hmm/consistency.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace emtk::hmm {

bool parse_consistency_mode(std::string const & s, consistency_mode & out) noexcept
{
    if (s == "off")
        out = consistency_mode::off;
    else if (s == "pair")
        out = consistency_mode::pair;
    else if (s == "profile")
        out = consistency_mode::profile;
    else if (s == "both")
        out = consistency_mode::both;
    else
        return false;
    return true;
}

bool parse_consistency_keep(std::string const & s, consistency_keep_rule & out) noexcept
{
    if (s == "accuracy")
        out = consistency_keep_rule::accuracy;
    else if (s == "pairs")
        out = consistency_keep_rule::pairs;
    else
        return false;
    return true;
}

char const * to_string(consistency_keep_rule r) noexcept
{
    return r == consistency_keep_rule::pairs ? "pairs" : "accuracy";
}

char const * to_string(consistency_mode m) noexcept
{
    switch (m)
    {
    case consistency_mode::off: return "off";
    case consistency_mode::pair: return "pair";
    case consistency_mode::profile: return "profile";
    case consistency_mode::both: return "both";
    }
    return "off";
}

namespace detail {

namespace {

/// wa·a + (1 − wa)·b, row by row (both sparse, columns increasing); entries < min dropped.
pair_posterior mix(pair_posterior const & a, pair_posterior const & b, double wa, double min_posterior)
{
    pair_posterior o;
    std::size_t const rows = std::max(a.rows(), b.rows());
    o.row_start.assign(rows + 1, 0);
    for (std::size_t i = 0; i < rows; ++i)
    {
        std::uint32_t e = i < a.rows() ? a.row_start[i] : 0, ee = i < a.rows() ? a.row_start[i + 1] : 0;
        std::uint32_t f = i < b.rows() ? b.row_start[i] : 0, fe = i < b.rows() ? b.row_start[i + 1] : 0;
        while (e < ee || f < fe)
        {
            std::uint32_t c;
            double v = 0;
            if (f >= fe || (e < ee && a.col[e] < b.col[f]))
            {
                c = a.col[e];
                v = wa * a.p[e++];
            }
            else if (e >= ee || b.col[f] < a.col[e])
            {
                c = b.col[f];
                v = (1 - wa) * b.p[f++];
            }
            else
            {
                c = a.col[e];
                v = wa * a.p[e++] + (1 - wa) * b.p[f++];
            }
            if (v >= min_posterior)
            {
                o.col.push_back(c);
                o.p.push_back(static_cast<float>(v));
            }
        }
        o.row_start[i + 1] = static_cast<std::uint32_t>(o.col.size());
    }
    return o;
}

/// Sparse match posteriors of every training sequence under the local-exit alignment profile of
/// `hmm` (the realignment's, train_realign.cpp); false when some sequence cannot be emitted.
bool profile_posteriors(profile_hmm const & hmm, seq::sequence_set const & set, int threads,
                        std::vector<match_posteriors> & out)
{
    auto const & abc = seq::alphabet::get(set.type);
    profile prof = make_profile(hmm, residue_sets_of(abc), alignment_profile_options());
    for (std::size_t k = 1; k < prof.exit_m.size(); ++k)
        prof.exit_m[k] = prof.exit_d[k] = 0.0;
    auto const n = static_cast<long long>(set.seqs.size());
    out.assign(set.seqs.size(), {});
    std::vector<char> ok(set.seqs.size(), 1);
#pragma omp parallel num_threads(std::max(1, threads))
    {
        dp_matrix fwd, bwd;
#pragma omp for schedule(dynamic, 1)
        for (long long s = 0; s < n; ++s)
        {
            auto const & q = set.seqs[static_cast<std::size_t>(s)];
            digital_sequence const x(q.dsq.data(), q.dsq.size());
            double const ll = forward(prof, x, fwd);
            if (ll == em::log_zero)
            {
                ok[static_cast<std::size_t>(s)] = 0;
                continue;
            }
            backward(prof, x, bwd);
            out[static_cast<std::size_t>(s)] = sparse_match_posteriors(decode_posterior(prof, x, fwd, bwd, ll));
        }
    }
    return std::all_of(ok.begin(), ok.end(), [](char c) { return c != 0; });
}

/// Per sequence, the match column (k − 1) of each residue on its trace, −1 for residues in insert
/// or flank states (expected_aligned_pairs' input).
std::vector<std::vector<std::int32_t>> match_columns_of(std::vector<alignment_trace> const & traces,
                                                        seq::sequence_set const & set)
{
    std::vector<std::vector<std::int32_t>> col(set.seqs.size());
    for (std::size_t s = 0; s < set.seqs.size(); ++s)
    {
        col[s].assign(set.seqs[s].dsq.size(), -1);
        for (auto const & st : traces[s].path)
            if (st.state == state_type::M && st.i > 0)
                col[s][st.i - 1] = st.k - 1;
    }
    return col;
}

/// Why a consistency round does not run for n training sequences (empty: it runs): the
/// transformation needs 3 sequences and costs n³, so both rounds cap n at `max`.
std::string size_not_run(std::size_t n, std::size_t max)
{
    if (n >= 3 && n <= max)
        return {};
    return "not run: " + std::to_string(n) + " training sequences (needs 3 to " + std::to_string(max) + ")";
}

} // namespace

msa consistency_msa(seq::sequence_set const & set, profile_hmm const & hmm,
                    consistency_mode mode, int threads, std::string & why, posterior_set * post_out)
{
    std::size_t const n = set.seqs.size();
    std::vector<digital_sequence> xs;
    for (auto const & s : set.seqs)
        xs.emplace_back(s.dsq.data(), s.dsq.size());
    bool const use_pair = mode == consistency_mode::pair || mode == consistency_mode::both;
    bool const use_profile = mode == consistency_mode::profile || mode == consistency_mode::both;
    std::vector<match_posteriors> mp;
    if (use_profile && !profile_posteriors(hmm, set, threads, mp))
    {
        why = "not run: the model cannot emit every training sequence";
        return {};
    }
    // The pair-HMM's match emissions from the alphabet's substitution model (BLOSUM62 for
    // protein, a transition/transversion model for DNA/RNA; consistency.hpp).
    pair_hmm ph;
    if (use_pair)
        ph = pair_hmm::for_alphabet(set.type);
    posterior_set post;
    post.n = n;
    for (auto const & x : xs)
        post.lengths.push_back(x.size());
    post.pairs.resize(n * n);
    auto const np = static_cast<long long>(n * n);
#pragma omp parallel for num_threads(std::max(1, threads)) schedule(dynamic, 1)
    for (long long q = 0; q < np; ++q)
    {
        std::size_t const x = static_cast<std::size_t>(q) / n, y = static_cast<std::size_t>(q) % n;
        if (x >= y)
            continue;
        pair_posterior p;
        if (use_pair && use_profile)
            p = mix(pair_hmm_posterior(ph, xs[x], xs[y]), profile_pair_posterior(mp[x], mp[y], xs[y].size()), 0.5, 0.01);
        else if (use_pair)
            p = pair_hmm_posterior(ph, xs[x], xs[y]);
        else
            p = profile_pair_posterior(mp[x], mp[y], xs[y].size());
        post.at(y, x) = p.transposed(xs[y].size());
        post.at(x, y) = std::move(p);
    }
    // Two rounds, ProbCons' default.
    for (int round = 0; round < 2; ++round)
        post = consistency_transform(post, threads);
    msa a = to_msa(progressive_alignment(post), xs);
    if (post_out != nullptr)
        *post_out = std::move(post);
    a.type = set.type;
    for (auto const & s : set.seqs)
        a.names.push_back(s.name);
    return a;
}

void consistency_round(training_context & ctx, realign_summary & info, double current_accuracy)
{
    train_options const & opt = ctx.opt;
    train_result & res = ctx.res;
    std::size_t const n = ctx.set.seqs.size();
    info.consistency_message = size_not_run(n, opt.consistency_max_sequences);
    if (!info.consistency_message.empty())
        return;
    int const threads = std::max(1, opt.threads);
    std::string why;
    bool const by_pairs = opt.consistency_keep == consistency_keep_rule::pairs;
    posterior_set post;
    msa const aln = consistency_msa(ctx.set, res.hmm, opt.consistency, threads, why, by_pairs ? &post : nullptr);
    if (aln.rows.empty())
    {
        info.consistency_message = why;
        return;
    }
    // The realignment's build (train_realign.cpp), from an alignment without RF: match columns by
    // hmmbuild's symfrac rule.
    build_options bopt;
    bopt.prior = opt.prior;
    bopt.effn_rule = effective_number::entropy;
    bopt.re_target = opt.re_target;
    bopt.end_deletions_missing = true;
    build_result br = build_profile_hmm(aln, bopt);
    profile_hmm built = std::move(br.hmm);
    if (built.M < 1 || 2 * built.M > 3 * res.hmm.M || 3 * built.M < 2 * res.hmm.M)
    {
        info.consistency_message = "not run: the model built from the consistency alignment has " +
                                   std::to_string(built.M) + " match states against " + std::to_string(res.hmm.M) +
                                   " (outside 2/3 to 3/2)";
        return;
    }
    built.null = ctx.background;
    train_options o = opt;
    o.start_model = std::move(built);
    o.realign = realign_mode::off;
    o.consistency = consistency_mode::off;
    o.sequence_weights = std::move(br.weights);
    train_result third;
    try
    {
        third = train_profile_hmm(ctx.set, o);
    }
    catch (user_error const & e)
    {
        info.consistency_message = std::string{"the retraining failed: "} + e.what();
        return;
    }
    auto const traces = local_exit_traces(third.hmm, ctx.set, threads);
    bool const complete = all_aligned(traces);
    info.consistency_M = third.hmm.M;
    info.consistency_accuracy = candidate_accuracy(traces);
    info.consistency_kept = info.consistency_accuracy > current_accuracy;
    if (by_pairs && complete)
    {
        // The model-independent rule: which model's alignment of the training set realises more
        // of the consistency posteriors (one more alignment pass, of the kept model).
        auto const current = local_exit_traces(res.hmm, ctx.set, threads);
        info.consistency_pairs_current = all_aligned(current) ? expected_aligned_pairs(post, match_columns_of(current, ctx.set)) : 0.0;
        info.consistency_pairs_candidate = expected_aligned_pairs(post, match_columns_of(traces, ctx.set));
        info.consistency_kept = info.consistency_pairs_candidate > info.consistency_pairs_current;
    }
    merge_tally(res, third);
    res.decreases += third.decreases;
    if (info.consistency_kept)
        adopt_model(res, std::move(third));
}

void consistency_start_round(training_context & ctx, realign_summary & info, double & kept_accuracy)
{
    train_options const & opt = ctx.opt;
    train_result & res = ctx.res;
    std::size_t const n = ctx.set.seqs.size();
    info.cstart_message = size_not_run(n, opt.consistency_start_max);
    if (!info.cstart_message.empty())
        return;
    // The pair-HMM's cost: one forward-backward over L_x · L_y cells per pair (the transformation,
    // n³ sparse row products, is small next to it at these n).
    double cells = 0, residues = 0;
    for (auto const & s : ctx.set.seqs)
    {
        auto const L = static_cast<double>(s.dsq.size());
        cells += residues * L;
        residues += L;
    }
    if (cells > opt.consistency_start_max_cells)
    {
        info.cstart_message = "not run: " + std::to_string(static_cast<long long>(cells)) +
                              " pair-HMM cells (limit " +
                              std::to_string(static_cast<long long>(opt.consistency_start_max_cells)) + ")";
        return;
    }
    int const threads = std::max(1, opt.threads);
    std::string why;
    msa const aln = consistency_msa(ctx.set, res.hmm, consistency_mode::pair, threads, why);
    if (aln.rows.empty())
    {
        info.cstart_message = why;
        return;
    }
    build_result br = realignment_build(aln, opt);
    auto const length_ok = [&](int M) { return M >= 1 && 2 * M <= 3 * res.hmm.M && 3 * M >= 2 * res.hmm.M; };
    if (!length_ok(br.hmm.M))
    {
        info.cstart_message = "not run: the model built from the consistency alignment has " +
                              std::to_string(br.hmm.M) + " match states against " + std::to_string(res.hmm.M) +
                              " (outside 2/3 to 3/2)";
        return;
    }
    // Stage 1: EM from the built model, with the alignment's Henikoff weights (as the retrain).
    auto train_from = [&](profile_hmm built, std::vector<double> weights, train_result & out) {
        built.null = ctx.background;
        train_options o = opt;
        o.start_model = std::move(built);
        o.realign = realign_mode::off;
        o.consistency = consistency_mode::off;
        o.consistency_start_max = 0;
        o.sequence_weights = std::move(weights);
        try
        {
            out = train_profile_hmm(ctx.set, o);
        }
        catch (user_error const & e)
        {
            info.cstart_message = std::string{"the training failed: "} + e.what();
            return false;
        }
        merge_tally(res, out);
        res.decreases += out.decreases;
        return true;
    };
    train_result first;
    if (!train_from(std::move(br.hmm), std::move(br.weights), first))
        return;
    info.cstart_first_M = first.hmm.M;
    // Stage 2: its realignment (the same local-exit alignment as the main pipeline's), built and
    // retrained. The realignment's traces give the first model's match accuracy.
    double first_accuracy = 0;
    msa const re = realigned_msa(first.hmm, ctx.set, threads, first_accuracy);
    info.cstart_first_accuracy = first_accuracy;
    train_result second;
    bool have_second = false;
    if (!re.rows.empty())
    {
        build_result br2 = realignment_build(re, opt);
        if (length_ok(br2.hmm.M) && train_from(std::move(br2.hmm), std::move(br2.weights), second))
        {
            have_second = true;
            info.cstart_second_M = second.hmm.M;
            info.cstart_second_accuracy = candidate_accuracy(local_exit_traces(second.hmm, ctx.set, threads));
        }
    }
    bool const second_better = have_second && info.cstart_second_accuracy > info.cstart_first_accuracy;
    double const best = second_better ? info.cstart_second_accuracy : info.cstart_first_accuracy;
    if (!(best > kept_accuracy))
        return;
    kept_accuracy = best;
    info.cstart_kept = second_better ? 2 : 1;
    adopt_model(res, second_better ? std::move(second) : std::move(first));
}

} // namespace detail

} // namespace emtk::hmm
