// jetmon2 as a running service: rounds write results, SIGHUP reloads (a bad config is rejected),
// SIGTERM drains and exits 0, dynamic hosts share the buckets.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "jetmon/check/engine.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::BackgroundProcess;
using jetmon::test::eventually;
using jetmon::test::FixtureSite;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;
using namespace std::chrono_literals;

namespace {

jetmon::test::SiteBehaviour never_answers() {
  jetmon::test::SiteBehaviour b;
  b.header_delay = 20s;
  return b;
}

jetmon::test::SiteBehaviour answers_after(std::chrono::milliseconds delay) {
  jetmon::test::SiteBehaviour b;
  b.body = "ok";
  b.header_delay = delay;
  return b;
}

// An active site served at `path` of the fixture with `behaviour`.
void add_site(jetmon::db::Connection& c, FixtureSite& site, int blog_id, int bucket, const std::string& path,
              const jetmon::test::SiteBehaviour& behaviour) {
  site.route(path, behaviour);
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)",
         {blog_id, bucket, site.url(path)});
}

void open_down_event(jetmon::db::Connection& c, int blog_id) {
  c.exec("INSERT INTO jetmon_events (blog_id, check_type, severity, state) VALUES (?, 'http', 4, 'Down')", {blog_id});
}

}  // namespace

TEST_CASE("service: rounds check every active site, SIGHUP reloads, SIGTERM drains and exits 0", "[service]") {
  TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  FixtureSite site;
  auto& c = tdb.connection();
  for (int i = 0; i < 30; ++i) {
    c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)",
           {1000 + i, (i * 37) % 1000, site.url("/page" + std::to_string(i))});
  }
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES "
         "(2000, 5, 'http://127.0.0.1:9/', 1), (2001, 6, 'not a url', 1), (2002, 7, 'http://127.0.0.1:9/', 0)");
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NET_COMMS_TIMEOUT":3,"DASHBOARD_PORT":0})");
  const std::string pid_file = dir.path() + "/run/jetmon2.pid";
  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, pid_file), dir.path() + "/monitor.log");
  INFO(monitor.log());

  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE monitor_active = 1 AND last_checked_at IS NULL") == 0;
  }, 30s));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE blog_id = 2002 AND last_checked_at IS NOT NULL") == 0);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history WHERE blog_id = 2000 AND error_code = 2") >= 1);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history WHERE blog_id = 2001 AND error_code = 2") >= 1);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history WHERE blog_id = 1000 AND http_code = 200") >= 1);
  CHECK(std::filesystem::exists(pid_file));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_hosts") == 1);

  // A broken config is rejected on SIGHUP and the monitor keeps going.
  dir.write_file("config.json", R"({"AUTH_TOKEN":"t","NUM_WORKERS":"many"})");
  monitor.signal(SIGHUP);
  REQUIRE(eventually([&] { return monitor.log().find("config reload failed: parse config: NUM_WORKERS") != std::string::npos; }, 10s));
  const auto before = jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history");
  REQUIRE(eventually([&] { return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history") > before + 30; }, 20s));
  dir.write_file("config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"DASHBOARD_PORT":0})");
  monitor.signal(SIGHUP);
  REQUIRE(eventually([&] { return monitor.log().find("INFO config reloaded") != std::string::npos; }, 10s));

  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
  CHECK(monitor.log().find("jetmon2: shutdown complete") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(pid_file));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_hosts") == 0);
}

TEST_CASE("service: an unreadable config or database stops the start with exit 1", "[service]") {
  TempDir dir;
  auto env = jetmon::test::test_db_server_env();
  env["JETMON_CONFIG"] = dir.path() + "/missing.json";
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  auto r = jetmon::test::run_command({JETMON2_BIN, "serve"}, env);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("open config: ") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/jetmon2.pid"));
}

TEST_CASE("service: dynamic monitors split the buckets and take over a dead peer after the grace", "[service]") {
  TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  auto& c = tdb.connection();
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json",
      R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"BUCKET_TOTAL":100,"BUCKET_TARGET":100,
          "BUCKET_HEARTBEAT_GRACE_SEC":3,"DASHBOARD_PORT":0})");
  // Two hosts on one machine: the host id is the OS hostname, so the second runs in its own UTS
  // namespace only when available; otherwise stand in for the peer with a row of our own.
  c.exec("INSERT INTO jetmon_hosts (host_id, bucket_min, bucket_max, last_heartbeat, status) "
         "VALUES ('zz-peer', 50, 99, NOW(), 'active')");
  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, dir.path() + "/a.pid"), dir.path() + "/a.log");
  INFO(monitor.log());
  // The peer sorts after us: we own 0-49 and it keeps 50-99 while its heartbeat is fresh.
  REQUIRE(eventually([&] {
    auto row = c.query_one("SELECT bucket_min, bucket_max FROM jetmon_hosts WHERE host_id <> 'zz-peer'");
    return row && row->get_int64(0) == 0 && row->get_int64(1) == 49;
  }, 15s));
  auto peer = c.query_one("SELECT bucket_min, bucket_max FROM jetmon_hosts WHERE host_id = 'zz-peer'");
  REQUIRE(peer);
  CHECK(peer->get_int64(0) == 50);
  // The peer stops heart-beating (our claims never refresh it): after the grace we own everything.
  REQUIRE(eventually([&] {
    auto row = c.query_one("SELECT bucket_min, bucket_max FROM jetmon_hosts WHERE host_id <> 'zz-peer'");
    return row && row->get_int64(0) == 0 && row->get_int64(1) == 99;
  }, 20s));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_hosts WHERE host_id = 'zz-peer'") == 0);
  monitor.signal(SIGINT);
  CHECK(monitor.wait(35s) == 0);
}

