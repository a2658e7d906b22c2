#include <emtk/util/atomic_file.hpp>
#include <emtk/util/error.hpp>

#include "util/test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using emtk::atomic_output_file;
using emtk::test::slurp;
using emtk::test::temp_dir;

TEST_CASE("atomic_file: the target appears only after commit, whole", "[util][atomic_file]")
{
    temp_dir dir;
    std::string const target = dir.file("out.txt");
    {
        atomic_output_file f{target};
        CHECK(f.target() == target);
        // The temporary lives beside the target (same directory: the rename is atomic).
        REQUIRE_FALSE(f.temporary().empty());
        CHECK(fs::path{f.temporary()}.parent_path() == fs::path{target}.parent_path());
        CHECK(f.temporary() != target);
        CHECK(fs::exists(f.temporary()));

        f.stream() << "line 1\n";
        f.stream() << "line 2\n";
        f.stream().flush();
        CHECK_FALSE(fs::exists(target));
        CHECK(dir.entry_count() == 1); // only the temporary

        std::string const tmp = f.temporary();
        f.commit();
        CHECK(fs::exists(target));
        CHECK_FALSE(fs::exists(tmp));
        CHECK(slurp(target) == "line 1\nline 2\n");
    }
    // The destructor after a commit leaves the target alone.
    CHECK(slurp(target) == "line 1\nline 2\n");
    CHECK(dir.entry_count() == 1);
}

TEST_CASE("atomic_file: destruction without commit leaves neither target nor temporary", "[util][atomic_file]")
{
    temp_dir dir;
    std::string const target = dir.file("result.bed");
    std::string tmp;
    {
        atomic_output_file f{target};
        tmp = f.temporary();
        f.stream() << std::string(100000, 'x');
        CHECK(fs::exists(tmp));
    }
    CHECK_FALSE(fs::exists(target));
    CHECK_FALSE(fs::exists(tmp));
    CHECK(dir.entry_count() == 0);
}

TEST_CASE("atomic_file: an exception thrown while writing leaves no partial output", "[util][atomic_file]")
{
    temp_dir dir;
    std::string const target = dir.file("summary.json");
    auto run = [&] {
        atomic_output_file f{target};
        f.stream() << "{ partial";
        throw std::runtime_error("failure in the middle of a run");
        f.commit(); // never reached
    };
    CHECK_THROWS_AS(run(), std::runtime_error);
    CHECK_FALSE(fs::exists(target));
    CHECK(dir.entry_count() == 0);
}

TEST_CASE("atomic_file: an existing target is replaced only at commit", "[util][atomic_file]")
{
    temp_dir dir;
    std::string const target = dir.write("keep.txt", "old content\n");
    {
        atomic_output_file f{target};
        f.stream() << "new content\n";
        f.stream().flush();
        CHECK(slurp(target) == "old content\n");
        f.commit();
        CHECK(slurp(target) == "new content\n");
    }
    CHECK(slurp(target) == "new content\n");

    // Not committed: the old file survives untouched.
    {
        atomic_output_file f{target};
        f.stream() << "discarded\n";
    }
    CHECK(slurp(target) == "new content\n");
    CHECK(dir.entry_count() == 1);
}

TEST_CASE("atomic_file: commit twice is harmless", "[util][atomic_file]")
{
    temp_dir dir;
    std::string const target = dir.file("twice.txt");
    atomic_output_file f{target};
    f.stream() << "abc";
    f.commit();
    CHECK_NOTHROW(f.commit());
    CHECK(slurp(target) == "abc");
}

TEST_CASE("atomic_file: a missing directory is a user error naming the path", "[util][atomic_file]")
{
    temp_dir dir;
    std::string const target = (dir.path() / "no_such_dir" / "out.txt").string();
    try
    {
        atomic_output_file f{target};
        FAIL("expected a user_error");
    }
    catch (emtk::user_error const & e)
    {
        std::string const msg = e.what();
        CHECK_THAT(msg, Catch::Matchers::StartsWith(target + ": "));
        CHECK_THAT(msg, Catch::Matchers::Contains("no_such_dir"));
        CHECK_THAT(msg, Catch::Matchers::Contains("does not exist"));
    }
    CHECK(dir.entry_count() == 0);
}

TEST_CASE("atomic_file: a target that is a directory is a user error", "[util][atomic_file]")
{
    temp_dir dir;
    fs::create_directory(dir.path() / "sub");
    std::string const target = dir.file("sub");
    CHECK_THROWS_AS(atomic_output_file{target}, emtk::user_error);
    CHECK_THROWS_WITH(atomic_output_file{target}, Catch::Matchers::StartsWith(target + ": "));
    CHECK(dir.entry_count() == 1); // just "sub": no temporary left behind
}

