// rollout::MariaDbQueries on a real MariaDB (rollout.md §0 SQL primitives, §3 drift queries,
// product decision 10's process-health rows) and the §3 report over it: each likely cause on
// seeded sites and events, the statements' plans, and proof that nothing is written.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "jetmon/db/connection.hpp"
#include "jetmon/rollout/mariadb_queries.hpp"
#include "jetmon/rollout/projection_drift.hpp"
#include "jetmon/schedule/projection_drift.hpp"
#include "support/drift_seed.hpp"
#include "support/test_db.hpp"
#include "support/utc.hpp"

using namespace jetmon::rollout;
using namespace jetmon::test;  // TestDatabase, add_site, add_event, utc
using jetmon::db::Connection;
using jetmon::db::DateTime;

namespace {

void add_host(Connection& c, const std::string& host, int min, int max, TimePoint heartbeat,
              const std::string& status = "active") {
  c.exec("INSERT INTO jetmon_hosts (host_id, bucket_min, bucket_max, last_heartbeat, status) VALUES (?, ?, ?, ?, ?)",
         {host, min, max, DateTime::from(heartbeat), status});
}

void add_process(Connection& c, const std::string& host, const std::string& type, const std::string& state,
                 TimePoint updated, std::optional<int> bucket_min = std::nullopt,
                 std::optional<int> bucket_max = std::nullopt) {
  c.exec("INSERT INTO jetmon_process_health (process_id, host_id, process_type, pid, version, state, "
         "health_status, updated_at, bucket_min, bucket_max, bucket_ownership) VALUES (?, ?, ?, 4121, '2.0.1', ?, "
         "'green', ?, ?, ?, ?)",
         {host + ":" + type, host, type, state, DateTime::from(updated), bucket_min, bucket_max,
          bucket_min ? std::string("pinned range=") + std::to_string(*bucket_min) + "-" + std::to_string(*bucket_max)
                     : std::string()});
}

std::string report_text(Queries& q, BucketRange range, std::int64_t limit, std::string* err = nullptr) {
  std::ostringstream out, errors;
  Report report(OutputMode::text, out, errors);
  projection_drift_report(q, range, limit, report);
  if (err) *err = errors.str();
  return out.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The cause seeding of the §3 tests: one drifting site per likely cause that data can produce,
// in buckets 40..47, plus agreeing sites that must not show up.
void seed_causes(Connection& c) {
  add_site(c, 4001, 40, 7);                                                  // unexpected value
  add_site(c, 4101, 41, 1);                                                  // multiple open events
  add_event(c, 4101, "Seems Down");
  add_event(c, 4101, "Down", true, "http", "second");
  add_site(c, 4201, 42, 2); add_event(c, 4201, "Down", false);               // stale legacy down
  add_site(c, 4202, 42, 0); add_event(c, 4202, "Warning");                   // … with another open state
  add_site(c, 4301, 43, 1); add_event(c, 4301, "Down");                      // missing confirmed down
  add_site(c, 4401, 44, 1); add_event(c, 4401, "Seems Down");                // missing seems down
  add_site(c, 4501, 45, 0); add_event(c, 4501, "Down");                      // missing confirmed promotion
  add_site(c, 4601, 46, 2); add_event(c, 4601, "Seems Down");                // stale confirmed down
  // Agreeing: not drift.
  add_site(c, 4701, 47, 1); add_event(c, 4701, "Warning");
  add_site(c, 4702, 47, 2); add_event(c, 4702, "Down");
  add_site(c, 4703, 47, 0); add_event(c, 4703, "Seems Down");
  add_site(c, 4704, 47, 1);
}

}  // namespace

TEST_CASE("rollout mariadb queries answer the section 0 primitives", "[rollout]") {
  TestDatabase tdb;
  Connection& c = tdb.migrate();
  MariaDbQueries q(c);
  add_site(c, 1, 10, 1);
  add_site(c, 2, 10, 0);
  add_site(c, 3, 12, 2);
  add_site(c, 4, 12, 1, false);  // inactive
  add_site(c, 5, 20, 1);         // outside 10-19
  c.exec("UPDATE jetpack_monitor_sites SET last_checked_at = ? WHERE blog_id IN (1, 3, 4)",
         {DateTime::from_civil(2026, 4, 29, 11, 50, 0)});
  c.exec("UPDATE jetpack_monitor_sites SET last_checked_at = ? WHERE blog_id = 2",
         {DateTime::from_civil(2026, 4, 29, 11, 40, 0)});

  CHECK(q.active_sites(BucketRange{10, 19}) == 3);
  CHECK(q.active_sites(BucketRange{0, 99}) == 4);
  CHECK(q.active_sites(BucketRange{13, 19}) == 0);
  const TimePoint cutoff = utc(2026, 4, 29, 11, 45, 0);
  CHECK(q.active_sites_checked_since(BucketRange{10, 19}, cutoff) == 2);
  CHECK(q.active_sites_checked_since(BucketRange{10, 19}, utc(2026, 4, 29, 11, 50, 0)) == 2);  // >= cutoff
  CHECK(q.active_sites_checked_since(BucketRange{10, 19}, utc(2026, 4, 29, 11, 50, 1)) == 0);
  CHECK(q.active_sites_checked_since(BucketRange{0, 99}, utc(2026, 4, 29, 11, 0, 0)) == 3);  // NULL never counts

  const TimePoint beat = utc(2026, 4, 29, 11, 59, 50);
  add_host(c, "host-b", 50, 99, beat, "draining");
  add_host(c, "host-a", 0, 49, beat);
  add_host(c, "host-c", 50, 60, beat - std::chrono::seconds(3600));
  CHECK(q.host_row_exists("host-a"));
  CHECK_FALSE(q.host_row_exists("HOST-A"));   // case-sensitive, although the column's collation is not
  CHECK_FALSE(q.host_row_exists("host-a "));  // and trailing spaces count
  CHECK_FALSE(q.host_row_exists("host-z"));

  const std::vector<HostLease> overlap = q.overlapping_hosts(BucketRange{45, 55});
  REQUIRE(overlap.size() == 3);
  CHECK(overlap[0] == HostLease{"host-a", 0, 49, beat, "active"});
  CHECK(overlap[1] == HostLease{"host-b", 50, 99, beat, "draining"});  // same bucket_min: by host_id
  CHECK(overlap[2].host_id == "host-c");
  CHECK(overlap[2].last_heartbeat == beat - std::chrono::seconds(3600));
  CHECK(q.overlapping_hosts(BucketRange{49, 49}).size() == 1);
  CHECK(q.overlapping_hosts(BucketRange{50, 50}).size() == 2);
  CHECK(q.overlapping_hosts(BucketRange{100, 200}).empty());
  const std::vector<HostLease> hosts = q.all_hosts();
  REQUIRE(hosts.size() == 3);
  CHECK(hosts[0].host_id == "host-a");
  CHECK(hosts[1].host_id == "host-b");
  CHECK(hosts[2].host_id == "host-c");
}

TEST_CASE("rollout mariadb queries read a host's process health rows newest first", "[rollout]") {
  TestDatabase tdb;
  Connection& c = tdb.migrate();
  MariaDbQueries q(c);
  add_process(c, "web-1", "deliverer", "idle", utc(2026, 4, 29, 11, 0, 0));
  add_process(c, "web-1", "monitor", "running", utc(2026, 4, 29, 12, 0, 5), 0, 99);
  add_process(c, "web-2", "monitor", "stopped", utc(2026, 4, 29, 12, 0, 9), 100, 199);
  // Another host id (process_id is a case-insensitive key, so this row needs its own).
  c.exec("INSERT INTO jetmon_process_health (process_id, host_id, process_type, state, updated_at) "
         "VALUES ('Web-1-upper:monitor', 'Web-1', 'monitor', 'running', ?)",
         {DateTime::from_civil(2026, 4, 29, 12, 0, 0)});

  const std::vector<ProcessHealthRecord> rows = q.process_health("web-1");
  REQUIRE(rows.size() == 2);
  ProcessHealthRecord monitor;
  monitor.process_id = "web-1:monitor";
  monitor.host_id = "web-1";
  monitor.process_type = "monitor";
  monitor.state = "running";
  monitor.health_status = "green";
  monitor.bucket_ownership = "pinned range=0-99";
  monitor.bucket_min = 0;
  monitor.bucket_max = 99;
  monitor.pid = 4121;
  monitor.version = "2.0.1";
  monitor.updated_at = utc(2026, 4, 29, 12, 0, 5);
  CHECK(rows[0] == monitor);
  CHECK(rows[1].process_id == "web-1:deliverer");
  CHECK(rows[1].state == "idle");
  CHECK_FALSE(rows[1].bucket_min.has_value());
  CHECK_FALSE(rows[1].bucket_max.has_value());
  CHECK(q.process_health("web-3").empty());
  CHECK(q.process_health("Web-1").size() == 1);
}

TEST_CASE("rollout mariadb drift list and summary derive status, event id, state and open count", "[rollout]") {
  TestDatabase tdb;
  Connection& c = tdb.migrate();
  MariaDbQueries q(c);
  seed_causes(c);
  // Event ids: the lowest Down wins over a lower Seems Down id; a duplicated site row counts twice.
  const auto down_id = c.query_scalar("SELECT id FROM jetmon_events WHERE blog_id = 4101 AND state = 'Down'");
  const auto warning_id = c.query_scalar("SELECT id FROM jetmon_events WHERE blog_id = 4202");
  add_site(c, 4302, 43, 1); add_site(c, 4302, 43, 1);
  const std::uint64_t dup_down = add_event(c, 4302, "Down");
  add_site(c, 9999, 90, 0);  // outside the range below
  add_site(c, 4801, 48, 0, false);  // inactive

  const BucketRange range{40, 48};
  CHECK(q.drift_count(range) == 10);
  const std::vector<DriftRow> rows = q.drift_rows(range, 100);
  REQUIRE(rows.size() == 10);
  CHECK(rows[0] == DriftRow{4001, 40, 7, 1, std::nullopt, 0, std::nullopt});
  CHECK(rows[1] == DriftRow{4101, 41, 1, 2, down_id->as_int64(), 2, "Down"});
  CHECK(rows[2].blog_id == 4201);
  CHECK(rows[2].event_id == std::nullopt);  // its event is closed
  CHECK(rows[3] == DriftRow{4202, 42, 0, 1, warning_id->as_int64(), 1, "Warning"});
  CHECK(rows[4].blog_id == 4301);
  CHECK(rows[5] == DriftRow{4302, 43, 1, 2, static_cast<std::int64_t>(dup_down), 1, "Down"});
  CHECK(rows[6] == rows[5]);
  CHECK(rows[7].blog_id == 4401);
  CHECK(rows[7].expected_status == 0);
  CHECK(rows[7].event_state == "Seems Down");
  CHECK(rows[8].blog_id == 4501);
  CHECK(rows[9].blog_id == 4601);
  CHECK(q.drift_rows(range, 3) == std::vector<DriftRow>(rows.begin(), rows.begin() + 3));
  CHECK(q.drift_rows(range, 0).empty());
  CHECK(q.drift_rows(BucketRange{1, 0}, 10).empty());

  const std::vector<DriftGroup> groups = q.drift_summary(range, q.drift_count(range));
  REQUIRE(groups.size() == 8);
  // drift_count DESC, then bucket_no, site_status, expected_status.
  CHECK(groups[0] == DriftGroup{43, 1, 2, "Down", 1, 3, 4301});
  CHECK(groups[1] == DriftGroup{40, 7, 1, std::nullopt, 0, 1, 4001});
  CHECK(groups[2] == DriftGroup{41, 1, 2, "Down", 2, 1, 4101});
  CHECK(groups[3] == DriftGroup{42, 0, 1, "Warning", 1, 1, 4202});
  CHECK(groups[4] == DriftGroup{42, 2, 1, std::nullopt, 0, 1, 4201});
  CHECK(groups[7] == DriftGroup{46, 2, 0, "Seems Down", 1, 1, 4601});
  CHECK(q.drift_summary(range, 2).size() == 2);
  CHECK(q.drift_summary(BucketRange{47, 47}, 10).empty());
}

TEST_CASE("rollout projection drift report names each likely cause on MariaDB", "[rollout]") {
  TestDatabase tdb;
  Connection& c = tdb.migrate();
  MariaDbQueries q(c);
  seed_causes(c);
  const auto id = [&](std::uint64_t blog) {
    return std::to_string(
        c.query_scalar("SELECT MIN(id) FROM jetmon_events WHERE blog_id = ? AND ended_at IS NULL", {blog})
            ->as_int64()
            .value_or(0));
  };
  const auto down_4101 =
      std::to_string(c.query_scalar("SELECT id FROM jetmon_events WHERE blog_id = 4101 AND state = 'Down'")
                         ->as_int64()
                         .value_or(0));

  std::string err;
  const std::string out = report_text(q, BucketRange{40, 47}, 50, &err);
  INFO(out);
  CHECK(err == "FAIL legacy projection drift=8 in range 40-47\n");
  CHECK(contains(out, "INFO projection_drift_range=40-47\nINFO legacy_projection_drift=8\n"
                      "WARN legacy_projection_drift_requires_manual_review=8\n"));
  const auto pad = [](std::string text, std::size_t width) {
    text.resize(std::max(width, text.size()), ' ');
    return text;
  };
  const auto row = [&](const std::string& blog, const std::string& bucket, const std::string& site,
                       const std::string& expected, const std::string& event, const std::string& open,
                       const std::string& cause, const std::string& state) {
    return pad(blog, 12) + " " + pad(bucket, 8) + " " + pad(site, 22) + " " + pad(expected, 22) + " " +
           pad(event, 10) + " " + pad(open, 11) + " " + pad(cause, 35) + " " + state + "\n";
  };
  const std::string rows =
      "## projection drift rows\n\n" +
      row("BLOG_ID", "BUCKET", "SITE_STATUS", "EXPECTED", "EVENT_ID", "OPEN_EVENTS", "CAUSE", "EVENT_STATE") +
      row("4001", "40", "7/UNKNOWN", "1/SITE_RUNNING", "-", "0", "unexpected_projection_value", "-") +
      row("4101", "41", "1/SITE_RUNNING", "2/SITE_CONFIRMED_DOWN", down_4101, "2", "multiple_open_http_events",
          "Down") +
      row("4201", "42", "2/SITE_CONFIRMED_DOWN", "1/SITE_RUNNING", "-", "0", "stale_legacy_down_projection", "-") +
      row("4202", "42", "0/SITE_DOWN", "1/SITE_RUNNING", id(4202), "1", "stale_legacy_down_projection", "Warning") +
      row("4301", "43", "1/SITE_RUNNING", "2/SITE_CONFIRMED_DOWN", id(4301), "1",
          "missing_confirmed_down_projection", "Down") +
      row("4401", "44", "1/SITE_RUNNING", "0/SITE_DOWN", id(4401), "1", "missing_seems_down_projection",
          "Seems Down") +
      row("4501", "45", "0/SITE_DOWN", "2/SITE_CONFIRMED_DOWN", id(4501), "1", "missing_confirmed_promotion",
          "Down") +
      row("4601", "46", "2/SITE_CONFIRMED_DOWN", "0/SITE_DOWN", id(4601), "1", "stale_confirmed_down_projection",
          "Seems Down") +
      "INFO projection_drift_repair=manual_confirmation_required\n";
  CHECK(contains(out, rows));
  // The summary: one group per site here, sample = the site, ordered by bucket (all counts are 1).
  CHECK(contains(out, "\n42       1       0/SITE_DOWN            1/SITE_RUNNING         1           4202         "
                      "stale_legacy_down_projection        Warning\n"));
  // Cause lines over all groups: stale_legacy_down twice, then the rest by code.
  const std::vector<std::string> causes = {
      "stale_legacy_down_projection count=2",      "missing_confirmed_down_projection count=1",
      "missing_confirmed_promotion count=1",       "missing_seems_down_projection count=1",
      "multiple_open_http_events count=1",         "stale_confirmed_down_projection count=1",
      "unexpected_projection_value count=1"};
  std::size_t at = 0;
  for (const std::string& cause : causes) {
    const auto found = out.find("WARN projection_drift_cause=" + cause + " action=\"", at);
    INFO(cause);
    REQUIRE(found != std::string::npos);
    at = found;
  }
  CHECK_FALSE(contains(out, "projection_drift_count_changed"));
  CHECK_FALSE(contains(out, "projection_drift_rows_truncated"));
  CHECK_FALSE(contains(out, "4701"));

  // A smaller limit truncates the rows, never the summary or the cause lines.
  const std::string limited = report_text(q, BucketRange{40, 47}, 3);
  CHECK(contains(limited, "\nINFO projection_drift_rows_truncated=5\n"));
  CHECK(contains(limited, "WARN projection_drift_cause=unexpected_projection_value count=1 "));
  CHECK(contains(limited, "\n46       1       2/SITE_CONFIRMED_DOWN"));
  CHECK_FALSE(contains(limited, "\n4401 "));

  // The agreeing bucket passes.
  err.clear();
  CHECK(report_text(q, BucketRange{47, 47}, 50, &err) ==
        "INFO projection_drift_range=47-47\nINFO legacy_projection_drift=0\nPASS legacy_projection_drift=0\n");
  CHECK(err.empty());
}

TEST_CASE("rollout queries and the drift report change no table", "[rollout]") {
  TestDatabase tdb;
  Connection& c = tdb.migrate();
  seed_causes(c);
  add_host(c, "host-a", 0, 49, utc(2026, 4, 29, 11, 59, 50));
  add_process(c, "web-1", "monitor", "running", utc(2026, 4, 29, 12, 0, 5), 0, 99);
  const auto before = table_fingerprints(c);
  REQUIRE(before.count("jetmon_events") == 1);
  REQUIRE(before.size() >= 15);

  // In a read-only transaction on a second session: any write would fail the statement.
  Connection reader = tdb.connect();
  reader.execute("START TRANSACTION READ ONLY");
  MariaDbQueries q(reader);
  const BucketRange range{0, 99};
  CHECK(q.active_sites(range) == 12);
  CHECK(q.active_sites_checked_since(range, utc(2026, 4, 29, 0, 0, 0)) == 0);
  CHECK(q.host_row_exists("host-a"));
  CHECK(q.overlapping_hosts(range).size() == 1);
  CHECK(q.all_hosts().size() == 1);
  CHECK(q.drift_count(range) == 8);
  CHECK(q.drift_rows(range, 50).size() == 8);
  CHECK(q.drift_summary(range, 8).size() == 8);
  CHECK(q.process_health("web-1").size() == 1);
  std::string err;
  report_text(q, range, 50, &err);
  CHECK(err == "FAIL legacy projection drift=8 in range 0-99\n");
  reader.execute("COMMIT");

  CHECK(table_fingerprints(c) == before);
}

TEST_CASE("rollout statements read through indexes and never probe per site", "[rollout]") {
  TestDatabase tdb;
  Connection& c = tdb.migrate();
  // Enough rows that a full scan would be the worse plan: 3,000 sites over 100 buckets, 300 open
  // and 3,000 closed http events, 50 hosts, 200 process rows.
  c.execute("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status, "
            "last_checked_at) SELECT seq, seq % 100, CONCAT('http://s', seq, '.example/'), seq % 7 <> 0, 1, "
            "NOW() - INTERVAL (seq % 900) SECOND FROM seq_1_to_3000");
  c.execute("INSERT INTO jetmon_events (blog_id, check_type, severity, state, ended_at) "
            "SELECT seq, 'http', 4, IF(seq % 2, 'Down', 'Seems Down'), IF(seq % 10 = 0, NULL, NOW(3)) "
            "FROM seq_1_to_3000");
  c.execute("INSERT INTO jetmon_hosts (host_id, bucket_min, bucket_max) "
            "SELECT CONCAT('host-', seq), seq * 2, seq * 2 + 1 FROM seq_0_to_49");
  c.execute("INSERT INTO jetmon_process_health (process_id, host_id, process_type) "
            "SELECT CONCAT('web-', seq, ':monitor'), CONCAT('web-', seq), 'monitor' FROM seq_1_to_200");
  for (const char* table : {"jetpack_monitor_sites", "jetmon_events", "jetmon_hosts", "jetmon_process_health"}) {
    c.execute(std::string("ANALYZE TABLE ") + table);
  }

  const BucketRange range{10, 11};
  auto drift = jetmon::schedule::projection_drift_params(range);
  drift.emplace_back(50);
  struct Statement {
    const char* name;
    const std::string& sql;
    jetmon::db::Params params;
  };
  const std::vector<Statement> statements = {
      {"Q-active", sql::active_sites(), {range.min, range.max}},
      {"Q-fresh", sql::active_sites_checked_since(), {range.min, range.max, DateTime::now()}},
      {"Q-hostrow", sql::host_row(), {"host-7", "host-7"}},
      {"Q-overlap", sql::overlapping_hosts(), {range.max, range.min}},
      {"Q-hosts", sql::all_hosts(), {}},
      {"drift rows", sql::drift_rows(), drift},
      {"drift summary", sql::drift_summary(), drift},
      {"process health", sql::process_health(), {"web-7", "web-7"}},
  };
  for (const Statement& s : statements) {
    for (const auto& row : c.query("EXPLAIN " + s.sql, s.params)) {
      const std::string table = row.get_string("table").value_or("");
      const std::string type = row.get_string("type").value_or("NULL");
      const std::string key = row.get_string("key").value_or("NULL");
      INFO(s.name << ": " << row.get_string("select_type").value_or("") << " " << table << " type=" << type
                  << " key=" << key);
      CHECK(row.get_string("select_type") != "DEPENDENT SUBQUERY");
      if (table == "s" || table == "jetpack_monitor_sites" || table == "jetmon_process_health") {
        CHECK(key != "NULL");
        CHECK(type != "ALL");
      }
      if (table.rfind("<derived", 0) == 0) CHECK(type == "ref");
      // jetmon_hosts has one row per monitor host and no index on its bucket columns (upstream's
      // schema): the overlap and whole-table reads scan it; the host-row probe uses the key.
      if (std::string(s.name) == "Q-hostrow") CHECK(key == "PRIMARY");
    }
  }
}
