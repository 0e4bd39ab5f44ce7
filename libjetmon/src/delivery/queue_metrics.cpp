#include "jetmon/delivery/queue_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "jetmon/common/columns.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/common/time_args.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::delivery {
namespace {

struct TableQueries {
  std::string kind;
  std::string pending;    // count, due, future, min(created_at), min(coalesce) of due rows
  std::string delivered;  // count delivered since the cutoff
  std::string closed;     // abandoned / failed since the cutoff, grouped by status
};

// `table` is one of the two fixed names below, never input. Each query is bounded by an index
// that starts with `status` (migrations 14/17 and 22/23).
TableQueries queries_for(std::string kind, std::string_view table) {
  return {std::move(kind),
          fmt::format("SELECT COUNT(*),"
                      " CAST(COALESCE(SUM(next_attempt_at IS NULL OR next_attempt_at <= ?), 0) AS SIGNED),"
                      " CAST(COALESCE(SUM(next_attempt_at > ?), 0) AS SIGNED),"
                      " MIN(created_at),"
                      " MIN(CASE WHEN next_attempt_at IS NULL OR next_attempt_at <= ?"
                      " THEN COALESCE(next_attempt_at, created_at) END)"
                      " FROM {} WHERE status = 'pending'",
                      table),
          fmt::format("SELECT COUNT(*) FROM {} WHERE status = 'delivered' AND delivered_at >= ?", table),
          fmt::format("SELECT status, COUNT(*) FROM {} WHERE status IN ('abandoned', 'failed') AND"
                      " (last_attempt_at >= ? OR (last_attempt_at IS NULL AND created_at >= ?)) GROUP BY status",
                      table)};
}

const TableQueries& webhook_queries() {
  static const TableQueries q = queries_for("webhook", "jetmon_webhook_deliveries");
  return q;
}

const TableQueries& alert_queries() {
  static const TableQueries q = queries_for("alert", "jetmon_alert_deliveries");
  return q;
}

std::int64_t age_seconds(db::DateTime now, const std::optional<db::DateTime>& oldest) {
  if (!oldest) return 0;
  const auto age = std::chrono::floor<std::chrono::seconds>(now.time - oldest->time).count();
  return std::max<std::int64_t>(0, age);
}

QueueMetrics read_table(db::Connection& connection, const TableQueries& q, db::DateTime now, db::DateTime cutoff) {
  QueueMetrics m;
  m.kind = q.kind;
  if (const auto row = connection.query_one(q.pending, {now, now, now})) {
    m.pending = row->get_int64(0).value_or(0);
    m.due_now = row->get_int64(1).value_or(0);
    m.future_retry = row->get_int64(2).value_or(0);
    m.oldest_pending_age_sec = age_seconds(now, row->get_datetime(3));
    m.oldest_due_age_sec = age_seconds(now, row->get_datetime(4));
  }
  if (const auto count = connection.query_scalar(q.delivered, {cutoff})) {
    m.delivered_since = count->as_int64().value_or(0);
  }
  for (const db::Row& row : connection.query(q.closed, {cutoff, cutoff})) {
    const std::string status = row.get_string(0).value_or("");
    const std::int64_t count = row.get_int64(1).value_or(0);
    if (status == "abandoned") m.abandoned_since = count;
    if (status == "failed") m.failed_since = count;
  }
  return m;
}

}  // namespace

SinceResolution resolve_queue_since(std::string_view since, db::DateTime db_now) {
  const std::string_view text = trim(since);
  if (text.empty()) return {{}, "since must not be empty"};
  if (const auto duration = parse_go_duration(text); duration && duration->count() <= 0) {
    return {{}, "since duration must be > 0"};
  }
  const auto now = std::chrono::time_point_cast<std::chrono::system_clock::duration>(db_now.time);
  const auto cutoff = resolve_since(text, now);
  if (!cutoff) {
    return {{}, fmt::format("since {} must be a duration like 15m or an RFC3339 timestamp", go_quote(text))};
  }
  if (*cutoff > db_now) {
    return {{}, fmt::format("since {} is in the future (database time {})", format_seconds(*cutoff),
                            format_seconds(db_now))};
  }
  return {*cutoff, {}};
}

