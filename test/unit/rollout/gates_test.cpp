#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "jetmon/rollout/gates.hpp"
#include "jetmon/rollout/static_plan.hpp"
#include "fake_queries.hpp"
#include "support/utc.hpp"

using namespace jetmon::rollout;
using jetmon::rollout::testing::FakeQueries;
using std::chrono::seconds;

namespace {

const TimePoint kNow = jetmon::test::utc(2026, 4, 29, 12, 0, 0);

// A Report in text mode over string streams, so a test sees exactly what an operator sees.
struct Captured {
  std::ostringstream out, err;
  Report report{OutputMode::text, out, err};
};

jetmon::config::Config pinned_config(int min = 0, int max = 99) {
  jetmon::config::Config c;
  c.bucket_total = 1000;
  c.pinned_bucket_min = min;
  c.pinned_bucket_max = max;
  return c;
}

jetmon::config::Config dynamic_config(int total = 10) {
  jetmon::config::Config c;
  c.bucket_total = total;
  c.bucket_heartbeat_grace_sec = 600;
  return c;
}

HostLease lease(std::string host, int min, int max, int age_sec = 5, std::string status = "active") {
  return HostLease{std::move(host), min, max, kNow - seconds(age_sec), std::move(status)};
}

ProcessHealthRecord monitor_row(std::string host, std::string state, int age_sec, std::optional<int> min = 0,
                                std::optional<int> max = 99) {
  ProcessHealthRecord r;
  r.host_id = host;
  r.process_id = host + ":monitor";
  r.process_type = "monitor";
  r.state = std::move(state);
  r.health_status = "green";
  r.bucket_ownership = "pinned range=0-99";
  r.bucket_min = min;
  r.bucket_max = max;
  r.updated_at = kNow - seconds(age_sec);
  return r;
}

// A pinned range 0-99 with no stray rows, 7 active sites and no drift.
FakeQueries healthy_pinned() {
  FakeQueries q;
  q.active["0-99"] = 7;
  return q;
}

}  // namespace

// ---- rendering and coverage -----------------------------------------------------------------------

TEST_CASE("rollout lease rows render as host=min-max status=s joined by commas", "[rollout]") {
  CHECK(format_leases({}).empty());
  CHECK(format_leases({lease("a", 0, 4), lease("b", 5, 9, 5, "draining")}) ==
        "a=0-4 status=active, b=5-9 status=draining");
}

TEST_CASE("rollout tiling names the first gap, overlap or trailing gap", "[rollout]") {
  struct Case {
    std::vector<OwnedRange> spans;
    int total;
    std::optional<std::string> error;
  };
  const std::vector<Case> cases = {
      {{{"a", 0, 4}, {"b", 5, 9}}, 10, std::nullopt},
      {{{"a", 0, 9}}, 10, std::nullopt},
      {{{"a", 1, 9}}, 10, "plan has gap 0-0 before host \"a\""},
      {{{"a", 0, 3}, {"b", 5, 9}}, 10, "plan has gap 4-4 before host \"b\""},
      {{{"a", 0, 5}, {"b", 5, 9}}, 10, "plan overlaps before host \"b\" at bucket 5"},
      {{{"a", 0, 4}}, 10, "plan has trailing gap 5-9"},
      {{}, 3, "plan has trailing gap 0-2"},
  };
  for (const Case& c : cases) {
    INFO(c.spans.size() << " spans, total " << c.total);
    CHECK(tiling_error(c.spans, c.total, "plan") == c.error);
  }
}

