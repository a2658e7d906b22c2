#pragma once
/// \file
/// \brief Imputation of the missing genotypes of one block of sites (a chromosome): overlapping
/// windows of markers, EM fits with several random starts, posteriors averaged over the starts,
/// windows stitched.
///
/// Windows. A block of M sites is cut into windows of `window` markers that overlap by `overlap`
/// markers (the last window ends at the last marker). Each window is fitted on its own (em::fit
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
/// and per thread one forward table (W × K² doubles).

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
struct impute_options
{
    impute_method method = impute_method::hapcluster;
    hapcluster_options model;     ///< K, clamps
    int restarts = 2;             ///< random starts per window; posteriors averaged over them
    std::size_t window = 2000;    ///< markers per window
    std::size_t overlap = 200;    ///< markers shared by consecutive windows (< window)
    /// EM driver settings (max_iter, tol, rule, seed, threads, chunk_size). restarts is ignored:
    /// impute_block runs the starts itself to average their posteriors.
    em::options em = [] {
        em::options o;
        o.max_iter = 30;
        o.min_iter = 2;
        o.tol = 1e-5;
        o.rule = em::stop_rule::relative;
        o.chunk_size = 8;
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
