#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jetmon/db/value.hpp"
#include "jetmon/schedule/buckets.hpp"

namespace jetmon::db {
class Connection;
}
namespace jetmon::metrics {
class Sink;
}

// The legacy projection drift check of monitor.md §3.1 step 3 (only while
// LEGACY_STATUS_PROJECTION_ENABLE is on), with the expected status of rollout.md §3.
namespace jetmon::schedule {

// Active sites of `range` whose site_status differs from what their open `http` events imply:
// any open `Down` → 2, else any open `Seems Down` → 0, else 1 (no open event, or open events in
// other states). One aggregate query: the open events (a range of uk_open_dedup) grouped per blog,
// joined to the range's active sites (about 60 ms for 100,000 sites and 300,000 closed events on
// the bench machine, against 750 ms for a per-site subquery). Each site row counts once,
// duplicate blog_id rows included. An empty range counts 0 without a query. Throws db::DbError.
std::int64_t count_projection_drift(db::Connection& connection, BucketRange range);

// The statement and its parameters, for EXPLAIN in tests.
const std::string& projection_drift_sql();
std::vector<db::Value> projection_drift_params(BucketRange range);

// The drifting sites themselves, one row per site row (the derivation of rollout.md §3), as a
// SELECT to wrap in FROM (…): columns jetpack_monitor_site_id, blog_id, bucket_no, site_status,
// expected_status, event_id (lowest open Down id, else lowest Seems Down id, else lowest open id,
// else NULL), open_event_count (open http events of the blog), event_state (Down, else Seems Down,
// else the MIN of the other open states, else NULL). Takes projection_drift_params(range). The
// count above and the rollout report's list and summary queries are all built on it.
const std::string& projection_drift_sites_sql();

// The drift metrics of monitor.md §9.1: nullopt (the check failed) → counter
// `projection.drift.check_error.count`; otherwise gauge `projection.drift.count` and, when it is
// above 0, counter `projection.drift.detected.count` (1 per check, as Go does).
void emit_projection_drift(metrics::Sink& sink, std::optional<std::int64_t> drift);

}  // namespace jetmon::schedule
