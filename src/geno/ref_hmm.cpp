/// \file
/// \brief State selection, diploid Viterbi phasing and haploid forward-backward over panel
/// haplotypes (ref_hmm.hpp).

#include <emtk/geno/ref_hmm.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace emtk::geno {

namespace {

/// SplitMix64 finaliser: a fixed, well-mixed hash for tie-breaking.
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// For each entry of `to` the index of the same haplotype in `from` (−1 if absent); both sorted.
void map_sets(std::vector<std::uint32_t> const & from, std::vector<std::uint32_t> const & to, std::vector<int> & idx)
{
    idx.assign(to.size(), -1);
    std::size_t i = 0;
    for (std::size_t j = 0; j < to.size(); ++j)
    {
        while (i < from.size() && from[i] < to[j])
            ++i;
        if (i < from.size() && from[i] == to[j])
            idx[j] = static_cast<int>(i);
    }
}

std::size_t block_of(ref_window const & w, std::size_t t) { return w.block_of(t); }

/// One word range of a block for the haplotype-major count: word `word` of each row, masked.
struct count_segment
{
    std::size_t word;
    std::uint64_t alt, mask; ///< the wanted ALT alleles and the informative markers of the block in that word
};

/// counts[b·H + h] = Σ over block b's segments of popcount((row_h[word] ^ alt) & mask). Compiled
/// with and without the POPCNT instruction (GCC's target_clones, chosen at load time; integer
/// arithmetic, the same result on both).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(EMTK_NO_TARGET_CLONES)
__attribute__((target_clones("popcnt", "default")))
#endif
void hap_major_counts(ref_window const & w, std::vector<count_segment> const & seg,
                      std::vector<std::size_t> const & seg_begin, std::uint32_t * counts)
{
    std::size_t const H = w.haps, nb = seg_begin.size() - 1;
    for (std::size_t h = 0; h < H; ++h)
    {
        std::uint64_t const * row = w.hap_bits.data() + h * w.hap_words;
        for (std::size_t bk = 0; bk < nb; ++bk)
        {
            std::uint32_t c = 0;
            for (std::size_t s = seg_begin[bk]; s < seg_begin[bk + 1]; ++s)
                c += static_cast<std::uint32_t>(std::popcount((row[seg[s].word] ^ seg[s].alt) & seg[s].mask));
            counts[bk * H + h] = c;
        }
    }
}

/// The block mismatch counts from the marker-major bits (counts[b·H + h]): bit-sliced counters.
void bit_sliced_counts(ref_window const & w, std::span<std::int8_t const> obs, bool diploid, std::size_t nb,
                       std::uint32_t * counts)
{
    std::size_t const W = w.words;
    // Per block, mismatch counts as bit-sliced counters: plane k holds bit k of every haplotype's
    // count (16 planes: counts < 65,536, far above any block).
    constexpr std::size_t planes = 16;
    // Per-thread buffers (reused across calls: this runs once per haplotype and window).
    thread_local std::vector<std::uint64_t> block_counts;
    block_counts.assign(nb * planes * W, 0);
    for (std::size_t t = 0; t < w.typed; ++t)
    {
        std::int8_t const o = obs[t];
        if (o < 0 || (diploid && o == 1))
            continue; // no information (a heterozygote matches every haplotype's allele)
        bool const want_alt = diploid ? o == 2 : o == 1;
        std::uint64_t * c = block_counts.data() + block_of(w, t) * planes * W;
        std::uint64_t const * b = w.bits.data() + t * W;
        for (std::size_t k = 0; k < W; ++k)
        {
            std::uint64_t carry = want_alt ? ~b[k] : b[k];
            if (k == W - 1 && w.haps % 64)
                carry &= (std::uint64_t{1} << (w.haps % 64)) - 1;
            for (std::size_t p = 0; p < planes && carry; ++p)
            {
                std::uint64_t & plane = c[p * W + k];
                std::uint64_t const next = plane & carry;
                plane ^= carry;
                carry = next;
            }
        }
    }
    for (std::size_t bk = 0; bk < nb; ++bk)
    {
        std::uint64_t const * c = block_counts.data() + bk * planes * W;
        std::uint32_t * out = counts + bk * w.haps;
        for (std::size_t p = 0; p < planes; ++p)
            for (std::size_t k = 0; k < W; ++k)
            {
                std::uint64_t v = c[p * W + k];
                while (v)
                {
                    int const bit = __builtin_ctzll(v);
                    v &= v - 1;
                    out[k * 64 + static_cast<std::size_t>(bit)] += std::uint32_t{1} << p;
                }
            }
    }
}

} // namespace

void ref_fill_hap_bits(ref_window & w)
{
    w.hap_words = (w.typed + 63) / 64;
    w.hap_bits.assign(w.haps * w.hap_words, 0);
    for (std::size_t t = 0; t < w.typed; ++t)
    {
        std::uint64_t const * b = w.bits.data() + t * w.words;
        std::uint64_t const bit = std::uint64_t{1} << (t % 64);
        for (std::size_t k = 0; k < w.words; ++k)
            for (std::uint64_t v = b[k]; v; v &= v - 1)
            {
                std::size_t const h = k * 64 + static_cast<std::size_t>(std::countr_zero(v));
                if (h < w.haps)
                    w.hap_bits[h * w.hap_words + t / 64] |= bit;
            }
    }
}

