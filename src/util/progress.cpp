#include <emtk/util/log.hpp>
#include <emtk/util/progress.hpp>

#include <cstdio>
#include <unistd.h>

namespace emtk {

bool progress_bar::stderr_is_terminal() noexcept
{
    return ::isatty(STDERR_FILENO) == 1 && log::enabled(log::level::warning);
}

progress_bar::progress_bar(std::string label, std::uint64_t total) :
    progress_bar(std::move(label), total, stderr_is_terminal())
{}

progress_bar::progress_bar(std::string label, std::uint64_t total, bool enabled) :
    label_{std::move(label)}, total_{total}, enabled_{enabled}
{}

progress_bar::~progress_bar()
{
    if (drawn_ && !finished_)
        std::fputc('\n', stderr);
}

void progress_bar::update(std::uint64_t done, std::string const & message)
{
    if (!enabled_)
        return;
    last_done_ = done;
    last_message_ = message;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100))
        return;
    last_draw_ = now;
    draw(done, message);
}

void progress_bar::finish()
{
    if (!enabled_ || finished_)
        return;
    draw(total_ > 0 ? total_ : last_done_, last_message_);
    std::fputc('\n', stderr);
    finished_ = true;
}

void progress_bar::draw(std::uint64_t done, std::string const & message)
{
    constexpr int width = 30;
    // (Built with append: GCC 12 warns spuriously about "literal" + std::string at -O3, PR 105651.)
    std::string line{"\r"};
    line.append(label_).append(" ");
    if (total_ > 0)
    {
        auto filled = static_cast<int>(width * (done > total_ ? 1.0 : static_cast<double>(done) / total_));
        line.append("[").append(static_cast<std::size_t>(filled), '#');
        line.append(static_cast<std::size_t>(width - filled), '.').append("] ");
        line.append(std::to_string(done)).append("/").append(std::to_string(total_));
    }
    else
    {
        line += std::to_string(done);
    }
    if (!message.empty())
        line.append("  ").append(message);
    line += "\x1b[K"; // clear to end of line
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

} // namespace emtk
