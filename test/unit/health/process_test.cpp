#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "jetmon/common/build_info.hpp"
#include "jetmon/health/process.hpp"
#include "support/utc.hpp"

using namespace std::chrono;
using jetmon::test::utc;
using jetmon::health::HealthEntry;
using jetmon::health::HealthList;
using jetmon::health::ProcessHealthRow;

namespace {

HealthList statuses(std::initializer_list<const char*> list) {
  HealthList out;
  for (const char* s : list) out.push_back(HealthEntry{std::string("dep-") + s, s, 0, "", {}});
  return out;
}

ProcessHealthRow monitor_row() {
  ProcessHealthRow r;
  r.host_id = "web-1";
  r.process_type = "monitor";
  return r;
}

}  // namespace

TEST_CASE("health rollup: red wins, amber or unknown next, else green") {
  struct Case {
    HealthList entries;
    std::string expected;
  };
  auto c = GENERATE(values<Case>({
      {{}, "green"},
      {statuses({"green"}), "green"},
      {statuses({"green", "green"}), "green"},
      {statuses({"amber"}), "amber"},
      {statuses({"green", "amber"}), "amber"},
      {statuses({"red"}), "red"},
      {statuses({"amber", "red", "green"}), "red"},
      {statuses({"green", "purple"}), "amber"},  // unrecognized counts as amber
      {statuses({""}), "amber"},
      {statuses({"GREEN"}), "amber"},  // statuses are exact
      {statuses({"purple", "red"}), "red"},
  }));
  CHECK(jetmon::health::rollup(c.entries) == c.expected);
}

TEST_CASE("health status is amber while stopping or stopped") {
  struct Case {
    std::string state, status, expected;
  };
  auto c = GENERATE(values<Case>({
      {"running", "green", "green"},
      {"running", "red", "red"},
      {"idle", "green", "green"},
      {"stopping", "green", "amber"},
      {"stopping", "red", "amber"},
      {"stopped", "green", "amber"},
      {" stopped ", "red", "amber"},
      {"", "red", "red"},
  }));
  CHECK(jetmon::health::status_for_state(c.state, c.status) == c.expected);
}

TEST_CASE("health deliverer status: rollup, and amber for workers without an owner") {
  struct Case {
    HealthList probes;
    bool workers;
    std::string owner, expected;
  };
  auto c = GENERATE(values<Case>({
      {statuses({"green", "green"}), false, "", "green"},
      {statuses({"green", "green"}), true, "deliverer-01", "green"},
      {statuses({"green", "green"}), true, "", "amber"},
      {statuses({"green", "green"}), true, "  ", "amber"},
      {statuses({"red", "green"}), true, "", "red"},
      {statuses({"green", "amber"}), false, "x", "amber"},
      {{}, true, "", "amber"},
      {{}, false, "", "green"},
  }));
  CHECK(jetmon::health::deliverer_status(c.probes, c.workers, c.owner) == c.expected);
}

TEST_CASE("health process id is host:type, trimmed") {
  CHECK(jetmon::health::process_id("web-1", "monitor") == "web-1:monitor");
  CHECK(jetmon::health::process_id("  web-1\t", " deliverer ") == "web-1:deliverer");
  CHECK(jetmon::health::process_id("web-1", jetmon::health::kProcessDeliverer) == "web-1:deliverer");
}

TEST_CASE("health build identity comes from build_info with dev/unknown defaults") {
  using jetmon::BuildInfo;
  using jetmon::health::BuildIdentity;
  struct Case {
    BuildInfo info;
    BuildIdentity expected;
  };
  const std::string long_text(80, 'x');
  auto c = GENERATE_COPY(values<Case>({
      {{"0.1.0", "abc123", "v0.1.0", "2026-04-30T10:00:00Z", "GNU 12.2.0"},
       {"0.1.0", "2026-04-30T10:00:00Z", "GNU 12.2.0"}},
      {{"", "", "", "", ""}, {"dev", "unknown", "unknown"}},
      {{"  ", "x", "", " ", "\t"}, {"dev", "unknown", "unknown"}},
      {{long_text, "", "", long_text, long_text},
       {std::string(64, 'x'), std::string(64, 'x'), std::string(64, 'x')}},
  }));
  CHECK(jetmon::health::build_identity_from(c.info) == c.expected);
}

TEST_CASE("health build identity of this build is filled") {
  const auto id = jetmon::health::build_identity();
  CHECK(id.version == jetmon::build_info().version);
  CHECK(id.build_date == jetmon::build_info().date);
  CHECK(id.toolchain == jetmon::build_info().compiler);
  CHECK_FALSE(id.toolchain.empty());
}

TEST_CASE("health count columns saturate to the INT UNSIGNED range") {
  using jetmon::health::to_column_count;
  CHECK(to_column_count(-5) == 0u);
  CHECK(to_column_count(0) == 0u);
  CHECK(to_column_count(42) == 42u);
  CHECK(to_column_count(4294967295LL) == 4294967295u);
  CHECK(to_column_count(std::numeric_limits<std::int64_t>::max()) == 4294967295u);
}

