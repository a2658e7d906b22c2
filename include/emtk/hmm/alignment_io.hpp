#pragma once
/// \file
/// \brief Writing multiple alignments of sequences to a profile (align.hpp's text_alignment):
/// Stockholm and A2M.
///
/// Stockholm (HMMER User's Guide, "Multiple alignment file formats"; Sonnhammer et al. 1997):
/// "# STOCKHOLM 1.0", a blank line, then one block: per row "NAME  TEXT" and, when posteriors are
/// written, "#=GR NAME PP  CODES"; then "#=GC RF  TEXT" and "//". Names and tags are padded to one
/// width so that the text starts in one column. With `block_width` > 0 the rows are interleaved in
/// blocks of that many columns separated by blank lines (what Easel writes); 0 (the default) gives
/// one block (Pfam style). Both are read by emtk's read_msa (msa.hpp) and by HMMER.
///
/// A2M (UCSC SAM's format, as HMMER's esl-reformat a2m writes it): FASTA records whose text has
/// match columns in upper case (a delete is '-') and inserts in lower case, with the '.' padding of
/// insert columns left out; 60 characters per line.
///
/// Memory: streams the text alignment; nothing beyond it is held.

#include <emtk/hmm/align.hpp>

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace emtk::hmm {

/// \brief Stockholm writer options.
struct stockholm_options
{
    std::size_t block_width = 0; ///< columns per block; 0 = one block
    bool posteriors = true;      ///< write the "#=GR NAME PP" lines
};

/// \brief Writes `a` as Stockholm (see the file comment).
void write_stockholm(std::ostream & out, text_alignment const & a, stockholm_options const & opt = {});

/// \brief Writes `a` as A2M (see the file comment).
void write_a2m(std::ostream & out, text_alignment const & a);

/// \brief The first problem that would make `names` unusable as Stockholm row names: an empty
/// name, white space in a name, or a name given twice ("sequence name 'X' appears twice (records
/// 3 and 7)"); nothing when they are fine.
[[nodiscard]] std::optional<std::string> stockholm_name_problem(std::vector<std::string> const & names);

} // namespace emtk::hmm
