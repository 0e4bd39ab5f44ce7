#include "jetmon/db/value.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "jetmon/db/error.hpp"

namespace jetmon::db {

namespace chr = std::chrono;

DateTime DateTime::now() { return from(chr::system_clock::now()); }

DateTime DateTime::from(chr::system_clock::time_point tp) {
  return DateTime{chr::time_point_cast<chr::microseconds>(tp)};
}

DateTime DateTime::from_civil(int year, unsigned month, unsigned day, unsigned hour,
                              unsigned minute, unsigned second, unsigned microsecond) {
  const chr::year_month_day ymd{chr::year{year}, chr::month{month}, chr::day{day}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59 || microsecond > 999999) {
    throw std::invalid_argument(fmt::format("invalid date/time {:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
                                            year, month, day, hour, minute, second, microsecond));
  }
  return DateTime{chr::sys_days{ymd} + chr::hours{hour} + chr::minutes{minute} +
                  chr::seconds{second} + chr::microseconds{microsecond}};
}

namespace {

bool parse_uint(std::string_view s, unsigned& out) {
  if (s.empty()) return false;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && p == end;
}

}  // namespace

std::optional<DateTime> DateTime::parse(std::string_view t) {
  // YYYY-MM-DD[( |T)HH:MM:SS[.f{1,6}]]
  if (t.size() < 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, us = 0;
  if (!parse_uint(t.substr(0, 4), y) || !parse_uint(t.substr(5, 2), mo) ||
      !parse_uint(t.substr(8, 2), d)) {
    return std::nullopt;
  }
  if (t.size() > 10) {
    if (t.size() < 19 || (t[10] != ' ' && t[10] != 'T') || t[13] != ':' || t[16] != ':')
      return std::nullopt;
    if (!parse_uint(t.substr(11, 2), h) || !parse_uint(t.substr(14, 2), mi) ||
        !parse_uint(t.substr(17, 2), s)) {
      return std::nullopt;
    }
    if (t.size() > 19) {
      const std::string_view frac = t.substr(20);
      if (t[19] != '.' || frac.empty() || frac.size() > 6 || !parse_uint(frac, us))
        return std::nullopt;
      for (std::size_t i = frac.size(); i < 6; ++i) us *= 10;
    }
  }
  try {
    return from_civil(static_cast<int>(y), mo, d, h, mi, s, us);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

std::string DateTime::to_string() const {
  const auto days = chr::floor<chr::days>(time);
  const chr::year_month_day ymd{days};
  const chr::hh_mm_ss hms{time - days};
  std::string out = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (hms.subseconds().count() != 0) out += fmt::format(".{:06}", hms.subseconds().count());
  return out;
}

void DateTime::require_sql_range(std::string_view what) const {
  const int year = static_cast<int>(chr::year_month_day{chr::floor<chr::days>(time)}.year());
  if (year < 1000 || year > 9999) {
    throw DbError(fmt::format("{}: date/time {} is outside years 1000-9999", what, to_string()));
  }
}

namespace {

template <typename T>
T parse_number(const std::string& s, const char* what) {
  T out{};
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  if (ec != std::errc{} || p != end) {
    throw DbError(fmt::format("value \"{}\" is not {}", s.size() > 64 ? s.substr(0, 64) + "…" : s, what));
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> Value::as_int64() const {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return *i;
  if (const auto* u = std::get_if<std::uint64_t>(&v_)) {
    if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw DbError(fmt::format("value {} does not fit a signed 64-bit integer", *u));
    return static_cast<std::int64_t>(*u);
  }
  if (const auto* d = std::get_if<double>(&v_)) {
    if (!std::isfinite(*d) || *d != std::trunc(*d) || *d < -9.2233720368547758e18 || *d >= 9.2233720368547758e18)
      throw DbError(fmt::format("value {} is not a 64-bit integer", *d));
    return static_cast<std::int64_t>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&v_)) return parse_number<std::int64_t>(*s, "an integer");
  if (std::holds_alternative<DateTime>(v_)) throw DbError("a date/time value is not an integer");
  return std::nullopt;
}

std::optional<std::uint64_t> Value::as_uint64() const {
  if (const auto* u = std::get_if<std::uint64_t>(&v_)) return *u;
  if (const auto* i = std::get_if<std::int64_t>(&v_)) {
    if (*i < 0) throw DbError(fmt::format("value {} is negative", *i));
    return static_cast<std::uint64_t>(*i);
  }
  if (const auto* d = std::get_if<double>(&v_)) {
    if (!std::isfinite(*d) || *d != std::trunc(*d) || *d < 0 || *d >= 1.8446744073709552e19)
      throw DbError(fmt::format("value {} is not an unsigned 64-bit integer", *d));
    return static_cast<std::uint64_t>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&v_))
    return parse_number<std::uint64_t>(*s, "an unsigned integer");
  if (std::holds_alternative<DateTime>(v_)) throw DbError("a date/time value is not an integer");
  return std::nullopt;
}

std::optional<double> Value::as_double() const {
  if (const auto* d = std::get_if<double>(&v_)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v_)) return static_cast<double>(*u);
  if (const auto* s = std::get_if<std::string>(&v_)) return parse_number<double>(*s, "a number");
  if (std::holds_alternative<DateTime>(v_)) throw DbError("a date/time value is not a number");
  return std::nullopt;
}

std::optional<std::string> Value::as_string() const {
  if (const auto* s = std::get_if<std::string>(&v_)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return std::to_string(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v_)) return std::to_string(*u);
  if (const auto* d = std::get_if<double>(&v_)) return fmt::format("{}", *d);
  if (const auto* t = std::get_if<DateTime>(&v_)) return t->to_string();
  return std::nullopt;
}

std::optional<DateTime> Value::as_datetime() const {
  if (const auto* t = std::get_if<DateTime>(&v_)) return *t;
  if (const auto* s = std::get_if<std::string>(&v_)) {
    if (auto parsed = DateTime::parse(*s)) return parsed;
    throw DbError(fmt::format("value \"{}\" is not a date/time", s->size() > 64 ? s->substr(0, 64) : *s));
  }
  if (is_null()) return std::nullopt;
  throw DbError("a numeric value is not a date/time");
}

}  // namespace jetmon::db