state_sets ref_select_states(ref_window const & w, std::span<std::int8_t const> obs, bool diploid, std::size_t states,
                             std::uint64_t salt, std::span<std::uint32_t const> exclude, state_sets const * prefer)
{
    std::size_t const nb = w.blocks();
    state_sets sets(nb);
    if (nb == 0)
        return sets;
    std::size_t excluded = 0;
    for (auto const h : exclude)
        excluded += h < w.haps;
    std::size_t const available = w.haps - std::min(w.haps, excluded);
    std::size_t const S0 = std::min(states, available);
    if (S0 == 0)
        return sets;
    thread_local std::vector<std::uint32_t> counts;
    counts.assign(nb * w.haps, 0);
    if (!w.hap_bits.empty())
    {
        // Haplotype-major: per block, popcounts of (row ^ wanted ALT) over its informative markers.
        EMTK_ASSERT(w.hap_words == (w.typed + 63) / 64 && w.hap_bits.size() == w.haps * w.hap_words,
                    "haplotype-major panel bits do not match the window");
        thread_local std::vector<std::uint64_t> informative, alt;
        thread_local std::vector<count_segment> seg;
        thread_local std::vector<std::size_t> seg_begin;
        informative.assign(w.hap_words, 0);
        alt.assign(w.hap_words, 0);
        for (std::size_t t = 0; t < w.typed; ++t)
        {
            std::int8_t const o = obs[t];
            if (o < 0 || (diploid && o == 1))
                continue; // no information (a heterozygote matches every haplotype's allele)
            std::uint64_t const bit = std::uint64_t{1} << (t % 64);
            informative[t / 64] |= bit;
            if (diploid ? o == 2 : o == 1)
                alt[t / 64] |= bit;
        }
        seg.clear();
        seg_begin.assign(1, 0);
        for (std::size_t bk = 0; bk < nb; ++bk)
        {
            std::size_t const t0 = w.block_begin(bk), t1 = w.block_end(bk);
            for (std::size_t k = t0 / 64; t1 > t0 && k <= (t1 - 1) / 64; ++k)
            {
                // Bits [max(t0, 64k), min(t1, 64k + 64)) of word k.
                std::size_t const lo = std::max(t0, 64 * k) - 64 * k, hi = std::min(t1, 64 * k + 64) - 64 * k;
                std::uint64_t const range = (hi == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << hi) - 1) &
                                            ~((std::uint64_t{1} << lo) - 1);
                if (std::uint64_t const m = informative[k] & range)
                    seg.push_back({k, alt[k], m});
            }
            seg_begin.push_back(seg.size());
        }
        hap_major_counts(w, seg, seg_begin, counts.data());
    }
    else
        bit_sliced_counts(w, obs, diploid, nb, counts.data());
    // Prefix sums over the blocks (per haplotype), so each block's counts over its neighbours and
    // over the wider context are two differences (integer sums: the same as summing block by block).
    thread_local std::vector<std::uint32_t> prefix;
    prefix.assign((nb + 1) * w.haps, 0);
    for (std::size_t bk = 0; bk < nb; ++bk)
        for (std::size_t h = 0; h < w.haps; ++h)
            prefix[(bk + 1) * w.haps + h] = prefix[bk * w.haps + h] + counts[bk * w.haps + h];
    thread_local std::vector<std::pair<std::uint64_t, std::uint32_t>> key;
    key.resize(w.haps);
    constexpr std::size_t wide = 4; // the wider context: 4 blocks on each side
    // The S smallest keys in two steps (the same set as one nth_element over all H keys, at a
    // fraction of its cost): a histogram of a coarse key that never orders two keys the other
    // way round (preferred first, then min(n, 255), excluded last) gives the coarse value T at
    // which the S-th smallest lies; every key below T is chosen and only the keys at T are built
    // and ordered (nth_element) for the remaining places. A key is
    //     preferred ? 0 : 1 (bit 63) | min(n, 0x7ffe) (bits 48-62) | min(n_wide, 0xffff) (bits 32-47) | hash,
    // with n the mismatches over the block and its neighbours, n_wide those over the wider context
    // (among equally good haplotypes, the longer match is the closer relative) and the hash the
    // tie-breaker; an excluded haplotype's key is all ones (last in the order).
    constexpr std::uint32_t cap = 255, excluded_bucket = 2 * (cap + 1);
    thread_local std::vector<std::uint16_t> coarse;
    thread_local std::vector<std::uint32_t> hist;
    coarse.resize(w.haps);
    for (std::size_t bk = 0; bk < nb; ++bk)
    {
        std::size_t lo = bk == 0 ? 0 : bk - 1, hi = std::min(nb - 1, bk + 1);
        std::size_t wlo = bk < wide ? 0 : bk - wide, whi = std::min(nb - 1, bk + wide);
        if (w.edge_context)
        {
            // As many blocks at the window's ends as inside (the span moved inwards).
            std::size_t const span = std::min<std::size_t>(nb, 3), wspan = std::min(nb, 2 * wide + 1);
            lo = std::min(lo, nb - span);
            hi = lo + span - 1;
            wlo = std::min(wlo, nb - wspan);
            whi = wlo + wspan - 1;
        }
        // The chromosome's end blocks may have more states (ref_window::end_scale).
        bool const at_end = (bk == 0 && w.first_end) || (bk + 1 == nb && w.last_end);
        std::size_t const scaled = static_cast<std::size_t>(std::ceil(static_cast<double>(S0) * w.end_scale));
        std::size_t const S = at_end && w.end_scale > 1 ? std::min(available, scaled) : S0;
        std::uint32_t const * p_lo = prefix.data() + lo * w.haps, * p_hi = prefix.data() + (hi + 1) * w.haps;
        std::uint32_t const * p_wlo = prefix.data() + wlo * w.haps, * p_whi = prefix.data() + (whi + 1) * w.haps;
        for (std::size_t h = 0; h < w.haps; ++h)
            coarse[h] = static_cast<std::uint16_t>(cap + 1 + std::min<std::uint32_t>(p_hi[h] - p_lo[h], cap));
        if (prefer != nullptr && bk < prefer->size())
            for (auto const h : (*prefer)[bk])
                if (h < w.haps && coarse[h] > cap)
                    coarse[h] = static_cast<std::uint16_t>(coarse[h] - (cap + 1)); // the preferred first
        for (auto const h : exclude)
            if (h < w.haps)
                coarse[h] = excluded_bucket;
        hist.assign(excluded_bucket + 1, 0);
        for (std::size_t h = 0; h < w.haps; ++h)
            ++hist[coarse[h]];
        std::uint32_t T = 0;
        std::size_t below = 0; // keys with a coarse value < T
        while (below + hist[T] < S)
            below += hist[T++];
        auto & set = sets[bk];
        set.clear();
        set.reserve(S);
        std::size_t at = 0; // the keys at T, built at the front of `key` (in haplotype order)
        for (std::size_t h = 0; h < w.haps; ++h)
        {
            if (coarse[h] < T)
                set.push_back(static_cast<std::uint32_t>(h));
            else if (coarse[h] == T)
            {
                std::uint64_t k = ~std::uint64_t{0};
                if (T != excluded_bucket)
                {
                    std::uint64_t const n = p_hi[h] - p_lo[h], n_wide = p_whi[h] - p_wlo[h];
                    std::uint64_t const tie = mix(salt ^ (h * 0x2545f4914f6cdd1dULL)) >> 32;
                    k = (T > cap ? std::uint64_t{1} << 63 : 0) | (std::min<std::uint64_t>(n, 0x7ffe) << 48) |
                        (std::min<std::uint64_t>(n_wide, 0xffff) << 32) | tie;
                }
                key[at++] = {k, static_cast<std::uint32_t>(h)};
            }
        }
        std::size_t const rest = S - below;
        std::nth_element(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(rest - 1),
                         key.begin() + static_cast<std::ptrdiff_t>(at));
        for (std::size_t s = 0; s < rest; ++s)
            set.push_back(key[s].second);
        std::sort(set.begin(), set.end());
    }
    return sets;
}

