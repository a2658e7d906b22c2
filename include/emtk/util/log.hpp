#pragma once
/// \file
/// \brief One leveled log sink (like htslib's hts_log): the library writes to it, the application
/// chooses the level (`-q` = errors only, default = warnings, `-v` = info, `-vv` = debug).

#include <string_view>

namespace emtk::log {

enum class level : int { error = 0, warning = 1, info = 2, debug = 3 };

/// \brief Sets the most verbose level that is still printed. Thread-safe.
void set_level(level lv) noexcept;
/// \brief The current level.
[[nodiscard]] level get_level() noexcept;
/// \brief True when messages of level `lv` are printed.
[[nodiscard]] bool enabled(level lv) noexcept;

/// \brief Writes "[emtk] <tag>message" as one line on stderr if `lv` is enabled. Thread-safe
/// (one line is written with a single call and a lock).
void write(level lv, std::string_view message);

inline void error(std::string_view m) { write(level::error, m); }
inline void warning(std::string_view m) { write(level::warning, m); }
inline void info(std::string_view m) { write(level::info, m); }
inline void debug(std::string_view m) { write(level::debug, m); }

/// \brief A tool's result summary: "[emtk] message" on stderr, without a tag, printed at the
/// default level and above (like a warning), so `-q` silences it. For the application, once per
/// run; the library never calls it.
void summary(std::string_view message);

} // namespace emtk::log
