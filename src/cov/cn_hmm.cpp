/// \file
/// \brief Copy-number HMM: Baum-Welch as an em::model, Viterbi, segments (see segment.hpp).

#include <emtk/cov/segment.hpp>
#include <emtk/em/fit.hpp>
#include <emtk/util/error.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <limits>

namespace emtk::cov {

namespace {

struct hmm_params
{
    std::vector<double> init, trans; // probabilities
};

struct hmm_stats
{
    std::vector<double> v; // S initial, then S×S transitions
    hmm_stats & operator+=(hmm_stats const & o)
    {
        for (std::size_t i = 0; i < v.size(); ++i)
            v[i] += o.v[i];
        return *this;
    }
};

class hmm_model
{
public:
    using params_type = hmm_params;
    using stats_type = hmm_stats;

    /// MPI E-step (em::packable_model, em/distributed.hpp): the flat statistics as they are.
    void pack(hmm_stats const & st, std::vector<double> & out) const { out.insert(out.end(), st.v.begin(), st.v.end()); }
    [[nodiscard]] std::size_t unpack(std::span<double const> in, hmm_stats & st) const
    {
        if (in.size() < st.v.size())
            throw std::runtime_error("cov: MPI statistics too short");
        std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(st.v.size()), st.v.begin());
        return st.v.size();
    }

    hmm_model(cn_values const & v, cn_states const & s, std::vector<std::size_t> const & off, hmm_options const & opt)
        : v_{v}, s_{s}, off_{off}, opt_{opt}, S_{s.states}
    {
    }

    [[nodiscard]] std::size_t item_count() const noexcept { return off_.size() - 1; }
    [[nodiscard]] hmm_stats make_stats(hmm_params const &) const
    {
        hmm_stats st;
        st.v.assign(S_ + S_ * S_, 0.0);
        return st;
    }

    /// Scaled forward-backward over chromosome c. Fills gamma (n × S) when asked; adds the expected
    /// initial and transition counts to st when given. Returns the log-likelihood.
    double forward_backward(std::size_t c, hmm_params const & p, hmm_stats * st, std::vector<double> * gamma) const
    {
        std::size_t const b = off_[c], n = off_[c + 1] - b, S = S_;
        if (n == 0)
            return 0.0;
        std::vector<double> e(n * S), alpha(n * S), scale(n);
        double ll = 0;
        for (std::size_t t = 0; t < n; ++t)
        {
            double const * ld = &s_.log_density[static_cast<std::size_t>(v_.group[b + t]) * S];
            double mx = *std::max_element(ld, ld + S);
            for (std::size_t j = 0; j < S; ++j)
                e[t * S + j] = std::exp(ld[j] - mx);
            ll += mx;
            double sum = 0;
            for (std::size_t j = 0; j < S; ++j)
            {
                double a;
                if (t == 0)
                    a = p.init[j];
                else
                {
                    a = 0;
                    for (std::size_t i = 0; i < S; ++i)
                        a += alpha[(t - 1) * S + i] * p.trans[i * S + j];
                }
                a *= e[t * S + j];
                alpha[t * S + j] = a;
                sum += a;
            }
            if (!(sum > 0))
                return -std::numeric_limits<double>::infinity();
            for (std::size_t j = 0; j < S; ++j)
                alpha[t * S + j] /= sum;
            scale[t] = sum;
            ll += std::log(sum);
        }
        if (!st && !gamma)
            return ll;
        std::vector<double> beta(S, 1.0), next(S), tmp(S);
        if (gamma)
            gamma->assign(n * S, 0.0);
        for (std::size_t t = n; t-- > 0;)
        {
            if (gamma)
                for (std::size_t j = 0; j < S; ++j)
                    (*gamma)[t * S + j] = alpha[t * S + j] * beta[j];
            if (t == 0)
            {
                if (st)
                    for (std::size_t j = 0; j < S; ++j)
                        st->v[j] += alpha[j] * beta[j];
                break;
            }
            // tmp_j = e_t(j) β_t(j) / c_t; ξ_{t}(i,j) = α_{t-1}(i) A_ij tmp_j.
            for (std::size_t j = 0; j < S; ++j)
                tmp[j] = e[t * S + j] * beta[j] / scale[t];
            for (std::size_t i = 0; i < S; ++i)
            {
                double const ai = alpha[(t - 1) * S + i];
                double acc = 0;
                for (std::size_t j = 0; j < S; ++j)
                {
                    double const x = p.trans[i * S + j] * tmp[j];
                    acc += x;
                    if (st)
                        st->v[S + i * S + j] += ai * x;
                }
                next[i] = acc;
            }
            beta.swap(next);
        }
        return ll;
    }

