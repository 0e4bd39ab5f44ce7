#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "integration/incident/incident_db.hpp"
#include "jetmon/incident/tracker.hpp"

using namespace jetmon::incident;
using namespace jetmon::test::incident;
using namespace std::chrono;
using jetmon::check::CheckResult;
using jetmon::check::ErrorCode;
using jetmon::check::FailureClass;
using jetmon::db::DateTime;

namespace {

const TimePoint kT0 = sys_days{2026y / 11 / 28} + 12h;
constexpr std::uint64_t kBlog = 1001;
const std::string kUrl = "https://down.example/";

CheckResult failed_check(TimePoint started_at, int http_code = 503) {
  CheckResult r;
  r.blog_id = kBlog;
  r.url = kUrl;
  r.http_code = http_code;
  r.error_code = ErrorCode::none;
  r.success = false;
  r.failure_class = FailureClass::server;
  r.rtt_ms = 250;
  r.started_at = started_at;
  return r;
}

CheckResult healthy_check(TimePoint started_at) {
  CheckResult r;
  r.blog_id = kBlog;
  r.url = kUrl;
  r.http_code = 200;
  r.success = true;
  r.failure_class = FailureClass::success;
  r.rtt_ms = 80;
  r.started_at = started_at;
  return r;
}

SiteSnapshot site() {
  SiteSnapshot s;
  s.blog_id = kBlog;
  s.monitor_url = kUrl;
  return s;
}

EscalationSettings escalation(std::size_t verifiers = 2, bool projection = true) {
  EscalationSettings s;
  s.num_of_checks = 3;
  s.time_between_checks = seconds{30};
  s.verifier_count = verifiers;
  s.peer_offline_limit = 3;
  s.alert_cooldown_minutes = 30;
  s.projection_enabled = projection;
  return s;
}

TrackerOptions options(EscalationSettings settings, std::size_t capacity = kDefaultRetryCapacity) {
  TrackerOptions o;
  o.hostname = "mon-a";
  o.settings = settings;
  o.retry_capacity = capacity;
  o.request_ids = [] { return std::string("req-1"); };
  return o;
}

VeriflierVote vote(const char* host, bool site_up) {
  VeriflierVote v;
  v.address = std::string(host) + ":7803";
  v.replied = true;
  v.host = host;
  v.success = site_up;
  v.http_code = site_up ? 200 : 503;
  v.rtt_ms = site_up ? 90 : 300;
  return v;
}

VeriflierVote unreachable(const char* host) {
  VeriflierVote v;
  v.address = std::string(host) + ":7803";
  v.error = "connection refused";
  return v;
}

// Three failures 30 s apart: the third one escalates (or confirms without Verifliers).
Outcome fail_three_times(IncidentTracker& tracker, jetmon::db::Connection& c, const SiteSnapshot& s) {
  tracker.on_result(c, s, failed_check(kT0), kT0);
  tracker.on_result(c, s, failed_check(kT0 + 30s), kT0 + 30s);
  return tracker.on_result(c, s, failed_check(kT0 + 60s), kT0 + 60s);
}

const char* kOpenedMeta = R"({"http_code":503,"error_code":0,"rtt_ms":250,"url":"https://down.example/"})";

}  // namespace

