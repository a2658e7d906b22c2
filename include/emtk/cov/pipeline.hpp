#pragma once
/// \file
/// \brief `emtk cov`'s pipeline as one library call: depth in windows (BAM/CRAM or mosdepth's
/// regions file) → optional GC correction → copy-number mixture (tied, or untied with K chosen by
/// BIC) → optional HMM segmentation → segments. A front end fills run_options, calls run() and
/// writes the result (write_windows(), write_segments(), coverage_svg(), mosdepth_output.hpp).
///
/// Stages (one file each): bam_depth.cpp / depth_bed.cpp (depth), gc.cpp, cn_model.cpp (tied
/// mixture, states, calls), mix::select_by_bic (untied mixture), cn_hmm.cpp (segmentation).

#include <emtk/cov/cn_model.hpp>
#include <emtk/cov/depth.hpp>
#include <emtk/cov/gc.hpp>
#include <emtk/cov/segment.hpp>
#include <emtk/em/options.hpp>
#include <emtk/mix/mixture.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace emtk::cov {

class indexed_bed_output;

/// \brief Everything run() needs. Defaults are the documented ones (and `emtk cov`'s).
struct run_options
{
    std::string input;          ///< coordinate-sorted BAM/CRAM, or mosdepth's regions.bed(.gz) with depth_bed
    bool depth_bed = false;     ///< the input is mosdepth's regions file (its last column is the depth)
    depth_options depth;        ///< windows, filters, region, reference (CRAM; GC correction), threads
    bool gc_correction = true;  ///< with depth.reference: GC-correct the depths the states are fitted to
    /// Read length that turns depths into read counts (cn_options::count_scale = window length /
    /// read length) for depth_bed input; BAM/CRAM input uses the mean aligned span of the reads
    /// and falls back to this when there is none.
    double read_length = 150;
    /// The tied mixture: family, max_cn, ploidy, cn0_mean and the EM options (em.max_iter,
    /// em.tol, em.restarts, em.seed, em.threads). count_scale is set by run().
    cn_options cn = [] {
        cn_options o;
        o.em.max_iter = 500;
        o.em.tol = 1e-8;
        o.em.final_m_step = true;
        return o;
    }();
    /// Untied mixture (mix::select_by_bic over K = 1 … min(max_cn + 1, distinct values)) instead
    /// of the tied one for the calls; the tied fit is still made (it sets the haploid depth).
    bool free = false;
    int free_min_restarts = 3;          ///< the untied fits use max(this, cn.em.restarts) starts
    std::size_t free_chunk_size = 4096; ///< em::options::chunk_size of the untied fits
    bool segment = false;               ///< HMM segmentation (cn_hmm.cpp) of the calls
    /// Called after every EM iteration of every fit (progress reports); may be empty.
    std::function<void(em::iteration_info const &)> on_iteration;
};

/// \brief Checks the options before any work.
/// \throws option_error naming the field (window, region, cn0_mean, tol, max_iter, restarts,
///         read_length, ploidy/max_cn).
void validate(run_options const & opt);

/// \brief What run() computed.
struct run_result
{
    window_table windows;              ///< depth per window, read counts
    std::vector<double> model_depth;   ///< the depths the states were fitted to (GC-corrected when gc_applied)
    bool gc_applied = false;
    gc_summary gc;
    double window_length = 0;          ///< median window length, bp
    double count_scale = 1;            ///< cn_options::count_scale used (count families)
    cn_values values;
    cn_mixture_fit tied;               ///< the tied mixture (always fitted)
    mix::selection free_fits;          ///< the untied mixtures by K (run_options::free; empty otherwise)
    cn_states states;                  ///< the states the calls come from (tied or untied)
    std::vector<int> cn;               ///< per window: copy number (mixture call, or HMM Viterbi path)
    std::vector<double> posterior;     ///< per window: posterior of that copy number
    hmm_fit hmm;                       ///< run_options::segment only
    std::vector<std::size_t> chrom_offsets; ///< first window of each chromosome, then the window count
    std::vector<cn_segment> segments;
    std::vector<std::uint64_t> windows_per_cn; ///< CN 0 … max_cn
    double depth_seconds = 0, fit_seconds = 0, hmm_seconds = 0;
};

/// \brief Runs the pipeline (validate() first).
/// \throws user_error for unreadable or unusable input (the message names the file), option_input_error
///         when no record passes the filters, user_error when a fit fails.
[[nodiscard]] run_result run(run_options const & opt);

/// \brief Writes the windows table (header "#chrom start end depth cn posterior"; depth with 2
/// decimals, posterior with 4) to `out` and finishes it (bgzip + tabix index; commit() is the caller's).
void write_windows(indexed_bed_output & out, run_result const & r);

/// \brief Writes the segments table (header "#chrom start end cn windows mean_depth quality").
void write_segments(std::ostream & out, run_result const & r);

/// \brief The coverage plot of a run (plot.hpp) titled "NAME: depth in W bp windows, coloured by
/// copy number" with NAME the file name of `input`.
[[nodiscard]] std::string run_svg(run_result const & r, std::string const & input);

} // namespace emtk::cov
