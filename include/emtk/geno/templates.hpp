#pragma once
/// \file
/// \brief The refinement stage of `emtk impute`: the diploid haplotype-cluster HMM of
/// hapcluster.hpp with the samples' own (phased) haplotypes as clusters — the diploid
/// Li–Stephens model of IMPUTE2 (Howie, Donnelly & Marchini 2009, PLoS Genet 5:e1000529) and
/// MaCH (Li et al. 2010, Genet Epidemiol 34:816) — fitted by EM through em::fit.
///
/// Model. Within a refinement window of L markers, sample i's two haplotypes are mosaics of S
/// template haplotypes chosen among the 2(N-1) current haplotypes of the other samples (the
/// "panel", phased by the previous stage: haplotype_draw in hapcluster.hpp). It is the
/// hapcluster HMM with K = S clusters whose allele frequencies are fixed by the templates:
/// θ_{mk} = 1 - ε where template k carries ALT at m, ε where it carries REF; α_{mk} = 1/S; the
/// jump probabilities ρ_m are shared by all samples. So the O(S²) factorised single-precision
/// kernel of hapcluster.cpp (with its double fallback) does the work; nothing is approximated
/// beyond it.
///
/// Templates. A template set is the S haplotypes nearest in Hamming distance (bit-packed,
/// popcount) to the sample's two current haplotypes, taken alternately from the two nearest-first
/// lists (ties: lower haplotype index), skipping a haplotype identical over the compared markers
/// to one already taken (identical templates add states, not information; when fewer than S are
/// distinct, the nearest duplicates fill the set). Composite templates (as Beagle 4.1/5 builds
/// its composite reference haplotypes, Browning, Zhou & Browning 2018 AJHG 103:338): the window
/// is cut into blocks of template_block markers, each block gets the set nearest over the block
/// and half a block on either side, and template slot k keeps its haplotype from block to block
/// while that haplotype stays in the set (a freed slot takes the next new one). θ of slot k
/// follows its haplotype: the HMM is unchanged, only θ_{mk} varies by block. So S states follow
/// local matches over the whole window.
///
/// EM (the "EM-fitted" contract). Parameters: ε and ρ_m (m over the stage-1 window). Items are
/// (sample, refinement window) pairs; the objective is Σ_items log p(g_item | templates, ε, ρ), a
/// composite log-likelihood when refinement windows overlap. Expected statistics from the same
/// forward-backward as hapcluster_model: mismatches = Σ_k E[ALT chains in k] for REF templates
/// + E[REF chains in k] for ALT templates, observed chains, and expected jumps per marker. M-step
/// (exact maximiser of the expected complete-data log-likelihood, as in hapcluster_maximize):
/// ε = mismatches / chains clamped to [error_min, error_max], ρ_m = jumps_m / chains covering m
/// clamped to [jump_min, jump_max]. The templates are fixed during one em::fit; between rounds
/// they are chosen again from the new draws (a generalised EM, as Beagle and MaCH iterate).
///
/// Outputs as side effects of the E-step: each E-step writes, per item, the genotype posteriors
/// of its missing genotypes inside its window's core and a posterior draw of its two haplotypes
/// into the item's own slots; em::fit ends on an E-step, so after the fit they are those of the
/// returned parameters. Every slot has one writer: results do not depend on the thread count.
/// Draws of overlapping windows are stitched per sample (stitch_draws): window w+1's draw is
/// swapped (hap1 ↔ hap2) when that agrees better with the haplotypes already placed at the
/// heterozygous markers of the overlap, then its core is copied.
///
/// Cost per round and E-step: N × Σ_windows L_w × S × ⌈S/4⌉·4 pair cells (the same kernel as
/// stage 1, whose cost is N × M × K × ⌈K/4⌉·4 per E-step and start), plus N × windows × 2N ×
/// ⌈L/64⌉ popcounts for the template choice.
/// Memory (one stage-1 window of W markers, N samples): the panel 2NW bytes and its packed copy
/// 2N Σ_w ⌈L_w/64⌉ × 8 bytes, draws 2N Σ_w L_w bytes, posteriors 3 doubles per missing genotype of
/// the core; per thread the hapcluster workspace of L × S × ⌈S/4⌉·4 floats.

#include <emtk/em/options.hpp>
#include <emtk/geno/hapcluster.hpp>
#include <emtk/util/rng.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace emtk::geno {