namespace {

/// One direction of the PBWT: markers in the order `marker(0), marker(1), ...`; after processing
/// `at[b]` markers, the order/divergence/position arrays are written to checkpoint b.
template <class Marker>
void pbwt_pass(ref_window const & w, Marker marker, std::vector<std::size_t> const & at, std::vector<std::uint32_t> & order,
               std::vector<std::uint32_t> & div, std::vector<std::uint32_t> & pos)
{
    std::size_t const H = w.haps, nb = at.size();
    order.assign(nb * H, 0);
    div.assign(nb * H, 0);
    pos.assign(nb * H, 0);
    std::vector<std::uint32_t> a(H), d(H, 0), a0, a1, d0, d1;
    for (std::size_t i = 0; i < H; ++i)
        a[i] = static_cast<std::uint32_t>(i);
    a0.reserve(H);
    a1.reserve(H);
    d0.reserve(H);
    d1.reserve(H);
    auto save = [&](std::size_t b) {
        std::copy(a.begin(), a.end(), order.begin() + static_cast<std::ptrdiff_t>(b * H));
        std::copy(d.begin(), d.end(), div.begin() + static_cast<std::ptrdiff_t>(b * H));
        for (std::size_t i = 0; i < H; ++i)
            pos[b * H + a[i]] = static_cast<std::uint32_t>(i);
    };
    std::size_t next = 0;
    while (next < nb && at[next] == 0)
        save(next++);
    for (std::size_t k = 0; k < w.typed && next < nb; ++k)
    {
        std::uint64_t const * bits = w.bits.data() + marker(k) * w.words;
        a0.clear();
        a1.clear();
        d0.clear();
        d1.clear();
        auto p = static_cast<std::uint32_t>(k + 1), q = p;
        for (std::size_t i = 0; i < H; ++i)
        {
            std::uint32_t const x = a[i];
            p = std::max(p, d[i]);
            q = std::max(q, d[i]);
            if ((bits[x / 64] >> (x % 64)) & 1U)
            {
                a1.push_back(x);
                d1.push_back(q);
                q = 0;
            }
            else
            {
                a0.push_back(x);
                d0.push_back(p);
                p = 0;
            }
        }
        std::copy(a0.begin(), a0.end(), a.begin());
        std::copy(a1.begin(), a1.end(), a.begin() + static_cast<std::ptrdiff_t>(a0.size()));
        std::copy(d0.begin(), d0.end(), d.begin());
        std::copy(d1.begin(), d1.end(), d.begin() + static_cast<std::ptrdiff_t>(d0.size()));
        while (next < nb && at[next] == k + 1)
            save(next++);
    }
}

/// The `n` haplotypes nearest to h in one checkpoint's order by match length (longest first;
/// Durbin 2014's divergence walk), skipping `exclude`; appended to `out`.
void pbwt_walk(std::uint32_t const * order, std::uint32_t const * div, std::uint32_t const * pos, std::size_t H,
               std::uint32_t h, std::size_t n, std::span<std::uint32_t const> exclude, std::uint32_t limit,
               std::vector<std::uint32_t> & out)
{
    std::size_t const at = pos[h];
    // up: candidate at index i (< at), match start du = max(div[i+1..at]); down: j (> at), dd = max(div[at+1..j]).
    std::size_t i = at, j = at + 1;
    std::uint32_t du = at > 0 ? div[at] : 0, dd = j < H ? div[j] : 0;
    bool up_ok = at > 0, down_ok = j < H;
    std::size_t taken = 0;
    while (taken < n && (up_ok || down_ok))
    {
        std::uint32_t x;
        if (up_ok && (!down_ok || du <= dd))
        {
            --i;
            x = order[i];
            up_ok = i > 0;
            if (up_ok)
                du = std::max(du, div[i]);
        }
        else
        {
            x = order[j];
            ++j;
            down_ok = j < H;
            if (down_ok)
                dd = std::max(dd, div[j]);
        }
        if (x >= limit || std::find(exclude.begin(), exclude.end(), x) != exclude.end())
            continue;
        out.push_back(x);
        ++taken;
    }
}

} // namespace

ref_pbwt ref_build_pbwt(ref_window const & w)
{
    ref_pbwt p;
    p.haps = w.haps;
    p.blocks = w.blocks();
    std::size_t const nb = p.blocks, K = w.typed;
    // Forward checkpoint b after the block's last marker; backward checkpoint b after processing
    // the markers from the last down to the block's first.
    std::vector<std::size_t> fat(nb), bat(nb);
    for (std::size_t b = 0; b < nb; ++b)
    {
        fat[b] = w.block_end(b);
        bat[nb - 1 - b] = K - w.block_begin(b);
    }
    pbwt_pass(w, [](std::size_t k) { return k; }, fat, p.fwd_order, p.fwd_div, p.fwd_pos);
    // The backward pass stores its checkpoints in processing order (block nb−1 first): re-index.
    std::vector<std::uint32_t> o, d, q;
    pbwt_pass(w, [K](std::size_t k) { return K - 1 - k; }, bat, o, d, q);
    std::size_t const H = w.haps;
    p.bwd_order.resize(nb * H);
    p.bwd_div.resize(nb * H);
    p.bwd_pos.resize(nb * H);
    for (std::size_t b = 0; b < nb; ++b)
    {
        std::size_t const src = (nb - 1 - b) * H;
        std::copy_n(o.begin() + static_cast<std::ptrdiff_t>(src), H, p.bwd_order.begin() + static_cast<std::ptrdiff_t>(b * H));
        std::copy_n(d.begin() + static_cast<std::ptrdiff_t>(src), H, p.bwd_div.begin() + static_cast<std::ptrdiff_t>(b * H));
        std::copy_n(q.begin() + static_cast<std::ptrdiff_t>(src), H, p.bwd_pos.begin() + static_cast<std::ptrdiff_t>(b * H));
    }
    return p;
}