    double expect(std::size_t c, hmm_params const & p, hmm_stats & st) const { return forward_backward(c, p, &st, nullptr); }

    void maximize(hmm_stats const & st, hmm_params & p) const
    {
        double tot = 0;
        for (std::size_t j = 0; j < S_; ++j)
            tot += st.v[j] + opt_.other_pseudocount;
        for (std::size_t j = 0; j < S_; ++j)
            p.init[j] = (st.v[j] + opt_.other_pseudocount) / tot;
        for (std::size_t i = 0; i < S_; ++i)
        {
            double row = 0;
            for (std::size_t j = 0; j < S_; ++j)
                row += st.v[S_ + i * S_ + j] + pseudo(i, j);
            for (std::size_t j = 0; j < S_; ++j)
                p.trans[i * S_ + j] = (st.v[S_ + i * S_ + j] + pseudo(i, j)) / row;
        }
    }

    [[nodiscard]] double log_prior(hmm_params const & p) const
    {
        double lp = 0;
        for (std::size_t j = 0; j < S_; ++j)
            lp += opt_.other_pseudocount * std::log(p.init[j]);
        for (std::size_t i = 0; i < S_; ++i)
            for (std::size_t j = 0; j < S_; ++j)
                lp += pseudo(i, j) * std::log(p.trans[i * S_ + j]);
        return lp;
    }

    [[nodiscard]] hmm_params start() const
    {
        hmm_params p;
        double tot = 0;
        for (double lw : s_.log_weight)
            tot += std::exp(lw);
        for (double lw : s_.log_weight)
            p.init.push_back(std::exp(lw) / tot);
        p.trans.assign(S_ * S_, 0.0);
        for (std::size_t i = 0; i < S_; ++i)
            for (std::size_t j = 0; j < S_; ++j)
                p.trans[i * S_ + j] = (i == j ? 1 - opt_.switch_start : 0.0) + opt_.switch_start * p.init[j];
        return p;
    }

    void initialize(rng &, hmm_params & p) const { p = start(); }

    /// Viterbi path of chromosome c (state indices), log space.
    void viterbi(std::size_t c, hmm_params const & p, std::vector<std::uint32_t> & path) const
    {
        std::size_t const b = off_[c], n = off_[c + 1] - b, S = S_;
        path.assign(n, 0);
        if (n == 0)
            return;
        std::vector<double> la(S * S), delta(S), nd(S);
        std::vector<std::uint8_t> back(n * S);
        for (std::size_t k = 0; k < S * S; ++k)
            la[k] = std::log(p.trans[k]);
        auto ld = [&](std::size_t t) { return &s_.log_density[static_cast<std::size_t>(v_.group[b + t]) * S]; };
        for (std::size_t j = 0; j < S; ++j)
            delta[j] = std::log(p.init[j]) + ld(0)[j];
        for (std::size_t t = 1; t < n; ++t)
        {
            double const * e = ld(t);
            for (std::size_t j = 0; j < S; ++j)
            {
                std::size_t bi = 0;
                double bv = delta[0] + la[j];
                for (std::size_t i = 1; i < S; ++i)
                {
                    double const x = delta[i] + la[i * S + j];
                    if (x > bv)
                    {
                        bv = x;
                        bi = i;
                    }
                }
                nd[j] = bv + e[j];
                back[t * S + j] = static_cast<std::uint8_t>(bi);
            }
            delta.swap(nd);
        }
        std::size_t best = static_cast<std::size_t>(std::max_element(delta.begin(), delta.end()) - delta.begin());
        for (std::size_t t = n; t-- > 0;)
        {
            path[t] = static_cast<std::uint32_t>(best);
            best = back[t * S + best];
        }
    }

private:
    [[nodiscard]] double pseudo(std::size_t i, std::size_t j) const noexcept
    {
        return i == j ? opt_.self_pseudocount : opt_.other_pseudocount;
    }

