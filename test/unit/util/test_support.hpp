#pragma once
/// \file
/// \brief Helpers shared by the util unit tests: a scratch directory and a stderr capture.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace emtk::test {

/// A fresh directory under the system temp directory, removed with its contents at scope exit.
class temp_dir
{
public:
    temp_dir()
    {
        static int counter = 0;
        namespace fs = std::filesystem;
        for (;;)
        {
            path_ = fs::temp_directory_path() /
                    ("emtk_unit_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
            if (fs::create_directory(path_))
                break;
        }
    }
    temp_dir(temp_dir const &) = delete;
    temp_dir & operator=(temp_dir const &) = delete;
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    [[nodiscard]] std::filesystem::path const & path() const noexcept { return path_; }
    /// Path of `name` inside the directory, as a string.
    [[nodiscard]] std::string file(std::string const & name) const { return (path_ / name).string(); }
    /// Writes `content` byte for byte to `name` and returns its path.
    std::string write(std::string const & name, std::string_view content) const
    {
        std::string p = file(name);
        std::ofstream out{p, std::ios::binary};
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        return p;
    }
    /// Number of directory entries (hidden ones included).
    [[nodiscard]] std::size_t entry_count() const
    {
        std::size_t n = 0;
        for ([[maybe_unused]] auto const & e : std::filesystem::directory_iterator{path_})
            ++n;
        return n;
    }

private:
    std::filesystem::path path_;
};

/// Reads a whole file as bytes.
inline std::string slurp(std::string const & path)
{
    std::ifstream in{path, std::ios::binary};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Redirects file descriptor 2 into a temporary file while alive; text() returns what was written.
class stderr_capture
{
public:
    stderr_capture()
    {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        file_ = std::tmpfile();
        ::dup2(::fileno(file_), STDERR_FILENO);
    }
    stderr_capture(stderr_capture const &) = delete;
    stderr_capture & operator=(stderr_capture const &) = delete;
    ~stderr_capture()
    {
        restore();
        std::fclose(file_);
    }
    /// Restores stderr (if not yet done) and returns everything captured.
    std::string text()
    {
        restore();
        std::string out;
        std::rewind(file_);
        char buf[4096];
        std::size_t got;
        while ((got = std::fread(buf, 1, sizeof buf, file_)) > 0)
            out.append(buf, got);
        return out;
    }

private:
    void restore()
    {
        if (saved_ < 0)
            return;
        std::fflush(stderr);
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }
    int saved_ = -1;
    std::FILE * file_ = nullptr;
};

} // namespace emtk::test