state_sets ref_pbwt_neighbours(ref_pbwt const & p, std::uint32_t h, std::size_t per_checkpoint,
                               std::span<std::uint32_t const> exclude, std::uint32_t limit)
{
    std::size_t const nb = p.blocks, H = p.haps;
    state_sets sets(nb);
    if (per_checkpoint == 0 || h >= H)
        return sets;
    for (std::size_t b = 0; b < nb; ++b)
    {
        auto & out = sets[b];
        for (std::size_t c : {b, std::min(nb - 1, b + 1)})
            pbwt_walk(p.fwd_order.data() + c * H, p.fwd_div.data() + c * H, p.fwd_pos.data() + c * H, H, h,
                      per_checkpoint, exclude, limit, out);
        for (std::size_t c : {b, b == 0 ? std::size_t{0} : b - 1})
            pbwt_walk(p.bwd_order.data() + c * H, p.bwd_div.data() + c * H, p.bwd_pos.data() + c * H, H, h,
                      per_checkpoint, exclude, limit, out);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }
    return sets;
}

void ref_phase(ref_window const & w, std::span<std::int8_t const> g, state_sets const & sets, double eps,
               std::span<std::int8_t> h1, std::span<std::int8_t> h2)
{
    std::size_t const K = w.typed;
    if (K == 0)
        return;
    std::size_t S = 0;
    for (auto const & s : sets)
        S = std::max(S, s.size());
    std::size_t const S2 = S * S;
    // Back-pointers: per marker and pair a code (0 both kept, 1 first kept, 2 second kept, 3 both
    // jumped) and, per marker, the row/column/global arg-max of that marker's δ (used by the next).
    std::vector<std::uint8_t> code(K * S2, 0);
    std::vector<std::uint16_t> rowarg(K * S, 0), colarg(K * S, 0);
    std::vector<std::uint32_t> garg(K, 0);
    std::vector<double> delta(S2, 0), rowmax(S), colmax(S), colcand(S);
    std::vector<std::uint8_t> x(S);
    std::vector<int> map;
    double const match = 1 - eps;
    double gmax = 0;
    // The maxima of δ at marker t (fused into the pass that fills δ).
    auto finish = [&](std::size_t t, std::size_t n) {
        gmax = -1;
        for (std::size_t b = 0; b < n; ++b)
            colmax[b] = -1;
        for (std::size_t a = 0; a < n; ++a)
        {
            double const * d = delta.data() + a * S;
            double m = -1;
            std::uint16_t best = 0;
            for (std::size_t b = 0; b < n; ++b)
            {
                if (d[b] > m)
                {
                    m = d[b];
                    best = static_cast<std::uint16_t>(b);
                }
                if (d[b] > colmax[b])
                {
                    colmax[b] = d[b];
                    colarg[t * S + b] = static_cast<std::uint16_t>(a);
                }
            }
            rowmax[a] = m;
            rowarg[t * S + a] = best;
            if (m > gmax)
            {
                gmax = m;
                garg[t] = static_cast<std::uint32_t>(a * S + best);
            }
        }
        EMTK_ASSERT(gmax > 0, "diploid Viterbi underflow");
        double const inv = 1 / gmax;
        for (std::size_t a = 0; a < n; ++a)
        {
            for (std::size_t b = 0; b < n; ++b)
                delta[a * S + b] *= inv;
            rowmax[a] *= inv;
            colmax[a] *= inv;
        }
        gmax = 1;
    };
    {
        auto const & set = sets[0];
        std::size_t const n = set.size();
        for (std::size_t a = 0; a < n; ++a)
            x[a] = static_cast<std::uint8_t>(w.allele(0, set[a]));
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t b = 0; b < n; ++b)
                delta[a * S + b] = g[0] < 0 ? 1.0 : (x[a] + x[b] == g[0] ? match : eps);
        finish(0, n);
    }
    std::vector<double> next(S2, 0);
    for (std::size_t t = 1; t < K; ++t)
    {
        auto const & prev = sets[block_of(w, t - 1)];
        auto const & cur = sets[block_of(w, t)];
        std::size_t const nc = cur.size();
        bool const same = &prev == &cur;
        if (!same)
            map_sets(prev, cur, map);
        for (std::size_t a = 0; a < nc; ++a)
            x[a] = static_cast<std::uint8_t>(w.allele(t, cur[a]));
        double const rho = w.rho[t], jump = rho / static_cast<double>(nc), stay = 1 - rho + jump;
        double const w_both = stay * stay, w_one = stay * jump, v_none = jump * jump * gmax;
        int const gt = g[t];
        for (std::size_t b = 0; b < nc; ++b)
        {
            int const pb = same ? static_cast<int>(b) : map[b];
            colcand[b] = pb >= 0 ? w_one * colmax[static_cast<std::size_t>(pb)] : -1.0;
        }
        std::uint8_t * cd = code.data() + t * S2;
        for (std::size_t a = 0; a < nc; ++a)
        {
            int const pa = same ? static_cast<int>(a) : map[a];
            double const rowcand = pa >= 0 ? w_one * rowmax[static_cast<std::size_t>(pa)] : -1.0;
            double const * drow = pa >= 0 ? delta.data() + static_cast<std::size_t>(pa) * S : nullptr;
            double * out = next.data() + a * S;
            // Best of "both jump" and "first kept" does not depend on b.
            double base = v_none;
            std::uint8_t base_code = 3;
            if (rowcand > base)
            {
                base = rowcand;
                base_code = 1;
            }
            for (std::size_t b = 0; b < nc; ++b)
            {
                double v = base;
                std::uint8_t c = base_code;
                if (colcand[b] > v)
                {
                    v = colcand[b];
                    c = 2;
                }
                if (drow)
                {
                    int const pb = same ? static_cast<int>(b) : map[b];
                    if (pb >= 0 && w_both * drow[pb] > v)
                    {
                        v = w_both * drow[pb];
                        c = 0;
                    }
                }
                double const e = gt < 0 ? 1.0 : (x[a] + x[b] == gt ? match : eps);
                out[b] = v * e;
                cd[a * S + b] = c;
            }
        }
        std::swap(delta, next);
        finish(t, nc);
    }
    // Traceback from the best final pair.
    std::size_t a = garg[K - 1] / S, b = garg[K - 1] % S;
    for (std::size_t t = K; t-- > 0;)
    {
        auto const & cur = sets[block_of(w, t)];
        int const xa = w.allele(t, cur[a]); // a heterozygote takes the first state's allele on h1
        std::int8_t const gt = g[t];
        if (gt < 0)
            h1[t] = h2[t] = -1;
        else if (gt != 1)
            h1[t] = h2[t] = static_cast<std::int8_t>(gt / 2);
        else
        {
            h1[t] = static_cast<std::int8_t>(xa);
            h2[t] = static_cast<std::int8_t>(1 - xa);
        }
        if (t == 0)
            break;
        auto const & prev = sets[block_of(w, t - 1)];
        if (&prev == &cur)
        {
            map.resize(cur.size());
            for (std::size_t j = 0; j < cur.size(); ++j)
                map[j] = static_cast<int>(j);
        }
        else
            map_sets(prev, cur, map);
        switch (code[t * S2 + a * S + b])
        {
        case 0:
            a = static_cast<std::size_t>(map[a]);
            b = static_cast<std::size_t>(map[b]);
            break;
        case 1:
            a = static_cast<std::size_t>(map[a]);
            b = rowarg[(t - 1) * S + a];
            break;
        case 2:
            b = static_cast<std::size_t>(map[b]);
            a = colarg[(t - 1) * S + b];
            break;
        default:
            a = garg[t - 1] / S;
            b = garg[t - 1] % S;
        }
    }
}

