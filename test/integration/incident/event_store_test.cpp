#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "integration/incident/incident_db.hpp"
#include "jetmon/db/error.hpp"
#include "jetmon/incident/event_store.hpp"

using namespace jetmon::incident;
using namespace jetmon::test::incident;
using jetmon::db::DateTime;
using jetmon::db::DbError;

namespace {

OpenRequest seems_down(std::uint64_t blog_id) {
  return {blog_id, check_types::http, severities::seems_down, states::seems_down,
          CheckMetadata{503, 0, 84, "https://example.com/"}};
}

const char* kOpenMeta = R"({"http_code":503,"error_code":0,"rtt_ms":84,"url":"https://example.com/"})";

// The one `opened` transition of a Seems Down event written by source monitor-1.
void check_opened_transition(const std::vector<TransitionRow>& rows, std::uint64_t event_id,
                             const std::optional<std::string>& metadata) {
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].event_id == event_id);
  CHECK_FALSE(rows[0].severity_before.has_value());
  CHECK(rows[0].severity_after == 3);
  CHECK_FALSE(rows[0].state_before.has_value());
  CHECK(rows[0].state_after == "Seems Down");
  CHECK(rows[0].reason == "opened");
  CHECK(rows[0].source == "monitor-1");
  CHECK(rows[0].metadata == metadata);
}

}  // namespace

TEST_CASE("incident: opening twice returns the same event and writes one opened transition") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("monitor-1");

  const OpenResult first = store.open(c, seems_down(42), Projection::skip);
  CHECK(first.created);
  CHECK(first.event.id > 0);
  CHECK(first.event.blog_id == 42);
  CHECK(first.event.check_type == "http");
  CHECK(first.event.severity == 3);
  CHECK(first.event.state == "Seems Down");
  CHECK(first.event.is_open());
  CHECK(first.event.metadata == kOpenMeta);

  OpenRequest again = seems_down(42);
  again.severity = severities::down;  // an existing open event is returned untouched
  again.state = states::down;
  again.metadata = CheckMetadata{500, 0, 1, "https://other/"};
  const OpenResult second = store.open(c, again, Projection::skip);
  CHECK_FALSE(second.created);
  CHECK(second.event.id == first.event.id);
  CHECK(second.event.severity == 3);
  CHECK(second.event.state == "Seems Down");
  CHECK(second.event.metadata == kOpenMeta);

  const auto rows = transitions(c, 42);
  check_opened_transition(rows, first.event.id, std::string(kOpenMeta));

  // endpoint_id and discriminator stay NULL; another check type is another event.
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events WHERE endpoint_id IS NULL AND discriminator IS NULL") == 1);
  const OpenResult tls = store.open(c, {42, check_types::tls_expiry, 1, states::warning, {}}, Projection::skip);
  CHECK(tls.created);
  CHECK(tls.event.id != first.event.id);
  CHECK_FALSE(tls.event.metadata.has_value());
}

TEST_CASE("incident: promote and close write transitions with before and after values") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("");  // no hostname: source "local"
  const auto id = store.open(c, seems_down(7), Projection::skip).event.id;

  const VerifierConfirmedMetadata confirmed{{{"v1", false, 500, 100}}, 1};
  const ChangeResult promoted =
      store.promote(c, id, severities::down, states::down, reasons::verifier_confirmed, confirmed, Projection::skip);
  CHECK(promoted.changed);
  CHECK(promoted.severity_before == 3);
  CHECK(promoted.state_before == "Seems Down");
  CHECK(promoted.event.severity == 4);
  CHECK(promoted.event.state == "Down");

  // The same values again: a no-op that writes nothing.
  const ChangeResult again =
      store.promote(c, id, severities::down, states::down, reasons::verifier_confirmed, confirmed, Projection::skip);
  CHECK_FALSE(again.changed);

  // Only the severity changes: a transition that still carries both pairs.
  const ChangeResult severity_only =
      store.promote(c, id, 2, states::down, reasons::severity_deescalation, {}, Projection::skip);
  CHECK(severity_only.changed);

  const ChangeResult closed = store.close(c, id, reasons::verifier_cleared, {}, Projection::skip);
  CHECK(closed.severity_before == 2);
  CHECK(closed.state_before == "Down");
  CHECK_FALSE(closed.event.is_open());
  CHECK(closed.event.state == "Down");  // the event keeps its last open state
  CHECK(closed.event.resolution_reason == "verifier_cleared");

  const auto row = c.query_one("SELECT state, severity, ended_at, resolution_reason, dedup_key FROM jetmon_events WHERE id = ?", {id});
  CHECK(row->get_string(0) == "Down");
  CHECK(row->get_int64(1) == 2);
  CHECK_FALSE(row->is_null(2));
  CHECK(row->get_string(3) == "verifier_cleared");
  CHECK(row->is_null(4));  // closed: no longer blocks a new open event

  const auto rows = transitions(c, 7);
  REQUIRE(rows.size() == 4);
  CHECK(rows[1].reason == "verifier_confirmed");
  CHECK(rows[1].severity_before == 3);
  CHECK(rows[1].severity_after == 4);
  CHECK(rows[1].state_before == "Seems Down");
  CHECK(rows[1].state_after == "Down");
  CHECK(rows[1].source == "local");
  CHECK(rows[1].metadata ==
        R"({"verifier_results":[{"host":"v1","success":false,"http_code":500,"rtt_ms":100}],"verifier_confirmed":1})");
  CHECK(rows[2].reason == "severity_deescalation");
  CHECK(rows[2].severity_before == 4);
  CHECK(rows[2].severity_after == 2);
  CHECK(rows[2].state_before == "Down");
  CHECK(rows[2].state_after == "Down");
  CHECK_FALSE(rows[2].metadata.has_value());
  CHECK(rows[3].reason == "verifier_cleared");
  CHECK(rows[3].severity_before == 2);
  CHECK_FALSE(rows[3].severity_after.has_value());
  CHECK(rows[3].state_before == "Down");
  CHECK(rows[3].state_after == "Resolved");

  // A new failure after the close opens a new event.
  const OpenResult reopened = store.open(c, seems_down(7), Projection::skip);
  CHECK(reopened.created);
  CHECK(reopened.event.id != id);
}

