#include "jetmon/common/time.hpp"

#include <ctime>

#include <fmt/format.h>

namespace jetmon {

std::string format_rfc3339_utc(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  if (time == system_clock::time_point{}) return kNeverTimestamp;
  const auto secs = floor<seconds>(time);
  const auto nanos = duration_cast<nanoseconds>(time - secs).count();
  const std::time_t t = static_cast<std::time_t>(secs.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (nanos > 0) {
    std::string fraction = fmt::format("{:09}", nanos);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    out += '.';
    out += fraction;
  }
  out += 'Z';
  return out;
}

}  // namespace jetmon
