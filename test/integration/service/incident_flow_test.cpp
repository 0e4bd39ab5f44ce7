// A site goes down and comes back while jetmon2 runs: Seems Down at the first failure, timed
// local retries, confirmation (no Verifliers configured), Down, then recovery closes the event.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <string>
#include <thread>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "support/http_receiver.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"
#include "support/udp_sink.hpp"

using jetmon::test::BackgroundProcess;
using jetmon::test::eventually;
using jetmon::test::FixtureSite;
using jetmon::test::SiteBehaviour;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;
using jetmon::test::UdpSink;
using namespace std::chrono_literals;

namespace {

// Routes the fixture's /site to a 500 and adds it as an active site of `bucket_no`.
void add_failing_site(jetmon::db::Connection& c, FixtureSite& site, int blog_id, int bucket_no) {
  SiteBehaviour failing;
  failing.status = 500;
  site.route("/site", failing);
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)",
         {blog_id, bucket_no, site.url("/site")});
}

}  // namespace

TEST_CASE("service: down, retried, confirmed, recovered — events, transitions and projection", "[service]") {
  const bool projection = GENERATE(true, false);
  INFO("LEGACY_STATUS_PROJECTION_ENABLE=" << projection);
  TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  auto& c = tdb.connection();
  FixtureSite site;
  add_failing_site(c, site, 77, 3);
  jetmon::test::HttpReceiver wpcom;
  UdpSink statsd;
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json", std::string(R"({"AUTH_TOKEN":"secret-token","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NUM_OF_CHECKS":3,
          "TIME_BETWEEN_CHECKS_SEC":1,"DASHBOARD_PORT":0,"ALERT_COOLDOWN_MINUTES":0,"STATSD_ADDR":")") + statsd.address() +
                         R"(","WPCOM_NOTIFY_URL":")" +
                         wpcom.url() + R"(","LEGACY_STATUS_PROJECTION_ENABLE":)" + (projection ? "true" : "false") + "}");
  std::filesystem::create_directories(dir.path() + "/stats");  // the package creates it (9.2)
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  BackgroundProcess monitor({JETMON2_BIN}, env, dir.path() + "/monitor.log", dir.path());
  INFO(monitor.log());

  // Seems Down at the first failure, then Down after NUM_OF_CHECKS local failures.
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 77 AND check_type = 'http' "
                     "AND state = 'Down' AND ended_at IS NULL") == 1;
  }, 30s));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_event_transitions WHERE blog_id = 77 AND reason = 'opened' "
                  "AND state_after = 'Seems Down'") == 1);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_event_transitions WHERE blog_id = 77 AND reason = 'verifier_confirmed' "
                  "AND state_before = 'Seems Down' AND state_after = 'Down'") == 1);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_audit_log WHERE blog_id = 77 AND event_type = 'retry_dispatched'") >= 2);
  CHECK(jetmon::test::query_int(c, "SELECT site_status FROM jetpack_monitor_sites WHERE blog_id = 77") == (projection ? 2 : 1));
  // Exactly one down notice reaches WPCOM, with the token and the spec's payload.
  REQUIRE(wpcom.wait_for(1, 20s));
  {
    const auto down = wpcom.requests().at(0);
    CHECK(down.header("Authorization") == "Bearer secret-token");
    CHECK(down.body.starts_with("{\"blog_id\":77,\"monitor_url\":\"" + site.url("/site") + "\",\"status_id\":2,"));
    CHECK(down.body.find("\"status_type\":\"server\"") != std::string::npos);
    CHECK(down.body.find("\"checks\":[{\"type\":1,") != std::string::npos);
  }

  // The site comes back: the event closes as verifier_cleared, the projection returns to 1.
  SiteBehaviour ok;
  ok.body = "back";
  site.route("/site", ok);
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 77 AND ended_at IS NOT NULL "
                     "AND resolution_reason = 'verifier_cleared'") == 1;
  }, 30s));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 77 AND ended_at IS NULL") == 0);
  CHECK(jetmon::test::query_int(c, "SELECT site_status FROM jetpack_monitor_sites WHERE blog_id = 77") == 1);
  // StatsD saw the detection steps (monitor.md 9.1 names under the host prefix).
  REQUIRE(eventually([&] { return statsd.drain().find(".detection.down.confirmed.server.count:1|c\n") != std::string::npos; }, 10s));
  CHECK(statsd.drain().find("com.jetpack.jetmon.") != std::string::npos);
  CHECK(statsd.drain().find(".detection.failure.server.count:1|c\n") != std::string::npos);
  CHECK(statsd.drain().find(".detection.seems_down.open.count:1|c\n") != std::string::npos);
  CHECK(statsd.drain().find(".detection.verifier.no_clients.count:1|c\n") != std::string::npos);
  // Round figures (9.1) and the stats files (9.2) in the working directory.
  CHECK(statsd.drain().find(".round.complete.time:") != std::string::npos);
  CHECK(statsd.drain().find(".round.sites.count:1|c\n") != std::string::npos);
  // The drift check runs every round only while the projection is on (3.1 step 3).
  CHECK((statsd.drain().find(".projection.drift.count:") != std::string::npos) == projection);
  CHECK(std::filesystem::exists(dir.path() + "/stats/sitespersec"));
  CHECK(std::filesystem::exists(dir.path() + "/stats/sitesqueue"));
  CHECK(std::filesystem::exists(dir.path() + "/stats/totals"));
  REQUIRE(wpcom.wait_for(2, 20s));
  CHECK(wpcom.requests().at(1).body.find("\"status_id\":1,") != std::string::npos);
  CHECK(wpcom.requests().at(1).body.find("\"status_type\":\"success\"") != std::string::npos);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_audit_log WHERE blog_id = 77 AND event_type = 'wpcom_sent'") == 2);
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
  CHECK(wpcom.count() == 2);  // never a notice twice
}

