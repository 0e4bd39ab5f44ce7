#include "jetmon/schedule/projection_drift.hpp"

#include <string>

#include "jetmon/db/connection.hpp"
#include "jetmon/incident/vocabulary.hpp"
#include "jetmon/metrics/statsd.hpp"

namespace jetmon::schedule {

const std::string& projection_drift_sql() {
  using incident::SiteStatus;
  // The open http events (a range of uk_open_dedup: dedup_key is NULL once an event has ended)
  // are aggregated per blog first, then joined to the sites of the range: the cost is one pass
  // over the range's site rows plus the open events, never a lookup per site into the history.
  static const std::string sql =
      "SELECT COUNT(*) FROM jetpack_monitor_sites s LEFT JOIN ("
      "SELECT blog_id, MAX(state = ?) AS any_down, MAX(state = ?) AS any_seems_down FROM jetmon_events "
      "WHERE dedup_key IS NOT NULL AND ended_at IS NULL AND check_type = ? GROUP BY blog_id) o "
      "ON o.blog_id = s.blog_id "
      "WHERE s.monitor_active = 1 AND s.bucket_no BETWEEN ? AND ? AND s.site_status <> CASE "
      "WHEN o.any_down = 1 THEN " + std::to_string(static_cast<int>(SiteStatus::confirmed_down)) +
      " WHEN o.any_seems_down = 1 THEN " + std::to_string(static_cast<int>(SiteStatus::down)) +
      " ELSE " + std::to_string(static_cast<int>(SiteStatus::running)) + " END";
  return sql;
}

std::vector<db::Value> projection_drift_params(BucketRange range) {
  return {std::string(incident::states::down), std::string(incident::states::seems_down),
          std::string(incident::check_types::http), range.min, range.max};
}

std::int64_t count_projection_drift(db::Connection& connection, BucketRange range) {
  if (range.empty()) return 0;
  const auto value = connection.query_scalar(projection_drift_sql(), projection_drift_params(range));
  return value ? value->as_int64().value_or(0) : 0;
}

void emit_projection_drift(metrics::Sink& sink, std::optional<std::int64_t> drift) {
  if (!drift) {
    sink.increment("projection.drift.check_error.count");
    return;
  }
  sink.gauge("projection.drift.count", *drift);
  if (*drift > 0) sink.increment("projection.drift.detected.count");
}

}  // namespace jetmon::schedule
