// The delivery pipeline against the throwaway MariaDB and local receivers: dispatcher, claim and
// lease, the ladder, the webhook send and its bad inputs (dashboard-fleet.md §8).
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "delivery_support.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/delivery/store.hpp"
#include "jetmon/delivery/webhook_sender.hpp"
#include "jetmon/delivery/workers.hpp"
#include "support/background_process.hpp"
#include "support/fixture_site.hpp"
#include "support/test_db.hpp"

using namespace jetmon;
using namespace jetmon::delivery;
using namespace std::chrono_literals;
using jetmon::test::TestDatabase;
using jetmon::test::HttpReceiver;
using jetmon::test::add_transition;
using jetmon::test::signature_ok;
using jetmon::test::eventually;
using jetmon::test::query_int;

namespace {

const std::string kSecret = "whsec_TESTSECRETTESTSECRETTESTSECRET";

std::uint64_t add_webhook(db::Connection& c, const std::string& url, const char* events = nullptr,
                          const char* sites = nullptr, const char* states = nullptr, bool active = true,
                          const std::string& secret = kSecret) {
  return c.exec("INSERT INTO jetmon_webhooks (url, active, events, site_filter, state_filter, secret) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                {url, active, events ? db::Value(events) : db::Value(), sites ? db::Value(sites) : db::Value(),
                 states ? db::Value(states) : db::Value(), secret})
      .last_insert_id;
}

std::uint64_t add_contact(db::Connection& c, int min_severity, const char* sites = nullptr) {
  return c.exec("INSERT INTO jetmon_alert_contacts (label, transport, destination, site_filter, min_severity) "
                "VALUES ('ops', 'slack', '{\"webhook_url\":\"http://127.0.0.1:9/\"}', ?, ?)",
                {sites ? db::Value(sites) : db::Value(), min_severity})
      .last_insert_id;
}

// One claimed row through the sender and the outcome write, as a sender thread does it.
RowUpdate send_one(db::Connection& c, RowSender& sender, const RetryLadder& ladder = {}) {
  auto rows = claim_due(c, Family::webhook);
  REQUIRE(rows.size() == 1);
  const RowUpdate u = row_update(sender.send(rows[0], nullptr), rows[0].attempt, ladder);
  REQUIRE(record_outcome(c, Family::webhook, rows[0].id, u) == 1);
  return u;
}

void make_due(db::Connection& c, const char* table = "jetmon_webhook_deliveries") {
  c.execute(std::string("UPDATE ") + table + " SET next_attempt_at = CURRENT_TIMESTAMP - INTERVAL 1 SECOND "
            "WHERE status = 'pending'");
}

std::string last_response(db::Connection& c, std::uint64_t id) {
  return c.query_scalar("SELECT last_response FROM jetmon_webhook_deliveries WHERE id = ?", {id})
      ->as_string()
      .value_or("<NULL>");
}

WorkerOptions fast_options() {
  WorkerOptions o;
  o.tick = 100ms;
  o.stop_grace = 5s;
  return o;
}

}  // namespace

