// Sequence weights and centrality from shared k-mers (see include/emtk/hmm/weighting.hpp).
#include <emtk/hmm/weighting.hpp>
#include <emtk/seq/alphabet.hpp>

#include <algorithm>
#include <limits>
#include <utility>

namespace emtk::hmm {

namespace {

using kmer_set = std::vector<std::uint16_t>; // codes < K^k ≤ 20^3 = 8000 (amino), 4^6 = 4096 (nucleic)

/// k-mer length and code space of the set's alphabet.
std::pair<std::size_t, std::size_t> kmer_shape(seq::sequence_set const & set)
{
    int const K = seq::alphabet::get(set.type).K();
    std::size_t const k = K == 20 ? 3 : 6;
    std::size_t space = 1;
    for (std::size_t j = 0; j < k; ++j)
        space *= static_cast<std::size_t>(K);
    return {k, space};
}

/// Each sequence's sorted distinct k-mer codes.
std::vector<kmer_set> kmer_sets(seq::sequence_set const & set)
{
    int const K = seq::alphabet::get(set.type).K();
    std::size_t const k = kmer_shape(set).first;
    std::vector<kmer_set> kmers(set.seqs.size());
    for (std::size_t i = 0; i < set.seqs.size(); ++i)
    {
        auto const & x = set.seqs[i].dsq;
        auto & v = kmers[i];
        for (std::size_t p = 0; p + k <= x.size(); ++p)
        {
            std::uint32_t code = 0;
            bool ok = true;
            for (std::size_t j = 0; j < k && ok; ++j)
            {
                ok = x[p + j] < K;
                code = code * static_cast<std::uint32_t>(K) + x[p + j];
            }
            if (ok)
                v.push_back(static_cast<std::uint16_t>(code));
        }
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
    }
    return kmers;
}

/// f_ij = |a ∩ b| / min(|a|, |b|) (−1 when either is empty: no similarity).
double shared_fraction(kmer_set const & a, kmer_set const & b) noexcept
{
    if (a.empty() || b.empty())
        return -1.0;
    std::size_t shared = 0;
    for (std::size_t p = 0, q = 0; p < a.size() && q < b.size();)
    {
        if (a[p] < b[q])
            ++p;
        else if (b[q] < a[p])
            ++q;
        else
        {
            ++shared;
            ++p;
            ++q;
        }
    }
    return static_cast<double>(shared) / static_cast<double>(std::min(a.size(), b.size()));
}

std::uint64_t mix64(std::uint64_t z) noexcept // splitmix64's finaliser
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Exact mode. For each i, its k-mers are marked in a byte array over the code space (≤ 8 kB: stays
/// in L1 cache), and |K_i ∩ K_j| for every j > i is the number of K_j's codes marked: the same
/// integer as merging the sorted sets, with one branch-free load per k-mer of j.
kmer_similarity exact_similarities(std::vector<kmer_set> const & kmers, std::size_t space, double identity)
{
    std::size_t const n = kmers.size();
    std::vector<std::uint8_t> mark(space, 0);
    kmer_similarity out;
    out.neighbours.assign(n, 1.0); // itself
    out.centrality.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
    {
        if (kmers[i].empty())
            continue;
        for (auto m : kmers[i])
            mark[m] = 1;
        for (std::size_t j = i + 1; j < n; ++j)
        {
            if (kmers[j].empty())
                continue;
            std::size_t shared = 0;
            for (auto m : kmers[j])
                shared += mark[m];
            double const frac =
                static_cast<double>(shared) / static_cast<double>(std::min(kmers[i].size(), kmers[j].size()));
            out.centrality[i] += frac;
            out.centrality[j] += frac;
            if (frac >= identity)
            {
                out.neighbours[i] += 1.0;
                out.neighbours[j] += 1.0;
            }
        }
        for (auto m : kmers[i])
            mark[m] = 0;
    }
    return out;
}

kmer_similarity lsh_similarities(std::vector<kmer_set> const & kmers, std::size_t space, kmer_options const & opt)
{
    std::size_t const n = kmers.size();
    auto const bands = static_cast<std::size_t>(std::max(1, opt.bands));
    auto const rows = static_cast<std::size_t>(std::max(1, opt.rows));
    std::size_t const S = bands * rows;
    kmer_similarity out;
    out.exact = false;
    out.neighbours.assign(n, 1.0);
    out.centrality.assign(n, 0.0);

    // Centrality from document frequencies (weighting.hpp).
    std::vector<std::uint32_t> df(space, 0);
    std::vector<std::size_t> sizes(n);
    for (std::size_t i = 0; i < n; ++i)
    {
        sizes[i] = kmers[i].size();
        for (auto m : kmers[i])
            ++df[m];
    }
    std::nth_element(sizes.begin(), sizes.begin() + static_cast<long>(n / 2), sizes.end());
    double const typical = static_cast<double>(sizes[n / 2]);
    for (std::size_t i = 0; i < n; ++i)
    {
        double c = 0;
        for (auto m : kmers[i])
            c += static_cast<double>(df[m] - 1);
        double const norm = std::min(static_cast<double>(kmers[i].size()), typical);
        out.centrality[i] = kmers[i].empty() ? 0.0 : c / std::max(norm, 1.0);
    }

    // One-permutation MinHash with optimal densification; band keys per sequence.
    std::vector<std::uint64_t> h(space);
    for (std::size_t m = 0; m < space; ++m)
        h[m] = mix64(opt.hash_seed ^ (m * 0x9e3779b97f4a7c15ULL + 1));
    constexpr std::uint32_t empty = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint64_t> keys(n * bands, 0); // 0 = no key (empty k-mer set)
    std::vector<std::uint32_t> sig(S);
    std::vector<char> filled(S);
    for (std::size_t i = 0; i < n; ++i)
    {
        if (kmers[i].empty())
            continue;
        std::fill(sig.begin(), sig.end(), empty);
        for (auto m : kmers[i])
        {
            std::size_t const bin = h[m] % S;
            auto const val = static_cast<std::uint32_t>(h[m] >> 32);
            sig[bin] = std::min(sig[bin], val);
        }
        // Optimal densification: an empty bin takes the value of the first originally non-empty
        // bin along its own fixed hash sequence (terminates: the set has a k-mer).
        for (std::size_t s = 0; s < S; ++s)
            filled[s] = sig[s] != empty;
        for (std::size_t s = 0; s < S; ++s)
            for (std::uint64_t t = 1; !filled[s]; ++t)
            {
                std::size_t const src = mix64(opt.hash_seed + s * 1000003ULL + t) % S;
                if (filled[src])
                {
                    sig[s] = sig[src];
                    break;
                }
            }
        for (std::size_t b = 0; b < bands; ++b)
        {
            std::uint64_t key = b + 1;
            for (std::size_t r = 0; r < rows; ++r)
                key = mix64(key ^ (sig[b * rows + r] + 0x632be59bd9b4e019ULL * (r + 1)));
            keys[i * bands + b] = key | 1; // never 0
        }
    }

    // Candidates band by band (sorted by key, then index); a pair is verified in the first band
    // where it collides only.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order(n);
    for (std::size_t b = 0; b < bands; ++b)
    {
        for (std::size_t i = 0; i < n; ++i)
            order[i] = {keys[i * bands + b], static_cast<std::uint32_t>(i)};
        std::sort(order.begin(), order.end());
        for (std::size_t g = 0; g < n;)
        {
            std::size_t e = g + 1;
            while (e < n && order[e].first == order[g].first)
                ++e;
            if (order[g].first != 0)
                for (std::size_t p = g; p < e; ++p)
                    for (std::size_t q = p + 1; q < e; ++q)
                    {
                        std::size_t const i = order[p].second, j = order[q].second;
                        bool earlier = false;
                        for (std::size_t c = 0; c < b && !earlier; ++c)
                            earlier = keys[i * bands + c] == keys[j * bands + c];
                        if (earlier)
                            continue;
                        ++out.candidate_pairs;
                        if (shared_fraction(kmers[i], kmers[j]) >= opt.identity)
                        {
                            out.neighbours[i] += 1.0;
                            out.neighbours[j] += 1.0;
                        }
                    }
            g = e;
        }
    }
    return out;
}

} // namespace

kmer_similarity kmer_similarities(seq::sequence_set const & set, kmer_options const & opt)
{
    auto const kmers = kmer_sets(set);
    if (kmers.size() <= opt.exact_limit)
        return exact_similarities(kmers, kmer_shape(set).second, opt.identity);
    return lsh_similarities(kmers, kmer_shape(set).second, opt);
}

kmer_similarity kmer_similarities(seq::sequence_set const & set, double identity)
{
    kmer_options o;
    o.identity = identity;
    return kmer_similarities(set, o);
}

std::vector<double> kmer_cluster_weights(seq::sequence_set const & set, kmer_options const & opt, double & neff)
{
    auto const sim = kmer_similarities(set, opt);
    std::vector<double> w(sim.neighbours.size());
    neff = 0;
    for (std::size_t i = 0; i < w.size(); ++i)
        neff += w[i] = 1.0 / sim.neighbours[i];
    return w;
}

std::vector<double> kmer_cluster_weights(seq::sequence_set const & set, double identity, double & neff)
{
    kmer_options o;
    o.identity = identity;
    return kmer_cluster_weights(set, o, neff);
}

} // namespace emtk::hmm
