#pragma once
/// \file
/// \brief Annotating DNA with profile HMMs, as nhmmer does: both strands of every target scanned
/// in overlapping windows, every hit a local alignment of the model with its own score and
/// E-value, minus-strand hits reported in nhmmer's coordinates.
///
/// Pipeline (after HMMER 3.3 src/p7_pipeline.c p7_Pipeline_LongTarget and
/// p7_pli_postViterbi_LongTarget, src/p7_domaindef.c rescore_isolated_domain and
/// reparameterize_model, src/nhmmer.c; read, not copied). No filter is applied (what
/// `nhmmer --max` does): every window of every strand gets the full Forward/Backward.
/// 1. Windows. The forward strand of a target is cut into windows of
///    `dna_search_options::window` residues (nhmmer's block length, 100 kb) overlapping by the
///    model's maximum hit length W (MAXL, or model_max_length()), so that every hit of length ≤ W
///    lies wholly inside at least one window; the '−' strand is searched in the reverse
///    complements of the same windows (the target is read in parts, its length unknown until its
///    end, so windows are laid out from its start).
/// 2. Envelopes. Posterior decoding of the window with the model in local multi-hit mode, its
///    length model set to the window's length, and HMMER's region heuristics (the same code as
///    protein search, search.hpp): envelopes of core occupancy. With the filters on
///    (dna_search_options::filter), only the sub-windows that pass them (SSV diagonals extended by the
///    model's expected prefix and suffix lengths as nhmmer does, then Viterbi and Forward) are decoded, with the length model of the sub-window and the Forward filter's own
///    pass reused, as nhmmer's domain definition reuses its Forward filter matrix; `--max`
///    decodes whole windows with the length model of W.
/// 3. Rescoring (nhmmer's rescore_isolated_domain). Each envelope i..j is scored by Forward with
///    the model in local *unihit* mode and the length model set to Ld = j − i + 1. Composition bias
///    (nhmmer's analogue of null2): the background is replaced by the mixture
///    f' = s·f + (1 − s)·c, c the residue composition of the envelope, s = 25 / min(100, max(50,
///    window length)) (= 0.25 for windows of 100 or more), and the match scores become
///    log(e/f'); the optimal-accuracy alignment (align.hpp) is computed under that model. When
///    the envelope reaches more than 23 residues beyond the alignment on either side it is trimmed
///    to alignment ± 20 and rescored (at most 5 times). bias = max(0, S − S'), S and S' the Forward
///    scores of the final envelope with f and with f'; the envelope score is min(S, S').
///    Alignments shorter than 8 residues are dropped (nhmmer does the same).
/// 4. Score. The envelope score is moved from the length model of Ld to that of W:
///    2 log(2/(Ld+2)) is replaced by 2 log(2/(W+2)) and (Ld − La) log(Ld/(Ld+2)) by
///    (max(W, Ld) − La) log(W/(W+2)), La the alignment's length; minus null1 for length
///    max(W, Ld) (score.hpp null1_score); in bits. P-value from the model's STATS LOCAL FORWARD
///    line; E-value = P × Z, Z = (residues searched, each strand counted) / W, as nhmmer's
///    p7_tophits_ComputeNhmmerEvalues. `-Z` gives the database size in megabases instead
///    (doubled when both strands are searched, as nhmmer).
/// 5. Duplicates. The same hit found in two overlapping windows (or two hits of one strand whose
///    alignments overlap by at least half the shorter one) is reported once: the higher score
///    wins, the earlier window on ties.
///
/// Coordinates (nhmmer's): 1-based on the forward strand of the target; a '+' hit has
/// from ≤ to, a '−' hit from ≥ to (from is the model-start end of the alignment).
///
/// Checked against nhmmer 3.3.2 on the tutorial's MADE1.hmm × dna_target.fa
/// (test/cli/hmm_search_dna_test.sh): the same four hits with E < 1e-3, scores within 0.5 bits.
///
/// Streaming, memory, threads: targets are read in parts of about 256 kb (sequence_reader::next_part),
/// so a chromosome is never held whole: batches of about 1 Mb of windows; the (model, strand,
/// window) tasks of a batch run in parallel (`threads` worker threads; with more than one, the next
/// batch is read meanwhile by one more thread) and their hits are merged per target in a fixed
/// order once its last window is searched, so the output does not depend on the number of
/// threads. Memory: two batches' windows (copies of about 1 Mb each plus overlaps), the part
/// being read and the residues of the current target's next windows (≤ 256 kb + a window), plus, per
/// thread, the reverse complement of one window, the posterior decoding of one window (about 100
/// bytes per residue: 10 MB for 100 kb; with the filters, of its passing sub-windows only) and the
/// optimal-accuracy alignment of one envelope (about 100·Ld·M bytes with `--max`, 12·Ld·M fewer with
/// the default float fill, Ld ≤ W + 46: 3.6 MB for MADE1 with `--max`).

