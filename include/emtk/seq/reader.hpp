#pragma once
/// \file
/// \brief Streaming FASTA/FASTQ/EMBL/GenBank reader: one digital sequence at a time, so that memory does not
/// grow with the number of records (searching a proteome, scanning a genome).
///
/// Same formats, alphabet rules, residue rules and error messages as read_sequences()
/// (sequence.hpp), which is implemented on top of this reader. Standard library only: the parsing
/// (SeqAn3) lives in src/seq/stream_reader.cpp.
///
/// Memory: the current record, plus, until the alphabet is known (not forced), the records of the
/// alphabet sample (at most 100 records or 100,000 residue characters, then the guess is made).

#include <emtk/seq/alphabet.hpp>
#include <emtk/seq/sequence.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace emtk::seq {

/// \brief Reads the records of one FASTA, FASTQ, EMBL/UniProt or GenBank file (plain or gzip, "-" =
/// stdin) one by one.
///
/// Not copyable; one reader per thread (it owns the file).
class sequence_reader
{
public:
    /// \brief Opens `path` and detects its format from the first non-blank character.
    /// \param path   file name, or "-" for stdin
    /// \param forced the alphabet to use instead of guessing (see read_sequences())
    /// \throws user_error for a file that cannot be opened, an empty file, a file that is not FASTA
    ///         or FASTQ, EMBL or GenBank (same messages as read_sequences()).
    explicit sequence_reader(std::string const & path, std::optional<alphabet_type> forced = {});
    ~sequence_reader();
    sequence_reader(sequence_reader const &) = delete;
    sequence_reader & operator=(sequence_reader const &) = delete;

    /// \brief The next record in file order; false at the end of the file.
    /// \throws user_error as read_sequences() ("FILE: record N (NAME): WHAT"), including "no
    ///         sequences in the file" when the file ends before any record.
    bool next(sequence & out);

    /// \brief The next record or part of a record, for scanning chromosomes without holding one
    /// whole: `out` receives the record's name, description and its residues
    /// [offset, offset + out.dsq.size()); `last` is true on the record's final part. Records of
    /// at most `max_residues` residues come whole (offset 0, last true); a longer FASTA record comes in
    /// parts of at least `max_residues` residues (about: whole lines), the last part possibly
    /// empty. FASTQ, EMBL and GenBank records always come whole. Same checks and messages as
    /// next(); do not mix with next() on one reader. Memory: one part (and the alphabet sample).
    bool next_part(sequence & out, std::size_t max_residues, std::uint64_t & offset, bool & last);

    /// \brief The alphabet of the records: valid once next() has returned a record (before that,
    /// the forced alphabet, or amino when it is still being guessed).
    [[nodiscard]] alphabet_type type() const noexcept;

    /// \brief The path as given ("-" for stdin).
    [[nodiscard]] std::string const & source() const noexcept;

    /// \brief Records returned so far.
    [[nodiscard]] std::uint64_t count() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace emtk::seq
