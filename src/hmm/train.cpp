// Profile-HMM training from unaligned sequences (see include/emtk/hmm/train.hpp).
#include <emtk/em/fit.hpp>
#include <emtk/em/phases.hpp>
#include <emtk/hmm/entropy_weight.hpp>
#include <emtk/hmm/estep_simd.hpp>
#include <emtk/hmm/forward_backward.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/hmm/start_consensus.hpp>
#include <emtk/hmm/surgery.hpp>
#include <emtk/hmm/align.hpp>
#include <emtk/hmm/train.hpp>
#include <emtk/seq/alphabet.hpp>
#include <emtk/util/error.hpp>
#include <emtk/util/rng.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
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

hmm_training_model::hmm_training_model(seq::sequence_set const & set, int M, hmm_prior prior,
                                       std::vector<double> weights, std::vector<double> background,
                                       train_options const & opt, seq::sequence const * seed_seq, int restart)
    : set_(&set), M_(M), K_(seq::alphabet::get(set.type).K()), prior_(std::move(prior)), weights_(std::move(weights)),
      background_(std::move(background)), opt_(opt), seed_seq_(seed_seq), restart_(restart),
      sets_(residue_sets_of(seq::alphabet::get(set.type)))
{
    if (weights_.empty())
        weights_.assign(set.seqs.size(), 1.0);
    neff_ = std::accumulate(weights_.begin(), weights_.end(), 0.0);
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
    auto const & x = set_->seqs[i].dsq;
    digital_sequence const xs(x.data(), x.size());
    if (auto const ll = opt_.float_estep ? fast_expected_counts_checked(*p.pprof, xs, s, w, ws)
                                         : scaled_expected_counts_checked(*p.pprof, xs, s, w, ws))
        return w * *ll;
    // The scaled kernel cannot represent this sequence's paths: the log-space reference (train.hpp,
    // "Numerical robustness").
    double const need = 48.0 * static_cast<double>(x.size() + 1) * static_cast<double>(p.hmm.M + 1);
    if (need > static_cast<double>(opt_.logspace_limit))
        throw em::degenerate_error("record '" + set_->seqs[i].name + "' (" + std::to_string(x.size()) +
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

bool uses_stepwise(std::size_t n, train_options const & opt) noexcept
{
    switch (opt.mode)
    {
    case em::em_mode::batch: return false;
    case em::em_mode::stepwise: return true;
    case em::em_mode::automatic: break;
    }
    return n >= opt.stepwise_min_sequences;
}

train_result train_profile_hmm(seq::sequence_set const & set, train_options const & opt)
{
    std::string const where = set.source.empty() ? "training set" : set.source;
    if (set.seqs.size() < 2)
        throw user_error(where + ": training needs at least two sequences, got " + std::to_string(set.seqs.size()));
    for (auto const & s : set.seqs)
        if (s.dsq.empty())
            throw user_error(where + ": record '" + s.name + "' is empty");
    train_result res;
    std::vector<double> background = residue_composition(set);
    // k-mer similarities once (weighting.hpp): the weights and the central start's ranking.
    kmer_options kopt;
    kopt.identity = opt.weight_identity;
    kopt.exact_limit = opt.weight_exact_limit;
    bool const central = !opt.start_model && opt.seed_sequence.empty() && opt.length <= 0 && opt.central_start;
    std::optional<kmer_similarity> sim;
    if (opt.weighting || central)
    {
        auto const t0 = std::chrono::steady_clock::now();
        sim = kmer_similarities(set, kopt);
        res.weighting_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        res.weights_exact = sim->exact;
    }
    if (opt.weighting)
    {
        res.weights.resize(set.seqs.size());
        res.effective_sequences = 0;
        for (std::size_t i = 0; i < set.seqs.size(); ++i)
            res.effective_sequences += res.weights[i] = 1.0 / sim->neighbours[i];
    }
    else
    {
        res.weights.assign(set.seqs.size(), 1.0);
        res.effective_sequences = static_cast<double>(set.seqs.size());
    }
    if (opt.effective_number > 0)
    {
        double const scale = opt.effective_number / res.effective_sequences;
        for (auto & w : res.weights)
            w *= scale;
        res.effective_sequences = opt.effective_number;
    }

    // The start of each restart (see train.hpp, "Starts").
    int const K = seq::alphabet::get(set.type).K();
    int fixed_M = opt.length;
    seq::sequence const * fixed_seed = nullptr;
    std::vector<std::size_t> pool; // central mode: candidate seed sequences, most central first
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
        fixed_seed = &*it;
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
    hmm_prior const prior = make_prior(opt.prior, set.type);
    auto const tally = std::make_shared<logspace_tally>(set.seqs.size());
    // Restart 0: the most central sequence; restart r > 0: one drawn from the candidates.
    // Central mode: restart 0 from the most central sequence, restarts r > 0 random starts of the
    // same length (the objective, whose prior term grows with M, compares only models of one M).
    if (!pool.empty())
        fixed_M = static_cast<int>(set.seqs[pool.front()].dsq.size());
    auto seed_of = [&](int r) -> seq::sequence const * {
        if (pool.empty())
            return fixed_seed;
        return r == 0 ? &set.seqs[pool.front()] : nullptr;
    };

    em::options anneal;
    anneal.max_iter = opt.anneal_steps + 1; // one E-step before each of the anneal_steps M-steps, and the last
    anneal.rule = em::stop_rule::absolute;
    anneal.tol = 0; // never "converged": |ΔL| < 0 is false
    anneal.min_iter = anneal.max_iter;
    anneal.decrease_tol = std::numeric_limits<double>::infinity();
    anneal.threads = opt.threads;
    anneal.chunk_size = opt.chunk_size;
    em::options clean;
    clean.max_iter = opt.max_iter;
    clean.tol = opt.tol;
    clean.rule = em::stop_rule::relative;
    clean.threads = opt.threads;
    clean.chunk_size = opt.chunk_size;
    if (opt.float_estep)
        clean.decrease_tol = float_decrease_tol;
    if (uses_stepwise(set.seqs.size(), opt))
    {
        clean.stepwise = opt.stepwise;
        clean.stepwise.enabled = true;
        clean.stepwise.holdout = std::min(opt.stepwise.holdout, set.seqs.size() / 20);
    }
    em::options mean_phase = clean; // objective not monotone: no decrease check (train.hpp)
    mean_phase.max_iter = std::max(1, opt.mean_phase_iter);
    mean_phase.decrease_tol = std::numeric_limits<double>::infinity();

    // Entropy weighting (entropy_weight.hpp): one scale for every restart, from the E-step of
    // restart 0's start, so that the restarts' objectives stay comparable.
    bool const entropy = opt.entropy_weighting && !(opt.effective_number > 0) && !prior.none;
    std::vector<double> const hmmer_bg = hmmer_background(set.type);
    // A single E-step outside em::fit: a sequence out of every kernel's reach is a user error here.
    auto single_e_step = [&](hmm_training_model const & m, hmm_params const & p, hmm_counts & counts) {
        try
        {
            em::e_step(m, p, counts, clean);
        }
        catch (em::degenerate_error const & e)
        {
            throw user_error(where + ": " + e.what());
        }
    };
    auto entropy_pass = [&](hmm_training_model const & m, hmm_params const & p) {
        hmm_counts counts;
        single_e_step(m, p, counts);
        double const target = entropy_target(p.hmm.M, set.type, opt.re_target);
        return entropy_scale(counts, prior, p.hmm, hmmer_bg, target);
    };
    auto rescale = [&](double s) {
        for (auto & w : res.weights)
            w *= s;
        res.effective_sequences *= s;
        res.entropy_scales.push_back(s);
    };
    // Consensus of starts (train.hpp): short fits from the most central candidates, each aligns
    // the training set, and the candidate whose alignment the others support most becomes restart
    // 0's start sequence.
    std::size_t const n_candidates = std::min<std::size_t>(pool.size(), static_cast<std::size_t>(std::max(0, opt.consensus_starts)));
    if (n_candidates >= 3)
    {
        std::vector<digital_sequence> xs;
        for (auto const & sq : set.seqs)
            xs.emplace_back(sq.dsq.data(), sq.dsq.size());
        auto const & abc = seq::alphabet::get(set.type);
        std::vector<em::phase<hmm_training_model>> short_fit;
        em::options a = anneal, mp = mean_phase, c = clean;
        mp.max_iter = std::min(mp.max_iter, opt.consensus_iter);
        c.max_iter = std::min(c.max_iter, opt.consensus_iter);
        if (opt.anneal_steps > 0)
            short_fit.push_back({"annealing", a, [&opt](hmm_training_model & m) { m.set_annealing(opt.anneal_steps); },
                                 [](hmm_training_model & m) { m.set_annealing(0); }});
        if (opt.mean_phase_iter > 0 && !prior.none)
            short_fit.push_back({"posterior-mean phase", mp, [](hmm_training_model & m) { m.set_mean_estimator(true); },
                                 [](hmm_training_model & m) { m.set_mean_estimator(false); }});
        short_fit.push_back({"", c, {}, {}});
        std::vector<residue_columns> columns;
        std::vector<std::size_t> chosen_from;
        for (std::size_t ci = 0; ci < n_candidates; ++ci)
        {
            seq::sequence const & sq = set.seqs[pool[ci]];
            std::vector<double> w = res.weights;
            hmm_training_model m(set, static_cast<int>(sq.dsq.size()), prior, w, background, opt, &sq, 0);
            m.set_tally(tally);
            hmm_params p;
            rng gen{opt.seed, 0};
            try
            {
                m.initialize(gen, p);
                if (entropy)
                {
                    double const sc = entropy_pass(m, p);
                    for (auto & v : w)
                        v *= sc;
                    m = hmm_training_model(set, static_cast<int>(sq.dsq.size()), prior, w, background, opt, &sq, 0);
                    m.set_tally(tally);
                }
            }
            catch (std::exception const &) // em::degenerate_error, or user_error from the E-step: not a candidate
            {
                continue;
            }
            auto f = em::run_phases(m, std::move(p), short_fit);
            if (!f.ok())
                continue;
            profile const prof = make_profile(f.params.hmm, residue_sets_of(abc), alignment_profile_options());
            auto const traces = align_sequences(prof, xs, align_method::optimal_accuracy, opt.threads);
            residue_columns cols(xs.size());
            for (std::size_t s = 0; s < xs.size(); ++s)
            {
                cols[s].assign(xs[s].size(), 0);
                for (auto const & st : traces[s].path)
                    if (st.state == state_type::M && st.i >= 1)
                        cols[s][st.i - 1] = st.k;
            }
            columns.push_back(std::move(cols));
            chosen_from.push_back(ci);
        }
        if (columns.size() >= 3)
        {
            std::size_t const pick = chosen_from[consensus_medoid(columns)];
            std::rotate(pool.begin(), pool.begin() + static_cast<long>(pick), pool.begin() + static_cast<long>(pick) + 1);
            fixed_M = static_cast<int>(set.seqs[pool.front()].dsq.size());
            res.consensus_candidates = static_cast<int>(columns.size());
        }
    }
    if (entropy)
    {
        seq::sequence const * seed_seq = seed_of(0);
        hmm_training_model m0(set, seed_seq ? static_cast<int>(seed_seq->dsq.size()) : fixed_M, prior, res.weights,
                              background, opt, seed_seq, 0);
        m0.set_tally(tally);
        hmm_params p0;
        rng gen{opt.seed, 0};
        m0.initialize(gen, p0);
        rescale(entropy_pass(m0, p0));
    }

    // Each restart (train.hpp, "Starts"): annealing, posterior-mean phase, clean MAP-EM phase,
    // through em::run_phases; the best restart through em::best_of_restarts.
    res.anneal_iterations = std::max(0, opt.anneal_steps);
    int const n_restarts = std::max(1, opt.restarts);
    auto relay = [&opt](int phase) -> std::function<void(em::iteration_info const &)> {
        if (!opt.on_iteration)
            return {};
        return [&opt, phase](em::iteration_info const & it) { opt.on_iteration(phase, it); };
    };
    using training_phase = em::phase<hmm_training_model>;
    std::vector<training_phase> phases;
    if (opt.anneal_steps > 0)
    {
        anneal.on_iteration = relay(0);
        phases.push_back({"annealing", anneal, [&opt](hmm_training_model & m) { m.set_annealing(opt.anneal_steps); },
                          [](hmm_training_model & m) { m.set_annealing(0); }});
    }
    int mean_phase_index = -1;
    if (opt.mean_phase_iter > 0 && !prior.none)
    {
        mean_phase.on_iteration = relay(3);
        mean_phase_index = static_cast<int>(phases.size());
        phases.push_back({"posterior-mean phase", mean_phase,
                          [](hmm_training_model & m) { m.set_mean_estimator(true); },
                          [](hmm_training_model & m) { m.set_mean_estimator(false); }});
    }
    clean.on_iteration = relay(1);
    phases.push_back({"", clean, {}, {}});
    auto best = em::best_of_restarts(n_restarts, opt.seed, [&](int r, rng & gen) {
        seq::sequence const * seed_seq = seed_of(r);
        int const M = seed_seq ? static_cast<int>(seed_seq->dsq.size()) : fixed_M;
        res.start_sequences.push_back(seed_seq ? seed_seq->name : std::string{});
        hmm_training_model model(set, M, prior, res.weights, background, opt, seed_seq, r);
        model.set_tally(tally);
        hmm_params start;
        model.initialize(gen, start);
        return em::run_phases(model, std::move(start), phases, r, n_restarts);
    });
    res.restarts = std::move(best.restarts);
    res.decreases += best.decreases;
    if (!best.ok())
        throw user_error(where + ": profile HMM training failed in every restart: " + best.message);
    res.best_restart = best.best_restart;
    res.mean_iterations =
        mean_phase_index < 0 ? 0 : best.phase_iterations[static_cast<std::size_t>(mean_phase_index)];
    auto adopt = [&](auto && f) {
        res.hmm = std::move(f.params.hmm);
        em::take_run_outcome(res, f);
    };
    adopt(best);
    auto collect_tally = [&] {
        res.logspace_sequences.clear();
        res.logspace_e_steps = 0;
        for (std::size_t i = 0; i < tally->size(); ++i)
            if (auto const c = tally->count(i))
            {
                res.logspace_sequences.emplace_back(i, c);
                res.logspace_e_steps += c;
            }
    };

    // Entropy weighting, re-targeted on the trained model: refit when the scale moved by > 20%.
    // Both this and surgery work on the winner through a model whose restart-0 start is exactly
    // a given profile_hmm (train_options::start_model).
    auto model_from = [&](profile_hmm const & from, hmm_params & p) {
        train_options o = opt;
        o.start_model = from;
        auto m = std::make_unique<hmm_training_model>(set, from.M, prior, res.weights, background, o, nullptr, 0);
        m->set_tally(tally);
        rng unused{opt.seed, 0};
        m->initialize(unused, p); // restart 0: exactly `from`
        return m;
    };
    // A refit is one clean phase; its callback sees the surgery round (0: entropy refit) as restart.
    clean.on_iteration = relay(2);
    std::vector<training_phase> const refit{{"", clean, {}, {}}};
    auto refit_from = [&](profile_hmm const & from, int round) {
        hmm_params start;
        auto m = model_from(from, start);
        auto f = em::run_phases(*m, std::move(start), refit, round);
        res.decreases += f.decreases;
        return f;
    };
    for (int adjust = 0; entropy && adjust < 2; ++adjust)
    {
        hmm_params cur;
        auto m = model_from(res.hmm, cur);
        double const s1 = entropy_pass(*m, cur);
        if (std::abs(std::log(s1)) <= std::log(1.2))
            break;
        rescale(s1);
        auto f = refit_from(res.hmm, 0);
        if (!f.ok())
            throw user_error(where + ": refit after entropy weighting failed: " + f.message);
        adopt(f);
    }

    // Model surgery on the winning model (train.hpp, "Surgery").
    res.lengths.push_back(res.hmm.M);
    for (int round = 1; round <= opt.surgery_rounds; ++round)
    {
        hmm_params cur;
        auto before = model_from(res.hmm, cur);
        hmm_counts counts;
        single_e_step(*before, cur, counts);
        surgery_plan const plan = plan_surgery(counts, opt.surgery);
        surgery_round info;
        info.round = round;
        info.old_M = plan.old_M;
        info.new_M = plan.new_M;
        info.deleted = static_cast<int>(plan.deleted.size());
        for (auto const & ins : plan.inserted)
            info.inserted += ins.count;
        info.objective_before = res.objective;
        if (!plan.changes())
        {
            res.surgery.push_back(info);
            break;
        }
        auto f = refit_from(apply_surgery(res.hmm, plan), round);
        info.iterations = f.iterations;
        if (!f.ok())
        {
            info.message = f.message;
            res.surgery.push_back(info);
            break; // keep the model before this round
        }
        info.objective_after = f.objective;
        res.surgery.push_back(info);
        adopt(f);
        res.lengths.push_back(res.hmm.M);
    }
    collect_tally();
    return res;
}

} // namespace emtk::hmm
