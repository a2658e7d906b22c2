#pragma once
/// \file
/// \brief Digital sequences and reading them from FASTA/FASTQ files (plain or gzip, or stdin).
///
/// Standard library only: the parsing (SeqAn3) lives in src/seq/reader.cpp.

#include <emtk/seq/alphabet.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emtk::seq {

/// \brief One sequence record in digital form.
struct sequence
{
    std::string name;              ///< the header's first word (after '>' or '@')
    std::string description;       ///< the rest of the header line, blanks trimmed; may be empty
    std::vector<std::uint8_t> dsq; ///< residue codes of the set's alphabet (0 … Kp−1), never empty
};

/// \brief The records of one file, all in one alphabet.
struct sequence_set
{
    alphabet_type type = alphabet_type::amino; ///< the alphabet of every `dsq`
    std::vector<sequence> seqs;                ///< records in file order; at least one
    std::string source;                        ///< the path as given ("-" for stdin)
};

/// \brief Reads every record of a FASTA or FASTQ file into digital sequences.
///
/// - Format from the content: the first non-blank character is '>' (or ';') for FASTA, '@' for
///   FASTQ. Plain or gzip/BGZF (from the content, not the name); "-" reads stdin.
/// - Alphabet: `forced`, or guess_alphabet() on the residues of the first records (up to 100
///   records or 100,000 characters); when the guess fails the data are read as amino acids, so that
///   the error names the first character that is not one.
/// - Residues: either case; the alphabet's synonyms (DNA reads U as T, RNA T as U, X as N); a
///   single trailing '*' (stop) is dropped; whitespace is ignored, and in FASTA also digits (SeqAn3's
///   FASTA rule, for numbered GenBank-style lines). FASTQ qualities are read and ignored.
/// - Positions in messages count residues of the record from 1 (whitespace not counted).
///
/// \param path   file name, or "-" for stdin
/// \param forced the alphabet to use instead of guessing
/// \throws user_error with one line "FILE: WHAT" or "FILE: record N (NAME): WHAT" for: a file that
///         cannot be opened or read, corrupt gzip data, an empty file, a file that is not
///         FASTA/FASTQ, a header without a name, a record without residues, a character that is not a
///         residue of the alphabet (with its position), a '*' other than at the end, a malformed
///         FASTQ record. No SeqAn3 exception leaves this function.
[[nodiscard]] sequence_set read_sequences(std::string const & path, std::optional<alphabet_type> forced = {});

/// \brief Mixed alphabets in an amino-acid set: the first record of at least 10 residues of
/// which ≥ 90% are A, C, G, T, U or N (it looks like DNA/RNA) when other records do not look so, as
/// one line "FILE: record N (NAME) looks like nucleotides but record M (NAME) is protein: mixed
/// alphabets (use alphabet to force one)", the option field marked with field_name("alphabet")
/// (util/error.hpp: throw it as option_input_error, the CLI shows its flag); nothing for a
/// consistent set (or a DNA/RNA set, whose reader already rejects amino-acid letters).
[[nodiscard]] std::optional<std::string> mixed_alphabet_problem(sequence_set const & set);

} // namespace emtk::seq
