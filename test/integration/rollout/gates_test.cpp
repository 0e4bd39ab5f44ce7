// The rollout gates (rollout.md §1.4, §1.6, §1.7, §1.9, §1.10, product decision 10) on real MariaDB
// through MariaDbQueries: seeded jetmon_hosts leases, sites and process-health rows.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <sstream>
#include <string>

#include "jetmon/db/connection.hpp"
#include "jetmon/rollout/gates.hpp"
#include "jetmon/rollout/mariadb_queries.hpp"
#include "jetmon/rollout/state_report.hpp"
#include "support/test_db.hpp"

using namespace jetmon::rollout;
using jetmon::test::TestDatabase;
using jetmon::test::table_fingerprints;

namespace {

struct Captured {
  std::ostringstream out, err;
  Report report{OutputMode::text, out, err};
};

jetmon::config::Config pinned_config(int min, int max) {
  jetmon::config::Config c;
  c.bucket_total = 10;
  c.pinned_bucket_min = min;
  c.pinned_bucket_max = max;
  return c;
}

jetmon::config::Config dynamic_config() {
  jetmon::config::Config c;
  c.bucket_total = 10;
  c.bucket_heartbeat_grace_sec = 600;
  return c;
}

// A site in `bucket`, last checked `checked_ago_sec` seconds ago (negative: never).
void add_site(jetmon::db::Connection& c, std::uint64_t blog, int bucket, int checked_ago_sec) {
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status, "
         "last_checked_at) VALUES (?, ?, ?, 1, 1, IF(? < 0, NULL, UTC_TIMESTAMP() - INTERVAL ? SECOND))",
         {blog, bucket, "http://site" + std::to_string(blog) + ".example/", checked_ago_sec, checked_ago_sec});
}

void add_lease(jetmon::db::Connection& c, const std::string& host, int min, int max, int heartbeat_ago_sec,
               const std::string& status = "active") {
  c.exec("INSERT INTO jetmon_hosts (host_id, bucket_min, bucket_max, last_heartbeat, status) "
         "VALUES (?, ?, ?, UTC_TIMESTAMP() - INTERVAL ? SECOND, ?)",
         {host, min, max, heartbeat_ago_sec, status});
}

void add_monitor_row(jetmon::db::Connection& c, const std::string& host, const std::string& state,
                     int updated_ago_sec, int min, int max) {
  c.exec("INSERT INTO jetmon_process_health (process_id, host_id, process_type, pid, state, health_status, "
         "started_at, updated_at, bucket_min, bucket_max, bucket_ownership) "
         "VALUES (?, ?, 'monitor', 4242, ?, 'green', UTC_TIMESTAMP() - INTERVAL 1 HOUR, "
         "UTC_TIMESTAMP() - INTERVAL ? SECOND, ?, ?, ?)",
         {host + ":monitor", host, state, updated_ago_sec, min, max,
          "pinned range=" + std::to_string(min) + "-" + std::to_string(max)});
}

TimePoint now() { return std::chrono::system_clock::now(); }

}  // namespace

TEST_CASE("rollout gates db: pinned safety block passes on a clean pinned range", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_site(c, 1, 2, 30);
  add_site(c, 2, 7, 30);  // outside 0-4
  add_lease(c, "dyn-other", 5, 9, 5);
  MariaDbQueries q(c);
  Captured out;
  CHECK(pinned_safety_block(pinned_config(0, 4), q, "v2-a", out.report));
  CHECK(out.err.str().empty());
  CHECK(out.out.str() ==
        "PASS pinned_range=0-4\nPASS legacy_status_projection=enabled\nPASS api_port=disabled\n"
        "PASS jetmon_hosts row absent host=\"v2-a\"\nPASS jetmon_hosts overlap=0\n"
        "INFO active_sites_in_pinned_range=1\nPASS legacy_projection_drift=0\npinned rollout check passed\n");
}