TEST_CASE("incident: down, confirm and recover write exactly the rows of monitor.md 5 and 6") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));

  // 1st failure: Seems Down opened and projected, a timed retry.
  const Outcome first = tracker.on_result(c, site(), failed_check(kT0), kT0);
  CHECK(first.step == Step::retry_scheduled);
  CHECK(std::get<ScheduleRetry>(first.action) == ScheduleRetry{kT0 + 30s, 1, 3});
  CHECK(first.event_obtained);
  CHECK(first.event_created);
  REQUIRE(first.event_id.has_value());
  const std::uint64_t event_id = *first.event_id;
  CHECK(first.fail_count == 1);
  CHECK(first.failure_class == FailureClass::server);
  CHECK(first.first_fail_at == kT0);
  CHECK(first.errors.empty());
  CHECK(site_row(c, kBlog).site_status == 0);
  CHECK(site_row(c, kBlog).last_status_change == DateTime::from(kT0));
  CHECK(tracker.retry_queue_size() == 1);

  // 2nd failure: same event, another retry.
  const Outcome second = tracker.on_result(c, site(), failed_check(kT0 + 30s), kT0 + 30s);
  CHECK(second.step == Step::retry_scheduled);
  CHECK(std::get<ScheduleRetry>(second.action) == ScheduleRetry{kT0 + 60s, 2, 3});
  CHECK_FALSE(second.event_obtained);
  CHECK(second.event_id == event_id);
  CHECK(second.first_fail_at == kT0);

  // 3rd failure: escalate to both Verifliers.
  const Outcome third = tracker.on_result(c, site(), failed_check(kT0 + 60s), kT0 + 60s);
  CHECK(third.step == Step::escalated);
  CHECK(third.escalated);
  const auto& escalate = std::get<EscalateToVerifliers>(third.action);
  CHECK(escalate.request_id == "req-1");
  CHECK(escalate.verifier_count == 2);
  CHECK(escalate.local.started_at == kT0 + 60s);
  CHECK(tracker.retry_state(kBlog)->phase == RetryPhase::awaiting_verifliers);

  // Both confirm: Down, projected 2, WPCOM status 2 with the local and both Veriflier checks.
  const std::vector<VeriflierVote> votes{vote("v1", false), vote("v2", false)};
  const Outcome confirmed = tracker.on_veriflier_votes(c, site(), "req-1", votes, kT0 + 65s);
  CHECK(confirmed.step == Step::confirmed_down);
  CHECK(confirmed.confirm_reason == ConfirmReason::quorum_met);
  CHECK(confirmed.quorum == QuorumDecision{2, 2, 0, 0, 2, QuorumVerdict::confirmed});
  CHECK(confirmed.notice_gate == NoticeGate::send);
  CHECK(confirmed.event_id == event_id);
  CHECK(confirmed.first_fail_at == kT0);
  const auto& down = std::get<NotifyWpcom>(confirmed.action);
  CHECK(down.blog_id == kBlog);
  CHECK(down.monitor_url == kUrl);
  CHECK(down.status_id == 2);
  CHECK(down.status_type == "server");
  CHECK(down.last_check == kT0 + 60s);
  CHECK(down.last_status_change == kT0 + 65s);
  CHECK(down.local == WpcomCheck{"mon-a", false, 250, 503});
  CHECK(down.verifliers == std::vector<WpcomCheck>{{"v1", false, 300, 503}, {"v2", false, 300, 503}});
  CHECK(site_row(c, kBlog).site_status == 2);
  CHECK(site_row(c, kBlog).last_status_change == DateTime::from(kT0 + 65s));
  CHECK(tracker.retry_queue_size() == 0);

  // Recovery: closed as verifier_cleared, projected 1, WPCOM status 1.
  const Outcome recovered = tracker.on_result(c, site(), healthy_check(kT0 + 300s), kT0 + 300s);
  CHECK(recovered.step == Step::recovered);
  CHECK(recovered.closed_from_state == "Down");
  CHECK_FALSE(recovered.had_retry_state);
  const auto& up = std::get<NotifyWpcom>(recovered.action);
  CHECK(up.status_id == 1);
  CHECK(up.status_type == "success");
  CHECK(up.last_check == kT0 + 300s);
  CHECK(up.local == WpcomCheck{"mon-a", true, 80, 200});
  CHECK(up.verifliers.empty());
  CHECK(site_row(c, kBlog).site_status == 1);
  CHECK(site_row(c, kBlog).last_status_change == DateTime::from(kT0 + 300s));

  // Exactly three transitions.
  const auto rows = transitions(c, kBlog);
  REQUIRE(rows.size() == 3);
  for (const auto& r : rows) {
    CHECK(r.event_id == event_id);
    CHECK(r.source == "mon-a");
  }
  CHECK(rows[0].reason == "opened");
  CHECK_FALSE(rows[0].severity_before.has_value());
  CHECK(rows[0].severity_after == 3);
  CHECK(rows[0].state_after == "Seems Down");
  CHECK(rows[0].metadata == kOpenedMeta);
  CHECK(rows[1].reason == "verifier_confirmed");
  CHECK(rows[1].severity_before == 3);
  CHECK(rows[1].severity_after == 4);
  CHECK(rows[1].state_before == "Seems Down");
  CHECK(rows[1].state_after == "Down");
  CHECK(rows[1].metadata ==
        R"({"verifier_results":[{"host":"v1","success":false,"http_code":503,"rtt_ms":300},)"
        R"({"host":"v2","success":false,"http_code":503,"rtt_ms":300}],"verifier_confirmed":2})");
  CHECK(rows[2].reason == "verifier_cleared");
  CHECK(rows[2].severity_before == 4);
  CHECK_FALSE(rows[2].severity_after.has_value());
  CHECK(rows[2].state_before == "Down");
  CHECK(rows[2].state_after == "Resolved");
  CHECK_FALSE(rows[2].metadata.has_value());

  // Exactly five audit rows: two retries, the escalation, one per Veriflier reply.
  const auto audit = audit_rows(c);
  REQUIRE(audit.size() == 5);
  for (const auto& a : audit) {
    CHECK(a.blog_id == kBlog);
    CHECK(a.event_id == event_id);
  }
  CHECK(audit[0].event_type == "retry_dispatched");
  CHECK(audit[0].source == "mon-a");
  CHECK(audit[0].detail == "retry 1 of 3");
  CHECK(audit[0].metadata ==
        R"({"http_code":503,"error_code":0,"rtt_ms":250,"attempt":1,"of":3,"event_id":)" +
            std::to_string(event_id) + "}");
  CHECK(audit[1].event_type == "retry_dispatched");
  CHECK(audit[1].detail == "retry 2 of 3");
  CHECK(audit[2].event_type == "veriflier_sent");
  CHECK(audit[2].source == "mon-a");
  CHECK(audit[2].detail == "escalating to 2 verifliers");
  CHECK(audit[2].metadata == R"({"verifier_count":2,"request_id":"req-1"})");
  CHECK(audit[3].event_type == "veriflier_sent");
  CHECK(audit[3].source == "v1:7803");
  CHECK(audit[3].detail == "veriflier reply");
  CHECK(audit[3].metadata ==
        R"({"http_code":503,"error_code":0,"rtt_ms":300,"success":false,"request_id":"req-1"})");
  CHECK(audit[4].source == "v2:7803");

  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_false_positives") == 0);
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL") == 0);
}

