#pragma once
/// \file
/// \brief Searching protein (or other single-strand) targets with profile HMMs, as hmmsearch
/// does: per-sequence and per-domain hits with bit scores and E-values from the models' STATS.
///
/// Filters (filter.hpp): by default each target first goes through HMMER's accelerated cascade
/// (MSV F1 = 0.02, composition bias, Viterbi F2 = 1e-3, Forward F3 = 1e-5; search_options::filter),
/// and only survivors are scored, defined and reported; `filter.max` turns every filter off (as
/// `hmmsearch --max`), which scores every target with the full Forward. The filters only remove
/// targets. After the filters, the survivors' Forward (their reported score) and the domain
/// definition run in single precision (src/hmm/domain_float.hpp: within 1e-3 bits of the double
/// path, tested), as HMMER's pipeline does; with `filter.max` everything stays in double, so
/// `--max` output is that of the double path.
///
/// Per-sequence score (hmmer_scorer::forward_bits, score.hpp): the full local multi-hit Forward
/// score of the whole target against the model configured as HMMER configures it for search, minus
/// HMMER's null1 model, in bits. **No null2 bias
/// correction** of reported scores: emtk's scores are those of `hmmsearch --max --nonull2` (within 0.05 bits on the
/// tutorial globins, 0.5 bits on Pkinase; test/cli/hmm_search_test.sh checks that). hmmsearch's
/// default scores subtract null2, which lowers low-complexity or compositionally biased hits by up
/// to a few bits. P-value: the exponential tail of the STATS LOCAL FORWARD line (forward_pvalue());
/// E-value = P × Z, Z = the number of targets searched (or search_options::Z, hmmsearch's -Z).
///
/// Domains (after HMMER's p7_domaindef.c, p7_domaindef_ByPosteriorHeuristics; read, not copied):
/// forward and backward of the whole target in odds space (the kernel of forward_bits, with the
/// special states of every row kept, O(L + M) memory; forward = backward to 1e-6 relative is
/// asserted) give per residue i
/// the core occupancy mocc(i) = 1 − P(N, C or J emits i), the probability b(i) that a domain begins
/// just before i (B at row i−1) and e(i) that one ends just after i (E at row i). Scanning left to
/// right, a region opens at the last i with mocc(i) − b(i) < rt2 before mocc reaches rt1, and closes
/// at the first j with mocc(j) − e(j) < rt2 (rt1 = 0.25, rt2 = 0.10: HMMER's defaults). A region
/// that looks like several domains (max_z min(E before z, B after z) ≥ rt3 = 0.20, HMMER's test)
/// is split where that expectation is largest, recursively, when it exceeds 0.5: where two
/// domains there are more probable than one spanning the split point; below that the region is
/// one envelope. *Deviation*: HMMER resolves such regions by clustering 200 stochastic tracebacks
/// and keeps, of overlapping clusters, the one of higher posterior probability (p7_domaindef.c,
/// region_trace_ensemble); the expectation at the split point approximates the probability of
/// the two-domain reading, so the deterministic rule keeps the reading HMMER's clusters would keep
/// (e.g. a repeat whose two halves also match the model apart stays one hit, as in nhmmer). It
/// gives the same envelopes for well-separated domains and may differ for domains that touch
/// when the two readings are about equally probable.
/// Each envelope i..j is rescored as HMMER rescores it: Forward of the envelope alone with the
/// model in unihit local mode and the length model of the whole target (L), plus the cost of the
/// L − Ld residues outside it, (L − Ld)·log(L/(L+3)), minus null1(L) (p7_pipeline.c); the P-value
/// uses the FORWARD line. c-Evalue = P × domZ (domZ = the number of sequences reported for the
/// model, or search_options::domZ), i-Evalue = P × Z. The alignment (ali and hmm coordinates) is
/// the optimal-accuracy alignment of the envelope in the same unihit configuration, as HMMER's
/// (align.hpp; posterior decoding in odds space, src/hmm/domain_posterior.hpp; the default mode
/// fills its matrix in float, src/hmm/domain_oa.hpp, `--max` in double): on the Pfam seeds of
/// Pkinase its coordinates equal hmmsearch's for all 38 domains.
///
/// Reporting: a sequence is reported when its E-value ≤ search_options::evalue (or, when `bits` is
/// set, its score ≥ bits); a domain of a reported sequence when its c-Evalue ≤ dom_evalue (or its
/// score ≥ dom_bits); the best domain of a reported sequence is always listed. When domains are
/// defined, a sequence in which no region is found is not reported (as in p7_pipeline.c: such
/// sequences only pass by their length-scaled null score, e.g. shuffled decoys near E = 10).
///
/// Inclusion (HMMER's second, stricter threshold: what a HMMER user takes as "significant"): a
/// reported sequence is included when its E-value ≤ inc_evalue (or its score ≥ inc_bits), a
/// reported domain of an included sequence when its c-Evalue ≤ incdom_evalue (or its score ≥
/// incdom_bits). With `cutoff` set (hmmsearch's --cut_ga/--cut_tc/--cut_nc) every model uses its
/// own GA/TC/NC pair instead: the first value for sequence reporting and inclusion, the second for
/// domains (a model without that line is refused, as HMMER refuses it).
///
/// Streaming, memory and threads: targets are read in batches (batch_sequences records or
/// batch_residues residues); the (model, target) pairs of a batch are scored in parallel (`threads`
/// worker threads; with more than one, the next batch is read meanwhile by one more thread), each pair independently, and kept in input order: output is identical for any number
/// of threads. Z is known only at the end, so a hit is kept while P × (targets read so far) passes
/// the threshold (E-values only grow with Z) and filtered again at the end: memory is two batches plus
/// the kept hits, not the number of targets. Domain definition keeps 5 special states per row
/// (the double path: forward and backward, 80·L bytes; the float path: the forward's only, its
/// backward summed row by row, 52·L bytes with the occupancy) and O(M) rows; the alignment of an
/// envelope of length Ld uses full matrices (double path about 72·Ld·M bytes: 6.5 MB for
/// Ld = M = 300; float path 36·Ld·M: 12 of float alignment matrix, 16 of posterior, 8 of float
/// Forward).
/// These per-thread buffers are reused between targets and grow to the exact size needed (no
/// vector doubling); configure_allocator_for_search() keeps glibc from holding freed memory per
/// thread.

