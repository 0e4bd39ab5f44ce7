#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "jetmon/common/time_args.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/db/value.hpp"

// `jetmon2 audit --blog-id N [--since dur|time] [--until time]` (monitor.md §10.1): the
// jetmon_audit_log rows of one blog, oldest first, in the Go tool's table layout.
namespace jetmon::ops {

// The --since / --until parsers live in common/time_args.hpp (shared with the rollout gates).
using jetmon::parse_go_duration;
using jetmon::parse_time_argument;
using jetmon::resolve_since;

// The CLI11-style validator text for a --since / --until value: "" when valid, else the reason.
std::string check_since_argument(std::string_view text);
std::string check_until_argument(std::string_view text);

struct AuditRow {
  db::DateTime created_at;
  std::string event_type;
  std::string source;
  std::optional<std::uint64_t> event_id;
  std::optional<std::string> detail;
  std::optional<std::string> metadata;
};

// One table line, as the Go tool prints it: "%-25s %-22s %-15s %s" of created_at
// ("YYYY-MM-DD HH:MM:SS.mmm", UTC), event_type, source and the detail column, which is the detail
// prefixed with "event=<id> " when the row has an event id and followed by " meta=<json>" when
// it has metadata.
std::string format_audit_row(const AuditRow& row);

inline constexpr const char* kAuditUsage =
    "usage: jetmon2 audit --blog-id <id> [--since <time>] [--until <time>]";

struct AuditOptions {
  std::uint64_t blog_id = 0;  // 0: not given
  std::string since;          // empty: no lower bound
  std::string until;          // empty: no upper bound
  int db_attempts = 3;
};

// Runs the command: blog id 0 → usage line on `err`, exit 1; DB from the DB_* environment
// (`db_attempts` tries); then "Audit log for blog_id=<n>", the header, a rule of 90 '-' and one
// line per row (streamed, oldest first). DB errors → "db: …" / "query: …" on `err`, exit 1.
// Malformed --since/--until values are usage errors the app rejects first (exit 2); here they
// exit 1 with the reason.
int run_audit(const config::Environment& env, const AuditOptions& options, std::ostream& out, std::ostream& err);

}  // namespace jetmon::ops
