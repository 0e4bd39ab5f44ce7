// Escalation through Verifliers while jetmon2 runs: a quorum of real Verifliers confirms the
// outage; Verifliers that see the site up turn it into a recorded false alarm without a notice.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "support/http_receiver.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/veriflier/server.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::BackgroundProcess;
using jetmon::test::eventually;
using jetmon::test::FixtureSite;
using jetmon::test::SiteBehaviour;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;
using namespace std::chrono_literals;

namespace {

// A stand-in Veriflier on a local port: answers every /check as `host` with `success`, once
// `before_reply` has returned.
class StubVeriflier {
 public:
  StubVeriflier(std::string host, bool success, std::function<void()> before_reply = {}) {
    server_.Post("/check", [host, success, before_reply](const httplib::Request& req, httplib::Response& res) {
      if (before_reply) before_reply();
      const auto blog = req.body.find("\"BlogID\":");
      const std::string id = blog == std::string::npos ? "0" : req.body.substr(blog + 9, req.body.find(',', blog) - blog - 9);
      res.set_content(R"({"results":[{"BlogID":)" + id + R"(,"URL":"x","Host":")" + host + R"(","Success":)" +
                          (success ? "true,\"HTTPCode\":200" : "false,\"HTTPCode\":503") +
                          R"(,"ErrorCode":0,"RTTMs":5,"RequestID":"r"}]})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(2ms);
  }
  ~StubVeriflier() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A Veriflier that holds every /check until `expected` of them wait at once (or `hold` passes),
// then answers each "the site is down". It records the most it ever held at once.
class BarrierVeriflier {
 public:
  BarrierVeriflier(int expected, std::chrono::seconds hold) : expected_(expected), hold_(hold) {}
  ~BarrierVeriflier() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    released_cv_.notify_all();
  }
  int port() const { return stub_.port(); }
  int max_waiting() const {
    std::lock_guard lock(mutex_);
    return max_waiting_;
  }
  int waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  void hold_until_released() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    max_waiting_ = std::max(max_waiting_, waiting_);
    if (waiting_ >= expected_) released_ = true;
    released_cv_.notify_all();
    released_cv_.wait_for(lock, hold_, [this] { return released_; });
    --waiting_;
  }

  const int expected_;
  const std::chrono::seconds hold_;
  mutable std::mutex mutex_;
  std::condition_variable released_cv_;
  int waiting_ = 0;
  int max_waiting_ = 0;
  bool released_ = false;
  StubVeriflier stub_{"barrier-veriflier", false, [this] { hold_until_released(); }};  // last: stops first
};

std::string verifier_json(const std::string& name, int port) {
  return R"({"name":")" + name + R"(","host":"127.0.0.1","port":")" + std::to_string(port) +
         R"(","auth_token":"vtoken"})";
}

SiteBehaviour answering(int status) {
  SiteBehaviour b;
  b.status = status;
  return b;
}

// A migrated test database whose sites all point at one local site answering `status`, and
// jetmon2 started on it with the given config keys (plus AUTH_TOKEN and DASHBOARD_PORT).
class MonitorOnFailingSites {
 public:
  MonitorOnFailingSites(int status, const std::vector<int>& blog_ids) : site_(answering(status)) {
    jetmon::db::run_migrations(tdb_.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
    for (int id : blog_ids) {
      tdb_.connection().exec(
          "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, 1, ?, 1)",
          {std::to_string(id), site_.url("/site" + std::to_string(id))});
    }
  }
  jetmon::db::Connection& db() { return tdb_.connection(); }
  int count(const std::string& sql) { return static_cast<int>(jetmon::test::query_int(db(), sql)); }

  BackgroundProcess& start(const std::string& config_keys) {
    const std::string config =
        dir_.write_file("config.json", R"({"AUTH_TOKEN":"t","DASHBOARD_PORT":0,)" + config_keys + "}");
    auto env = tdb_.env();
    env["JETMON_CONFIG"] = config;
    env["JETMON_PID_FILE"] = dir_.path() + "/jetmon2.pid";
    monitor_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{JETMON2_BIN}, env,
                                                   dir_.path() + "/monitor.log");
    return *monitor_;
  }

 private:
  TestDatabase tdb_;
  FixtureSite site_;
  TempDir dir_;
  std::unique_ptr<BackgroundProcess> monitor_;
};

}  // namespace

