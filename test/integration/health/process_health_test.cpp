#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "jetmon/db/migrations.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/health/probes.hpp"
#include "jetmon/health/writer.hpp"
#include "support/test_db.hpp"
#include "support/utc.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using namespace std::chrono;
using jetmon::test::utc;
using namespace std::chrono_literals;
using jetmon::db::DateTime;
using jetmon::db::Row;
using jetmon::health::HealthEntry;
using jetmon::health::ProcessHealthRow;
using jetmon::health::ProcessHealthWriter;
using jetmon::test::TestDatabase;

namespace {

void migrate(TestDatabase& tdb) {
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
}

std::optional<Row> read_row(TestDatabase& tdb, const std::string& id) {
  return tdb.connection().query_one("SELECT * FROM jetmon_process_health WHERE process_id = ?", {id});
}

std::int64_t row_count(TestDatabase& tdb) {
  return jetmon::test::query_int(tdb.connection(), "SELECT COUNT(*) FROM jetmon_process_health");
}

// The identity columns both process types fill.
ProcessHealthRow row_of(std::string type, std::uint32_t pid) {
  ProcessHealthRow r;
  r.host_id = "web-1";
  r.process_type = std::move(type);
  r.pid = pid;
  r.version = "0.1.0";
  r.build_date = "2026-04-30T10:00:00Z";
  r.go_version = "GNU 12.2.0";
  return r;
}

ProcessHealthRow monitor_row() {
  ProcessHealthRow r = row_of("monitor", 4121);
  r.state = "running";
  r.health_status = "amber";
  r.started_at = utc(2026, 4, 30, 9, 0, 0);
  r.updated_at = utc(2026, 4, 30, 10, 42, 15) + 700ms;  // stored truncated to the second
  r.bucket_min = 0;
  r.bucket_max = 99;
  r.bucket_ownership = "pinned range=0-99";
  r.api_port = 0;
  r.dashboard_port = 8080;
  r.delivery_workers_enabled = true;
  r.delivery_owner_host = "deliverer-01";
  r.worker_count = 60;
  r.active_checks = 3;
  r.queue_depth = 12;
  r.retry_queue_size = 1;
  r.wpcom_circuit_open = true;
  r.wpcom_queue_depth = 7;
  r.go_sys_mem_mb = 91;
  r.rss_mem_mb = 104;
  r.dependency_health = {
      {"mysql", "green", 2, "", utc(2026, 4, 30, 10, 42, 15) + 200ms},
      {"statsd", "amber", 0, "statsd client is not initialized", utc(2026, 4, 30, 10, 42, 15)}};
  return r;
}

ProcessHealthRow deliverer_row() {
  ProcessHealthRow r = row_of("deliverer", 77);
  r.state = "idle";
  r.started_at = utc(2026, 4, 30, 9, 30, 0);
  r.updated_at = utc(2026, 4, 30, 10, 0, 0);
  r.delivery_owner_host = "other-host";
  r.go_sys_mem_mb = 5;
  r.rss_mem_mb = 9;
  return r;
}

// A loopback port that completes TCP handshakes (the kernel's backlog) but never says a word:
// a database that hangs.
class SilentPort {
 public:
  SilentPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr = jetmon::test::loopback(0);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd_.get(), 16) != 0) {
      throw std::runtime_error("silent port: bind/listen failed");
    }
    socklen_t len = sizeof(addr);
    getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  unsigned port() const { return static_cast<unsigned>(port_); }

 private:
  jetmon::test::Fd fd_;
  int port_ = 0;
};

DateTime dt(system_clock::time_point t) { return DateTime::from(floor<seconds>(t)); }

