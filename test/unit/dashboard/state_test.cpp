// The dashboard state object (dashboard-fleet.md §1.4) and the JSON bodies of §1.5/§1.6.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "dashboard_test_data.hpp"
#include "jetmon/dashboard/state.hpp"
#include "jetmon/dashboard/summary.hpp"

using jetmon::dashboard::build_state;
using jetmon::dashboard::DashboardState;
using jetmon::dashboard::StateInputs;
using jetmon::dashboard::test::kSpecExampleStateJson;
using jetmon::dashboard::test::spec_example_config;
using jetmon::dashboard::test::spec_example_health;
using jetmon::dashboard::test::spec_example_inputs;

TEST_CASE("dashboard state: the spec's /api/host example, key for key and in order") {
  const auto config = spec_example_config();
  const DashboardState state = build_state(spec_example_inputs(config));
  CHECK(jetmon::dashboard::state_json(state) == kSpecExampleStateJson);
}

TEST_CASE("dashboard state: the all-zero object before the first publish") {
  CHECK(jetmon::dashboard::state_json(DashboardState{}) ==
        R"({"worker_count":0,"active_checks":0,"queue_depth":0,"retry_queue_size":0,)"
        R"("sites_per_sec":0,"round_duration_ms":0,"wpcom_circuit_open":false,)"
        R"("wpcom_queue_depth":0,"go_sys_mem_mb":0,"rss_mem_mb":0,"bucket_min":0,"bucket_max":0,)"
        R"("bucket_ownership":"","legacy_status_projection_enabled":false,)"
        R"("delivery_workers_enabled":false,"delivery_config_eligible":false,)"
        R"("delivery_owner_host":"","rollout_preflight_command":"","rollout_cutover_command":"",)"
        R"("rollout_activity_command":"","rollout_rollback_command":"",)"
        R"("rollout_state_report_command":"","projection_drift_command":"","hostname":"",)"
        R"("updated_at":"0001-01-01T00:00:00Z"})");
}

TEST_CASE("dashboard state: commands for pinned and dynamic configs") {
  struct Row {
    std::optional<int> pinned_min, pinned_max, legacy_min, legacy_max;
    int bucket_total;
    std::string ownership, preflight, cutover, rollback;
  };
  const std::string rollout = "./jetmon2 rollout ";
  const auto row = GENERATE_COPY(values<Row>({
      {0, 99, {}, {}, 1000, "pinned range=0-99",
       rollout + "host-preflight --file=<ranges.csv> --host=<v1-hostname> "
                 "--runtime-host=<v2-hostname> --bucket-min=0 --bucket-max=99 --bucket-total=1000",
       rollout + "cutover-check --since=15m", rollout + "rollback-check"},
      {{}, {}, 100, 199, 500, "pinned range=100-199",  // legacy BUCKET_NO_* names
       rollout + "host-preflight --file=<ranges.csv> --host=<v1-hostname> "
                 "--runtime-host=<v2-hostname> --bucket-min=100 --bucket-max=199 --bucket-total=500",
       rollout + "cutover-check --since=15m", rollout + "rollback-check"},
      {{}, {}, {}, {}, 1000, "dynamic jetmon_hosts", rollout + "dynamic-check", "", ""},
  }));
  jetmon::config::Config config;
  config.auth_token = "t";
  config.pinned_bucket_min = row.pinned_min;
  config.pinned_bucket_max = row.pinned_max;
  config.bucket_no_min = row.legacy_min;
  config.bucket_no_max = row.legacy_max;
  config.bucket_total = row.bucket_total;
  StateInputs in;
  in.config = &config;
  in.hostname = "h";
  const DashboardState s = build_state(in);
  CHECK(s.bucket_ownership == row.ownership);
  CHECK(s.rollout_preflight_command == row.preflight);
  CHECK(s.rollout_cutover_command == row.cutover);
  CHECK(s.rollout_rollback_command == row.rollback);
  CHECK(s.rollout_activity_command == rollout + "activity-check --since=15m");
  CHECK(s.rollout_state_report_command == rollout + "state-report --since=15m");
  CHECK(s.projection_drift_command == rollout + "projection-drift");
}

