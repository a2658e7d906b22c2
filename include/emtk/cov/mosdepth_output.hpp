#pragma once
/// \file
/// \brief mosdepth's summary and distribution files from `emtk cov`'s depths, so that tools that
/// read mosdepth's (MultiQC's mosdepth module) read emtk's.
///
/// Formats (those of mosdepth 0.3, `mosdepth -n --by W`, read from its source and checked against
/// its files on the same BAM by test/cli/cov_test.sh):
/// - PREFIX.mosdepth.summary.txt: a header `chrom length bases mean min max`, then per chromosome a
///   line over its bases and a line `CHROM_region` over its windows (a base once per window that
///   holds it), then `total` and `total_region`; `bases` is Σ depth, `mean` = bases / length with
///   2 decimals (printf's %.2f), min and max of the per-base depth (0 for an empty set).
/// - PREFIX.mosdepth.global.dist.txt (chromosome bases) and PREFIX.mosdepth.region.dist.txt
///   (window bases): per chromosome, then `total`, lines `NAME depth fraction` where fraction is the
///   share of bases with at least that depth, from the highest depth down to 0, 2 decimals; lines
///   before the fraction reaches 8e-5 are left out, as are depths above 300 that no base has.
///   The region distribution of fixed windows (-w) counts each window once, at its mean rounded
///   half up (mosdepth 0.3's rule; with --by BED it counts the windows' bases, as mosdepth does).
///   Negative depths (only mosdepth's mate-overlap shortcut makes them) are left out of the
///   distributions, as mosdepth leaves them out.
/// A chromosome with no record in the file gets no line (mosdepth's rule) and adds nothing to the
/// totals. With --region the chromosome's bases are those of the region.

#include <emtk/cov/depth.hpp>

#include <string>

namespace emtk::cov {

/// \brief The text of PREFIX.mosdepth.summary.txt for t (from a BAM/CRAM: t.chrom_bases filled).
[[nodiscard]] std::string mosdepth_summary(window_table const & t);

/// \brief The text of PREFIX.mosdepth.global.dist.txt (windows = false) or
/// PREFIX.mosdepth.region.dist.txt (windows = true).
[[nodiscard]] std::string mosdepth_distribution(window_table const & t, bool windows);

} // namespace emtk::cov