TEST_CASE("service: above WORKER_MAX_MEM_MB each round lowers the in-flight ceiling and checks go on", "[service]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  FixtureSite site;
  for (int i = 0; i < 20; ++i) {
    c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)",
           {500 + i, i, site.url("/m" + std::to_string(i))});
  }
  TempDir dir;
  // Any real process is above 1 MB: every non-empty round drains max(1, 20/10) = 2.
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NUM_WORKERS":20,"WORKER_MAX_MEM_MB":1,)"
                     R"("DASHBOARD_PORT":0,"STATSD_ADDR":"127.0.0.1:9","WPCOM_NOTIFY_URL":"http://127.0.0.1:9/"})");
  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, dir.path() + "/m.pid"), dir.path() + "/m.log");
  INFO(monitor.log());
  const auto pressure_lines = [&] {
    const std::string log = monitor.log();
    std::size_t n = 0;
    for (auto at = log.find("memory pressure "); at != std::string::npos; at = log.find("memory pressure ", at + 1)) {
      const auto end = log.find('\n', at);
      const std::string line = log.substr(at, end - at);
      // "memory pressure <X>MB > 1MB, draining 2 workers" with X a real RSS figure above 1.
      const auto mb = line.find("MB > 1MB, draining 2 workers");
      if (mb == std::string::npos || line.size() != mb + std::string("MB > 1MB, draining 2 workers").size()) return std::size_t{0};
      if (std::stol(line.substr(16, mb - 16)) <= 1) return std::size_t{0};
      ++n;
    }
    return n;
  };
  // Several rounds: the next round restores NUM_WORKERS, so it drains 2 again, and every site
  // keeps being checked.
  REQUIRE(eventually([&] { return pressure_lines() >= 3; }, 40s));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(DISTINCT blog_id) FROM jetmon_check_history") == 20);
  CHECK(jetmon::test::query_int(c, "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM jetmon_check_history GROUP BY blog_id) t") >= 2);
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
}