// Every column of the row against what was written.
void check_row(const Row& row, const ProcessHealthRow& w) {
  CHECK(row.get_string("process_id") == w.host_id + ":" + w.process_type);
  CHECK(row.get_string("host_id") == w.host_id);
  CHECK(row.get_string("process_type") == w.process_type);
  CHECK(row.get_uint64("pid") == w.pid);
  CHECK(row.get_string("version") == w.version);
  CHECK(row.get_string("build_date") == w.build_date);
  CHECK(row.get_string("go_version") == w.go_version);
  CHECK(row.get_string("state") == w.state);
  CHECK(row.get_string("health_status") == w.health_status);
  CHECK(row.get_datetime("started_at") == dt(w.started_at));
  CHECK(row.get_datetime("updated_at") == dt(w.updated_at));
  CHECK(row.get_uint64("bucket_min") == w.bucket_min);
  CHECK(row.get_uint64("bucket_max") == w.bucket_max);
  CHECK(row.get_string("bucket_ownership") == w.bucket_ownership);
  CHECK(row.get_uint64("api_port") == w.api_port);
  CHECK(row.get_uint64("dashboard_port") == w.dashboard_port);
  CHECK(row.get_uint64("delivery_workers_enabled") == (w.delivery_workers_enabled ? 1u : 0u));
  CHECK(row.get_string("delivery_owner_host") == w.delivery_owner_host);
  CHECK(row.get_uint64("worker_count") == w.worker_count);
  CHECK(row.get_uint64("active_checks") == w.active_checks);
  CHECK(row.get_uint64("queue_depth") == w.queue_depth);
  CHECK(row.get_uint64("retry_queue_size") == w.retry_queue_size);
  CHECK(row.get_uint64("wpcom_circuit_open") == (w.wpcom_circuit_open ? 1u : 0u));
  CHECK(row.get_uint64("wpcom_queue_depth") == w.wpcom_queue_depth);
  CHECK(row.get_uint64("go_sys_mem_mb") == w.go_sys_mem_mb);
  CHECK(row.get_uint64("rss_mem_mb") == w.rss_mem_mb);
  CHECK(row.get_string("dependency_health") == jetmon::health::health_list_json(w.dependency_health));
  CHECK_FALSE(row.is_null("created_at"));
  CHECK(row.size() == 28);  // the 27 written columns + created_at: no column is left unchecked
}

}  // namespace

TEST_CASE("health writer: a monitor heartbeat stores every column as written") {
  TestDatabase tdb;
  migrate(tdb);
  ProcessHealthWriter writer(tdb.options());
  const ProcessHealthRow w = monitor_row();
  REQUIRE(writer.heartbeat(w) == std::nullopt);
  const auto row = read_row(tdb, "web-1:monitor");
  REQUIRE(row);
  check_row(*row, w);
  CHECK(row->get_string("dependency_health") ==
        R"([{"name":"mysql","status":"green","latency_ms":2,"checked_at":"2026-04-30T10:42:15.2Z"},)"
        R"({"name":"statsd","status":"amber","last_error":"statsd client is not initialized","checked_at":"2026-04-30T10:42:15Z"}])");
}

TEST_CASE("health writer: the deliverer shape leaves buckets and ports NULL") {
  TestDatabase tdb;
  migrate(tdb);
  ProcessHealthWriter writer(tdb.options());
  ProcessHealthRow w = deliverer_row();
  REQUIRE(writer.heartbeat(w) == std::nullopt);
  const auto row = read_row(tdb, "web-1:deliverer");
  REQUIRE(row);
  w.health_status = "green";  // blank → rollup of an empty list
  check_row(*row, w);
  CHECK(row->is_null("bucket_min"));
  CHECK(row->is_null("bucket_max"));
  CHECK(row->is_null("api_port"));
  CHECK(row->is_null("dashboard_port"));
  CHECK(row->get_string("bucket_ownership") == "");
  CHECK(row->get_string("dependency_health") == "[]");
}

TEST_CASE("health writer: a second heartbeat overwrites everything but created_at") {
  TestDatabase tdb;
  migrate(tdb);
  ProcessHealthWriter writer(tdb.options());
  REQUIRE(writer.heartbeat(monitor_row()) == std::nullopt);
  tdb.connection().execute(
      "UPDATE jetmon_process_health SET created_at = '2020-01-02 03:04:05' WHERE process_id = 'web-1:monitor'");

  // The same process id with every other column changed, optional columns now absent.
  ProcessHealthRow w = deliverer_row();
  w.process_type = "monitor";
  w.state = "stopping";
  w.health_status = "red";
  w.dependency_health = {{"mysql", "red", 2001, "timed out after 2000 ms", utc(2026, 4, 30, 11, 0, 0)}};
  REQUIRE(writer.heartbeat(w) == std::nullopt);
  const auto row = read_row(tdb, "web-1:monitor");
  REQUIRE(row);
  check_row(*row, w);
  CHECK(row->get_datetime("created_at") == DateTime::from_civil(2020, 1, 2, 3, 4, 5));
  CHECK(row_count(tdb) == 1);
}

