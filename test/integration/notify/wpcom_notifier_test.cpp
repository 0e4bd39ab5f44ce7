#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/http_receiver.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "jetmon/notify/wpcom.hpp"
#include "support/test_db.hpp"

using namespace std::chrono_literals;
using jetmon::db::Connection;
using jetmon::db::DateTime;
using jetmon::metrics::RecordingSink;
using jetmon::notify::CheckEntry;
using jetmon::notify::Notice;
using jetmon::notify::NotifierOptions;
using jetmon::notify::WpcomNotifier;
using jetmon::test::TestDatabase;
using jetmon::test::HttpReceiver;

namespace {

constexpr const char* kHost = "jetmon-test-host";
constexpr const char* kToken = "test-token-123";

// A migrated test database with monitored sites for blogs 1..n.
struct Fixture {
  TestDatabase tdb;
  jetmon::db::Pool pool;
  RecordingSink sink;

  explicit Fixture(int sites = 10) : pool(tdb.options()) {
    jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
    auto ins = tdb.connection().prepare(
        "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, 0, ?, 1)");
    for (int i = 1; i <= sites; ++i) ins.execute({i, "https://site" + std::to_string(i) + ".example/"});
  }

  Connection& db() { return tdb.connection(); }

  NotifierOptions options(const HttpReceiver& stub) const {
    NotifierOptions o;
    o.url = stub.url();
    o.auth_token = kToken;
    o.host_id = kHost;
    o.request_timeout = 5s;
    return o;
  }

  std::optional<DateTime> last_alert_sent_at(int blog_id) {
    auto row = db().query_one("SELECT last_alert_sent_at FROM jetpack_monitor_sites WHERE blog_id = ?", {blog_id});
    REQUIRE(row.has_value());
    return row->get_datetime(0);
  }

  // "event_type|source|detail|blog_id|event_id|metadata" for every audit row, in id order.
  std::vector<std::string> audit_rows() {
    std::vector<std::string> out;
    for (const auto& r : db().query(
             "SELECT event_type, source, COALESCE(detail, 'NULL'), COALESCE(blog_id, 0), COALESCE(event_id, 0),"
             " COALESCE(metadata, 'NULL') FROM jetmon_audit_log ORDER BY id"))
      out.push_back(*r.get_string(0) + "|" + *r.get_string(1) + "|" + *r.get_string(2) + "|" +
                    std::to_string(*r.get_int64(3)) + "|" + std::to_string(*r.get_int64(4)) + "|" +
                    *r.get_string(5));
    return out;
  }

  // "blog_id:state:attempts" for every outbox row, in id order.
  std::vector<std::string> outbox_rows() {
    std::vector<std::string> out;
    for (const auto& r : db().query("SELECT blog_id, state, attempts FROM jetmon_wpcom_outbox ORDER BY id"))
      out.push_back(std::to_string(*r.get_int64(0)) + ":" + *r.get_string(1) + ":" +
                    std::to_string(*r.get_int64(2)));
    return out;
  }
};

std::chrono::system_clock::time_point at(int second) {
  using namespace std::chrono;
  return sys_days{year{2026} / 4 / 30} + hours{10} + minutes{42} + seconds{second};
}

Notice down(std::uint64_t blog_id, int second = 0) {
  Notice n;
  n.blog_id = blog_id;
  n.monitor_url = "https://site" + std::to_string(blog_id) + ".example/";
  n.status_id = jetmon::notify::kStatusConfirmedDown;
  n.last_check = at(second);
  n.last_status_change = at(second + 5);
  n.status_type = "server";
  n.local = CheckEntry{kHost, false, 1200, 503};
  n.verifliers = {CheckEntry{"veriflier-eu", false, 900, 503}};
  return n;
}

Notice recovery(std::uint64_t blog_id, int second = 0) {
  Notice n = down(blog_id, second);
  n.status_id = jetmon::notify::kStatusRunning;
  n.status_type = "success";
  n.local = CheckEntry{kHost, true, 80, 200};
  return n;
}

std::vector<std::string> payloads(const std::vector<Notice>& notices) {
  std::vector<std::string> out;
  for (const auto& n : notices) out.push_back(jetmon::notify::build_payload(n));
  return out;
}

}  // namespace

