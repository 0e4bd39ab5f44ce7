#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "fake_queries.hpp"
#include "jetmon/rollout/state_report.hpp"
#include "support/utc.hpp"

using namespace jetmon::rollout;
using jetmon::rollout::testing::FakeQueries;
using std::chrono::seconds;

namespace {

const TimePoint kNow = jetmon::test::utc(2026, 4, 29, 12, 0, 0);
const TimePoint kSince = kNow - std::chrono::minutes(15);

jetmon::config::Config pinned_config() {
  jetmon::config::Config c;
  c.bucket_total = 1000;
  c.pinned_bucket_min = 0;
  c.pinned_bucket_max = 99;
  return c;
}

jetmon::config::Config dynamic_config() {
  jetmon::config::Config c;
  c.bucket_total = 10;
  return c;
}

ProcessHealthRecord monitor_row(const std::string& host, const std::string& state, int age_sec) {
  ProcessHealthRecord r;
  r.host_id = host;
  r.process_id = host + ":monitor";
  r.process_type = "monitor";
  r.state = state;
  r.health_status = "green";
  r.bucket_ownership = "pinned range=0-99";
  r.bucket_min = 0;
  r.bucket_max = 99;
  r.updated_at = kNow - seconds(age_sec);
  return r;
}

std::string text_of(const StateReport& s) {
  std::ostringstream out, err;
  Report report(OutputMode::text, out, err);
  write_state_report_text(s, report);
  CHECK(err.str().empty());
  return out.str();
}

}  // namespace

TEST_CASE("state report for a healthy pinned host: text and json", "[rollout]") {
  FakeQueries q;
  q.active["0-99"] = 3;
  q.checked["0-99"] = 3;
  q.processes = {monitor_row("v2-a", "running", 12)};
  const StateReport s = build_state_report(pinned_config(), q, "v2-a", kSince, kNow);
  CHECK(s.ok);
  CHECK(s.issues.empty());
  REQUIRE(q.cutoffs_seen.size() == 1);
  CHECK(q.cutoffs_seen[0] == kSince);
  CHECK(text_of(s) ==
        "INFO rollout_state_generated_at=2026-04-29T12:00:00Z\n"
        "INFO host=\"v2-a\"\n"
        "INFO ownership_mode=pinned bucket_range=0-99\n"
        "PASS bucket_coverage=pinned_config bucket_total=1000 host_count=0\n"
        "INFO activity_since=2026-04-29T11:45:00Z\n"
        "INFO active_sites=3 checked_since=3 unchecked_since=0 checked_percent=100.0\n"
        "PASS legacy_projection_drift=0\n"
        "INFO delivery_workers=disabled api_port=disabled\n"
        "INFO monitor_process=active host=\"v2-a\" process_id=\"v2-a:monitor\" state=\"running\" "
        "updated_at=2026-04-29T11:59:48Z age_sec=12 grace_sec=600 buckets=0-99\n"
        "INFO suggested_next_action=\"This pinned host looks healthy; move on to the next host, then plan the "
        "dynamic cutover.\"\n");
  CHECK(state_report_json(s) ==
        R"({
  "ok": true,
  "command": "rollout state-report",
  "generated_at": "2026-04-29T12:00:00Z",
  "host": "v2-a",
  "ownership": {
    "mode": "pinned",
    "bucket_min": 0,
    "bucket_max": 99
  },
  "bucket_coverage": {
    "status": "pinned_config",
    "bucket_total": 1000,
    "host_count": 0
  },
  "activity": {
    "since": "2026-04-29T11:45:00Z",
    "active_sites": 3,
    "checked_since": 3,
    "unchecked_since": 0,
    "checked_percent": 100
  },
  "projection_drift": {
    "count": 0
  },
  "delivery_owner": {
    "level": "INFO",
    "message": "delivery_workers=disabled api_port=disabled"
  },
  "monitor_process": {
    "presence": "active",
    "process_id": "v2-a:monitor",
    "state": "running",
    "health_status": "green",
    "bucket_ownership": "pinned range=0-99",
    "bucket_min": 0,
    "bucket_max": 99,
    "updated_at": "2026-04-29T11:59:48Z",
    "age_sec": 12,
    "grace_sec": 600
  },
  "suggested_next_action": "This pinned host looks healthy; move on to the next host, then plan the dynamic cutover."
})");
}