TEST_CASE("delivery: a transition becomes one signed delivery per matching webhook, filters honoured",
          "[delivery]") {
  TestDatabase tdb;
  db::Connection& c = tdb.migrate();
  HttpReceiver receiver;
  const auto all = add_webhook(c, receiver.url("/all"));
  const auto by_event = add_webhook(c, receiver.url("/event"), R"(["event.opened"])");
  const auto by_site = add_webhook(c, receiver.url("/site"), nullptr, R"({"site_ids":[42]})");
  const auto by_state = add_webhook(c, receiver.url("/state"), nullptr, nullptr, R"({"states":["Down"]})");
  add_webhook(c, receiver.url("/other-site"), nullptr, R"({"site_ids":[41]})");
  add_webhook(c, receiver.url("/other-event"), R"(["event.closed"])");
  add_webhook(c, receiver.url("/inactive"), nullptr, nullptr, nullptr, false);
  add_webhook(c, receiver.url("/wrong-shape"), nullptr, R"({"site_ids":"42"})");
  // Invalid JSON cannot pass MariaDB's JSON check; a table written without it can hold any text.
  c.execute("SET SESSION check_constraint_checks = 0");
  add_webhook(c, receiver.url("/bad-json"), "[not json");
  c.execute("SET SESSION check_constraint_checks = 1");

  const std::uint64_t old_transition = add_transition(c, 42, "opened", 0, 4, "Down");
  db::Pool pool(tdb.options());
  WebhookSender sender(pool);
  {
    // A brand-new install starts at the newest transition: the old one is never delivered.
    DispatchResult first = dispatch_once(c, Family::webhook);
    CHECK(first.mark_before == old_transition);
    CHECK(first.transitions == 0);
  }
  const std::uint64_t tid = add_transition(c, 42, "opened", 0, 4, "Down");
  add_transition(c, 42, "no_such_reason", 0, 4, "Down");  // unmapped: skipped, mark moves past it

  DeliveryWorkers workers(pool, &sender, nullptr, fast_options());
  workers.start();
  REQUIRE(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered'") == 4; }, 20s));
  CHECK(receiver.wait_for(4, 5s));
  std::this_thread::sleep_for(500ms);  // nothing else arrives
  workers.stop();

  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 4);
  std::set<std::string> paths;
  for (const auto& r : requests) {
    INFO(r.path);
    paths.insert(r.path);
    CHECK(signature_ok(r, kSecret));
    CHECK(r.header("X-Jetmon-Event") == "event.opened");
    CHECK(r.header("Content-Type") == "application/json");
    const auto row = c.query_one("SELECT id, payload FROM jetmon_webhook_deliveries WHERE id = ?",
                                 {std::stoull(r.header("X-Jetmon-Delivery"))});
    REQUIRE(row);
    CHECK(r.body == row->get_string("payload").value_or(""));
    CHECK(r.body.find("\"transition_id\":" + std::to_string(tid) + ",") != std::string::npos);
  }
  CHECK(paths == std::set<std::string>{"/all", "/event", "/site", "/state"});
  for (auto id : {all, by_event, by_site, by_state}) {
    CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE webhook_id = " + std::to_string(id)) == 1);
  }
  CHECK(query_int(c, "SELECT last_transition_id FROM jetmon_webhook_dispatch_progress WHERE instance_id='shared'") ==
        static_cast<std::int64_t>(tid + 1));
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_dispatch_progress") == 1);
  CHECK(query_int(c, "SELECT MIN(attempt) FROM jetmon_webhook_deliveries") == 1);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE delivered_at IS NULL OR "
                     "next_attempt_at IS NOT NULL OR last_status_code <> 200") == 0);

  // Dispatching the same transitions again (active-active, or a mark moved back by hand) is idempotent.
  c.exec("UPDATE jetmon_webhook_dispatch_progress SET last_transition_id = ?", {old_transition});
  const DispatchResult again = dispatch_once(c, Family::webhook);
  CHECK(again.inserted == 0);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries") == 4);
}

TEST_CASE("delivery: one sender thread's deliveries to a receiver share one connection", "[delivery]") {
  TestDatabase tdb;
  db::Connection& c = tdb.migrate();
  HttpReceiver receiver;
  const std::uint64_t hook = add_webhook(c, receiver.url("/all"));
  db::Pool pool(tdb.options());
  WebhookSender sender(pool);
  for (std::uint64_t i = 0; i < 3; ++i) {
    ClaimedRow row;
    row.id = 100 + i;
    row.subscriber_id = hook;
    row.event_type = "event.opened";
    row.payload = "{}";
    CHECK(sender.send(row, nullptr).kind == SendOutcome::Kind::delivered);
  }
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].remote_port != 0);
  CHECK(requests[1].remote_port == requests[0].remote_port);
  CHECK(requests[2].remote_port == requests[0].remote_port);
}

