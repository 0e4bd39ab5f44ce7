#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace jetmon::db {

// A point in time as stored in DATETIME / TIMESTAMP / DATE columns, microsecond precision.
// Every session runs with time_zone='+00:00', so the values on both sides of the wire are UTC.
struct DateTime {
  std::chrono::sys_time<std::chrono::microseconds> time{};

  static DateTime now();
  static DateTime from(std::chrono::system_clock::time_point tp);
  // Civil UTC fields; throws std::invalid_argument for an impossible date or time.
  static DateTime from_civil(int year, unsigned month, unsigned day, unsigned hour = 0,
                             unsigned minute = 0, unsigned second = 0, unsigned microsecond = 0);
  // Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD HH:MM:SS.ffffff" (also with 'T').
  static std::optional<DateTime> parse(std::string_view text);

  // "YYYY-MM-DD HH:MM:SS", plus ".ffffff" when the microseconds are not zero.
  std::string to_string() const;

  // Throws DbError naming `what` when the year is outside 1000-9999, the range of MariaDB's
  // DATETIME: the server would store a zero date or refuse the statement.
  void require_sql_range(std::string_view what) const;

  auto operator<=>(const DateTime&) const = default;
};

// SQL NULL.
struct Null {
  auto operator<=>(const Null&) const = default;
};
inline constexpr Null null{};

// A typed value: a bound parameter or one field of a result row. Integers keep their signedness
// (BIGINT UNSIGNED values above INT64_MAX survive); strings are raw bytes (utf8mb4 text or binary).
// Values travel as prepared-statement binds, or as literals escaped by the connector
// (Connection::literal) in generated multi-row statements; never spliced into SQL by hand.
class Value {
 public:
  using Storage = std::variant<Null, std::int64_t, std::uint64_t, double, std::string, DateTime>;

  Value() = default;
  Value(Null) {}
  Value(std::nullopt_t) {}
  Value(bool b) : v_(std::int64_t{b ? 1 : 0}) {}
  template <std::signed_integral T>
  Value(T i) : v_(static_cast<std::int64_t>(i)) {}
  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool>)
  Value(T u) : v_(static_cast<std::uint64_t>(u)) {}
  Value(double d) : v_(d) {}
  Value(float f) : v_(static_cast<double>(f)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(DateTime t) : v_(t) {}
  template <typename T>
  Value(const std::optional<T>& o) {
    if (o) *this = Value(*o);
  }

  bool is_null() const noexcept { return std::holds_alternative<Null>(v_); }
  const Storage& storage() const noexcept { return v_; }

  // Conversions return nullopt for NULL and throw DbError (code 0) when the value cannot be
  // represented: out-of-range integers, non-numeric text, non-date text.
  std::optional<std::int64_t> as_int64() const;
  std::optional<std::uint64_t> as_uint64() const;
  std::optional<double> as_double() const;
  std::optional<std::string> as_string() const;  // numbers and dates are formatted
  std::optional<DateTime> as_datetime() const;   // DateTime, or text in DateTime::parse format

  bool operator==(const Value&) const = default;

 private:
  Storage v_;
};

}  // namespace jetmon::db
