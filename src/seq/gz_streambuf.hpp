#pragma once
/// \file
/// \brief Private to src/seq/: a read-only std::streambuf over zlib's gzFile (plain or gzip, or stdin).
///
/// Why not SeqAn3's own decompression: SeqAn3 3.2 decides the format from the file extension only,
/// and its stream constructor detects gzip by reading 18 bytes and ungetting them, which std::cin's
/// buffer cannot take back (it keeps one character of putback). zlib's gzread reads plain files as
/// they are and gzip/BGZF (multi-member) files decompressed, from a path or from a descriptor, so
/// one code path serves "seqs.fa", "seqs.fa.gz" and "-", and the format can be detected from the
/// decompressed content.

#include <emtk/util/error.hpp>

#include <cstddef>
#include <streambuf>
#include <string>
#include <vector>

namespace emtk::seq::detail {

/// \brief An error of the byte stream itself (read error, corrupt or truncated gzip): what()
/// names the file; detail() is the message without it, so that the reader can add the record.
class stream_error : public user_error
{
public:
    stream_error(std::string const & path, std::string detail);
    [[nodiscard]] std::string const & detail() const noexcept { return detail_; }

private:
    std::string detail_;
};

/// \brief Reads decompressed bytes from a file ("-" = stdin) through zlib.
///
/// Keeps `putback_size` bytes of putback across refills (SeqAn3 ungets up to 18 bytes while it
/// looks for a compression header). At the end of the data it yields one extra '\n' (see
/// reader.cpp: a header line at the very end of a file then reads as an empty record).
/// Errors are thrown from underflow() as stream_error naming the file: read errors, corrupt or
/// truncated gzip data.
class gz_streambuf : public std::streambuf
{
public:
    /// \brief Opens `path` ("-" = a duplicate of stdin's descriptor).
    /// \throws user_error "PATH: cannot open: REASON".
    explicit gz_streambuf(std::string path);
    ~gz_streambuf() override;
    gz_streambuf(gz_streambuf const &) = delete;
    gz_streambuf & operator=(gz_streambuf const &) = delete;

    /// \brief Bytes kept before the read position after a refill.
    static constexpr std::size_t putback_size = 64;

protected:
    int_type underflow() override;

private:
    std::string path_;
    void * gz_ = nullptr; // gzFile, opaque so that zlib.h stays in the .cpp
    std::vector<char> buf_;
    bool eof_ = false;
    bool sent_final_newline_ = false;
};

} // namespace emtk::seq::detail