QueueSnapshot read_queue_snapshot(db::Connection& connection, db::DateTime now, db::DateTime cutoff) {
  QueueSnapshot s;
  s.now = now;
  s.cutoff = cutoff;
  s.webhook = read_table(connection, webhook_queries(), now, cutoff);
  s.alert = read_table(connection, alert_queries(), now, cutoff);
  s.total = total_of(s.webhook, s.alert);
  return s;
}

QueueSnapshot read_queue_snapshot(db::Connection& connection, std::string_view since) {
  const auto value = connection.query_scalar("SELECT NOW()");
  const std::optional<db::DateTime> now = value ? value->as_datetime() : std::nullopt;
  if (!now) throw std::runtime_error("database returned no NOW()");
  const SinceResolution since_cutoff = resolve_queue_since(since, *now);
  if (!since_cutoff.error.empty()) throw std::invalid_argument(since_cutoff.error);
  return read_queue_snapshot(connection, *now, since_cutoff.cutoff);
}

std::string format_seconds(db::DateTime time) {
  std::string text = db::DateTime{std::chrono::floor<std::chrono::seconds>(time.time)}.to_string();
  text[10] = 'T';
  return text + "Z";
}

QueueMetrics total_of(const QueueMetrics& webhook, const QueueMetrics& alert) {
  QueueMetrics t;
  t.kind = "total";
  t.pending = webhook.pending + alert.pending;
  t.due_now = webhook.due_now + alert.due_now;
  t.future_retry = webhook.future_retry + alert.future_retry;
  t.delivered_since = webhook.delivered_since + alert.delivered_since;
  t.abandoned_since = webhook.abandoned_since + alert.abandoned_since;
  t.failed_since = webhook.failed_since + alert.failed_since;
  t.oldest_pending_age_sec = std::max(webhook.oldest_pending_age_sec, alert.oldest_pending_age_sec);
  t.oldest_due_age_sec = std::max(webhook.oldest_due_age_sec, alert.oldest_due_age_sec);
  return t;
}

std::vector<std::string> evaluate_thresholds(const QueueThresholds& th, const QueueSnapshot& s,
                                             std::string_view since_text) {
  std::vector<std::string> failures;
  const QueueMetrics& t = s.total;
  if (th.max_pending >= 0 && t.pending > th.max_pending) {
    failures.push_back(fmt::format("pending deliveries total={} exceeds max-pending={}", t.pending, th.max_pending));
  }
  if (th.max_due >= 0 && t.due_now > th.max_due) {
    failures.push_back(fmt::format("due deliveries total={} exceeds max-due={}", t.due_now, th.max_due));
  }
  if (th.max_abandoned >= 0 && t.abandoned_since > th.max_abandoned) {
    failures.push_back(fmt::format("abandoned deliveries since {} total={} exceeds max-abandoned={}", since_text,
                                   t.abandoned_since, th.max_abandoned));
  }
  if (th.max_failed >= 0 && t.failed_since > th.max_failed) {
    failures.push_back(fmt::format("failed deliveries since {} total={} exceeds max-failed={}", since_text,
                                   t.failed_since, th.max_failed));
  }
  if (th.require_recent_delivery && t.delivered_since == 0) {
    failures.push_back(fmt::format("no delivered rows since {}", since_text));
  }
  if (th.require_recent_webhook_delivery && s.webhook.delivered_since == 0) {
    failures.push_back(fmt::format("no webhook deliveries since {}", since_text));
  }
  if (th.require_recent_alert_delivery && s.alert.delivered_since == 0) {
    failures.push_back(fmt::format("no alert-contact deliveries since {}", since_text));
  }
  return failures;
}

std::string format_queue_table(const QueueSnapshot& s) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"KIND", "PENDING", "DUE_NOW", "FUTURE_RETRY", "DELIVERED_SINCE", "ABANDONED_SINCE",
                  "FAILED_SINCE", "OLDEST_PENDING_SEC", "OLDEST_DUE_SEC"});
  for (const QueueMetrics* m : {&s.webhook, &s.alert, &s.total}) {
    rows.push_back({m->kind, std::to_string(m->pending), std::to_string(m->due_now),
                    std::to_string(m->future_retry), std::to_string(m->delivered_since),
                    std::to_string(m->abandoned_since), std::to_string(m->failed_since),
                    std::to_string(m->oldest_pending_age_sec), std::to_string(m->oldest_due_age_sec)});
  }
  return format_columns(rows);
}

}  // namespace jetmon::delivery
