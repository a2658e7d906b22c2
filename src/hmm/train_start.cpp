// The inputs of train_profile_hmm() before EM (train.hpp, "Sequence weights", "Starts"): the
// residue composition, the sequence weights and the start of each restart.
#include "train_detail.hpp"

#include <emtk/seq/alphabet.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <numeric>
#include <string>

namespace emtk::hmm {

namespace {

/// The reference length of the family (train.hpp, "Starts"): the (upper) median length of the
/// sequences that are not fragments, a fragment being shorter than half the upper-quartile length
/// (hmmbuild's fragthresh 0.5, against a robust maximum: one very long sequence, e.g. a titin
/// among domains, must not make every other sequence a fragment). Without fragments: the median.
std::size_t reference_length(seq::sequence_set const & set)
{
    std::vector<std::size_t> len;
    for (auto const & s : set.seqs)
        len.push_back(s.dsq.size());
    std::sort(len.begin(), len.end());
    std::size_t const q3 = len[std::min(len.size() - 1, len.size() * 3 / 4)];
    auto const first = std::find_if(len.begin(), len.end(), [&](std::size_t l) { return 2 * l >= q3; });
    auto const kept = static_cast<std::size_t>(len.end() - first);
    return *(first + static_cast<long>(kept / 2));
}

} // namespace

std::vector<double> residue_composition(seq::sequence_set const & set)
{
    auto const & abc = seq::alphabet::get(set.type);
    std::vector<double> f(static_cast<std::size_t>(abc.K()), 1.0);
    for (auto const & s : set.seqs)
        for (auto c : s.dsq)
        {
            if (c >= abc.Kp())
                continue;
            auto const m = abc.expands_to(c);
            for (auto a : m)
                f[a] += 1.0 / static_cast<double>(m.size());
        }
    double const z = std::accumulate(f.begin(), f.end(), 0.0);
    for (auto & v : f)
        v /= z;
    return f;
}

namespace detail {

void set_sequence_weights(train_options const & opt, kmer_similarity const * sim, std::size_t n, train_result & res)
{
    if (!opt.sequence_weights.empty())
    {
        if (opt.sequence_weights.size() != n)
            throw usage_error("train_options::sequence_weights holds " + std::to_string(opt.sequence_weights.size()) +
                              " weights for " + std::to_string(n) + " sequences");
        res.weights = opt.sequence_weights;
        res.effective_sequences = 0;
        for (double w : res.weights)
            res.effective_sequences += w;
    }
    else if (opt.weighting)
    {
        res.weights.resize(n);
        res.effective_sequences = 0;
        for (std::size_t i = 0; i < n; ++i)
            res.effective_sequences += res.weights[i] = 1.0 / sim->neighbours[i];
    }
    else
    {
        res.weights.assign(n, 1.0);
        res.effective_sequences = static_cast<double>(n);
    }
    if (opt.effective_number > 0)
    {
        double const scale = opt.effective_number / res.effective_sequences;
        for (auto & w : res.weights)
            w *= scale;
        res.effective_sequences = opt.effective_number;
    }
}

start_plan plan_start(seq::sequence_set const & set, train_options const & opt, kmer_similarity const * sim,
                      std::string const & where, train_result & res)
{
    int const K = seq::alphabet::get(set.type).K();
    start_plan plan;
    int fixed_M = opt.length;
    std::vector<std::size_t> & pool = plan.pool;
    if (opt.start_model)
    {
        if (opt.start_model->K != K)
            throw user_error(where + ": the start model has " + std::to_string(opt.start_model->K) +
                             " residues per row but the sequences are " +
                             std::string(seq::alphabet::get(set.type).name()) + " (" + std::to_string(K) + ")");
        fixed_M = opt.start_model->M;
        res.start = "model";
    }
    else if (!opt.seed_sequence.empty())
    {
        auto const it = std::find_if(set.seqs.begin(), set.seqs.end(),
                                     [&](seq::sequence const & s) { return s.name == opt.seed_sequence; });
        if (it == set.seqs.end())
            throw user_error(where + ": no sequence named '" + opt.seed_sequence + "' for the seed sequence");
        plan.seed = &*it;
        fixed_M = static_cast<int>(it->dsq.size());
        res.start = "sequence";
    }
    else if (fixed_M > 0 || !opt.central_start)
    {
        if (fixed_M <= 0)
            fixed_M = static_cast<int>(reference_length(set));
        res.start = "random";
    }
    else
    {
        // Candidates: lengths within [0.8, 1.25] x the reference length (all sequences if none), ordered by
        // k-mer centrality (ties by file order).
        double const med = static_cast<double>(reference_length(set));
        for (std::size_t i = 0; i < set.seqs.size(); ++i)
        {
            double const len = static_cast<double>(set.seqs[i].dsq.size());
            if (len >= 0.8 * med && len <= 1.25 * med)
                pool.push_back(i);
        }
        if (pool.empty())
            for (std::size_t i = 0; i < set.seqs.size(); ++i)
                pool.push_back(i);
        std::stable_sort(pool.begin(), pool.end(),
                         [&](std::size_t x, std::size_t y) { return sim->centrality[x] > sim->centrality[y]; });
        res.start = "central";
    }
    if (fixed_M < 0 || (pool.empty() && fixed_M < 1))
        throw user_error(where + ": model length must be at least 1, got " + std::to_string(fixed_M));
    // Central mode: restart 0 from the most central sequence, restarts r > 0 random starts of the
    // same length (the objective, whose prior term grows with M, compares only models of one M).
    if (!pool.empty())
        fixed_M = static_cast<int>(set.seqs[pool.front()].dsq.size());
    plan.M = fixed_M;
    return plan;
}

} // namespace detail

} // namespace emtk::hmm