TEST_CASE("incident: a quorum miss is a false alarm: recorded, closed, projected 1, no notice") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));
  const Outcome escalated = fail_three_times(tracker, c, site());
  REQUIRE(escalated.step == Step::escalated);

  // One of two healthy Verifliers sees the site up: quorum min(3, 2) = 2, one confirmation.
  const std::vector<VeriflierVote> votes{vote("v1", false), vote("v2", true)};
  const Outcome out = tracker.on_veriflier_votes(c, site(), "req-1", votes, kT0 + 65s);
  CHECK(out.step == Step::false_alarm);
  CHECK(std::holds_alternative<NoAction>(out.action));
  CHECK(out.quorum == QuorumDecision{2, 1, 1, 0, 2, QuorumVerdict::disagreed});
  CHECK(out.closed_from_state == "Seems Down");
  CHECK(out.first_fail_at == kT0);
  CHECK(out.failure_class == FailureClass::server);
  CHECK(tracker.retry_queue_size() == 0);
  CHECK(site_row(c, kBlog).site_status == 1);

  const auto fp = c.query_one("SELECT blog_id, http_code, error_code, rtt_ms FROM jetmon_false_positives");
  REQUIRE(fp.has_value());
  CHECK(fp->get_uint64(0) == kBlog);
  CHECK(fp->get_int64(1) == 503);
  CHECK(fp->get_int64(2) == 0);
  CHECK(fp->get_int64(3) == 250);

  const auto rows = transitions(c, kBlog);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].reason == "false_alarm");
  CHECK(rows[1].severity_before == 3);
  CHECK_FALSE(rows[1].severity_after.has_value());
  CHECK(rows[1].state_after == "Resolved");
  CHECK(rows[1].metadata ==
        R"({"verifier_quorum":2,"verifier_healthy":2,"verifier_disagreed":1,"verifier_confirmed":1})");
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events WHERE resolution_reason = 'false_alarm'") == 1);

  const auto audit = audit_rows(c);
  REQUIRE(audit.size() == 5);  // 2 retries, escalation, 2 replies; no notice-related rows
  CHECK(audit[4].detail == "veriflier reply");

  // The next healthy result has nothing left to recover.
  const Outcome later = tracker.on_result(c, site(), healthy_check(kT0 + 120s), kT0 + 120s);
  CHECK(later.step == Step::none);
  CHECK(std::holds_alternative<NoAction>(later.action));
}

TEST_CASE("incident: when every Veriflier fails the Go rule calls it a false alarm, and says so") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));
  fail_three_times(tracker, c, site());
  const std::vector<VeriflierVote> votes{unreachable("v1"), unreachable("v2")};
  const Outcome out = tracker.on_veriflier_votes(c, site(), "req-1", votes, kT0 + 70s);
  CHECK(out.step == Step::false_alarm);
  CHECK(out.quorum->verdict == QuorumVerdict::no_healthy_replies);
  CHECK(out.quorum->errors == 2);
  CHECK(audit_rows(c).size() == 3);  // errors write no reply rows
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_false_positives") == 1);
}

TEST_CASE("incident: without Verifliers the third failure confirms immediately") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation(0)));
  const Outcome out = fail_three_times(tracker, c, site());
  CHECK(out.step == Step::confirmed_down);
  CHECK(out.escalated);
  CHECK(out.confirm_reason == ConfirmReason::no_verifliers_configured);
  CHECK_FALSE(out.quorum.has_value());
  const auto& notice = std::get<NotifyWpcom>(out.action);
  CHECK(notice.local == WpcomCheck{"mon-a", false, 250, 503});
  CHECK(notice.verifliers.empty());
  CHECK(site_row(c, kBlog).site_status == 2);
  const auto rows = transitions(c, kBlog);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].reason == "verifier_confirmed");
  CHECK(rows[1].metadata == R"({"verifier_results":[],"verifier_confirmed":0})");
  const auto audit = audit_rows(c);
  REQUIRE(audit.size() == 2);  // two retries; no veriflier_sent
  CHECK(tracker.retry_queue_size() == 0);
}