    cn_values const & v_;
    cn_states const & s_;
    std::vector<std::size_t> const & off_;
    hmm_options const & opt_;
    std::size_t S_;
};

} // namespace

hmm_fit fit_cn_hmm(cn_values const & v, cn_states const & s, std::vector<std::size_t> const & chrom_offsets,
                   hmm_options const & opt)
{
    EMTK_ASSERT(s.states >= 1 && s.states <= 255, "HMM states out of range");
    EMTK_ASSERT(chrom_offsets.size() >= 2 && chrom_offsets.back() == v.windows(), "bad chromosome offsets");
    hmm_model m{v, s, chrom_offsets, opt};
    em::options eo = opt.em;
    eo.chunk_size = 1; // one chromosome per chunk: chromosomes run in parallel
    auto res = em::fit(m, m.start(), eo);
    hmm_fit f;
    f.ok = res.ok();
    f.message = res.message;
    f.trace = res.trace;
    f.iterations = res.iterations;
    f.reason = res.reason;
    f.decreases = res.decreases;
    if (!f.ok)
        return f;
    f.initial = res.params.init;
    f.transition = res.params.trans;
    f.log_likelihood = res.log_likelihood;
    f.objective = res.objective;
    // Decode: Viterbi path, and the posterior of each window's copy number.
    std::size_t const C = chrom_offsets.size() - 1, S = s.states;
    f.cn.assign(v.windows(), 0);
    f.posterior.assign(v.windows(), 0.0);
    int const threads = std::max(1, opt.em.threads);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
    for (std::size_t c = 0; c < C; ++c)
    {
        std::vector<std::uint32_t> path;
        std::vector<double> gamma;
        m.viterbi(c, res.params, path);
        m.forward_backward(c, res.params, nullptr, &gamma);
        std::size_t const b = chrom_offsets[c];
        for (std::size_t t = 0; t < path.size(); ++t)
        {
            int const cn = s.cn[path[t]];
            double p = 0;
            for (std::size_t k = 0; k < S; ++k)
                if (s.cn[k] == cn)
                    p += gamma[t * S + k];
            f.cn[b + t] = cn;
            f.posterior[b + t] = std::min(1.0, p);
        }
    }
    return f;
}

std::vector<cn_segment> make_segments(std::vector<std::size_t> const & chrom_offsets, std::vector<int> const & cn,
                                      std::vector<double> const & posterior, std::vector<double> const & depth)
{
    std::vector<cn_segment> out;
    for (std::size_t c = 0; c + 1 < chrom_offsets.size(); ++c)
    {
        std::size_t i = chrom_offsets[c];
        while (i < chrom_offsets[c + 1])
        {
            std::size_t j = i;
            double sd = 0, sp = 0;
            while (j < chrom_offsets[c + 1] && cn[j] == cn[i])
            {
                sd += depth[j];
                sp += posterior[j];
                ++j;
            }
            cn_segment seg;
            seg.first = i;
            seg.last = j - 1;
            seg.cn = cn[i];
            seg.mean_depth = sd / static_cast<double>(j - i);
            seg.quality = sp / static_cast<double>(j - i);
            out.push_back(seg);
            i = j;
        }
    }
    return out;
}

} // namespace emtk::cov
