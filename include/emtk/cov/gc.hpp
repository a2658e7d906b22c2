#pragma once
/// \file
/// \brief GC content of windows and GC correction of their depths.
///
/// Correction (binned median ratio, in the spirit of CNVnator's and cn.MOPS's GC adjustment):
/// windows are binned by GC fraction in 1% bins; each bin's median depth over windows with
/// positive depth is compared with the median of all such windows, and a window's depth is
/// multiplied by median_all / median_bin. A bin with fewer than `min_windows` windows borrows the
/// median of the nearest bins that together hold that many (a running median over neighbouring
/// bins: a crude LOESS). Windows with unknown GC (fewer than half their bases A/C/G/T) are left
/// unchanged. Factors are clamped to [0.25, 4] so a sparse extreme bin cannot blow a window up.

#include <cstdint>
#include <string>
#include <vector>

namespace emtk::cov {

struct window_table;

/// \brief GC fraction of every window from an indexed FASTA (NaN when fewer than half of the
/// window's bases are A/C/G/T).
/// \throws user_error: FASTA or .fai missing, a chromosome absent from the FASTA.
[[nodiscard]] std::vector<double> window_gc(std::string const & fasta, window_table const & t);

struct gc_summary
{
    std::size_t corrected = 0;        ///< windows whose depth was scaled
    double min_factor = 1, max_factor = 1;
};

/// \brief Scales `depth` in place as described above.
gc_summary gc_correct(std::vector<double> & depth, std::vector<double> const & gc, std::size_t min_windows = 50);

} // namespace emtk::cov
