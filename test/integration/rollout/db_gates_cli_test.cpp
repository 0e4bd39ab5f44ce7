// The database gates as operators run them (rollout.md §1.3–§1.10, product decision 10): the real
// jetmon-rollout and `jetmon2 rollout` binaries against a seeded MariaDB, one passing and one
// failing scenario per subcommand, checked on text, JSON and exit code; and none of them writes.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/ops/rollout_hints.hpp"

#include "support/dashboard_client.hpp"
#include "support/drift_seed.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::CommandResult;
using jetmon::test::run_command;
using jetmon::test::table_fingerprints;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;

namespace {

constexpr const char* kPinned = R"({"AUTH_TOKEN":"t","BUCKET_TOTAL":10,"BUCKET_TARGET":10,"PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":4})";
constexpr const char* kDynamic = R"({"AUTH_TOKEN":"t","BUCKET_TOTAL":10,"BUCKET_TARGET":10,"BUCKET_HEARTBEAT_GRACE_SEC":600})";

// A migrated database, a config file and the environment the binaries run with.
struct Fixture {
  TestDatabase db;
  TempDir dir;
  jetmon::db::Connection& c = db.migrate();

  std::map<std::string, std::string> env(const char* config) const {
    auto e = db.env();
    e["JETMON_CONFIG"] = dir.write_file("config.json", config);
    return e;
  }

  CommandResult rollout(std::vector<std::string> args, const char* config = kPinned) const {
    args.insert(args.begin(), JETMON_ROLLOUT_BIN);
    return run_command(args, env(config));
  }

  void site(std::uint64_t blog, int bucket, int checked_ago_sec, int site_status = 1) {
    c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status, "
           "last_checked_at) VALUES (?, ?, ?, 1, ?, IF(? < 0, NULL, UTC_TIMESTAMP() - INTERVAL ? SECOND))",
           {blog, bucket, "http://site" + std::to_string(blog) + ".example/", site_status, checked_ago_sec,
            checked_ago_sec});
  }
  void lease(const std::string& host, int min, int max, int heartbeat_ago_sec) {
    c.exec("INSERT INTO jetmon_hosts (host_id, bucket_min, bucket_max, last_heartbeat, status) "
           "VALUES (?, ?, ?, UTC_TIMESTAMP() - INTERVAL ? SECOND, 'active')",
           {host, min, max, heartbeat_ago_sec});
  }
  void monitor_row(const std::string& host, const std::string& state, int updated_ago_sec) {
    c.exec("INSERT INTO jetmon_process_health (process_id, host_id, process_type, pid, state, health_status, "
           "started_at, updated_at, bucket_min, bucket_max, bucket_ownership) "
           "VALUES (?, ?, 'monitor', 4242, ?, 'green', UTC_TIMESTAMP() - INTERVAL 1 HOUR, "
           "UTC_TIMESTAMP() - INTERVAL ? SECOND, 0, 4, 'pinned range=0-4')",
           {host + ":monitor", host, state, updated_ago_sec});
  }
};

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

// The JSON wrapper's failure list holds exactly `failure`.
bool json_failed_with(const CommandResult& r, const std::string& failure) {
  return r.out.find("\"ok\": false") != std::string::npos &&
         r.out.find("\"failures\": [\n    \"" + failure + "\"\n  ]") != std::string::npos;
}

}  // namespace

TEST_CASE("rollout pinned-check passes a clean pinned host and fails on a stray jetmon_hosts row", "[rollout][cli]") {
  Fixture f;
  f.site(1, 2, 30);
  auto pass = f.rollout({"pinned-check", "--host=v2-a"});
  CHECK(pass.exit_code == 0);
  CHECK(pass.out ==
        "PASS config parse\nPASS db connect\nPASS pinned_range=0-4\nPASS legacy_status_projection=enabled\n"
        "PASS api_port=disabled\nPASS jetmon_hosts row absent host=\"v2-a\"\nPASS jetmon_hosts overlap=0\n"
        "INFO active_sites_in_pinned_range=1\nPASS legacy_projection_drift=0\npinned rollout check passed\n");

  f.lease("v2-a", 0, 4, 5);
  auto fail = f.rollout({"pinned-check", "--host=v2-a"});
  CHECK(fail.exit_code == 1);
  CHECK(fail.err.starts_with("FAIL host \"v2-a\" still has a jetmon_hosts row"));
  auto json = f.rollout({"pinned-check", "--host=v2-a", "--output=json"});
  CHECK(json.exit_code == 1);
  CHECK(json.err.empty());
  CHECK(json.out.find("\"ok\": false") != std::string::npos);
  CHECK(json.out.find("\"command\": \"rollout pinned-check\"") != std::string::npos);
  CHECK(json.out.find("still has a jetmon_hosts row") != std::string::npos);
}

