/// \file
/// \brief zlib-backed input buffer for the sequence reader (see gz_streambuf.hpp).

#include "gz_streambuf.hpp"

#include <emtk/util/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <zlib.h>

namespace emtk::seq::detail {

namespace {
constexpr std::size_t read_size = 1 << 17;
gzFile as_gz(void * p) { return static_cast<gzFile>(p); }

} // namespace

stream_error::stream_error(std::string const & path, std::string detail)
    : user_error{located_message(path, 0, detail)}, detail_{std::move(detail)}
{
}

gz_streambuf::gz_streambuf(std::string path) : path_{std::move(path)}, buf_(putback_size + read_size)
{
    errno = 0;
    gzFile f = (path_ == "-") ? gzdopen(::dup(STDIN_FILENO), "rb") : gzopen(path_.c_str(), "rb");
    if (f == nullptr)
        throw_input_error(path_, 0, std::string{"cannot open: "} + (errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(f, 1 << 17);
    gz_ = f;
    setg(buf_.data(), buf_.data(), buf_.data());
}

gz_streambuf::~gz_streambuf()
{
    if (gz_ != nullptr)
        gzclose(as_gz(gz_));
}

gz_streambuf::int_type gz_streambuf::underflow()
{
    if (gptr() < egptr())
        return traits_type::to_int_type(*gptr());
    if (sent_final_newline_)
        return traits_type::eof();

    // Keep the last bytes before the read position as putback area.
    std::size_t const keep = std::min<std::size_t>(putback_size, static_cast<std::size_t>(gptr() - eback()));
    std::memmove(buf_.data() + putback_size - keep, gptr() - keep, keep);
    char * const start = buf_.data() + putback_size;

    int got = 0;
    if (!eof_)
    {
        got = gzread(as_gz(gz_), start, static_cast<unsigned>(read_size));
        int errnum = Z_OK;
        char const * msg = gzerror(as_gz(gz_), &errnum);
        if (got < 0 && errnum == Z_ERRNO)
            throw stream_error(path_, std::string{"read error: "} + std::strerror(errno));
        if (got < 0 || (got == 0 && errnum != Z_OK && errnum != Z_BUF_ERROR))
            throw stream_error(path_, "corrupt gzip data (" + library_message(msg, path_) + ")");
        // zlib reports a gzip stream cut short as a clean end unless we ask (Z_BUF_ERROR).
        if (got == 0 && errnum == Z_BUF_ERROR)
            throw stream_error(path_, "truncated gzip file (unexpected end of data)");
        if (got == 0)
            eof_ = true;
    }
    if (got == 0)
    {
        *start = '\n';
        got = 1;
        sent_final_newline_ = true;
    }
    setg(start - keep, start, start + got);
    return traits_type::to_int_type(*gptr());
}

} // namespace emtk::seq::detail
