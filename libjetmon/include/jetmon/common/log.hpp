#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>

// Process-wide logger: one line per message on stderr (journald under systemd), as plain text or
// JSON (LOG_FORMAT). Thread-safe; a line is never interleaved with another.
namespace jetmon::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

void set_format(Format format);
void set_min_level(Level level);
// Replace the output (tests); an empty function restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

void write(Level level, std::string_view message);

// The text of a line as it would be written, without the trailing newline (exposed for tests).
std::string format_line(Format format, Level level, std::string_view message,
                        std::string_view utc_timestamp);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace jetmon::log
