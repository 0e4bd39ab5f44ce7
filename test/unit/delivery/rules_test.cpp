#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/utf8.hpp"
#include "jetmon/delivery/rules.hpp"

using namespace jetmon::delivery;
using namespace std::chrono_literals;

namespace {

Transition transition(std::string reason = "opened", std::uint64_t blog = 42, int before = 0, int after = 4,
                      std::string state = "Down") {
  Transition t;
  t.id = 7;
  t.event_id = 3;
  t.blog_id = blog;
  t.severity_before = before;
  t.severity_after = after;
  t.state_after = std::move(state);
  t.reason = std::move(reason);
  t.changed_at = std::chrono::sys_days(std::chrono::year(2026) / 4 / 30) + 10h + 42min + 15s + 512ms;
  return t;
}

}  // namespace

TEST_CASE("delivery: every reason maps to the type of each family", "[delivery]") {
  struct Row {
    const char* reason;
    const char* webhook;  // "" = skipped
    const char* alert;
  };
  const std::vector<Row> rows{
      {"opened", "event.opened", "alert.opened"},
      {"severity_escalation", "event.severity_changed", "alert.severity_changed"},
      {"severity_deescalation", "event.severity_changed", "alert.severity_changed"},
      {"state_change", "event.state_changed", "alert.state_changed"},
      {"verifier_confirmed", "event.state_changed", "alert.state_changed"},
      {"cause_linked", "event.cause_linked", ""},
      {"cause_unlinked", "event.cause_unlinked", ""},
      {"verifier_cleared", "event.closed", "alert.closed"},
      {"probe_cleared", "event.closed", "alert.closed"},
      {"false_alarm", "event.closed", "alert.closed"},
      {"manual_override", "event.closed", "alert.closed"},
      {"maintenance_swallowed", "event.closed", "alert.closed"},
      {"superseded", "event.closed", "alert.closed"},
      {"auto_timeout", "event.closed", "alert.closed"},
      {"something_new", "", ""},
      {"", "", ""},
      {"Opened", "", ""},
  };
  for (const Row& r : rows) {
    INFO(r.reason);
    const auto w = event_type_for(Family::webhook, r.reason);
    const auto a = event_type_for(Family::alert, r.reason);
    CHECK(std::string(w.value_or("")) == r.webhook);
    CHECK(std::string(a.value_or("")) == r.alert);
  }
}

TEST_CASE("delivery: each family lists the event types its reasons map to, once each", "[delivery]") {
  using Types = std::vector<std::string>;
  CHECK(event_types(Family::webhook) == Types{"event.opened", "event.severity_changed", "event.state_changed",
                                              "event.cause_linked", "event.cause_unlinked", "event.closed"});
  CHECK(event_types(Family::alert) ==
        Types{"alert.opened", "alert.severity_changed", "alert.state_changed", "alert.closed"});
}

TEST_CASE("delivery: stored filters parse, and unreadable ones are errors", "[delivery]") {
  struct Row {
    std::optional<std::string> json;
    std::vector<std::string> values;
    bool error;
  };
  const std::vector<Row> events{
      {std::nullopt, {}, false},
      {"null", {}, false},
      {"[]", {}, false},
      {R"(["event.opened","event.closed"])", {"event.opened", "event.closed"}, false},
      {R"(["event.opened",1])", {}, true},
      {R"({"events":[]})", {}, true},
      {"[", {}, true},
      {"", {}, true},
  };
  for (const Row& r : events) {
    INFO(r.json.value_or("<NULL>"));
    const StringFilter f = parse_events_filter(r.json);
    CHECK(f.values == r.values);
    CHECK(f.error.empty() == !r.error);
  }
  const std::vector<Row> states{
      {std::nullopt, {}, false},
      {"{}", {}, false},
      {R"({"states":null})", {}, false},
      {R"({"states":["Down","Up"]})", {"Down", "Up"}, false},
      {R"({"states":"Down"})", {}, true},
      {R"(["Down"])", {}, true},
      {"{not json", {}, true},
  };
  for (const Row& r : states) {
    INFO(r.json.value_or("<NULL>"));
    const StringFilter f = parse_state_filter(r.json);
    CHECK(f.values == r.values);
    CHECK(f.error.empty() == !r.error);
  }
  struct IdRow {
    std::optional<std::string> json;
    std::vector<std::uint64_t> values;
    bool error;
  };
  const std::vector<IdRow> sites{
      {std::nullopt, {}, false},
      {"null", {}, false},
      {R"({"site_ids":[]})", {}, false},
      {R"({"site_ids":[1,18446744073709551615]})", {1, 18446744073709551615ull}, false},
      {R"({"site_ids":[-1]})", {}, true},
      {R"({"site_ids":["1"]})", {}, true},
      {R"({"site_ids":1.5})", {}, true},
      {R"("abc")", {}, true},
      {"{\"site_ids\":[1]", {}, true},
  };
  for (const IdRow& r : sites) {
    INFO(r.json.value_or("<NULL>"));
    const IdFilter f = parse_site_filter(r.json);
    CHECK(f.values == r.values);
    CHECK(f.error.empty() == !r.error);
  }
}

