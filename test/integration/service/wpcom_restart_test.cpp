// WPCOM is failing while sites go down under a real jetmon2: the notices that the open circuit
// holds stay in the durable outbox across a SIGTERM, and the next monitor delivers each exactly
// once, with the payload it stored (product decision 5, monitor.md §8).
#include <catch2/catch.hpp>

#include <signal.h>

#include <map>
#include <set>

#include "jetmon/db/connection.hpp"
#include "support/http_receiver.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using namespace jetmon::test;
using namespace std::chrono_literals;

TEST_CASE("service: notices held by an open WPCOM circuit survive a restart and are delivered once", "[service][wpcom]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  SiteBehaviour failing;
  failing.status = 500;
  FixtureSite site(failing);
  for (int blog = 1; blog <= 5; ++blog) {
    c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)",
           {blog, blog, site.url("/site" + std::to_string(blog))});
  }
  jetmon::test::HttpReceiver wpcom;
  wpcom.always(503);
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"secret-token","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NUM_OF_CHECKS":2,
          "TIME_BETWEEN_CHECKS_SEC":1,"DASHBOARD_PORT":0,"ALERT_COOLDOWN_MINUTES":0,"STATSD_ADDR":"127.0.0.1:9",
          "LEGACY_STATUS_PROJECTION_ENABLE":true,"WPCOM_NOTIFY_URL":")" + wpcom.url() + "\"}");
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  const auto outbox = [&](const char* state) {
    return query_int(c, std::string("SELECT COUNT(*) FROM jetmon_wpcom_outbox WHERE state = '") + state + "'");
  };

  {
    BackgroundProcess first({JETMON2_BIN}, env, dir.path() + "/first.log", dir.path());
    INFO(first.log());
    // Five Down notices: the first two fail twice each (4 failures) and are given up, the first
    // send of the third is the 5th failure and opens the circuit: it and the later ones wait,
    // queued (sites that stay down re-notify at every re-confirmation, monitor.md 5.4 notes, so
    // more may queue before the stop).
    REQUIRE(eventually([&] { return outbox("queued") >= 3 && outbox("failed") == 2; }, 60s));
    CHECK(wpcom.count() == 5);
    CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_events WHERE state = 'Down' AND ended_at IS NULL") == 5);
    first.signal(SIGTERM);
    REQUIRE(first.wait(35s) == 0);
  }
  CHECK(wpcom.count() == 5);  // nothing is sent while the circuit is open
  CHECK(outbox("delivered") == 0);
  CHECK(outbox("pending") == 0);
  std::map<std::uint64_t, std::string> queued;  // outbox id → the payload as stored
  for (const auto& row : c.query("SELECT id, payload FROM jetmon_wpcom_outbox WHERE state = 'queued' ORDER BY id")) {
    queued[*row.get_uint64(0)] = *row.get_string(1);
  }
  REQUIRE(queued.size() >= 3);
  const std::size_t before_restart = wpcom.count();

  // WPCOM is healthy again; a new monitor (same host, so the same outbox rows) flushes at start.
  wpcom.always(200);
  {
    BackgroundProcess second({JETMON2_BIN}, env, dir.path() + "/second.log", dir.path());
    INFO(second.log());
    const std::string ids = [&] {
      std::string list;
      for (const auto& [id, payload] : queued) list += (list.empty() ? "" : ",") + std::to_string(id);
      return list;
    }();
    REQUIRE(eventually([&] {
      return query_int(c, "SELECT COUNT(*) FROM jetmon_wpcom_outbox WHERE state = 'delivered' AND id IN (" + ids + ")") ==
             static_cast<std::int64_t>(queued.size());
    }, 30s));
    // A few more rounds with the sites still down.
    const auto checked = query_int(c, "SELECT COUNT(*) FROM jetmon_check_history");
    REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_check_history") >= checked + 15; }, 30s));
    second.signal(SIGTERM);
    REQUIRE(second.wait(35s) == 0);
  }

  const auto requests = wpcom.requests();
  std::multiset<std::string> sent;
  for (std::size_t i = before_restart; i < requests.size(); ++i) {
    const auto& r = requests[i];
    INFO(r.body);
    CHECK(r.header("Authorization") == "Bearer secret-token");
    CHECK(r.body.find(",\"status_id\":2,\"last_check\":\"") != std::string::npos);
    CHECK(r.body.find("\"status_type\":\"server\",\"checks\":[{\"type\":1,") != std::string::npos);
    sent.insert(r.body);
  }
  // Each notice held over the restart went out exactly once, byte for byte as stored (a
  // re-confirmation may have refreshed a row's payload in place before its send: docs/notify.md).
  for (const auto& [id, payload] : queued) {
    const auto row = c.query_one("SELECT payload, state FROM jetmon_wpcom_outbox WHERE id = ?", {id});
    REQUIRE(row);
    INFO("outbox id " << id << ": " << *row->get_string(0));
    CHECK(row->get_string(1) == "delivered");
    CHECK(sent.count(*row->get_string(0)) == 1);
    CHECK(row->get_string(0)->substr(0, payload.find(",\"last_check\"")) == payload.substr(0, payload.find(",\"last_check\"")));
  }
  // And every request after the restart is exactly one delivered outbox row: none sent twice.
  std::multiset<std::string> delivered;
  for (const auto& row : c.query("SELECT payload FROM jetmon_wpcom_outbox WHERE state = 'delivered'")) {
    delivered.insert(*row.get_string(0));
  }
  CHECK(sent == delivered);
  CHECK(outbox("queued") == 0);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE blog_id IN (3, 4, 5) AND last_alert_sent_at IS NOT NULL") == 3);
}