TEST_CASE("atomic_file: a relative name in the current directory works", "[util][atomic_file]")
{
    temp_dir dir;
    fs::path const old = fs::current_path();
    fs::current_path(dir.path());
    try
    {
        atomic_output_file f{"plain_name.txt"};
        CHECK(fs::path{f.temporary()}.parent_path() == fs::path{"."});
        f.stream() << "x";
        f.commit();
        CHECK(slurp("plain_name.txt") == "x");
    }
    catch (...)
    {
        fs::current_path(old);
        throw;
    }
    fs::current_path(old);
}

TEST_CASE("atomic_file: a moved-from object neither removes nor commits", "[util][atomic_file]")
{
    temp_dir dir;
    std::string const target = dir.file("moved.txt");
    std::string tmp;
    {
        atomic_output_file a{target};
        tmp = a.temporary();
        a.stream() << "payload";
        atomic_output_file b{std::move(a)};
        CHECK(b.temporary() == tmp);
        CHECK(b.target() == target);
        CHECK(fs::exists(tmp));
        b.commit();
    }
    CHECK(slurp(target) == "payload");
    CHECK_FALSE(fs::exists(tmp));

    {
        atomic_output_file a{target};
        tmp = a.temporary();
        {
            atomic_output_file b{std::move(a)};
            b.stream() << "never committed";
        } // b's destructor removes the temporary
        CHECK_FALSE(fs::exists(tmp));
    } // a's destructor must not touch anything
    CHECK(slurp(target) == "payload");
    CHECK(dir.entry_count() == 1);
}

TEST_CASE("atomic_file: '-' writes to stdout, with no temporary", "[util][atomic_file]")
{
    atomic_output_file f{"-"};
    CHECK(f.temporary().empty());
    CHECK(&f.stream() == &std::cout);
    CHECK_NOTHROW(f.commit());
}

TEST_CASE("atomic_file: the output gets the same permissions as a plainly created file", "[util][atomic_file]")
{
    // A file created with open(O_CREAT, 0666) gets 0666 & ~umask (typically 0644). mkstemp()
    // creates its file 0600; unless the writer widens it, every output would be private to the user
    // (unreadable by collaborators on a shared cluster), unlike the same file written directly.
    temp_dir dir;
    mode_t const mask = ::umask(022);
    ::umask(mask);
    std::string const plain = dir.write("plain.txt", "x");
    std::string const target = dir.file("atomic.txt");
    {
        atomic_output_file f{target};
        f.stream() << "x";
        f.commit();
    }
    auto perms = [](std::string const & p) { return fs::status(p).permissions(); };
    CHECK(perms(plain) == static_cast<fs::perms>(0666 & ~mask));
    CHECK(perms(target) == perms(plain));
}

TEST_CASE("atomic_file: a device or FIFO target is written in place, never replaced", "[util][atomic_file]")
{
    // Renaming a temporary file onto /dev/null (`-o /dev/null`) would replace the device by a
    // regular file for every process on the machine when run as root.
    // Some sandboxes (CI containers) provide /dev/null as something other than a character device;
    // there the device case cannot be observed and only the FIFO section below checks the rule.
    if (fs::is_character_file("/dev/null"))
    SECTION("/dev/null stays a character device and no temporary appears in /dev")
    {
        CHECK(emtk::is_special_output("/dev/null"));
        {
            atomic_output_file f{"/dev/null"};
            CHECK(f.direct());
            CHECK(f.temporary() == "/dev/null");
            f.stream() << "discarded\n";
            CHECK_NOTHROW(f.commit());
        }
        CHECK(fs::is_character_file("/dev/null"));
        for (auto const & e : fs::directory_iterator("/dev"))
            CHECK(e.path().filename().string().rfind(".null.tmp.", 0) == std::string::npos);
    }
    SECTION("a FIFO gets the data and stays a FIFO")
    {
        temp_dir dir;
        std::string const fifo = dir.file("pipe");
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        CHECK(emtk::is_special_output(fifo));
        // Open the read end first (non-blocking) so the writer's open does not wait.
        int const rfd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
        REQUIRE(rfd >= 0);
        {
            atomic_output_file f{fifo};
            CHECK(f.direct());
            f.stream() << "through the pipe";
            f.commit();
        }
        char buf[64] = {};
        ssize_t const n = ::read(rfd, buf, sizeof buf - 1);
        ::close(rfd);
        CHECK(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) == "through the pipe");
        CHECK(fs::is_fifo(fifo));
        CHECK(dir.entry_count() == 1);
    }
    SECTION("regular files, directories and missing paths are not special")
    {
        temp_dir dir;
        CHECK_FALSE(emtk::is_special_output(dir.write("a.txt", "x")));
        CHECK_FALSE(emtk::is_special_output(dir.file("missing.txt")));
        CHECK_FALSE(emtk::is_special_output(dir.file("")));
    }
}