TEST_CASE("incident: closed and missing events refuse changes") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("monitor-1");
  const auto id = store.open(c, seems_down(9), Projection::skip).event.id;
  store.close(c, id, reasons::false_alarm, FalseAlarmMetadata{2, 2, 1, 1}, Projection::skip);

  auto expect_error = [](auto&& call, EventError::Kind kind, const char* text) {
    try {
      call();
      FAIL("no EventError");
    } catch (const EventError& e) {
      CHECK(e.kind() == kind);
      CHECK(std::string(e.what()) == text);
    }
  };
  expect_error([&] { store.close(c, id, reasons::probe_cleared, {}, Projection::write); },
               EventError::Kind::closed, "event is closed");
  expect_error([&] { store.promote(c, id, 4, states::down, reasons::verifier_confirmed, {}, Projection::write); },
               EventError::Kind::closed, "event is closed");
  expect_error([&] { store.close(c, id + 100, reasons::probe_cleared, {}, Projection::skip); },
               EventError::Kind::not_found, "event not found");
  expect_error([&] { store.promote(c, id + 100, 4, states::down, reasons::verifier_confirmed, {}, Projection::skip); },
               EventError::Kind::not_found, "event not found");
  CHECK(transitions(c, 9).size() == 2);  // opened + false_alarm, nothing from the refused calls
  CHECK_FALSE(c.in_transaction());
}

TEST_CASE("incident: find_active returns the oldest open event of a blog and check type") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("monitor-1");
  CHECK_FALSE(store.find_active(c, 5, check_types::http).has_value());
  const auto http = store.open(c, seems_down(5), Projection::skip).event.id;
  store.open(c, {5, check_types::tls_expiry, 1, states::warning, {}}, Projection::skip);
  store.open(c, seems_down(6), Projection::skip);
  const auto active = store.find_active(c, 5, check_types::http);
  REQUIRE(active.has_value());
  CHECK(active->id == http);
  store.close(c, http, reasons::probe_cleared, {}, Projection::skip);
  CHECK_FALSE(store.find_active(c, 5, check_types::http).has_value());
  CHECK(store.find(c, http)->resolution_reason == "probe_cleared");
  CHECK_FALSE(store.find(c, http + 1000).has_value());
}