TEST_CASE("dashboard state: delivery_config_eligible follows API_PORT and DELIVERY_OWNER_HOST") {
  struct Row {
    int api_port;
    std::string owner;
    bool eligible;
  };
  const auto row = GENERATE(values<Row>({
      {0, "", false},
      {0, "jetmon-v2-a", false},
      {8090, "", true},
      {8090, "  ", true},
      {8090, "jetmon-v2-a", true},
      {8090, " jetmon-v2-a ", true},
      {8090, "other-host", false},
  }));
  jetmon::config::Config config;
  config.api_port = row.api_port;
  config.delivery_owner_host = row.owner;
  StateInputs in;
  in.config = &config;
  in.hostname = "jetmon-v2-a";
  in.delivery_workers_enabled = true;
  const DashboardState s = build_state(in);
  CAPTURE(row.api_port, row.owner);
  CHECK(s.delivery_config_eligible == row.eligible);
  CHECK(s.delivery_owner_host == row.owner);  // raw
  CHECK(s.delivery_workers_enabled);          // runtime flag, whatever the config says now
}

TEST_CASE("dashboard state: strings are JSON-escaped") {
  DashboardState s;
  s.hostname = "a\"b\\c\n<d>";
  s.delivery_owner_host = "bad \xff";
  const std::string json = jetmon::dashboard::state_json(s);
  CHECK(json.find(R"("hostname":"a\"b\\c\n<d>")") != std::string::npos);
  CHECK(json.find("\"delivery_owner_host\":\"bad \xEF\xBF\xBD\"") != std::string::npos);
  CHECK(json.find('\n') == std::string::npos);  // one line: an SSE data line
}

TEST_CASE("dashboard bodies: /api/state, /api/health and /api/host end in a newline") {
  const DashboardState zero;
  CHECK(jetmon::dashboard::state_body(zero) == jetmon::dashboard::state_json(zero) + "\n");
  CHECK(jetmon::dashboard::health_body(std::nullopt) == "null\n");
  CHECK(jetmon::dashboard::health_body(jetmon::health::HealthList{}) == "[]\n");
  CHECK(jetmon::dashboard::host_body(zero, std::nullopt) ==
        R"({"state":)" + jetmon::dashboard::state_json(zero) +
            R"(,"health":null,"summary":{"status":"amber","message":"operator attention needed before rollout",)"
            R"("issues":["host state has not been published yet","dependency health has not been published yet"],)"
            R"("red_count":0,"amber_count":1,"green_count":0}})"
            "\n");
}

TEST_CASE("dashboard bodies: the spec's /api/host example") {
  const auto config = spec_example_config();
  const DashboardState state = build_state(spec_example_inputs(config));
  const std::string body = jetmon::dashboard::host_body(state, spec_example_health());
  CHECK(body ==
        R"({"state":)" + std::string(kSpecExampleStateJson) + R"(,"health":[)"
        R"({"name":"mysql","status":"green","latency_ms":2,"checked_at":"2026-04-30T10:42:15.2Z"},)"
        R"({"name":"wpcom","status":"green","checked_at":"2026-04-30T10:42:15.2Z"},)"
        R"({"name":"statsd","status":"amber","last_error":"statsd client is not initialized","checked_at":"2026-04-30T10:42:15.2Z"},)"
        R"({"name":"disk:logs","status":"green","checked_at":"2026-04-30T10:42:15.2Z"},)"
        R"({"name":"disk:stats","status":"green","checked_at":"2026-04-30T10:42:15.2Z"},)"
        R"j({"name":"veriflier:iad (1.4.0)","status":"green","latency_ms":8,"checked_at":"2026-04-30T10:42:15.2Z"}],)j"
        R"("summary":{"status":"amber","message":"operator attention needed before rollout",)"
        R"("issues":["statsd amber: statsd client is not initialized",)"
        R"("delivery amber: runtime workers are enabled without DELIVERY_OWNER_HOST"],)"
        R"("red_count":0,"amber_count":2,"green_count":5}})"
        "\n");
}
