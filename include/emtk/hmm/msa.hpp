#pragma once
/// \file
/// \brief Multiple sequence alignments (seed alignments of `emtk hmm train --seed-msa`): reading
/// Stockholm and aligned FASTA, in digital form.
///
/// Formats (detected from the content: the first non-blank line):
/// - **Stockholm** (the Pfam/HMMER format; Sonnhammer et al., Proteins 28:405, 1997, and the
///   HMMER User's Guide): "# STOCKHOLM 1.0", then blocks of "NAME ALIGNED-TEXT" lines separated by
///   blank lines (interleaved: a row continues in every block, in any order), markup lines
///   "#=GF", "#=GS", "#=GR" (skipped), "#=GC TAG TEXT" (only the RF line is kept; the others are
///   skipped), other lines starting with '#' (comments) and "//", which ends the alignment. Only the
///   first alignment of a file is read; what follows its "//" is ignored. A row's text is the
///   rest of the line after its name, with blanks removed. A name that appears twice in one block
///   starts a new block (files written without blank lines between blocks).
/// - **Aligned FASTA** ("afa"): ">NAME description" lines, each followed by the row's text on any
///   number of lines (blanks removed); every row must have the same number of columns.
///
/// Gap characters: '-', '.', '_', '~' (HMMER's '~' "missing data" is read as a gap). Residues are
/// read with seq::alphabet (either case; the alphabet's synonyms and degenerate codes, e.g. X, N).
/// The alphabet is `forced` or guessed with seq::guess_alphabet() from the residues of the
/// alignment (up to 100,000); if the guess fails the residues are read as amino acids, so that the
/// error names the first character that is not one.
///
/// Memory: the alignment is held once as text while reading and then once in digital form
/// (one byte per cell).

#include <emtk/seq/alphabet.hpp>
#include <emtk/seq/sequence.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emtk::hmm {

/// \brief The code of a gap cell in msa::rows (no residue code is that large).
inline constexpr std::uint8_t msa_gap = 0xFF;

/// \brief A multiple alignment in digital form.
struct msa
{
    std::string name;                            ///< Stockholm "#=GF ID" (empty if absent or AFA)
    std::vector<std::string> names;              ///< row names, in file order (first block)
    std::vector<std::vector<std::uint8_t>> rows; ///< per row, one code per column: 0 … Kp−1 or msa_gap
    std::string rf;                              ///< "#=GC RF" text, one character per column, or empty
    seq::alphabet_type type = seq::alphabet_type::amino; ///< the alphabet of the codes
    std::string source;                          ///< the path as given ("-" for stdin)
    bool stockholm = false;                      ///< the format read (false: aligned FASTA)

    /// \brief Number of rows (sequences).
    [[nodiscard]] std::size_t size() const noexcept { return rows.size(); }
    /// \brief Number of columns (every row has this many).
    [[nodiscard]] std::size_t columns() const noexcept { return rows.empty() ? 0 : rows.front().size(); }
    /// \brief True when a cell holds a gap.
    [[nodiscard]] bool is_gap(std::size_t row, std::size_t col) const noexcept { return rows[row][col] == msa_gap; }
};

/// \brief True for the gap characters '-', '.', '_', '~'.
[[nodiscard]] constexpr bool is_gap_char(char c) noexcept { return c == '-' || c == '.' || c == '_' || c == '~'; }

/// \brief Reads the first alignment of a Stockholm or aligned FASTA file (plain or gzip; "-" for
/// stdin). See the file comment for the formats.
/// \param path   file name, or "-" for stdin
/// \param forced the alphabet to use instead of guessing
/// \throws user_error with one line "FILE:LINE: WHAT" for: a file that cannot be opened or read,
///         an empty file, a file that is neither Stockholm nor aligned FASTA, a Stockholm file
///         without "//", rows of different lengths ("row NAME has 79 columns, expected 80"; in
///         Stockholm per block, also the RF line), a Stockholm row missing from some blocks
///         ("row NAME appears in 1 block, expected 2"), a character that is neither a residue of
///         the alphabet nor a gap ("row NAME, column 12: 'J' is not a DNA residue or gap"), an
///         alignment without rows or without columns, a sequence line without text, an AFA header
///         without a name.
[[nodiscard]] msa read_msa(std::string const & path, std::optional<seq::alphabet_type> forced = {});

/// \brief The rows without their gaps, as digital sequences of the alignment's alphabet, in row
/// order. Rows without any residue are left out (a sequence_set holds no empty sequence).
/// \throws user_error when no row has a residue.
[[nodiscard]] seq::sequence_set unaligned_sequences(msa const & a);

} // namespace emtk::hmm