TEST_CASE("delivery: alert rows carry severity, match min_severity and recovery, and skip cause reasons",
          "[delivery]") {
  TestDatabase tdb;
  db::Connection& c = tdb.migrate();
  dispatch_once(c, Family::alert);  // creates the mark at 0 (no transitions yet)
  const auto down = add_contact(c, 4);
  const auto degraded = add_contact(c, 2, R"({"site_ids":[7]})");
  add_transition(c, 7, "opened", 0, 2, "Degraded");      // degraded contact only
  add_transition(c, 7, "cause_linked", 2, 2, "Degraded"); // no alert type
  add_transition(c, 7, "severity_escalation", 2, 4, "Down");  // both
  add_transition(c, 7, "verifier_cleared", 4, 0, "Up");       // recovery: both
  add_transition(c, 8, "opened", 0, 4, "Down");               // down contact only (site filter)
  const DispatchResult r = dispatch_once(c, Family::alert);
  CHECK(r.transitions == 5);
  CHECK(r.inserted == 6);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_alert_deliveries WHERE alert_contact_id = " + std::to_string(down)) == 3);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_alert_deliveries WHERE alert_contact_id = " + std::to_string(degraded)) == 3);
  CHECK(query_int(c, "SELECT severity FROM jetmon_alert_deliveries WHERE event_type = 'alert.closed' LIMIT 1") == 0);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_alert_deliveries WHERE JSON_VALUE(payload, '$.severity_before') = 4 "
                     "AND JSON_VALUE(payload, '$.severity_after') = 0") == 2);

  // Senders claim alert rows with their severity, through the same code as webhooks.
  auto rows = claim_due(c, Family::alert);
  REQUIRE(rows.size() == 6);
  CHECK(rows[0].severity == 2);
  CHECK(claim_due(c, Family::alert).empty());  // leased
}

TEST_CASE("delivery: a failed enqueue never advances the mark, and the mark never moves back", "[delivery]") {
  TestDatabase tdb;
  db::Connection& c = tdb.migrate();
  dispatch_once(c, Family::webhook);
  add_webhook(c, "http://127.0.0.1:9/");
  const auto t1 = add_transition(c, 1, "opened", 0, 4, "Down");
  c.execute("RENAME TABLE jetmon_webhook_deliveries TO jetmon_webhook_deliveries_away");
  DispatchResult failed = dispatch_once(c, Family::webhook);
  CHECK(failed.enqueue_failed);
  CHECK(failed.mark_after == 0);
  CHECK(query_int(c, "SELECT last_transition_id FROM jetmon_webhook_dispatch_progress") == 0);
  c.execute("RENAME TABLE jetmon_webhook_deliveries_away TO jetmon_webhook_deliveries");
  DispatchResult ok = dispatch_once(c, Family::webhook);
  CHECK(ok.inserted == 1);
  CHECK(ok.mark_after == t1);
  // A mark moved ahead by another process is kept (GREATEST).
  c.execute("UPDATE jetmon_webhook_dispatch_progress SET last_transition_id = 1000");
  add_transition(c, 1, "opened", 0, 4, "Down");
  CHECK(dispatch_once(c, Family::webhook).transitions == 0);
  CHECK(query_int(c, "SELECT last_transition_id FROM jetmon_webhook_dispatch_progress") == 1000);
}