#include <emtk/hmm/filter.hpp>
#include <emtk/hmm/search.hpp>
#include <emtk/seq/reader.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace emtk::hmm {

/// \brief Thresholds, strands, windows and parallelism of a DNA search. Defaults are nhmmer's.
struct dna_search_options
{
    double evalue = 10.0;            ///< -E: report hits with E-value ≤ this
    std::optional<double> bits;      ///< -T: report hits with score ≥ this instead
    std::optional<double> Z_mb;      ///< -Z: database size in megabases (default: what was searched)
    bool top = true;                 ///< search the given strand
    bool bottom = true;              ///< search the reverse complement
    bool bias = true;                ///< composition-bias correction (off = nhmmer --nonull2)
    std::size_t window = 100'000;    ///< window length (nhmmer's --block_length)
    int threads = 1;                 ///< worker threads (results do not depend on it)
    /// Called after each batch of windows (about 1 Mb) with the targets and residues
    /// (strands counted) searched so far (progress display).
    std::function<void(std::uint64_t targets, std::uint64_t residues)> on_batch;

    // ---- the accelerated filters (filter.hpp; nhmmer's defaults F1 0.02, F2 3e-3, F3 3e-5) ----
    filter_options filter{0.02, 3e-3, 3e-5, false, false}; ///< `max` = every window gets the full pipeline
    // --- inclusion threshold and model cutoffs (HMMER-compatible output, issue 15) ---
    double inc_evalue = 0.01;                 ///< --incE: include hits with E-value ≤ this
    std::optional<double> inc_bits;           ///< --incT: include hits with score ≥ this instead
    model_cutoff cutoff = model_cutoff::none; ///< --cut_ga/--cut_tc/--cut_nc: each model's first
                                              ///< value replaces -T and --incT (nhmmer's rule)
};

/// \brief One hit on a DNA target (coordinates 1-based on the forward strand; see the file comment).
struct dna_hit
{
    std::uint64_t index = 0;          ///< 0-based position of the target in the input
    std::string name, description;    ///< of the target
    std::size_t length = 0;           ///< target length
    char strand = '+';                ///< '+' or '-'
    std::size_t ali_from = 0, ali_to = 0; ///< alignment (from > to on '-')
    std::size_t env_from = 0, env_to = 0; ///< envelope (from > to on '-')
    int hmm_from = 0, hmm_to = 0;     ///< first/last match state of the alignment
    double bits = 0;                  ///< score (bias-corrected unless options.bias is off)
    double bias = 0;                  ///< composition-bias correction, bits (≥ 0)
    double pvalue = 1;                ///< from the STATS LOCAL FORWARD line
    double evalue = 0;                ///< P × Z
    double accuracy = 0;              ///< mean posterior probability of the aligned residues
    bool included = false;            ///< passes the inclusion threshold (issue 15)
};

/// \brief The reported hits of one model: by target input order, then by position.
struct dna_model_hits
{
    std::string name, accession, description; ///< of the model
    int M = 0;                                ///< model length
    int max_length = 0;                       ///< W (MAXL or computed)
    std::vector<dna_hit> hits;
};

/// \brief Everything a DNA search reports.
struct dna_search_result
{
    std::vector<dna_model_hits> models; ///< one per model, in file order
    std::uint64_t targets = 0;          ///< targets searched
    std::uint64_t residues = 0;         ///< residues searched, each searched strand counted
};

/// \brief The maximum length W of a hit of `m`: its MAXL line, or else the smallest W such that
/// a sequence emitted by the model's core (glocal, as p7_Builder_MaxLength in HMMER's
/// src/modelstats.c) is longer than W with probability < 1e-7, computed by a DP over
/// (length, node): O(W·M) time. At least M.
[[nodiscard]] int model_max_length(hmmer_model const & m);

/// \brief Searches both strands (as options say) of every target with every model.
/// \throws user_error from the reader (bad targets), when a model is not a nucleotide model, and
///         when a model's alphabet is not the targets'.
[[nodiscard]] dna_search_result search_dna(std::span<search_model const> models, std::string const & models_source,
                                           seq::sequence_reader & targets, dna_search_options const & options);

} // namespace emtk::hmm
