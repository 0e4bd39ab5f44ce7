#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/rollout/queries.hpp"
#include "jetmon/rollout/report.hpp"

// The read-only rollout gates of rollout.md §1.4 (pinned safety block), §1.6 (activity-check),
// §1.7 (rollback-check), §1.9 (dynamic-check), and the process-health checks of product
// decision 10. Each gate writes its lines to a Report, reads only through Queries, stops at the
// first failure (returns false after report.fail) and lets query exceptions propagate to the
// subcommand runner. docs/rollout-design.md.
namespace jetmon::rollout {

// ---- rendering -----------------------------------------------------------------------------------

// "<a>-<b>"
std::string format_range(BucketRange range);
// "<h>=<min>-<max> status=<s>", the form of jetmon_hosts rows in messages.
std::string format_lease(const HostLease& lease);
// Rows in that form joined by ", ".
std::string format_leases(const std::vector<HostLease>& leases);

// ---- coverage (§1.9 step 4; state-report applies the same rules) ----------------------------------

// The dynamic-ownership rules over the jetmon_hosts rows, first failure only: T > 0,
// grace > 0 (BUCKET_HEARTBEAT_GRACE_SEC as configured, no default here), at least one row; then,
// sorted by (bucket_min, host_id), each row must be `active`, have 0 ≤ min ≤ max < T and a
// heartbeat no older than the grace (whole seconds); and the rows must tile 0..T-1.
std::optional<std::string> dynamic_coverage_error(std::vector<HostLease> rows, int bucket_total, int grace_sec,
                                                  TimePoint now);

// ---- the host's own monitor process (product decision 10) -----------------------------------------

// What the host's jetmon_process_health monitor row says, by the fleet dashboard's rule
// (dashboard-fleet.md §9.2): active = not stale and not stopping/stopped.
enum class MonitorPresence { absent, active, stopping, stopped, stale };

std::string_view presence_name(MonitorPresence presence);  // "absent", "active", …

struct MonitorSighting {
  MonitorPresence presence = MonitorPresence::absent;
  std::optional<ProcessHealthRecord> row;  // the row the verdict is based on
  std::int64_t age_sec = 0;                // whole seconds since updated_at, ≥ 0
  int grace_sec = 0;                       // the effective grace (≤ 0 configured → 600)
};

// Picks the host's monitor row among `rows` (process_type "monitor"; any active one first, else the
// newest) and classifies it: state stopped → stopped; otherwise stale past the grace → stale;
// stopping → stopping; any other state → active. No monitor row → absent.
MonitorSighting find_monitor(const std::vector<ProcessHealthRecord>& rows, TimePoint now,
                             int configured_grace_sec);

// "monitor_process=<presence> host="<h>"" plus, with a row, ` process_id="…" state="…"
// updated_at=<ts> age_sec=<n> grace_sec=<g>` and ` buckets=<a>-<b>` when the row has them.
std::string describe_sighting(const std::string& host, const MonitorSighting& sighting);

// A pure verdict: ok → print `message` at `level`; not ok → `message` is the failure.
struct ProcessVerdict {
  bool ok = true;
  Level level = Level::info;
  std::string message;
  bool operator==(const ProcessVerdict&) const = default;
};

// rollback-check: an active monitor fails (stop v2 before restarting v1); stopping warns;
// stopped and stale pass; absent is INFO (nothing to see, e.g. a Go v2).
ProcessVerdict rollback_process_verdict(const std::string& host, const MonitorSighting& sighting);
// host-preflight (before stopping v1), on the runtime host: an active monitor whose bucket columns
// overlap `requested` fails (never v1 and v2 on one range); active elsewhere warns; the rest pass.
ProcessVerdict preflight_process_verdict(const std::string& host, BucketRange requested,
                                         const MonitorSighting& sighting);
// cutover-check: the v2 monitor must be active and running or idle; absent, stale, stopping,
// stopped or another state (e.g. "starting") fails, since site activity alone may be v1's.
ProcessVerdict cutover_process_verdict(const std::string& host, const MonitorSighting& sighting);

// The Report wrappers: read process_health(host), classify with the config's grace, print or
// fail by the verdict.
bool rollback_process_check(const config::Config& config, Queries& queries, const std::string& host,
                            TimePoint now, Report& report);
bool preflight_process_check(const config::Config& config, Queries& queries, const std::string& runtime_host,
                             BucketRange requested, TimePoint now, Report& report);
bool cutover_process_check(const config::Config& config, Queries& queries, const std::string& host,
                           TimePoint now, Report& report);

// ---- gates ---------------------------------------------------------------------------------------

// §1.4 rows 1–8 on the configured pinned range, for `host` (pinned-check's --host, the runtime
// host in host-preflight, the v2 host in cutover-check); ends with "pinned rollout check passed".
bool pinned_safety_block(const config::Config& config, Queries& queries, const std::string& host,
                         Report& report);

// §1.6 over a resolved range (R-default) and cutoff (--since resolved).
bool activity_check(Queries& queries, BucketRange range, TimePoint cutoff, bool require_all, Report& report);

// §1.7 for the v2 `host` over a resolved range (R-pinned-or-explicit), with the decision-10
// process-health step after the jetmon_hosts checks.
bool rollback_check(const config::Config& config, Queries& queries, const std::string& host, BucketRange range,
                    TimePoint now, Report& report);

// §1.9.
bool dynamic_check(const config::Config& config, Queries& queries, TimePoint now, Report& report);

}  // namespace jetmon::rollout