TEST_CASE("delivery: a 500 walks the ladder to abandon, and a later 200 delivers", "[delivery]") {
  TestDatabase tdb;
  db::Connection& c = tdb.migrate();
  HttpReceiver receiver;
  receiver.always(500);
  receiver.response_body("receiver says no");
  db::Pool pool(tdb.options());
  WebhookSender sender(pool);
  dispatch_once(c, Family::webhook);
  add_webhook(c, receiver.url());
  add_transition(c, 1, "opened", 0, 4, "Down");
  dispatch_once(c, Family::webhook);
  const std::uint64_t id = static_cast<std::uint64_t>(query_int(c, "SELECT id FROM jetmon_webhook_deliveries"));

  // The real ladder: each failure schedules the next try 1 m, 5 m, 30 m, 1 h, 6 h later.
  for (int delay : {60, 300, 1800, 3600, 21600}) {
    INFO(delay);
    const RowUpdate u = send_one(c, sender);
    CHECK(u.status == RowUpdate::Status::pending);
    CHECK(query_int(c, "SELECT TIMESTAMPDIFF(SECOND, last_attempt_at, next_attempt_at) FROM jetmon_webhook_deliveries") == delay);
    CHECK(query_int(c, "SELECT last_status_code FROM jetmon_webhook_deliveries") == 500);
    CHECK(last_response(c, id) == "receiver says no");
    CHECK(claim_due(c, Family::webhook).empty());  // not due yet
    make_due(c);
  }
  CHECK(send_one(c, sender).status == RowUpdate::Status::abandoned);  // the 6th failure
  CHECK(query_int(c, "SELECT attempt FROM jetmon_webhook_deliveries") == 6);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='abandoned' AND next_attempt_at IS NULL") == 1);
  CHECK(receiver.count() == 6);

  // The API's manual retry resets the row; the receiver now answers 200.
  c.execute("UPDATE jetmon_webhook_deliveries SET status='pending', attempt=0, next_attempt_at=NULL");
  receiver.always(200);
  CHECK(send_one(c, sender).status == RowUpdate::Status::delivered);
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered' AND attempt=1 "
                     "AND delivered_at IS NOT NULL AND next_attempt_at IS NULL AND last_status_code=200") == 1);

  // The same through the workers with a short ladder: two failures then success.
  add_transition(c, 1, "opened", 0, 4, "Down");
  receiver.script({500, 500}, 200);
  WorkerOptions o = fast_options();
  o.ladder.delays = {1s, 1s};
  DeliveryWorkers workers(pool, &sender, nullptr, o);
  workers.start();
  CHECK(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered' AND attempt=3") == 1; }, 20s));
  workers.stop();
}