TEST_CASE("service: a failing site starts its round first so its timeout runs beside the others", "[service]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  FixtureSite site;
  // Five healthy sites first in paging order, the failing one last (highest bucket and id).
  for (int i = 0; i < 5; ++i) add_site(c, site, 700 + i, i, "/ok" + std::to_string(i), answers_after(500ms));
  add_site(c, site, 799, 900, "/silent", never_answers());
  open_down_event(c, 799);
  TempDir dir;
  // One worker: in paging order the healthy sites would all be checked before the failing one.
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":600,"NUM_WORKERS":1,"NET_COMMS_TIMEOUT":2,)"
                     R"("DASHBOARD_PORT":0,"STATSD_ADDR":"127.0.0.1:9","WPCOM_NOTIFY_URL":"http://127.0.0.1:9/"})");
  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, dir.path() + "/m.pid"), dir.path() + "/m.log");
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE last_checked_at IS NULL") == 0;
  }, 30s));
  // last_checked_at is when each check started, to the second. In paging order the failing site
  // would start after the five healthy ones had taken 2.5 s in turn; it started with the first.
  CHECK(jetmon::test::query_int(
            c, "SELECT COUNT(*) FROM jetpack_monitor_sites f JOIN jetpack_monitor_sites h ON h.blog_id <> 799 "
               "WHERE f.blog_id = 799 AND f.last_checked_at <= h.last_checked_at") == 5);
  // Checked once in the round, and it failed by timeout (error_code 1).
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history WHERE blog_id = 799") == 1);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history WHERE blog_id = 799 AND error_code = 1") == 1);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history") == 6);
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
}

TEST_CASE("service: failing sites beyond what the engine runs at once never hold back the pass", "[service]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  FixtureSite site;
  // More failing sites than the engine runs at once, first in paging order, five healthy ones
  // after them. With one worker the engine runs `slow_capacity` slow checks at once; the other 4
  // wait 3 s for room.
  const std::size_t slow_capacity = jetmon::check::slow_check_capacity(
      1, jetmon::check::running_cap(1, jetmon::check::EngineOptions{}.max_lingering_factor, SIZE_MAX));
  const std::size_t failing = slow_capacity + 4;
  const std::size_t first_requests = failing + 5;
  for (int i = 0; i < static_cast<int>(failing); ++i) {
    add_site(c, site, 800 + i, i, "/silent" + std::to_string(i), never_answers());
    open_down_event(c, 800 + i);
  }
  for (int i = 0; i < 5; ++i) add_site(c, site, 900 + i, 500 + i, "/ok" + std::to_string(i), answers_after(100ms));
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":600,"NUM_WORKERS":1,"DATASET_SIZE":1,)"
                     R"("NET_COMMS_TIMEOUT":3,"DASHBOARD_PORT":0,"STATSD_ADDR":"127.0.0.1:9",)"
                     R"("WPCOM_NOTIFY_URL":"http://127.0.0.1:9/"})");
  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, dir.path() + "/m.pid"), dir.path() + "/m.log");
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE last_checked_at IS NULL") == 0;
  }, 30s));
  // The order requests reached the site: every healthy site before the first failing one that
  // waited for room among the slow checks. A pass counting the waiting ones in its window, or a
  // single queue, would have held the healthy sites until the first silent check timed out.
  const std::vector<std::string> paths = site.request_paths();
  INFO("request order: " << fmt::format("{}", fmt::join(paths, " ")));
  REQUIRE(paths.size() >= first_requests);
  std::size_t silent_seen = 0, healthy_seen = 0;
  for (std::size_t k = 0; k < first_requests; ++k) {
    if (paths[k].rfind("/silent", 0) == 0) {
      ++silent_seen;
    } else if (paths[k].rfind("/ok", 0) == 0 && silent_seen <= slow_capacity) {
      ++healthy_seen;
    }
  }
  CHECK(silent_seen == failing);
  CHECK(healthy_seen == 5);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_check_history WHERE blog_id >= 900 AND http_code = 200") == 5);
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
}
