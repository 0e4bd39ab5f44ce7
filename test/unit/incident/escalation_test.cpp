#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "jetmon/incident/escalation.hpp"

using namespace jetmon::incident;
using namespace std::chrono;
using jetmon::check::ErrorCode;
using jetmon::check::FailureClass;

namespace {

const TimePoint kNow = sys_days{2026y / 11 / 28} + 12h;

LocalCheck failing(int http_code, ErrorCode code, FailureClass failure_class) {
  LocalCheck c;
  c.started_at = kNow - seconds{2};
  c.http_code = http_code;
  c.error_code = code;
  c.rtt_ms = 90;
  c.failure_class = failure_class;
  return c;
}

EscalationSettings settings(int num_of_checks, std::size_t verifiers, int between_sec = 30) {
  EscalationSettings s;
  s.num_of_checks = num_of_checks;
  s.verifier_count = verifiers;
  s.time_between_checks = seconds{between_sec};
  return s;
}

RetryState retrying(int fail_count, std::optional<std::uint64_t> event_id) {
  RetryState s;
  s.fail_count = fail_count;
  s.first_fail_at = kNow - minutes{1};
  s.last_failure = failing(500, ErrorCode::none, FailureClass::server);
  s.event_id = event_id;
  s.next_retry_at = kNow - seconds{1};
  s.last_activity = kNow - seconds{30};
  return s;
}

RetryState awaiting(int fail_count) {
  RetryState s = retrying(fail_count, 7);
  s.phase = RetryPhase::awaiting_verifliers;
  s.next_retry_at.reset();
  s.request_id = "req";
  return s;
}

}  // namespace

TEST_CASE("incident: decide_failure counts local failures and retries on a timer (decision 2)", "[incident]") {
  const LocalCheck failure = failing(0, ErrorCode::timeout, FailureClass::intermittent);
  struct Row {
    const char* name;
    std::optional<RetryState> before;
    EscalationSettings settings;
    FailureStep step;
    int fail_count;
    bool open_event;
    std::optional<TimePoint> next_retry_at;
    RetryPhase phase;
  };
  auto row = GENERATE_COPY(values<Row>({
      {"first failure of 3: open the event, retry in 30 s", std::nullopt, settings(3, 2),
       FailureStep::retry_later, 1, true, kNow + seconds{30}, RetryPhase::retrying},
      {"second failure of 3", retrying(1, 7), settings(3, 2), FailureStep::retry_later, 2, false,
       kNow + seconds{30}, RetryPhase::retrying},
      {"second failure retries a failed open", retrying(1, std::nullopt), settings(3, 2),
       FailureStep::retry_later, 2, true, kNow + seconds{30}, RetryPhase::retrying},
      {"third failure of 3 escalates", retrying(2, 7), settings(3, 2), FailureStep::escalate, 3,
       false, std::nullopt, RetryPhase::awaiting_verifliers},
      {"third failure without Verifliers confirms", retrying(2, 7), settings(3, 0),
       FailureStep::confirm_down, 3, false, std::nullopt, RetryPhase::retrying},
      {"NUM_OF_CHECKS 1 escalates on the first failure", std::nullopt, settings(1, 2),
       FailureStep::escalate, 1, true, std::nullopt, RetryPhase::awaiting_verifliers},
      {"NUM_OF_CHECKS 0 behaves like 1", std::nullopt, settings(0, 0), FailureStep::confirm_down, 1,
       true, std::nullopt, RetryPhase::retrying},
      {"custom retry delay", std::nullopt, settings(5, 1, 120), FailureStep::retry_later, 1, true,
       kNow + seconds{120}, RetryPhase::retrying},
      {"negative delay retries now", std::nullopt, settings(5, 1, -5), FailureStep::retry_later, 1,
       true, kNow, RetryPhase::retrying},
      {"failure while votes are pending changes nothing", awaiting(3), settings(3, 2),
       FailureStep::awaiting_votes, 3, false, std::nullopt, RetryPhase::awaiting_verifliers},
  }));
  INFO(row.name);
  const FailureDecision d = decide_failure(row.before, failure, kNow, row.settings);
  CHECK(d.step == row.step);
  CHECK(d.state.fail_count == row.fail_count);
  CHECK(d.open_event == row.open_event);
  CHECK(d.state.next_retry_at == row.next_retry_at);
  CHECK(d.state.phase == row.phase);
  CHECK(d.state.last_activity == kNow);
  if (row.step == FailureStep::awaiting_votes) {
    CHECK(d.state.last_failure == row.before->last_failure);  // the escalated failure is kept
    CHECK(d.state.request_id == "req");
  } else {
    CHECK(d.state.last_failure == failure);
    CHECK(d.state.request_id.empty());
  }
  CHECK(d.state.first_fail_at == (row.before ? row.before->first_fail_at : kNow));
  CHECK(d.state.event_id == (row.before ? row.before->event_id : std::nullopt));
}