#include <emtk/hmm/filter.hpp>
#include <emtk/hmm/hmmer_io.hpp>
#include <emtk/seq/reader.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace emtk::hmm {

class hmmer_scorer;
namespace detail {
struct odds_profile;  // src/hmm/domain_posterior.hpp
struct float_profile; // src/hmm/domain_float.hpp
struct float_pass;    // src/hmm/domain_float.hpp: a float Forward pass kept for domain definition
}

/// \brief Which of a model's Pfam score cutoffs to use as thresholds (hmmsearch --cut_ga …).
enum class model_cutoff
{
    none,
    ga, ///< gathering
    tc, ///< trusted
    nc  ///< noise
};

/// \brief Thresholds, search space and parallelism of a search. Defaults are hmmsearch's.
struct search_options
{
    double evalue = 10.0;             ///< -E: report sequences with E-value ≤ this
    std::optional<double> bits;       ///< -T: report sequences with score ≥ this instead
    double dom_evalue = 10.0;         ///< --domE: report domains with c-Evalue ≤ this
    std::optional<double> dom_bits;   ///< --domT: report domains with score ≥ this instead
    std::optional<double> Z;          ///< -Z: search space for E-values (default: targets searched)
    std::optional<double> domZ;       ///< --domZ: for c-Evalues (default: sequences reported)
    bool domains = true;              ///< define, score and align domains of reported sequences
    int threads = 1;                  ///< worker threads (results do not depend on it)
    std::size_t batch_sequences = 2048;   ///< a batch ends after this many targets …
    std::size_t batch_residues = 4 << 20; ///< … or this many residues
    /// Called after each batch with the targets and residues searched so far (progress display).
    std::function<void(std::uint64_t targets, std::uint64_t residues)> on_batch;

    // ---- the accelerated filter cascade (filter.hpp) ----
    filter_options filter;            ///< --F1/--F2/--F3, --nobias, --max
    // --- inclusion thresholds and model cutoffs (HMMER-compatible output, issue 15) ---
    double inc_evalue = 0.01;              ///< --incE: include sequences with E-value ≤ this
    std::optional<double> inc_bits;        ///< --incT: include sequences with score ≥ this instead
    double incdom_evalue = 0.01;           ///< --incdomE: include domains with c-Evalue ≤ this
    std::optional<double> incdom_bits;     ///< --incdomT: include domains with score ≥ this instead
    model_cutoff cutoff = model_cutoff::none; ///< --cut_ga/--cut_tc/--cut_nc: per-model thresholds
};