TEST_CASE("notify: a delivered notice sets last_alert_sent_at and writes wpcom_sent") {
  Fixture f;
  HttpReceiver stub("/wpcom/v2/jetpack-monitor/status-change");
  WpcomNotifier notifier(f.pool, f.sink, f.options(stub));
  const Notice n = down(3);

  const auto before = DateTime::from(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  notifier.submit(n);
  REQUIRE(notifier.pump());
  const auto after = DateTime::now();

  // The exact request.
  const auto requests = stub.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].path == "/wpcom/v2/jetpack-monitor/status-change");
  CHECK(requests[0].body == jetmon::notify::build_payload(n));
  CHECK(requests[0].body ==
        R"({"blog_id":3,"monitor_url":"https://site3.example/","status_id":2,"last_check":"2026-04-30T10:42:00Z",)"
        R"("last_status_change":"2026-04-30T10:42:05Z","status_type":"server","checks":[)"
        R"({"type":1,"host":"jetmon-test-host","status":0,"rtt":1200,"code":503},)"
        R"({"type":2,"host":"veriflier-eu","status":0,"rtt":900,"code":503}]})");
  CHECK(requests[0].header("Content-Type") == "application/json");
  CHECK(requests[0].header_count("Content-Type") == 1);
  CHECK(requests[0].header("Authorization") == std::string("Bearer ") + kToken);
  CHECK(requests[0].header_count("Authorization") == 1);
  CHECK(requests[0].header_count("Expect") == 0);
  CHECK(requests[0].header("Content-Length") == std::to_string(requests[0].body.size()));

  // The database.
  const auto sent_at = f.last_alert_sent_at(3);
  REQUIRE(sent_at.has_value());
  CHECK(*sent_at >= before);
  CHECK(*sent_at <= after);
  CHECK_FALSE(f.last_alert_sent_at(4).has_value());
  CHECK(f.audit_rows() == std::vector<std::string>{"wpcom_sent|local|status=2 type=server|3|0|NULL"});
  CHECK(f.db().query_scalar("SELECT COUNT(*) FROM jetmon_audit_log WHERE event_id IS NULL AND metadata IS NULL")
            ->as_int64() == 1);
  CHECK(f.outbox_rows() == std::vector<std::string>{"3:delivered:1"});
  auto row = f.db().query_one(
      "SELECT host_id, status_id, status_type, payload, delivered_at IS NOT NULL, last_error FROM jetmon_wpcom_outbox");
  REQUIRE(row.has_value());
  CHECK(row->get_string(0) == kHost);
  CHECK(row->get_int64(1) == 2);
  CHECK(row->get_string(2) == "server");
  CHECK(row->get_string(3) == jetmon::notify::build_payload(n));  // stored verbatim
  CHECK(row->get_int64(4) == 1);
  CHECK(row->is_null(5));

  // The metrics.
  CHECK(f.sink.lines() == std::vector<std::string>{
                              "wpcom.notification.attempt.count:1|c",
                              "wpcom.notification.status.confirmed_down.attempt.count:1|c",
                              "wpcom.notification.delivered.count:1|c",
                              "wpcom.notification.status.confirmed_down.delivered.count:1|c",
                          });
  CHECK_FALSE(notifier.wpcom_circuit_open());
  CHECK(notifier.wpcom_queue_depth() == 0);
  CHECK(notifier.probe() == jetmon::notify::ProbeResult{"green", ""});
}

