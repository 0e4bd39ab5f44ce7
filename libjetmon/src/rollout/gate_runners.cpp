#include "rollout/gate_runners.hpp"

#include <fmt/format.h>

#include <sstream>

#include "jetmon/common/text.hpp"
#include "jetmon/rollout/arguments.hpp"
#include "jetmon/rollout/gates.hpp"
#include "jetmon/rollout/local_checks.hpp"
#include "jetmon/rollout/mariadb_queries.hpp"
#include "jetmon/rollout/projection_drift.hpp"
#include "jetmon/rollout/state_report.hpp"
#include "jetmon/rollout/static_plan.hpp"
#include "jetmon/schedule/buckets.hpp"

namespace jetmon::rollout {
namespace {

RangeContext range_context(const config::Config& config) {
  return RangeContext{config.bucket_total, schedule::pinned_range(config)};
}

// Runs `body` with an open session and its queries; the session lines come first.
template <typename Body>
int with_session(Run& run, Body&& body) {
  return run_gate(run, [&](Report& report) {
    auto session = open_session(run, report);
    if (!session) return false;
    MariaDbQueries queries(session->connection);
    return body(*session, queries, report);
  });
}

// R-default over the session's config; false after the failure.
bool default_range(const Run& run, const Session& session, Report& report, BucketRange& range) {
  const auto resolved = resolve_range_default(range_context(session.config), run.args.bucket_min, run.args.bucket_max);
  if (!resolved) return report.fail(resolved.error);
  range = *resolved.value;
  return true;
}

}  // namespace

// §1.3: plan, pinned pre-stop safety (plus decision 10: no v2 monitor already on the range),
// systemd unit.
int run_host_preflight(Run& run) {
  const Args& a = run.args;
  return run_gate(run, [&](Report& report) {
    const std::string file(trim(a.file));
    if (file.empty()) return report.fail("--file is required");
    if (file == "-") return report.fail("--file must be a reusable path, not stdin");
    if (trim(a.host).empty()) return report.fail("--host is required (the v1 host id)");
    if (a.bucket_min < 0 || a.bucket_max < 0) return report.fail("--bucket-min and --bucket-max are required");
    if (a.bucket_max < a.bucket_min) return report.fail("--bucket-max must be >= --bucket-min");
    const BucketRange requested{a.bucket_min, a.bucket_max};
    const std::string v1_host(trim(a.host));
    const std::string runtime_host(trim(a.runtime_host).empty() ? v1_host : std::string(trim(a.runtime_host)));
    if (a.bucket_total < 0) return report.fail("bucket-total must be > 0");

    const auto csv = read_plan_file(file, *run.context.stdin_stream);
    if (!csv) return report.fail(csv.error);
    auto session = open_session(run, report);
    if (!session) return false;
    MariaDbQueries queries(session->connection);
    const config::Config& config = session->config;

    report.section("static bucket plan");
    const int total = a.bucket_total > 0 ? a.bucket_total : config.bucket_total;
    if (!static_plan_check(report, file, *csv.value, total, PlanAssertion{v1_host, a.bucket_min, a.bucket_max})) {
      return false;
    }

    report.section("pinned pre-stop safety");
    const auto pinned = schedule::pinned_range(config);
    if (!pinned) {
      return report.fail("config is not pinned; set PINNED_BUCKET_MIN/MAX to the v1 range before stopping v1");
    }
    if (*pinned != requested) {
      return report.fail(fmt::format("configured pinned range {} does not match requested range {}",
                                     format_range(*pinned), format_range(requested)));
    }
    report.pass("pinned_range_matches_request=" + format_range(requested));
    if (!pinned_safety_block(config, queries, runtime_host, report)) return false;
    if (!preflight_process_check(config, queries, runtime_host, requested, run.context.now(), report)) {
      return false;
    }

    report.section("systemd unit");
    if (!verify_systemd_unit(report, a.skip_systemd, systemd_unit_path(a.service, a.systemd_unit),
                             run.context.run_command)) {
      return false;
    }
    report.pass("pre_stop_gate=ready");
    report.output("host preflight passed");
    return true;
  });
}

int run_pinned_check(Run& run) {
  return with_session(run, [&](Session& session, Queries& queries, Report& report) {
    return pinned_safety_block(session.config, queries, session.host_id, report);
  });
}

// §1.5, with decision 10's look at the host's own monitor row after the safety block: recent
// activity alone may still be v1's writes.
int run_cutover_check(Run& run) {
  return with_session(run, [&](Session& session, Queries& queries, Report& report) {
    const config::Config& config = session.config;
    BucketRange range;
    if (!default_range(run, session, report, range)) return false;
    const auto port = resolve_status_port(run.args.status_port, config.dashboard_port);
    if (!port) return report.fail(port.error);

    report.section("pinned preflight");
    if (!pinned_safety_block(config, queries, session.host_id, report)) return false;
    report.section("monitor process");
    if (!cutover_process_check(config, queries, session.host_id, run.context.now(), report)) return false;
    report.section("activity check");
    if (!activity_check(queries, range, run.args.cutoff, run.args.require_all, report)) return false;
    report.section("dashboard status");
    if (!dashboard_status_section(report, run.args.skip_status, *port.value, run.context.http_get)) return false;
    report.section("projection drift");
    if (!projection_drift_report(queries, range, run.args.limit, report)) return false;
    report.output("cutover check passed");
    return true;
  });
}

int run_rollback_check(Run& run) {
  return with_session(run, [&](Session& session, Queries& queries, Report& report) {
    const auto range =
        resolve_range_pinned_or_explicit(range_context(session.config), run.args.bucket_min, run.args.bucket_max);
    if (!range) return report.fail(range.error);
    return rollback_check(session.config, queries, session.host_id, *range.value, run.context.now(), report);
  });
}

int run_dynamic_check(Run& run) {
  return with_session(run, [&](Session& session, Queries& queries, Report& report) {
    return dynamic_check(session.config, queries, run.context.now(), report);
  });
}

int run_activity_check(Run& run) {
  return with_session(run, [&](Session& session, Queries& queries, Report& report) {
    BucketRange range;
    if (!default_range(run, session, report, range)) return false;
    return activity_check(queries, range, run.args.cutoff, run.args.require_all, report);
  });
}

int run_projection_drift(Run& run) {
  return with_session(run, [&](Session& session, Queries& queries, Report& report) {
    BucketRange range;
    if (!default_range(run, session, report, range)) return false;
    return projection_drift_report(queries, range, run.args.limit, report);
  });
}

// §1.10: its own JSON schema, so the session lines go through a Report only in text mode; in
// JSON mode a config/DB failure becomes the report's error form.
int run_state_report(Run& run) {
  const auto now = run.context.now();
  const std::string host = resolve_host_id("", run.context.hostname ? run.context.hostname() : std::string());
  const auto since = resolve_since_cutoff(run.args.since, now);
  if (!since) return state_report_failure(since.error, host, now, run.mode, run.out, run.err);

  std::ostringstream discarded;
  Report session_report(run.mode, run.mode == OutputMode::text ? run.out : discarded, run.err);
  auto session = open_session(run, session_report);
  if (!session) {
    if (run.mode == OutputMode::text) return 1;  // the Report printed the FAIL line
    return state_report_failure(session_report.failures().front(), host, now, run.mode, run.out, run.err);
  }
  MariaDbQueries queries(session->connection);
  return state_report(session->config, queries, host, *since.value, now, run.mode, run.out, run.err);
}

}  // namespace jetmon::rollout