/// \brief The alignment of a domain as HMMER displays it: four lines of equal length, one
/// column per step of the alignment (match, insert or delete state).
struct domain_alignment
{
    std::string model;  ///< consensus residue of each match/delete column ('.' for inserts)
    std::string match;  ///< the residue when it is the consensus, '+' for a positive score, ' ' else
    std::string target; ///< upper case for matches, lower case for inserts, '-' for deletions
    std::string pp;     ///< posterior of each residue: '0'…'9' (tenths, rounded), '*' (≥ 0.95), '.' deletions
};

/// \brief One domain of a sequence hit. Coordinates are 1-based and inclusive.
struct domain_hit
{
    std::size_t env_from = 0, env_to = 0; ///< envelope on the target
    std::size_t ali_from = 0, ali_to = 0; ///< aligned part of the target (first/last residue aligned to a match state)
    int hmm_from = 0, hmm_to = 0;         ///< first/last match state of the alignment
    double bits = 0;                      ///< envelope score (see the file comment)
    double pvalue = 1;                    ///< from the STATS LOCAL FORWARD line
    double c_evalue = 0;                  ///< P × domZ
    double i_evalue = 0;                  ///< P × Z
    bool reported = false;                ///< passes the domain threshold (or is the best domain)
    // --- HMMER-compatible output (issue 15) ---
    bool included = false;                ///< passes the domain inclusion threshold
    double accuracy = 0;                  ///< expected accuracy of the envelope's alignment / envelope length (HMMER's acc)
    domain_alignment alignment;           ///< the envelope's alignment, for display and -A
};

/// \brief Counts of the domain definition of one sequence (HMMER's exp, reg, clu, ov, env).
struct domain_counts
{
    double expected = 0;   ///< expected number of domains: Σ P(B) over the target
    int regions = 0;       ///< regions of core occupancy found
    int clustered = 0;     ///< regions that looked like several domains (HMMER's test; split when more probable)
    int overlaps = 0;      ///< overlapping envelopes (none: the split never overlaps)
    int envelopes = 0;     ///< envelopes rescored
};

/// \brief A reported target for one model.
struct sequence_hit
{
    std::uint64_t index = 0;          ///< 0-based position of the target in the input
    std::string name, description;    ///< from the FASTA header
    std::size_t length = 0;           ///< residues
    double bits = 0;                  ///< per-sequence score
    double pvalue = 1;                ///< P-value of `bits`
    double evalue = 0;                ///< P × Z
    std::vector<domain_hit> domains;  ///< in sequence order (all found; `reported` marks those to show)
    // --- HMMER-compatible output (issue 15) ---
    bool included = false;            ///< passes the inclusion threshold
    domain_counts counts;             ///< of the domain definition
};

/// \brief The reported hits of one model, in target input order.
struct model_hits
{
    std::string name, accession, description; ///< of the model
    int M = 0;                                ///< model length
    double domZ = 0;                          ///< the domZ used for its c-Evalues
    std::vector<sequence_hit> hits;           ///< reported sequences, input order
};

/// \brief Everything a search reports.
struct search_result
{
    std::vector<model_hits> models;   ///< one per model, in file order
    std::uint64_t targets = 0;        ///< targets searched
    std::uint64_t residues = 0;       ///< residues searched
    double Z = 0;                     ///< the Z used
};

/// \brief One model prepared for search (configured once; const methods are thread-safe).
class search_model
{
public:
    /// \brief Configures `model` and its filters. A model without STATS lines is calibrated here as
    /// `emtk hmm train` does (calibrate.hpp, default options: seed 42), a model without COMPO gets
    /// hmmer_composition(). `source` names the model file (kept for messages).
    search_model(hmmer_model model, std::string const & source);
    ~search_model();
    search_model(search_model &&) noexcept;
    search_model & operator=(search_model &&) noexcept;

