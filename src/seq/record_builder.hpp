#pragma once
/// \file
/// \brief Private to src/seq/: turns parsed text records into digital sequences, with the checks
/// and messages of read_sequences() (include/emtk/seq/sequence.hpp). Standard library only, so the
/// rules are testable without SeqAn3.

#include <emtk/seq/sequence.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emtk::seq::detail {

/// \brief "record N (NAME)", or "record N" when the name is not known.
[[nodiscard]] std::string record_label(std::uint64_t number, std::string_view name);

/// \brief A character as shown in messages: 'c' when printable, otherwise byte 0xNN.
[[nodiscard]] std::string printable(char c);

/// \brief Converts records, in file order, to digital form and queues them for the reader.
///
/// Until the alphabet is known (forced, or guessed once `sample_records` records or
/// `sample_chars` residue characters have been seen, or at end_of_input()), records are kept as
/// text; afterwards each is converted as it arrives and queued until pop() takes it. Memory: the
/// sample plus the converted records not yet popped.
class record_builder
{
public:
    /// Records buffered for the alphabet guess, at most.
    static constexpr std::size_t sample_records = 100;
    /// Residue characters buffered for the alphabet guess, at most (then the guess is made).
    static constexpr std::size_t sample_chars = 100'000;

    /// \param path   the file name for messages ("-" = stdin)
    /// \param forced the alphabet to use; guessed from the data when empty
    record_builder(std::string path, std::optional<alphabet_type> forced);

    /// \brief Adds record `number` (1-based) with its header line (without '>'/'@') and residues.
    /// \throws user_error for a header without a name, no residues, a non-residue character.
    void add(std::uint64_t number, std::string header, std::string residues);

    /// \brief Moves the next converted record into `out`; false when none is ready.
    bool pop(sequence & out);

    /// \brief The input has ended: converts what is still buffered (deciding the alphabet).
    /// \throws user_error as add(), and "no sequences in the file" when no record was added.
    void end_of_input();

    /// \brief The alphabet (meaningful once decided: forced, or after the guess).
    [[nodiscard]] alphabet_type type() const noexcept { return type_.value_or(alphabet_type::amino); }

    /// \brief The path as given.
    [[nodiscard]] std::string const & source() const noexcept { return source_; }

    /// \brief Whether the alphabet is known (forced, or guessed).
    [[nodiscard]] bool decided() const noexcept { return type_.has_value(); }

    // Long records in parts (sequence_reader::next_part): the same rules and messages as add() for
    // a whole record, applied piece by piece.
    /// \brief Residue state of a record read in parts.
    struct part_state
    {
        std::uint64_t position = 0; ///< residues seen (whitespace not counted)
        std::uint64_t star = 0;     ///< position of a '*' not yet known to be the last residue, or 0
    };
    /// \brief Decides the alphabet (when not decided) from the pending records and then `more`
    /// (the first characters of a long record), as add() would once the sample is full.
    void decide_with(std::string_view more);
    /// \brief The name and description of record `number` from its header line (no residues).
    /// \throws user_error for a header without a name.
    [[nodiscard]] sequence start_record(std::uint64_t number, std::string_view header) const;
    /// \brief Counts a record read in parts (for "no sequences in the file").
    void count_record() noexcept { ++added_; }
    /// \brief Appends the codes of the residue characters `text` (whitespace skipped) of record
    /// `number` (`name`) to `dsq`. \throws user_error as add().
    void convert_part(std::uint64_t number, std::string const & name, std::string_view text,
                      std::vector<std::uint8_t> & dsq, part_state & st) const;
    /// \brief The record has ended: a pending final '*' is dropped. \throws user_error for a record
    /// without residues.
    void finish_part(std::uint64_t number, std::string const & name, part_state const & st) const;

private:
    struct pending
    {
        std::uint64_t number;
        std::string header;
        std::string residues;
    };
    void decide();
    void convert(std::uint64_t number, std::string const & header, std::string const & residues);

    std::string source_;
    std::deque<sequence> ready_;
    std::uint64_t added_ = 0;
    std::optional<alphabet_type> type_;
    bool guessed_ = false;
    std::vector<pending> pending_;
    std::size_t pending_chars_ = 0;
};

} // namespace emtk::seq::detail
