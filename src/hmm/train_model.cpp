// hmm_training_model (train.hpp): the profile HMM as an em::model — its starts (initialize), the
// E-step (expect, with the log-space fallback) and the M-step (maximize, with annealing noise and
// the posterior-mean phase's estimator).
#include <emtk/em/options.hpp>
#include <emtk/hmm/estep_simd.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <numeric>
#include <span>
#include <string>
#include <utility>

namespace emtk::hmm {

namespace {

/// Dirichlet(alpha) sample into out (normalised gammas, floored so that every value is > 0 and
/// the log-space DP and the prior density stay finite).
void dirichlet_sample(rng & r, std::span<double const> alpha, std::span<double> out)
{
    double z = 0;
    for (std::size_t a = 0; a < alpha.size(); ++a)
        z += out[a] = r.gamma(alpha[a]) + 1e-6;
    for (auto & v : out)
        v /= z;
}

/// Transition rows drawn around a match-biased start: concentrations M: (mm 20, mi 1, md 1),
/// I: (im 3, ii 1), D: (dm 3, dd 1); the boundary conventions restored.
void random_transitions(rng & r, profile_hmm & h)
{
    static constexpr double am[3] = {20.0, 1.0, 1.0}, ai[2] = {3.0, 1.0}, ad[2] = {3.0, 1.0};
    for (int k = 0; k <= h.M; ++k)
    {
        auto & t = h.t[static_cast<std::size_t>(k)];
        if (k < h.M)
            dirichlet_sample(r, am, std::span<double>(t.data(), 3));
        else
        {
            dirichlet_sample(r, std::span<double const>(am, 2), std::span<double>(t.data(), 2));
            t[t_md] = 0.0;
        }
        dirichlet_sample(r, ai, std::span<double>(t.data() + 3, 2));
        if (k >= 1 && k < h.M)
            dirichlet_sample(r, ad, std::span<double>(t.data() + 5, 2));
        else
        {
            t[t_dm] = 1.0;
            t[t_dd] = 0.0;
        }
    }
}

} // namespace

hmm_training_model::hmm_training_model(seq::sequence_set const & set, int M, hmm_prior prior,
                                       std::vector<double> weights, std::vector<double> background,
                                       train_options const & opt, seq::sequence const * seed_seq, int restart)
    : set_(&set), n_(opt.stream ? opt.stream->size() : set.seqs.size()), M_(M), K_(seq::alphabet::get(set.type).K()), prior_(std::move(prior)), weights_(std::move(weights)),
      background_(std::move(background)), opt_(opt), seed_seq_(seed_seq), restart_(restart),
      sets_(residue_sets_of(seq::alphabet::get(set.type)))
{
    if (weights_.empty())
        weights_.assign(n_, 1.0);
    neff_ = std::accumulate(weights_.begin(), weights_.end(), 0.0);
    tilt_first_.assign(n_, 0);
}

profile hmm_training_model::make_training_profile(profile_hmm const & h) const
{
    profile_options po;
    po.local = false;
    po.multihit = false;
    return make_profile(h, sets_, po);
}

void hmm_training_model::prepare(params_type & p) const
{
    p.hmm.null = background_;
    p.prof = std::make_shared<profile const>(make_training_profile(p.hmm));
    p.pprof = std::make_shared<prob_profile const>(make_prob_profile(*p.prof));
}

double hmm_training_model::expect(std::size_t i, params_type const & p, stats_type & s) const
{
    thread_local estep_workspace ws;
    double const w = weights_[i];
    thread_local std::vector<std::uint8_t> streamed;
    if (opt_.stream)
        opt_.stream->read_residues(i, streamed);
    auto const & x = opt_.stream ? streamed : set_->seqs[i].dsq;
    digital_sequence const xs(x.data(), x.size());
    // A sequence whose last E-step only the deletion tilt could compute (a fragment against a long
    // glocal model: the plain float and double kernels failed their checks) tries it first: its
    // paths decay by the same deletion runs every iteration, and the plain kernels' three failing
    // passes cost twice the tilted one on SMC_N's RecF fragments (bench/README.md). When the tilted
    // kernel fails, the usual order runs. The choice depends only on sequence i's own history, so
    // the result is the same for any thread count.
    bool const tilt_tried = tilt_first_[i] != 0;
    if (tilt_tried)
    {
        if (auto const tilted = scaled_expected_counts_tilted(*p.pprof, xs, s, w, ws))
        {
            if (tally_ && opt_.float_estep)
                tally_->note_double(true);
            return w * *tilted;
        }
        tilt_first_[i] = 0;
    }
    estep_kernel used = estep_kernel::float_simd;
    auto const scaled = opt_.float_estep
                        ? fast_expected_counts_checked(*p.pprof, xs, s, w, ws, scaled_check_tol, simd_active(), &used)
                        : scaled_expected_counts_checked(*p.pprof, xs, s, w, ws);
    if (tally_ && opt_.float_estep && used != estep_kernel::float_simd && used != estep_kernel::none)
        tally_->note_double(used != estep_kernel::double_only);
    if (scaled)
        return w * *scaled;
    // Paths the untilted kernel cannot represent (a fragment's long deletion runs against a long
    // glocal model): the same kernel under the deletion tilt (scaled_dp.hpp, "Deletion tilt").
    if (auto const tilted = tilt_tried || !opt_.deletion_tilt ? std::nullopt : scaled_expected_counts_tilted(*p.pprof, xs, s, w, ws))
    {
        tilt_first_[i] = 1;
        if (tally_ && opt_.float_estep)
            tally_->note_double(true);
        return w * *tilted;
    }
    // The scaled kernel cannot represent this sequence's paths: the log-space reference (train.hpp,
    // "Numerical robustness").
    double const need = 48.0 * static_cast<double>(x.size() + 1) * static_cast<double>(p.hmm.M + 1);
    if (need > static_cast<double>(opt_.logspace_limit))
        throw em::degenerate_error("record '" + (opt_.stream ? opt_.stream->name(i) : set_->seqs[i].name) + "' (" + std::to_string(x.size()) +
                                   " residues) is out of the scaled E-step's range against M = " +
                                   std::to_string(p.hmm.M) + " and the log-space E-step would need " +
                                   std::to_string(static_cast<long long>(need / (1 << 20))) + " MiB");
    if (tally_)
        tally_->note(i);
    thread_local dp_matrix fwd, bwd;
    double const ll = expected_counts(*p.prof, xs, s, w, fwd, bwd);
    if (fwd.bytes() + bwd.bytes() > (std::size_t{256} << 20)) // do not keep a huge matrix per thread
        fwd = dp_matrix{}, bwd = dp_matrix{};
    return w * ll;
}

void hmm_training_model::maximize(stats_type const & s, params_type & p) const
{
    if (p.anneal_step < anneal_steps_)
    {
        // Decaying Dirichlet noise on the counts (see train.hpp).
        int const t = p.anneal_step;
        double const scale = opt_.anneal_noise * neff_ * (1.0 - static_cast<double>(t) / anneal_steps_);
        rng r{opt_.seed, (std::uint64_t{1} << 32) + (static_cast<std::uint64_t>(restart_) << 16) +
                             static_cast<std::uint64_t>(t)};
        hmm_counts c = s;
        std::vector<double> const ones(static_cast<std::size_t>(K_), 1.0);
        std::vector<double> u(static_cast<std::size_t>(K_));
        auto add = [&](double * row, std::size_t n) {
            dirichlet_sample(r, std::span<double const>(ones.data(), n), std::span<double>(u.data(), n));
            for (std::size_t a = 0; a < n; ++a)
                row[a] += scale * u[a];
        };
        auto const Ku = static_cast<std::size_t>(K_);
        for (int k = 0; k <= p.hmm.M; ++k)
        {
            auto const ku = static_cast<std::size_t>(k);
            add(c.t[ku].data(), k < p.hmm.M ? 3 : 2);
            add(c.t[ku].data() + 3, 2);
            if (k >= 1 && k < p.hmm.M)
                add(c.t[ku].data() + 5, 2);
            if (k >= 1)
                add(c.mat.data() + ku * Ku, Ku);
            add(c.ins.data() + ku * Ku, Ku);
        }
        estimate_parameters(c, prior_, p.hmm);
        ++p.anneal_step;
    }
    else
        estimate_parameters(s, prior_, p.hmm);
    if (mean_estimator_ && !prior_.none)
    {
        // Posterior-mean phase (train.hpp): HMMER's estimate of every match row from its counts.
        auto const Ku = static_cast<std::size_t>(K_);
        for (int k = 1; k <= p.hmm.M; ++k)
            posterior_mean(prior_.em, std::span<double const>(s.mat.data() + static_cast<std::size_t>(k) * Ku, Ku),
                           p.hmm.match(k));
    }
    prepare(p);
}

void hmm_training_model::initialize(rng & r, params_type & p) const
{
    auto const Ku = static_cast<std::size_t>(K_);
    if (opt_.start_model)
    {
        // A given start (seed HMM / seed alignment): exact for restart 0, perturbed for the others.
        profile_hmm h = *opt_.start_model;
        h.null = background_;
        if (restart_ > 0)
        {
            std::vector<double> alpha(std::max<std::size_t>(Ku, 3));
            auto perturb = [&](double * row, std::size_t n) {
                for (std::size_t a = 0; a < n; ++a)
                    alpha[a] = opt_.start_concentration * row[a] + 1e-3;
                dirichlet_sample(r, std::span<double const>(alpha.data(), n), std::span<double>(row, n));
            };
            for (int k = 0; k <= h.M; ++k)
            {
                auto const ku = static_cast<std::size_t>(k);
                perturb(h.t[ku].data(), k < h.M ? 3 : 2);
                perturb(h.t[ku].data() + 3, 2);
                if (k >= 1 && k < h.M)
                    perturb(h.t[ku].data() + 5, 2);
                if (k >= 1)
                    perturb(h.mat.data() + ku * Ku, Ku);
            }
            normalize(h);
        }
        p.hmm = std::move(h);
        p.anneal_step = 0;
        prepare(p);
        return;
    }
    profile_hmm h(M_, K_);
    std::vector<double> alpha(Ku), one(Ku), centre(Ku);
    for (int k = 0; k <= M_; ++k)
    {
        auto ins = h.insert(k);
        std::copy(background_.begin(), background_.end(), ins.begin());
        if (k == 0)
            continue;
        if (seed_seq_)
        {
            // Centred on what the prior predicts after seeing the seed residue `seed_counts` times
            // (for amino acids with the default mixture prior, a substitution-matrix-like row;
            // without a prior, seed_peak on the residue), lightly perturbed.
            std::uint8_t const c = seed_seq_->dsq[static_cast<std::size_t>(k - 1)];
            if (c >= K_)
                centre = background_;
            else if (!prior_.none)
            {
                std::fill(one.begin(), one.end(), 0.0);
                one[c] = opt_.seed_counts;
                posterior_mean(prior_.em, one, centre);
            }
            else
                for (std::size_t a = 0; a < Ku; ++a)
                    centre[a] = a == c ? opt_.seed_peak : (1.0 - opt_.seed_peak) / static_cast<double>(Ku - 1);
            for (std::size_t a = 0; a < Ku; ++a)
                alpha[a] = 100.0 * static_cast<double>(Ku) * centre[a];
        }
        else
            for (std::size_t a = 0; a < Ku; ++a)
                alpha[a] = opt_.init_concentration * static_cast<double>(Ku) * background_[a];
        dirichlet_sample(r, alpha, h.match(k));
    }
    random_transitions(r, h);
    p.hmm = std::move(h);
    p.anneal_step = 0;
    prepare(p);
}

} // namespace emtk::hmm