TEST_CASE("incident: maintenance suppresses the notices but not the events") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation(0)));
  SiteSnapshot s = site();
  s.maintenance_start = kT0 - 1h;
  s.maintenance_end = kT0 + 1h;
  s.last_alert_sent_at = kT0 - 1min;  // maintenance wins over cooldown

  const Outcome down = fail_three_times(tracker, c, s);
  CHECK(down.step == Step::confirmed_down);
  CHECK(down.notice_gate == NoticeGate::maintenance);
  CHECK(std::holds_alternative<NoAction>(down.action));
  CHECK(site_row(c, kBlog).site_status == 2);

  const Outcome up = tracker.on_result(c, s, healthy_check(kT0 + 120s), kT0 + 120s);
  CHECK(up.step == Step::recovered);
  CHECK(up.notice_gate == NoticeGate::maintenance);
  CHECK(std::holds_alternative<NoAction>(up.action));
  CHECK(site_row(c, kBlog).site_status == 1);

  const auto audit = audit_rows(c);
  REQUIRE(audit.size() == 4);
  CHECK(audit[2].event_type == "maintenance_active");
  CHECK(audit[2].source == "local");
  CHECK(audit[2].detail == "downtime suppressed during maintenance");
  CHECK(audit[3].event_type == "maintenance_active");
  CHECK(audit[3].source == "local");
  CHECK(audit[3].detail == "recovery suppressed during maintenance");
}

TEST_CASE("incident: cooldown audits a suppressed down notice and silently drops the recovery") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation(0)));
  SiteSnapshot s = site();
  s.last_alert_sent_at = kT0 - 5min;
  s.alert_cooldown_minutes = 10;

  const Outcome down = fail_three_times(tracker, c, s);
  CHECK(down.notice_gate == NoticeGate::cooldown);
  CHECK(std::holds_alternative<NoAction>(down.action));
  const Outcome up = tracker.on_result(c, s, healthy_check(kT0 + 120s), kT0 + 120s);
  CHECK(up.step == Step::recovered);
  CHECK(up.notice_gate == NoticeGate::cooldown);
  CHECK(std::holds_alternative<NoAction>(up.action));

  const auto audit = audit_rows(c);
  REQUIRE(audit.size() == 3);
  CHECK(audit[2].event_type == "alert_suppressed");
  CHECK(audit[2].source == "local");
  CHECK(audit[2].detail == "cooldown active");

  // The site's own cooldown has passed 10 minutes later: the next recovery notifies.
  tracker.on_result(c, s, failed_check(kT0 + 600s), kT0 + 600s);
  const Outcome later = tracker.on_result(c, s, healthy_check(kT0 + 660s), kT0 + 660s);
  CHECK(later.step == Step::recovered);
  CHECK(std::get<NotifyWpcom>(later.action).status_id == 1);
}

TEST_CASE("incident: recovery from Seems Down is probe_cleared and still notifies, as in Go") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));
  tracker.on_result(c, site(), failed_check(kT0), kT0);
  const Outcome out = tracker.on_result(c, site(), healthy_check(kT0 + 30s), kT0 + 30s);
  CHECK(out.step == Step::recovered);
  CHECK(out.had_retry_state);
  CHECK(out.closed_from_state == "Seems Down");
  CHECK(out.failure_class == FailureClass::server);
  CHECK(out.first_fail_at == kT0);
  CHECK(std::get<NotifyWpcom>(out.action).status_id == 1);
  CHECK(tracker.retry_queue_size() == 0);
  const auto rows = transitions(c, kBlog);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].reason == "probe_cleared");
  CHECK(rows[1].state_before == "Seems Down");
  CHECK(site_row(c, kBlog).site_status == 1);
}

TEST_CASE("incident: with the projection disabled events still open and close (decision 4)") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  const auto untouched = site_row(c, kBlog);
  IncidentTracker tracker(options(escalation(2, false)));

  fail_three_times(tracker, c, site());
  const std::vector<VeriflierVote> votes{vote("v1", false), vote("v2", false)};
  CHECK(tracker.on_veriflier_votes(c, site(), "req-1", votes, kT0 + 65s).step == Step::confirmed_down);
  CHECK(tracker.event_store().find_active(c, kBlog, check_types::http)->state == "Down");

  // site_status is still 1: Go would never have recovered here.
  const Outcome up = tracker.on_result(c, site(), healthy_check(kT0 + 300s), kT0 + 300s);
  CHECK(up.step == Step::recovered);
  CHECK(std::get<NotifyWpcom>(up.action).status_id == 1);
  CHECK_FALSE(tracker.event_store().find_active(c, kBlog, check_types::http).has_value());
  CHECK(site_row(c, kBlog).site_status == untouched.site_status);
  CHECK(site_row(c, kBlog).last_status_change == untouched.last_status_change);
  CHECK(transitions(c, kBlog).size() == 3);
}