TEST_CASE("rollout activity-check passes with recent checks and fails when the range has none", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  f.site(2, 3, 7200);
  auto some = f.rollout({"activity-check", "--since=15m"});
  CHECK(some.exit_code == 0);
  CHECK(has_line(some.out, "INFO activity_range=0-4"));
  CHECK(has_line(some.out, "INFO active_sites=2"));
  CHECK(has_line(some.out, "INFO active_sites_checked_since=1"));
  CHECK(has_line(some.out, "PASS rollout_activity=recent_checks_present"));
  CHECK(has_line(some.out, "post-cutover activity check passed"));

  auto all = f.rollout({"activity-check", "--since=15m", "--require-all", "--output=json"});
  CHECK(all.exit_code == 1);
  CHECK(all.out.find("\"only 1/2 active sites in range 0-4 have last_checked_at >= ") != std::string::npos);

  auto none = f.rollout({"activity-check", "--bucket-min=3", "--bucket-max=4", "--since=30m"});
  CHECK(none.exit_code == 1);
  CHECK(none.err.starts_with("FAIL no active sites in range 3-4 have last_checked_at >= "));
}

TEST_CASE("rollout rollback-check fails while the pinned v2 monitor still heartbeats (decision 10)", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  f.monitor_row("v2-a", "running", 5);
  auto running = f.rollout({"rollback-check", "--host=v2-a", "--output=json"});
  CHECK(running.exit_code == 1);
  CHECK(running.out.find("\"ok\": false") != std::string::npos);
  CHECK(running.out.find("pinned v2 monitor on host \\\"v2-a\\\" still reports") != std::string::npos);

  f.c.exec("UPDATE jetmon_process_health SET state = 'stopped' WHERE host_id = 'v2-a'");
  auto stopped = f.rollout({"rollback-check", "--host=v2-a"});
  CHECK(stopped.exit_code == 0);
  CHECK(has_line(stopped.out, "PASS rollback_range=0-4"));
  CHECK(stopped.out.find("PASS monitor_process=stopped host=\"v2-a\"") != std::string::npos);
  CHECK(has_line(stopped.out, "rollback check passed"));

  // Without a pinned range or explicit flags there is no range to check.
  auto no_range = f.rollout({"rollback-check", "--host=v2-a"}, kDynamic);
  CHECK(no_range.exit_code == 1);
}

TEST_CASE("rollout dynamic-check passes complete fresh leases and fails on a stale one", "[rollout][cli]") {
  Fixture f;
  f.site(1, 7, 60);
  f.lease("a", 0, 4, 5);
  f.lease("b", 5, 9, 10);
  auto pass = f.rollout({"dynamic-check"}, kDynamic);
  CHECK(pass.exit_code == 0);
  CHECK(has_line(pass.out, "PASS bucket_ownership=dynamic"));
  CHECK(has_line(pass.out, "INFO jetmon_hosts_rows=2"));
  CHECK(has_line(pass.out, "PASS dynamic_bucket_coverage=0-9 hosts=2"));
  CHECK(has_line(pass.out, "dynamic rollout check passed"));

  f.c.exec("UPDATE jetmon_hosts SET last_heartbeat = UTC_TIMESTAMP() - INTERVAL 2 HOUR WHERE host_id = 'b'");
  auto stale = f.rollout({"dynamic-check", "--output=json"}, kDynamic);
  CHECK(stale.exit_code == 1);
  CHECK(stale.out.find("host \\\"b\\\" heartbeat is stale") != std::string::npos);

  auto pinned = f.rollout({"dynamic-check"});  // still pinned: not the fleet's dynamic state
  CHECK(pinned.exit_code == 1);
}

TEST_CASE("rollout projection-drift exits 0 without drift and lists drifting sites otherwise", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  auto clean = f.rollout({"projection-drift"});
  CHECK(clean.exit_code == 0);
  CHECK(has_line(clean.out, "INFO projection_drift_range=0-4"));
  CHECK(has_line(clean.out, "PASS legacy_projection_drift=0"));

  f.site(42, 3, 60, 1);
  jetmon::test::add_event(f.c, 42, "Down");
  auto drift = f.rollout({"projection-drift", "--limit=10"});
  CHECK(drift.exit_code == 1);
  CHECK(has_line(drift.out, "## projection drift summary"));
  CHECK(drift.out.find("missing_confirmed_down_projection") != std::string::npos);
  CHECK(drift.err == "FAIL legacy projection drift=1 in range 0-4\n");
  auto json = f.rollout({"projection-drift", "--output=json"});
  CHECK(json.exit_code == 1);
  CHECK(json_failed_with(json, "legacy projection drift=1 in range 0-4"));

  auto bad_limit = f.rollout({"projection-drift", "--limit=-1"});
  CHECK(bad_limit.exit_code == 1);
  CHECK(bad_limit.out.empty());
}