namespace {

/// The alleles of each marker's states as bytes, K × S (state j of marker t's block set at
/// t * S + j): the haploid kernels read these, one contiguous row per marker, instead of
/// gathering bits of the packed panel in each pass.
void state_alleles(ref_window const & w, state_sets const & sets, std::size_t S, std::vector<std::uint8_t> & out)
{
    out.resize(w.typed * S);
    for (std::size_t t = 0; t < w.typed; ++t)
    {
        auto const & set = sets[block_of(w, t)];
        std::uint64_t const * b = w.bits.data() + t * w.words;
        std::uint8_t * o = out.data() + t * S;
        for (std::size_t j = 0; j < set.size(); ++j)
            o[j] = static_cast<std::uint8_t>((b[set[j] / 64] >> (set[j] % 64)) & 1U);
    }
}

/// Σ_{j<n} f(j) in single precision, in 8 partial sums (term j in sum j mod 8) added pairwise at
/// the end: a fixed order, so the result does not depend on the vector width the compiler picks,
/// and the 8 sums are independent chains (a single running sum is one serial addition per state).
/// Round-off: at most ~n/8 + 3 additions per term instead of n, no larger than the running sum's.
template <class F>
inline float lane_sum(std::size_t n, F f)
{
    float acc[8] = {};
    std::size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (std::size_t l = 0; l < 8; ++l)
            acc[l] += f(j + l);
    for (std::size_t l = 0; j < n; ++j, ++l)
        acc[l] += f(j);
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/// max_{j<n} v[j] of non-negative floats, compared as their IEEE bit patterns (the same order
/// for non-negative values; integer maxima vectorise, floating-point ones do not without
/// -ffast-math).
inline float max_nonnegative(float const * v, std::size_t n)
{
    std::int32_t m = 0;
    for (std::size_t j = 0; j < n; ++j)
    {
        std::int32_t u;
        std::memcpy(&u, v + j, sizeof u);
        m = std::max(m, u);
    }
    float r;
    std::memcpy(&r, &m, sizeof r);
    return r;
}

/// Emission of state allele x ∈ {0, 1} at a marker with observed allele `obs` (−1: missing).
struct emission
{
    float e0 = 1, e1 = 1; ///< for x = 0 and x = 1
    emission(std::int8_t obs, float eps)
    {
        if (obs >= 0)
        {
            e0 = obs == 0 ? 1 - eps : eps;
            e1 = obs == 0 ? eps : 1 - eps;
        }
    }
};

/// One unscaled forward step of the haploid HMM from marker t−1 to t (t ≥ 1): from the previous
/// row `ap` (over marker t−1's block set) to a[j] = e_t(x_j) (stay·ap[j'] + ρ_t / n_t) over marker
/// t's set (n_t states, j' the same haplotype's index in the previous set; a state not in it is
/// reached by a jump only). Shared by forward() and segment_log_ratio(), which scale the row
/// themselves.
inline void forward_step(ref_window const & w, std::size_t t, state_sets const & sets, emission const & e,
                         std::uint8_t const * x, float const * ap, float * a)
{
    thread_local std::vector<int> map;
    auto const & cur = sets[block_of(w, t)];
    auto const & prev = sets[block_of(w, t - 1)];
    std::size_t const nc = cur.size();
    float const rho = static_cast<float>(w.rho[t]), stay = 1 - rho, jump = rho / static_cast<float>(nc);
    if (&prev == &cur)
        for (std::size_t j = 0; j < nc; ++j)
            a[j] = (x[j] ? e.e1 : e.e0) * (stay * ap[j] + jump);
    else
    {
        map_sets(prev, cur, map);
        for (std::size_t j = 0; j < nc; ++j)
            a[j] = (x[j] ? e.e1 : e.e0) * ((map[j] >= 0 ? stay * ap[map[j]] : 0.0f) + jump);
    }
}

/// Forward probabilities of one haplotype in single precision, K × S, scaled to sum 1 at each
/// marker (the log of the scales, summed in double, is the log-likelihood; scaling every marker
/// keeps single precision far from underflow). \returns log p(alleles).
double forward(ref_window const & w, std::span<std::int8_t const> hap, state_sets const & sets, float eps,
               std::size_t S, std::vector<std::uint8_t> const & alle, std::vector<float> & alpha,
               std::vector<double> * log_scales = nullptr)
{
    if (log_scales)
        log_scales->resize(w.typed);
    std::size_t const K = w.typed;
    alpha.resize(K * S);
    double ll = 0;
    for (std::size_t t = 0; t < K; ++t)
    {
        auto const & cur = sets[block_of(w, t)];
        std::size_t const nc = cur.size();
        float * a = alpha.data() + t * S;
        std::uint8_t const * x = alle.data() + t * S;
        emission const e{hap[t], eps};
        if (t == 0)
        {
            float const u = 1.0f / static_cast<float>(nc);
            for (std::size_t j = 0; j < nc; ++j)
                a[j] = (x[j] ? e.e1 : e.e0) * u;
        }
        else
            forward_step(w, t, sets, e, x, alpha.data() + (t - 1) * S, a);
        float const sum = lane_sum(nc, [a](std::size_t j) { return a[j]; });
        EMTK_ASSERT(sum > 0, "haploid forward underflow");
        float const inv = 1 / sum;
        for (std::size_t j = 0; j < nc; ++j)
            a[j] *= inv;
        ll += std::log(static_cast<double>(sum));
        if (log_scales)
            (*log_scales)[t] = std::log(static_cast<double>(sum));
    }
    return ll;
}

/// One backward step: from β_t (over marker t's set, `cur`) to β_{t−1} (over `prev`), scaled to
/// a maximum of 1: β_{t−1}(i) = Σ_j T(i, j) e_t(j) β_t(j).
void backward_step(ref_window const & w, std::size_t t, std::span<std::int8_t const> hap, float eps,
                   std::vector<std::uint32_t> const & cur, std::vector<std::uint32_t> const & prev,
                   std::uint8_t const * x, float const * b, float * bn)
{
    thread_local std::vector<float> eb;
    thread_local std::vector<int> map;
    std::size_t const nc = cur.size(), np = prev.size();
    eb.resize(nc);
    emission const e{hap[t], eps};
    float const rho = static_cast<float>(w.rho[t]), stay = 1 - rho, jump = rho / static_cast<float>(nc);
    float * ebp = eb.data();
    for (std::size_t j = 0; j < nc; ++j)
        ebp[j] = (x[j] ? e.e1 : e.e0) * b[j];
    float const total = lane_sum(nc, [ebp](std::size_t j) { return ebp[j]; });
    float const base = jump * total;
    if (&prev == &cur)
        for (std::size_t i = 0; i < np; ++i)
            bn[i] = stay * ebp[i] + base;
    else
    {
        map_sets(cur, prev, map); // index in cur of each prev state
        for (std::size_t i = 0; i < np; ++i)
            bn[i] = (map[i] >= 0 ? stay * ebp[static_cast<std::size_t>(map[i])] : 0.0f) + base;
    }
    float const m = max_nonnegative(bn, np);
    EMTK_ASSERT(m > 0, "haploid backward underflow");
    float const inv = 1 / m;
    for (std::size_t i = 0; i < np; ++i)
        bn[i] *= inv;
}

/// P(a jump between typed markers t−1 and t | the haplotype's alleles), t ≥ 1, from the scaled
/// forward row at t−1 (`ap`, over marker t−1's set) and the backward row at t (`bt`, over t's set):
/// the pair (i at t−1, j at t) has weight α_{t−1}(i) T(i, j) e_t(j) β_t(j) with T(i, j) = stay·[i = j]
/// + ρ_t / n_t, so the jump's share is (ρ_t / n_t)(Σ_i α_{t−1}(i))(Σ_j e_t(j) β_t(j)) over the
/// total, which adds stay Σ_j e_t(j) β_t(j) α_{t−1}(j') (j' the same haplotype in the previous set).
/// Exact for the model (a jump that lands on the state it left counts as a jump); summed in double.
double jump_posterior(ref_window const & w, std::size_t t, std::span<std::int8_t const> hap, float eps,
                      state_sets const & sets, std::uint8_t const * x, float const * ap, float const * bt)
{
    thread_local std::vector<int> map;
    auto const & cur = sets[block_of(w, t)];
    auto const & prev = sets[block_of(w, t - 1)];
    std::size_t const nc = cur.size(), np = prev.size();
    emission const e{hap[t], eps};
    double const rho = static_cast<float>(w.rho[t]), stay = 1 - rho, jump = rho / static_cast<double>(nc);
    bool const same = &prev == &cur;
    if (!same)
        map_sets(prev, cur, map);
    double eb = 0, kept = 0, asum = 0;
    for (std::size_t i = 0; i < np; ++i)
        asum += ap[i];
    for (std::size_t j = 0; j < nc; ++j)
    {
        double const v = static_cast<double>(x[j] ? e.e1 : e.e0) * bt[j];
        eb += v;
        int const i = same ? static_cast<int>(j) : map[j];
        if (i >= 0)
            kept += v * ap[i];
    }
    double const jumped = jump * asum * eb, total = jumped + stay * kept;
    return total > 0 ? jumped / total : 0.0;
}

/// Scaled forward (alpha) and backward (beta) probabilities of one haplotype, K × S each.
void forward_backward(ref_window const & w, std::span<std::int8_t const> hap, state_sets const & sets, float eps,
                      std::size_t S, std::vector<std::uint8_t> const & alle, std::vector<float> & alpha,
                      std::vector<float> & beta, std::vector<double> * log_scales = nullptr)
{
    std::size_t const K = w.typed;
    (void)forward(w, hap, sets, eps, S, alle, alpha, log_scales);
    beta.resize(K * S);
    std::fill_n(beta.begin() + static_cast<std::ptrdiff_t>((K - 1) * S), S, 1.0f);
    for (std::size_t t = K - 1; t > 0; --t)
        backward_step(w, t, hap, eps, sets[block_of(w, t)], sets[block_of(w, t - 1)], alle.data() + t * S,
                      beta.data() + t * S, beta.data() + (t - 1) * S);
}

/// Both haplotypes' forward-backward over the same state sets, what the switch and flip decisions
/// read: S = the largest set, alle = the states' alleles, (a1, b1) and (a2, b2) the scaled forward
/// and backward rows of h1 and h2. Per-thread buffers, reused by every call of the thread.
struct pair_posteriors
{
    std::size_t S = 0;
    std::vector<std::uint8_t> alle;
    std::vector<float> a1, b1, a2, b2;
    std::vector<double> c1, c2; ///< log of each marker's forward scale (h1, h2)
};

pair_posteriors const & pair_forward_backward(ref_window const & w, state_sets const & sets, float eps,
                                              std::span<std::int8_t const> h1, std::span<std::int8_t const> h2)
{
    thread_local pair_posteriors p;
    p.S = 0;
    for (auto const & s : sets)
        p.S = std::max(p.S, s.size());
    state_alleles(w, sets, p.S, p.alle);
    forward_backward(w, h1, sets, eps, p.S, p.alle, p.a1, p.b1, &p.c1);
    forward_backward(w, h2, sets, eps, p.S, p.alle, p.a2, p.b2, &p.c2);
    return p;
}

/// log of the likelihood ratio of one haplotype with its alleles at the typed markers `at`
/// (increasing) exchanged against the current ones: the scaled forward row at at[0] re-weighted
/// by the new emission there, carried forward to at.back() (the new allele's emission at each
/// marker of `at`), and closed with the backward row there; the current likelihood over the same
/// span is the stored forward row with the stored scales. Exact, one forward step per marker of
/// the span.
double segment_log_ratio(ref_window const & w, state_sets const & sets, float eps, std::size_t S,
                         std::vector<std::uint8_t> const & alle, std::vector<float> const & alpha,
                         std::vector<float> const & beta, std::vector<double> const & log_scales,
                         std::span<std::int8_t const> hap, std::span<std::size_t const> at)
{
    thread_local std::vector<float> v, nv;
    std::size_t const t0 = at.front(), t1 = at.back();
    float const up = (1 - eps) / eps, down = eps / (1 - eps);
    auto flipped = [&](std::size_t t) { return std::find(at.begin(), at.end(), t) != at.end(); };
    auto obs_at = [&](std::size_t t) { return flipped(t) ? static_cast<std::int8_t>(1 - hap[t]) : hap[t]; };
    std::size_t n = sets[block_of(w, t0)].size();
    v.assign(alpha.begin() + static_cast<std::ptrdiff_t>(t0 * S), alpha.begin() + static_cast<std::ptrdiff_t>(t0 * S + n));
    std::uint8_t const * x = alle.data() + t0 * S;
    auto const new0 = static_cast<std::uint8_t>(obs_at(t0));
    double ll_new = 0, ll_old = 0;
    {
        double sum = 0;
        for (std::size_t j = 0; j < n; ++j)
        {
            v[j] *= x[j] == new0 ? up : down;
            sum += v[j];
        }
        for (std::size_t j = 0; j < n; ++j)
            v[j] = static_cast<float>(v[j] / sum);
        ll_new += std::log(sum);
    }
    for (std::size_t t = t0 + 1; t <= t1; ++t)
    {
        std::size_t const nc = sets[block_of(w, t)].size();
        x = alle.data() + t * S;
        nv.resize(nc);
        forward_step(w, t, sets, emission{obs_at(t), eps}, x, v.data(), nv.data());
        double sum = 0;
        for (std::size_t j = 0; j < nc; ++j)
            sum += nv[j];
        if (!(sum > 0))
            return -std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < nc; ++j)
            nv[j] = static_cast<float>(nv[j] / sum);
        std::swap(v, nv);
        ll_new += std::log(sum);
        ll_old += log_scales[t];
        n = nc;
    }
    float const * a = alpha.data() + t1 * S, * b = beta.data() + t1 * S;
    double close_new = 0, close_old = 0;
    for (std::size_t j = 0; j < n; ++j)
    {
        close_new += static_cast<double>(v[j]) * b[j];
        close_old += static_cast<double>(a[j]) * b[j];
    }
    if (!(close_new > 0) || !(close_old > 0))
        return -std::numeric_limits<double>::infinity();
    return ll_new + std::log(close_new) - ll_old - std::log(close_old);
}

/// The four sums of a switch decision at the last typed marker u before a heterozygote (ref_phase_switches):
/// k1 = Σ α¹β¹, k2 = Σ α²β², s1 = Σ α¹β², s2 = Σ α²β¹ over u's set, in single precision.
struct switch_sums
{
    float k1 = 0, k2 = 0, s1 = 0, s2 = 0;
};

switch_sums switch_sums_at(ref_window const & w, state_sets const & sets, pair_posteriors const & p, std::size_t u)
{
    std::size_t const n = sets[block_of(w, u)].size(), S = p.S;
    float const * x1 = p.a1.data() + u * S, * y1 = p.b1.data() + u * S;
    float const * x2 = p.a2.data() + u * S, * y2 = p.b2.data() + u * S;
    switch_sums r;
    for (std::size_t j = 0; j < n; ++j)
    {
        r.k1 += x1[j] * y1[j];
        r.k2 += x2[j] * y2[j];
        r.s1 += x1[j] * y2[j];
        r.s2 += x2[j] * y1[j];
    }
    return r;
}

} // namespace

