// The projection drift check under a running jetmon2 (monitor.md §3.1 step 3, §9.1): the first
// round counts the seeded drift before any check changes it, and StatsD hears the gauge and the
// detected counter.
#include <catch2/catch.hpp>

#include <signal.h>

#include "jetmon/db/connection.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"
#include "support/udp_sink.hpp"

using namespace jetmon::test;
using namespace std::chrono_literals;

TEST_CASE("service: each round counts projection drift in the owned buckets and reports it to StatsD", "[service]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  FixtureSite site;
  const auto add_site = [&](int blog, int status) {
    c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status) "
           "VALUES (?, ?, ?, 1, ?)",
           {blog, blog % 100, site.url("/b" + std::to_string(blog)), status});
  };
  const auto open_event = [&](int blog, const char* state) {
    c.exec("INSERT INTO jetmon_events (blog_id, check_type, severity, state) VALUES (?, 'http', 4, ?)",
           {blog, std::string(state)});
  };
  add_site(1, 1);
  open_event(1, "Down");        // expected 2
  add_site(2, 1);
  open_event(2, "Seems Down");  // expected 0
  add_site(3, 0);               // expected 1
  add_site(4, 2);
  open_event(4, "Down");        // consistent
  add_site(5, 1);               // consistent
  UdpSink statsd;
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"DASHBOARD_PORT":0,)"
                     R"("LEGACY_STATUS_PROJECTION_ENABLE":true,"WPCOM_NOTIFY_URL":"http://127.0.0.1:9/","STATSD_ADDR":")" +
                         statsd.address() + "\"}");
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  BackgroundProcess monitor({JETMON2_BIN}, env, dir.path() + "/monitor.log", dir.path());
  INFO(monitor.log());

  // The first round's check runs before its first fetch, so it sees exactly the seeded state.
  REQUIRE(eventually([&] { return statsd.drain().find(".projection.drift.count:") != std::string::npos; }, 30s));
  const std::string& seen = statsd.drain();
  const auto first = seen.find(".projection.drift.count:");
  CHECK(seen.substr(first, seen.find('\n', first) - first) == ".projection.drift.count:3|g");
  CHECK(seen.find(".projection.drift.detected.count:1|c\n") != std::string::npos);
  CHECK(seen.find(".projection.drift.check_error.count") == std::string::npos);
  REQUIRE(eventually([&] { return monitor.log().find("legacy projection drift detected count=3 buckets=") != std::string::npos; }, 10s));
  // Later rounds check again (the healthy sites recover their events meanwhile).
  REQUIRE(eventually([&] {
    const std::string& all = statsd.drain();
    std::size_t n = 0;
    for (auto at = all.find(".projection.drift.count:"); at != std::string::npos; at = all.find(".projection.drift.count:", at + 1)) ++n;
    return n >= 3;
  }, 30s));
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);
}