TEST_CASE("delivery: webhook match rules", "[delivery]") {
  auto hook = [](const char* events, const char* sites, const char* states, bool active = true) {
    WebhookSubscriber s;
    s.id = 1;
    s.active = active;
    s.events = parse_events_filter(events ? std::optional<std::string>(events) : std::nullopt);
    s.sites = parse_site_filter(sites ? std::optional<std::string>(sites) : std::nullopt);
    s.states = parse_state_filter(states ? std::optional<std::string>(states) : std::nullopt);
    return s;
  };
  struct Row {
    const char* name;
    WebhookSubscriber s;
    Transition t;
    const char* type;
    bool match;
  };
  const std::vector<Row> rows{
      {"no filters", hook(nullptr, nullptr, nullptr), transition(), "event.opened", true},
      {"inactive", hook(nullptr, nullptr, nullptr, false), transition(), "event.opened", false},
      {"event listed", hook(R"(["event.opened"])", nullptr, nullptr), transition(), "event.opened", true},
      {"event not listed", hook(R"(["event.closed"])", nullptr, nullptr), transition(), "event.opened", false},
      {"site listed", hook(nullptr, R"({"site_ids":[42]})", nullptr), transition(), "event.opened", true},
      {"site not listed", hook(nullptr, R"({"site_ids":[41]})", nullptr), transition(), "event.opened", false},
      {"state listed", hook(nullptr, nullptr, R"({"states":["Down"]})"), transition(), "event.opened", true},
      {"state not listed", hook(nullptr, nullptr, R"({"states":["Up"]})"), transition(), "event.opened", false},
      {"NULL state vs state filter", hook(nullptr, nullptr, R"({"states":["Down"]})"),
       transition("opened", 42, 0, 4, ""), "event.opened", false},
      {"all three", hook(R"(["event.opened"])", R"({"site_ids":[42]})", R"({"states":["Down"]})"), transition(),
       "event.opened", true},
      {"bad events JSON", hook("[", nullptr, nullptr), transition(), "event.opened", false},
      {"bad site JSON", hook(nullptr, "{", nullptr), transition(), "event.opened", false},
      {"bad state shape", hook(nullptr, nullptr, R"({"states":[1]})"), transition(), "event.opened", false},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    CHECK(webhook_matches(r.s, r.t, r.type) == r.match);
  }
  CHECK(filter_error(hook("[", nullptr, nullptr)).starts_with("events: invalid JSON"));
  CHECK(filter_error(hook(nullptr, R"({"site_ids":"x"})", nullptr)).starts_with("site_filter: site_ids:"));
  CHECK(filter_error(hook(nullptr, nullptr, R"([])")).starts_with("state_filter: want an object"));
  CHECK(filter_error(hook(nullptr, nullptr, nullptr)).empty());
}

TEST_CASE("delivery: alert-contact match rules", "[delivery]") {
  auto contact = [](int min, const char* sites = nullptr, bool active = true) {
    AlertSubscriber s;
    s.id = 1;
    s.active = active;
    s.min_severity = min;
    s.sites = parse_site_filter(sites ? std::optional<std::string>(sites) : std::nullopt);
    return s;
  };
  struct Row {
    const char* name;
    AlertSubscriber s;
    int before, after;
    bool match;
  };
  const std::vector<Row> rows{
      {"after reaches min", contact(4), 0, 4, true},
      {"after below min", contact(4), 0, 3, false},
      {"recovery from above min", contact(4), 4, 0, true},
      {"recovery from below min", contact(4), 3, 0, false},
      {"de-escalation not to Up", contact(3), 4, 2, false},
      {"min 0 matches anything", contact(0), 0, 0, true},
      {"NULL severities (0) vs min 1", contact(1), 0, 0, false},
      {"inactive", contact(4, nullptr, false), 0, 4, false},
      {"site listed", contact(4, R"({"site_ids":[42]})"), 0, 4, true},
      {"site not listed", contact(4, R"({"site_ids":[5]})"), 0, 4, false},
      {"bad site JSON", contact(4, "nope"), 0, 4, false},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    CHECK(alert_matches(r.s, transition("state_change", 42, r.before, r.after)) == r.match);
  }
}

