#pragma once
/// \file
/// \brief Test helper of the seq unit tests: writes a gzip file with zlib.

#include <catch2/catch.hpp>

#include <string>
#include <zlib.h>

namespace emtk::test {

/// Writes `content` gzip-compressed to `path`.
inline void write_gzip(std::string const & path, std::string const & content)
{
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, content.data(), static_cast<unsigned>(content.size())) == static_cast<int>(content.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

} // namespace emtk::test