TEST_CASE("state report for a broken dynamic fleet lists every issue in order", "[rollout]") {
  auto cfg = dynamic_config();
  cfg.api_port = 8090;  // API on, no owner: the WARN case
  FakeQueries q;
  q.hosts = {HostLease{"a", 0, 4, kNow - seconds(30), "active"},
             HostLease{"b", 5, 8, kNow + seconds(3), "active"}};  // a clock ahead reads age 0
  q.active["0-9"] = 3;
  q.checked["0-9"] = 2;
  q.drift["0-9"] = 4;
  q.processes = {monitor_row("web-1", "running", 1)};  // dynamic: not consulted
  const StateReport s = build_state_report(cfg, q, "web-1", kSince, kNow);
  CHECK_FALSE(s.ok);
  CHECK_FALSE(s.monitor_process.has_value());
  CHECK(s.issues == std::vector<std::string>{
                        "dynamic bucket coverage has trailing gap 9-9",
                        "legacy projection drift=4",
                        "2/3 active sites checked since 2026-04-29T11:45:00Z",
                        "delivery_owner_host is unset; host \"web-1\" will run delivery workers because API_PORT is "
                        "enabled",
                    });
  CHECK(text_of(s) ==
        "INFO rollout_state_generated_at=2026-04-29T12:00:00Z\n"
        "INFO host=\"web-1\"\n"
        "INFO ownership_mode=dynamic bucket_range=0-9\n"
        "WARN bucket_coverage=invalid error=\"dynamic bucket coverage has trailing gap 9-9\"\n"
        "INFO activity_since=2026-04-29T11:45:00Z\n"
        "INFO active_sites=3 checked_since=2 unchecked_since=1 checked_percent=66.7\n"
        "WARN legacy_projection_drift=4\n"
        "WARN delivery_owner_host is unset; host \"web-1\" will run delivery workers because API_PORT is enabled\n"
        "WARN rollout_state_issue=\"dynamic bucket coverage has trailing gap 9-9\"\n"
        "WARN rollout_state_issue=\"legacy projection drift=4\"\n"
        "WARN rollout_state_issue=\"2/3 active sites checked since 2026-04-29T11:45:00Z\"\n"
        "WARN rollout_state_issue=\"delivery_owner_host is unset; host \\\"web-1\\\" will run delivery workers "
        "because API_PORT is enabled\"\n"
        "INFO suggested_next_action=\"Fix jetmon_hosts bucket coverage (see the bucket_coverage error) before "
        "advancing the rollout.\"\n");
  CHECK(state_report_json(s) ==
        R"({
  "ok": false,
  "command": "rollout state-report",
  "generated_at": "2026-04-29T12:00:00Z",
  "host": "web-1",
  "ownership": {
    "mode": "dynamic",
    "bucket_min": 0,
    "bucket_max": 9
  },
  "bucket_coverage": {
    "status": "invalid",
    "bucket_total": 10,
    "host_count": 2,
    "error": "dynamic bucket coverage has trailing gap 9-9",
    "hosts": [
      {
        "host_id": "a",
        "bucket_min": 0,
        "bucket_max": 4,
        "status": "active",
        "last_heartbeat": "2026-04-29T11:59:30Z",
        "last_heartbeat_age_sec": 30
      },
      {
        "host_id": "b",
        "bucket_min": 5,
        "bucket_max": 8,
        "status": "active",
        "last_heartbeat": "2026-04-29T12:00:03Z",
        "last_heartbeat_age_sec": 0
      }
    ]
  },
  "activity": {
    "since": "2026-04-29T11:45:00Z",
    "active_sites": 3,
    "checked_since": 2,
    "unchecked_since": 1,
    "checked_percent": 66.66666666666667
  },
  "projection_drift": {
    "count": 4
  },
  "delivery_owner": {
    "level": "WARN",
    "message": "delivery_owner_host is unset; host \"web-1\" will run delivery workers because API_PORT is enabled"
  },
  "suggested_next_action": "Fix jetmon_hosts bucket coverage (see the bucket_coverage error) before advancing the rollout.",
  "issues": [
    "dynamic bucket coverage has trailing gap 9-9",
    "legacy projection drift=4",
    "2/3 active sites checked since 2026-04-29T11:45:00Z",
    "delivery_owner_host is unset; host \"web-1\" will run delivery workers because API_PORT is enabled"
  ]
})");
}

TEST_CASE("state report complete dynamic coverage lists hosts and passes", "[rollout]") {
  FakeQueries q;
  q.hosts = {HostLease{"b", 5, 9, kNow - seconds(1), "active"}, HostLease{"a", 0, 4, kNow - seconds(2), "active"}};
  q.active["0-9"] = 4;
  q.checked["0-9"] = 4;
  const StateReport s = build_state_report(dynamic_config(), q, "a", kSince, kNow);
  CHECK(s.ok);
  CHECK(s.coverage_status == "complete");
  CHECK(s.host_count == 2);
  REQUIRE(s.hosts.size() == 2);
  CHECK(s.hosts[0].lease.host_id == "a");  // Q-hosts order
  CHECK(s.hosts[0].last_heartbeat_age_sec == 2);
  CHECK(s.suggested_next_action == "Rollout state is healthy; no action needed.");
  CHECK(text_of(s).find("PASS bucket_coverage=complete bucket_total=10 host_count=2\n") != std::string::npos);
}

