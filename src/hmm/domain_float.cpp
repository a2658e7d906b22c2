// Single-precision domain definition (domain_float.hpp): the float profile, the dispatch between the
// baseline and AVX2 builds of the kernels, and the posterior sums of decode_occupancy/decode_full.
#define EMTK_DF_NS df_generic
#include "domain_float_kernels.hpp"

#include <emtk/hmm/filter.hpp>

namespace emtk::hmm::detail {

namespace {

// Independent delete chains per row (domain_float.hpp); 4, 8 and 16 measured: 8 marginally fastest (M = 80, 260).
constexpr std::size_t delete_blocks = 8;

std::vector<float> to_float(std::vector<double> const & v, std::size_t np)
{
    std::vector<float> r(np, 0.0f);
    for (std::size_t k = 0; k < v.size(); ++k)
        r[k] = static_cast<float>(v[k]);
    return r;
}

/// The special transitions of `t` as floats: nn, nb, ec, ej, cc, ct, jj, jb.
std::array<float, 8> float_specials_of(special_probs const & t)
{
    return {static_cast<float>(t.nn), static_cast<float>(t.nb), static_cast<float>(t.ec), static_cast<float>(t.ej),
            static_cast<float>(t.cc), static_cast<float>(t.ct), static_cast<float>(t.jj), static_cast<float>(t.jb)};
}

bool use_avx2()
{
    static bool const avx2 = simd_active() == simd_level::avx2;
    return avx2;
}

double run_forward(float_profile const & fp, special_probs const & t, digital_sequence x, float_pass & out, bool core)
{
    auto const sp = float_specials_of(t);
    out.score = use_avx2() ? df_avx2::forward(fp, sp.data(), x, out, core) : df_generic::forward(fp, sp.data(), x, out, core);
    return out.score;
}

double run_backward(float_profile const & fp, special_probs const & t, digital_sequence x, float_pass & out, bool core,
                    backward_sink const * sink = nullptr)
{
    auto const sp = float_specials_of(t);
    out.score = use_avx2() ? df_avx2::backward(fp, sp.data(), x, out, core, sink)
                           : df_generic::backward(fp, sp.data(), x, out, core, sink);
    return out.score;
}

/// v.resize(n), allocating exactly n when v must grow (the per-thread posterior keeps its storage).
void resize_exact(std::vector<double> & v, std::size_t n)
{
    if (n > v.capacity())
    {
        std::vector<double>{}.swap(v);
        v.reserve(n);
    }
    v.resize(n);
}

/// Sizes `pp` for L residues and M nodes, zeroing only what decode_full_float does not write
/// (row 0 and node 0 of every row): the values of reset_posterior() followed by that fill,
/// without clearing the whole matrix first (a memset of 16 bytes per cell, ~10% of a protein search).
void size_posterior(posterior & pp, std::size_t L, int M)
{
    auto const n = static_cast<std::size_t>(M + 1);
    pp.L = L;
    pp.M = M;
    for (std::vector<double> * v : {&pp.m, &pp.ins})
    {
        resize_exact(*v, (L + 1) * n);
        std::fill_n(v->begin(), n, 0.0);
        for (std::size_t i = 1; i <= L; ++i)
            (*v)[i * n] = 0.0;
    }
    for (std::vector<double> * v : {&pp.n, &pp.c, &pp.j})
    {
        resize_exact(*v, L + 1);
        (*v)[0] = 0.0;
    }
}

/// A backward_sink calling `f(i, specials, log_scale, m, ins)` for each row.
template <typename F>
backward_sink sink_of(F & f)
{
    return {[](void * ctx, std::size_t i, float_specials const & sv, double ls, float const * m, float const * ins) {
                (*static_cast<F *>(ctx))(i, sv, ls, m, ins);
            },
            &f};
}

} // namespace

bool float_passes_agree(double a, double b) noexcept
{
    return std::abs(a - b) <= 1e-3 * std::max(1.0, std::abs(a) / 100);
}

float_profile::float_profile(odds_profile const & op) : source_{&op} { build(op); }

float_profile::float_profile(profile const & p) : config_{&p} { build(odds_profile{p}); }

odds_profile const & float_profile::exact() const
{
    if (source_)
        return *source_;
    std::call_once(once_, [this] { own_ = std::make_unique<odds_profile const>(*config_); });
    return *own_;
}

void float_profile::build(odds_profile const & op)
{
    M = op.M;
    Kp = op.Kp;
    auto const n = static_cast<std::size_t>(M + 1);
    np = (n + 1 + 7) / 8 * 8; // room for node M + 1 (zero) read by the backward pass
    et.assign(Kp * np, 0.0f);
    for (std::size_t c = 0; c < Kp; ++c)
        for (std::size_t k = 1; k < n; ++k)
            et[c * np + k] = static_cast<float>(op.et[c * n + k]);
    tbm = to_float(op.tbm, np), mm = to_float(op.mm, np), im = to_float(op.im, np), dm = to_float(op.dm, np);
    mi = to_float(op.mi, np), ii = to_float(op.ii, np), md = to_float(op.md, np), dd = to_float(op.dd, np);
    auto const Ms = static_cast<std::size_t>(M);
    block = std::max<std::size_t>(1, (Ms + delete_blocks - 1) / delete_blocks);
    fprod.assign(np, 0.0f);
    bprod.assign(np, 0.0f);
    for (std::size_t s = 1; s <= Ms; s += block)
    {
        std::size_t const t = std::min(Ms, s + block - 1);
        double p = 1;
        for (std::size_t k = s; k <= t; ++k)
            fprod[k] = static_cast<float>(p *= op.dd[k - 1]);
        p = 1;
        for (std::size_t k = t + 1; k-- > s;)
            bprod[k] = static_cast<float>(p *= op.dd[k]);
    }
}

double forward_float(float_profile const & fp, special_probs const & t, digital_sequence x, float_pass & out,
                     bool keep_core)
{
    return run_forward(fp, t, x, out, keep_core);
}

double backward_float(float_profile const & fp, special_probs const & t, digital_sequence x, float_pass & out,
                      bool keep_core)
{
    return run_backward(fp, t, x, out, keep_core);
}

occupancy decode_occupancy_float(profile const & p, float_profile const & fp, digital_sequence x,
                                 float_pass const * forward)
{
    std::size_t const L = x.size();
    special_probs const t{special_transitions(p, L)};
    thread_local float_pass own, b; // b: the backward's score only (its rows go to the sink)
    if (!forward || forward->rows.size() != L + 1)
    {
        run_forward(fp, t, x, own, false);
        forward = &own;
    }
    float_pass const & f = *forward;
    double const ll = f.score;
    // fv·bv·e^{r}, r = the rows' log scales minus ll (one exp per pair of rows); through logs when
    // e^{r} alone could overflow or underflow.
    auto post = [](double fv, double bv, double r, double er) {
        if (!(fv > 0 && bv > 0))
            return 0.0;
        return er > 0 ? fv * bv * er : std::exp(std::log(fv) + std::log(bv) + r);
    };
    auto factor = [](double r) { return std::abs(r) < 600 ? std::exp(r) : 0.0; };
    occupancy o;
    o.mocc.assign(L + 1, 0.0);
    o.btot.assign(L + 1, 0.0); // first the terms P(B at row i−1), summed below
    o.etot.assign(L + 1, 0.0); // first the terms P(E at row i)
    if (!std::isfinite(ll))
        return o;
    auto const & fr = f.rows;
    // The backward rows arrive from L down to 0; row i gives residue i's flank and E terms and
    // residue i+1's B term (the same products as from stored rows).
    auto row = [&](std::size_t i, float_specials const & br, double ls, float const *, float const *) {
        if (i >= 1)
        {
            double const r = f.log_scale[i] + ls - ll, e = factor(r);       // rows (i, i)
            double const r1 = f.log_scale[i - 1] + ls - ll, e1 = factor(r1); // rows (i−1, i)
            // N emits residue i when N is occupied at row i; C and J when they loop from row i−1.
            double const flank = post(fr[i][x_n], br[x_n], r, e) + post(fr[i - 1][x_c] * t.cc, br[x_c], r1, e1) +
                                 post(fr[i - 1][x_j] * t.jj, br[x_j], r1, e1);
            o.mocc[i] = std::clamp(1.0 - flank, 0.0, 1.0);
            o.etot[i] = post(fr[i][x_e], br[x_e], r, e);
        }
        if (i + 1 <= L)
        {
            double const r = f.log_scale[i] + ls - ll; // rows (i, i)
            o.btot[i + 1] = post(fr[i][x_b], br[x_b], r, factor(r));
        }
    };
    backward_sink const sink = sink_of(row);
    double const llb = run_backward(fp, t, x, b, false, &sink);
    if (!float_passes_agree(ll, llb))
        return decode_occupancy(p, fp.exact(), x);
    for (std::size_t i = 1; i <= L; ++i)
    {
        o.btot[i] = o.btot[i - 1] + o.btot[i];
        o.etot[i] = o.etot[i - 1] + o.etot[i];
    }
    return o;
}

void decode_full_float(float_profile const & fp, special_probs const & t, digital_sequence x, posterior & pp,
                       double & score)
{
    std::size_t const L = x.size(), np = fp.np;
    auto const n = static_cast<std::size_t>(fp.M + 1);
    thread_local float_pass f, b; // b: the backward's score only (its rows go to the sink)
    double const ll = run_forward(fp, t, x, f, true);
    score = ll;
    pp.L = 0;
    pp.M = fp.M;
    if (!std::isfinite(ll)) // the profile cannot emit x: no posterior (pp.L = 0)
        return;
    size_posterior(pp, L, fp.M); // the sink writes every other value
    auto const post = posterior_product;
    // Row i of the posterior from the forward's stored row i and the backward's row i as it is
    // computed (rows L down to 1).
    auto row = [&](std::size_t i, float_specials const & br, double ls, float const * bm, float const * bi) {
        if (i == 0)
            return;
        double const r = f.log_scale[i] + ls - ll;
        double const e = std::abs(r) < 600 ? std::exp(r) : 0.0;
        float const * fm = f.core_m.data() + i * np, * fi = f.core_i.data() + i * np;
        double * pm = pp.m.data() + i * n, * pi = pp.ins.data() + i * n;
        if (e > 0)
            for (std::size_t k = 1; k < n; ++k)
            {
                pm[k] = static_cast<double>(fm[k]) * static_cast<double>(bm[k]) * e;
                pi[k] = static_cast<double>(fi[k]) * static_cast<double>(bi[k]) * e;
            }
        else
            for (std::size_t k = 1; k < n; ++k)
            {
                pm[k] = post(fm[k], bm[k], r);
                pi[k] = post(fi[k], bi[k], r);
            }
        pp.n[i] = post(f.rows[i][x_n], br[x_n], r);
        double const r1 = f.log_scale[i - 1] + ls - ll;
        pp.c[i] = post(f.rows[i - 1][x_c] * t.cc, br[x_c], r1);
        pp.j[i] = post(f.rows[i - 1][x_j] * t.jj, br[x_j], r1);
    };
    backward_sink const sink = sink_of(row);
    double const llb = run_backward(fp, t, x, b, true, &sink);
    if (!float_passes_agree(ll, llb))
        pp = decode_full(fp.exact(), t, x, score);
}

} // namespace emtk::hmm::detail
