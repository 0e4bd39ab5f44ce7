// The real jetmon-deliverer binary: single-owner activation, the shared progress mark across an
// owner move, SIGHUP, SIGTERM and kill -9 during a send (dashboard-fleet.md §7, §8; decision 8).
#include <catch2/catch.hpp>

#include <signal.h>

#include <map>
#include <set>
#include <string>

#include "jetmon/common/host.hpp"
#include "delivery_support.hpp"
#include "support/monitor_fixture.hpp"
#include "support/background_process.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using namespace std::chrono_literals;
using jetmon::test::BackgroundProcess;
using jetmon::test::eventually;
using jetmon::test::query_int;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;
using jetmon::test::HttpReceiver;
using jetmon::test::add_transition;
using jetmon::test::signature_ok;

namespace {

const std::string kSecret = "whsec_BINARYTESTSECRETBINARYTESTSECRET";

// Runs the deliverer as host `host` (its own UTS namespace), so two can share this machine.
std::vector<std::string> deliverer_as(const std::string& host) {
  return {"/usr/bin/unshare", "--uts", "/bin/sh", "-c",
          "hostname " + host + " && exec " + std::string(JETMON_DELIVERER_BIN)};
}

bool can_fake_hostnames() {
  return jetmon::test::run_command({"/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname deliv-probe"}).exit_code == 0;
}

std::map<std::string, std::string> deliverer_env(const TestDatabase& tdb, const std::string& config) {
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  return env;
}

std::string row_state(jetmon::db::Connection& c, const std::string& process_id) {
  auto v = c.query_scalar("SELECT state FROM jetmon_process_health WHERE process_id = ?", {process_id});
  return v ? v->as_string().value_or("") : "";
}

}  // namespace

TEST_CASE("jetmon-deliverer: only the owner sends, the other is idle, and a moved owner continues from the shared mark",
          "[delivery][deliverer]") {
  if (!can_fake_hostnames()) {
    WARN("unshare --uts is not permitted here; two deliverers need two host names");
    return;
  }
  TestDatabase tdb;
  jetmon::db::Connection& c = tdb.migrate();
  HttpReceiver receiver;
  c.exec("INSERT INTO jetmon_webhooks (url, secret) VALUES (?, ?)", {receiver.url(), kSecret});
  add_transition(c, 1);  // history before the first deliverer: never delivered
  TempDir dir;
  const std::string config =
      dir.write_file("deliverer.json", R"({"AUTH_TOKEN":"t","DELIVERY_OWNER_HOST":"deliv-a"})");
  const auto env = deliverer_env(tdb, config);

  std::uint64_t t1 = 0;
  {
    BackgroundProcess a(deliverer_as("deliv-a"), env, dir.path() + "/a1.log");
    BackgroundProcess b(deliverer_as("deliv-b"), env, dir.path() + "/b1.log");
    REQUIRE(eventually([&] { return row_state(c, "deliv-a:deliverer") == "running" && row_state(c, "deliv-b:deliverer") == "idle"; }, 30s));
    CHECK(query_int(c, "SELECT delivery_workers_enabled FROM jetmon_process_health WHERE process_id='deliv-b:deliverer'") == 0);
    CHECK(query_int(c, "SELECT delivery_workers_enabled FROM jetmon_process_health WHERE process_id='deliv-a:deliverer'") == 1);
    REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_dispatch_progress") == 1; }, 30s));
    t1 = add_transition(c, 2);
    REQUIRE(receiver.wait_for(1, 30s));
    REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered'") == 1; }, 30s));
    a.signal(SIGTERM);
    b.signal(SIGTERM);
    CHECK(a.wait(30s) == 0);
    CHECK(b.wait(30s) == 0);
    INFO(a.log());
    INFO(b.log());
    CHECK(a.log().find("delivery_owner_host=\"deliv-a\" matched; delivery workers enabled on this host") != std::string::npos);
    CHECK(b.log().find("delivery_owner_host=\"deliv-a\"; standalone deliverer idle on host \"deliv-b\"") != std::string::npos);
    CHECK(a.log().find("jetmon-deliverer: shutdown complete") != std::string::npos);
    CHECK(b.log().find("jetmon-deliverer: shutdown complete") != std::string::npos);
    CHECK(row_state(c, "deliv-a:deliverer") == "stopped");
    CHECK(row_state(c, "deliv-b:deliverer") == "stopped");
  }

  // The owner moves to deliv-b; a transition happens while nothing runs; both restart.
  dir.write_file("deliverer.json", R"({"AUTH_TOKEN":"t","DELIVERY_OWNER_HOST":"deliv-b"})");
  const std::uint64_t t2 = add_transition(c, 3);
  {
    BackgroundProcess a(deliverer_as("deliv-a"), env, dir.path() + "/a2.log");
    BackgroundProcess b(deliverer_as("deliv-b"), env, dir.path() + "/b2.log");
    REQUIRE(eventually([&] { return row_state(c, "deliv-b:deliverer") == "running" && row_state(c, "deliv-a:deliverer") == "idle"; }, 30s));
    REQUIRE(receiver.wait_for(2, 30s));
    const std::uint64_t t3 = add_transition(c, 4);
    REQUIRE(receiver.wait_for(3, 30s));
    REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered'") == 3; }, 30s));
    std::this_thread::sleep_for(1500ms);  // nothing more arrives
    a.signal(SIGTERM);
    b.signal(SIGTERM);
    CHECK(a.wait(30s) == 0);
    CHECK(b.wait(30s) == 0);
    const auto requests = receiver.requests();
    REQUIRE(requests.size() == 3);
    std::set<std::string> transitions;
    for (const auto& r : requests) {
      CHECK(signature_ok(r, kSecret));
      const auto pos = r.body.find("\"transition_id\":");
      transitions.insert(r.body.substr(pos + 16, r.body.find(',', pos) - pos - 16));
    }
    CHECK(transitions == std::set<std::string>{std::to_string(t1), std::to_string(t2), std::to_string(t3)});
    CHECK(query_int(c, "SELECT last_transition_id FROM jetmon_webhook_dispatch_progress WHERE instance_id='shared'") ==
          static_cast<std::int64_t>(t3));
  }
}