namespace {

VeriflierVote down_vote(const char* host) { return {std::string(host) + ":7803", true, host, false, 500, 0, 40, ""}; }
VeriflierVote up_vote(const char* host) { return {std::string(host) + ":7803", true, host, true, 200, 0, 30, ""}; }
VeriflierVote no_reply(const char* host) {
  return {std::string(host) + ":7803", false, "", false, 0, 0, 0, "connection refused"};
}

}  // namespace

TEST_CASE("incident: decide_quorum is max(1, min(PEER_OFFLINE_LIMIT, healthy)) and says why", "[incident]") {
  using V = QuorumVerdict;
  struct Row {
    const char* name;
    std::vector<VeriflierVote> votes;
    int peer_offline_limit;
    QuorumDecision expected;  // healthy, confirmations, disagreements, errors, quorum, verdict
  };
  auto row = GENERATE(values<Row>({
      {"3 of 3 confirm", {down_vote("a"), down_vote("b"), down_vote("c")}, 3, {3, 3, 0, 0, 3, V::confirmed}},
      {"2 of 3 confirm with limit 3", {down_vote("a"), down_vote("b"), up_vote("c")}, 3, {3, 2, 1, 0, 3, V::disagreed}},
      {"2 of 3 confirm with limit 2", {down_vote("a"), down_vote("b"), up_vote("c")}, 2, {3, 2, 1, 0, 2, V::confirmed}},
      {"1 healthy reply confirming, 2 errors", {down_vote("a"), no_reply("b"), no_reply("c")}, 3, {1, 1, 0, 2, 1, V::confirmed}},
      {"1 healthy reply disagreeing, 2 errors", {up_vote("a"), no_reply("b"), no_reply("c")}, 3, {1, 0, 1, 2, 1, V::disagreed}},
      {"every Veriflier errors: false alarm by the Go rule", {no_reply("a"), no_reply("b")}, 3, {0, 0, 0, 2, 1, V::no_healthy_replies}},
      {"no votes at all", {}, 3, {0, 0, 0, 0, 1, V::no_healthy_replies}},
      {"limit 0 still needs one confirmation", {down_vote("a"), up_vote("b")}, 0, {2, 1, 1, 0, 1, V::confirmed}},
      {"limit 1: any confirmation wins", {up_vote("a"), up_vote("b"), down_vote("c")}, 1, {3, 1, 2, 0, 1, V::confirmed}},
      {"all disagree", {up_vote("a"), up_vote("b")}, 3, {2, 0, 2, 0, 2, V::disagreed}},
  }));
  INFO(row.name);
  const QuorumDecision q = decide_quorum(row.votes, row.peer_offline_limit);
  CHECK(q == row.expected);
  CHECK(q.confirmed() == (row.expected.verdict == V::confirmed));
}

TEST_CASE("incident: in_maintenance is start < now < end, both set", "[incident]") {
  const std::optional<TimePoint> unset;
  struct Row {
    const char* name;
    std::optional<TimePoint> start;
    std::optional<TimePoint> end;
    bool expected;
  };
  auto row = GENERATE_COPY(values<Row>({
      {"inside", kNow - hours{1}, kNow + hours{1}, true},
      {"not started", kNow + seconds{1}, kNow + hours{1}, false},
      {"ended", kNow - hours{2}, kNow - seconds{1}, false},
      {"start bound is exclusive", kNow, kNow + hours{1}, false},
      {"end bound is exclusive", kNow - hours{1}, kNow, false},
      {"only start", kNow - hours{1}, unset, false},
      {"only end", unset, kNow + hours{1}, false},
      {"neither", unset, unset, false},
      {"inverted window", kNow + hours{1}, kNow - hours{1}, false},
  }));
  INFO(row.name);
  CHECK(in_maintenance(row.start, row.end, kNow) == row.expected);
}