TEST_CASE("service: a failing site whose bucket leaves this monitor is no longer retried by it", "[service]") {
  TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  auto& c = tdb.connection();
  FixtureSite site;
  add_failing_site(c, site, 78, 3);
  TempDir dir;
  // Without the move, the fourth local failure (about 9 s after the first) would confirm Down.
  const auto config_owning = [&](int bucket_min, int bucket_max) {
    return dir.write_file("config.json",
                          R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NUM_OF_CHECKS":4,)"
                          R"("TIME_BETWEEN_CHECKS_SEC":3,"DASHBOARD_PORT":0,"PINNED_BUCKET_MIN":)" +
                              std::to_string(bucket_min) + R"(,"PINNED_BUCKET_MAX":)" + std::to_string(bucket_max) +
                              "}");
  };
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config_owning(0, 9);
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  BackgroundProcess monitor({JETMON2_BIN}, env, dir.path() + "/monitor.log", dir.path());
  INFO(monitor.log());
  const auto retries_dispatched = [&] {
    return jetmon::test::query_int(
        c, "SELECT COUNT(*) FROM jetmon_audit_log WHERE blog_id = 78 AND event_type = 'retry_dispatched'");
  };

  REQUIRE(eventually([&] { return retries_dispatched() >= 1; }, 20s));
  config_owning(10, 19);  // bucket 3 now belongs to another monitor
  monitor.signal(SIGHUP);
  REQUIRE(eventually([&] { return monitor.log().find("(buckets 10-19)") != std::string::npos; }, 15s));
  REQUIRE(eventually([&] {
    return monitor.log().find("blog_id=78 is in bucket 3, no longer among this monitor's buckets") != std::string::npos;
  }, 15s));
  const auto dispatched = retries_dispatched();
  std::this_thread::sleep_for(9s);  // past where the remaining local retries would have run
  CHECK(retries_dispatched() == dispatched);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_event_transitions WHERE blog_id = 78 "
                                   "AND state_after = 'Down'") == 0);
  // The event stays open as Seems Down for the bucket's new owner to carry on or close.
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 78 AND ended_at IS NULL "
                                   "AND state = 'Seems Down'") == 1);
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
}