TEST_CASE("state report issues and suggested action follow the spec order", "[rollout]") {
  struct Case {
    const char* name;
    const char* coverage;
    std::int64_t drift, active, checked;
    bool owner_warn;
    const char* mode;
    std::vector<std::string> issues;
    std::string action_prefix;
  };
  const std::string since = "2026-04-29T11:45:00Z";
  const std::string owner = "owner warning";
  const std::vector<Case> cases = {
      {"healthy dynamic", "complete", 0, 5, 5, false, "dynamic", {}, "Rollout state is healthy"},
      {"healthy pinned", "pinned_config", 0, 5, 5, false, "pinned", {}, "This pinned host looks healthy"},
      {"coverage first", "invalid", 1, 5, 0, true, "dynamic",
       {"cov", "legacy projection drift=1", "no active sites checked since " + since, owner}, "Fix jetmon_hosts"},
      {"drift next", "complete", 2, 0, 0, true, "dynamic", {"legacy projection drift=2", owner},
       "Run rollout projection-drift --limit=100"},
      {"empty range", "complete", 0, 0, 0, true, "pinned", {owner}, "Confirm that bucket range 0-9"},
      {"none checked", "complete", 0, 5, 0, false, "pinned", {"no active sites checked since " + since},
       "Investigate the check loop"},
      {"some unchecked", "complete", 0, 5, 4, true, "pinned", {"4/5 active sites checked since " + since, owner},
       "Wait for one full check round"},
      {"owner warning", "complete", 0, 5, 5, true, "pinned", {owner}, "Set DELIVERY_OWNER_HOST"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    StateReport s;
    s.since = kSince;
    s.range = BucketRange{0, 9};
    s.ownership_mode = c.mode;
    s.coverage_status = c.coverage;
    s.coverage_error = std::string(c.coverage) == "invalid" ? "cov" : "";
    s.drift_count = c.drift;
    s.active_sites = c.active;
    s.checked_since = c.checked;
    s.unchecked_since = c.active - c.checked;
    s.owner_level = c.owner_warn ? "WARN" : "INFO";
    s.owner_message = owner;
    judge_state_report(s);
    CHECK(s.issues == c.issues);
    CHECK(s.ok == c.issues.empty());
    CHECK(s.suggested_next_action.rfind(c.action_prefix, 0) == 0);
  }
}

TEST_CASE("state report error form: ok false, the error as the only issue, zero sections", "[rollout]") {
  const std::string expected = R"({
  "ok": false,
  "command": "rollout state-report",
  "generated_at": "2026-04-29T12:00:00Z",
  "host": "v2-a",
  "ownership": {
    "mode": "",
    "bucket_min": 0,
    "bucket_max": 0
  },
  "bucket_coverage": {
    "status": "",
    "bucket_total": 0,
    "host_count": 0
  },
  "activity": {
    "since": "0001-01-01T00:00:00Z",
    "active_sites": 0,
    "checked_since": 0,
    "unchecked_since": 0,
    "checked_percent": 0
  },
  "projection_drift": {
    "count": 0
  },
  "delivery_owner": {
    "level": "",
    "message": ""
  },
  "issues": [
    "lost connection"
  ]
}
)";
  {
    std::ostringstream out, err;
    FakeQueries q;
    q.fail_with = "lost connection";
    CHECK(state_report(pinned_config(), q, "v2-a", kSince, kNow, OutputMode::json, out, err) == 1);
    CHECK(out.str() == expected);
    CHECK(err.str().empty());
  }
  {
    std::ostringstream out, err;
    FakeQueries q;
    q.fail_with = "lost connection";
    CHECK(state_report(pinned_config(), q, "v2-a", kSince, kNow, OutputMode::text, out, err) == 1);
    CHECK(out.str().empty());
    CHECK(err.str() == "FAIL lost connection\n");
  }
  {
    std::ostringstream out, err;
    CHECK(state_report_failure("config parse: open config: x: missing", "", kNow, OutputMode::json, out, err) == 1);
    CHECK(out.str().find("\"host\"") == std::string::npos);
    CHECK(out.str().find("\"config parse: open config: x: missing\"") != std::string::npos);
  }
}

TEST_CASE("state report exits 0 whenever it was built, even not ok", "[rollout]") {
  FakeQueries q;
  q.active["0-99"] = 5;  // nothing checked: ok=false
  std::ostringstream out, err;
  CHECK(state_report(pinned_config(), q, "v2-a", kSince, kNow, OutputMode::json, out, err) == 0);
  CHECK(out.str().rfind("{\n  \"ok\": false,", 0) == 0);
  CHECK(out.str().find("\"presence\": \"absent\"") != std::string::npos);
  CHECK(err.str().empty());
}
