// Streaming input for `emtk hmm train` (include/emtk/hmm/train_stream.hpp).
#include <emtk/hmm/train_pipeline.hpp>
#include <emtk/hmm/train_stream.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/error.hpp>

#include <limits>
#include <numeric>

namespace emtk::hmm {

std::size_t stream_threshold(train_options const & opt, std::size_t stream_min) noexcept
{
    switch (opt.mode)
    {
    case em::em_mode::batch: return std::numeric_limits<std::size_t>::max();
    case em::em_mode::stepwise: return std::max<std::size_t>(2, stream_min);
    case em::em_mode::automatic: break;
    }
    return std::max({std::size_t{2}, stream_min, opt.stepwise_min_sequences});
}

void read_training_set(training_job const & job, std::optional<seq::alphabet_type> forced, training_run & run,
                       train_options & opt)
{
    seq::stored_sequences in = seq::read_or_spool(job.input, forced, stream_threshold(opt, job.stream_min_sequences));
    run.spool = std::move(in.spool);
    if (!run.spool)
    {
        run.set = std::move(in.set);
        run.sequences = run.set.seqs.size();
        run.residues = 0;
        for (auto const & s : run.set.seqs)
            run.residues += s.dsq.size();
        return;
    }
    run.sequences = run.spool->size();
    run.residues = run.spool->residues();
    run.set = stream_sample(*run.spool, opt);
    opt.stream = run.spool;
}

std::string training_run::record_name(std::size_t i) const { return spool ? spool->name(i) : set.seqs[i].name; }

std::size_t training_run::record_length(std::size_t i) const
{
    return spool ? spool->length(i) : set.seqs[i].dsq.size();
}

seq::sequence_set stream_sample(seq::sequence_spool const & spool, train_options const & opt)
{
    std::optional<std::size_t> must;
    if (!opt.seed_sequence.empty())
    {
        must = spool.find(opt.seed_sequence);
        if (!must)
            throw user_error((spool.source() == "-" ? std::string{"<stdin>"} : spool.source()) +
                             ": no sequence named '" + opt.seed_sequence + "' for the seed sequence");
    }
    std::vector<std::size_t> index;
    return seq::sample_records(spool, stream_sample_size, opt.seed, index, must);
}

std::vector<double> stream_composition(seq::sequence_spool const & spool)
{
    // As residue_composition(): degenerate codes split evenly over their members, one
    // pseudo-count per residue; here each code's count at once.
    auto const & abc = seq::alphabet::get(spool.type());
    std::vector<double> f(static_cast<std::size_t>(abc.K()), 1.0);
    auto const & counts = spool.code_counts();
    for (std::size_t c = 0; c < counts.size(); ++c)
    {
        if (counts[c] == 0)
            continue;
        auto const m = abc.expands_to(static_cast<std::uint8_t>(c));
        for (auto a : m)
            f[a] += static_cast<double>(counts[c]) / static_cast<double>(m.size());
    }
    double const z = std::accumulate(f.begin(), f.end(), 0.0);
    for (auto & v : f)
        v /= z;
    return f;
}

void spread_sample_weights(train_options const & opt, std::size_t n, train_result & res)
{
    double const mean = res.effective_sequences / static_cast<double>(res.weights.size());
    res.weights.assign(n, mean);
    res.effective_sequences = mean * static_cast<double>(n);
    if (opt.effective_number > 0)
    {
        double const scale = opt.effective_number / res.effective_sequences;
        for (auto & w : res.weights)
            w *= scale;
        res.effective_sequences = opt.effective_number;
    }
}

} // namespace emtk::hmm