TEST_CASE("rollout dynamic coverage rules in the dynamic-check order", "[rollout]") {
  struct Case {
    const char* name;
    std::vector<HostLease> rows;
    int total;
    int grace;
    std::optional<std::string> error;
  };
  const std::vector<Case> cases = {
      {"exact tiling, unsorted input", {lease("b", 5, 9), lease("a", 0, 4)}, 10, 600, std::nullopt},
      {"heartbeat exactly at the grace", {lease("a", 0, 9, 600)}, 10, 600, std::nullopt},
      {"no total", {lease("a", 0, 9)}, 0, 600, "BUCKET_TOTAL must be > 0"},
      {"no grace", {lease("a", 0, 9)}, 10, 0, "BUCKET_HEARTBEAT_GRACE_SEC must be > 0"},
      {"no rows", {}, 10, 600, "jetmon_hosts has no dynamic ownership rows"},
      {"draining", {lease("a", 0, 4), lease("b", 5, 9, 5, "draining")}, 10, 600,
       "host \"b\" has status=\"draining\"; dynamic coverage needs every row active"},
      {"range past T", {lease("a", 0, 4), lease("b", 5, 10)}, 10, 600,
       "host \"b\" has invalid bucket range 5-10 for BUCKET_TOTAL=10"},
      {"max below min", {lease("a", 4, 3)}, 10, 600, "host \"a\" has invalid bucket range 4-3 for BUCKET_TOTAL=10"},
      {"stale", {lease("a", 0, 4), lease("b", 5, 9, 601)}, 10, 600,
       "host \"b\" heartbeat is stale: last_heartbeat=2026-04-29T11:49:59Z age_sec=601 grace_sec=600"},
      {"gap", {lease("a", 0, 3), lease("b", 5, 9)}, 10, 600,
       "dynamic bucket coverage has gap 4-4 before host \"b\""},
      {"overlap, ties sorted by host", {lease("b", 0, 9), lease("a", 0, 4)}, 10, 600,
       "dynamic bucket coverage overlaps before host \"b\" at bucket 0"},
      {"tail gap", {lease("a", 0, 4)}, 10, 600, "dynamic bucket coverage has trailing gap 5-9"},
      {"first row's problem wins", {lease("a", 0, 3, 900), lease("b", 5, 9, 5, "draining")}, 10, 600,
       "host \"a\" heartbeat is stale: last_heartbeat=2026-04-29T11:45:00Z age_sec=900 grace_sec=600"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(dynamic_coverage_error(c.rows, c.total, c.grace, kNow) == c.error);
  }
}

// ---- process health (decision 10) -----------------------------------------------------------------

TEST_CASE("rollout monitor sighting classifies the host's monitor row", "[rollout]") {
  ProcessHealthRecord deliverer = monitor_row("h", "running", 1);
  deliverer.process_type = "deliverer";
  struct Case {
    const char* name;
    std::vector<ProcessHealthRecord> rows;
    int grace;
    MonitorPresence presence;
    std::int64_t age;
  };
  const std::vector<Case> cases = {
      {"no rows", {}, 600, MonitorPresence::absent, 0},
      {"only a deliverer", {deliverer}, 600, MonitorPresence::absent, 0},
      {"running fresh", {monitor_row("h", "running", 10)}, 600, MonitorPresence::active, 10},
      {"idle fresh", {monitor_row("h", "idle", 600)}, 600, MonitorPresence::active, 600},
      {"starting fresh", {monitor_row("h", "starting", 3)}, 600, MonitorPresence::active, 3},
      {"running stale", {monitor_row("h", "running", 601)}, 600, MonitorPresence::stale, 601},
      {"grace <= 0 means 600", {monitor_row("h", "running", 599)}, 0, MonitorPresence::active, 599},
      {"stopping fresh", {monitor_row("h", "stopping", 2)}, 600, MonitorPresence::stopping, 2},
      {"stopping stale", {monitor_row("h", "stopping", 700)}, 600, MonitorPresence::stale, 700},
      {"stopped fresh", {monitor_row("h", "stopped", 2)}, 600, MonitorPresence::stopped, 2},
      {"stopped long ago", {monitor_row("h", "stopped", 9000)}, 600, MonitorPresence::stopped, 9000},
      {"an active row wins over a newer stopped one",
       {monitor_row("h", "stopped", 1), monitor_row("h", "running", 30)}, 600, MonitorPresence::active, 30},
      {"newest of the inactive rows", {monitor_row("h", "running", 900), monitor_row("h", "stopped", 100)}, 600,
       MonitorPresence::stopped, 100},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const MonitorSighting s = find_monitor(c.rows, kNow, c.grace);
    CHECK(s.presence == c.presence);
    CHECK(s.age_sec == c.age);
    CHECK(s.grace_sec == (c.grace > 0 ? c.grace : 600));
    CHECK(s.row.has_value() == (c.presence != MonitorPresence::absent));
  }
}

TEST_CASE("rollout monitor sighting description", "[rollout]") {
  CHECK(describe_sighting("h", find_monitor({}, kNow, 600)) == "monitor_process=absent host=\"h\"");
  CHECK(describe_sighting("h", find_monitor({monitor_row("h", "stopped", 42)}, kNow, 600)) ==
        "monitor_process=stopped host=\"h\" process_id=\"h:monitor\" state=\"stopped\" "
        "updated_at=2026-04-29T11:59:18Z age_sec=42 grace_sec=600 buckets=0-99");
  CHECK(describe_sighting("h", find_monitor({monitor_row("h", "running", 1, std::nullopt, std::nullopt)}, kNow,
                                            600)) ==
        "monitor_process=active host=\"h\" process_id=\"h:monitor\" state=\"running\" "
        "updated_at=2026-04-29T11:59:59Z age_sec=1 grace_sec=600");
}

TEST_CASE("rollout process verdicts for rollback, preflight and cutover", "[rollout]") {
  const std::string evidence_running = " state=\"running\" updated_at=2026-04-29T11:59:50Z age_sec=10 grace_sec=600";
  struct Case {
    const char* name;
    std::vector<ProcessHealthRecord> rows;
    ProcessVerdict rollback;
    ProcessVerdict preflight;  // requested range 0-99
    ProcessVerdict cutover;
  };
  const std::string stopped_line =
      "monitor_process=stopped host=\"h\" process_id=\"h:monitor\" state=\"stopped\" "
      "updated_at=2026-04-29T11:59:50Z age_sec=10 grace_sec=600 buckets=0-99";
  const std::string stale_line =
      "monitor_process=stale host=\"h\" process_id=\"h:monitor\" state=\"running\" "
      "updated_at=2026-04-29T11:45:00Z age_sec=900 grace_sec=600 buckets=0-99";
  const std::string active_line =
      "monitor_process=active host=\"h\" process_id=\"h:monitor\" state=\"running\" "
      "updated_at=2026-04-29T11:59:50Z age_sec=10 grace_sec=600 buckets=0-99";
  const std::vector<Case> cases = {
      {"running fresh",
       {monitor_row("h", "running", 10)},
       {false, Level::info, "pinned v2 monitor on host \"h\" still reports" + evidence_running + "; stop v2 first"},
       {false, Level::info,
        "v2 monitor on host \"h\" is already active on buckets 0-99" + evidence_running +
            ", overlapping requested range 0-99; never run v1 and v2 on the same range"},
       {true, Level::pass, active_line}},
      {"stopped",
       {monitor_row("h", "stopped", 10)},
       {true, Level::pass, stopped_line},
       {true, Level::pass, stopped_line},
       {false, Level::info,
        "v2 monitor on host \"h\" is not running: state=\"stopped\" updated_at=2026-04-29T11:59:50Z age_sec=10 "
        "grace_sec=600"}},
      {"stale",
       {monitor_row("h", "running", 900)},
       {true, Level::pass, stale_line},
       {true, Level::pass, stale_line},
       {false, Level::info,
        "v2 monitor on host \"h\" has a stale process-health row state=\"running\" updated_at=2026-04-29T11:45:00Z "
        "age_sec=900 grace_sec=600; v2 is not heartbeating"}},
      {"absent",
       {},
       {true, Level::info, "monitor_process=absent host=\"h\" (no jetmon_process_health monitor row)"},
       {true, Level::info, "monitor_process=absent host=\"h\""},
       {false, Level::info,
        "no jetmon_process_health monitor row for host \"h\"; recent activity alone may be v1's, so v2 is not "
        "confirmed running"}},
      {"stopping",
       {monitor_row("h", "stopping", 10)},
       {true, Level::warn,
        "monitor_process=stopping host=\"h\" process_id=\"h:monitor\" state=\"stopping\" "
        "updated_at=2026-04-29T11:59:50Z age_sec=10 grace_sec=600 buckets=0-99; confirm the v2 process has "
        "exited before restarting v1"},
       {true, Level::pass,
        "monitor_process=stopping host=\"h\" process_id=\"h:monitor\" state=\"stopping\" "
        "updated_at=2026-04-29T11:59:50Z age_sec=10 grace_sec=600 buckets=0-99"},
       {false, Level::info,
        "v2 monitor on host \"h\" is not running: state=\"stopping\" updated_at=2026-04-29T11:59:50Z age_sec=10 "
        "grace_sec=600"}},
      {"starting",
       {monitor_row("h", "starting", 10)},
       {false, Level::info,
        "pinned v2 monitor on host \"h\" still reports state=\"starting\" updated_at=2026-04-29T11:59:50Z "
        "age_sec=10 grace_sec=600; stop v2 first"},
       {false, Level::info,
        "v2 monitor on host \"h\" is already active on buckets 0-99 state=\"starting\" "
        "updated_at=2026-04-29T11:59:50Z age_sec=10 grace_sec=600, overlapping requested range 0-99; never run v1 "
        "and v2 on the same range"},
       {false, Level::info,
        "v2 monitor on host \"h\" is not running or idle: state=\"starting\" updated_at=2026-04-29T11:59:50Z "
        "age_sec=10 grace_sec=600"}},
      {"active elsewhere",
       {monitor_row("h", "idle", 10, 100, 199)},
       {false, Level::info,
        "pinned v2 monitor on host \"h\" still reports state=\"idle\" updated_at=2026-04-29T11:59:50Z age_sec=10 "
        "grace_sec=600; stop v2 first"},
       {true, Level::warn,
        "monitor_process=active host=\"h\" process_id=\"h:monitor\" state=\"idle\" updated_at=2026-04-29T11:59:50Z "
        "age_sec=10 grace_sec=600 buckets=100-199; an active v2 monitor outside requested range 0-99"},
       {true, Level::pass,
        "monitor_process=active host=\"h\" process_id=\"h:monitor\" state=\"idle\" updated_at=2026-04-29T11:59:50Z "
        "age_sec=10 grace_sec=600 buckets=100-199"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const MonitorSighting s = find_monitor(c.rows, kNow, 600);
    CHECK(rollback_process_verdict("h", s) == c.rollback);
    CHECK(preflight_process_verdict("h", BucketRange{0, 99}, s) == c.preflight);
    CHECK(cutover_process_verdict("h", s) == c.cutover);
  }
}

TEST_CASE("rollout process checks print or fail through the report", "[rollout]") {
  auto cfg = pinned_config();
  FakeQueries q;
  q.processes = {monitor_row("h", "running", 10), monitor_row("other", "stopped", 10)};
  {
    Captured c;
    CHECK_FALSE(rollback_process_check(cfg, q, "h", kNow, c.report));
    CHECK(c.out.str().empty());
    CHECK(c.err.str().rfind("FAIL pinned v2 monitor on host \"h\" still reports", 0) == 0);
  }
  {
    Captured c;
    CHECK(rollback_process_check(cfg, q, "other", kNow, c.report));
    CHECK(c.out.str().rfind("PASS monitor_process=stopped host=\"other\"", 0) == 0);
  }
  {
    Captured c;
    CHECK(cutover_process_check(cfg, q, "h", kNow, c.report));
    CHECK(c.out.str().rfind("PASS monitor_process=active host=\"h\"", 0) == 0);
  }
  {
    Captured c;
    CHECK(preflight_process_check(cfg, q, "h", BucketRange{100, 199}, kNow, c.report));
    CHECK(c.out.str().rfind("WARN monitor_process=active host=\"h\"", 0) == 0);
    CHECK_FALSE(preflight_process_check(cfg, q, "h", BucketRange{50, 150}, kNow, c.report));
  }
}

// ---- pinned safety block ---------------------------------------------------------------------------

TEST_CASE("rollout pinned safety block passes with every line in order", "[rollout]") {
  FakeQueries q = healthy_pinned();
  q.hosts = {lease("dyn", 100, 999)};  // no overlap with 0-99
  Captured c;
  CHECK(pinned_safety_block(pinned_config(), q, "v2-a", c.report));
  CHECK(c.err.str().empty());
  CHECK(c.out.str() ==
        "PASS pinned_range=0-99\n"
        "PASS legacy_status_projection=enabled\n"
        "PASS api_port=disabled\n"
        "PASS jetmon_hosts row absent host=\"v2-a\"\n"
        "PASS jetmon_hosts overlap=0\n"
        "INFO active_sites_in_pinned_range=7\n"
        "PASS legacy_projection_drift=0\n"
        "pinned rollout check passed\n");
}

TEST_CASE("rollout pinned safety block: each row's outcome", "[rollout]") {
  struct Case {
    const char* name;
    std::function<void(jetmon::config::Config&, FakeQueries&)> setup;
    bool ok;
    std::string out;  // the whole stdout
    std::string err;  // the whole stderr
  };
  const std::vector<Case> cases = {
      {"not pinned",
       [](auto& cfg, auto&) { cfg.pinned_bucket_min.reset(), cfg.pinned_bucket_max.reset(); },
       false,
       "",
       "FAIL config is not pinned; set PINNED_BUCKET_MIN/PINNED_BUCKET_MAX (or BUCKET_NO_MIN/BUCKET_NO_MAX) to "
       "the host's v1 range\n"},
      {"v1 names pin too",
       [](auto& cfg, auto&) {
         cfg.pinned_bucket_min.reset(), cfg.pinned_bucket_max.reset();
         cfg.bucket_no_min = 0, cfg.bucket_no_max = 99;
       },
       true,
       "PASS pinned_range=0-99\nPASS legacy_status_projection=enabled\nPASS api_port=disabled\n"
       "PASS jetmon_hosts row absent host=\"v2-a\"\nPASS jetmon_hosts overlap=0\n"
       "INFO active_sites_in_pinned_range=7\nPASS legacy_projection_drift=0\npinned rollout check passed\n",
       ""},
      {"projection off",
       [](auto& cfg, auto&) { cfg.legacy_status_projection_enable = false; },
       false,
       "PASS pinned_range=0-99\n",
       "FAIL LEGACY_STATUS_PROJECTION_ENABLE must be true during pinned rollout\n"},
      {"api port warns but passes",
       [](auto& cfg, auto&) { cfg.api_port = 8090; },
       true,
       "PASS pinned_range=0-99\nPASS legacy_status_projection=enabled\n"
       "WARN api_port=8090; confirm the API/delivery ownership plan before monitor cutover\n"
       "PASS jetmon_hosts row absent host=\"v2-a\"\nPASS jetmon_hosts overlap=0\n"
       "INFO active_sites_in_pinned_range=7\nPASS legacy_projection_drift=0\npinned rollout check passed\n",
       ""},
      {"stray jetmon_hosts row",
       [](auto&, auto& q) { q.host_rows = {"v2-a"}; },
       false,
       "PASS pinned_range=0-99\nPASS legacy_status_projection=enabled\nPASS api_port=disabled\n",
       "FAIL host \"v2-a\" still has a jetmon_hosts row; a pinned host must not hold dynamic bucket ownership\n"},
      {"overlapping rows",
       [](auto&, auto& q) { q.hosts = {lease("y", 50, 60, 5, "draining"), lease("x", 90, 199), lease("z", 200, 299)}; },
       false,
       "PASS pinned_range=0-99\nPASS legacy_status_projection=enabled\nPASS api_port=disabled\n"
       "PASS jetmon_hosts row absent host=\"v2-a\"\n",
       "FAIL 2 jetmon_hosts row(s) overlapping pinned range 0-99: y=50-60 status=draining, x=90-199 "
       "status=active\n"},
      {"empty range warns",
       [](auto&, auto& q) { q.active.clear(); },
       true,
       "PASS pinned_range=0-99\nPASS legacy_status_projection=enabled\nPASS api_port=disabled\n"
       "PASS jetmon_hosts row absent host=\"v2-a\"\nPASS jetmon_hosts overlap=0\n"
       "INFO active_sites_in_pinned_range=0\n"
       "WARN active_sites_in_pinned_range=0; confirm the pinned range 0-99 is intentionally empty\n"
       "PASS legacy_projection_drift=0\npinned rollout check passed\n",
       ""},
      {"drift",
       [](auto&, auto& q) { q.drift["0-99"] = 3; },
       false,
       "PASS pinned_range=0-99\nPASS legacy_status_projection=enabled\nPASS api_port=disabled\n"
       "PASS jetmon_hosts row absent host=\"v2-a\"\nPASS jetmon_hosts overlap=0\n"
       "INFO active_sites_in_pinned_range=7\n",
       "FAIL legacy projection drift=3 in pinned range 0-99\n"},
  };
  for (const Case& tc : cases) {
    INFO(tc.name);
    auto cfg = pinned_config();
    FakeQueries q = healthy_pinned();
    tc.setup(cfg, q);
    Captured c;
    CHECK(pinned_safety_block(cfg, q, "v2-a", c.report) == tc.ok);
    CHECK(c.out.str() == tc.out);
    CHECK(c.err.str() == tc.err);
    CHECK(c.report.ok() == tc.ok);
  }
}

TEST_CASE("rollout pinned safety block lets a query error propagate", "[rollout]") {
  FakeQueries q;
  q.fail_with = "lost connection";
  Captured c;
  CHECK_THROWS_WITH(pinned_safety_block(pinned_config(), q, "v2-a", c.report), "lost connection");
}

// ---- activity-check ----------------------------------------------------------------------------------

TEST_CASE("rollout activity check: lines and the three outcomes", "[rollout]") {
  const TimePoint cutoff = jetmon::test::utc(2026, 4, 29, 11, 45, 0) + std::chrono::milliseconds(250);
  const std::string head =
      "INFO activity_range=0-99\nINFO activity_since=2026-04-29T11:45:00Z\n";
  struct Case {
    const char* name;
    std::int64_t active, checked;
    bool require_all;
    bool ok;
    std::string out, err;
  };
  const std::vector<Case> cases = {
      {"empty range passes with a warning", 0, 0, true, true,
       head + "INFO active_sites=0\nINFO active_sites_checked_since=0\n"
              "WARN active_sites=0; confirm this range is intentionally empty\npost-cutover activity check passed\n",
       ""},
      {"nothing checked", 5, 0, false, false, head + "INFO active_sites=5\nINFO active_sites_checked_since=0\n",
       "FAIL no active sites in range 0-99 have last_checked_at >= 2026-04-29T11:45:00Z\n"},
      {"some checked is enough without --require-all", 5, 2, false, true,
       head + "INFO active_sites=5\nINFO active_sites_checked_since=2\n"
              "PASS rollout_activity=recent_checks_present\npost-cutover activity check passed\n",
       ""},
      {"--require-all wants every site", 5, 2, true, false,
       head + "INFO active_sites=5\nINFO active_sites_checked_since=2\n",
       "FAIL only 2/5 active sites in range 0-99 have last_checked_at >= 2026-04-29T11:45:00Z\n"},
      {"--require-all satisfied", 5, 5, true, true,
       head + "INFO active_sites=5\nINFO active_sites_checked_since=5\n"
              "PASS rollout_activity=all_active_sites_checked\npost-cutover activity check passed\n",
       ""},
  };
  for (const Case& tc : cases) {
    INFO(tc.name);
    FakeQueries q;
    q.active["0-99"] = tc.active;
    q.checked["0-99"] = tc.checked;
    Captured c;
    CHECK(activity_check(q, BucketRange{0, 99}, cutoff, tc.require_all, c.report) == tc.ok);
    CHECK(c.out.str() == tc.out);
    CHECK(c.err.str() == tc.err);
    REQUIRE(q.cutoffs_seen.size() == 1);
    CHECK(q.cutoffs_seen[0] == cutoff);  // the query gets the exact cutoff, the text its second
  }
}

TEST_CASE("rollout activity check in json mode keeps the same lines", "[rollout]") {
  FakeQueries q;
  q.active["5-9"] = 4;
  std::ostringstream out, err;
  Report report(OutputMode::json, out, err);
  CHECK_FALSE(activity_check(q, BucketRange{5, 9}, kNow, false, report));
  CHECK(report.failures() ==
        std::vector<std::string>{"no active sites in range 5-9 have last_checked_at >= 2026-04-29T12:00:00Z"});
  CHECK(report.lines().size() == 4);
  CHECK(report.lines()[0] == Line{Level::info, "activity_range=5-9"});
  CHECK(out.str().empty());
  CHECK(err.str().empty());
}

// ---- rollback-check ----------------------------------------------------------------------------------

TEST_CASE("rollback check: sequence, decision 10 and failures", "[rollout]") {
  const std::string head = "PASS rollback_range=0-99\n";
  const std::string rows_ok = head + "PASS jetmon_hosts row absent host=\"v2-a\"\nPASS jetmon_hosts overlap=0\n";
  struct Case {
    const char* name;
    std::function<void(FakeQueries&)> setup;
    bool ok;
    std::string out, err;
  };
  const std::vector<Case> cases = {
      {"v2 stopped",
       [](auto& q) { q.processes = {monitor_row("v2-a", "stopped", 30)}; },
       true,
       rows_ok +
           "PASS monitor_process=stopped host=\"v2-a\" process_id=\"v2-a:monitor\" state=\"stopped\" "
           "updated_at=2026-04-29T11:59:30Z age_sec=30 grace_sec=600 buckets=0-99\n"
           "INFO active_sites_in_rollback_range=7\nPASS legacy_projection_drift=0\nrollback check passed\n",
       ""},
      {"no process row (a Go v2)",
       [](auto&) {},
       true,
       rows_ok +
           "INFO monitor_process=absent host=\"v2-a\" (no jetmon_process_health monitor row)\n"
           "INFO active_sites_in_rollback_range=7\nPASS legacy_projection_drift=0\nrollback check passed\n",
       ""},
      {"v2 still running",
       [](auto& q) { q.processes = {monitor_row("v2-a", "running", 4)}; },
       false,
       rows_ok,
       "FAIL pinned v2 monitor on host \"v2-a\" still reports state=\"running\" updated_at=2026-04-29T11:59:56Z "
       "age_sec=4 grace_sec=600; stop v2 first\n"},
      {"v2 row stale",
       [](auto& q) { q.processes = {monitor_row("v2-a", "running", 601)}; },
       true,
       rows_ok +
           "PASS monitor_process=stale host=\"v2-a\" process_id=\"v2-a:monitor\" state=\"running\" "
           "updated_at=2026-04-29T11:49:59Z age_sec=601 grace_sec=600 buckets=0-99\n"
           "INFO active_sites_in_rollback_range=7\nPASS legacy_projection_drift=0\nrollback check passed\n",
       ""},
      {"dynamic row left behind",
       [](auto& q) { q.host_rows = {"v2-a"}; },
       false,
       head,
       "FAIL host \"v2-a\" still has a jetmon_hosts row; stop v2 or clear dynamic ownership first\n"},
      {"overlap",
       [](auto& q) { q.hosts = {lease("dyn-1", 0, 499)}; },
       false,
       head + "PASS jetmon_hosts row absent host=\"v2-a\"\n",
       "FAIL 1 jetmon_hosts row(s) overlapping rollback range 0-99: dyn-1=0-499 status=active\n"},
      {"empty range and drift",
       [](auto& q) {
         q.active.clear();
         q.drift["0-99"] = 2;
       },
       false,
       rows_ok +
           "INFO monitor_process=absent host=\"v2-a\" (no jetmon_process_health monitor row)\n"
           "INFO active_sites_in_rollback_range=0\n"
           "WARN active_sites_in_rollback_range=0; confirm the rollback range 0-99 is intentionally empty\n",
       "FAIL legacy projection drift=2 in rollback range 0-99\n"},
  };
  for (const Case& tc : cases) {
    INFO(tc.name);
    FakeQueries q = healthy_pinned();
    tc.setup(q);
    Captured c;
    // The projection flag is not checked by rollback-check.
    auto cfg = pinned_config();
    cfg.legacy_status_projection_enable = false;
    CHECK(rollback_check(cfg, q, "v2-a", BucketRange{0, 99}, kNow, c.report) == tc.ok);
    CHECK(c.out.str() == tc.out);
    CHECK(c.err.str() == tc.err);
  }
}

// ---- dynamic-check -----------------------------------------------------------------------------------

TEST_CASE("dynamic check: sequence and failures", "[rollout]") {
  struct Case {
    const char* name;
    std::function<void(jetmon::config::Config&, FakeQueries&)> setup;
    bool ok;
    std::string out, err;
  };
  const std::string ok_head = "PASS bucket_ownership=dynamic\nPASS legacy_status_projection=enabled\n";
  const std::vector<Case> cases = {
      {"complete",
       [](auto&, auto& q) { q.active["0-9"] = 12; },
       true,
       ok_head +
           "INFO jetmon_hosts_rows=2\nPASS dynamic_bucket_coverage=0-9 hosts=2\nINFO active_sites_dynamic_range=12\n"
           "PASS legacy_projection_drift=0\ndynamic rollout check passed\n",
       ""},
      {"still pinned",
       [](auto& cfg, auto&) { cfg.pinned_bucket_min = 0, cfg.pinned_bucket_max = 4; },
       false,
       "",
       "FAIL config is pinned to 0-4; remove PINNED_BUCKET_* and BUCKET_NO_* from every monitor before "
       "dynamic-check\n"},
      {"projection off",
       [](auto& cfg, auto&) { cfg.legacy_status_projection_enable = false; },
       false,
       "PASS bucket_ownership=dynamic\n",
       "FAIL LEGACY_STATUS_PROJECTION_ENABLE must be true until every v1 host is retired\n"},
      {"stale lease",
       [](auto&, auto& q) { q.hosts[1].last_heartbeat = kNow - seconds(3600); },
       false,
       ok_head + "INFO jetmon_hosts_rows=2\n",
       "FAIL host \"b\" heartbeat is stale: last_heartbeat=2026-04-29T11:00:00Z age_sec=3600 grace_sec=600\n"},
      {"missing lease",
       [](auto&, auto& q) { q.hosts.pop_back(); },
       false,
       ok_head + "INFO jetmon_hosts_rows=1\n",
       "FAIL dynamic bucket coverage has trailing gap 5-9\n"},
      {"no leases",
       [](auto&, auto& q) { q.hosts.clear(); },
       false,
       ok_head + "INFO jetmon_hosts_rows=0\n",
       "FAIL jetmon_hosts has no dynamic ownership rows\n"},
      {"empty fleet range and drift",
       [](auto&, auto& q) { q.drift["0-9"] = 1; },
       false,
       ok_head +
           "INFO jetmon_hosts_rows=2\nPASS dynamic_bucket_coverage=0-9 hosts=2\nINFO active_sites_dynamic_range=0\n"
           "WARN active_sites_dynamic_range=0; confirm the dynamic range 0-9 is intentionally empty\n",
       "FAIL legacy projection drift=1 in dynamic range 0-9\n"},
  };
  for (const Case& tc : cases) {
    INFO(tc.name);
    auto cfg = dynamic_config();
    FakeQueries q;
    q.hosts = {lease("a", 0, 4), lease("b", 5, 9)};
    tc.setup(cfg, q);
    Captured c;
    CHECK(dynamic_check(cfg, q, kNow, c.report) == tc.ok);
    CHECK(c.out.str() == tc.out);
    CHECK(c.err.str() == tc.err);
  }
}