TEST_CASE("incident: after a restart the open event alone drives recovery") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  {
    IncidentTracker before_restart(options(escalation(0, false)));
    fail_three_times(before_restart, c, site());
  }
  IncidentTracker tracker(options(escalation(0, false)));
  CHECK(tracker.retry_queue_size() == 0);

  // The fetch says there is no open event: the tracker believes it and does nothing.
  SiteSnapshot told_none = site();
  told_none.open_http_event_known = true;
  CHECK(tracker.on_result(c, told_none, healthy_check(kT0 + 90s), kT0 + 90s).step == Step::none);

  // Unknown: it looks the event up and closes it.
  const Outcome up = tracker.on_result(c, site(), healthy_check(kT0 + 100s), kT0 + 100s);
  CHECK(up.step == Step::recovered);
  CHECK(up.closed_from_state == "Down");
  CHECK_FALSE(up.had_retry_state);
  CHECK(std::get<NotifyWpcom>(up.action).status_id == 1);
  CHECK(tracker.on_result(c, site(), healthy_check(kT0 + 110s), kT0 + 110s).step == Step::none);
}

TEST_CASE("incident: the fetched open-event id is used for recovery without a lookup") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  const EventStore store("elsewhere");
  const auto id = store.open(c, {kBlog, check_types::http, severities::seems_down, states::seems_down, {}},
                             Projection::write).event.id;
  IncidentTracker tracker(options(escalation()));
  SiteSnapshot s = site();
  s.open_http_event_known = true;
  s.open_http_event_id = id;
  const Outcome up = tracker.on_result(c, s, healthy_check(kT0), kT0);
  CHECK(up.step == Step::recovered);
  CHECK(up.event_id == id);
  CHECK(transitions(c, kBlog).back().reason == "probe_cleared");
  CHECK(transitions(c, kBlog).back().source == "mon-a");
}

TEST_CASE("incident: a site that stays down re-escalates on the existing Down event") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation(0)));
  const auto first = fail_three_times(tracker, c, site());
  REQUIRE(first.step == Step::confirmed_down);
  c.exec("UPDATE jetpack_monitor_sites SET site_status = 2, last_status_change = ? WHERE blog_id = ?",
         {DateTime::from(kT0), kBlog});

  const Outcome again = tracker.on_result(c, site(), failed_check(kT0 + 300s), kT0 + 300s);
  CHECK(again.step == Step::retry_scheduled);
  CHECK(again.event_obtained);
  CHECK_FALSE(again.event_created);
  CHECK(again.event_id == first.event_id);
  CHECK(site_row(c, kBlog).site_status == 2);  // no projection 0 for an existing event

  tracker.on_result(c, site(), failed_check(kT0 + 330s), kT0 + 330s);
  const Outcome reconfirmed = tracker.on_result(c, site(), failed_check(kT0 + 360s), kT0 + 360s);
  CHECK(reconfirmed.step == Step::confirmed_down);
  CHECK(reconfirmed.event_id == first.event_id);
  CHECK(transitions(c, kBlog).size() == 2);  // no new transition for a re-confirmation
  CHECK(site_row(c, kBlog).last_status_change == DateTime::from(kT0 + 360s));  // but re-projected
}

TEST_CASE("incident: votes are matched to the pending escalation") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));
  const std::vector<VeriflierVote> votes{vote("v1", false), vote("v2", false)};
  CHECK(tracker.on_veriflier_votes(c, site(), "req-1", votes, kT0).step == Step::stale_votes);

  fail_three_times(tracker, c, site());
  // A failure while the votes are pending changes nothing.
  const Outcome waiting = tracker.on_result(c, site(), failed_check(kT0 + 62s), kT0 + 62s);
  CHECK(waiting.step == Step::awaiting_votes);
  CHECK(std::holds_alternative<NoAction>(waiting.action));
  CHECK(tracker.on_veriflier_votes(c, site(), "other", votes, kT0 + 63s).step == Step::stale_votes);

  // The site recovers before the votes arrive: they are ignored afterwards.
  CHECK(tracker.on_result(c, site(), healthy_check(kT0 + 64s), kT0 + 64s).step == Step::recovered);
  CHECK(tracker.on_veriflier_votes(c, site(), "req-1", votes, kT0 + 65s).step == Step::stale_votes);
  CHECK(audit_rows(c).size() == 3);
  CHECK(transitions(c, kBlog).size() == 2);
}

TEST_CASE("incident: a failed open is retried on the next failure and the retry is audited anyway") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));
  c.execute(
      "CREATE TRIGGER fail_open BEFORE INSERT ON jetmon_events FOR EACH ROW"
      " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected open failure'");
  const Outcome first = tracker.on_result(c, site(), failed_check(kT0), kT0);
  CHECK(first.step == Step::retry_scheduled);
  CHECK_FALSE(first.event_id.has_value());
  REQUIRE(first.errors.size() == 1);
  CHECK(first.errors[0].find("injected open failure") != std::string::npos);
  CHECK(site_row(c, kBlog).site_status == 1);
  const auto audit = audit_rows(c);
  REQUIRE(audit.size() == 1);
  CHECK_FALSE(audit[0].event_id.has_value());
  CHECK(audit[0].metadata->find(R"("event_id":null)") != std::string::npos);

  c.execute("DROP TRIGGER fail_open");
  const Outcome second = tracker.on_result(c, site(), failed_check(kT0 + 30s), kT0 + 30s);
  CHECK(second.event_created);
  CHECK(second.event_id.has_value());
  CHECK(second.first_fail_at == kT0);
  CHECK(site_row(c, kBlog).site_status == 0);
}