/// \brief Options of the refinement stage. Defaults are documented in impute.hpp (tuning table).
struct refine_options
{
    int rounds = 5;               ///< template rounds after stage 1 (0: pure fastPHASE)
    int templates = 40;           ///< S, templates per sample and window
    std::size_t window = 1000;    ///< markers per refinement window (inside a stage-1 window)
    std::size_t overlap = 200;    ///< markers shared by consecutive refinement windows
    int first_iterations = 2;     ///< EM iterations (E-steps) of round 1
    int later_iterations = 1;     ///< EM iterations of the later rounds (1: no M-step, outputs only)
    /// The genotype posteriors are the mean of those of the last `average` rounds (each round's
    /// draw is one sample of the phase: averaging over rounds averages over phase uncertainty, as
    /// MaCH averages over its iterations).
    int average = 3;
    /// Composite templates: the template set is chosen again every this many markers (a multiple
    /// of 64; 0 = one set per refinement window).
    std::size_t template_block = 0;
    double error_init = 0.01;     ///< ε at the start of round 1
    double error_min = 1e-4;      ///< ε clamp
    double error_max = 0.25;
};

/// \brief Parameters of the template HMM: ε and ρ_m over the markers of a stage-1 window.
struct template_params
{
    double error = 0.01;
    std::vector<double> jump; ///< ρ_m; jump[0] unused
};

/// \brief Expected statistics of the template HMM.
struct template_stats
{
    double mismatches = 0;        ///< expected chains whose allele differs from their template's
    double chains = 0;            ///< chains at observed genotypes
    std::vector<double> jumps;    ///< per marker: expected jumps
    std::vector<double> covered;  ///< per marker: chains of items that contain m as a non-first marker
    double items = 0;

    template_stats & operator+=(template_stats const & o);
};

/// \brief Haplotypes of N samples over W markers: hap[(2i + h) W + m] ∈ {0, 1}.
struct haplotype_panel
{
    std::size_t n_samples = 0, n_markers = 0;
    std::vector<std::uint8_t> hap;

    [[nodiscard]] std::uint8_t * row(std::size_t h) noexcept { return hap.data() + h * n_markers; }
    [[nodiscard]] std::uint8_t const * row(std::size_t h) const noexcept { return hap.data() + h * n_markers; }
};

/// \brief Bit-packed haplotypes of one refinement window [first, end): 2N rows of `words` words;
/// its results are used for markers [core_first, core_end).
struct packed_window
{
    std::size_t first = 0, end = 0, core_first = 0, core_end = 0, words = 0;
    std::vector<std::uint64_t> bits;
    [[nodiscard]] std::uint64_t const * row(std::size_t h) const noexcept { return bits.data() + h * words; }
};

/// \brief Packs panel markers [first, end) (core_first/core_end left 0: the caller sets them).
[[nodiscard]] packed_window pack_window(haplotype_panel const & panel, std::size_t first, std::size_t end);

/// \brief The templates of sample `i` over the whole window (see the file comment): min(S, 2N-2)
/// haplotype indices in [0, 2N), none of them 2i or 2i+1, written to `out` (cleared first).
void select_templates(packed_window const & w, std::size_t n_samples, std::size_t i, std::size_t S,
                      std::vector<std::uint32_t> & out);
/// \brief The same with distances over the words [word_first, word_end) of the packed window.
void select_templates(packed_window const & w, std::size_t n_samples, std::size_t i, std::size_t S,
                      std::size_t word_first, std::size_t word_end, std::vector<std::uint32_t> & out);

/// \brief Composite templates (see the file comment): for each block of `block_words` words
/// (64 markers each) the S' = min(S, 2N-2) templates nearest over the block and half a block on
/// each side; slot k keeps its haplotype from one block to the next while that haplotype stays
/// among the nearest. `slots` gets blocks × S' haplotype indices (block-major); block_words = 0 or
/// >= the window: one block, select_templates over the whole window.
void select_composite_templates(packed_window const & w, std::size_t n_samples, std::size_t i, std::size_t S,
                                std::size_t block_words, std::vector<std::uint32_t> & slots);

/// \brief The hapcluster parameters of a template HMM over panel markers [first, end) with K
/// template slots: θ_{mk} from the allele of haplotype slots[(m / block) K + k] (block = 0: one
/// block) and ε, α = 1/K, ρ = jump[first..end).
void template_hapcluster_params(haplotype_panel const & panel, std::span<std::uint32_t const> slots, std::size_t K,
                                std::size_t block, std::size_t first, std::size_t end, template_params const & p,
                                hapcluster_params & out);

