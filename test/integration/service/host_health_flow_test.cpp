// jetmon2 with its dashboard and process-health row (dashboard-fleet.md §1, §5, §6): every
// figure comes from the running monitor, the row follows running → stopping → stopped.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <rapidjson/document.h>

#include "jetmon/common/host.hpp"
#include "jetmon/db/connection.hpp"
#include "support/background_process.hpp"
#include "support/dashboard_client.hpp"
#include "support/fixture_site.hpp"
#include "support/monitor_fixture.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using jetmon::test::BackgroundProcess;
using jetmon::test::eventually;
using jetmon::test::FixtureSite;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;
using namespace std::chrono_literals;

namespace {

bool has_issue(const rapidjson::Value& summary, const std::string& text) {
  if (!summary.HasMember("issues")) return false;
  for (const auto& issue : summary["issues"].GetArray()) {
    if (text == issue.GetString()) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("service: the dashboard and the process-health row show the running monitor, then its stop", "[service][dashboard]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  FixtureSite site;
  jetmon::test::add_fixture_sites(c, site, 3000, 5);
  TempDir dir;
  jetmon::test::make_monitor_dirs(dir.path());
  const int port = jetmon::test::free_low_port();
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NET_COMMS_TIMEOUT":3,)"
                     R"("STATS_UPDATE_INTERVAL_MS":300,"PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":99,)"
                     R"("DASHBOARD_PORT":)" + std::to_string(port) + "}");
  BackgroundProcess monitor({JETMON2_BIN}, tdb.service_env(config, dir.path() + "/jetmon2.pid"),
                            dir.path() + "/monitor.log", dir.path());
  INFO(monitor.log());

  // /api/host: a state published by the monitor, probes in, a completed round's throughput.
  rapidjson::Document host;
  REQUIRE(eventually([&] {
    const std::string body = jetmon::test::dashboard_get(port, "/api/host");
    if (body.empty() || host.Parse(body.c_str()).HasParseError()) return false;
    return host["health"].IsArray() && host["state"]["sites_per_sec"].GetInt64() > 0;
  }, 30s));
  const auto& state = host["state"];
  CHECK(std::string(state["hostname"].GetString()) == jetmon::os_hostname());
  CHECK(std::string(state["bucket_ownership"].GetString()) == "pinned range=0-99");
  CHECK(state["bucket_min"].GetInt() == 0);
  CHECK(state["bucket_max"].GetInt() == 99);
  CHECK(state["worker_count"].GetInt() > 0);
  CHECK(state["round_duration_ms"].GetInt64() >= 0);
  CHECK(state["rss_mem_mb"].GetInt64() > 0);
  CHECK(std::string(state["rollout_preflight_command"].GetString()).find("--bucket-min=0 --bucket-max=99") !=
        std::string::npos);
  std::vector<std::string> names;
  for (const auto& entry : host["health"].GetArray()) names.emplace_back(entry["name"].GetString());
  CHECK(names == std::vector<std::string>{"mysql", "wpcom", "statsd", "disk:logs", "disk:stats", "verifliers"});
  CHECK(std::string(host["health"][0]["status"].GetString()) == "green");
  const auto& summary = host["summary"];
  CHECK(std::string(summary["status"].GetString()) == "amber");
  CHECK(has_issue(summary, "verifliers amber: no verifliers configured"));

  // The SSE stream starts with the current state.
  {
    jetmon::test::Fd fd = jetmon::test::connect_loopback(port);
    jetmon::test::send_all(fd.get(), "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::string data;
    char buffer[4096];
    while (data.find("\n\n", data.find("data: ") == std::string::npos ? 0 : data.find("data: ")) == std::string::npos) {
      const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    CHECK(data.find("text/event-stream") != std::string::npos);
    CHECK(data.find("data: {\"worker_count\":") != std::string::npos);
  }

  // The durable row: running, the same summary status, the probe list.
  const std::string process_id = jetmon::os_hostname() + ":monitor";
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_process_health WHERE process_id = '" + process_id +
                                          "' AND state = 'running' AND JSON_LENGTH(dependency_health) = 6") == 1;
  }, 10s));
  auto row = c.query_one(
      "SELECT process_type, health_status, bucket_min, bucket_max, bucket_ownership, dashboard_port, api_port, pid "
      "FROM jetmon_process_health WHERE process_id = ?", {process_id});
  REQUIRE(row);
  CHECK(row->get_string(0) == "monitor");
  CHECK(row->get_string(1) == "amber");
  CHECK(row->get_int64(2) == 0);
  CHECK(row->get_int64(3) == 99);
  CHECK(row->get_string(4) == "pinned range=0-99");
  CHECK(row->get_int64(5) == port);
  CHECK(row->get_int64(6) == 0);
  CHECK(row->get_int64(7) == monitor.pid());

  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
  row = c.query_one("SELECT state, health_status FROM jetmon_process_health WHERE process_id = ?", {process_id});
  REQUIRE(row);
  CHECK(row->get_string(0) == "stopped");
  CHECK(row->get_string(1) == "amber");
  CHECK(jetmon::test::dashboard_get(port, "/api/state").empty());  // the dashboard closed with the process
}