TEST_CASE("notify: a recovery is sent with the local entry only and status running") {
  Fixture f;
  HttpReceiver stub;
  WpcomNotifier notifier(f.pool, f.sink, f.options(stub));
  notifier.submit(recovery(5));
  REQUIRE(notifier.pump());
  REQUIRE(stub.count() == 1);
  CHECK(stub.bodies()[0] ==
        R"({"blog_id":5,"monitor_url":"https://site5.example/","status_id":1,"last_check":"2026-04-30T10:42:00Z",)"
        R"("last_status_change":"2026-04-30T10:42:05Z","status_type":"success","checks":[)"
        R"({"type":1,"host":"jetmon-test-host","status":1,"rtt":80,"code":200}]})");
  CHECK(f.audit_rows() == std::vector<std::string>{"wpcom_sent|local|status=1 type=success|5|0|NULL"});
  CHECK(f.sink.counter("wpcom.notification.status.running.delivered.count") == 1);
  CHECK(f.last_alert_sent_at(5).has_value());
}

TEST_CASE("notify: 500 then 200 is one retry with a wpcom_retry row, delivered once") {
  Fixture f;
  HttpReceiver stub;
  stub.script({500}, 200);
  WpcomNotifier notifier(f.pool, f.sink, f.options(stub));
  const Notice n = down(2);
  notifier.submit(n);
  REQUIRE(notifier.pump());

  CHECK(stub.bodies() == std::vector<std::string>(2, jetmon::notify::build_payload(n)));
  CHECK(f.audit_rows() == std::vector<std::string>{"wpcom_sent|local|status=2 type=server|2|0|NULL",
                                                   "wpcom_retry|local|wpcom returned 500|2|0|NULL"});
  CHECK(f.outbox_rows() == std::vector<std::string>{"2:delivered:2"});
  CHECK(f.last_alert_sent_at(2).has_value());
  CHECK(f.sink.lines() == std::vector<std::string>{
                              "wpcom.notification.attempt.count:1|c",
                              "wpcom.notification.status.confirmed_down.attempt.count:1|c",
                              "wpcom.notification.error.count:1|c",
                              "wpcom.notification.status.confirmed_down.error.count:1|c",
                              "wpcom.notification.retry.count:1|c",
                              "wpcom.notification.retry.delivered.count:1|c",
                              "wpcom.notification.delivered.count:1|c",
                              "wpcom.notification.status.confirmed_down.delivered.count:1|c",
                          });
  // Nothing left to do: pumping again sends nothing.
  REQUIRE(notifier.pump());
  CHECK(stub.count() == 2);
}

TEST_CASE("notify: a notice that fails twice is given up, without last_alert_sent_at") {
  Fixture f;
  HttpReceiver stub;
  stub.always(503);
  WpcomNotifier notifier(f.pool, f.sink, f.options(stub));
  notifier.submit(down(7));
  REQUIRE(notifier.pump());
  CHECK(stub.count() == 2);
  CHECK(f.outbox_rows() == std::vector<std::string>{"7:failed:2"});
  CHECK(f.db().query_scalar("SELECT last_error FROM jetmon_wpcom_outbox")->as_string() == "wpcom returned 503");
  CHECK_FALSE(f.last_alert_sent_at(7).has_value());
  CHECK(f.audit_rows() == std::vector<std::string>{"wpcom_sent|local|status=2 type=server|7|0|NULL",
                                                   "wpcom_retry|local|wpcom returned 503|7|0|NULL"});
  CHECK(f.sink.lines() == std::vector<std::string>{
                              "wpcom.notification.attempt.count:1|c",
                              "wpcom.notification.status.confirmed_down.attempt.count:1|c",
                              "wpcom.notification.error.count:1|c",
                              "wpcom.notification.status.confirmed_down.error.count:1|c",
                              "wpcom.notification.retry.count:1|c",
                              "wpcom.notification.error.count:1|c",
                              "wpcom.notification.status.confirmed_down.error.count:1|c",
                              "wpcom.notification.failed.count:1|c",
                              "wpcom.notification.status.confirmed_down.failed.count:1|c",
                          });
  CHECK_FALSE(notifier.wpcom_circuit_open());  // 2 failures so far
}

