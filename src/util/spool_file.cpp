/// \file
/// \brief Anonymous spool files (include/emtk/util/spool_file.hpp).

#include <emtk/util/error.hpp>
#include <emtk/util/spool_file.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace emtk::util {

std::string spool_directory(std::string dir)
{
    if (dir.empty())
        if (char const * t = std::getenv("TMPDIR"); t != nullptr && *t != '\0')
            dir = t;
    return dir.empty() ? std::string{"/tmp"} : dir;
}

int anonymous_spool_file(std::string const & dir, std::string const & stem)
{
    std::string name = dir + "/" + stem + ".XXXXXX";
    int const fd = ::mkstemp(name.data());
    if (fd < 0)
        throw user_error(located_message(dir, 0, std::string{"cannot create the temporary spool file: "} +
                                                     std::strerror(errno) + " (set TMPDIR to a writable directory)"));
    ::unlink(name.c_str());
    return fd;
}

void spool_write(int fd, char const * p, std::size_t len, std::string const & dir)
{
    while (len > 0)
    {
        ssize_t const w = ::write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            throw user_error(located_message(dir, 0, std::string{"cannot write the temporary spool file: "} +
                                                         std::strerror(errno) + " (set TMPDIR to a larger disk)"));
        p += w;
        len -= static_cast<std::size_t>(w);
    }
}

void spool_read(int fd, std::uint64_t offset, char * p, std::size_t len, std::string const & source)
{
    auto off = static_cast<off_t>(offset);
    while (len > 0)
    {
        ssize_t const r = ::pread(fd, p, len, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            throw user_error(located_message(source, 0, std::string{"cannot read back the temporary spool file: "} +
                                                            (r == 0 ? "it is shorter than written" : std::strerror(errno))));
        p += r;
        off += r;
        len -= static_cast<std::size_t>(r);
    }
}

} // namespace emtk::util