void ref_switch_posteriors(ref_window const & w, state_sets const & sets, double eps, std::span<std::int8_t const> h1,
                           std::span<std::int8_t const> h2, std::span<float> post)
{
    std::size_t const K = w.typed;
    EMTK_ASSERT(post.size() >= K, "switch posteriors: one slot per typed marker");
    std::fill_n(post.begin(), K, 0.0f);
    if (K < 2)
        return;
    auto const & p = pair_forward_backward(w, sets, static_cast<float>(eps), h1, h2);
    bool seen = false;
    for (std::size_t t = 0; t < K; ++t)
    {
        if (h1[t] < 0 || h1[t] == h2[t])
            continue;
        if (seen)
        {
            auto const r = switch_sums_at(w, sets, p, t - 1);
            double const keep = static_cast<double>(r.k1) * r.k2, sw = static_cast<double>(r.s1) * r.s2;
            post[t] = keep + sw > 0 ? static_cast<float>(sw / (keep + sw)) : 0.0f;
        }
        seen = true;
    }
}

std::size_t ref_phase_switches(ref_window const & w, state_sets const & sets, double eps, std::span<std::int8_t> h1,
                               std::span<std::int8_t> h2)
{
    std::size_t const K = w.typed;
    if (K < 2)
        return 0;
    auto const & p = pair_forward_backward(w, sets, static_cast<float>(eps), h1, h2);
    thread_local std::vector<char> flip;
    // The switch decisions, all judged against the current phase, then applied.
    flip.assign(K, 0);
    std::size_t last_het = K, switches = 0;
    for (std::size_t t = 0; t < K; ++t)
    {
        if (h1[t] < 0 || h1[t] == h2[t])
            continue;
        if (last_het < K)
        {
            auto const [k1, k2, s1, s2] = switch_sums_at(w, sets, p, t - 1);
            if (static_cast<double>(s1) * s2 > static_cast<double>(k1) * k2)
            {
                flip[t] = 1;
                ++switches;
            }
        }
        last_het = t;
    }
    bool swapped = false;
    for (std::size_t t = 0; t < K; ++t)
    {
        swapped = swapped != (flip[t] != 0);
        if (swapped && h1[t] >= 0 && h1[t] != h2[t])
            std::swap(h1[t], h2[t]);
    }
    return switches;
}

