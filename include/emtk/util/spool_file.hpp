#pragma once
/// \file
/// \brief Anonymous temporary files for streamed inputs (mix's spooled_rows, seq's
/// sequence_spool): created in $TMPDIR (default /tmp) and unlinked at once, so nothing is left
/// behind even on a crash; written front to back, read back at any offset with pread().
/// Errors are user_error lines naming the directory (create, write) or the input (read back).

#include <cstddef>
#include <cstdint>
#include <string>

namespace emtk::util {

/// \brief `dir`, else $TMPDIR, else /tmp.
[[nodiscard]] std::string spool_directory(std::string dir);

/// \brief A new anonymous file in `dir` (mkstemp, then unlink); `stem` names it while it exists.
/// \throws user_error "DIR: cannot create the temporary spool file: REASON (set TMPDIR ...)".
[[nodiscard]] int anonymous_spool_file(std::string const & dir, std::string const & stem);

/// \brief Writes all `len` bytes (retrying short writes and EINTR).
/// \throws user_error "DIR: cannot write the temporary spool file: REASON (set TMPDIR to a larger disk)".
void spool_write(int fd, char const * p, std::size_t len, std::string const & dir);

/// \brief Reads `len` bytes at `offset` (pread; thread-safe).
/// \throws user_error "SOURCE: cannot read back the temporary spool file: REASON".
void spool_read(int fd, std::uint64_t offset, char * p, std::size_t len, std::string const & source);

} // namespace emtk::util
