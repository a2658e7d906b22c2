#pragma once
/// \file
/// \brief Options and results of the EM driver em::fit (see fit.hpp).

#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace emtk::em {

/// \brief When to declare convergence, from the objective trace L_1, L_2, … (L = log-likelihood +
/// log prior, the quantity EM never decreases).
enum class stop_rule
{
    absolute, ///< |L_t - L_{t-1}| < tol
    relative, ///< |L_t - L_{t-1}| < tol * max(1, |L_t|)
    aitken    ///< Aitken's extrapolated limit: |L_inf - L_t| < tol, with a_t = (L_t - L_{t-1}) /
              ///< (L_{t-1} - L_{t-2}) and L_inf = L_{t-1} + (L_t - L_{t-1}) / (1 - a_t)
              ///< (Böhning et al. 1994; McNicholas et al. 2010). Needs 0 <= a_t < 1.
};

/// \brief Why a run stopped.
enum class stop_reason
{
    converged,  ///< the stop rule held (after min_iter iterations)
    max_iter,   ///< max_iter iterations without convergence
    diverged,   ///< the objective became NaN or +-infinity
    degenerate, ///< the model reported a degenerate state (e.g. a collapsed mixture component)
    screened    ///< restart screening (options::screen_iterations) stopped it: another restart had
                ///< the better objective after the screening iterations
};

/// \brief Batch EM, stepwise EM, or chosen by the tool from the size of its data (each tool states
/// its threshold).
enum class em_mode
{
    automatic, ///< stepwise from the tool's size threshold on, batch below it
    batch,     ///< every iteration an E-step over all items
    stepwise   ///< mini-batch EM (stepwise_options, stepwise.hpp)
};

[[nodiscard]] char const * to_string(stop_rule r) noexcept;
/// \brief "auto" | "batch" | "stepwise".
[[nodiscard]] char const * to_string(em_mode m) noexcept;
/// \brief "auto"; "batch" or "off"; "stepwise" or "on". False if unknown.
[[nodiscard]] bool parse_em_mode(std::string const & s, em_mode & out) noexcept;
[[nodiscard]] char const * to_string(stop_reason r) noexcept;
/// \brief "absolute" | "relative" | "aitken"; false if unknown.
[[nodiscard]] bool parse_stop_rule(std::string const & s, stop_rule & out) noexcept;

/// \brief What the per-iteration callback sees.
struct iteration_info
{
    int restart = 0;       ///< 0-based restart index
    int restarts = 1;      ///< number of restarts in this fit
    int iteration = 0;     ///< 1-based iteration (index into the trace)
    double objective = 0;  ///< L_t
    double change = 0;     ///< L_t - L_{t-1} (0 for the first iteration)
    bool accelerated = false; ///< this point came from a SQUAREM extrapolation
};

/// \brief Stepwise (mini-batch) EM, for data sets too large for a full E-step per iteration
/// (Cappé & Moulines 2009, JRSS B 71:593; Liang & Klein 2009, "Online EM for unsupervised
/// models", NAACL). See stepwise.hpp for the algorithm. Defaults are documented here only.
struct stepwise_options
{
    bool enabled = false;          ///< off: batch EM (every iteration an E-step over all items)
    std::size_t batch_size = 1000; ///< items per mini-batch (the last batch of a pass may be smaller)
    /// Step size η_k = (k + 2)^(-alpha) for the k-th mini-batch update (k = 0, 1, … over all
    /// passes); 0.5 < alpha ≤ 1 is the range in which stepwise EM converges (Cappé & Moulines).
    double alpha = 0.7;
    int max_passes = 20;           ///< at most this many passes over the items
    /// Stop when a pass changes the pass objective by less than tol × max(1, |L|), signed: a pass
    /// that lowers it stops too (stepwise.hpp, "Convergence"); 0 = every pass runs. The objective of
    /// a pass is evaluated once, after it (see `holdout`).
    double tol = 1e-6;
    /// Items of one shuffled block: mini-batches are drawn as blocks of consecutive items in a
    /// seeded random order (0 = max(1, batch_size / 32), so a batch has ≥ 32 random blocks).
    std::size_t block = 0;
    /// 0: the pass objective is the full-data objective (one extra E-step over all items per pass).
    /// > 0: about this many items (whole blocks, drawn once from the seed, the same for every
    /// restart) are held out of the mini-batches and the pass objective is their log-likelihood
    /// scaled to the number of items, plus the log prior: an estimate, cheaper on big data.
    std::size_t holdout = 0;
    int polish = 0;                ///< batch EM iterations after the passes (monotone; 0 = none)
};