TEST_CASE("delivery: bad receivers and bad subscribers end in retry or abandon with a readable last_response",
          "[delivery]") {
  TestDatabase tdb;
  db::Connection& c = tdb.migrate();
  db::Pool pool(tdb.options());
  WebhookSenderOptions so;
  so.timeout = 2s;
  so.connect_timeout = 1s;
  WebhookSender sender(pool, so);
  dispatch_once(c, Family::webhook);

  auto one_row = [&](const std::string& url, bool active = true, const std::string& secret = kSecret) {
    c.execute("DELETE FROM jetmon_webhooks");
    c.execute("DELETE FROM jetmon_webhook_deliveries");
    const auto hook = add_webhook(c, url, nullptr, nullptr, nullptr, active, secret);
    add_transition(c, 1, "opened", 0, 4, "Down");
    dispatch_once(c, Family::webhook);
    return hook;
  };
  auto row_id = [&] { return static_cast<std::uint64_t>(query_int(c, "SELECT id FROM jetmon_webhook_deliveries")); };

  SECTION("unreachable receiver") {
    one_row("http://127.0.0.1:9/closed");
    const RowUpdate u = send_one(c, sender);
    CHECK(u.status == RowUpdate::Status::pending);
    CHECK(u.status_code == 0);
    CHECK(last_response(c, row_id()).starts_with("transport: "));
  }
  SECTION("slow receiver times out") {
    HttpReceiver slow;
    slow.hold();
    one_row(slow.url());
    const auto started = std::chrono::steady_clock::now();
    const RowUpdate u = send_one(c, sender);
    CHECK(std::chrono::steady_clock::now() - started < 15s);
    CHECK(u.status == RowUpdate::Status::pending);
    CHECK(last_response(c, row_id()).find("transport: ") == 0);
    CHECK(last_response(c, row_id()).find("imed out") != std::string::npos);
    slow.release();
  }
  SECTION("TLS error") {
    jetmon::test::FixtureSite site({}, jetmon::test::SiteTls::self_signed);
    one_row(site.url("/hook"));
    const RowUpdate u = send_one(c, sender);
    CHECK(u.status == RowUpdate::Status::pending);
    CHECK(u.status_code == 0);
    CHECK(last_response(c, row_id()).starts_with("transport: "));
  }
  SECTION("endless response body: 4 KB read, 2048 bytes stored") {
    jetmon::test::SiteBehaviour endless;
    endless.status = 503;
    endless.endless = true;
    jetmon::test::FixtureSite site(endless);
    one_row(site.url("/hook"));
    const auto started = std::chrono::steady_clock::now();
    const RowUpdate u = send_one(c, sender);
    CHECK(std::chrono::steady_clock::now() - started < 10s);
    CHECK(u.status == RowUpdate::Status::pending);
    CHECK(u.status_code == 503);
    CHECK(last_response(c, row_id()).size() == 2048);
  }
  SECTION("deleted webhook with a pending row") {
    const auto hook = one_row("http://127.0.0.1:9/");
    c.exec("DELETE FROM jetmon_webhooks WHERE id = ?", {hook});
    CHECK(send_one(c, sender).status == RowUpdate::Status::abandoned);
    CHECK(last_response(c, row_id()) == "webhook lookup: webhook " + std::to_string(hook) + " not found");
  }
  SECTION("inactive webhook with a pending row") {
    const auto hook = one_row("http://127.0.0.1:9/");
    c.exec("UPDATE jetmon_webhooks SET active = 0 WHERE id = ?", {hook});
    CHECK(send_one(c, sender).status == RowUpdate::Status::abandoned);
    CHECK(last_response(c, row_id()) == "webhook is inactive");
  }
  SECTION("webhook without a secret") {
    const auto hook = one_row("http://127.0.0.1:9/", true, "");
    CHECK(send_one(c, sender).status == RowUpdate::Status::abandoned);
    CHECK(last_response(c, row_id()) == "secret lookup: webhook " + std::to_string(hook) + " has no secret");
  }
}

TEST_CASE("delivery: at most 3 sends in flight per subscriber, and stop waits for them", "[delivery]") {
  TestDatabase tdb;
  db::Connection& c = tdb.migrate();
  HttpReceiver receiver;
  receiver.hold();
  db::Pool pool(tdb.options(), db::PoolOptions{40, 20, std::chrono::seconds(300), std::chrono::milliseconds(30000)});
  WebhookSender sender(pool);
  dispatch_once(c, Family::webhook);
  add_webhook(c, receiver.url("/a"));
  for (int i = 0; i < 10; ++i) add_transition(c, 1, "opened", 0, 4, "Down");
  WorkerOptions o = fast_options();
  o.max_in_flight = 8;
  DeliveryWorkers workers(pool, &sender, nullptr, o);
  workers.start();
  REQUIRE(receiver.wait_for(3, 20s));
  std::this_thread::sleep_for(1s);
  CHECK(receiver.count() == 3);  // the other seven wait, unleased
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE next_attempt_at > CURRENT_TIMESTAMP") == 3);
  receiver.release();
  CHECK(eventually([&] { return query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered'") == 10; }, 20s));
  CHECK(receiver.count() == 10);

  // A send held by the receiver at stop(): stop waits for it within the grace.
  receiver.hold();
  add_transition(c, 1, "opened", 0, 4, "Down");
  REQUIRE(receiver.wait_for(11, 20s));
  std::thread release([&] {
    std::this_thread::sleep_for(500ms);
    receiver.release();
  });
  CHECK(workers.stop() == 0);
  release.join();
  CHECK(query_int(c, "SELECT COUNT(*) FROM jetmon_webhook_deliveries WHERE status='delivered'") == 11);
}
