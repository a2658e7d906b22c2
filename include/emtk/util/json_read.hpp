#pragma once
/// \file
/// \brief Reading JSON (RFC 8259) into a small document tree: what emtk needs to read back the
/// files it wrote (e.g. a fitted mixture for `emtk mix --model`). Numbers are parsed with
/// std::from_chars, so a double written by json_writer (shortest round-trip form) reads back to
/// the same bits. Objects keep their members in file order; lookups are linear (files are small).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emtk {

/// \brief One JSON value.
struct json_value
{
    enum class kind { null, boolean, number, string, array, object };
    kind type = kind::null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<json_value> items;                            ///< array elements
    std::vector<std::pair<std::string, json_value>> members;  ///< object members, in file order

    /// \brief The member named `key` of an object, or nullptr (also when this is not an object).
    [[nodiscard]] json_value const * find(std::string_view key) const noexcept;
};

/// \brief Parses a whole JSON text (one value, surrounding white space allowed).
/// \throws user_error "NAME:LINE: what was expected" for malformed text (NAME = `name`).
[[nodiscard]] json_value parse_json(std::string_view text, std::string const & name);

/// \brief Reads and parses the file at `path` ("-" = stdin).
/// \throws user_error naming the file when it cannot be read or is not JSON.
[[nodiscard]] json_value read_json_file(std::string const & path);

} // namespace emtk
