#pragma once
/// \file
/// \brief HMMER3 profile HMM text files: write HMMER3/f, read HMMER3/a … HMMER3/f (one or many
/// models per file, plain or gzip, "-" for stdin).
///
/// Format (HMMER User's Guide, "HMMER profile HMM file format"; HMMER's src/p7_hmmfile.c): a
/// header of tagged lines (HMMER3/f [...], NAME, ACC, DESC, LENG, MAXL, ALPH, RF, MM, CONS, CS,
/// MAP, DATE, COM, NSEQ, EFFN, CKSUM, GA, TC, NC, STATS LOCAL MSV/VITERBI/FORWARD, …), the "HMM"
/// line with the residue symbols, the transition header line, an optional COMPO line, the node 0
/// insert emission and transition lines, then per node k = 1 … M a match line (k, K emissions,
/// MAP CONS RF MM CS annotations), an insert emission line and a transition line, and "//".
/// Every probability is written as its negative natural log with 5 decimals, "*" for zero.
///
/// Version differences handled by the reader: HMMER3/a has STATS LOCAL VLAMBDA/VMU/FTAU lines;
/// before 3/e the match line has no CONS field (the reader then computes the consensus, as HMMER
/// does); before 3/f it has no MM field.
///
/// The null model is not stored in HMMER files: the reader sets profile_hmm::null to HMMER's
/// default background (hmmer_background()), which is what hmmsearch scores against.

#include <emtk/hmm/profile_hmm.hpp>
#include <emtk/seq/alphabet.hpp>

#include <array>
#include <cstdint>
#include <ctime>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace emtk {
class line_reader;
}

