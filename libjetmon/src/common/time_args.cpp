#include "jetmon/common/time_args.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

// Moved here from ops/audit so the rollout gates (--since) and `jetmon2 audit` share one parser.
namespace jetmon {
namespace {

using std::chrono::nanoseconds;

std::optional<double> unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;  // µ (micro sign, mu)
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "HH:MM" of an RFC 3339 offset; nullopt when malformed.
std::optional<int> offset_minutes(std::string_view text) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return std::nullopt;
  int hours = 0;
  int minutes = 0;
  if (std::from_chars(text.data() + 1, text.data() + 3, hours).ec != std::errc{} ||
      std::from_chars(text.data() + 4, text.data() + 6, minutes).ec != std::errc{} || hours > 23 || minutes > 59) {
    return std::nullopt;
  }
  const int total = hours * 60 + minutes;
  return text[0] == '-' ? -total : total;
}

}  // namespace

std::optional<nanoseconds> parse_go_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return nanoseconds{0};
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    while (i < text.size() && is_digit(text[i])) ++i;
    std::size_t j = i;
    if (j < text.size() && text[j] == '.') {
      ++j;
      while (j < text.size() && is_digit(text[j])) ++j;
    }
    if (i == 0 && j <= 1) return std::nullopt;  // no digits at all
    const std::string number(text.substr(0, j));
    std::size_t k = j;
    while (k < text.size() && !is_digit(text[k]) && text[k] != '.') ++k;
    const auto scale = unit_nanoseconds(text.substr(j, k - j));
    if (!scale) return std::nullopt;
    total += std::strtod(number.c_str(), nullptr) * *scale;
    text.remove_prefix(k);
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;
  const auto ns = nanoseconds{static_cast<std::int64_t>(total)};
  return negative ? -ns : ns;
}

std::optional<db::DateTime> parse_time_argument(std::string_view text) {
  if (text.size() < 10) return std::nullopt;
  int offset = 0;
  std::string_view local = text;
  if (text.back() == 'Z' || text.back() == 'z') {
    local.remove_suffix(1);
  } else if (text.size() > 19 && (text[text.size() - 6] == '+' || text[text.size() - 6] == '-')) {
    const auto minutes = offset_minutes(text.substr(text.size() - 6));
    if (!minutes) return std::nullopt;
    offset = *minutes;
    local.remove_suffix(6);
  }
  auto parsed = db::DateTime::parse(local);
  if (!parsed) return std::nullopt;
  parsed->time -= std::chrono::minutes(offset);
  return parsed;
}

std::optional<db::DateTime> resolve_since(std::string_view text, std::chrono::system_clock::time_point now) {
  if (auto d = parse_go_duration(text)) {
    if (d->count() <= 0) return std::nullopt;
    return db::DateTime::from(now - std::chrono::duration_cast<std::chrono::system_clock::duration>(*d));
  }
  return parse_time_argument(text);
}

}  // namespace jetmon