TEST_CASE("service: three Verifliers confirm an outage and WPCOM hears it once", "[service][veriflier]") {
  MonitorOnFailingSites setup(503, {88});
  std::vector<std::unique_ptr<jetmon::veriflier::Server>> verifliers;
  std::string list;
  for (int i = 0; i < 3; ++i) {
    jetmon::veriflier::ServerOptions o;
    o.auth_token = "vtoken";
    o.bind_address = "127.0.0.1";
    o.port = 0;
    o.hostname = "veriflier-" + std::to_string(i);
    verifliers.push_back(std::make_unique<jetmon::veriflier::Server>(o));
    verifliers.back()->start();
    list += (i ? "," : "") + verifier_json("v" + std::to_string(i), verifliers.back()->port());
  }
  jetmon::test::HttpReceiver wpcom;
  BackgroundProcess& monitor = setup.start(
      R"("MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,"NET_COMMS_TIMEOUT":3,)"
      R"("WPCOM_NOTIFY_URL":")" + wpcom.url() + R"(","VERIFIERS":[)" + list + "]");
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return setup.count("SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 88 AND state = 'Down' AND ended_at IS NULL") == 1;
  }, 40s));
  CHECK(setup.count("SELECT COUNT(*) FROM jetmon_audit_log WHERE blog_id = 88 AND event_type = 'veriflier_sent' "
                    "AND detail = 'veriflier reply'") == 3);
  CHECK(setup.count("SELECT COUNT(*) FROM jetmon_false_positives WHERE blog_id = 88") == 0);
  REQUIRE(wpcom.wait_for(1, 20s));
  const std::string body = wpcom.requests().at(0).body;
  CHECK(body.find("\"status_id\":2") != std::string::npos);
  for (int i = 0; i < 3; ++i) {
    CHECK(body.find("{\"type\":2,\"host\":\"veriflier-" + std::to_string(i) + "\",\"status\":0") != std::string::npos);
  }
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
  CHECK(wpcom.count() == 1);
}

TEST_CASE("service: Verifliers that see the site up make a false alarm without a notice", "[service][veriflier]") {
  MonitorOnFailingSites setup(500, {99});
  StubVeriflier a("happy-veriflier", true);
  StubVeriflier b("happy-veriflier", true);
  jetmon::test::HttpReceiver wpcom;
  BackgroundProcess& monitor = setup.start(
      R"("MIN_TIME_BETWEEN_ROUNDS_SEC":30,"NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,)"
      R"("WPCOM_NOTIFY_URL":")" + wpcom.url() + R"(","VERIFIERS":[)" + verifier_json("a", a.port()) + "," +
      verifier_json("b", b.port()) + "]");
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return setup.count("SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 99 AND resolution_reason = 'false_alarm'") == 1;
  }, 40s));
  CHECK(setup.count("SELECT COUNT(*) FROM jetmon_false_positives WHERE blog_id = 99 AND http_code = 500") == 1);
  CHECK(setup.count("SELECT site_status FROM jetpack_monitor_sites WHERE blog_id = 99") == 1);
  CHECK(setup.count("SELECT COUNT(*) FROM jetmon_event_transitions WHERE blog_id = 99 AND reason = 'false_alarm'") == 1);
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
  CHECK(wpcom.count() == 0);
}

TEST_CASE("service: escalations of sites failing together are asked at once", "[service][veriflier]") {
  // Each escalation waits at the Veriflier until all four are there (or 6 s): asked one at a time
  // the Veriflier never holds more than one, and the four verdicts take 6 s each.
  constexpr int kSites = 4;
  MonitorOnFailingSites setup(503, {200, 201, 202, 203});
  BarrierVeriflier veriflier(kSites, 6s);
  jetmon::test::HttpReceiver wpcom;
  BackgroundProcess& monitor = setup.start(
      R"("MIN_TIME_BETWEEN_ROUNDS_SEC":30,"NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,"NET_COMMS_TIMEOUT":5,)"
      R"("WPCOM_NOTIFY_URL":")" + wpcom.url() + R"(","VERIFIERS":[)" + verifier_json("barrier", veriflier.port()) + "]");
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return setup.count("SELECT COUNT(*) FROM jetmon_events WHERE blog_id BETWEEN 200 AND 203 "
                       "AND state = 'Down' AND ended_at IS NULL") == kSites;
  }, 60s));
  CHECK(veriflier.max_waiting() == kSites);
  REQUIRE(wpcom.wait_for(kSites, 20s));
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
  CHECK(wpcom.count() == kSites);
}

TEST_CASE("service: SIGTERM while a Veriflier is still deciding stops without waiting for it", "[service][veriflier]") {
  // The Veriflier holds the escalation for a minute; the escalation itself may last the site
  // timeout + 5 s = 35 s. Stopping gives the incident worker 5 s, then cancels the request.
  MonitorOnFailingSites setup(503, {300});
  BarrierVeriflier veriflier(99, 60s);
  BackgroundProcess& monitor = setup.start(
      R"("MIN_TIME_BETWEEN_ROUNDS_SEC":30,"NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,"NET_COMMS_TIMEOUT":30,)"
      R"("VERIFIERS":[)" + verifier_json("slow", veriflier.port()) + "]");
  INFO(monitor.log());
  REQUIRE(eventually([&] { return veriflier.waiting() == 1; }, 30s));
  monitor.signal(SIGTERM);
  // Waiting for the escalation would take until its 35 s deadline.
  CHECK(monitor.wait(20s) == 0);
  CHECK(setup.count("SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 300 AND state = 'Seems Down' "
                    "AND ended_at IS NULL") == 1);
}