TEST_CASE("rollout gates db: a pinned host with a stray jetmon_hosts row fails", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_lease(c, "v2-a", 5, 9, 5);  // its own row, even outside the pinned range
  MariaDbQueries q(c);
  Captured out;
  CHECK_FALSE(pinned_safety_block(pinned_config(0, 4), q, "v2-a", out.report));
  CHECK(out.err.str() ==
        "FAIL host \"v2-a\" still has a jetmon_hosts row; a pinned host must not hold dynamic bucket ownership\n");
  CHECK(out.out.str().find("jetmon_hosts row absent") == std::string::npos);
}

TEST_CASE("rollout gates db: overlapping jetmon_hosts rows fail the pinned block and rollback-check", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_lease(c, "dyn-b", 4, 9, 5, "draining");
  add_lease(c, "dyn-a", 0, 3, 5);
  MariaDbQueries q(c);
  {
    Captured out;
    CHECK_FALSE(pinned_safety_block(pinned_config(3, 5), q, "v2-a", out.report));
    CHECK(out.err.str() ==
          "FAIL 2 jetmon_hosts row(s) overlapping pinned range 3-5: dyn-a=0-3 status=active, dyn-b=4-9 "
          "status=draining\n");
  }
  {
    Captured out;
    CHECK_FALSE(rollback_check(pinned_config(3, 5), q, "v2-a", BucketRange{6, 6}, now(), out.report));
    CHECK(out.err.str() == "FAIL 1 jetmon_hosts row(s) overlapping rollback range 6-6: dyn-b=4-9 status=draining\n");
  }
}

TEST_CASE("rollout gates db: dynamic-check on complete, stale and missing leases", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_site(c, 1, 0, 10);
  add_lease(c, "b", 5, 9, 3);
  add_lease(c, "a", 0, 4, 3);
  MariaDbQueries q(c);
  {
    Captured out;
    CHECK(dynamic_check(dynamic_config(), q, now(), out.report));
    CHECK(out.out.str() ==
          "PASS bucket_ownership=dynamic\nPASS legacy_status_projection=enabled\nINFO jetmon_hosts_rows=2\n"
          "PASS dynamic_bucket_coverage=0-9 hosts=2\nINFO active_sites_dynamic_range=1\n"
          "PASS legacy_projection_drift=0\ndynamic rollout check passed\n");
  }
  c.execute("UPDATE jetmon_hosts SET last_heartbeat = UTC_TIMESTAMP() - INTERVAL 2 HOUR WHERE host_id = 'b'");
  {
    Captured out;
    CHECK_FALSE(dynamic_check(dynamic_config(), q, now(), out.report));
    CHECK(out.err.str().rfind("FAIL host \"b\" heartbeat is stale: last_heartbeat=", 0) == 0);
    CHECK(out.err.str().find(" grace_sec=600\n") != std::string::npos);
  }
  c.execute("DELETE FROM jetmon_hosts WHERE host_id = 'b'");
  {
    Captured out;
    CHECK_FALSE(dynamic_check(dynamic_config(), q, now(), out.report));
    CHECK(out.out.str().find("INFO jetmon_hosts_rows=1\n") != std::string::npos);
    CHECK(out.err.str() == "FAIL dynamic bucket coverage has trailing gap 5-9\n");
  }
}