namespace emtk::hmm {

/// \brief The E-value calibration of a model: the three STATS LOCAL lines of a HMMER3 file.
/// MSV and Viterbi scores follow a Gumbel (mu, lambda), Forward scores an exponential tail
/// (tau, lambda); all in bits (Eddy 2008).
struct hmmer_stats
{
    double msv_mu = 0, msv_lambda = 0;
    double viterbi_mu = 0, viterbi_lambda = 0;
    double forward_tau = 0, forward_lambda = 0;
};

/// \brief A profile HMM with the annotation a HMMER3 file carries.
///
/// Per-node annotation strings hold one character per match state (index k−1 for node k); an
/// empty string (empty vector for `map`) means "absent" (the header flag says "no").
struct hmmer_model
{
    profile_hmm hmm;                                    ///< probabilities; hmm.K must match `alphabet`
    seq::alphabet_type alphabet = seq::alphabet_type::amino; ///< ALPH
    std::string name;                                   ///< NAME (one word, required)
    std::string accession;                              ///< ACC (optional)
    std::string description;                            ///< DESC (optional, rest of the line)
    std::optional<int> max_length;                      ///< MAXL
    std::string rf, mm, consensus, cs;                  ///< RF, MM, CONS, CS lines (M characters or empty)
    std::vector<int> map;                               ///< MAP: alignment column of each match state (M or empty)
    std::string date;                                   ///< DATE (written only when not empty)
    std::vector<std::string> command_log;               ///< COM lines (without their "[n]" numbers)
    std::optional<int> nseq;                            ///< NSEQ
    std::optional<double> effn;                         ///< EFFN
    std::optional<std::uint32_t> checksum;              ///< CKSUM
    std::optional<std::array<double, 2>> ga, tc, nc;    ///< Pfam GA/TC/NC score thresholds
    std::optional<hmmer_stats> stats;                   ///< STATS LOCAL lines (calibration)
    std::vector<double> compo;                          ///< COMPO (K values) or empty
    std::vector<std::string> other_header_lines;        ///< tagged header lines the reader did not interpret (BM, SM, …); not written
    char format_version = 'f';                          ///< the letter of "HMMER3/x" as read; the writer always writes 'f'
};

/// \brief HMMER's default background residue frequencies (its null model): for amino acids the
/// Swiss-Prot 50.8 composition of p7_AminoFrequencies() (HMMER src/p7_bg.c), uniform 1/4 for
/// DNA and RNA.
[[nodiscard]] std::vector<double> hmmer_background(seq::alphabet_type a);

/// \brief The consensus line of a model, HMMER's rule (p7_hmm_SetConsensus in src/p7_hmm.c):
/// per match state the most probable residue (the first one on ties), upper case when its
/// probability is ≥ 0.5 (amino) or ≥ 0.9 (DNA, RNA), lower case otherwise. M characters.
[[nodiscard]] std::string hmmer_consensus(profile_hmm const & hmm, seq::alphabet_type a);

/// \brief The model's mean residue composition (the COMPO line), HMMER's rule
/// (p7_hmm_SetComposition and p7_hmm_CalculateOccupancy in src/p7_hmm.c): match and insert
/// emission rows weighted by their expected use in one glocal pass through the model (match
/// occupancy mocc_1 = 1 − t_0(B→D1), mocc_k = mocc_{k−1}(mm+mi)_{k−1} + (1 − mocc_{k−1}) dm_{k−1};
/// expected insert visits iocc_k = mocc_k · mi_k / im_k, iocc_0 = t_0(mi)/t_0(im)), summed and
/// renormalised. An insert state with im = 0 (never left) is given no weight.
[[nodiscard]] std::vector<double> hmmer_composition(profile_hmm const & hmm);

/// \brief DATE text in HMMER's style (C ctime() without the newline, "Fri May  4 11:33:09 2018"),
/// in UTC so that the same time gives the same bytes anywhere.
[[nodiscard]] std::string hmmer_date(std::time_t t);

/// \brief Writes one model as HMMER3/f text.
///
/// Written: the header line "HMMER3/f [emtk | HMMER3/f text]", NAME, ACC and DESC when set, LENG,
/// MAXL when set, ALPH, the RF/MM/CONS/CS/MAP flags, DATE when set, COM, NSEQ, EFFN, CKSUM,
/// GA/TC/NC when set, STATS when set, then the model; the consensus is computed with
/// hmmer_consensus() when `consensus` is empty and COMPO with hmmer_composition() when `compo`
/// is empty (so CONS and COMPO are always written: hmmsearch needs both).
/// Calibration is not computed here: without `stats` there are no STATS lines and hmmsearch
/// refuses the model until `hmmcalibrate`-like values are supplied (see issue 3).
/// \throws user_error when the name is empty or contains white space.
/// A model that is not valid (profile_hmm_problem with tolerance 1e-4), or whose K or annotation
/// lengths do not match, is a bug of the caller (assertion).
void write_hmmer(std::ostream & out, hmmer_model const & model);

/// \brief Writes models to `path` ("-" = stdout) through an atomic_output_file: the file appears
/// whole or not at all.
/// \throws user_error on the errors of write_hmmer() and on write failures.
void write_hmmer_file(std::string const & path, std::span<hmmer_model const> models);

/// \brief Reads the next model from `in`; false at the end of the input (blank lines between
/// models are skipped).
///
/// Every probability row is checked: a row whose sum differs from 1 by more than 1e-3 is an
/// error naming the node and the row; rows within that tolerance are renormalised exactly (the
/// file holds 5 decimals of each log). The boundary conventions of profile_hmm are restored.
/// \throws user_error "FILE:LINE: what was expected" for: a line that is not a HMMER3 header,
///         an unknown alphabet, a bad or missing field, a node line out of order, rows that do not
///         sum to 1, a missing NAME/LENG/ALPH, an incomplete STATS set, and a file that ends
///         inside a model (the line number is that of the missing line).
bool read_hmmer(line_reader & in, hmmer_model & out);

/// \brief Streams the models of one file (plain or gzip, "-" = stdin), one at a time: memory does
/// not grow with the number of models.
class hmmer_reader
{
public:
    /// \throws user_error if the file cannot be opened.
    explicit hmmer_reader(std::string const & path);
    ~hmmer_reader();
    hmmer_reader(hmmer_reader const &) = delete;
    hmmer_reader & operator=(hmmer_reader const &) = delete;

    /// \brief The next model; false at the end of the file. \throws user_error as read_hmmer().
    bool next(hmmer_model & out);

private:
    std::unique_ptr<line_reader> in_;
};

/// \brief All models of a file. \throws user_error as read_hmmer(), and when the file holds none.
[[nodiscard]] std::vector<hmmer_model> read_hmmer_all(std::string const & path);

} // namespace emtk::hmm
