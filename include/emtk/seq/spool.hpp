#pragma once
/// \file
/// \brief Sequence files too large to hold: the records parsed once, front to back, and kept in an
/// anonymous temporary file that is read back record by record (streaming input, issue 17).
///
/// Why a spool and not passes over the input. Stepwise EM (em/stepwise.hpp) visits mini-batches in
/// a seeded random order in every pass, and ends each pass with a held-out objective: the records
/// are read many times and out of order. gzip and pipes can only be read front to back, and
/// parsing and decompressing the text for every pass costs more than the E-step of a mini-batch.
/// So the input (a plain file, gzip, or "-" for stdin: no option needs a seekable file) is parsed
/// once and each record's name and residue codes are written to a file created in $TMPDIR
/// (default /tmp) and unlinked at once, so nothing is left behind, even on a crash. Records are
/// read back with pread(), thread-safe, into the caller's buffer; the operating system's page
/// cache, not the process, keeps the file in RAM when there is room (mix's spooled_rows works the
/// same way). Memory: 16 bytes per record (offset, name length, residue count), the residue counts
/// per code, and one 1 MiB write buffer while spooling. Disk: the names and one byte per residue.
/// Descriptions are not kept (training does not use them).

#include <emtk/seq/alphabet.hpp>
#include <emtk/seq/sequence.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace emtk::seq {

class sequence_reader;

/// \brief The records of one file in a temporary file (see the file comment). Not copyable.
class sequence_spool
{
public:
    /// \brief Spools `first` (records already read from `reader`, in file order) and then every
    /// record `reader` still returns. `tmp_dir` empty: $TMPDIR, else /tmp.
    /// \throws user_error for bad input (as sequence_reader) or when the spool cannot be written.
    sequence_spool(sequence_reader & reader, std::vector<sequence> first, std::string tmp_dir = {});
    ~sequence_spool();
    sequence_spool(sequence_spool const &) = delete;
    sequence_spool & operator=(sequence_spool const &) = delete;

    [[nodiscard]] std::size_t size() const noexcept { return length_.size(); }
    [[nodiscard]] alphabet_type type() const noexcept { return type_; }
    /// \brief The input path as given ("-" for stdin).
    [[nodiscard]] std::string const & source() const noexcept { return source_; }
    /// \brief Residues of record i.
    [[nodiscard]] std::size_t length(std::size_t i) const noexcept { return length_[i]; }
    /// \brief Σ lengths.
    [[nodiscard]] std::uint64_t residues() const noexcept { return residues_; }
    /// \brief How often each residue code (0 … Kp−1 of type()) occurs in all records.
    [[nodiscard]] std::vector<std::uint64_t> const & code_counts() const noexcept { return code_counts_; }

    /// \brief Record i's residue codes into `out` (resized). Thread-safe.
    /// \throws user_error when the spool file cannot be read back.
    void read_residues(std::size_t i, std::vector<std::uint8_t> & out) const;
    /// \brief Record i (name and residues; no description). Thread-safe.
    void read(std::size_t i, sequence & out) const;
    /// \brief Record i's name.
    [[nodiscard]] std::string name(std::size_t i) const;
    /// \brief The first record named `name` (one pass over the names), if any.
    [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const;

private:
    void read_bytes(std::uint64_t offset, char * p, std::size_t len) const;

    std::string source_;
    alphabet_type type_ = alphabet_type::amino;
    int fd_ = -1;
    std::vector<std::uint64_t> offset_;
    std::vector<std::uint32_t> name_length_;
    std::vector<std::uint32_t> length_;
    std::uint64_t residues_ = 0;
    std::vector<std::uint64_t> code_counts_;
};

/// \brief A file's records: in memory (`set`) when the file holds fewer than `memory_limit`
/// records, else spooled (`spool`; `set` then holds only type and source).
struct stored_sequences
{
    sequence_set set;
    std::shared_ptr<sequence_spool const> spool;
};

/// \brief Reads `path` ("-" = stdin, plain or gzip) with sequence_reader's formats, rules and
/// messages: the records stay in memory up to `memory_limit` − 1 of them (then the result is the
/// same as read_sequences()); from the memory_limit-th record on everything is spooled.
/// \throws user_error as read_sequences(), or when the spool cannot be written.
[[nodiscard]] stored_sequences read_or_spool(std::string const & path, std::optional<alphabet_type> forced,
                                             std::size_t memory_limit, std::string tmp_dir = {});

/// \brief min(k, size) records drawn uniformly without replacement from rng{seed} (selection
/// sampling), in file order, with their spool indices in `index`; `must` (if any) is always in.
[[nodiscard]] sequence_set sample_records(sequence_spool const & spool, std::size_t k, std::uint64_t seed,
                                          std::vector<std::size_t> & index,
                                          std::optional<std::size_t> must = std::nullopt);

} // namespace emtk::seq