TEST_CASE("rollout gates db: activity-check with no recent activity, some, and all", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_site(c, 1, 1, 3600);  // an hour ago
  add_site(c, 2, 2, -1);    // never
  add_site(c, 3, 8, 5);     // fresh, but outside 0-4
  MariaDbQueries q(c);
  const TimePoint cutoff = now() - std::chrono::minutes(15);
  const std::string since = format_seconds_utc(cutoff);
  {
    Captured out;
    CHECK_FALSE(activity_check(q, BucketRange{0, 4}, cutoff, false, out.report));
    CHECK(out.out.str() == "INFO activity_range=0-4\nINFO activity_since=" + since +
                               "\nINFO active_sites=2\nINFO active_sites_checked_since=0\n");
    CHECK(out.err.str() == "FAIL no active sites in range 0-4 have last_checked_at >= " + since + "\n");
  }
  c.execute("UPDATE jetpack_monitor_sites SET last_checked_at = UTC_TIMESTAMP() WHERE blog_id = 1");
  {
    Captured out;
    CHECK(activity_check(q, BucketRange{0, 4}, cutoff, false, out.report));
    CHECK(out.out.str().find("PASS rollout_activity=recent_checks_present\n") != std::string::npos);
  }
  {
    Captured out;
    CHECK_FALSE(activity_check(q, BucketRange{0, 4}, cutoff, true, out.report));
    CHECK(out.err.str() == "FAIL only 1/2 active sites in range 0-4 have last_checked_at >= " + since + "\n");
  }
}

TEST_CASE("rollout gates db: rollback-check reads the v2 monitor's process-health row", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_site(c, 1, 1, 10);
  MariaDbQueries q(c);
  const auto cfg = pinned_config(0, 4);

  add_monitor_row(c, "v2-a", "running", 2, 0, 4);
  {
    Captured out;
    CHECK_FALSE(rollback_check(cfg, q, "v2-a", BucketRange{0, 4}, now(), out.report));
    CHECK(out.err.str().rfind("FAIL pinned v2 monitor on host \"v2-a\" still reports state=\"running\" updated_at=",
                              0) == 0);
    CHECK(out.err.str().find("; stop v2 first\n") != std::string::npos);
  }

  c.execute("UPDATE jetmon_process_health SET updated_at = UTC_TIMESTAMP() - INTERVAL 3 HOUR");
  {
    Captured out;
    CHECK(rollback_check(cfg, q, "v2-a", BucketRange{0, 4}, now(), out.report));
    CHECK(out.err.str().empty());
    const std::string text = out.out.str();
    CHECK(text.find("PASS monitor_process=stale host=\"v2-a\" process_id=\"v2-a:monitor\" state=\"running\"") !=
          std::string::npos);
    CHECK(text.find("INFO active_sites_in_rollback_range=1\n") != std::string::npos);
    CHECK(text.size() >= 22);
    CHECK(text.substr(text.size() - 22) == "rollback check passed\n");
  }

  c.execute("UPDATE jetmon_process_health SET state = 'stopped', updated_at = UTC_TIMESTAMP()");
  {
    Captured out;
    CHECK(rollback_check(cfg, q, "v2-a", BucketRange{0, 4}, now(), out.report));
    CHECK(out.out.str().find("PASS monitor_process=stopped host=\"v2-a\"") != std::string::npos);
  }
  {
    Captured out;  // cutover-check's view of the same stopped row
    CHECK_FALSE(cutover_process_check(cfg, q, "v2-a", now(), out.report));
    CHECK(out.err.str().rfind("FAIL v2 monitor on host \"v2-a\" is not running: state=\"stopped\"", 0) == 0);
  }
}