TEST_CASE("jetmon-deliverer: kill -9 during a send, then redelivery after the lease with the same X-Jetmon-Delivery",
          "[delivery][deliverer]") {
  TestDatabase tdb;
  jetmon::db::Connection& c = tdb.migrate();
  HttpReceiver receiver;
  receiver.hold();
  c.exec("INSERT INTO jetmon_webhooks (url, secret) VALUES (?, ?)", {receiver.url(), kSecret});
  TempDir dir;
  const std::string config = dir.write_file("deliverer.json", R"({"AUTH_TOKEN":"t"})");
  const auto env = deliverer_env(tdb, config);
  {
    BackgroundProcess d({JETMON_DELIVERER_BIN}, env, dir.path() + "/d1.log");
    REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_dispatch_progress") == 1; }, 30s));
    add_transition(c, 5);
    REQUIRE(receiver.wait_for(1, 30s));
    // SIGHUP is logged and ignored.
    d.signal(SIGHUP);
    REQUIRE(eventually([&] { return d.log().find("SIGHUP received and ignored") != std::string::npos; }, 10s));
    CHECK(d.running());
    CHECK(d.log().find("WARN") != std::string::npos);
    CHECK(d.log().find("delivery_owner_host is unset; standalone deliverer on host") != std::string::npos);
    d.signal(SIGKILL);
    d.wait(10s);
  }
  receiver.release();
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='pending' AND attempt=0 "
                     "AND next_attempt_at > CURRENT_TIMESTAMP") == 1);  // leased, nothing recorded
  // The lease runs out (moved back instead of waiting 60 s).
  c.execute("UPDATE jetmon_webhook_deliveries SET next_attempt_at = CURRENT_TIMESTAMP - INTERVAL 1 SECOND");
  BackgroundProcess d({JETMON_DELIVERER_BIN}, env, dir.path() + "/d2.log");
  REQUIRE(receiver.wait_for(2, 30s));
  REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered' AND attempt=1") == 1; }, 30s));
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].header("X-Jetmon-Delivery") == requests[1].header("X-Jetmon-Delivery"));
  CHECK(requests[0].body == requests[1].body);
  d.signal(SIGTERM);
  CHECK(d.wait(30s) == 0);
}

TEST_CASE("jetmon2 runs the same delivery workers embedded when it owns delivery, and its row says so",
          "[delivery][monitor]") {
  TestDatabase tdb;
  jetmon::db::Connection& c = tdb.migrate();
  HttpReceiver receiver;
  c.exec("INSERT INTO jetmon_webhooks (url, secret) VALUES (?, ?)", {receiver.url(), kSecret});
  TempDir dir;
  jetmon::test::make_monitor_dirs(dir.path());
  const std::string host = jetmon::os_hostname();
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"STATS_UPDATE_INTERVAL_MS":300,)"
                     R"("BUCKET_TOTAL":10,"BUCKET_TARGET":10,"PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":9,)"
                     R"("API_PORT":8090,"DELIVERY_OWNER_HOST":")" + host + R"("})");
  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, dir.path() + "/jetmon2.pid"),
                            dir.path() + "/monitor.log", dir.path());
  INFO(monitor.log());
  const std::string id = host + ":monitor";
  REQUIRE(eventually([&] {
    return query_int(c, "SELECT COUNT(*) FROM jetmon_process_health WHERE process_id = '" + id +
                            "' AND state = 'running' AND delivery_workers_enabled = 1") == 1 &&
           query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_dispatch_progress WHERE instance_id = 'shared'") == 1;
  }, 30s));
  add_transition(c, 9);
  REQUIRE(receiver.wait_for(1, 30s));
  CHECK(signature_ok(receiver.requests()[0], kSecret));
  REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered'") == 1; }, 30s));
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(30s) == 0);
  CHECK(monitor.log().find("delivery workers enabled on this host") != std::string::npos);
  CHECK(row_state(c, id) == "stopped");
}
