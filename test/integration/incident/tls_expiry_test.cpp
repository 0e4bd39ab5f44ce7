#include <catch2/catch.hpp>

#include <chrono>

#include "integration/incident/incident_db.hpp"
#include "jetmon/incident/tls_expiry.hpp"

using namespace jetmon::incident;
using namespace jetmon::test::incident;
using namespace std::chrono;

namespace {

const TimePoint kNow = sys_days{2026y / 11 / 28} + 12h;
constexpr std::uint64_t kBlog = 77;

}  // namespace

TEST_CASE("incident: tls_expiry events follow the 31/30/8/7-day stages and escalate both ways") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, "https://tls.example/");
  c.exec("UPDATE jetpack_monitor_sites SET site_status = 1, last_status_change = NULL WHERE blog_id = ?", {kBlog});
  const EventStore store("mon-a");
  const TimePoint expiry = kNow + days{31} + hours{1};

  // 31 days: nothing to open.
  auto out = apply_tls_expiry(store, c, kBlog, expiry, kNow);
  CHECK(out.decision.step == TlsExpiryStep::none);
  CHECK_FALSE(out.event.has_value());
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events") == 0);

  // 30 days: Warning, severity 1.
  out = apply_tls_expiry(store, c, kBlog, expiry, kNow + days{1});
  CHECK(out.decision.step == TlsExpiryStep::open);
  REQUIRE(out.event.has_value());
  const std::uint64_t id = out.event->id;
  CHECK(out.event->check_type == "tls_expiry");
  CHECK(out.event->severity == 1);
  CHECK(out.event->state == "Warning");
  CHECK(out.event->metadata == R"({"days_until":30,"expires_at":"2026-12-29T13:00:00Z"})");

  // 8 days: still Warning, nothing written.
  out = apply_tls_expiry(store, c, kBlog, expiry, kNow + days{23});
  CHECK(out.decision.step == TlsExpiryStep::none);
  CHECK(out.decision.days_until == 8);

  // 7 days: escalated to Degraded, severity 2.
  out = apply_tls_expiry(store, c, kBlog, expiry, kNow + days{24});
  CHECK(out.decision.step == TlsExpiryStep::promote);
  CHECK(out.event->id == id);
  CHECK(out.event->severity == 2);
  CHECK(out.event->state == "Degraded");

  // A renewed certificate with 8 days left: de-escalated to Warning.
  out = apply_tls_expiry(store, c, kBlog, kNow + days{24} + days{8} + hours{1}, kNow + days{24});
  CHECK(out.decision.step == TlsExpiryStep::promote);
  CHECK(out.event->severity == 1);

  // A renewal beyond 30 days closes it.
  out = apply_tls_expiry(store, c, kBlog, kNow + days{400}, kNow + days{24});
  CHECK(out.decision.step == TlsExpiryStep::close);
  CHECK_FALSE(out.event->is_open());
  CHECK(out.event->resolution_reason == "verifier_cleared");
  CHECK(out.event->state == "Warning");

  const auto rows = transitions(c, kBlog);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].reason == "opened");
  CHECK(rows[0].severity_after == 1);
  CHECK(rows[0].state_after == "Warning");
  CHECK(rows[0].source == "mon-a");
  CHECK(rows[1].reason == "severity_escalation");
  CHECK(rows[1].severity_before == 1);
  CHECK(rows[1].severity_after == 2);
  CHECK(rows[1].state_before == "Warning");
  CHECK(rows[1].state_after == "Degraded");
  CHECK(rows[1].metadata == R"({"days_until":7,"expires_at":"2026-12-29T13:00:00Z"})");
  CHECK(rows[2].reason == "severity_deescalation");
  CHECK(rows[2].severity_before == 2);
  CHECK(rows[2].severity_after == 1);
  CHECK(rows[3].reason == "verifier_cleared");
  CHECK(rows[3].state_after == "Resolved");

  // No projection, no http event.
  CHECK(site_row(c, kBlog).site_status == 1);
  CHECK_FALSE(site_row(c, kBlog).last_status_change.has_value());
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events WHERE check_type = 'http'") == 0);
}

TEST_CASE("incident: an expired certificate opens a Degraded tls_expiry event directly") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("mon-a");
  const auto out = apply_tls_expiry(store, c, kBlog, kNow - days{3}, kNow);
  CHECK(out.decision.step == TlsExpiryStep::open);
  CHECK(out.decision.days_until == -3);
  CHECK(out.event->severity == 2);
  CHECK(out.event->state == "Degraded");
  CHECK(transitions(c, kBlog).size() == 1);
}