std::size_t ref_phase_flips(ref_window const & w, state_sets const & sets, double eps, std::span<std::int8_t> h1,
                            std::span<std::int8_t> h2, std::size_t max_run)
{
    std::size_t const K = w.typed;
    if (K < 2 || max_run == 0)
        return 0;
    float const e = static_cast<float>(eps);
    auto const & [S, alle, a1, b1, a2, b2, c1, c2] = pair_forward_backward(w, sets, e, h1, h2);
    thread_local std::vector<std::size_t> hets;
    thread_local std::vector<double> gain, best;
    thread_local std::vector<std::size_t> choice;
    hets.clear();
    for (std::size_t t = 0; t < K; ++t)
        if (h1[t] >= 0 && h1[t] != h2[t])
            hets.push_back(t);
    std::size_t const m = hets.size(), L = std::min(max_run, m);
    // gain[i * L + (l − 1)]: log likelihood ratio of the pair with the alleles of the l consecutive
    // heterozygotes ending at hets[i] exchanged (l = 1: exchanging marker k's alleles changes only
    // its emissions, per state the factor (1 − ε)/ε if the state's allele is the new one, ε/(1 − ε)
    // otherwise; l > 1: segment_log_ratio for each haplotype).
    float const up = (1 - e) / e, down = e / (1 - e);
    gain.assign(m * std::max<std::size_t>(L, 1), -std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < m; ++i)
    {
        std::size_t const t = hets[i];
        std::size_t const n = sets[block_of(w, t)].size();
        float const * x1 = a1.data() + t * S, * y1 = b1.data() + t * S;
        float const * x2 = a2.data() + t * S, * y2 = b2.data() + t * S;
        std::uint8_t const * x = alle.data() + t * S;
        std::uint8_t const new1 = static_cast<std::uint8_t>(h2[t]), new2 = static_cast<std::uint8_t>(h1[t]);
        double d1 = 0, d2 = 0, n1 = 0, n2 = 0;
        for (std::size_t j = 0; j < n; ++j)
        {
            double const p1 = static_cast<double>(x1[j]) * y1[j], p2 = static_cast<double>(x2[j]) * y2[j];
            d1 += p1;
            d2 += p2;
            n1 += p1 * (x[j] == new1 ? up : down);
            n2 += p2 * (x[j] == new2 ? up : down);
        }
        if (n1 * n2 > d1 * d2)
            gain[i * L] = d1 * d2 > 0 ? std::log(n1 * n2) - std::log(d1 * d2) : std::numeric_limits<double>::max();
        for (std::size_t l = 2; l <= L && l <= i + 1; ++l)
        {
            std::span<std::size_t const> const run{hets.data() + i + 1 - l, l};
            gain[i * L + l - 1] = segment_log_ratio(w, sets, e, S, alle, a1, b1, c1, h1, run) +
                                  segment_log_ratio(w, sets, e, S, alle, a2, b2, c2, h2, run);
        }
    }
    // The exchanges made: non-overlapping runs with the largest total gain (each run judged against
    // the current phase, their gains added: an approximation for runs close to each other), by
    // dynamic programming over the heterozygotes; only gains above 0, ties to no exchange.
    best.assign(m + 1, 0.0);
    choice.assign(m + 1, 0);
    for (std::size_t i = 1; i <= m; ++i)
    {
        best[i] = best[i - 1];
        for (std::size_t l = 1; l <= L && l <= i; ++l)
        {
            double const g = gain[(i - 1) * L + l - 1];
            if (g > 0 && best[i - l] + g > best[i])
            {
                best[i] = best[i - l] + g;
                choice[i] = l;
            }
        }
    }
    std::size_t flips = 0;
    for (std::size_t i = m; i > 0;)
    {
        if (choice[i] == 0)
        {
            --i;
            continue;
        }
        for (std::size_t l = 0; l < choice[i]; ++l)
        {
            std::size_t const t = hets[i - 1 - l];
            std::swap(h1[t], h2[t]);
            ++flips;
        }
        i -= choice[i];
    }
    return flips;
}

