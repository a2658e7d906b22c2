#pragma once
/// \file
/// \brief Output files that appear whole or not at all.
///
/// Data are written to a temporary file beside the target (same directory, so the final rename is
/// atomic on POSIX file systems) and renamed onto the target by commit(). If commit() is never
/// reached (an exception, a user error), the destructor removes the temporary file: a failed run
/// leaves no partial output. The path "-" writes to stdout instead (nothing to rename).
///
/// A target that exists and is not a regular file (a character device such as /dev/null or
/// /dev/stdout, a FIFO, a socket, a process substitution's /dev/fd/N) is written directly: a
/// rename would replace the device or pipe by a regular file (as root, `-o /dev/null` would turn
/// /dev/null into a plain file for every process on the machine). Such targets cannot be partial
/// files anyway; temporary() is then the target itself and commit() renames nothing.
///
/// Suppressed output (set_output_suppressed(true), used by MPI ranks other than 0): the target's
/// directory is still checked (so every rank fails alike), but nothing is created or written:
/// stream() discards what it gets and commit() does nothing.

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>

namespace emtk {

class atomic_output_file
{
public:
    /// \brief Creates the temporary file next to `target`.
    /// \throws user_error if the directory does not exist or is not writable.
    explicit atomic_output_file(std::string target);
    atomic_output_file(atomic_output_file const &) = delete;
    atomic_output_file & operator=(atomic_output_file const &) = delete;
    atomic_output_file(atomic_output_file &&) noexcept;
    atomic_output_file & operator=(atomic_output_file &&) = delete;
    /// \brief Removes the temporary file unless commit() succeeded.
    ~atomic_output_file();

    /// \brief The stream to write to.
    [[nodiscard]] std::ostream & stream();
    /// \brief Flushes, checks for write errors, and renames the temporary file onto the target.
    /// \throws user_error on a write or rename failure (disk full, permissions).
    void commit();
    /// \brief The target path as given.
    [[nodiscard]] std::string const & target() const noexcept { return target_; }
    /// \brief The temporary path (empty for stdout; the target itself for a direct target).
    [[nodiscard]] std::string const & temporary() const noexcept { return temporary_; }
    /// \brief Whether the target is written directly (it exists and is not a regular file).
    [[nodiscard]] bool direct() const noexcept { return direct_; }

private:
    std::string target_;
    std::string temporary_;
    std::unique_ptr<std::ofstream> file_;
    bool committed_ = false;
    bool suppressed_ = false;
    bool direct_ = false;
};

/// \brief Whether `path` exists and is neither a regular file nor a directory (a character or
/// block device, a FIFO, a socket; symbolic links followed): such an output target must be opened
/// and written in place, never replaced by renaming a temporary file onto it.
[[nodiscard]] bool is_special_output(std::string const & path);

/// \brief Makes every atomic_output_file created afterwards (and std::cout, by the caller)
/// discard its output: for the MPI ranks that are not rank 0.
void set_output_suppressed(bool on) noexcept;
/// \brief Whether output is suppressed (see set_output_suppressed()).
[[nodiscard]] bool output_suppressed() noexcept;

} // namespace emtk
