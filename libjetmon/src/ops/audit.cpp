#include "jetmon/ops/audit.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "jetmon/common/text.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/ops/database.hpp"

namespace jetmon::ops {
namespace {

using std::chrono::nanoseconds;

constexpr std::size_t kAuditMetadataMaxBytes = 64 * 1024;  // per row; the detail column is 1024

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

std::string check_since_argument(std::string_view text) {
  if (resolve_since(text, std::chrono::system_clock::now())) return {};
  return "--since: " + go_quote(text) +
         " is neither a positive duration (24h, 90m) nor a time (RFC 3339 or YYYY-MM-DD HH:MM:SS)";
}

std::string check_until_argument(std::string_view text) {
  if (parse_time_argument(text)) return {};
  return "--until: " + go_quote(text) + " is not a time (RFC 3339 or YYYY-MM-DD HH:MM:SS)";
}

std::string format_audit_row(const AuditRow& row) {
  std::string detail = row.detail.value_or("");
  if (row.event_id) detail = fmt::format("event={} {}", *row.event_id, detail);
  if (row.metadata && !row.metadata->empty()) detail = fmt::format("{} meta={}", detail, *row.metadata);
  const auto since_epoch = row.created_at.time.time_since_epoch();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  const std::string stamp =
      db::DateTime{std::chrono::floor<std::chrono::seconds>(row.created_at.time)}.to_string() +
      fmt::format(".{:03}", millis < 0 ? millis + 1000 : millis);
  return fmt::format("{:<25} {:<22} {:<15} {}", stamp, row.event_type, row.source, detail);
}

int run_audit(const config::Environment& env, const AuditOptions& options, std::ostream& out, std::ostream& err) {
  if (options.blog_id == 0) {
    err << kAuditUsage << "\n";
    return 1;
  }
  std::optional<db::DateTime> since;
  std::optional<db::DateTime> until;
  if (!options.since.empty()) {
    since = resolve_since(options.since, std::chrono::system_clock::now());
    if (!since) {
      err << check_since_argument(options.since) << "\n" << kAuditUsage << "\n";
      return 1;
    }
  }
  if (!options.until.empty()) {
    until = parse_time_argument(options.until);
    if (!until) {
      err << check_until_argument(options.until) << "\n" << kAuditUsage << "\n";
      return 1;
    }
  }
  std::optional<db::Connection> connection;
  try {
    connection.emplace(db::connect_with_retry(connect_options(config::db_settings_from_env(env)),
                                              std::max(1, options.db_attempts)));
  } catch (const std::exception& e) {
    err << "db: " << e.what() << "\n";
    return 1;
  }
  std::string sql =
      "SELECT created_at, event_type, source, event_id, detail, metadata FROM jetmon_audit_log WHERE blog_id = ?";
  db::Params params{options.blog_id};
  if (since) {
    sql += " AND created_at >= ?";
    params.emplace_back(*since);
  }
  if (until) {
    sql += " AND created_at <= ?";
    params.emplace_back(*until);
  }
  sql += " ORDER BY created_at ASC, id ASC";
  out << "Audit log for blog_id=" << options.blog_id << "\n"
      << fmt::format("{:<25} {:<22} {:<15} {}", "TIMESTAMP", "EVENT", "SOURCE", "DETAIL") << "\n"
      << std::string(90, '-') << "\n";
  try {
    db::Statement statement = connection->prepare(sql);
    statement.set_max_column_bytes(kAuditMetadataMaxBytes);
    statement.query_each(params, [&](const db::Row& r) {
      AuditRow row;
      row.created_at = r.get_datetime(0).value_or(db::DateTime{});
      row.event_type = r.get_string(1).value_or("");
      row.source = r.get_string(2).value_or("");
      row.event_id = r.get_uint64(3);
      row.detail = r.get_string(4);
      row.metadata = r.get_string(5);
      out << format_audit_row(row) << "\n";
    });
  } catch (const std::exception& e) {
    err << "query: " << e.what() << "\n";
    return 1;
  }
  out.flush();
  return 0;
}

}  // namespace jetmon::ops
