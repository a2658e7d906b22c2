// Sampling from a core profile HMM (see include/emtk/hmm/emit.hpp).
#include <emtk/hmm/emit.hpp>
#include <emtk/util/rng.hpp>

#include <stdexcept>
#include <string>

namespace emtk::hmm {

namespace {

enum class state
{
    m,
    i,
    d,
    end
};

/// One path attempt; returns false when it emitted nothing.
bool emit_once(profile_hmm const & h, rng & r, emit_options const & opt, std::vector<std::uint8_t> & x,
               emitted_path * path)
{
    x.clear();
    if (path)
    {
        path->node.clear();
        path->is_match.clear();
    }
    int const M = h.M;
    int k = 0, last = M;
    state s = state::m; // node 0's match row is B
    if (opt.local)
    {
        // Uniform fragment: P(i) ∝ M − i + 1, then j uniform in i … M.
        std::vector<double> w(static_cast<std::size_t>(M));
        for (int i = 1; i <= M; ++i)
            w[static_cast<std::size_t>(i - 1)] = static_cast<double>(M - i + 1);
        k = 1 + static_cast<int>(r.categorical(w));
        last = k + static_cast<int>(r.below(static_cast<std::uint64_t>(M - k + 1)));
    }
    auto emit = [&](std::span<double const> e, bool match) {
        x.push_back(static_cast<std::uint8_t>(r.categorical(e)));
        if (path)
        {
            path->node.push_back(k);
            path->is_match.push_back(match);
        }
    };
    // Moves to node k+1 in state `next` (M or D), or ends past the last node.
    auto advance = [&](state next) {
        ++k;
        s = k > last ? state::end : next;
    };
    if (k >= 1)
        emit(h.match(k), true);
    while (s != state::end)
    {
        auto const & t = h.t[static_cast<std::size_t>(k)];
        switch (s)
        {
        case state::m:
        {
            double const w[3] = {t[t_mm], t[t_mi], t[t_md]};
            std::size_t const c = r.categorical(w);
            if (c == 1)
            {
                s = state::i;
                emit(h.insert(k), false);
            }
            else
            {
                advance(c == 0 ? state::m : state::d);
                if (s == state::m)
                    emit(h.match(k), true);
            }
            break;
        }
        case state::i:
        {
            double const w[2] = {t[t_im], t[t_ii]};
            if (r.categorical(w) == 1)
                emit(h.insert(k), false);
            else
            {
                advance(state::m);
                if (s == state::m)
                    emit(h.match(k), true);
            }
            break;
        }
        case state::d:
        {
            double const w[2] = {t[t_dm], t[t_dd]};
            advance(r.categorical(w) == 0 ? state::m : state::d);
            if (s == state::m)
                emit(h.match(k), true);
            break;
        }
        case state::end: break;
        }
    }
    return !x.empty();
}

} // namespace

std::vector<std::uint8_t> emit_sequence(profile_hmm const & hmm, rng & r, emit_options const & opt, emitted_path * path)
{
    if (hmm.M < 1)
        throw std::invalid_argument("emit_sequence: the model has no nodes");
    std::vector<std::uint8_t> x;
    // A model whose every path is the empty one would loop forever: give up after many tries.
    for (int attempt = 0; attempt < 100000; ++attempt)
        if (emit_once(hmm, r, opt, x, path))
            return x;
    throw std::invalid_argument("emit_sequence: the model emits only empty sequences");
}

seq::sequence_set emit_sequences(profile_hmm const & hmm, seq::alphabet_type type, std::size_t n, std::uint64_t seed,
                                 emit_options const & opt)
{
    if (seq::alphabet::get(type).K() != hmm.K)
        throw std::invalid_argument("emit_sequences: the alphabet does not match the model's K");
    seq::sequence_set out;
    out.type = type;
    out.source = "emitted";
    out.seqs.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
    {
        rng r{seed, static_cast<std::uint64_t>(i)};
        seq::sequence s;
        s.name = "emit" + std::to_string(i + 1);
        s.dsq = emit_sequence(hmm, r, opt);
        out.seqs.push_back(std::move(s));
    }
    return out;
}

} // namespace emtk::hmm
