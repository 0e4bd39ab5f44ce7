#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/db/value.hpp"

namespace jetmon::db {
class Connection;
}

// The delivery-queue metrics of dashboard-fleet.md §7.4 (`jetmon-deliverer delivery-check`),
// shared with the fleet dashboard's delivery panel (§9.5): read-only queries against the two
// delivery tables, computed against the database clock, and the pure threshold evaluation.
namespace jetmon::delivery {

// One row of the table: kind "webhook" (jetmon_webhook_deliveries), "alert"
// (jetmon_alert_deliveries) or "total" (sums, and the larger of the ages).
struct QueueMetrics {
  std::string kind;
  std::int64_t pending = 0;                 // status pending
  std::int64_t due_now = 0;                 // pending, next_attempt_at NULL or <= now
  std::int64_t future_retry = 0;            // pending, next_attempt_at > now (leased rows too)
  std::int64_t delivered_since = 0;         // delivered, delivered_at >= cutoff
  std::int64_t abandoned_since = 0;         // abandoned, last_attempt_at (else created_at) >= cutoff
  std::int64_t failed_since = 0;            // failed, the same rule
  std::int64_t oldest_pending_age_sec = 0;  // now - min(created_at) of pending rows; 0 when none
  std::int64_t oldest_due_age_sec = 0;      // now - min(coalesce(next_attempt_at, created_at)) of due rows

  bool operator==(const QueueMetrics&) const = default;
};

// The database's view of the queues at one instant.
struct QueueSnapshot {
  db::DateTime now;     // the database clock (SELECT NOW()); every age is taken against it
  db::DateTime cutoff;  // the *_since window start
  QueueMetrics webhook;
  QueueMetrics alert;
  QueueMetrics total;   // total_of(webhook, alert)
};

// The same window start for a --since value as every command resolves it, but against the
// database clock `db_now`: a positive Go duration → db_now − d; else an RFC 3339 (or
// "YYYY-MM-DD HH:MM:SS") time that is not after db_now. The failure text, or the cutoff.
struct SinceResolution {
  db::DateTime cutoff;
  std::string error;  // non-empty: the value is unusable
};
SinceResolution resolve_queue_since(std::string_view since, db::DateTime db_now);

// Reads NOW() once, resolves `since` against it (throws std::invalid_argument with the
// resolution error), then runs the read-only queries of both tables (three per table, each on an
// index of the status column). Throws DbError when a query fails.
QueueSnapshot read_queue_snapshot(db::Connection& connection, std::string_view since);

// Reads both tables for a known instant and cutoff (the fleet dashboard passes its own window).
QueueSnapshot read_queue_snapshot(db::Connection& connection, db::DateTime now, db::DateTime cutoff);

// RFC 3339 UTC to the second ("2026-04-30T11:45:00Z"), the form of every time delivery-check
// prints; any DATETIME year (no nanosecond time_point in between).
std::string format_seconds(db::DateTime time);

// Sums of the counters and the larger of the ages; kind "total".
QueueMetrics total_of(const QueueMetrics& webhook, const QueueMetrics& alert);

// The delivery-check thresholds: −1 means off for the max-* values.
struct QueueThresholds {
  std::int64_t max_pending = -1;
  std::int64_t max_due = -1;
  std::int64_t max_abandoned = -1;
  std::int64_t max_failed = -1;
  bool require_recent_delivery = false;          // any delivered row since the cutoff
  bool require_recent_webhook_delivery = false;  // a delivered webhook row since the cutoff
  bool require_recent_alert_delivery = false;    // a delivered alert row since the cutoff
};

// The failure lines of §7.4 (without "FAIL "), in the order max-pending, max-due, max-abandoned,
// max-failed, recent delivery, recent webhook, recent alert; empty when every threshold holds.
// `since_text` is the cutoff as printed (RFC 3339 UTC).
std::vector<std::string> evaluate_thresholds(const QueueThresholds& thresholds, const QueueSnapshot& snapshot,
                                             std::string_view since_text);

// The text table of §7.4: header KIND PENDING DUE_NOW FUTURE_RETRY DELIVERED_SINCE
// ABANDONED_SINCE FAILED_SINCE OLDEST_PENDING_SEC OLDEST_DUE_SEC, then webhook, alert and total;
// columns left-aligned, padded to the widest cell plus two spaces (Go tabwriter, padding 2). Each
// line ends with '\n'.
std::string format_queue_table(const QueueSnapshot& snapshot);

}  // namespace jetmon::delivery
