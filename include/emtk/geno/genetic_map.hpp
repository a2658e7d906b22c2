#pragma once
/// \file
/// \brief Genetic map for reference-panel imputation (`emtk impute --map`, issue 20).
///
/// Format: PLINK .map, one marker a line, whitespace-separated `chrom id cM bp` (Beagle's map=
/// format). Lines starting with '#' and empty lines are skipped. Within a contig the lines must be
/// sorted by bp (strictly increasing) and cM must not decrease.
///
/// Interpolation: between two map positions, cM is linear in bp. Outside the map's first and last
/// position of a contig, cM is extrapolated with a constant rate: the contig's mean rate
/// (cM(last) − cM(first)) / (bp(last) − bp(first)), or `fallback_cm_per_mb` when the contig has
/// one map line or a zero span. Without a map (genetic_map::constant) every position gets
/// bp × rate / 1e6. Contig names match with or without a leading "chr".

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace emtk::geno {

class genetic_map
{
public:
    /// \brief A map with a constant rate on every contig (cM = bp × cm_per_mb / 1e6).
    [[nodiscard]] static genetic_map constant(double cm_per_mb);
    /// \brief Reads a PLINK map. \throws user_error naming the file and line on a bad line.
    [[nodiscard]] static genetic_map read(std::string const & path, double fallback_cm_per_mb = 1.0);

    /// \brief Whether the map has this contig (with or without "chr"); a constant map has every contig.
    [[nodiscard]] bool has_contig(std::string const & contig) const;
    /// \brief cM positions of `bp` (1-based positions, any order) on `contig`.
    /// \throws user_error when a read map has no line for the contig
    [[nodiscard]] std::vector<double> positions_cm(std::string const & contig, std::span<std::int64_t const> bp) const;
    /// \brief One position (see positions_cm).
    [[nodiscard]] double position_cm(std::string const & contig, std::int64_t bp) const;

private:
    struct contig_map
    {
        std::vector<std::int64_t> bp;
        std::vector<double> cm;
    };
    contig_map const * find(std::string const & contig) const;
    std::string path_;
    double rate_ = 1.0; ///< cM per Mb: the constant map's rate, or a read map's fallback
    bool constant_ = true;
    std::map<std::string, contig_map> contigs_;
};

} // namespace emtk::geno