/// \brief Options of em::fit. Defaults are documented here and nowhere else.
struct options
{
    /// At most this many iterations (objective evaluations kept in the trace); with stepwise EM
    /// a pass is one, and the polish iterations after the passes count too.
    int max_iter = 1000;
    int min_iter = 2;            ///< never stop as converged before this many iterations
    double tol = 1e-8;           ///< tolerance of the stop rule
    stop_rule rule = stop_rule::relative;
    int restarts = 1;            ///< random starts; the best final objective wins
    /// Restart screening (0 = off: every restart runs to its stop). With restarts > 1 and batch
    /// EM, every restart first runs at most this many iterations (trace entries); the one with
    /// the highest objective then (ties: the lowest index; restarts that already stopped count
    /// with their final objective) alone runs on to its stop, exactly as it would have run
    /// uninterrupted (fit.hpp, "Restart screening"). The others end with stop_reason::screened.
    /// An approximation of "the best final objective wins": a start that is behind after the
    /// screening iterations but would have overtaken later is lost. Deterministic, the same for
    /// any thread count. Ignored by stepwise EM.
    int screen_iterations = 0;
    std::uint64_t seed = 1;      ///< restart r uses rng{seed, r}
    int threads = 1;             ///< OpenMP threads for the E-step (0 = OpenMP's default)
    bool accelerate = false;     ///< SQUAREM (Varadhan & Roland 2008), for models with a vector form
    /// Items per chunk of the E-step. The merge order of chunk statistics is fixed by this number,
    /// never by the thread count, so results are byte-identical for any `threads`.
    std::size_t chunk_size = 1024;
    /// A decrease L_{t-1} - L_t larger than this times max(1, |L_t|) is reported as a decrease
    /// (EM never decreases the objective; round-off in a sum of n terms is ~1e-16 * n relative).
    double decrease_tol = 1e-9;
    /// After convergence, apply the M-step of the last E-step once more and evaluate it (one more
    /// E-step, one more trace entry): the returned parameters are then the best found, not the
    /// ones whose change triggered the stop (EM never makes that step worse). Off by default so the
    /// trace ends exactly where the stop rule held; `emtk mix` turns it on.
    bool final_m_step = false;
    /// Stepwise (mini-batch) EM instead of batch EM (models satisfying em::stepwise_model).
    stepwise_options stepwise;
    /// Called after every iteration (progress bars, traces). May be empty.
    std::function<void(iteration_info const &)> on_iteration;
};

/// \brief Checks the options a front end sets: max_iter >= 1, tol > 0, restarts >= 1, threads >= 1,
/// screen_iterations >= 0.
/// \throws option_error naming the field (util/error.hpp), e.g. "max_iter must be at least 1".
void check_options(options const & o);


/// \brief One restart's outcome.
struct restart_summary
{
    int restart = 0;
    double objective = -std::numeric_limits<double>::infinity();
    int iterations = 0;
    stop_reason reason = stop_reason::max_iter;
    std::string message; ///< for degenerate/diverged: what happened
};

/// \brief What a stepwise run did (fit_result::stepwise; all zero for batch EM).
struct stepwise_summary
{
    bool used = false;             ///< the best restart ran stepwise EM
    int passes = 0;                ///< passes over the items
    std::size_t updates = 0;       ///< mini-batch M-steps
    std::size_t batch_size = 0;    ///< items per mini-batch
    double alpha = 0;              ///< step-size exponent
    std::size_t held_out = 0;      ///< items held out for the pass objective (0: full-pass objective)
    bool converged = false;        ///< the pass objective met stepwise_options::tol
    int polish_iterations = 0;     ///< batch EM iterations after the passes
    std::vector<double> pass_objective; ///< the objective after each pass
};

/// \brief Result of em::fit: the winning restart's parameters and trace, and every restart's summary.
template <typename Params>
struct fit_result
{
    Params params{};                 ///< parameters at the last evaluated objective of the best restart
    double objective = -std::numeric_limits<double>::infinity(); ///< trace.back()
    double log_likelihood = -std::numeric_limits<double>::infinity(); ///< objective - log prior
    std::vector<double> trace;       ///< objective after each iteration, best restart
    int iterations = 0;              ///< trace.size()
    int e_steps = 0;                 ///< E-steps evaluated in the best restart (> iterations with SQUAREM)
    stop_reason reason = stop_reason::max_iter;
    std::string message;             ///< explanation when no restart succeeded
    int best_restart = -1;           ///< index of the winning restart (-1: none succeeded)
    std::vector<restart_summary> restarts;
    int decreases = 0;               ///< objective decreases beyond round-off, all restarts (should be 0)
    double largest_decrease = 0;     ///< the largest such decrease
    stepwise_summary stepwise;       ///< filled when options.stepwise.enabled
    [[nodiscard]] bool ok() const noexcept { return best_restart >= 0; }
};

/// \brief Thrown by a model's initialize/maximize when the state is degenerate (e.g. a mixture
/// component lost all its points). em::fit ends that restart with stop_reason::degenerate.
class degenerate_error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace emtk::em