TEST_CASE("incident: a full retry table leaves new failing sites untracked but recorded") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  seed_site(c, kBlog + 1, "https://second.example/");
  IncidentTracker tracker(options(escalation(), 1));
  CHECK(tracker.on_result(c, site(), failed_check(kT0), kT0).step == Step::retry_scheduled);
  SiteSnapshot other = site();
  other.blog_id = kBlog + 1;
  const Outcome out = tracker.on_result(c, other, failed_check(kT0), kT0);
  CHECK(out.step == Step::untracked);
  CHECK(out.event_created);
  CHECK(std::holds_alternative<NoAction>(out.action));
  CHECK(tracker.retry_queue_size() == 1);
  CHECK(audit_rows(c).size() == 1);  // no retry is dispatched for the untracked site
  CHECK(tracker.expire_idle(kT0 + 1h, minutes{10}) == 1);
  CHECK(tracker.retry_queue_size() == 0);
  CHECK(tracker.on_result(c, other, failed_check(kT0 + 1h), kT0 + 1h).step == Step::retry_scheduled);
  CHECK(tracker.forget(kBlog + 1));
  CHECK_FALSE(tracker.forget(kBlog + 1));
  CHECK(tracker.retry_queue_size() == 0);
}

TEST_CASE("incident: a healthy result with failures but no event only clears the retry state") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));
  const Outcome first = tracker.on_result(c, site(), failed_check(kT0), kT0);
  // Someone (an operator, the API) closed the event meanwhile.
  tracker.event_store().close(c, *first.event_id, reasons::manual_override, {}, Projection::write);
  const Outcome out = tracker.on_result(c, site(), healthy_check(kT0 + 30s), kT0 + 30s);
  CHECK(out.step == Step::retry_state_cleared);
  CHECK(std::holds_alternative<NoAction>(out.action));
  CHECK(tracker.retry_queue_size() == 0);
}

TEST_CASE("incident: settings are hot-reloadable") {
  MigratedDatabase db;
  auto& c = db.connection();
  seed_site(c, kBlog, kUrl);
  IncidentTracker tracker(options(escalation()));
  tracker.on_result(c, site(), failed_check(kT0), kT0);
  EscalationSettings s = escalation();
  s.num_of_checks = 5;
  s.time_between_checks = seconds{10};
  tracker.update_settings(s);
  CHECK(tracker.settings() == s);
  const Outcome out = tracker.on_result(c, site(), failed_check(kT0 + 10s), kT0 + 10s);
  CHECK(std::get<ScheduleRetry>(out.action) == ScheduleRetry{kT0 + 20s, 2, 5});
  CHECK(audit_rows(c).back().detail == "retry 2 of 5");
}

namespace {

SiteSnapshot site_of(std::uint64_t blog_id) {
  SiteSnapshot s;
  s.blog_id = blog_id;
  s.monitor_url = "https://site-" + std::to_string(blog_id) + ".example/it's";
  s.open_http_event_known = true;
  return s;
}

SiteResult result_for(std::uint64_t blog_id, bool healthy, TimePoint at, bool cancelled = false) {
  CheckResult r = healthy ? healthy_check(at) : failed_check(at);
  r.blog_id = blog_id;
  r.url = site_of(blog_id).monitor_url;
  r.cancelled = cancelled;
  return {site_of(blog_id), r};
}

// What a blog's rows say, without ids and server timestamps.
std::string blog_story(jetmon::db::Connection& c, std::uint64_t blog_id) {
  std::string story = "status=" + std::to_string(site_row(c, blog_id).site_status);
  for (const auto& t : transitions(c, blog_id)) {
    story += " | " + t.state_before.value_or("-") + ">" + t.state_after.value_or("-") + " " + t.reason +
             " " + t.metadata.value_or("");
  }
  for (const auto& a : audit_rows(c)) {
    if (a.blog_id == blog_id) story += " | audit " + a.event_type + " " + a.detail.value_or("") +
                                       " event=" + std::to_string(a.event_id.has_value());
  }
  return story;
}

std::string outcome_story(const Outcome& o) {
  return std::string(step_name(o.step)) + " blog=" + std::to_string(o.blog_id) +
         " fails=" + std::to_string(o.fail_count) + " obtained=" + std::to_string(o.event_obtained) +
         " created=" + std::to_string(o.event_created) + " event=" + std::to_string(o.event_id.has_value()) +
         " action=" + std::to_string(o.action.index()) + " errors=" + std::to_string(o.errors.size());
}

// Two databases seeded alike, each with its tracker: one fed result by result, one in groups.
struct Twins {
  MigratedDatabase one_db;
  MigratedDatabase grouped_db;
  IncidentTracker one_tracker{options(escalation())};
  IncidentTracker grouped_tracker{options(escalation())};

