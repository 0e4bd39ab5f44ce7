#include "jetmon/common/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "common/json_escape.hpp"

namespace jetmon::log {
namespace {

std::mutex g_mutex;
std::atomic<Format> g_format{Format::text};
std::atomic<Level> g_min_level{Level::info};
std::function<void(std::string_view)> g_sink;  // guarded by g_mutex

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO";
    case Level::warn: return "WARN";
    case Level::error: return "ERROR";
  }
  return "INFO";
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count() % 1000);
}

}  // namespace

void set_format(Format format) { g_format.store(format); }
void set_min_level(Level level) { g_min_level.store(level); }

void set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(g_mutex);
  g_sink = std::move(sink);
}

std::string format_line(Format format, Level level, std::string_view message,
                        std::string_view utc_timestamp) {
  if (format == Format::json) {
    std::string lower(level_name(level));
    for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
    return fmt::format(R"({{"time":"{}","level":"{}","msg":"{}"}})", utc_timestamp, lower,
                       json_escape(message));
  }
  return fmt::format("{} {} {}", utc_timestamp, level_name(level), message);
}

void write(Level level, std::string_view message) {
  if (level < g_min_level.load()) return;
  std::string line = format_line(g_format.load(), level, message, utc_now());
  line.push_back('\n');
  std::lock_guard lock(g_mutex);
  if (g_sink) {
    g_sink(std::string_view(line).substr(0, line.size() - 1));
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace jetmon::log