TEST_CASE("rollout state-report exits 0 with its own schema even with issues, 1 when the DB is gone", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  f.site(42, 3, 60, 1);
  jetmon::test::add_event(f.c, 42, "Down");
  auto text = f.rollout({"state-report"});
  CHECK(text.exit_code == 0);
  CHECK(has_line(text.out, "INFO ownership_mode=pinned bucket_range=0-4"));
  CHECK(has_line(text.out, "WARN legacy_projection_drift=1"));
  CHECK(has_line(text.out, "WARN rollout_state_issue=\"legacy projection drift=1\""));

  auto json = f.rollout({"state-report", "--output=json"});
  CHECK(json.exit_code == 0);
  CHECK(json.out.starts_with("{\n  \"ok\": false,\n  \"command\": \"rollout state-report\""));
  CHECK(json.out.find("\"projection_drift\": {\n    \"count\": 1\n  }") != std::string::npos);

  auto env = f.env(kPinned);
  env["DB_PORT"] = std::to_string(jetmon::test::free_low_port());
  auto gone = run_command({JETMON_ROLLOUT_BIN, "state-report", "--output=json"}, env);
  CHECK(gone.exit_code == 1);
  CHECK(gone.out.find("\"ok\": false") != std::string::npos);
  CHECK(gone.out.find("db connect: ") != std::string::npos);
}

TEST_CASE("rollout host-preflight passes before v1 stops and refuses a range v2 already runs", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  const std::string plan = f.dir.write_file("ranges.csv", "host,bucket_min,bucket_max\nv1-a,0,4\nv1-b,5,9\n");
  const std::vector<std::string> args{"host-preflight", "--file=" + plan, "--host=v1-a", "--runtime-host=v2-a",
                                      "--bucket-min=0", "--bucket-max=4", "--skip-systemd"};
  auto pass = f.rollout(args);
  CHECK(pass.exit_code == 0);
  CHECK(pass.out.starts_with("PASS config parse\nPASS db connect\n## static bucket plan\n\n"));
  CHECK(has_line(pass.out, "PASS static_plan_host=\"v1-a\" range=0-4"));
  CHECK(has_line(pass.out, "PASS pinned_range_matches_request=0-4"));
  CHECK(has_line(pass.out, "INFO systemd_verify=skipped reason=operator"));
  CHECK(has_line(pass.out, "PASS pre_stop_gate=ready"));
  CHECK(has_line(pass.out, "host preflight passed"));

  f.monitor_row("v2-a", "running", 5);
  auto running = f.rollout(args);
  CHECK(running.exit_code == 1);
  CHECK(running.err.find("is already active on buckets 0-4") != std::string::npos);

  auto other = f.rollout({"host-preflight", "--file=" + plan, "--host=v1-b", "--bucket-min=5", "--bucket-max=9",
                          "--skip-systemd", "--output=json"});
  CHECK(other.exit_code == 1);
  CHECK(json_failed_with(other, "configured pinned range 0-4 does not match requested range 5-9"));
}

TEST_CASE("rollout cutover-check passes a running v2 and fails when no v2 monitor heartbeats", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  auto absent = f.rollout({"cutover-check", "--host=v2-a", "--skip-status"});
  CHECK(absent.exit_code == 1);
  CHECK(absent.err.starts_with("FAIL no jetmon_process_health monitor row for host \"v2-a\""));

  f.monitor_row("v2-a", "running", 5);
  auto pass = f.rollout({"cutover-check", "--host=v2-a", "--skip-status", "--require-all"});
  CHECK(pass.exit_code == 0);
  for (const char* section : {"## pinned preflight", "## monitor process", "## activity check", "## dashboard status",
                              "## projection drift"}) {
    CHECK(has_line(pass.out, section));
  }
  CHECK(has_line(pass.out, "PASS rollout_activity=all_active_sites_checked"));
  CHECK(has_line(pass.out, "INFO dashboard_status=skipped reason=operator"));
  CHECK(has_line(pass.out, "cutover check passed"));

  // Nothing listens on the status port: the dashboard section fails the gate.
  const int port = jetmon::test::free_low_port();
  auto no_dashboard = f.rollout({"cutover-check", "--host=v2-a", "--status-port=" + std::to_string(port),
                                 "--output=json"});
  CHECK(no_dashboard.exit_code == 1);
  CHECK(no_dashboard.out.find("\"ok\": false") != std::string::npos);
}

