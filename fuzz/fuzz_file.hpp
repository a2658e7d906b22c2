#pragma once
/// \file
/// \brief Shared by the fuzz targets: the readers take a path, so each input is written to one
/// temporary file per process and read back from there. A user_error is the expected outcome of
/// bad input; any other exception escapes and libFuzzer reports it as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace emtk::fuzz {

/// \brief Writes `data` to this process's temporary file and returns its path. The suffix of the
/// first call (e.g. ".hmm") names the file for the life of the process; the file is removed when
/// the process exits normally.
inline std::string write_input(std::uint8_t const * data, std::size_t size, char const * suffix)
{
    static std::string const path = [suffix] {
        char const * dir = std::getenv("TMPDIR");
        return std::string{dir ? dir : "/tmp"} + "/emtk-fuzz-" + std::to_string(::getpid()) + suffix;
    }();
    // Registered after `path` is constructed, so it runs before `path` is destroyed.
    static bool const cleanup = (std::atexit([] { std::remove(path.c_str()); }), true);
    (void)cleanup;
    std::FILE * f = std::fopen(path.c_str(), "wb");
    if (!f)
        std::abort();
    if (size && std::fwrite(data, 1, size, f) != size)
        std::abort();
    std::fclose(f);
    return path;
}

} // namespace emtk::fuzz