TEST_CASE("incident: in_cooldown uses the site value, else the global one, and <=0 disables", "[incident]") {
  const std::optional<int> no_site_value;
  const std::optional<TimePoint> never;
  struct Row {
    const char* name;
    std::optional<int> site_minutes;
    int global_minutes;
    std::optional<TimePoint> last_alert;
    bool expected;
  };
  auto row = GENERATE_COPY(values<Row>({
      {"global 30, alert 10 min ago", no_site_value, 30, kNow - minutes{10}, true},
      {"global 30, alert 30 min ago", no_site_value, 30, kNow - minutes{30}, false},
      {"global 30, alert 29:59 ago", no_site_value, 30, kNow - minutes{30} + seconds{1}, true},
      {"global 30, never alerted", no_site_value, 30, never, false},
      {"site 5 overrides global 30", 5, 30, kNow - minutes{10}, false},
      {"site 60 overrides global 30", 60, 30, kNow - minutes{45}, true},
      {"site 0 disables", 0, 30, kNow - minutes{1}, false},
      {"global 0 disables", no_site_value, 0, kNow - minutes{1}, false},
      {"global negative disables", no_site_value, -5, kNow - minutes{1}, false},
      {"alert stamped in the future still cools down", no_site_value, 30, kNow + minutes{1}, true},
  }));
  INFO(row.name);
  CHECK(in_cooldown(row.site_minutes, row.global_minutes, row.last_alert, kNow) == row.expected);
}

TEST_CASE("incident: notice_gate puts maintenance before cooldown", "[incident]") {
  SiteSnapshot site;
  CHECK(notice_gate(site, kNow, 30) == NoticeGate::send);
  site.last_alert_sent_at = kNow - minutes{5};
  CHECK(notice_gate(site, kNow, 30) == NoticeGate::cooldown);
  CHECK(notice_gate(site, kNow, 0) == NoticeGate::send);
  site.maintenance_start = kNow - hours{1};
  site.maintenance_end = kNow + hours{1};
  CHECK(notice_gate(site, kNow, 30) == NoticeGate::maintenance);
  site.last_alert_sent_at.reset();
  CHECK(notice_gate(site, kNow, 30) == NoticeGate::maintenance);
}

TEST_CASE("incident: decide_recovery needs no site_status (decision 4)", "[incident]") {
  struct Row {
    bool has_retry_state;
    bool has_open_event;
    RecoveryStep expected;
  };
  auto row = GENERATE(values<Row>({
      {false, false, RecoveryStep::nothing},
      {true, false, RecoveryStep::clear_retry_state},
      {false, true, RecoveryStep::close_event},  // e.g. after a restart: retry state lost, event open
      {true, true, RecoveryStep::close_event},
  }));
  CHECK(decide_recovery(row.has_retry_state, row.has_open_event) == row.expected);
}

TEST_CASE("incident: LocalCheck and EscalationSettings take what escalation needs", "[incident]") {
  jetmon::check::CheckResult r;
  r.blog_id = 5;
  r.url = "https://example.com/";
  r.http_code = 503;
  r.error_code = ErrorCode::none;
  r.success = false;
  r.failure_class = FailureClass::server;
  r.rtt_ms = 1234;
  r.started_at = kNow;
  const LocalCheck c = LocalCheck::from(r);
  CHECK(c.started_at == kNow);
  CHECK(c.http_code == 503);
  CHECK(c.rtt_ms == 1234);
  CHECK(c.failure_class == FailureClass::server);
  CHECK(c.is_failure());
  r.success = true;
  r.error_code = ErrorCode::tls_deprecated;
  CHECK_FALSE(LocalCheck::from(r).is_failure());  // §4.5: code 7 is advisory

  jetmon::config::Config config;
  config.num_of_checks = 4;
  config.time_between_checks_sec = 45;
  config.peer_offline_limit = 2;
  config.alert_cooldown_minutes = 15;
  config.legacy_status_projection_enable = false;
  config.verifiers.resize(3);
  const auto s = EscalationSettings::from(config);
  CHECK(s.num_of_checks == 4);
  CHECK(s.time_between_checks == seconds{45});
  CHECK(s.verifier_count == 3);
  CHECK(s.peer_offline_limit == 2);
  CHECK(s.alert_cooldown_minutes == 15);
  CHECK_FALSE(s.projection_enabled);
}

TEST_CASE("incident: request ids are 32 lowercase hex digits and unique", "[incident]") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string id = new_request_id();
    REQUIRE(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 50);
}