TEST_CASE("jetmon2 rollout runs the database gates with identical output", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  auto env = f.env(kPinned);
  auto mine = run_command({JETMON_ROLLOUT_BIN, "pinned-check", "--host=v2-a"}, env);
  auto monitor = run_command({JETMON2_BIN, "rollout", "pinned-check", "--host=v2-a"}, env);
  CHECK(mine.exit_code == 0);
  CHECK(monitor.exit_code == 0);
  CHECK(monitor.out == mine.out);
}

TEST_CASE("no rollout gate changes any table", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  f.site(42, 3, 60, 1);
  jetmon::test::add_event(f.c, 42, "Down");
  f.lease("other", 5, 9, 5);
  f.monitor_row("v2-a", "running", 5);
  const std::string plan = f.dir.write_file("ranges.csv", "v1-a,0,4\nv1-b,5,9\n");
  const auto before = table_fingerprints(f.c);
  const std::vector<std::vector<std::string>> runs{
      {"pinned-check", "--host=v2-a"},
      {"activity-check", "--require-all"},
      {"rollback-check", "--host=v2-a"},
      {"dynamic-check"},
      {"projection-drift"},
      {"state-report"},
      {"host-preflight", "--file=" + plan, "--host=v1-a", "--bucket-min=0", "--bucket-max=4", "--skip-systemd"},
      {"cutover-check", "--host=v2-a", "--skip-status"},
  };
  for (const auto& args : runs) {
    INFO(args.front());
    const auto r = f.rollout(args);
    CHECK(r.exit_code >= 0);
    CHECK(r.exit_code <= 1);
  }
  CHECK(table_fingerprints(f.c) == before);
}

// Issue #5: the commands the dashboard and validate-config print (ops::rollout_commands) must run
// as printed once the operator fills in the <placeholders>: no flag error, no usage line.
TEST_CASE("the rollout commands the dashboard prints run as printed", "[rollout][cli]") {
  Fixture f;
  f.site(1, 1, 60);
  f.monitor_row("v2-a", "running", 5);
  const std::string plan = f.dir.write_file("plan.csv", "v1-a,0,4\nv1-b,5,9\n");
  for (const char* config : {kPinned, kDynamic}) {
    const jetmon::ops::RolloutCommands printed = jetmon::ops::rollout_commands(jetmon::config::parse(config));
    for (const std::string& command : {printed.static_plan, printed.preflight, printed.cutover, printed.activity,
                                       printed.rollback, printed.state_report, printed.drift_report}) {
      if (command.empty()) continue;
      INFO(command);
      std::vector<std::string> argv;
      std::istringstream words(command);
      for (std::string word; words >> word;) {
        for (const auto& [placeholder, value] : std::vector<std::pair<std::string, std::string>>{
                 {"<ranges.csv>", plan}, {"<v1-hostname>", "v1-a"}, {"<v2-hostname>", "v2-a"}}) {
          if (const auto at = word.find(placeholder); at != std::string::npos) word.replace(at, placeholder.size(), value);
        }
        argv.push_back(word);
      }
      REQUIRE(argv.size() >= 3);
      CHECK(argv[0] == "./jetmon2");
      CHECK(argv[1] == "rollout");
      // The same words run through jetmon2 and, without "rollout", through jetmon-rollout.
      std::vector<std::string> rollout_argv(argv.begin() + 1, argv.end());
      rollout_argv[0] = JETMON_ROLLOUT_BIN;
      argv[0] = JETMON2_BIN;
      const auto env = f.env(config);
      const auto r = run_command(argv, env);
      CHECK(r.exit_code != 2);
      CHECK(r.err.find("usage:") == std::string::npos);
      CHECK(r.err.find("flag provided but not defined") == std::string::npos);
      CHECK(r.err.find("not available in this build") == std::string::npos);
      CHECK((r.out.starts_with("PASS ") || r.out.starts_with("INFO ")));
      const auto same = run_command(rollout_argv, env);
      CHECK(same.exit_code == r.exit_code);
      CHECK(same.err.find("usage:") == std::string::npos);
    }
  }
}
