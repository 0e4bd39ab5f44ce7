// A database outage in the middle of a round, against a monitor with its own throwaway MariaDB
// (the shared ctest server is never stopped): checks go on while the server is down, the result
// writer retries in order when it returns, and every check served by the site ends up as exactly
// one history row.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <map>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/private_mariadb.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using namespace jetmon::test;
using namespace std::chrono_literals;

namespace {

// Requests the fixture served, per path.
std::map<std::string, std::int64_t> served(const FixtureSite& site) {
  std::map<std::string, std::int64_t> counts;
  for (const std::string& path : site.request_paths()) ++counts[path];
  return counts;
}

std::int64_t total(const std::map<std::string, std::int64_t>& counts) {
  std::int64_t n = 0;
  for (const auto& [path, count] : counts) n += count;
  return n;
}

}  // namespace

TEST_CASE("service: a database outage mid-round loses no result and writes none twice", "[service][outage]") {
  TempDir dir;
  PrivateMariaDb server(dir.path() + "/db");
  auto c = server.connect();
  jetmon::db::run_migrations(c, jetmon::db::embedded_migrations(), [](std::string_view) {});
  // Each check takes 1.5 s, 2 at a time: a round of 12 sites lasts about 9 s, longer than the
  // server takes to shut down.
  SiteBehaviour slow;
  slow.body = "ok";
  slow.header_delay = 1500ms;
  FixtureSite site(slow);
  constexpr int kSites = 12;
  for (int i = 0; i < kSites; ++i) {
    c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)",
           {700 + i, i, site.url("/o" + std::to_string(i))});
  }
  const std::string config = dir.write_file(
      "config.json", R"({"AUTH_TOKEN":"t","NUM_WORKERS":2,"MIN_TIME_BETWEEN_ROUNDS_SEC":1,"DASHBOARD_PORT":0,)"
                     R"("STATSD_ADDR":"127.0.0.1:9","WPCOM_NOTIFY_URL":"http://127.0.0.1:9/"})");
  auto env = server.env();
  env["JETMON_CONFIG"] = config;
  env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
  std::filesystem::create_directories(dir.path() + "/stats");
  BackgroundProcess monitor({JETMON2_BIN}, env, dir.path() + "/monitor.log", dir.path());
  const auto require = [&](bool ok, const char* what) {
    if (!ok) FAIL(what << "\n--- monitor log ---\n" << monitor.log());
  };
  const auto history = [&](jetmon::db::Connection& conn) { return query_int(conn, "SELECT COUNT(*) FROM jetmon_check_history"); };

  // Mid-round: the first results are written, most of the round's checks are still to run.
  require(eventually([&] { return history(c) >= 2; }, 30s), "first results written");
  const auto before_halt = total(served(site));
  REQUIRE(before_halt <= kSites - 4);
  server.halt();
  // The round's checks go on while the database is down: all of them are served and the round
  // completes, with the writer failing meanwhile.
  require(eventually([&] { return total(served(site)) == kSites && monitor.log().find("round 1 done after checking 12 sites (12 due)") != std::string::npos; }, 30s),
          "checks go on during the outage");
  CHECK(monitor.log().find("WARN result writer: batch of ") < monitor.log().find("round 1 done"));
  CHECK(monitor.running());
  server.resume();

  auto c2 = server.connect();
  // Later rounds run again: every site is checked at least twice more after the outage.
  require(eventually([&] {
    return query_int(c2, "SELECT MIN(n) FROM (SELECT COUNT(*) AS n FROM jetmon_check_history GROUP BY blog_id) t") >= 3 &&
           query_int(c2, "SELECT COUNT(DISTINCT blog_id) FROM jetmon_check_history") == kSites;
  }, 90s), "rounds after the outage");
  // Stop new checks, then wait until every check the site served is written.
  c2.exec("UPDATE jetpack_monitor_sites SET monitor_active = 0");
  require(eventually([&] { return site.open_connections() == 0 && history(c2) == total(served(site)); }, 60s),
          "every served check written");
  monitor.signal(SIGTERM);
  CHECK(monitor.wait(35s) == 0);

  // One history row per check served, site by site: nothing lost, nothing written twice.
  const auto counts = served(site);
  REQUIRE(total(counts) < 256);  // request_heads keeps the last 256
  for (int i = 0; i < kSites; ++i) {
    INFO("blog " << 700 + i);
    CHECK(query_int(c2, "SELECT COUNT(*) FROM jetmon_check_history WHERE blog_id = " + std::to_string(700 + i)) ==
          counts.at("/o" + std::to_string(i)));
  }
  // Written in order: per blog, later rows never carry an earlier check time.
  CHECK(query_int(c2, "SELECT COUNT(*) FROM jetmon_check_history a JOIN jetmon_check_history b "
                      "ON a.blog_id = b.blog_id AND a.id < b.id AND a.checked_at > b.checked_at") == 0);
  CHECK(query_int(c2, "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE last_checked_at IS NULL") == 0);
}