TEST_CASE("health writer: stop keeps the last heartbeat and sets stopped amber") {
  TestDatabase tdb;
  migrate(tdb);
  ProcessHealthWriter writer(tdb.options());
  const ProcessHealthRow w = monitor_row();
  REQUIRE(writer.heartbeat(w) == std::nullopt);
  REQUIRE(writer.heartbeat(deliverer_row()) == std::nullopt);

  const auto stop_at = utc(2026, 4, 30, 10, 50, 0) + 250ms;
  REQUIRE(writer.mark_stopped(" web-1:monitor ", stop_at) == std::nullopt);
  const auto row = read_row(tdb, "web-1:monitor");
  REQUIRE(row);
  ProcessHealthRow expected = w;
  expected.state = "stopped";
  expected.health_status = "amber";
  expected.updated_at = stop_at;
  check_row(*row, expected);

  // The other process's row is untouched.
  const auto other = read_row(tdb, "web-1:deliverer");
  REQUIRE(other);
  CHECK(other->get_string("state") == "idle");

  // Marking an id that has no row changes nothing and is not an error.
  CHECK(writer.mark_stopped("ghost:monitor") == std::nullopt);
  CHECK(row_count(tdb) == 2);
  CHECK(writer.mark_stopped("   ") == std::optional<std::string>("process id is required"));
}

TEST_CASE("health writer: invalid rows write nothing") {
  TestDatabase tdb;
  migrate(tdb);
  ProcessHealthWriter writer(tdb.options());
  ProcessHealthRow bad_state = monitor_row();
  bad_state.state = "starting";
  CHECK(writer.heartbeat(bad_state) == std::optional<std::string>(R"(invalid process state "starting")"));
  ProcessHealthRow bad_health = monitor_row();
  bad_health.health_status = "blue";
  CHECK(writer.heartbeat(bad_health) == std::optional<std::string>(R"(invalid health status "blue")"));
  ProcessHealthRow no_host = monitor_row();
  no_host.host_id = " ";
  CHECK(writer.heartbeat(no_host) == std::optional<std::string>("host id is required"));
  ProcessHealthRow no_type = monitor_row();
  no_type.process_type.clear();
  CHECK(writer.heartbeat(no_type) == std::optional<std::string>("process type is required"));
  CHECK(row_count(tdb) == 0);

  // A valid row after those still goes through (nothing was left half-done).
  CHECK(writer.heartbeat(monitor_row()) == std::nullopt);
  CHECK(row_count(tdb) == 1);
}

TEST_CASE("health writer: blank state and health and zero times are filled before writing") {
  TestDatabase tdb;
  migrate(tdb);
  ProcessHealthWriter writer(tdb.options());
  ProcessHealthRow w = monitor_row();
  w.state.clear();
  w.health_status.clear();
  w.started_at = {};
  w.updated_at = {};
  const auto now = utc(2026, 4, 30, 12, 0, 0);
  REQUIRE(writer.heartbeat(w, now) == std::nullopt);
  const auto row = read_row(tdb, "web-1:monitor");
  REQUIRE(row);
  CHECK(row->get_string("state") == "running");
  CHECK(row->get_string("health_status") == "amber");  // rollup of green + amber
  CHECK(row->get_datetime("started_at") == dt(now));
  CHECK(row->get_datetime("updated_at") == dt(now));
}

TEST_CASE("health writer: an unreachable database returns an error and never throws") {
  jetmon::test::RefusingPort refused;
  jetmon::db::ConnectOptions options;
  options.host = "127.0.0.1";
  options.port = static_cast<unsigned>(refused.port());
  ProcessHealthWriter writer(options);
  CHECK(writer.connect_options().connect_timeout == 2s);
  CHECK(writer.connect_options().read_timeout == 2s);
  CHECK(writer.connect_options().write_timeout == 2s);
  const auto err = writer.heartbeat(monitor_row());
  REQUIRE(err);
  INFO(*err);
  CHECK(err->find("cannot connect") != std::string::npos);
  CHECK(writer.mark_stopped("web-1:monitor").has_value());
  // Validation still comes first.
  ProcessHealthRow bad = monitor_row();
  bad.state = "nope";
  CHECK(writer.heartbeat(bad) == std::optional<std::string>(R"(invalid process state "nope")"));
}