/// \brief Where the E-step of template_model writes its outputs (see the file comment).
struct template_outputs
{
    /// Per (sample, marker), sample-major N × W: index of the marker's missing genotype in
    /// `posterior` (3 values each) or -1; only markers that the caller wants (the stage-1 core).
    std::span<std::int32_t const> slot;
    std::span<double> posterior;
    /// false: the E-step writes no posteriors (refine_window: a round before the averaged ones,
    /// whose posteriors would be overwritten); the forward-backward then runs its forward only
    /// unless statistics are wanted.
    bool posteriors = true;
    /// Draws: window w's block starts at draw_offset[w] and holds N × 2 × L_w bytes.
    std::vector<std::size_t> draw_offset;
    std::vector<std::uint8_t> draws;
};

/// \brief The template HMM as an em::model (range_model): items are (sample, refinement window)
/// pairs, item = w × N + i. References its inputs; they must outlive it.
class template_model
{
public:
    using params_type = template_params;
    using stats_type = template_stats;

    /// \param genotypes N × W, sample-major
    /// \param panel     the current haplotypes (templates are chosen from them)
    /// \param windows   the refinement windows, packed from `panel` (pack_window), with their cores
    /// \param out       outputs, written by every E-step
    /// \param draw_rng  item j draws its haplotypes from draw_rng.split(j)
    /// \param statistics false: the E-step computes no expected statistics (the objective and the
    ///                   outputs only; for a fit of one E-step, which has no M-step)
    template_model(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
                   haplotype_panel const & panel, std::vector<packed_window> const & windows, std::size_t S,
                   refine_options const & ropt, hapcluster_options const & hopt, template_outputs & out,
                   rng const & draw_rng, template_params start, bool statistics = true);

    [[nodiscard]] std::size_t item_count() const noexcept { return n_samples_ * windows_.size(); }
    [[nodiscard]] stats_type make_stats(params_type const & p) const;
    double expect(std::size_t item, params_type const & p, stats_type & s) const;
    double expect_range(std::size_t begin, std::size_t end, params_type const & p, stats_type & s) const;
    void maximize(stats_type const & s, params_type & p) const;
    [[nodiscard]] double log_prior(params_type const &) const noexcept { return 0.0; }
    /// \brief The start given to the constructor (the refinement is not randomly started).
    void initialize(rng & r, params_type & p) const;

private:
    std::span<std::int8_t const> genotypes_;
    std::size_t n_samples_, n_markers_;
    haplotype_panel const & panel_;
    std::vector<packed_window> const & windows_;
    std::size_t S_;
    refine_options ropt_;
    hapcluster_options hopt_;
    template_outputs & out_;
    rng draw_rng_;
    template_params start_;
    bool statistics_ = true;
};

/// \brief Stitches the draws of the refinement windows into `panel` (see the file comment).
void stitch_draws(template_outputs const & out, std::vector<packed_window> const & windows,
                  haplotype_panel & panel);

/// \brief What one refinement round did.
struct refine_round_summary
{
    double objective = 0;
    int iterations = 0;
    std::string stop_reason;
    int decreases = 0;
    double error = 0;        ///< fitted ε
    double mean_jump = 0;    ///< mean fitted ρ_m
    std::size_t templates = 0; ///< S used (<= refine_options::templates)
};

/// \brief Runs the refinement rounds on one stage-1 window.
/// \param genotypes  N × W sample-major
/// \param panel      stage-1 haplotype draws; updated to the last round's draws (stitched)
/// \param jump       stage-1 ρ (W values): the start of round 1
/// \param slot       N × W: output slot of each missing genotype wanted, or -1
/// \param posterior  3 values per slot: the genotype posteriors (mean of the last rounds')
/// \param em_opt     driver settings (threads, chunk size, tolerance); max_iter from ropt
/// \param draw_rng   the window's stream; round r uses draw_rng.split(r)
/// \param fitted     if not null, receives the last round's ε and ρ
/// \throws user_error if a round's fit fails
[[nodiscard]] std::vector<refine_round_summary>
refine_window(std::span<std::int8_t const> genotypes, std::size_t n_samples, std::size_t n_markers,
              haplotype_panel & panel, std::span<double const> jump, std::span<std::int32_t const> slot,
              std::span<double> posterior, refine_options const & ropt, hapcluster_options const & hopt,
              em::options const & em_opt, rng const & draw_rng, template_params * fitted = nullptr,
              std::function<void(int, haplotype_panel &, template_params const &)> const & after_round = {});

} // namespace emtk::geno
