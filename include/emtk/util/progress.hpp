#pragma once
/// \file
/// \brief A progress bar on stderr, drawn only when stderr is a terminal (quiet in pipelines).

#include <chrono>
#include <cstdint>
#include <string>

namespace emtk {

/// \brief Draws "label [#####.....] 45/100 message" on one stderr line, redrawn at most every
/// 100 ms. Does nothing unless enabled (by default: stderr is a TTY and the log level is not
/// `-q`). finish() (or the destructor) ends the line.
class progress_bar
{
public:
    /// \param label  short text before the bar
    /// \param total  number of steps (0 = unknown: a counter instead of a bar)
    progress_bar(std::string label, std::uint64_t total);
    /// \brief Same, but forced on or off (tests).
    progress_bar(std::string label, std::uint64_t total, bool enabled);
    progress_bar(progress_bar const &) = delete;
    progress_bar & operator=(progress_bar const &) = delete;
    ~progress_bar();

    /// \brief Reports `done` steps completed, with an optional message after the counter.
    void update(std::uint64_t done, std::string const & message = {});
    /// \brief Draws the final state and ends the line.
    void finish();
    [[nodiscard]] bool enabled() const noexcept { return enabled_; }

    /// \brief True when stderr is a terminal and the log level is above `error` (not `-q`).
    [[nodiscard]] static bool stderr_is_terminal() noexcept;

private:
    void draw(std::uint64_t done, std::string const & message);

    std::string label_;
    std::uint64_t total_;
    bool enabled_;
    bool drawn_ = false;
    bool finished_ = false;
    std::uint64_t last_done_ = 0;
    std::string last_message_;
    std::chrono::steady_clock::time_point last_draw_{};
};

} // namespace emtk