TEST_CASE("delivery: the frozen payload of each family", "[delivery]") {
  const Transition t = transition("verifier_confirmed", 42, 3, 4, "Down");
  CHECK(build_payload(Family::webhook, t, "event.state_changed") ==
        R"({"type":"event.state_changed","occurred_at":"2026-04-30T10:42:15.512Z","transition_id":7,)"
        R"("event_id":3,"site_id":42,"reason":"verifier_confirmed","state":"Down"})");
  CHECK(build_payload(Family::alert, t, "alert.state_changed") ==
        R"({"type":"alert.state_changed","occurred_at":"2026-04-30T10:42:15.512Z","transition_id":7,)"
        R"("event_id":3,"site_id":42,"reason":"verifier_confirmed","state":"Down",)"
        R"("severity_before":3,"severity_after":4})");
  Transition whole = transition("opened", 1, 0, 4, "");
  whole.changed_at = std::chrono::sys_days(std::chrono::year(2026) / 1 / 2) + 3h;
  whole.reason = "we\"ird";
  CHECK(build_payload(Family::webhook, whole, "event.opened") ==
        R"({"type":"event.opened","occurred_at":"2026-01-02T03:00:00Z","transition_id":7,)"
        R"("event_id":3,"site_id":1,"reason":"we\"ird","state":""})");
}

TEST_CASE("delivery: the retry ladder and the row update of each outcome", "[delivery]") {
  const RetryLadder ladder;
  struct LadderRow {
    unsigned failures;
    std::optional<std::chrono::seconds> delay;
  };
  for (const LadderRow& r : std::vector<LadderRow>{{0, std::nullopt},
                                                   {1, 60s},
                                                   {2, 300s},
                                                   {3, 1800s},
                                                   {4, 3600s},
                                                   {5, 21600s},
                                                   {6, std::nullopt},
                                                   {7, std::nullopt}}) {
    INFO(r.failures);
    CHECK(retry_delay(ladder, r.failures) == r.delay);
  }

  struct Row {
    const char* name;
    SendOutcome outcome;
    unsigned attempt_before;
    RowUpdate::Status status;
    std::optional<std::chrono::seconds> next;
  };
  using K = SendOutcome::Kind;
  using S = RowUpdate::Status;
  const std::vector<Row> rows{
      {"delivered", {K::delivered, 200, "ok"}, 0, S::delivered, std::nullopt},
      {"delivered on the last try", {K::delivered, 204, ""}, 5, S::delivered, std::nullopt},
      {"first failure", {K::retry, 500, "boom"}, 0, S::pending, 60s},
      {"fifth failure", {K::retry, 500, "boom"}, 4, S::pending, 21600s},
      {"sixth failure abandons", {K::retry, 500, "boom"}, 5, S::abandoned, std::nullopt},
      {"forced abandon", {K::abandon, 0, "webhook is inactive"}, 0, S::abandoned, std::nullopt},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    const RowUpdate u = row_update(r.outcome, r.attempt_before, ladder);
    CHECK(u.status == r.status);
    CHECK(u.next_after == r.next);
    CHECK(u.attempt == r.attempt_before + 1);
    CHECK(u.status_code == r.outcome.status_code);
    CHECK(u.response == r.outcome.response);
  }

  RetryLadder short_ladder;
  short_ladder.delays = {1s};
  CHECK(row_update({K::retry, 0, "x"}, 0, short_ladder).status == S::pending);
  CHECK(row_update({K::retry, 0, "x"}, 1, short_ladder).status == S::abandoned);
}

TEST_CASE("delivery: the stored response is cut to 2048 bytes on a character boundary", "[delivery]") {
  const std::string ascii(5000, 'a');
  CHECK(row_update({SendOutcome::Kind::retry, 500, ascii}, 0, {}).response == std::string(2048, 'a'));
  // 2047 ASCII bytes then a 3-byte character: the character does not fit and is dropped whole.
  const std::string split = std::string(2047, 'a') + "\xE2\x82\xAC" + "tail";
  CHECK(row_update({SendOutcome::Kind::retry, 500, split}, 0, {}).response == std::string(2047, 'a'));
  // Malformed bytes become U+FFFD (valid utf8mb4 for the column).
  CHECK(row_update({SendOutcome::Kind::retry, 500, "bad\xFF"}, 0, {}).response == "bad\xEF\xBF\xBD");
  CHECK(std::string(jetmon::utf8_prefix_bytes("\xC3\xA9\xC3\xA9", 3)) == "\xC3\xA9");
  CHECK(std::string(jetmon::utf8_prefix_bytes("abc", 0)).empty());
}

TEST_CASE("delivery: HMAC-SHA256 and the signature header", "[delivery]") {
  // RFC 4231 test case 2.
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string secret = "whsec_ABCDEF";
  const std::string body = R"({"type":"event.opened"})";
  const std::string header = signature_header_value(secret, 1777545735, body);
  CHECK(header == "t=1777545735,v1=" + hmac_sha256_hex(secret, "1777545735." + body));
  // Keyed by the full secret, prefix included.
  CHECK(header != "t=1777545735,v1=" + hmac_sha256_hex("ABCDEF", "1777545735." + body));
}
