#pragma once
/// \file
/// \brief Imputation of the missing genotypes of one block of sites (a chromosome): overlapping
/// windows of markers, EM fits with several random starts, posteriors averaged over the starts,
/// windows stitched.
///
/// Windows. A block of M sites is cut into the fewest windows of at most `window` markers that
/// overlap by at least `overlap` markers; all have the same length and their starts are spread
/// evenly from the first marker to the last (no redundant last window: on 5,866 markers with
/// window 2000 / overlap 200, 4 windows of 1,617 markers instead of 4 of 2,000). Each window is fitted on its own (em::fit
/// over the samples). Every marker takes its result from the window in which it is most central
/// (the largest distance to the window's nearer end; ties to the earlier window), so a marker is
/// never imputed from a window edge when a window with more context on both sides exists.
///
/// Starts. Each window is fitted `restarts` times from random starts (start r of window w of block
/// b uses rng{seed, b}.split(w).split(r)); the genotype posteriors of the missing genotypes are the
/// average over the starts (as fastPHASE averages over its random starts), not the best start's.
///
/// Determinism: fixed-order reductions in em::fit, posteriors written per sample into their own
/// slots, starts summed in start order: the result is identical for any thread count.
///
/// Memory, per block: the genotype matrix (M × N bytes, referenced), the result (3 floats per
/// missing genotype), per window a sample-major copy (W × N bytes) and a slot map (W × N × 4 bytes),
/// and per thread one forward table (W × K × Kp floats, Kp = K rounded up to 4).

#include <emtk/em/options.hpp>
#include <emtk/geno/hapcluster.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief Which model fills the missing genotypes.
enum class impute_method
{
    hapcluster, ///< fastPHASE haplotype-cluster HMM (hapcluster.hpp)
    hwe         ///< per-site allele frequency, Hardy-Weinberg proportions (hwe.hpp)
};

/// \brief Options of impute_block. Defaults are documented here and nowhere else.
///
/// Defaults (K = 20, 2 starts from the data, 15 EM iterations each) were chosen on a fixed tuning
/// set (scripts/impute_simulate.sh OUT 1000 500000 4e-4 0.05 11: 500 samples, 1,486 sites, 5%
/// masked; discordance / dosage r² at the masked genotypes; CPU = user seconds, 1 thread, on a
/// loaded 2-core machine, so ±20%):
///
///     K   starts x iterations   start     CPU s   discordance   r²
///     12   2 x 30               uniform    35     1.40%         0.965   (previous defaults)
///     12   6 x 10               uniform    26     1.87%         0.953
///     12   2 x 30               data       43     1.15%         0.971
///     12   6 x 10               data       24     1.21%         0.970
///     12   8 x 8                data       21     1.31%         0.967
///     16   4 x 10               data       22     1.06%         0.973
///     16   4 x 15               data       34     0.97%         0.975
///     20   3 x 10               data       24     0.91%         0.977
///     20   2 x 15               data       28     0.85%         0.978   (defaults)
///     24   2 x 10               data       25     0.89%         0.977
///     28   2 x 8                data       28     0.85%         0.978
///     32   1 x 12               data       25     0.93%         0.978
///
/// Starting θ from the data (hapcluster_options::data_start) is the largest gain; then K matters
/// more than the number of starts averaged (fastPHASE's 20 starts x 25 iterations would cost ~10x
/// for little: 6 averaged starts at K = 12 do not reach one start at K = 20). theta_min 0.01
/// instead of 0.001 changed nothing (1.39% vs 1.40% at K = 12).
struct impute_options
{
    impute_method method = impute_method::hapcluster;
    hapcluster_options model = [] {
        hapcluster_options o;
        o.clusters = 20;
        return o;
    }();                          ///< K, clamps, precision, data start
    int restarts = 2;             ///< random starts per window; posteriors averaged over them
    std::size_t window = 2000;    ///< markers per window
    std::size_t overlap = 200;    ///< markers shared by consecutive windows (< window)
    /// EM driver settings (max_iter, tol, rule, seed, threads, chunk_size). restarts is ignored:
    /// impute_block runs the starts itself to average their posteriors.
    em::options em = [] {
        em::options o;
        o.max_iter = 15;
        o.min_iter = 2;
        o.tol = 1e-5;
        o.rule = em::stop_rule::relative;
        o.chunk_size = 8;
        // The single-precision E-step (hapcluster_options::single_precision) carries ~1e-8 relative
        // round-off in the objective: only decreases beyond 1e-7 relative are reported (windows
        // under 1e6 pair cells run in double: impute.cpp).
        o.decrease_tol = 1e-7;
        return o;
    }();
};

/// \brief The genotypes of one block, site-major: g[m * n_samples + i] ∈ {-1, 0, 1, 2}.
struct genotype_matrix
{
    std::size_t n_sites = 0;
    std::size_t n_samples = 0;
    std::vector<std::int8_t> g;
};

/// \brief One EM run (start) of one window.
struct start_summary
{
    double objective = 0;
    int iterations = 0;
    std::string stop_reason;
    int decreases = 0;
};

/// \brief What happened in one window.
struct window_summary
{
    std::size_t first = 0, end = 0;             ///< marker range [first, end) in the block
    std::size_t core_first = 0, core_end = 0;   ///< markers whose results come from this window
    std::vector<start_summary> starts;
    std::vector<double> trace;                  ///< objective trace of the first start
};

/// \brief The imputed posteriors of one block.
struct impute_result
{
    /// P(g = 0, 1, 2) of every missing genotype, 3 floats each, in site-major order (site by
    /// site, samples in order within a site).
    std::vector<float> gp;
    std::size_t missing = 0;
    std::vector<window_summary> windows;
};

/// \brief Fills the missing genotypes of `g` (see the file comment).
/// \param block    the block's index, for the random streams (rng{seed, block})
/// \param progress called after each fitted start as (done, total) starts; may be empty
/// \throws user_error if a window's fit fails (every start diverged)
[[nodiscard]] impute_result impute_block(genotype_matrix const & g, impute_options const & opt, std::uint64_t block,
                                         std::function<void(std::size_t, std::size_t)> const & progress = {});

/// \brief The windows [first, end) of a block of n markers (also the stitching cores).
[[nodiscard]] std::vector<window_summary> plan_windows(std::size_t n, std::size_t window, std::size_t overlap);

} // namespace emtk::geno
