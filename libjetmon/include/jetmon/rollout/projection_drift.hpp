#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jetmon/rollout/queries.hpp"
#include "jetmon/rollout/report.hpp"

// The legacy projection drift report (rollout.md §1.8, §3): `projection-drift` runs it alone,
// `cutover-check` as its last section. docs/rollout-design.md.
namespace jetmon::rollout {

// How many summary groups the table shows; the rest are counted in INFO lines.
inline constexpr std::size_t kDriftSummaryGroupsShown = 20;

// A likely cause of one drifting site or summary group (§3 cause table).
struct DriftCause {
  std::string_view code;    // e.g. "missing_confirmed_down_projection"
  std::string_view action;  // free text: what to inspect before repairing site_status by hand
  bool operator==(const DriftCause&) const = default;
};

// §3 cause rules, first match wins: a status outside {0,1,2} → unexpected_projection_value;
// more than one open event → multiple_open_http_events; then by (expected, site):
// (1, ≠1) stale_legacy_down_projection, (2, 1) missing_confirmed_down_projection,
// (0, 1) missing_seems_down_projection, (2, 0) missing_confirmed_promotion,
// (0, 2) stale_confirmed_down_projection; a non-empty event state →
// unexpected_open_event_projection; anything else → unexpected_projection_value.
// Summary groups pass their max_open_event_count.
DriftCause classify_drift_cause(int site_status, int expected_status, const std::optional<std::string>& event_state,
                                std::int64_t open_event_count);

// "0/SITE_DOWN", "1/SITE_RUNNING", "2/SITE_CONFIRMED_DOWN", "<n>/UNKNOWN".
std::string drift_status_label(int status);

// A NULL or empty value → "-"; otherwise the text with every control character (C0, DEL, C1)
// replaced by '?' and malformed UTF-8 by U+FFFD, so a table row stays one printable line.
std::string drift_display(const std::optional<std::string>& value);

// The whole §3 report for `range` through `report`: the range and count lines; no drift →
// `PASS legacy_projection_drift=0` and true. Otherwise the manual-review WARN lines, the summary
// table (every group fetched, the first kDriftSummaryGroupsShown printed), the cause WARN lines
// over all groups, the first `limit` drifting rows, the repair INFO lines, and the failure
// `legacy projection drift=<n> in range <a>-<b>` (returns false). A limit <= 0 fails with
// `limit must be > 0` before any query. Query exceptions propagate to the caller.
bool projection_drift_report(Queries& queries, BucketRange range, std::int64_t limit, Report& report);

}  // namespace jetmon::rollout