TEST_CASE("notify: a transport error is reported as post notification") {
  Fixture f;
  std::string dead_url;
  {
    HttpReceiver gone;  // learn a free port, then close it
    dead_url = gone.url();
  }
  NotifierOptions o;
  o.url = dead_url;
  o.auth_token = kToken;
  o.host_id = kHost;
  WpcomNotifier notifier(f.pool, f.sink, o);
  notifier.submit(down(1));
  REQUIRE(notifier.pump());
  const auto rows = f.audit_rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].rfind("wpcom_retry|local|post notification: ", 0) == 0);
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:failed:2"});
}

TEST_CASE("notify: the same notice submitted twice is stored and sent once") {
  Fixture f;
  HttpReceiver stub;
  WpcomNotifier notifier(f.pool, f.sink, f.options(stub));
  notifier.submit(down(4));
  notifier.submit(down(4));
  REQUIRE(notifier.pump());
  notifier.submit(down(4));  // even after delivery
  REQUIRE(notifier.pump());
  CHECK(stub.count() == 1);
  CHECK(f.outbox_rows() == std::vector<std::string>{"4:delivered:1"});
  CHECK(f.audit_rows().size() == 1);
}

TEST_CASE("notify: re-confirmations of an undelivered notice replace it instead of queueing copies") {
  Fixture f;
  HttpReceiver stub;
  stub.always(503);
  WpcomNotifier notifier(f.pool, f.sink, f.options(stub));
  for (int blog = 1; blog <= 3; ++blog) notifier.submit(down(blog, blog));  // 6 failures: circuit open
  REQUIRE(notifier.pump());
  REQUIRE(notifier.wpcom_circuit_open());
  // Blog 3's retry waits queued; it is re-confirmed down twice, then recovers, then goes down again.
  notifier.submit(down(3, 20));
  notifier.submit(down(3, 30));
  notifier.submit(recovery(3, 40));
  notifier.submit(recovery(3, 40));  // the same notice again
  notifier.submit(down(3, 50));
  REQUIRE(notifier.pump());
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:failed:2", "2:failed:2", "3:queued:1", "3:queued:0",
                                                    "3:queued:0"});
  const auto rows = f.db().query("SELECT payload FROM jetmon_wpcom_outbox WHERE blog_id = 3 ORDER BY id");
  CHECK(rows.at(0).get_string(0) == jetmon::notify::build_payload(down(3, 30)));
  CHECK(rows.at(1).get_string(0) == jetmon::notify::build_payload(recovery(3, 40)));
  CHECK(rows.at(2).get_string(0) == jetmon::notify::build_payload(down(3, 50)));
  CHECK(notifier.wpcom_queue_depth() == 3);
}