    /// \brief The model as read.
    [[nodiscard]] hmmer_model const & model() const noexcept { return model_; }
    /// \brief Per-sequence bit score (hmmer_scorer::forward_bits).
    [[nodiscard]] double sequence_bits(std::span<std::uint8_t const> x) const;
    /// \brief Per-sequence bit score with the float Forward of domain definition (within 1e-3 bits of
    /// sequence_bits(), src/hmm/domain_float.hpp); the pass is left in `pass` (a per-thread workspace).
    [[nodiscard]] double float_sequence_bits(std::span<std::uint8_t const> x, detail::float_pass & pass) const;
    /// \brief The configured profile in float odds (domain definition after the filters).
    [[nodiscard]] detail::float_profile const & float_odds() const noexcept { return *float_; }
    /// \brief P-value of a Forward bit score under the model's STATS.
    [[nodiscard]] double pvalue(double bits) const noexcept;
    /// \brief The domains of `x` (see the file comment): envelopes, alignments, scores, P-values;
    /// E-values are left 0 (they need Z and domZ).
    /// `counts`, when given, receives the counts of the domain definition. `exact`: Forward/Backward
    /// in double (`--max`, and the default here); false: in float (the default pipeline after the
    /// filters, src/hmm/domain_float.hpp: scores within ~1e-3 bits, same envelopes but at
    /// occupancy thresholds met within float round-off).
    /// `forward`, with `exact` false: the pass filtered_bits() left for the same x (not recomputed).
    [[nodiscard]] std::vector<domain_hit> domains(std::span<std::uint8_t const> x, domain_counts * counts = nullptr,
                                                  bool exact = true, detail::float_pass const * forward = nullptr) const;
    /// \brief The configured scorer (HMMER's search configuration of the model).
    [[nodiscard]] hmmer_scorer const & scorer() const noexcept { return *scorer_; }
    /// \brief The model's filter cascade.
    [[nodiscard]] search_filter const & filter() const noexcept { return *filter_; }
    /// \brief Whether target x survives every filter of `o`, Forward included; `bits` receives
    /// its Forward score when it was computed (always when x passes), else −∞. Without `o.max` and
    /// with `forward` (a per-thread workspace), that Forward is the float one of domain definition
    /// (src/hmm/domain_float.hpp; within 1e-3 bits of sequence_bits()) and its pass is kept in
    /// `forward` for domains(); otherwise it is sequence_bits() (double).
    [[nodiscard]] bool filtered_bits(std::span<std::uint8_t const> x, filter_options const & o, double & bits,
                                     detail::float_pass * forward = nullptr) const;

private:
    hmmer_model model_;
    std::unique_ptr<hmmer_scorer> scorer_;
    std::unique_ptr<search_filter> filter_;
    std::unique_ptr<detail::float_profile> float_; // the configured profile in odds, float (and double on demand)
};

/// \brief The (sequence, domain) score thresholds of a cutoff for model `m`.
/// \throws option_input_error "SOURCE: model NAME has no GA line (needed by cut_ga): …" when absent
/// (the option fields marked with field_name(), util/error.hpp).
[[nodiscard]] std::array<double, 2> model_cutoff_scores(hmmer_model const & m, model_cutoff c,
                                                        std::string const & source);

/// \brief Reads all models of `path` and prepares them for search.
/// \throws user_error as hmmer_reader, "no models" for a file without any, and as search_model.
[[nodiscard]] std::vector<search_model> load_search_models(std::string const & path);

/// \brief Sets the C library's allocator up for a search process (glibc; nothing elsewhere): one
/// malloc arena shared by all threads (glibc's default, one per thread, kept 1–5 MB of freed
/// memory per worker thread) and a fixed trim threshold of 128 kB (freed memory at the top of the
/// heap goes back to the system; fixing it also stops glibc from raising its mmap threshold to the
/// largest block freed, which kept large DP buffers in the heap). Peak memory of
/// bench/hmm_search_vs_hmmsearch.sh: −10 to −15%, CPU time unchanged within its noise. Call it
/// before any thread starts (the command does, first thing).
void configure_allocator_for_search() noexcept;

/// \brief Searches every target of `targets` with every model (see the file comment).
/// \param models_source the models' file name, for messages
/// \throws user_error from the reader (bad targets), when a model's alphabet is not the
///         targets' ("TARGETS: the targets are DNA but model NAME in MODELS is amino …"), and with
///         a cutoff when a model lacks its line ("MODELS: model NAME has no GA line: …").
[[nodiscard]] search_result search(std::span<search_model const> models, std::string const & models_source,
                                   seq::sequence_reader & targets, search_options const & options);

} // namespace emtk::hmm
