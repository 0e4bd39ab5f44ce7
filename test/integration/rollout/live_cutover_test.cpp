// The per-host runbook (rollout.md §2.2, docs/rollout.md) against a real pinned jetmon2: the
// pre-stop gate before it starts, the cutover gate (with the dashboard's /api/state and the
// monitor's own process-health row) while it runs, and the rollback gate refusing until it stops.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>

#include "jetmon/common/host.hpp"
#include "jetmon/db/connection.hpp"
#include "support/background_process.hpp"
#include "support/dashboard_client.hpp"
#include "support/fixture_site.hpp"
#include "support/monitor_fixture.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::BackgroundProcess;
using jetmon::test::eventually;
using jetmon::test::FixtureSite;
using jetmon::test::run_command;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;
using namespace std::chrono_literals;

TEST_CASE("rollout gates follow a real pinned monitor from preflight through cutover to rollback", "[rollout][cli]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  FixtureSite site;
  jetmon::test::add_fixture_sites(c, site, 7000, 5);
  TempDir dir;
  jetmon::test::make_monitor_dirs(dir.path());
  const int port = jetmon::test::free_low_port();
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NET_COMMS_TIMEOUT":3,)"
                     R"("STATS_UPDATE_INTERVAL_MS":300,"BUCKET_TOTAL":10,"BUCKET_TARGET":10,)"
                     R"("PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":4,"DASHBOARD_PORT":)" + std::to_string(port) + "}");
  const std::string plan = dir.write_file("ranges.csv", "host,bucket_min,bucket_max\nv1-a,0,4\nv1-b,5,9\n");
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  const std::string host = jetmon::os_hostname();
  auto rollout = [&](std::vector<std::string> args) {
    args.insert(args.begin(), JETMON_ROLLOUT_BIN);
    return run_command(args, env);
  };

  // Before v2 starts: the pre-stop gate passes; the cutover gate does not (no v2 heartbeat).
  const std::vector<std::string> preflight{"host-preflight", "--file=" + plan, "--host=v1-a", "--runtime-host=" + host,
                                           "--bucket-min=0", "--bucket-max=4", "--skip-systemd"};
  auto before = rollout(preflight);
  INFO(before.out << before.err);
  CHECK(before.exit_code == 0);
  CHECK(rollout({"cutover-check", "--skip-status"}).exit_code == 1);

  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, dir.path() + "/jetmon2.pid"),
                            dir.path() + "/monitor.log", dir.path());
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE last_checked_at IS NOT NULL") ==
               5 &&
           jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_process_health WHERE state = 'running'") == 1;
  }, 30s));

  // Running: the strong cutover gate passes with the live dashboard; the pre-stop gate now refuses
  // (v2 already owns the range) and so does the rollback gate (v2 still heartbeats).
  auto cutover = rollout({"cutover-check", "--since=15m", "--require-all"});
  INFO(cutover.out << cutover.err);
  CHECK(cutover.exit_code == 0);
  CHECK(cutover.out.find("PASS monitor_process=active host=") != std::string::npos);
  CHECK(cutover.out.find("PASS dashboard_status=http://localhost:" + std::to_string(port) + "/api/state\n") !=
        std::string::npos);
  CHECK(cutover.out.find("PASS rollout_activity=all_active_sites_checked\n") != std::string::npos);
  CHECK(cutover.out.find("\ncutover check passed\n") != std::string::npos);
  CHECK(rollout(preflight).exit_code == 1);
  auto refused = rollout({"rollback-check", "--output=json"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.find("still reports") != std::string::npos);

  // Stopped: the rollback gate passes.
  monitor.signal(SIGTERM);
  REQUIRE(monitor.wait(35s) == 0);
  auto rollback = rollout({"rollback-check"});
  INFO(rollback.out << rollback.err);
  CHECK(rollback.exit_code == 0);
  CHECK(rollback.out.find("PASS monitor_process=stopped host=") != std::string::npos);
  CHECK(rollback.out.find("\nrollback check passed\n") != std::string::npos);
}