TEST_CASE("notify: circuit opens after 5 failures, queued notices survive a restart and are delivered once, in order") {
  Fixture f;
  HttpReceiver stub;
  stub.always(503);
  const std::vector<Notice> notices{down(1, 0), down(2, 1), recovery(3, 2), down(4, 3), down(5, 4)};

  {
    WpcomNotifier first(f.pool, f.sink, f.options(stub));
    for (const auto& n : notices) first.submit(n);
    REQUIRE(first.pump());

    // Notices 1 and 2 fail twice each (4 failures); the first send of notice 3 is the 5th failure:
    // the circuit opens and its retry waits in the outbox, as do notices 4 and 5 (never sent).
    CHECK(stub.count() == 5);
    CHECK(stub.bodies() == std::vector<std::string>{payloads({notices[0], notices[0], notices[1], notices[1],
                                                              notices[2]})});
    CHECK(f.outbox_rows() ==
          std::vector<std::string>{"1:failed:2", "2:failed:2", "3:queued:1", "4:queued:0", "5:queued:0"});
    CHECK(first.wpcom_circuit_open());
    CHECK(first.wpcom_queue_depth() == 3);
    CHECK(first.probe() == jetmon::notify::ProbeResult{"red", "circuit open, queued notifications=3"});
    CHECK(jetmon::notify::probe_wpcom(&first) == first.probe());
    CHECK(f.sink.counter("wpcom.notification.queued.count") == 3);
    CHECK(f.sink.counter("wpcom.notification.failed.count") == 2);
    CHECK(f.sink.counter("wpcom.notification.retry.count") == 3);

    // While open, a new notice is queued without any request.
    first.submit(down(6, 5));
    REQUIRE(first.pump());
    CHECK(stub.count() == 5);
    CHECK(first.wpcom_queue_depth() == 4);
    CHECK(f.audit_rows().size() == 6);  // wpcom_sent + wpcom_retry for notices 1, 2 and 3 only
  }  // "restart": the first notifier is gone, its breaker with it

  stub.always(200);
  RecordingSink second_sink;
  WpcomNotifier second(f.pool, second_sink, f.options(stub));
  second.start();
  REQUIRE(second.wait_idle(10s));
  const std::vector<Notice> queued{notices[2], notices[3], notices[4], down(6, 5)};
  CHECK(stub.bodies().size() == 9);
  const auto bodies = stub.bodies();
  CHECK(std::vector<std::string>(bodies.begin() + 5, bodies.end()) == payloads(queued));
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:failed:2", "2:failed:2", "3:delivered:2", "4:delivered:1",
                                                    "5:delivered:1", "6:delivered:1"});
  CHECK_FALSE(second.wpcom_circuit_open());
  CHECK(second.wpcom_queue_depth() == 0);
  CHECK(second.probe() == jetmon::notify::ProbeResult{"green", ""});
  CHECK_FALSE(f.last_alert_sent_at(1).has_value());
  CHECK_FALSE(f.last_alert_sent_at(2).has_value());
  for (int blog : {3, 4, 5, 6}) CHECK(f.last_alert_sent_at(blog).has_value());
  // One wpcom_sent per notice that was sent, written before its first request.
  CHECK(f.db().query_scalar("SELECT COUNT(*) FROM jetmon_audit_log WHERE event_type = 'wpcom_sent'")->as_int64() == 6);
  CHECK(f.db().query_scalar("SELECT COUNT(DISTINCT blog_id) FROM jetmon_audit_log WHERE event_type = 'wpcom_sent'")
            ->as_int64() == 6);
  CHECK(second_sink.counter("wpcom.notification.delivered.count") == 4);
  CHECK(second_sink.counter("wpcom.notification.retry.delivered.count") == 1);  // notice 3's deferred retry
  CHECK(second_sink.counter("wpcom.notification.attempt.count") == 3);          // 4, 5 and 6: first sends
  second.stop();

  // A third instance finds nothing to send.
  WpcomNotifier third(f.pool, f.sink, f.options(stub));
  REQUIRE(third.pump());
  CHECK(stub.count() == 9);
}

TEST_CASE("notify: after open_for the worker flushes the queue by itself, no new notice needed") {
  Fixture f;
  HttpReceiver stub;
  stub.always(503);
  auto o = f.options(stub);
  o.breaker_threshold = 1;
  o.breaker_open_for = 1500ms;  // long enough to submit the second notice while it is open
  WpcomNotifier notifier(f.pool, f.sink, o);
  notifier.start();
  notifier.submit(down(1));
  REQUIRE(stub.wait_for(1, 5s));
  REQUIRE(notifier.wait_idle(5s));
  notifier.submit(down(2));
  REQUIRE(notifier.wait_idle(5s));
  CHECK(notifier.wpcom_circuit_open());
  CHECK(notifier.wpcom_queue_depth() == 2);
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:queued:1", "2:queued:0"});
  stub.always(200);
  REQUIRE(stub.wait_for(3, 5s));
  REQUIRE(notifier.wait_idle(5s));
  CHECK(stub.bodies() == payloads({down(1), down(1), down(2)}));
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:delivered:2", "2:delivered:1"});
  CHECK_FALSE(notifier.wpcom_circuit_open());
  CHECK(notifier.wpcom_queue_depth() == 0);
}

