#include "jetmon/schedule/projection_drift.hpp"

#include <string>

#include "jetmon/db/connection.hpp"
#include "jetmon/incident/vocabulary.hpp"
#include "jetmon/metrics/statsd.hpp"

namespace jetmon::schedule {

std::int64_t count_projection_drift(db::Connection& connection, BucketRange range) {
  if (range.empty()) return 0;
  using incident::SiteStatus;
  // The correlated aggregate always yields one row: MAX over no open event is NULL, which falls
  // through to "running".
  static const std::string sql =
      "SELECT COUNT(*) FROM jetpack_monitor_sites s "
      "WHERE s.monitor_active = 1 AND s.bucket_no BETWEEN ? AND ? "
      "AND s.site_status <> ("
      "SELECT CASE WHEN MAX(e.state = ?) = 1 THEN " + std::to_string(static_cast<int>(SiteStatus::confirmed_down)) +
      " WHEN MAX(e.state = ?) = 1 THEN " + std::to_string(static_cast<int>(SiteStatus::down)) +
      " ELSE " + std::to_string(static_cast<int>(SiteStatus::running)) + " END "
      "FROM jetmon_events e "
      "WHERE e.blog_id = s.blog_id AND e.check_type = ? AND e.ended_at IS NULL)";
  const auto value = connection.query_scalar(
      sql, {range.min, range.max, std::string(incident::states::down),
            std::string(incident::states::seems_down), std::string(incident::check_types::http)});
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
