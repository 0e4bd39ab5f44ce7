#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "jetmon/service/monitor_heartbeat.hpp"

using jetmon::health::HealthEntry;
using jetmon::service::monitor_health_row;
using jetmon::service::MonitorIdentity;
using namespace std::chrono;

namespace {

jetmon::dashboard::DashboardState published_state() {
  jetmon::dashboard::DashboardState s;
  s.worker_count = 1000;
  s.active_checks = 12;
  s.queue_depth = 3;
  s.retry_queue_size = 2;
  s.wpcom_circuit_open = false;
  s.wpcom_queue_depth = 4;
  s.go_sys_mem_mb = 41;
  s.rss_mem_mb = 52;
  s.bucket_min = 100;
  s.bucket_max = 199;
  s.bucket_ownership = "pinned range=100-199";
  s.delivery_owner_host = "deliverer-1";
  s.hostname = "web-1";
  s.updated_at = sys_days{2026y / 11 / 28} + 10h;
  return s;
}

MonitorIdentity identity() {
  return MonitorIdentity{"web-1", 4242, {"0.1.0", "2026-11-28T00:00:00Z", "GNU 12.2.0"},
                         sys_days{2026y / 11 / 28} + 9h};
}

}  // namespace

TEST_CASE("monitor heartbeat: the row carries the published state, identity and ports") {
  jetmon::config::Config cfg;
  cfg.api_port = 0;
  cfg.dashboard_port = 8080;
  const auto at = sys_days{2026y / 11 / 28} + 10h;
  const jetmon::health::HealthList health{HealthEntry{"mysql", "green", 2, "", at}};
  const auto row = monitor_health_row(published_state(), health, "running", cfg, identity());
  CHECK(row.process_id == "web-1:monitor");
  CHECK(row.host_id == "web-1");
  CHECK(row.process_type == "monitor");
  CHECK(row.pid == 4242);
  CHECK(row.version == "0.1.0");
  CHECK(row.go_version == "GNU 12.2.0");
  CHECK(row.state == "running");
  CHECK(row.health_status == "green");
  CHECK(row.started_at == identity().started_at);
  CHECK(row.updated_at == at);
  CHECK(row.bucket_min == 100);
  CHECK(row.bucket_max == 199);
  CHECK(row.bucket_ownership == "pinned range=100-199");
  CHECK(row.api_port == 0u);
  CHECK(row.dashboard_port == 8080u);
  CHECK(row.worker_count == 1000);
  CHECK(row.active_checks == 12);
  CHECK(row.queue_depth == 3);
  CHECK(row.retry_queue_size == 2);
  CHECK(row.wpcom_queue_depth == 4);
  CHECK(row.go_sys_mem_mb == 41);
  CHECK(row.rss_mem_mb == 52);
  CHECK(row.delivery_owner_host == "deliverer-1");
  CHECK(row.dependency_health == health);
}

TEST_CASE("monitor heartbeat: health_status is the host summary, amber while stopping or stopped") {
  jetmon::config::Config cfg;
  const auto at = sys_days{2026y / 11 / 28} + 10h;
  struct Row {
    const char* lifecycle;
    jetmon::health::HealthList health;
    bool circuit_open;
    const char* expected;
  };
  auto row = GENERATE_COPY(values<Row>({
      {"running", {HealthEntry{"mysql", "green", 1, "", at}}, false, "green"},
      {"running", {}, false, "amber"},  // no probe results yet
      {"running", {HealthEntry{"mysql", "red", 0, "gone", at}}, false, "red"},
      {"running", {HealthEntry{"mysql", "green", 1, "", at}}, true, "red"},  // WPCOM circuit open
      {"running", {HealthEntry{"statsd", "amber", 0, "x", at}}, false, "amber"},
      {"stopping", {HealthEntry{"mysql", "green", 1, "", at}}, false, "amber"},
      {"stopped", {HealthEntry{"mysql", "red", 0, "gone", at}}, false, "amber"},
  }));
  auto state = published_state();
  state.wpcom_circuit_open = row.circuit_open;
  INFO(row.lifecycle << " " << row.expected);
  CHECK(monitor_health_row(state, row.health, row.lifecycle, cfg, identity()).health_status == row.expected);
}

TEST_CASE("monitor heartbeat: out-of-range figures saturate instead of wrapping") {
  jetmon::config::Config cfg;
  cfg.dashboard_port = -1;
  auto state = published_state();
  state.bucket_max = 70000;
  state.active_checks = -5;
  const auto row = monitor_health_row(state, {}, "running", cfg, identity());
  CHECK(row.bucket_max == 65535);
  CHECK(row.active_checks == 0u);
  CHECK(row.dashboard_port == 0u);
}

TEST_CASE("monitor heartbeat: a host that owns no buckets writes NULL, not bucket 0") {
  jetmon::config::Config cfg;
  auto state = published_state();
  state.bucket_min = 0;
  state.bucket_max = -1;  // the empty range of a host left over after the buckets ran out
  const auto row = monitor_health_row(state, {}, "running", cfg, identity());
  CHECK_FALSE(row.bucket_min.has_value());
  CHECK_FALSE(row.bucket_max.has_value());
}

TEST_CASE("deliverer heartbeat: the row of an active or idle deliverer, health per §6.5") {
  const auto now = sys_days{2026y / 11 / 28} + 10h;
  const std::vector<HealthEntry> green{{"mysql", "green", 3, "", now}, {"statsd", "green", 0, "", now}};
  const std::vector<HealthEntry> red{{"mysql", "red", 2000, "timed out", now}, {"statsd", "green", 0, "", now}};
  const jetmon::metrics::MemoryFigures memory{41, 30, 52};
  struct Row {
    const char* name;
    std::vector<HealthEntry> health;
    const char* lifecycle;
    bool workers;
    const char* owner;
    const char* status;
  };
  const std::vector<Row> rows{
      {"active owner, green", green, "running", true, "web-1", "green"},
      {"active, owner unset → amber", green, "running", true, " ", "amber"},
      {"idle, green", green, "idle", false, "web-2", "green"},
      {"idle, owner unset stays green (no workers)", green, "idle", false, "", "green"},
      {"red probe", red, "running", true, "web-1", "red"},
      {"stopping is amber", green, "stopping", true, "web-1", "amber"},
      {"stopped is amber", red, "stopped", false, "web-2", "amber"},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    const auto row = jetmon::service::deliverer_health_row(r.health, r.lifecycle, r.workers, r.owner, identity(),
                                                           memory, now);
    CHECK(row.process_id == "web-1:deliverer");
    CHECK(row.process_type == "deliverer");
    CHECK(row.state == r.lifecycle);
    CHECK(row.health_status == r.status);
    CHECK(row.delivery_workers_enabled == r.workers);
    CHECK(row.delivery_owner_host == r.owner);
    CHECK(row.pid == 4242u);
    CHECK(row.version == "0.1.0");
    CHECK(row.go_version == "GNU 12.2.0");
    CHECK(row.started_at == identity().started_at);
    CHECK(row.updated_at == now);
    CHECK_FALSE(row.bucket_min.has_value());
    CHECK_FALSE(row.bucket_max.has_value());
    CHECK(row.bucket_ownership.empty());
    CHECK_FALSE(row.api_port.has_value());
    CHECK_FALSE(row.dashboard_port.has_value());
    CHECK(row.worker_count == 0u);
    CHECK(row.queue_depth == 0u);
    CHECK(row.wpcom_queue_depth == 0u);
    CHECK(row.go_sys_mem_mb == 41u);
    CHECK(row.rss_mem_mb == 52u);
    CHECK(row.dependency_health == r.health);
  }
}