TEST_CASE("health writer: a database that never answers gives an error, not a hang") {
  SilentPort silent;
  jetmon::db::ConnectOptions options;
  options.host = "127.0.0.1";
  options.port = silent.port();
  ProcessHealthWriter writer(options);
  // Whether the bound or the 2 s socket timeouts end the first call, it returns with an error;
  // the second one either times out behind the first or fails on its own.
  const auto first = writer.heartbeat(monitor_row());
  REQUIRE(first);
  INFO(*first);
  const auto second = writer.mark_stopped("web-1:monitor");
  REQUIRE(second);
  INFO(*second);
}

TEST_CASE("health writer: reconnects after the server dropped its connection") {
  TestDatabase tdb;
  migrate(tdb);
  ProcessHealthWriter writer(tdb.options());
  REQUIRE(writer.heartbeat(monitor_row()) == std::nullopt);
  // Kill every session of the writer's user on this database except ours: the writer's kept
  // connection is gone, as after a server restart.
  const auto own = tdb.connection().server_thread_id();
  for (const Row& r : tdb.connection().query(
           "SELECT id FROM information_schema.PROCESSLIST WHERE db = ? AND id <> ?",
           {tdb.name(), own})) {
    tdb.connection().execute("KILL CONNECTION " + std::to_string(*r.get_uint64(0)));
  }
  ProcessHealthRow w = monitor_row();
  w.state = "stopping";
  REQUIRE(writer.heartbeat(w) == std::nullopt);
  const auto row = read_row(tdb, "web-1:monitor");
  REQUIRE(row);
  CHECK(row->get_string("state") == "stopping");
}

TEST_CASE("health mysql probe: the pool pinger against the test database and a closed port") {
  TestDatabase tdb;
  jetmon::db::Pool pool(tdb.options());
  jetmon::health::PoolPinger pinger(pool);
  const auto at = utc(2026, 4, 30, 10, 0, 0);
  const HealthEntry up = jetmon::health::probe_mysql(pinger.function(), at);
  CHECK(up.name == "mysql");
  CHECK(up.status == "green");
  CHECK(up.last_error.empty());
  CHECK(up.latency_ms >= 0);
  CHECK(up.checked_at == at);
  // Twice: the second ping reuses the pooled connection.
  CHECK(jetmon::health::probe_mysql(pinger.function(), at).status == "green");

  jetmon::test::RefusingPort refused;
  jetmon::db::ConnectOptions closed = tdb.options();
  closed.host = "127.0.0.1";
  closed.unix_socket.clear();
  closed.port = static_cast<unsigned>(refused.port());
  jetmon::db::Pool dead_pool(closed);
  jetmon::health::PoolPinger dead(dead_pool);
  const HealthEntry down = jetmon::health::probe_mysql(dead.function(), at);
  CHECK(down.status == "red");
  INFO(down.last_error);
  CHECK(down.last_error.find("cannot connect") != std::string::npos);
  CHECK(down.latency_ms >= 0);

  // A database that accepts connections and never answers: red, whatever ends the wait.
  SilentPort silent;
  jetmon::db::ConnectOptions hung = closed;
  hung.port = silent.port();
  hung.connect_timeout = 4s;
  jetmon::db::Pool hung_pool(hung);
  {
    jetmon::health::PoolPinger stuck(hung_pool);
    const HealthEntry e = jetmon::health::probe_mysql(stuck.function(), at);
    CHECK(e.status == "red");
    INFO(e.last_error);
    CHECK_FALSE(e.last_error.empty());
  }

  jetmon::health::DelivererProbeInputs in;
  in.mysql = pinger.function();
  in.clock = [at] { return at; };
  const auto list = jetmon::health::probe_deliverer_dependencies(in);
  REQUIRE(list.size() == 2);
  CHECK(list[0].name == "mysql");
  CHECK(list[0].status == "green");
  CHECK(list[1].name == "statsd");
}
