#include "jetmon/rollout/gates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "jetmon/common/text.hpp"
#include "jetmon/health/process.hpp"
#include "jetmon/rollout/static_plan.hpp"
#include "jetmon/schedule/buckets.hpp"

namespace jetmon::rollout {

// ---- rendering -----------------------------------------------------------------------------------

std::string format_range(BucketRange range) { return fmt::format("{}-{}", range.min, range.max); }

std::string format_lease(const HostLease& lease) {
  return fmt::format("{}={}-{} status={}", lease.host_id, lease.bucket_min, lease.bucket_max, lease.status);
}

std::string format_leases(const std::vector<HostLease>& leases) {
  std::string out;
  for (const HostLease& lease : leases) {
    if (!out.empty()) out += ", ";
    out += format_lease(lease);
  }
  return out;
}

// ---- coverage ------------------------------------------------------------------------------------

std::optional<std::string> dynamic_coverage_error(std::vector<HostLease> rows, int bucket_total, int grace_sec,
                                                  TimePoint now) {
  if (bucket_total <= 0) return "BUCKET_TOTAL must be > 0";
  if (grace_sec <= 0) return "BUCKET_HEARTBEAT_GRACE_SEC must be > 0";
  if (rows.empty()) return "jetmon_hosts has no dynamic ownership rows";
  std::sort(rows.begin(), rows.end(), [](const HostLease& a, const HostLease& b) {
    return std::tie(a.bucket_min, a.host_id) < std::tie(b.bucket_min, b.host_id);
  });
  std::vector<OwnedRange> spans;
  spans.reserve(rows.size());
  for (const HostLease& row : rows) {
    const std::string host = go_quote(row.host_id);
    if (row.status != "active") {
      return fmt::format("host {} has status={}; dynamic coverage needs every row active", host,
                         go_quote(row.status));
    }
    if (row.bucket_min < 0 || row.bucket_max < row.bucket_min || row.bucket_max >= bucket_total) {
      return fmt::format("host {} has invalid bucket range {}-{} for BUCKET_TOTAL={}", host, row.bucket_min,
                         row.bucket_max, bucket_total);
    }
    const std::int64_t age = health::heartbeat_age_sec(row.last_heartbeat, now);
    if (health::is_stale(age, grace_sec)) {
      return fmt::format("host {} heartbeat is stale: last_heartbeat={} age_sec={} grace_sec={}", host,
                         format_seconds_utc(row.last_heartbeat), age, grace_sec);
    }
    spans.push_back(OwnedRange{row.host_id, row.bucket_min, row.bucket_max});
  }
  return tiling_error(std::move(spans), bucket_total, "dynamic bucket coverage");
}

// ---- the host's own monitor process --------------------------------------------------------------

std::string_view presence_name(MonitorPresence presence) {
  switch (presence) {
    case MonitorPresence::absent: return "absent";
    case MonitorPresence::active: return "active";
    case MonitorPresence::stopping: return "stopping";
    case MonitorPresence::stopped: return "stopped";
    case MonitorPresence::stale: return "stale";
  }
  return "absent";
}

MonitorSighting find_monitor(const std::vector<ProcessHealthRecord>& rows, TimePoint now,
                             int configured_grace_sec) {
  MonitorSighting sighting;
  sighting.grace_sec = health::effective_grace_sec(configured_grace_sec);
  const ProcessHealthRecord* chosen = nullptr;
  for (const ProcessHealthRecord& row : rows) {
    if (trim(row.process_type) != health::kProcessMonitor) continue;
    const bool active = health::is_active_process(row.state, row.updated_at, now, sighting.grace_sec);
    const bool chosen_active =
        chosen != nullptr && health::is_active_process(chosen->state, chosen->updated_at, now, sighting.grace_sec);
    // An active row wins over any inactive one; among equals the newest.
    if (chosen == nullptr || (active && !chosen_active) ||
        (active == chosen_active && row.updated_at > chosen->updated_at)) {
      chosen = &row;
    }
  }
  if (chosen == nullptr) return sighting;
  sighting.row = *chosen;
  sighting.age_sec = health::heartbeat_age_sec(chosen->updated_at, now);
  const std::string_view state = trim(chosen->state);
  if (state == health::kStateStopped) {
    sighting.presence = MonitorPresence::stopped;
  } else if (health::is_stale(sighting.age_sec, sighting.grace_sec)) {
    sighting.presence = MonitorPresence::stale;
  } else if (state == health::kStateStopping) {
    sighting.presence = MonitorPresence::stopping;
  } else {
    sighting.presence = MonitorPresence::active;
  }
  return sighting;
}

namespace {

// ` state="running" updated_at=<ts> age_sec=<n> grace_sec=<g>`, the evidence a message cites.
std::string row_evidence(const MonitorSighting& sighting) {
  if (!sighting.row) return "";
  return fmt::format(" state={} updated_at={} age_sec={} grace_sec={}", go_quote(sighting.row->state),
                     format_seconds_utc(sighting.row->updated_at), sighting.age_sec, sighting.grace_sec);
}

std::optional<BucketRange> row_buckets(const MonitorSighting& sighting) {
  if (!sighting.row || !sighting.row->bucket_min || !sighting.row->bucket_max) return std::nullopt;
  return BucketRange{*sighting.row->bucket_min, *sighting.row->bucket_max};
}

bool overlaps(BucketRange a, BucketRange b) { return a.min <= b.max && b.min <= a.max; }

}  // namespace

std::string describe_sighting(const std::string& host, const MonitorSighting& sighting) {
  std::string out = fmt::format("monitor_process={} host={}", presence_name(sighting.presence), go_quote(host));
  if (!sighting.row) return out;
  out += fmt::format(" process_id={}", go_quote(sighting.row->process_id));
  out += row_evidence(sighting);
  if (const auto buckets = row_buckets(sighting)) out += " buckets=" + format_range(*buckets);
  return out;
}

ProcessVerdict rollback_process_verdict(const std::string& host, const MonitorSighting& sighting) {
  switch (sighting.presence) {
    case MonitorPresence::active:
      return {false, Level::info,
              fmt::format("pinned v2 monitor on host {} still reports{}; stop v2 first", go_quote(host),
                          row_evidence(sighting))};
    case MonitorPresence::stopping:
      return {true, Level::warn,
              describe_sighting(host, sighting) + "; confirm the v2 process has exited before restarting v1"};
    case MonitorPresence::stopped:
    case MonitorPresence::stale: return {true, Level::pass, describe_sighting(host, sighting)};
    case MonitorPresence::absent: break;
  }
  return {true, Level::info, describe_sighting(host, sighting) + " (no jetmon_process_health monitor row)"};
}

ProcessVerdict preflight_process_verdict(const std::string& host, BucketRange requested,
                                         const MonitorSighting& sighting) {
  if (sighting.presence != MonitorPresence::active) {
    return {true, sighting.presence == MonitorPresence::absent ? Level::info : Level::pass,
            describe_sighting(host, sighting)};
  }
  const auto buckets = row_buckets(sighting);
  if (buckets && overlaps(*buckets, requested)) {
    return {false, Level::info,
            fmt::format("v2 monitor on host {} is already active on buckets {}{}, overlapping requested range {}; "
                        "never run v1 and v2 on the same range",
                        go_quote(host), format_range(*buckets), row_evidence(sighting), format_range(requested))};
  }
  return {true, Level::warn,
          describe_sighting(host, sighting) + fmt::format("; an active v2 monitor outside requested range {}",
                                                          format_range(requested))};
}

ProcessVerdict cutover_process_verdict(const std::string& host, const MonitorSighting& sighting) {
  const std::string quoted = go_quote(host);
  switch (sighting.presence) {
    case MonitorPresence::absent:
      return {false, Level::info,
              fmt::format("no jetmon_process_health monitor row for host {}; recent activity alone may be v1's, "
                          "so v2 is not confirmed running",
                          quoted)};
    case MonitorPresence::stale:
      return {false, Level::info,
              fmt::format("v2 monitor on host {} has a stale process-health row{}; v2 is not heartbeating", quoted,
                          row_evidence(sighting))};
    case MonitorPresence::stopping:
    case MonitorPresence::stopped:
      return {false, Level::info,
              fmt::format("v2 monitor on host {} is not running:{}", quoted, row_evidence(sighting))};
    case MonitorPresence::active: break;
  }
  const std::string_view state = trim(sighting.row->state);
  if (state != health::kStateRunning && state != health::kStateIdle) {
    return {false, Level::info,
            fmt::format("v2 monitor on host {} is not running or idle:{}", quoted, row_evidence(sighting))};
  }
  return {true, Level::pass, describe_sighting(host, sighting)};
}

namespace {

bool apply(const ProcessVerdict& verdict, Report& report) {
  if (!verdict.ok) return report.fail(verdict.message);
  switch (verdict.level) {
    case Level::pass: report.pass(verdict.message); break;
    case Level::warn: report.warn(verdict.message); break;
    case Level::info: report.info(verdict.message); break;
    case Level::section: report.section(verdict.message); break;
    case Level::output: report.output(verdict.message); break;
  }
  return true;
}

MonitorSighting sight(const config::Config& config, Queries& queries, const std::string& host, TimePoint now) {
  return find_monitor(queries.process_health(host), now, config.bucket_heartbeat_grace_sec);
}

}  // namespace

bool rollback_process_check(const config::Config& config, Queries& queries, const std::string& host,
                            TimePoint now, Report& report) {
  return apply(rollback_process_verdict(host, sight(config, queries, host, now)), report);
}

bool preflight_process_check(const config::Config& config, Queries& queries, const std::string& runtime_host,
                             BucketRange requested, TimePoint now, Report& report) {
  return apply(preflight_process_verdict(runtime_host, requested, sight(config, queries, runtime_host, now)),
               report);
}

bool cutover_process_check(const config::Config& config, Queries& queries, const std::string& host,
                           TimePoint now, Report& report) {
  return apply(cutover_process_verdict(host, sight(config, queries, host, now)), report);
}

// ---- gates ---------------------------------------------------------------------------------------

namespace {

// The steps the pinned safety block, rollback-check and dynamic-check share. `what` names the
// range in messages ("pinned", "rollback", "dynamic").

bool check_no_host_row(Queries& queries, const std::string& host, std::string_view hint, Report& report) {
  if (queries.host_row_exists(host)) {
    return report.fail(fmt::format("host {} still has a jetmon_hosts row; {}", go_quote(host), hint));
  }
  report.pass("jetmon_hosts row absent host=" + go_quote(host));
  return true;
}

bool check_no_overlap(Queries& queries, BucketRange range, std::string_view what, Report& report) {
  const std::vector<HostLease> rows = queries.overlapping_hosts(range);
  if (!rows.empty()) {
    return report.fail(fmt::format("{} jetmon_hosts row(s) overlapping {} range {}: {}", rows.size(), what,
                                   format_range(range), format_leases(rows)));
  }
  report.pass("jetmon_hosts overlap=0");
  return true;
}

void report_active_sites(Queries& queries, BucketRange range, std::string_view key, std::string_view what,
                         Report& report) {
  const std::int64_t active = queries.active_sites(range);
  report.info(fmt::format("{}={}", key, active));
  if (active == 0) {
    report.warn(fmt::format("{}=0; confirm the {} range {} is intentionally empty", key, what, format_range(range)));
  }
}

bool check_no_drift(Queries& queries, BucketRange range, std::string_view what, Report& report) {
  const std::int64_t drift = queries.drift_count(range);
  if (drift != 0) {
    return report.fail(fmt::format("legacy projection drift={} in {} range {}", drift, what, format_range(range)));
  }
  report.pass("legacy_projection_drift=0");
  return true;
}

bool check_projection_enabled(const config::Config& config, std::string_view when, Report& report) {
  if (!config.legacy_status_projection_enable) {
    return report.fail(fmt::format("LEGACY_STATUS_PROJECTION_ENABLE must be true {}", when));
  }
  report.pass("legacy_status_projection=enabled");
  return true;
}

}  // namespace

bool pinned_safety_block(const config::Config& config, Queries& queries, const std::string& host,
                         Report& report) {
  const std::optional<BucketRange> pinned = schedule::pinned_range(config);
  if (!pinned) {
    return report.fail(
        "config is not pinned; set PINNED_BUCKET_MIN/PINNED_BUCKET_MAX (or BUCKET_NO_MIN/BUCKET_NO_MAX) to the "
        "host's v1 range");
  }
  report.pass("pinned_range=" + format_range(*pinned));
  if (!check_projection_enabled(config, "during pinned rollout", report)) return false;
  if (config.api_port <= 0) {
    report.pass("api_port=disabled");
  } else {
    report.warn(fmt::format("api_port={}; confirm the API/delivery ownership plan before monitor cutover",
                            config.api_port));
  }
  if (!check_no_host_row(queries, host, "a pinned host must not hold dynamic bucket ownership", report)) {
    return false;
  }
  if (!check_no_overlap(queries, *pinned, "pinned", report)) return false;
  report_active_sites(queries, *pinned, "active_sites_in_pinned_range", "pinned", report);
  if (!check_no_drift(queries, *pinned, "pinned", report)) return false;
  report.output("pinned rollout check passed");
  return true;
}

bool activity_check(Queries& queries, BucketRange range, TimePoint cutoff, bool require_all, Report& report) {
  const std::string since = format_seconds_utc(cutoff);
  const std::string range_text = format_range(range);
  report.info("activity_range=" + range_text);
  report.info("activity_since=" + since);
  const std::int64_t active = queries.active_sites(range);
  report.info(fmt::format("active_sites={}", active));
  const std::int64_t checked = queries.active_sites_checked_since(range, cutoff);
  report.info(fmt::format("active_sites_checked_since={}", checked));
  if (active == 0) {
    report.warn("active_sites=0; confirm this range is intentionally empty");
  } else if (checked == 0) {
    return report.fail(
        fmt::format("no active sites in range {} have last_checked_at >= {}", range_text, since));
  } else if (require_all && checked < active) {
    return report.fail(fmt::format("only {}/{} active sites in range {} have last_checked_at >= {}", checked, active,
                                   range_text, since));
  } else {
    report.pass(require_all ? "rollout_activity=all_active_sites_checked"
                            : "rollout_activity=recent_checks_present");
  }
  report.output("post-cutover activity check passed");
  return true;
}

bool rollback_check(const config::Config& config, Queries& queries, const std::string& host, BucketRange range,
                    TimePoint now, Report& report) {
  report.pass("rollback_range=" + format_range(range));
  if (!check_no_host_row(queries, host, "stop v2 or clear dynamic ownership first", report)) return false;
  if (!check_no_overlap(queries, range, "rollback", report)) return false;
  if (!rollback_process_check(config, queries, host, now, report)) return false;
  report_active_sites(queries, range, "active_sites_in_rollback_range", "rollback", report);
  if (!check_no_drift(queries, range, "rollback", report)) return false;
  report.output("rollback check passed");
  return true;
}

bool dynamic_check(const config::Config& config, Queries& queries, TimePoint now, Report& report) {
  if (const std::optional<BucketRange> pinned = schedule::pinned_range(config)) {
    return report.fail(fmt::format(
        "config is pinned to {}; remove PINNED_BUCKET_* and BUCKET_NO_* from every monitor before dynamic-check",
        format_range(*pinned)));
  }
  report.pass("bucket_ownership=dynamic");
  if (!check_projection_enabled(config, "until every v1 host is retired", report)) return false;
  const std::vector<HostLease> rows = queries.all_hosts();
  report.info(fmt::format("jetmon_hosts_rows={}", rows.size()));
  const int total = config.bucket_total;
  if (const auto error = dynamic_coverage_error(rows, total, config.bucket_heartbeat_grace_sec, now)) {
    return report.fail(*error);
  }
  const BucketRange all{0, total - 1};
  report.pass(fmt::format("dynamic_bucket_coverage={} hosts={}", format_range(all), rows.size()));
  report_active_sites(queries, all, "active_sites_dynamic_range", "dynamic", report);
  if (!check_no_drift(queries, all, "dynamic", report)) return false;
  report.output("dynamic rollout check passed");
  return true;
}

}  // namespace jetmon::rollout