TEST_CASE("notify: a failed flush re-opens the circuit and keeps the order") {
  Fixture f;
  HttpReceiver stub;
  stub.always(503);
  auto o = f.options(stub);
  o.breaker_threshold = 1;
  o.breaker_open_for = 200ms;
  WpcomNotifier notifier(f.pool, f.sink, o);
  notifier.submit(down(1));
  notifier.submit(down(2));
  REQUIRE(notifier.pump());
  CHECK(stub.count() == 1);
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:queued:1", "2:queued:0"});

  std::this_thread::sleep_for(250ms);
  REQUIRE(notifier.pump());  // the flush tries notice 1, fails, and stops there
  CHECK(stub.count() == 2);
  CHECK(notifier.wpcom_circuit_open());
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:queued:2", "2:queued:0"});

  stub.script({400}, 200);  // notice 1 is rejected (a 4xx): given up; the flush goes on
  std::this_thread::sleep_for(250ms);
  REQUIRE(notifier.pump());
  CHECK(stub.bodies() == payloads({down(1), down(1), down(1), down(2)}));
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:failed:3", "2:delivered:1"});
  CHECK(f.db().query_scalar("SELECT last_error FROM jetmon_wpcom_outbox WHERE blog_id = 1")->as_string() ==
        "wpcom returned 400");
  CHECK_FALSE(notifier.wpcom_circuit_open());
}

TEST_CASE("notify: notices still in the inbox at shutdown go to the outbox") {
  Fixture f;
  HttpReceiver stub;
  {
    WpcomNotifier notifier(f.pool, f.sink, f.options(stub));
    notifier.submit(down(8));
    notifier.submit(recovery(8, 30));
  }  // never started: the destructor writes both to the outbox
  CHECK(stub.count() == 0);
  CHECK(f.outbox_rows() == std::vector<std::string>{"8:pending:0", "8:pending:0"});
  WpcomNotifier next(f.pool, f.sink, f.options(stub));
  REQUIRE(next.pump());
  CHECK(stub.bodies() == payloads({down(8), recovery(8, 30)}));
}

TEST_CASE("notify: the response body is read at most 4 KiB, slow responses time out") {
  Fixture f;
  HttpReceiver stub;
  stub.response_body(std::string(1 << 20, 'x'));
  auto o = f.options(stub);
  o.request_timeout = 1500ms;
  WpcomNotifier notifier(f.pool, f.sink, o);
  notifier.submit(down(1));
  REQUIRE(notifier.pump());
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:delivered:1"});

  stub.response_body("");
  stub.delay(3s);
  notifier.submit(down(2));
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(notifier.pump());
  CHECK(std::chrono::steady_clock::now() - t0 < 6s);  // two attempts, 1.5 s each
  CHECK(f.outbox_rows() == std::vector<std::string>{"1:delivered:1", "2:failed:2"});
  auto err = f.db().query_scalar("SELECT last_error FROM jetmon_wpcom_outbox WHERE blog_id = 2")->as_string();
  REQUIRE(err.has_value());
  CHECK(err->rfind("post notification: ", 0) == 0);
  stub.delay(0ms);
}

TEST_CASE("notify: outbox rows of other hosts are left alone") {
  Fixture f;
  HttpReceiver stub;
  auto other = f.options(stub);
  other.host_id = "other-host";
  {
    WpcomNotifier theirs(f.pool, f.sink, other);
    theirs.submit(down(9));
  }  // written to the outbox as other-host's, pending
  WpcomNotifier mine(f.pool, f.sink, f.options(stub));
  REQUIRE(mine.pump());
  CHECK(stub.count() == 0);
  CHECK(f.outbox_rows() == std::vector<std::string>{"9:pending:0"});
}

