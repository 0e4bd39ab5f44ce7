#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "jetmon/health/probes.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "support/process.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using namespace std::chrono;
using namespace std::chrono_literals;
using jetmon::health::HealthEntry;
using jetmon::health::HealthList;
namespace fs = std::filesystem;

namespace {

const system_clock::time_point kAt = sys_days{year{2026} / 4 / 30} + 10h + 42min + 15s + 200ms;

std::vector<std::string> names(const HealthList& list) {
  std::vector<std::string> out;
  for (const HealthEntry& e : list) out.push_back(e.name);
  return out;
}

std::size_t entries_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("health mysql probe: no pool, ping ok, ping failed") {
  using jetmon::health::probe_mysql;
  const HealthEntry none = probe_mysql({}, kAt);
  CHECK(none == HealthEntry{"mysql", "red", 0, "database pool is not initialized", kAt});

  const HealthEntry ok = probe_mysql([] { return std::optional<std::string>{}; }, kAt);
  CHECK(ok.name == "mysql");
  CHECK(ok.status == "green");
  CHECK(ok.last_error.empty());
  CHECK(ok.latency_ms >= 0);
  CHECK(ok.checked_at == kAt);

  const HealthEntry slow = probe_mysql(
      [] {
        std::this_thread::sleep_for(30ms);
        return std::optional<std::string>{"Lost connection to server during query"};
      },
      kAt);
  CHECK(slow.status == "red");
  CHECK(slow.last_error == "Lost connection to server during query");
  CHECK(slow.latency_ms >= 30);  // the time the ping took, whatever the outcome

  const HealthEntry thrown =
      probe_mysql([]() -> std::optional<std::string> { throw std::runtime_error("boom"); }, kAt);
  CHECK(thrown.status == "red");
  CHECK(thrown.last_error == "boom");
}

TEST_CASE("health wpcom probe follows the breaker and the queue") {
  using jetmon::health::WpcomFigures;
  struct Case {
    std::optional<WpcomFigures> figures;
    std::string status, error;
  };
  auto c = GENERATE(values<Case>({
      {std::nullopt, "red", "wpcom client is not initialized"},
      {WpcomFigures{true, 0}, "red", "circuit open, queued notifications=0"},
      {WpcomFigures{true, 7}, "red", "circuit open, queued notifications=7"},
      {WpcomFigures{false, 3}, "amber", "queued notifications=3"},
      {WpcomFigures{false, 0}, "green", ""},
  }));
  CHECK(jetmon::health::probe_wpcom(c.figures, kAt) == HealthEntry{"wpcom", c.status, 0, c.error, kAt});
  CHECK_FALSE(jetmon::health::wpcom_figures(nullptr).has_value());
}

TEST_CASE("health statsd probe: no client or an unresolved one is amber, a live one green") {
  using jetmon::health::probe_statsd;
  const HealthEntry amber{"statsd", "amber", 0, "statsd client is not initialized", kAt};
  CHECK(probe_statsd(nullptr, kAt) == amber);

  const jetmon::metrics::StatsdClient broken("no-port-here", "web-1");  // malformed: never created
  REQUIRE_FALSE(broken.available());
  CHECK(probe_statsd(&broken, kAt) == amber);

  const jetmon::metrics::StatsdClient live("127.0.0.1:8125", "web-1");
  REQUIRE(live.available());
  CHECK(probe_statsd(&live, kAt) == HealthEntry{"statsd", "green", 0, "", kAt});
}

TEST_CASE("health disk probe: a writable directory is green and left clean") {
  jetmon::test::TempDir tmp;
  const fs::path dir = fs::path(tmp.path()) / "logs";
  fs::create_directory(dir);
  const HealthEntry e = jetmon::health::probe_disk(dir, kAt);
  CHECK(e == HealthEntry{"disk:" + dir.string(), "green", 0, "", kAt});
  CHECK(entries_in(dir) == 0);  // the .jetmon-health-* file was removed
}

TEST_CASE("health disk probe is named after the directory as given") {
  jetmon::test::TempDir tmp;
  fs::create_directory(fs::path(tmp.path()) / "stats");
  const fs::path before = fs::current_path();
  fs::current_path(tmp.path());
  const HealthEntry stats = jetmon::health::probe_disk("stats", kAt);
  const HealthEntry logs = jetmon::health::probe_disk("logs", kAt);
  fs::current_path(before);
  CHECK(stats == HealthEntry{"disk:stats", "green", 0, "", kAt});
  CHECK(logs == HealthEntry{"disk:logs", "red", 0, "stat logs: No such file or directory", kAt});
}

TEST_CASE("health disk probe: missing, a file, an unwritable directory are red") {
  jetmon::test::TempDir tmp;
  const fs::path missing = fs::path(tmp.path()) / "nope";
  CHECK(jetmon::health::probe_disk(missing, kAt) ==
        HealthEntry{"disk:" + missing.string(), "red", 0,
                    "stat " + missing.string() + ": No such file or directory", kAt});

  const std::string file = tmp.write_file("logs", "not a directory\n");
  CHECK(jetmon::health::probe_disk(file, kAt) ==
        HealthEntry{"disk:" + file, "red", 0, file + " is not a directory", kAt});

  const fs::path ro = fs::path(tmp.path()) / "readonly";
  fs::create_directory(ro);
  // Permission bits do not stop root (CAP_DAC_OVERRIDE). As root the directory is made
  // immutable instead (chattr +i), which refuses root too; where the filesystem cannot do that
  // the case is skipped with a warning.
  bool restricted = false;
  bool immutable = false;
  if (::geteuid() == 0) {
    const auto r = jetmon::test::run_command({"/usr/bin/chattr", "+i", ro.string()});
    immutable = restricted = r.exit_code == 0;
    if (!restricted) WARN("running as root and chattr +i failed (" << r.err << "): read-only case skipped");
  } else {
    restricted = ::chmod(ro.c_str(), 0555) == 0;
  }
  if (restricted) {
    const HealthEntry e = jetmon::health::probe_disk(ro, kAt);
    CHECK(e.name == "disk:" + ro.string());
    CHECK(e.status == "red");
    const std::string prefix = "open " + (ro / ".jetmon-health-*").string() + ": ";
    CHECK(e.last_error.rfind(prefix, 0) == 0);
    CHECK(e.last_error.size() > prefix.size());
    INFO(e.last_error);
    CHECK(entries_in(ro) == 0);
  }
  if (immutable) jetmon::test::run_command({"/usr/bin/chattr", "-i", ro.string()});
  ::chmod(ro.c_str(), 0755);
}

TEST_CASE("health veriflier entries from status probes") {
  using jetmon::config::Verifier;
  using jetmon::veriflier::StatusProbe;
  Verifier named;
  named.name = "iad";
  named.host = "10.0.0.5";
  named.port = "7803";
  Verifier unnamed = named;
  unnamed.name = "";
  Verifier legacy_port = unnamed;
  legacy_port.port = "";
  legacy_port.grpc_port = "7804";

  CHECK(jetmon::health::veriflier_entry_name(named) == "veriflier:iad");
  CHECK(jetmon::health::veriflier_entry_name(unnamed) == "veriflier:10.0.0.5:7803");
  CHECK(jetmon::health::veriflier_entry_name(legacy_port) == "veriflier:10.0.0.5:7804");

  struct Case {
    StatusProbe probe;
    HealthEntry expected;
  };
  auto c = GENERATE_COPY(values<Case>({
      {StatusProbe{true, 200, "1.4.0", "", 8ms}, {"veriflier:iad (1.4.0)", "green", 8, "", kAt}},
      {StatusProbe{true, 200, "", "", 3ms}, {"veriflier:iad", "green", 3, "", kAt}},
      {StatusProbe{true, 200, "", "", 0ms}, {"veriflier:iad", "green", 0, "", kAt}},
      {StatusProbe{false, 500, "", "veriflier status returned 500", 12ms},
       {"veriflier:iad", "red", 12, "veriflier status returned 500", kAt}},
      {StatusProbe{false, 0, "1.4.0", "Couldn't connect to server", 1ms},
       {"veriflier:iad", "red", 1, "Couldn't connect to server", kAt}},
      {StatusProbe{false, 0, "", "host or port is not configured", 0ms},
       {"veriflier:iad", "red", 0, "host or port is not configured", kAt}},
  }));
  CHECK(jetmon::health::veriflier_entry(named, c.probe, kAt) == c.expected);
}

TEST_CASE("health veriflier probes: none configured is one amber entry") {
  CHECK(jetmon::health::probe_verifliers({}, kAt) ==
        HealthList{{"verifliers", "amber", 0, "no verifliers configured", kAt}});
}

TEST_CASE("health veriflier probes against a real Veriflier and broken ones") {
  using namespace jetmon::test;
  RunningVeriflier vf;
  CannedServer failing(CannedServer::http(500, "internal error", "text/plain"));
  CannedServer garbage("this is not HTTP at all\r\n\r\n");
  CannedServer no_version(CannedServer::http(200, R"({"status":"OK"})"));
  RefusingPort refused;
  jetmon::config::Verifier unnamed = vf.verifier("");
  jetmon::config::Verifier no_host;
  no_host.name = "nohost";
  no_host.port = "7803";

  const HealthList list = jetmon::health::probe_verifliers(
      {vf.verifier("local"), unnamed, verifier_at(failing.port(), "failing"),
       verifier_at(garbage.port(), "garbage"), verifier_at(no_version.port(), "plain"),
       verifier_at(refused.port(), "refused"), no_host},
      kAt);
  REQUIRE(list.size() == 7);
  const std::string port = std::to_string(vf.port());

  CHECK(list[0].name == std::string("veriflier:local (") + kTestVersion + ")");
  CHECK(list[0].status == "green");
  CHECK(list[0].last_error.empty());

  CHECK(list[1].name == "veriflier:127.0.0.1:" + port + " (" + kTestVersion + ")");
  CHECK(list[1].status == "green");

  CHECK(list[2].name == "veriflier:failing");
  CHECK(list[2].status == "red");
  CHECK(list[2].last_error == "veriflier status returned 500");

  CHECK(list[3].name == "veriflier:garbage");
  CHECK(list[3].status == "red");
  CHECK_FALSE(list[3].last_error.empty());

  CHECK(list[4] == HealthEntry{"veriflier:plain", "green", list[4].latency_ms, "", kAt});

  CHECK(list[5].name == "veriflier:refused");
  CHECK(list[5].status == "red");
  CHECK_FALSE(list[5].last_error.empty());

  CHECK(list[6] == HealthEntry{"veriflier:nohost", "red", 0, "host or port is not configured", kAt});

  for (const HealthEntry& e : list) {
    CHECK(e.checked_at == kAt);
    CHECK(e.latency_ms >= 0);
    CHECK(e.latency_ms < 10000);
  }
}

TEST_CASE("health monitor probes run in the fixed order with one timestamp") {
  jetmon::test::TempDir tmp;
  const fs::path logs = fs::path(tmp.path()) / "logs";
  const fs::path stats = fs::path(tmp.path()) / "stats";
  fs::create_directory(logs);
  fs::create_directory(stats);
  const jetmon::metrics::StatsdClient statsd("127.0.0.1:8125", "web-1");

  jetmon::health::MonitorProbeInputs in;
  in.mysql = [] { return std::optional<std::string>{}; };
  in.statsd = &statsd;
  in.logs_dir = logs;
  in.stats_dir = stats;
  in.clock = [] { return kAt; };

  SECTION("no verifliers") {
    const HealthList list = jetmon::health::probe_monitor_dependencies(in);
    CHECK(names(list) == std::vector<std::string>{"mysql", "wpcom", "statsd", "disk:" + logs.string(),
                                                  "disk:" + stats.string(), "verifliers"});
    CHECK(list[0].status == "green");
    CHECK(list[1] == HealthEntry{"wpcom", "red", 0, "wpcom client is not initialized", kAt});
    CHECK(list[2].status == "green");
    CHECK(list[3].status == "green");
    CHECK(list[4].status == "green");
    CHECK(list[5].status == "amber");
    for (const HealthEntry& e : list) CHECK(e.checked_at == kAt);
  }

  SECTION("each veriflier after the disks") {
    jetmon::test::RefusingPort refused;
    in.verifiers = {jetmon::test::verifier_at(refused.port(), "a"),
                    jetmon::test::verifier_at(refused.port(), "b")};
    in.mysql = {};
    in.statsd = nullptr;
    const HealthList list = jetmon::health::probe_monitor_dependencies(in);
    CHECK(names(list) == std::vector<std::string>{"mysql", "wpcom", "statsd", "disk:" + logs.string(),
                                                  "disk:" + stats.string(), "veriflier:a", "veriflier:b"});
    CHECK(list[0].last_error == "database pool is not initialized");
    CHECK(list[2].last_error == "statsd client is not initialized");
    CHECK(list[5].status == "red");
    CHECK(list[6].status == "red");
  }
}

TEST_CASE("health deliverer probes are mysql then statsd") {
  jetmon::health::DelivererProbeInputs in;
  in.clock = [] { return kAt; };
  CHECK(jetmon::health::probe_deliverer_dependencies(in) ==
        HealthList{{"mysql", "red", 0, "database pool is not initialized", kAt},
                   {"statsd", "amber", 0, "statsd client is not initialized", kAt}});
}