TEST_CASE("incident: the projection is written in the event's transaction") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, 11, "https://eleven.example/");
  seed_site(c, 12, "https://twelve.example/");
  const EventStore store("monitor-1");
  const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());

  const auto id = store.open(c, seems_down(11), Projection::write).event.id;
  CHECK(site_row(c, 11).site_status == 0);
  CHECK(site_row(c, 11).last_status_change->time >= before);
  CHECK(site_row(c, 12).site_status == 1);  // other sites untouched

  // An existing event: no write at all, the projection included.
  c.exec("UPDATE jetpack_monitor_sites SET site_status = 1 WHERE blog_id = 11");
  store.open(c, seems_down(11), Projection::write);
  CHECK(site_row(c, 11).site_status == 1);

  store.promote(c, id, severities::down, states::down, reasons::verifier_confirmed, {}, Projection::write);
  CHECK(site_row(c, 11).site_status == 2);
  // A no-op promote still rewrites the projection (a re-confirmed Down, as in Go).
  c.exec("UPDATE jetpack_monitor_sites SET site_status = 1 WHERE blog_id = 11");
  CHECK_FALSE(store.promote(c, id, severities::down, states::down, reasons::verifier_confirmed, {}, Projection::write).changed);
  CHECK(site_row(c, 11).site_status == 2);

  store.close(c, id, reasons::verifier_cleared, {}, Projection::write);
  CHECK(site_row(c, 11).site_status == 1);

  // tls_expiry events never project.
  c.exec("UPDATE jetpack_monitor_sites SET site_status = 2 WHERE blog_id = 12");
  const auto tls = store.open(c, {12, check_types::tls_expiry, 1, states::warning, {}}, Projection::write).event.id;
  store.close(c, tls, reasons::verifier_cleared, {}, Projection::write);
  CHECK(site_row(c, 12).site_status == 2);

  // The standalone projection for the no-event fallbacks.
  store.project(c, 12, SiteStatus::running, DateTime::from_civil(2026, 11, 28, 12, 0, 1, 900000).time);
  CHECK(site_row(c, 12).site_status == 1);
  CHECK(site_row(c, 12).last_status_change == DateTime::from_civil(2026, 11, 28, 12, 0, 1));
}

TEST_CASE("incident: a failing projection rolls the event change back, and the reverse") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, 21, "https://site.example/");
  const EventStore store("monitor-1");

  // Fail the projection: the event insert and its transition go too.
  c.execute(
      "CREATE TRIGGER fail_projection BEFORE UPDATE ON jetpack_monitor_sites FOR EACH ROW"
      " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected projection failure'");
  CHECK_THROWS_AS(store.open(c, seems_down(21), Projection::write), DbError);
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events") == 0);
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_event_transitions") == 0);
  CHECK_FALSE(c.in_transaction());

  // Without projection the same open works.
  const auto id = store.open(c, seems_down(21), Projection::skip).event.id;
  CHECK_THROWS_AS(store.close(c, id, reasons::probe_cleared, {}, Projection::write), DbError);
  CHECK(store.find(c, id)->is_open());
  CHECK(transitions(c, 21).size() == 1);
  c.execute("DROP TRIGGER fail_projection");

  // Fail the transition insert: the event update and the projection go too.
  c.execute(
      "CREATE TRIGGER fail_transition BEFORE INSERT ON jetmon_event_transitions FOR EACH ROW"
      " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected transition failure'");
  CHECK_THROWS_AS(
      store.promote(c, id, severities::down, states::down, reasons::verifier_confirmed, {}, Projection::write),
      DbError);
  CHECK(store.find(c, id)->state == "Seems Down");
  CHECK(site_row(c, 21).site_status == 1);
  CHECK_THROWS_AS(store.close(c, id, reasons::probe_cleared, {}, Projection::write), DbError);
  CHECK(store.find(c, id)->is_open());
  c.execute("DROP TRIGGER fail_transition");

  // Healthy again.
  store.close(c, id, reasons::probe_cleared, {}, Projection::write);
  CHECK(site_row(c, 21).site_status == 1);
  CHECK(transitions(c, 21).size() == 2);
}

TEST_CASE("incident: EventTransaction groups several changes and rolls back all of them without commit") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, 31, "https://site.example/");
  const EventStore store("monitor-1");
  const TimePoint at = DateTime::from_civil(2026, 11, 28, 12, 0, 0).time;
  {
    EventTransaction tx(store, c);
    const auto opened = tx.open(seems_down(31));
    tx.promote(opened.event.id, severities::down, states::down, reasons::verifier_confirmed);
    tx.project(31, SiteStatus::confirmed_down, at);
    // no commit: rolled back on scope exit
  }
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events") == 0);
  CHECK(site_row(c, 31).site_status == 1);
  {
    EventTransaction tx(store, c);
    const auto opened = tx.open(seems_down(31));
    tx.promote(opened.event.id, severities::down, states::down, reasons::verifier_confirmed);
    tx.project(31, SiteStatus::confirmed_down, at);
    tx.commit();
  }
  CHECK(site_row(c, 31).site_status == 2);
  CHECK(site_row(c, 31).last_status_change == DateTime::from(at));
  const auto rows = transitions(c, 31);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].reason == "opened");
  CHECK(rows[1].reason == "verifier_confirmed");
  {
    EventTransaction tx(store, c);
    const auto active = tx.find_active(31, check_types::http);
    REQUIRE(active.has_value());
    const auto closed = tx.close_recovered(active->id);
    CHECK(closed.event.resolution_reason == "verifier_cleared");
    tx.commit();
  }
}

