// `jetmon2 status` target resolution (dashboard-fleet.md §1.8, monitor.md §10).
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>

#include "dashboard_test_data.hpp"
#include "jetmon/dashboard/status.hpp"
#include "jetmon/dashboard/summary.hpp"

namespace {
using Env = std::map<std::string, std::string, std::less<>>;
using jetmon::dashboard::format_host_status;
namespace data = jetmon::dashboard::test;

// The spec example's /api/host body after `change` edits its inputs.
template <typename Change>
std::string example_body(Change change) {
  auto config = data::spec_example_config();
  auto inputs = data::spec_example_inputs(config);
  auto health = std::optional<jetmon::health::HealthList>(data::spec_example_health());
  change(config, inputs, health);
  return jetmon::dashboard::host_body(jetmon::dashboard::build_state(inputs), health);
}

constexpr const char* kExampleStateLines =
    "host=jetmon-v2-a\n"
    "updated_at=2026-04-30T10:42:15.512Z\n"
    "buckets=0-99 (pinned range=0-99)\n"
    "sites_per_sec=173\n"
    "round_duration_ms=8512\n";
}  // namespace

TEST_CASE("jetmon2 status: the readable host summary") {
  using jetmon::config::Config;
  using jetmon::dashboard::StateInputs;
  using Health = std::optional<jetmon::health::HealthList>;
  struct Row {
    std::string label;
    std::string body;
    std::string text;
    bool red;
  };
  const auto row = GENERATE(values<Row>({
      {"the spec example is amber",
       example_body([](Config&, StateInputs&, Health&) {}),
       std::string("AMBER operator attention needed before rollout\n"
                   "issue: statsd amber: statsd client is not initialized\n"
                   "issue: delivery amber: runtime workers are enabled without "
                   "DELIVERY_OWNER_HOST\n"
                   "dependencies green=5 amber=2 red=0\n"
                   "mysql: green 2ms\n"
                   "wpcom: green\n"
                   "statsd: amber - statsd client is not initialized\n"
                   "disk:logs: green\n"
                   "disk:stats: green\n"
                   "veriflier:iad (1.4.0): green 8ms\n") +
           kExampleStateLines + "wpcom_circuit_open=false\nwpcom_queue_depth=0\n",
       false},
      {"all green, no issue lines",
       example_body([](Config& config, StateInputs& in, Health& health) {
         config.delivery_owner_host = "jetmon-v2-a";
         in.delivery_workers_enabled = false;
         config.api_port = 0;
         (*health)[2] = {"statsd", "green", 0, "", (*health)[2].checked_at};
       }),
       std::string("GREEN host checks are green\n"
                   "dependencies green=6 amber=0 red=0\n"
                   "mysql: green 2ms\n"
                   "wpcom: green\n"
                   "statsd: green\n"
                   "disk:logs: green\n"
                   "disk:stats: green\n"
                   "veriflier:iad (1.4.0): green 8ms\n") +
           kExampleStateLines + "wpcom_circuit_open=false\nwpcom_queue_depth=0\n",
       false},
      {"red mysql and an open circuit, a newline in an error",
       example_body([](Config& config, StateInputs& in, Health& health) {
         config.delivery_owner_host = "jetmon-v2-a";
         in.wpcom_circuit_open = true;
         in.wpcom_queue_depth = 7;
         (*health)[0] = {"mysql", "red", 2001, "ping:\nlost", (*health)[0].checked_at};
         health->resize(1);
       }),
       std::string("RED rollout-blocking dependency or circuit issue\n"
                   "issue: mysql red: ping: lost\n"
                   "issue: wpcom red: circuit open\n"
                   "dependencies green=0 amber=0 red=2\n"
                   "mysql: red 2001ms - ping: lost\n") +
           kExampleStateLines + "wpcom_circuit_open=true\nwpcom_queue_depth=7\n",
       true},
      {"no health yet",
       example_body([](Config& config, StateInputs&, Health& health) {
         config.delivery_owner_host = "jetmon-v2-a";
         health.reset();
       }),
       std::string("AMBER operator attention needed before rollout\n"
                   "issue: dependency health has not been published yet\n"
                   "dependencies green=0 amber=1 red=0\n"
                   "dependency health: not published yet\n") +
           kExampleStateLines + "wpcom_circuit_open=false\nwpcom_queue_depth=0\n",
       false},
  }));
  INFO(row.label);
  const auto report = format_host_status(row.body);
  REQUIRE(report);
  CHECK(report->text == row.text);
  CHECK(report->red == row.red);
}

TEST_CASE("jetmon2 status: a body that is not /api/host is refused") {
  const auto body = GENERATE(as<std::string>{}, "", "null", "[]", "{", "{\"state\":{}}",
                             "{\"summary\":{}}", "{\"summary\":{\"status\":1}}",
                             data::kSpecExampleStateJson);
  INFO(body);
  CHECK_FALSE(format_host_status(body));
}

TEST_CASE("jetmon2 status: DASHBOARD_HOST, then DASHBOARD_BIND_ADDR, then localhost") {
  struct Row {
    Env env;
    std::string url;
  };
  const auto row = GENERATE(values<Row>({
      {{}, "http://localhost:8080/api/host"},
      {{{"DASHBOARD_PORT", "9090"}}, "http://localhost:9090/api/host"},
      {{{"DASHBOARD_BIND_ADDR", "10.1.2.3"}}, "http://10.1.2.3:8080/api/host"},
      {{{"DASHBOARD_BIND_ADDR", "0.0.0.0"}}, "http://localhost:8080/api/host"},
      {{{"DASHBOARD_BIND_ADDR", "::"}}, "http://localhost:8080/api/host"},
      {{{"DASHBOARD_BIND_ADDR", "[::]"}}, "http://localhost:8080/api/host"},
      {{{"DASHBOARD_BIND_ADDR", "::1"}}, "http://[::1]:8080/api/host"},
      {{{"DASHBOARD_BIND_ADDR", "[::1]"}}, "http://[::1]:8080/api/host"},
      {{{"DASHBOARD_BIND_ADDR", " "}}, "http://localhost:8080/api/host"},
      {{{"DASHBOARD_HOST", "dash.example"}, {"DASHBOARD_BIND_ADDR", "10.1.2.3"}},
       "http://dash.example:8080/api/host"},
      {{{"DASHBOARD_HOST", "0.0.0.0"}, {"DASHBOARD_PORT", " 81 "}}, "http://localhost:81/api/host"},
  }));
  CAPTURE(row.url);
  CHECK(jetmon::dashboard::status_target(jetmon::config::environment_from(row.env)).url == row.url);
}

TEST_CASE("jetmon2 status: a bad DASHBOARD_PORT is named and exits 1") {
  const auto port = GENERATE(as<std::string>{}, "x", "0", "65536", "-1", "80x");
  const auto env = jetmon::config::environment_from({{"DASHBOARD_PORT", port}});
  CHECK_THROWS_WITH(jetmon::dashboard::status_target(env),
                    Catch::Contains("DASHBOARD_PORT=\"" + port + "\""));
  std::ostringstream out;
  std::ostringstream err;
  CHECK(jetmon::dashboard::run_status(env, out, err) == 1);
  CHECK(out.str().empty());
  CHECK(err.str().rfind("status: DASHBOARD_PORT=", 0) == 0);
}