  explicit Twins(const std::function<void(jetmon::db::Connection&)>& seed) {
    seed(one_db.connection());
    seed(grouped_db.connection());
  }
};

}  // namespace

TEST_CASE("incident: on_results gives the outcomes and rows of on_result one by one") {
  // Blogs 201-208: first failures (grouped), a healthy site, a cancelled check, a site that fails
  // and recovers in the same batch, a second failure, and a site with an event from a past run.
  const std::vector<std::vector<SiteResult>> batches = {
      {result_for(201, false, kT0), result_for(202, false, kT0), result_for(203, true, kT0),
       result_for(204, false, kT0, true), result_for(205, false, kT0), result_for(201, true, kT0),
       result_for(206, false, kT0), result_for(208, false, kT0)},
      {result_for(202, false, kT0 + 30s), result_for(205, false, kT0 + 30s), result_for(206, false, kT0 + 30s),
       result_for(207, false, kT0 + 30s), result_for(202, true, kT0 + 30s)},
  };
  const auto seed = [](jetmon::db::Connection& c) {
    for (std::uint64_t blog = 201; blog <= 208; ++blog) seed_site(c, blog, site_of(blog).monitor_url);
    const EventStore past("old-run");
    past.open(c, {208, check_types::http, severities::seems_down, states::seems_down, {}}, Projection::write);
  };

  Twins twins(seed);
  auto& one = twins.one_db.connection();
  auto& grouped = twins.grouped_db.connection();
  IncidentTracker& one_tracker = twins.one_tracker;
  IncidentTracker& grouped_tracker = twins.grouped_tracker;

  for (std::size_t b = 0; b < batches.size(); ++b) {
    const TimePoint now = kT0 + b * 30s;
    std::vector<std::string> one_by_one;
    for (const auto& item : batches[b]) one_by_one.push_back(outcome_story(one_tracker.on_result(one, item.site, item.result, now)));
    std::vector<std::string> together;
    for (const auto& o : grouped_tracker.on_results(grouped, batches[b], now)) together.push_back(outcome_story(o));
    INFO("batch " << b);
    CHECK(together == one_by_one);
  }
  for (std::uint64_t blog = 201; blog <= 208; ++blog) {
    INFO("blog " << blog);
    CHECK(blog_story(grouped, blog) == blog_story(one, blog));
  }
  CHECK(grouped_tracker.retry_queue_size() == one_tracker.retry_queue_size());
  CHECK(blog_story(grouped, 205).find("retry 2 of 3") != std::string::npos);
  CHECK(count(grouped, "SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL") ==
        count(one, "SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL"));
}

TEST_CASE("incident: when the grouped open fails, on_results opens the sites one by one") {
  MigratedDatabase db;
  auto& c = db.connection();
  for (std::uint64_t blog : {301u, 302u, 303u}) seed_site(c, blog, site_of(blog).monitor_url);
  // Refuse blog 302's event: the multi-row insert fails as a whole.
  c.execute(
      "CREATE TRIGGER refuse_302 BEFORE INSERT ON jetmon_events FOR EACH ROW"
      " IF NEW.blog_id = 302 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused for the test'; END IF");
  IncidentTracker tracker(options(escalation()));
  const std::vector<SiteResult> batch = {result_for(301, false, kT0), result_for(302, false, kT0),
                                         result_for(303, false, kT0)};
  const auto outcomes = tracker.on_results(c, batch, kT0);
  REQUIRE(outcomes.size() == 3);
  for (std::size_t i : {0u, 2u}) {
    INFO("outcome " << i);
    CHECK(outcomes[i].step == Step::retry_scheduled);
    CHECK(outcomes[i].event_created);
    CHECK(outcomes[i].errors.empty());
  }
  CHECK(outcomes[1].step == Step::retry_scheduled);  // retried on the next failure
  CHECK_FALSE(outcomes[1].event_obtained);
  REQUIRE(outcomes[1].errors.size() == 1);
  CHECK_THAT(outcomes[1].errors[0], Catch::Contains("refused for the test"));
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events") == 2);
  CHECK(site_row(c, 301).site_status == 0);
  CHECK(site_row(c, 302).site_status == 1);
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_audit_log WHERE event_type = 'retry_dispatched'") == 3);
}

