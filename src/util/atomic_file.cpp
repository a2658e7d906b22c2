#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <streambuf>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace emtk {

namespace {
bool suppress_all = false;

/// A stream buffer that accepts and drops everything.
class null_buffer : public std::streambuf
{
protected:
    int_type overflow(int_type c) override { return traits_type::not_eof(c); }
    std::streamsize xsputn(char const *, std::streamsize n) override { return n; }
};

std::ostream & null_stream()
{
    static null_buffer buf;
    static std::ostream out{&buf};
    return out;
}
} // namespace

bool is_special_output(std::string const & path)
{
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0)
        return false;
    return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

void set_output_suppressed(bool on) noexcept { suppress_all = on; }
bool output_suppressed() noexcept { return suppress_all; }

atomic_output_file::atomic_output_file(std::string target) : target_{std::move(target)}, suppressed_{suppress_all}
{
    if (target_ == "-")
        return;
    namespace fs = std::filesystem;
    fs::path const tpath{target_};
    fs::path dir = tpath.parent_path();
    if (dir.empty())
        dir = ".";
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw user_error(located_message(target_, 0, "cannot write: directory '" + dir.string() +
                                                         "' does not exist"));
    if (fs::is_directory(tpath, ec))
        throw user_error(located_message(target_, 0, "cannot write: is a directory"));
    if (suppressed_)
        return;
    if (is_special_output(target_))
    {
        direct_ = true;
        temporary_ = target_;
        file_ = std::make_unique<std::ofstream>(target_, std::ios::binary | std::ios::trunc);
        if (!*file_)
            throw user_error(located_message(target_, 0, "cannot open for writing"));
        return;
    }
    std::string name{"."};
    name.append(tpath.filename().string()).append(".tmp.XXXXXX"); // append: GCC 12 PR 105651
    std::string pattern = (dir / name).string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    int fd = ::mkstemp(buf.data());
    if (fd < 0)
        throw user_error(located_message(target_, 0, std::string{"cannot write: "} + std::strerror(errno)));
    // mkstemp creates the file 0600; give the output the mode a plainly created file would get.
    mode_t const mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, static_cast<mode_t>(0666) & ~mask);
    ::close(fd);
    temporary_ = buf.data();
    file_ = std::make_unique<std::ofstream>(temporary_, std::ios::binary | std::ios::trunc);
    if (!*file_)
    {
        std::remove(temporary_.c_str());
        throw user_error(located_message(target_, 0, "cannot open for writing"));
    }
}

atomic_output_file::atomic_output_file(atomic_output_file && other) noexcept :
    target_{std::move(other.target_)},
    temporary_{std::move(other.temporary_)},
    file_{std::move(other.file_)},
    committed_{other.committed_},
    suppressed_{other.suppressed_},
    direct_{other.direct_}
{
    other.temporary_.clear();
    other.committed_ = true;
}

atomic_output_file::~atomic_output_file()
{
    if (!committed_ && !temporary_.empty() && !direct_)
    {
        file_.reset();
        std::remove(temporary_.c_str());
    }
}

std::ostream & atomic_output_file::stream()
{
    if (suppressed_)
        return null_stream();
    if (target_ == "-")
        return std::cout;
    return *file_;
}

void atomic_output_file::commit()
{
    if (committed_)
        return;
    if (suppressed_)
    {
        committed_ = true;
        return;
    }
    if (target_ == "-")
    {
        std::cout.flush();
        if (!std::cout)
            throw user_error("<stdout>: write failed");
        committed_ = true;
        return;
    }
    file_->flush();
    bool ok = static_cast<bool>(*file_);
    file_->close();
    if (!ok || file_->fail())
        throw user_error(located_message(target_, 0, "write failed (disk full?)"));
    if (direct_)
    {
        committed_ = true;
        return;
    }
    if (std::rename(temporary_.c_str(), target_.c_str()) != 0)
        throw user_error(located_message(target_, 0, std::string{"cannot rename into place: "} +
                                                         std::strerror(errno)));
    committed_ = true;
}

} // namespace emtk
