#pragma once
/// \file
/// \brief `emtk cov`: its arguments, parsing (SeqAn3, cov_parsing.cpp) and the run (cov_command.cpp).

#include <cstdint>
#include <string>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// Defaults here are the documented ones.
struct cov_arguments
{
    std::string input;              ///< BAM/CRAM, or mosdepth's regions.bed(.gz) with --depth-bed
    std::string output;             ///< PREFIX
    std::string json;               ///< summary path (default PREFIX.json)
    std::string multiqc;            ///< MultiQC custom content (optional)
    bool depth_bed = false;         ///< the input is mosdepth's regions file
    std::uint32_t window = 1000;
    std::string by;                 ///< BED of windows
    std::string region;
    std::string chroms;             ///< comma-separated
    std::string exclude_chroms;     ///< regex
    std::uint32_t exclude_flags = 1796;
    std::uint32_t include_flags = 0;
    int mapq = 0;
    bool fast_mode = false;
    std::string reference;
    std::string fasta;              ///< -f/--fasta: mosdepth's name of --reference
    bool no_gc = false;
    double read_length = 150;       ///< --depth-bed: read length for the count scale
    std::string family = "nb";
    int max_cn = 6;
    int ploidy = 2;
    double cn0_mean = 0.05;
    bool free = false;
    bool segment = false;
    int restarts = 1;
    int max_iter = 500;
    double tol = 1e-8;
    std::uint64_t seed = 1;
    int threads = 1;
    bool quiet = false;
    bool verbose = false;
};

void cov_declare(seqan3::argument_parser & parser, cov_arguments & args);
/// \throws user_error / usage_error.
void cov_run(cov_arguments const & args);

} // namespace emtk::cli
