#include "jetmon/rollout/state_report.hpp"

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <ostream>

#include "jetmon/common/text.hpp"
#include "jetmon/common/time.hpp"
#include "jetmon/health/process.hpp"
#include "jetmon/ops/delivery_owner.hpp"
#include "jetmon/schedule/buckets.hpp"
#include "rollout/json_writer.hpp"

namespace jetmon::rollout {

StateReport build_state_report(const config::Config& config, Queries& queries, const std::string& host,
                               TimePoint since, TimePoint now) {
  StateReport s;
  s.generated_at = now;
  s.host = host;
  s.bucket_total = config.bucket_total;

  const std::optional<BucketRange> pinned = schedule::pinned_range(config);
  if (pinned) {
    s.ownership_mode = "pinned";
    s.range = *pinned;
    s.coverage_status = "pinned_config";
  } else {
    s.ownership_mode = "dynamic";
    s.range = BucketRange{0, config.bucket_total - 1};
    const std::vector<HostLease> rows = queries.all_hosts();
    s.host_count = static_cast<int>(rows.size());
    for (const HostLease& row : rows) {
      s.hosts.push_back(CoverageHost{row, health::heartbeat_age_sec(row.last_heartbeat, now)});
    }
    const auto error = dynamic_coverage_error(rows, config.bucket_total, config.bucket_heartbeat_grace_sec, now);
    s.coverage_status = error ? "invalid" : "complete";
    if (error) s.coverage_error = *error;
  }

  s.since = since;
  s.active_sites = queries.active_sites(s.range);
  s.checked_since = queries.active_sites_checked_since(s.range, since);
  s.unchecked_since = std::max<std::int64_t>(0, s.active_sites - s.checked_since);
  s.checked_percent =
      s.active_sites > 0 ? static_cast<double>(s.checked_since) * 100.0 / static_cast<double>(s.active_sites) : 0.0;
  s.drift_count = queries.drift_count(s.range);

  const ops::DeliveryOwnerDecision owner = ops::monitor_delivery_owner(config, host);
  s.owner_level = owner.warning ? "WARN" : "INFO";
  s.owner_message = owner.message;

  if (pinned) {
    s.monitor_process = find_monitor(queries.process_health(host), now, config.bucket_heartbeat_grace_sec);
  }
  judge_state_report(s);
  return s;
}

void judge_state_report(StateReport& s) {
  const std::string since = format_seconds_utc(s.since);
  const bool coverage_invalid = s.coverage_status == "invalid";
  const bool owner_warning = s.owner_level == "WARN";

  s.issues.clear();
  if (coverage_invalid) s.issues.push_back(s.coverage_error);
  if (s.drift_count > 0) s.issues.push_back(fmt::format("legacy projection drift={}", s.drift_count));
  if (s.active_sites > 0 && s.checked_since == 0) {
    s.issues.push_back("no active sites checked since " + since);
  } else if (s.unchecked_since > 0) {
    s.issues.push_back(fmt::format("{}/{} active sites checked since {}", s.checked_since, s.active_sites, since));
  }
  if (owner_warning) s.issues.push_back(s.owner_message);
  s.ok = s.issues.empty();

  const std::string range = format_range(s.range);
  if (coverage_invalid) {
    s.suggested_next_action =
        "Fix jetmon_hosts bucket coverage (see the bucket_coverage error) before advancing the rollout.";
  } else if (s.drift_count > 0) {
    s.suggested_next_action =
        "Run rollout projection-drift --limit=100 and repair the drifting site rows before advancing.";
  } else if (s.active_sites == 0) {
    s.suggested_next_action = fmt::format("Confirm that bucket range {} is meant to have no active sites.", range);
  } else if (s.checked_since == 0) {
    s.suggested_next_action = fmt::format(
        "Investigate the check loop: no active site in range {} was checked since {}.", range, since);
  } else if (s.unchecked_since > 0) {
    s.suggested_next_action = "Wait for one full check round, then run rollout cutover-check --require-all.";
  } else if (owner_warning) {
    s.suggested_next_action = "Set DELIVERY_OWNER_HOST so that exactly one host runs the delivery workers.";
  } else if (s.ownership_mode == "pinned") {
    s.suggested_next_action = "This pinned host looks healthy; move on to the next host, then plan the dynamic cutover.";
  } else {
    s.suggested_next_action = "Rollout state is healthy; no action needed.";
  }
}

void write_state_report_text(const StateReport& s, Report& report) {
  report.info("rollout_state_generated_at=" + format_seconds_utc(s.generated_at));
  report.info("host=" + go_quote(s.host));
  report.info(fmt::format("ownership_mode={} bucket_range={}", s.ownership_mode, format_range(s.range)));
  if (s.coverage_status == "invalid") {
    report.warn("bucket_coverage=invalid error=" + go_quote(s.coverage_error));
  } else {
    report.pass(fmt::format("bucket_coverage={} bucket_total={} host_count={}", s.coverage_status, s.bucket_total,
                            s.host_count));
  }
  report.info("activity_since=" + format_seconds_utc(s.since));
  report.info(fmt::format("active_sites={} checked_since={} unchecked_since={} checked_percent={:.1f}",
                          s.active_sites, s.checked_since, s.unchecked_since, s.checked_percent));
  if (s.drift_count == 0) {
    report.pass("legacy_projection_drift=0");
  } else {
    report.warn(fmt::format("legacy_projection_drift={}", s.drift_count));
  }
  if (s.owner_level == "WARN") {
    report.warn(s.owner_message);
  } else {
    report.info(s.owner_message);
  }
  if (s.monitor_process) report.info(describe_sighting(s.host, *s.monitor_process));
  for (const std::string& issue : s.issues) report.warn("rollout_state_issue=" + go_quote(issue));
  report.info("suggested_next_action=" + go_quote(s.suggested_next_action));
}

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void field(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  write_json_string(w, value);
}

void field(Writer& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

void time_field(Writer& w, const char* key, TimePoint time) { field(w, key, format_rfc3339_utc(time)); }

// Go's encoding/json writes a whole float64 without a fraction ("100", not "100.0").
void number_field(Writer& w, const char* key, double value) {
  w.Key(key);
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    w.Int64(static_cast<std::int64_t>(value));
  } else {
    w.Double(std::isfinite(value) ? value : 0.0);
  }
}

void write_monitor_process(Writer& w, const MonitorSighting& m) {
  w.StartObject();
  field(w, "presence", presence_name(m.presence));
  if (m.row) {
    field(w, "process_id", m.row->process_id);
    field(w, "state", m.row->state);
    field(w, "health_status", m.row->health_status);
    field(w, "bucket_ownership", m.row->bucket_ownership);
    if (m.row->bucket_min && m.row->bucket_max) {
      field(w, "bucket_min", *m.row->bucket_min);
      field(w, "bucket_max", *m.row->bucket_max);
    }
    time_field(w, "updated_at", m.row->updated_at);
    field(w, "age_sec", m.age_sec);
  }
  field(w, "grace_sec", m.grace_sec);
  w.EndObject();
}

void write_coverage(Writer& w, const StateReport& s) {
  w.StartObject();
  field(w, "status", s.coverage_status);
  field(w, "bucket_total", s.bucket_total);
  field(w, "host_count", s.host_count);
  if (!s.coverage_error.empty()) field(w, "error", s.coverage_error);
  if (!s.hosts.empty()) {
    w.Key("hosts");
    w.StartArray();
    for (const CoverageHost& h : s.hosts) {
      w.StartObject();
      field(w, "host_id", h.lease.host_id);
      field(w, "bucket_min", h.lease.bucket_min);
      field(w, "bucket_max", h.lease.bucket_max);
      field(w, "status", h.lease.status);
      time_field(w, "last_heartbeat", h.lease.last_heartbeat);
      field(w, "last_heartbeat_age_sec", h.last_heartbeat_age_sec);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string state_report_json(const StateReport& s) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("ok");
  w.Bool(s.ok);
  field(w, "command", "rollout state-report");
  time_field(w, "generated_at", s.generated_at);
  if (!s.host.empty()) field(w, "host", s.host);

  w.Key("ownership");
  w.StartObject();
  field(w, "mode", s.ownership_mode);
  field(w, "bucket_min", s.range.min);
  field(w, "bucket_max", s.range.max);
  w.EndObject();

  w.Key("bucket_coverage");
  write_coverage(w, s);

  w.Key("activity");
  w.StartObject();
  time_field(w, "since", s.since);
  field(w, "active_sites", s.active_sites);
  field(w, "checked_since", s.checked_since);
  field(w, "unchecked_since", s.unchecked_since);
  number_field(w, "checked_percent", s.checked_percent);
  w.EndObject();

  w.Key("projection_drift");
  w.StartObject();
  field(w, "count", s.drift_count);
  w.EndObject();

  w.Key("delivery_owner");
  w.StartObject();
  field(w, "level", s.owner_level);
  field(w, "message", s.owner_message);
  w.EndObject();

  if (s.monitor_process) {
    w.Key("monitor_process");
    write_monitor_process(w, *s.monitor_process);
  }
  if (!s.suggested_next_action.empty()) field(w, "suggested_next_action", s.suggested_next_action);
  if (!s.issues.empty()) {
    w.Key("issues");
    w.StartArray();
    for (const std::string& issue : s.issues) write_json_string(w, issue);
    w.EndArray();
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

StateReport state_report_error(std::string error, std::string host, TimePoint now) {
  StateReport s;
  s.generated_at = now;
  s.host = std::move(host);
  s.issues.push_back(std::move(error));
  return s;
}

int state_report_failure(const std::string& error, const std::string& host, TimePoint now, OutputMode mode,
                         std::ostream& out, std::ostream& err) {
  if (mode == OutputMode::json) {
    out << state_report_json(state_report_error(error, host, now)) << "\n";
    out.flush();
  } else {
    err << "FAIL " << error << "\n";
    err.flush();
  }
  return 1;
}

int state_report(const config::Config& config, Queries& queries, const std::string& host, TimePoint since,
                 TimePoint now, OutputMode mode, std::ostream& out, std::ostream& err) {
  StateReport s;
  try {
    s = build_state_report(config, queries, host, since, now);
  } catch (const std::exception& e) {
    return state_report_failure(e.what(), host, now, mode, out, err);
  }
  if (mode == OutputMode::json) {
    out << state_report_json(s) << "\n";
    out.flush();
  } else {
    Report report(OutputMode::text, out, err);
    write_state_report_text(s, report);
  }
  return 0;
}

}  // namespace jetmon::rollout