TEST_CASE("health row validation: required fields and exact error texts") {
  struct Case {
    std::string host, type, id, state, health;
    std::string error;
  };
  auto c = GENERATE(values<Case>({
      {"", "monitor", "", "", "", "host id is required"},
      {"  \t", "monitor", "", "", "", "host id is required"},
      {"web-1", "", "", "", "", "process type is required"},
      {"web-1", "   ", "x:y", "", "", "process type is required"},
      {"", "", "", "bogus", "bogus", "host id is required"},  // first failure wins
      {"web-1", "monitor", "", "starting", "", R"(invalid process state "starting")"},
      {"web-1", "monitor", "", "Running", "", R"(invalid process state "Running")"},
      {"web-1", "monitor", "", " weird\"one ", "", R"(invalid process state "weird\"one")"},
      {"web-1", "monitor", "", "stopped", "grey", R"(invalid health status "grey")"},
      {"web-1", "monitor", "", "bogus", "grey", R"(invalid process state "bogus")"},
      {"web-1", "monitor", "", "running", "green", ""},
      {"web-1", "monitor", "", "idle", "amber", ""},
      {"web-1", "monitor", "", "stopping", "red", ""},
      {"web-1", "monitor", "", " stopped ", " amber ", ""},
  }));
  ProcessHealthRow row;
  row.host_id = c.host;
  row.process_type = c.type;
  row.process_id = c.id;
  row.state = c.state;
  row.health_status = c.health;
  const auto v = jetmon::health::validate_row(row, utc(2026, 4, 30, 10, 0, 0));
  CHECK(v.error == c.error);
  CHECK(v.ok() == c.error.empty());
}

TEST_CASE("health row validation normalizes a valid row") {
  const auto now = utc(2026, 4, 30, 10, 42, 15) + 512ms;

  SECTION("trimmed identity, derived id, running, rollup, zero times become now") {
    ProcessHealthRow row;
    row.host_id = "  web-1 ";
    row.process_type = "\tmonitor\n";
    row.dependency_health = statuses({"green", "amber"});
    const auto v = jetmon::health::validate_row(row, now);
    REQUIRE(v.ok());
    CHECK(v.row.host_id == "web-1");
    CHECK(v.row.process_type == "monitor");
    CHECK(v.row.process_id == "web-1:monitor");
    CHECK(v.row.state == "running");
    CHECK(v.row.health_status == "amber");
    CHECK(v.row.started_at == now);
    CHECK(v.row.updated_at == now);
    CHECK(v.row.dependency_health == row.dependency_health);
  }

  SECTION("blank health is the rollup of the dependency list") {
    struct Case {
      HealthList deps;
      std::string health;
    };
    auto c = GENERATE(values<Case>({
        {{}, "green"}, {statuses({"green"}), "green"}, {statuses({"red", "amber"}), "red"},
        {statuses({"unknown"}), "amber"}}));
    ProcessHealthRow row = monitor_row();
    row.dependency_health = c.deps;
    row.health_status = "  ";
    const auto v = jetmon::health::validate_row(row, now);
    REQUIRE(v.ok());
    CHECK(v.row.health_status == c.health);
  }

  SECTION("a given id, state, health and times are kept") {
    ProcessHealthRow row = monitor_row();
    row.process_id = " custom:id ";
    row.state = "stopping";
    row.health_status = "green";
    row.dependency_health = statuses({"red"});  // the explicit health wins over the rollup
    row.started_at = utc(2026, 1, 2, 3, 4, 5);
    row.updated_at = utc(2026, 4, 30, 10, 0, 0);
    row.bucket_min = 0;
    row.bucket_max = 99;
    row.pid = 4121;
    const auto v = jetmon::health::validate_row(row, now);
    REQUIRE(v.ok());
    CHECK(v.row.process_id == "custom:id");
    CHECK(v.row.state == "stopping");
    CHECK(v.row.health_status == "green");
    CHECK(v.row.started_at == utc(2026, 1, 2, 3, 4, 5));
    CHECK(v.row.updated_at == utc(2026, 4, 30, 10, 0, 0));
    CHECK(v.row.bucket_min == std::optional<std::uint16_t>(0));
    CHECK(v.row.bucket_max == std::optional<std::uint16_t>(99));
    CHECK(v.row.pid == 4121u);
  }

  SECTION("only started_at zero") {
    ProcessHealthRow row = monitor_row();
    row.updated_at = utc(2026, 4, 30, 9, 0, 0);
    const auto v = jetmon::health::validate_row(row, now);
    REQUIRE(v.ok());
    CHECK(v.row.started_at == now);
    CHECK(v.row.updated_at == utc(2026, 4, 30, 9, 0, 0));
  }
}

TEST_CASE("health freshness: grace default, whole-second ages, stale only past the grace") {
  using jetmon::health::effective_grace_sec;
  using jetmon::health::heartbeat_age_sec;
  using jetmon::health::is_active_process;
  using jetmon::health::is_stale;
  CHECK(effective_grace_sec(0) == 600);
  CHECK(effective_grace_sec(-5) == 600);
  CHECK(effective_grace_sec(90) == 90);

  const auto now = utc(2026, 4, 29, 12, 0, 0) + milliseconds(700);
  CHECK(heartbeat_age_sec(now - seconds(42), now) == 42);
  CHECK(heartbeat_age_sec(now - milliseconds(1500), now) == 1);
  CHECK(heartbeat_age_sec(now + seconds(5), now) == 0);  // a clock ahead reads 0, never negative
  CHECK_FALSE(is_stale(600, 600));
  CHECK(is_stale(601, 600));

  struct Case {
    const char* state;
    int age;
    bool active;
  };
  const Case cases[] = {
      {"running", 0, true},   {"idle", 600, true},     {"running", 601, false},
      {"starting", 10, true}, {"stopping", 10, false}, {" stopped ", 10, false},
      {"weird", 10, true},    {"stopped", 900, false},
  };
  for (const Case& c : cases) {
    INFO(c.state << " age " << c.age);
    CHECK(is_active_process(c.state, now - seconds(c.age), now, 600) == c.active);
  }
}