double ref_haploid_posteriors(ref_window const & w, std::span<std::int8_t const> hap, state_sets const & sets,
                              double eps, std::span<float> gamma, std::size_t stride, double & mismatches,
                              double & observed, std::span<double> jumps)
{
    EMTK_ASSERT(jumps.empty() || jumps.size() >= w.typed, "jump posteriors: one slot per typed marker");
    std::size_t const K = w.typed;
    if (K == 0)
        return 0;
    std::size_t S = 0;
    for (auto const & s : sets)
        S = std::max(S, s.size());
    // Per-thread buffers (one call per haplotype: no allocation after a thread's first call).
    thread_local std::vector<float> alpha, beta, bnext;
    thread_local std::vector<std::uint8_t> alle;
    beta.assign(S, 1.0f);
    bnext.resize(S);
    float const e = static_cast<float>(eps);
    state_alleles(w, sets, S, alle);
    double const ll = forward(w, hap, sets, e, S, alle, alpha);
    // Backward with per-marker scaling; posteriors on the way.
    for (std::size_t t = K; t-- > 0;)
    {
        auto const & cur = sets[block_of(w, t)];
        std::size_t const nc = cur.size();
        float const * a = alpha.data() + t * S;
        std::uint8_t const * x = alle.data() + t * S;
        float const * bt = beta.data();
        float const norm = lane_sum(nc, [a, bt](std::size_t j) { return a[j] * bt[j]; });
        if (hap[t] >= 0)
        {
            // Mass on the states whose allele differs from the observed one.
            std::uint8_t const obs = static_cast<std::uint8_t>(hap[t]);
            float const mm = lane_sum(nc, [a, bt, x, obs](std::size_t j) { return x[j] != obs ? a[j] * bt[j] : 0.0f; });
            mismatches += static_cast<double>(mm) / norm;
            observed += 1;
        }
        if (!gamma.empty())
        {
            float * gm = gamma.data() + t * stride;
            float const inv = 1 / norm;
            for (std::size_t j = 0; j < nc; ++j)
                gm[j] = a[j] * beta[j] * inv;
        }
        if (t == 0)
            break;
        if (!jumps.empty())
            jumps[t] += jump_posterior(w, t, hap, e, sets, x, alpha.data() + (t - 1) * S, beta.data());
        backward_step(w, t, hap, e, cur, sets[block_of(w, t - 1)], x, beta.data(), bnext.data());
        std::swap(beta, bnext);
    }
    return ll;
}

std::vector<double> ref_jump_rates(std::span<double const> c, double ne)
{
    std::vector<double> rho(c.size(), 0.0);
    for (std::size_t t = 1; t < c.size(); ++t)
        rho[t] = -std::expm1(-c[t] * ne);
    return rho;
}

double ref_fit_ne(std::span<double const> c, std::span<double const> jumps, double n, double lo, double hi)
{
    EMTK_ASSERT(jumps.size() >= c.size() && lo > 0 && hi >= lo, "ref_fit_ne: bad arguments");
    // d/dNe of the objective: Σ_t c_t [J_t / expm1(c_t Ne) − (n − J_t)], decreasing in Ne.
    auto slope = [&](double ne) {
        double g = 0;
        for (std::size_t t = 1; t < c.size(); ++t)
            if (c[t] > 0)
                g += c[t] * (jumps[t] / std::expm1(c[t] * ne) - (n - jumps[t]));
        return g;
    };
    if (slope(hi) >= 0)
        return hi;
    if (slope(lo) <= 0)
        return lo;
    double a = std::log(lo), b = std::log(hi);
    for (int i = 0; i < 60; ++i) // 60 halvings of log(hi / lo) < 20: the root to < 1e-16 relative
    {
        double const m = 0.5 * (a + b);
        (slope(std::exp(m)) > 0 ? a : b) = m;
    }
    return std::exp(0.5 * (a + b));
}

} // namespace emtk::geno
