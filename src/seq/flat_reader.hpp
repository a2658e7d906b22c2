#pragma once
/// \file
/// \brief Private to src/seq/: EMBL / UniProt text and GenBank flat files, one record at a time.
///
/// Line-based, standard library only. SeqAn 3.2 has readers for both formats, but its EMBL reader
/// looks for the sequence header by scanning for the letters "SQ" anywhere in the entry, so a
/// feature table (`FT   /translation="MSQ…"`) or a description containing "SQ" cuts a record
/// at the wrong place; the formats are simple enough to read by their line codes instead:
/// - EMBL / UniProt (EMBL user manual §3.4, UniProtKB user manual §2): a record starts with an
///   `ID` line, whose first word is the name (a trailing ';' dropped, as esl_sqio does); `DE` lines
///   give the description (joined by one space); the residues follow the `SQ` line until `//`
///   (blanks and digits ignored).
/// - GenBank (NCBI GenBank release notes §3.4): `LOCUS` line, second word = the name;
///   `DEFINITION` and its indented continuation lines = the description (final '.' kept, as
///   NCBI writes it); residues follow `ORIGIN` until `//` (blanks and position numbers ignored).
/// The name and description are handed on as one header "NAME DESCRIPTION", so the FASTA rules of
/// record_builder (name = first word) apply unchanged.

#include <cstdint>
#include <istream>
#include <string>

namespace emtk::seq::detail {

/// \brief Which flat-file format.
enum class flat_format
{
    embl,
    genbank
};

/// \brief Reads the next record of an EMBL or GenBank stream.
/// \param header receives "NAME DESCRIPTION"; \param residues the residue characters
/// \param line   running line number (for messages), updated
/// \returns false at the end of the data (only blank lines left)
/// \throws user_error "PATH:LINE: …" for a record that does not start with its ID/LOCUS line or
///         lacks its SQ/ORIGIN line; "PATH: the file ends inside record …" without a final "//".
bool read_flat_record(std::istream & in, flat_format format, std::string const & path, std::uint64_t & line,
                      std::string & header, std::string & residues);

} // namespace emtk::seq::detail