TEST_CASE("incident: on_results closes recovered sites together, as on_result does one by one") {
  // Blogs 401-405 have an open event the fetch knows: 401 (Down) and 402 (Seems Down) recover and
  // notify, 403 recovers in maintenance (audit row, no notice), 404 in cooldown (silently), 405
  // stays down. 406 failed once (retry state with its event) and recovers.
  const auto seed = [](jetmon::db::Connection& c) {
    const EventStore past("mon-a");
    for (std::uint64_t blog = 401; blog <= 405; ++blog) {
      seed_site(c, blog, site_of(blog).monitor_url);
      const auto opened =
          past.open(c, {blog, check_types::http, severities::seems_down, states::seems_down, {}}, Projection::write);
      if (blog != 402) {
        past.promote(c, opened.event.id, severities::down, states::down, reasons::verifier_confirmed, {},
                     Projection::write);
      }
    }
  };
  const auto snapshot = [](jetmon::db::Connection& c, std::uint64_t blog) {
    SiteSnapshot s = site_of(blog);
    s.open_http_event_id = EventStore("x").find_active(c, blog, check_types::http)->id;
    if (blog == 403) {
      s.maintenance_start = kT0 - 1h;
      s.maintenance_end = kT0 + 1h;
    }
    if (blog == 404) s.last_alert_sent_at = kT0 - 1min;
    return s;
  };
  const auto batch_for = [&](jetmon::db::Connection& c) {
    std::vector<SiteResult> batch;
    for (std::uint64_t blog = 401; blog <= 405; ++blog) {
      SiteResult item = result_for(blog, blog != 405, kT0);
      item.site = snapshot(c, blog);
      batch.push_back(item);
    }
    batch.push_back(result_for(406, true, kT0));
    return batch;
  };

  Twins twins(seed);
  auto& one = twins.one_db.connection();
  auto& grouped = twins.grouped_db.connection();
  IncidentTracker& one_tracker = twins.one_tracker;
  IncidentTracker& grouped_tracker = twins.grouped_tracker;
  for (auto* pair : {&one, &grouped}) seed_site(*pair, 406, site_of(406).monitor_url);
  const SiteResult blip = result_for(406, false, kT0 - 30s);
  REQUIRE(one_tracker.on_result(one, blip.site, blip.result, kT0 - 30s).event_created);
  REQUIRE(grouped_tracker.on_result(grouped, blip.site, blip.result, kT0 - 30s).event_created);

  std::vector<std::string> one_by_one;
  for (const auto& item : batch_for(one)) {
    one_by_one.push_back(outcome_story(one_tracker.on_result(one, item.site, item.result, kT0)));
  }
  const auto outcomes = grouped_tracker.on_results(grouped, batch_for(grouped), kT0);
  std::vector<std::string> together;
  for (const auto& o : outcomes) together.push_back(outcome_story(o));
  CHECK(together == one_by_one);
  for (std::uint64_t blog = 401; blog <= 406; ++blog) {
    INFO("blog " << blog);
    CHECK(blog_story(grouped, blog) == blog_story(one, blog));
  }
  REQUIRE(outcomes.size() == 6);
  CHECK(outcomes[5].step == Step::recovered);
  CHECK(outcomes[5].had_retry_state);
  CHECK(outcomes[5].fail_count == 1);
  CHECK(grouped_tracker.retry_queue_size() == one_tracker.retry_queue_size());
  CHECK(outcomes[0].step == Step::recovered);
  CHECK(outcomes[0].closed_from_state == "Down");
  CHECK(std::get<NotifyWpcom>(outcomes[0].action).status_id == 1);
  CHECK(outcomes[1].closed_from_state == "Seems Down");
  CHECK(outcomes[2].notice_gate == NoticeGate::maintenance);
  CHECK(outcomes[3].notice_gate == NoticeGate::cooldown);
  CHECK(std::holds_alternative<NoAction>(outcomes[3].action));
  CHECK(outcomes[4].step == Step::retry_scheduled);
  CHECK(blog_story(grouped, 401).find("Down>Resolved verifier_cleared") != std::string::npos);
  CHECK(blog_story(grouped, 402).find("Seems Down>Resolved probe_cleared") != std::string::npos);
  CHECK(count(grouped, "SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL") == 1);
  CHECK(count(grouped, "SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NOT NULL AND resolution_reason IS NOT NULL") == 5);
}

TEST_CASE("incident: when an event closed meanwhile, on_results closes the others one by one") {
  MigratedDatabase db;
  auto& c = db.connection();
  const EventStore store("mon-a");
  std::vector<SiteResult> batch;
  for (std::uint64_t blog = 501; blog <= 503; ++blog) {
    seed_site(c, blog, site_of(blog).monitor_url);
    const auto opened =
        store.open(c, {blog, check_types::http, severities::seems_down, states::seems_down, {}}, Projection::write);
    SiteResult item = result_for(blog, true, kT0);
    item.site.open_http_event_id = opened.event.id;
    batch.push_back(item);
  }
  store.close(c, *batch[1].site.open_http_event_id, reasons::manual_override, {}, Projection::skip);  // an operator
  IncidentTracker tracker(options(escalation()));
  const auto outcomes = tracker.on_results(c, batch, kT0);
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes[0].step == Step::recovered);
  CHECK(outcomes[2].step == Step::recovered);
  CHECK(outcomes[1].step == Step::none);  // nothing was closed, so nothing is announced
  REQUIRE(outcomes[1].errors.size() == 1);
  CHECK_THAT(outcomes[1].errors[0], Catch::Contains("event is closed"));
  CHECK(count(c, "SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL") == 0);
  CHECK(transitions(c, 502).size() == 2);  // opened, the operator's close
}
