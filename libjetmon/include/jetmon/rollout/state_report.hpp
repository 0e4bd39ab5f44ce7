#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/rollout/gates.hpp"
#include "jetmon/rollout/queries.hpp"
#include "jetmon/rollout/report.hpp"

// `rollout state-report` (rollout.md §1.10): an informational snapshot of ownership, lease
// coverage, recent activity, projection drift and delivery ownership, with the issues and one
// suggested next action. Not a gate: it exits 0 whenever a report was built, even with ok=false.
// Built as data first, then rendered as text lines or its own JSON schema. docs/rollout-design.md.
namespace jetmon::rollout {

struct CoverageHost {
  HostLease lease;
  std::int64_t last_heartbeat_age_sec = 0;  // whole seconds, ≥ 0
};

struct StateReport {
  bool ok = false;
  TimePoint generated_at{};
  std::string host;

  std::string ownership_mode;  // "pinned" or "dynamic" ("" in the error form)
  BucketRange range{0, 0};     // the pinned range, or 0..T-1

  std::string coverage_status;  // "pinned_config", "complete" or "invalid"
  int bucket_total = 0;
  int host_count = 0;  // jetmon_hosts rows (dynamic); 0 when pinned
  std::string coverage_error;
  std::vector<CoverageHost> hosts;

  TimePoint since{};
  std::int64_t active_sites = 0;
  std::int64_t checked_since = 0;
  std::int64_t unchecked_since = 0;
  double checked_percent = 0;

  std::int64_t drift_count = 0;

  std::string owner_level;  // "INFO" or "WARN"
  std::string owner_message;

  // Product decision 10, pinned hosts only: what this host's own monitor row says. Informational:
  // it adds a text line and a JSON member and changes neither `issues` nor `ok`.
  std::optional<MonitorSighting> monitor_process;

  std::vector<std::string> issues;
  std::string suggested_next_action;
};

// Reads everything through `queries` (throws what they throw): ownership from the config
// (pinned range, else dynamic 0..T-1), coverage (pinned → pinned_config; dynamic → Q-hosts with
// ages, judged by dynamic_coverage_error), Q-active/Q-fresh since `since`, the drift count, the
// monitor's delivery-owner decision for `host`, and for a pinned host its process-health row.
StateReport build_state_report(const config::Config& config, Queries& queries, const std::string& host,
                               TimePoint since, TimePoint now);

// The issues in spec order and the first-match suggested action, from the data fields; sets
// `issues`, `suggested_next_action` and `ok`. (build_state_report calls it.)
void judge_state_report(StateReport& report);

// The report as text lines (after the caller's config/DB PASS lines), through a text Report.
void write_state_report_text(const StateReport& state, Report& report);

// The state-report JSON object (2-space indent, no trailing newline).
std::string state_report_json(const StateReport& state);

// The error form: ok=false, issues=[error], zero-valued sections; `host` may be empty.
StateReport state_report_error(std::string error, std::string host, TimePoint now);

// The one-call entry: builds and writes the report (text lines on `out`, or the JSON object), and
// returns 0. A query failure writes the error form instead (JSON) or `FAIL <error>` on `err`
// (text) and returns 1.
int state_report(const config::Config& config, Queries& queries, const std::string& host, TimePoint since,
                 TimePoint now, OutputMode mode, std::ostream& out, std::ostream& err);

// For the caller's config/DB failures before a report could be built: the same error output, 1.
int state_report_failure(const std::string& error, const std::string& host, TimePoint now, OutputMode mode,
                         std::ostream& out, std::ostream& err);

}  // namespace jetmon::rollout
