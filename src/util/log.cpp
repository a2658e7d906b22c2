#include <emtk/util/log.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace emtk::log {
namespace {
std::atomic<int> current_level{static_cast<int>(level::warning)};
std::mutex sink_mutex;

void put_line(std::string_view tag, std::string_view message)
{
    std::string line = "[emtk] ";
    line += tag;
    line += message;
    line += '\n';
    std::lock_guard lock{sink_mutex};
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}
} // namespace

void set_level(level lv) noexcept { current_level.store(static_cast<int>(lv)); }
level get_level() noexcept { return static_cast<level>(current_level.load()); }
bool enabled(level lv) noexcept { return static_cast<int>(lv) <= current_level.load(); }

void write(level lv, std::string_view message)
{
    if (!enabled(lv))
        return;
    static constexpr char const * tags[] = {"error: ", "warning: ", "", "debug: "};
    put_line(tags[static_cast<int>(lv)], message);
}

void summary(std::string_view message)
{
    if (enabled(level::warning))
        put_line("", message);
}

} // namespace emtk::log