TEST_CASE("rollout gates db: state-report text and json on a dynamic fleet", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_lease(c, "a", 0, 4, 1);
  add_lease(c, "b", 5, 9, 2);
  add_site(c, 1, 1, 5);
  add_site(c, 2, 6, 3600);
  MariaDbQueries q(c);
  const TimePoint at = now();
  const TimePoint since = at - std::chrono::minutes(15);
  {
    std::ostringstream out, err;
    CHECK(state_report(dynamic_config(), q, "a", since, at, OutputMode::text, out, err) == 0);
    CHECK(err.str().empty());
    const std::string ts = format_seconds_utc(since);
    CHECK(out.str() == "INFO rollout_state_generated_at=" + format_seconds_utc(at) +
                           "\nINFO host=\"a\"\n"
                           "INFO ownership_mode=dynamic bucket_range=0-9\n"
                           "PASS bucket_coverage=complete bucket_total=10 host_count=2\n"
                           "INFO activity_since=" + ts +
                           "\nINFO active_sites=2 checked_since=1 unchecked_since=1 checked_percent=50.0\n"
                           "PASS legacy_projection_drift=0\n"
                           "INFO delivery_workers=disabled api_port=disabled\n"
                           "WARN rollout_state_issue=\"1/2 active sites checked since " + ts +
                           "\"\n"
                           "INFO suggested_next_action=\"Wait for one full check round, then run rollout "
                           "cutover-check --require-all.\"\n");
  }
  {
    std::ostringstream out, err;
    CHECK(state_report(dynamic_config(), q, "a", since, at, OutputMode::json, out, err) == 0);
    const std::string json = out.str();
    CHECK(json.rfind("{\n  \"ok\": false,\n  \"command\": \"rollout state-report\",", 0) == 0);
    CHECK(json.find("\"status\": \"complete\"") != std::string::npos);
    CHECK(json.find("\"host_id\": \"b\"") != std::string::npos);
    CHECK(json.find("\"checked_percent\": 50\n") != std::string::npos);
    CHECK(json.find("\"monitor_process\"") == std::string::npos);  // dynamic: no decision-10 member
  }
  c.execute("DROP TABLE jetmon_hosts");  // a query failure: the error form, exit 1
  {
    std::ostringstream out, err;
    CHECK(state_report(dynamic_config(), q, "a", since, at, OutputMode::json, out, err) == 1);
    CHECK(out.str().rfind("{\n  \"ok\": false,", 0) == 0);
    CHECK(out.str().find("\"issues\": [\n    \"") != std::string::npos);
    CHECK(out.str().find("jetmon_hosts") != std::string::npos);
  }
}

TEST_CASE("rollout gates db: a pinned state-report shows the host's own monitor row", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_site(c, 1, 1, 5);
  add_monitor_row(c, "v2-a", "idle", 4, 0, 4);
  MariaDbQueries q(c);
  std::ostringstream out, err;
  const TimePoint at = now();
  CHECK(state_report(pinned_config(0, 4), q, "v2-a", at - std::chrono::minutes(15), at, OutputMode::text, out,
                     err) == 0);
  CHECK(out.str().find("PASS bucket_coverage=pinned_config bucket_total=10 host_count=0\n") != std::string::npos);
  CHECK(out.str().find("INFO monitor_process=active host=\"v2-a\" process_id=\"v2-a:monitor\" state=\"idle\"") !=
        std::string::npos);
  CHECK(out.str().find("rollout_state_issue") == std::string::npos);
}

TEST_CASE("rollout gates db: no gate changes any table", "[rollout]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  add_site(c, 1, 1, 5);
  add_site(c, 2, 6, 3600);
  add_lease(c, "a", 0, 4, 1);
  add_lease(c, "b", 5, 9, 2000);
  add_monitor_row(c, "v2-a", "running", 3, 0, 4);

  const auto before = table_fingerprints(c);
  REQUIRE(before.count("jetmon_hosts") == 1);

  MariaDbQueries q(c);
  const TimePoint at = now();
  const TimePoint since = at - std::chrono::minutes(15);
  for (const auto& cfg : {pinned_config(0, 4), dynamic_config()}) {
    Captured out;
    pinned_safety_block(cfg, q, "v2-a", out.report);
    activity_check(q, BucketRange{0, 9}, since, true, out.report);
    rollback_check(cfg, q, "v2-a", BucketRange{0, 4}, at, out.report);
    dynamic_check(cfg, q, at, out.report);
    preflight_process_check(cfg, q, "v2-a", BucketRange{0, 4}, at, out.report);
    cutover_process_check(cfg, q, "v2-a", at, out.report);
    std::ostringstream so, se;
    state_report(cfg, q, "v2-a", since, at, OutputMode::json, so, se);
  }
  CHECK(table_fingerprints(c) == before);
}

