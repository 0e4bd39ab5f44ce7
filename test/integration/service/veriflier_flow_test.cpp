// Escalation through Verifliers while jetmon2 runs: a quorum of real Verifliers confirms the
// outage; Verifliers that see the site up turn it into a recorded false alarm without a notice.
#include <catch2/catch.hpp>

#include <signal.h>

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

// A Veriflier that always answers "the site is up".
class HappyVeriflier {
 public:
  HappyVeriflier() {
    server_.Post("/check", [](const httplib::Request& req, httplib::Response& res) {
      const auto blog = req.body.find("\"BlogID\":");
      const std::string id = blog == std::string::npos ? "0" : req.body.substr(blog + 9, req.body.find(',', blog) - blog - 9);
      res.set_content(R"({"results":[{"BlogID":)" + id +
                          R"(,"URL":"x","Host":"happy-veriflier","Success":true,"HTTPCode":200,"ErrorCode":0,"RTTMs":5,"RequestID":"r"}]})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(2ms);
  }
  ~HappyVeriflier() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::string verifier_json(const std::string& name, int port) {
  return R"({"name":")" + name + R"(","host":"127.0.0.1","port":")" + std::to_string(port) +
         R"(","auth_token":"vtoken"})";
}

}  // namespace

TEST_CASE("service: three Verifliers confirm an outage and WPCOM hears it once", "[service][veriflier]") {
  TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  auto& c = tdb.connection();
  SiteBehaviour failing;
  failing.status = 503;
  FixtureSite site(failing);
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (88, 1, ?, 1)",
         {site.url("/")});
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
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,
        "DASHBOARD_PORT":0,"NET_COMMS_TIMEOUT":3,"WPCOM_NOTIFY_URL":")" + wpcom.url() + R"(","VERIFIERS":[)" + list + "]}");
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  BackgroundProcess monitor({JETMON2_BIN}, env, dir.path() + "/monitor.log");
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 88 AND state = 'Down' AND ended_at IS NULL") == 1;
  }, 40s));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_audit_log WHERE blog_id = 88 AND event_type = 'veriflier_sent' "
                  "AND detail = 'veriflier reply'") == 3);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_false_positives WHERE blog_id = 88") == 0);
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
  TestDatabase tdb;
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
  auto& c = tdb.connection();
  SiteBehaviour failing;
  failing.status = 500;
  FixtureSite site(failing);
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (99, 1, ?, 1)",
         {site.url("/")});
  HappyVeriflier a;
  HappyVeriflier b;
  jetmon::test::HttpReceiver wpcom;
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":30,"NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,
        "DASHBOARD_PORT":0,"WPCOM_NOTIFY_URL":")" + wpcom.url() + R"(","VERIFIERS":[)" +
                         verifier_json("a", a.port()) + "," + verifier_json("b", b.port()) + "]}");
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  BackgroundProcess monitor({JETMON2_BIN}, env, dir.path() + "/monitor.log");
  INFO(monitor.log());
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_events WHERE blog_id = 99 AND resolution_reason = 'false_alarm'") == 1;
  }, 40s));
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_false_positives WHERE blog_id = 99 AND http_code = 500") == 1);
  CHECK(jetmon::test::query_int(c, "SELECT site_status FROM jetpack_monitor_sites WHERE blog_id = 99") == 1);
  CHECK(jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_event_transitions WHERE blog_id = 99 AND reason = 'false_alarm'") == 1);
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
  CHECK(wpcom.count() == 0);
}
