#pragma once
/// \file
/// \brief `emtk impute` (issue 6): its arguments, declared on the SeqAn3 sub-parser in
/// impute_parsing.cpp and run by impute_command.cpp.

#include <emtk/geno/haploid.hpp>
#include <emtk/geno/ref_impute.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace seqan3 {
class argument_parser;
}

namespace emtk::cli {

/// `emtk impute` arguments. Defaults here are the documented ones (geno/impute.hpp explains them).
struct impute_arguments
{
    std::string input;            ///< VCF / VCF.gz / BCF; "-" = stdin
    std::string output;           ///< output VCF/BCF; "-" = stdout
    std::string json;             ///< run summary (optional)
    std::string multiqc;          ///< MultiQC custom content (optional)
    std::string region;           ///< --region CHR[:FROM-TO] (indexed input)
    std::string method = "hapcluster";
    int clusters = 12;            ///< -K
    int restarts = 1;
    int max_iter = 10;
    double tol = 1e-5;
    int window = 2000;
    int overlap = 200;
    double theta_min = 0.001;
    int refine = 5;               ///< template rounds after the fastPHASE fit (0: pure fastPHASE)
    int templates = 40;           ///< templates per sample and refinement window
    int refine_window = 1000;
    int refine_overlap = 200;
    int refine_average = 3;       ///< posteriors averaged over the last rounds
    int template_block = 0;       ///< markers per composite-template block (multiple of 64; 0 = whole window)
    // Haploid stage (geno/haploid.hpp; defaults from the library's haploid_options).
    int haploid_states = static_cast<int>(geno::haploid_options{}.states);  ///< 0: no haploid stage
    int haploid_block = static_cast<int>(geno::haploid_options{}.block);
    int haploid_switch_passes = geno::haploid_options{}.switch_passes;
    int haploid_switch_states = static_cast<int>(geno::haploid_options{}.switch_states);
    double haploid_weight = geno::haploid_options{}.weight;
    std::string haploid_blend =             ///< --haploid-blend linear|geometric (haploid_options::blend)
        geno::haploid_options{}.blend == geno::haploid_blend::geometric ? "geometric" : "linear";
    double haploid_jump_scale = geno::haploid_options{}.jump_scale;
    int haploid_passes = geno::haploid_options{}.passes;
    int haploid_average = geno::haploid_options{}.average;
    int haploid_flips = geno::haploid_options{}.het_flips ? 1 : 0;
    int refine_flips = 0;         ///< --refine-flips (impute_options::refine_flips, default off)
    int haploid_pbwt = static_cast<int>(geno::haploid_options{}.pbwt);
    int haploid_iterations = geno::haploid_options{}.iterations;
    std::uint64_t seed = 1;
    int threads = 1;
    bool quiet = false;
    bool verbose = false;
    // Reference-panel imputation (issue 20; geno/ref_impute.hpp explains the defaults).
    std::string ref;              ///< --ref: phased, indexed panel ("" = within-study imputation)
    std::string map;              ///< --map: PLINK genetic map
    double cm_per_mb = 1.0;       ///< rate without --map
    double ne = 100000;           ///< --ne
    bool fit_ne = geno::ref_impute_options{}.fit_ne; ///< --fit-ne
    bool edge_context = geno::ref_impute_options{}.edge_context; ///< --edge-context
    double end_scale = geno::ref_impute_options{}.end_scale;     ///< --end-scale
    double viterbi_end_scale = geno::ref_impute_options{}.viterbi_end_scale; ///< --viterbi-end-scale
    int ref_states = 400;         ///< --ref-states (haploid states per block)
    int phase_states = 64;        ///< --phase-states (diploid stage)
    int phase_rounds = 2;         ///< --phase-rounds
    int ref_block = 48;           ///< --ref-block (typed markers per state block)
    int ref_window = 40000;       ///< --ref-window (panel markers)
    int ref_overlap = 4000;       ///< --ref-overlap
    double ref_error = 1e-3;      ///< --ref-error (start of the EM for the mismatch rate)
    bool ref_fixed_error = false; ///< --ref-fixed-error
    int switch_passes = geno::ref_impute_options{}.switch_passes;                 ///< --switch-passes
    int switch_states = static_cast<int>(geno::ref_impute_options{}.switch_states); ///< --switch-states
    int ref_pbwt = static_cast<int>(geno::ref_impute_options{}.pbwt);                 ///< --ref-pbwt
    bool shift_blocks = geno::ref_impute_options{}.shift_blocks;                   ///< --shift-blocks
    int impute_offsets = static_cast<int>(geno::ref_impute_options{}.impute_offsets); ///< --impute-offsets
    int het_flips = static_cast<int>(geno::ref_impute_options{}.het_flips);       ///< --het-flips
    double phase_mix = geno::ref_impute_options{}.phase_mix;                      ///< --phase-mix
    double phase_mix_margin = geno::ref_impute_options{}.phase_mix_margin;        ///< --phase-mix-margin
    bool phase_mix_soft = geno::ref_impute_options{}.phase_mix_soft;              ///< --phase-mix-soft
    std::size_t phase_mix_runs = geno::ref_impute_options{}.phase_mix_runs;       ///< --phase-mix-runs
    std::size_t phase_mix_offsets = geno::ref_impute_options{}.phase_mix_offsets; ///< --phase-mix-offsets
    bool phase_mix_redraw = geno::ref_impute_options{}.phase_mix_redraw;          ///< --phase-mix-redraw
    bool no_study_templates = false;                                                ///< --no-study-templates
    double min_posterior = static_cast<double>(geno::ref_impute_options{}.min_posterior); ///< --min-posterior
};

/// Declares the options on the `emtk impute` sub-parser.
void impute_declare(seqan3::argument_parser & parser, impute_arguments & args);
/// Runs `emtk impute`. \throws user_error / usage_error.
void impute_run(impute_arguments const & args);
/// The "##emtk_imputeVersion" and "##emtk_imputeCommand" header lines of the outputs.
[[nodiscard]] std::vector<std::string> impute_header_lines();
/// Runs `emtk impute --ref` (impute_ref_command.cpp). \throws user_error / usage_error.
void impute_ref_run(impute_arguments const & args);

} // namespace emtk::cli