TEST_CASE("incident: the projection works on the production v1 sites table") {
  jetmon::test::TestDatabase tdb;
  auto& c = tdb.connection();
  create_v1_sites_table(c);
  jetmon::db::run_migrations(c, jetmon::db::embedded_migrations(), [](std::string_view) {});
  seed_site(c, 41, "https://v1.example/");
  const EventStore store("monitor-1");
  const auto id = store.open(c, seems_down(41), Projection::write).event.id;
  CHECK(site_row(c, 41).site_status == 0);
  store.promote(c, id, severities::down, states::down, reasons::verifier_confirmed, {}, Projection::write);
  CHECK(site_row(c, 41).site_status == 2);
  store.project(c, 41, SiteStatus::running, DateTime::from_civil(2026, 1, 2, 3, 4, 5).time);
  CHECK(site_row(c, 41).site_status == 1);
  CHECK(site_row(c, 41).last_status_change == DateTime::from_civil(2026, 1, 2, 3, 4, 5));
}

TEST_CASE("incident: open_all opens several events at once and returns the open ones untouched") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("monitor-1");
  for (std::uint64_t blog : {51u, 52u, 53u, 54u}) seed_site(c, blog, "https://example.com/");
  const OpenResult existing = store.open(c, seems_down(52), Projection::skip);
  REQUIRE(existing.created);

  // A URL that needs escaping travels through the multi-row statements intact.
  OpenRequest quoted = seems_down(53);
  quoted.metadata = CheckMetadata{0, 28, 10000, "https://it's.example/\\path?q='x'"};
  const std::vector<OpenRequest> requests = {seems_down(51), seems_down(52), quoted, seems_down(54)};
  {
    EventTransaction tx(store, c);
    const std::vector<OpenResult> opened = tx.open_all(requests);
    REQUIRE(opened.size() == 4);
    CHECK(opened[0].created);
    CHECK_FALSE(opened[1].created);
    CHECK(opened[1].event.id == existing.event.id);
    CHECK(opened[2].created);
    CHECK(opened[3].created);
    for (std::size_t i = 0; i < opened.size(); ++i) {
      INFO("request " << i);
      CHECK(opened[i].event.blog_id == requests[i].blog_id);
      CHECK(opened[i].event.state == "Seems Down");
      CHECK(opened[i].event.severity == 3);
      CHECK(opened[i].event.is_open());
      CHECK(opened[i].event.started_at.time_since_epoch().count() > 0);
      // Each result is the row as stored, the same one open() would return.
      const auto stored = store.find(c, opened[i].event.id);
      REQUIRE(stored);
      CHECK(stored->metadata == opened[i].event.metadata);
      CHECK(stored->started_at == opened[i].event.started_at);
    }
    CHECK(opened[2].event.metadata ==
          R"({"http_code":0,"error_code":28,"rtt_ms":10000,"url":"https://it's.example/\\path?q='x'"})");
    const std::vector<std::uint64_t> created = {54, 51, 53};
    tx.project_all(created, SiteStatus::down, DateTime::from_civil(2026, 11, 29, 3, 4, 5, 600).time);
    tx.commit();
  }

  for (std::uint64_t blog : {51u, 53u, 54u}) {
    INFO("blog " << blog);
    const auto open = store.find_active(c, blog, check_types::http);
    REQUIRE(open);
    check_opened_transition(transitions(c, blog), open->id, open->metadata);
    CHECK(site_row(c, blog).site_status == 0);
    CHECK(site_row(c, blog).last_status_change == DateTime::from_civil(2026, 11, 29, 3, 4, 5));
  }
  CHECK(transitions(c, 52).size() == 1);  // the existing event got no second `opened`
  CHECK(site_row(c, 52).site_status == 1);
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL") == 4);

  // Everything already open: nothing is inserted.
  {
    EventTransaction tx(store, c);
    const auto again = tx.open_all(requests);
    for (const auto& o : again) CHECK_FALSE(o.created);
    tx.commit();
  }
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_event_transitions") == 4);
}

TEST_CASE("incident: open_all refuses a blog asked twice and rolls back with its transaction") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("monitor-1");
  {
    EventTransaction tx(store, c);
    const std::vector<OpenRequest> twice = {seems_down(61), seems_down(61)};
    CHECK_THROWS_AS(tx.open_all(twice), std::invalid_argument);
    CHECK(tx.open_all({}).empty());
    const std::vector<OpenRequest> two = {seems_down(62), seems_down(63)};
    CHECK(tx.open_all(two).size() == 2);
  }  // no commit
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events") == 0);
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_event_transitions") == 0);
}