TEST_CASE("notify: migration 027 creates the outbox table") {
  TestDatabase tdb;
  Connection& c = tdb.connection();
  jetmon::db::run_migrations(c, jetmon::db::embedded_migrations(), [](std::string_view) {});
  CHECK(c.query_scalar("SELECT COUNT(*) FROM jetmon_schema_migrations WHERE id = 27")->as_int64() == 1);

  auto info = c.query_one(
      "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
      " AND TABLE_NAME = 'jetmon_wpcom_outbox'");
  REQUIRE(info.has_value());
  CHECK(info->get_string(0) == "InnoDB");
  CHECK(info->get_string(1)->rfind("utf8mb4", 0) == 0);

  // "name type nullable default extra", in table order.
  std::vector<std::string> columns;
  for (const auto& r : c.query(
           "SELECT COLUMN_NAME, LOWER(COLUMN_TYPE), IS_NULLABLE, COALESCE(COLUMN_DEFAULT, '<none>'), LOWER(EXTRA)"
           " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'jetmon_wpcom_outbox'"
           " ORDER BY ORDINAL_POSITION"))
    columns.push_back(*r.get_string(0) + " " + *r.get_string(1) + " " + *r.get_string(2) + " " + *r.get_string(3) +
                      (r.get_string(4)->empty() ? "" : " " + *r.get_string(4)));
  CHECK(columns == std::vector<std::string>{
                       "id bigint(20) unsigned NO <none> auto_increment",
                       "host_id varchar(255) NO <none>",
                       "notice_key char(64) NO <none>",
                       "blog_id bigint(20) unsigned NO <none>",
                       "status_id tinyint(3) unsigned NO <none>",
                       "status_type varchar(32) NO ''",
                       "payload mediumtext NO <none>",
                       "state enum('pending','queued','delivered','failed') NO 'pending'",
                       "attempts int(10) unsigned NO 0",
                       "created_at timestamp NO current_timestamp()",
                       "queued_at timestamp YES NULL",
                       "last_attempt_at timestamp YES NULL",
                       "last_error varchar(1024) YES NULL",
                       "delivered_at timestamp YES NULL",
                   });

  // "index unique columns…"
  std::vector<std::string> indexes;
  for (const auto& r : c.query(
           "SELECT INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ',')"
           " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'jetmon_wpcom_outbox'"
           " GROUP BY INDEX_NAME, NON_UNIQUE"))
    indexes.push_back(*r.get_string(0) + (*r.get_int64(1) == 0 ? " unique " : " ") + *r.get_string(2));
  std::sort(indexes.begin(), indexes.end());
  CHECK(indexes == std::vector<std::string>{
                       "PRIMARY unique id",
                       "idx_blog_id_created blog_id,created_at",
                       "idx_host_state_id host_id,state,id",
                       "idx_state_created state,created_at",
                       "uk_notice_key unique notice_key",
                   });

  // The notice key is unique.
  const char* ins = "INSERT INTO jetmon_wpcom_outbox (host_id, notice_key, blog_id, status_id, payload) VALUES (?, ?, 1, 2, '{}')";
  c.exec(ins, {"h", std::string(64, 'a')});
  CHECK_THROWS_WITH(c.exec(ins, {"h", std::string(64, 'a')}), Catch::Contains("uk_notice_key"));
}

TEST_CASE("notify: stop() lets the send in flight finish and records it") {
  Fixture f;
  HttpReceiver stub;
  stub.hold();
  WpcomNotifier notifier(f.pool, f.sink, f.options(stub));  // request_timeout 5 s: the grace is 5 s
  notifier.start();
  notifier.submit(down(4));
  REQUIRE(stub.wait_for(1, 10s));  // the send is in flight
  std::thread stopper([&] { notifier.stop(); });
  std::this_thread::sleep_for(200ms);  // let stop() start waiting (the outcome is the same if not)
  stub.release();
  stopper.join();
  CHECK(f.outbox_rows() == std::vector<std::string>{"4:delivered:1"});
  CHECK(f.last_alert_sent_at(4).has_value());
}

TEST_CASE("notify: stop() cuts the send in flight short once the grace has passed") {
  Fixture f;
  HttpReceiver stub;
  stub.hold();
  auto o = f.options(stub);
  o.request_timeout = 1500ms;  // the grace: min(request_timeout, 5 s)
  WpcomNotifier notifier(f.pool, f.sink, o);
  notifier.start();
  notifier.submit(down(5));
  REQUIRE(stub.wait_for(1, 10s));
  notifier.stop();  // returns after the grace, the held send cut short
  const auto rows = f.outbox_rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].find(":delivered:") == std::string::npos);
  CHECK_FALSE(f.last_alert_sent_at(5).has_value());
  stub.release();
}
