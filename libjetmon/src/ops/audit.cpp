#include "jetmon/ops/audit.hpp"

#include <ostream>

#include <fmt/format.h>

#include "jetmon/common/text.hpp"
#include "jetmon/common/time_args.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/ops/database.hpp"

namespace jetmon::ops {
namespace {

constexpr std::size_t kAuditMetadataMaxBytes = 64 * 1024;  // per row; the detail column is 1024

}  // namespace

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
