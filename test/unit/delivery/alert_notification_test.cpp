#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "delivery/alert_notification.hpp"

using namespace jetmon::delivery::alert;

namespace {

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string str(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

Notification sample(int severity = 4, bool recovery = false) {
  Notification n;
  n.site_id = 42;
  n.site_url = "https://example.com/";
  n.event_id = 777;
  n.event_type = "alert.opened";
  n.severity = severity;
  n.state = "Down";
  n.reason = "opened";
  n.time = "2026-11-28T21:54:10Z";
  n.recovery = recovery;
  n.dedup_key = dedup_key(777);
  return n;
}

}  // namespace

TEST_CASE("alert: the recovery rule is before >= min_severity and after = Up", "[delivery]") {
  struct Row {
    int before, after, min;
    bool recovery;
  };
  auto row = GENERATE(values<Row>({
      {4, 0, 4, true},   // Down → Up, contact alerted at Down
      {3, 0, 3, true},   // Seems Down → Up
      {4, 0, 1, true},
      {3, 0, 4, false},  // the contact never heard of it
      {0, 0, 0, true},   // min 0: every Up is a recovery
      {4, 1, 4, false},  // not Up yet
      {0, 4, 4, false},  // an escalation
      {2, 0, 2, true},
  }));
  INFO(row.before << "->" << row.after << " min " << row.min);
  CHECK(is_recovery(row.before, row.after, row.min) == row.recovery);
}

TEST_CASE("alert: pagerduty severity maps Down and Seems Down to critical, Degraded to warning", "[delivery]") {
  struct Row {
    int severity;
    std::string_view expected;
  };
  auto row = GENERATE(values<Row>({
      {4, "critical"}, {3, "critical"}, {2, "warning"}, {1, "info"}, {0, "info"}, {9, "info"},
  }));
  CHECK(pagerduty_severity(row.severity) == row.expected);
}

TEST_CASE("alert: parse_transport accepts the four ENUM values only", "[delivery]") {
  CHECK(parse_transport("email") == Transport::email);
  CHECK(parse_transport("pagerduty") == Transport::pagerduty);
  CHECK(parse_transport("slack") == Transport::slack);
  CHECK(parse_transport("teams") == Transport::teams);
  CHECK_FALSE(parse_transport("").has_value());
  CHECK_FALSE(parse_transport("Email").has_value());
  CHECK_FALSE(parse_transport("sms").has_value());
}

TEST_CASE("alert: the stored payload parses, absent keys keep their defaults", "[delivery]") {
  std::string error;
  auto p = parse_event_payload(
      R"({"type":"alert.opened","occurred_at":"2026-11-28T21:54:10.123456789Z","transition_id":9,)"
      R"("event_id":20,"site_id":10,"reason":"opened","state":"Down","severity_before":0,"severity_after":4})",
      error);
  REQUIRE(p.has_value());
  CHECK(p->type == "alert.opened");
  CHECK(p->transition_id == 9);
  CHECK(p->event_id == 20);
  CHECK(p->site_id == 10);
  CHECK(p->reason == "opened");
  CHECK(p->state == "Down");
  CHECK(p->severity_before == 0);
  CHECK(p->severity_after == 4);

  auto empty = parse_event_payload("{}", error);
  REQUIRE(empty.has_value());
  CHECK(empty->site_id == 0);
  CHECK(empty->state.empty());
}

TEST_CASE("alert: a bad payload is a readable decode error", "[delivery]") {
  struct Row {
    std::string_view json;
    std::string_view error;
  };
  auto row = GENERATE(values<Row>({
      {"", "decode payload: The document is empty. at offset 0"},
      {"{", "decode payload: Missing a name for object member. at offset 1"},
      {"[1]", "decode payload: not a JSON object"},
      {R"({"site_id":"10"})", "decode payload: site_id must be an integer from 0 to 9223372036854775807"},
      {R"({"site_id":-1})", "decode payload: site_id must be an integer from 0 to 9223372036854775807"},
      {R"({"severity_after":256})", "decode payload: severity_after must be an integer from 0 to 255"},
      {R"({"severity_before":1.5})", "decode payload: severity_before must be an integer from 0 to 255"},
      {R"({"state":4})", "decode payload: state must be a string"},
  }));
  INFO(row.json);
  std::string error;
  CHECK_FALSE(parse_event_payload(row.json, error).has_value());
  CHECK(error == row.error);
}

TEST_CASE("alert: display_time shows RFC 3339 in whole seconds", "[delivery]") {
  struct Row {
    std::string_view in;
    std::optional<std::string_view> out;
  };
  auto row = GENERATE(values<Row>({
      {"2026-11-28T21:54:10.123456789Z", "2026-11-28T21:54:10Z"},
      {"2026-11-28T21:54:10Z", "2026-11-28T21:54:10Z"},
      {"2026-11-28t21:54:10.5z", "2026-11-28T21:54:10Z"},
      {"2026-11-28T21:54:10+02:00", "2026-11-28T21:54:10+02:00"},
      {"2026-11-28T21:54:10.25-05:30", "2026-11-28T21:54:10-05:30"},
      {"", "0001-01-01T00:00:00Z"},
      {"yesterday", std::nullopt},
      {"2026-11-28 21:54:10Z", std::nullopt},
      {"2026-11-28T21:54:10.Z", std::nullopt},
      {"2026-11-28T21:54:10", std::nullopt},
      {"2026-11-28T21:54:10+0200", std::nullopt},
  }));
  INFO(row.in);
  const auto got = display_time(row.in);
  REQUIRE(got.has_value() == row.out.has_value());
  if (got) CHECK(*got == *row.out);
}

TEST_CASE("alert: make_notification applies the recovery rule, the dedup key and the site url", "[delivery]") {
  EventPayload p;
  p.type = "alert.closed";
  p.occurred_at = "2026-11-28T21:54:10.5Z";
  p.event_id = 20;
  p.site_id = 10;
  p.reason = "verifier_cleared";
  p.state = "Resolved";
  p.severity_before = 4;
  p.severity_after = 0;
  std::string error;
  auto n = make_notification(p, site_url_or_fallback(std::nullopt, 10), 4, error);
  REQUIRE(n.has_value());
  CHECK(n->recovery);
  CHECK(n->severity == 0);
  CHECK(n->dedup_key == "jetmon-event-20");
  CHECK(n->site_url == "site:10");
  CHECK(n->time == "2026-11-28T21:54:10Z");

  CHECK(site_url_or_fallback(std::string("https://a.example/"), 10) == "https://a.example/");
  CHECK(site_url_or_fallback(std::string(), 10) == "site:10");

  p.occurred_at = "not a time";
  CHECK_FALSE(make_notification(p, "x", 4, error).has_value());
  CHECK(error == R"(decode payload: occurred_at "not a time" is not an RFC 3339 time)");
}

TEST_CASE("alert: the PagerDuty Events v2 body", "[delivery]") {
  struct Row {
    int severity;
    bool recovery;
    std::string_view action, summary, pd_severity;
  };
  auto row = GENERATE(values<Row>({
      {4, false, "trigger", "Down: https://example.com/", "critical"},
      {3, false, "trigger", "Seems Down: https://example.com/", "critical"},
      {2, false, "trigger", "Degraded: https://example.com/", "warning"},
      {1, false, "trigger", "Warning: https://example.com/", "info"},
      {0, true, "resolve", "Recovered: https://example.com/", "info"},
  }));
  const auto doc = parse(pagerduty_body(sample(row.severity, row.recovery), "PDKEY"));
  CHECK(str(doc["routing_key"]) == "PDKEY");
  CHECK(str(doc["event_action"]) == row.action);
  CHECK(str(doc["dedup_key"]) == "jetmon-event-777");
  const auto& payload = doc["payload"];
  CHECK(str(payload["summary"]) == row.summary);
  CHECK(str(payload["source"]) == "https://example.com/");
  CHECK(str(payload["severity"]) == row.pd_severity);
  const auto& details = payload["custom_details"];
  CHECK(details["site_id"].GetUint64() == 42);
  CHECK(details["event_id"].GetUint64() == 777);
  CHECK(str(details["event_type"]) == "alert.opened");
  CHECK(str(details["state"]) == "Down");
  CHECK(str(details["reason"]) == "opened");
  CHECK(details["is_test"].GetBool() == false);
}

TEST_CASE("alert: the Slack Block Kit body", "[delivery]") {
  auto n = sample();
  auto doc = parse(slack_body(n));
  CHECK(str(doc["text"]) == "Jetmon Down alert: https://example.com/");
  const auto& blocks = doc["blocks"];
  REQUIRE(blocks.Size() == 2);
  CHECK(str(blocks[0]["type"]) == "section");
  CHECK(str(blocks[0]["text"]["type"]) == "mrkdwn");
  CHECK(str(blocks[0]["text"]["text"]) == ":rotating_light: *Down* — https://example.com/");
  const auto& fields = blocks[1]["fields"];
  REQUIRE(fields.Size() == 5);
  CHECK(str(fields[0]["text"]) == "*Site ID*\n42");
  CHECK(str(fields[1]["text"]) == "*Event*\n#777");
  CHECK(str(fields[2]["text"]) == "*State*\nDown");
  CHECK(str(fields[3]["text"]) == "*Reason*\nopened");
  CHECK(str(fields[4]["text"]) == "*Time*\n2026-11-28T21:54:10Z");

  n = sample(0, true);
  n.state.clear();
  n.reason.clear();
  doc = parse(slack_body(n));
  CHECK(str(doc["text"]) == "Jetmon recovery: https://example.com/");
  CHECK(str(doc["blocks"][0]["text"]["text"]) == ":white_check_mark: *Recovered* — https://example.com/");
  CHECK(doc["blocks"][1]["fields"].Size() == 3);  // no empty State / Reason

  n = sample(2);
  CHECK(str(parse(slack_body(n))["blocks"][0]["text"]["text"]) == ":warning: *Degraded* — https://example.com/");
  n.is_test = true;
  doc = parse(slack_body(n));
  CHECK(str(doc["text"]) == "Jetmon test notification for https://example.com/");
  CHECK(str(doc["blocks"][0]["text"]["text"]) == ":mag: *Jetmon test* — https://example.com/");
}

TEST_CASE("alert: the Teams message carries one Adaptive Card 1.4", "[delivery]") {
  const auto doc = parse(teams_body(sample()));
  CHECK(str(doc["type"]) == "message");
  REQUIRE(doc["attachments"].Size() == 1);
  const auto& att = doc["attachments"][0];
  CHECK(str(att["contentType"]) == "application/vnd.microsoft.card.adaptive");
  const auto& card = att["content"];
  CHECK(str(card["type"]) == "AdaptiveCard");
  CHECK(str(card["version"]) == "1.4");
  CHECK(str(card["$schema"]) == "http://adaptivecards.io/schemas/adaptive-card.json");
  REQUIRE(card["body"].Size() == 2);
  CHECK(str(card["body"][0]["type"]) == "TextBlock");
  CHECK(str(card["body"][0]["text"]) == "**Down** — https://example.com/");
  CHECK(card["body"][0]["wrap"].GetBool());
  CHECK(str(card["body"][1]["type"]) == "FactSet");
  const auto& facts = card["body"][1]["facts"];
  REQUIRE(facts.Size() == 5);
  CHECK(str(facts[0]["title"]) == "Site ID");
  CHECK(str(facts[0]["value"]) == "42");
  CHECK(str(facts[1]["value"]) == "#777 (alert.opened)");
  CHECK(str(facts[4]["title"]) == "Time");

  CHECK(str(parse(teams_body(sample(0, true)))["attachments"][0]["content"]["body"][0]["text"]) ==
        "**Recovered** — https://example.com/");
}

TEST_CASE("alert: the email subject, plain and HTML parts", "[delivery]") {
  struct Row {
    int severity;
    bool recovery, test;
    std::string_view subject;
  };
  auto row = GENERATE(values<Row>({
      {4, false, false, "[Down] https://example.com/"},
      {3, false, false, "[Seems Down] https://example.com/"},
      {0, true, false, "[Recovered] https://example.com/"},
      {4, false, true, "[Jetmon test] https://example.com/"},
  }));
  auto n = sample(row.severity, row.recovery);
  n.is_test = row.test;
  const auto m = render_email(n, "jetmon@noreply.invalid", "ops@example.com");
  CHECK(m.subject == row.subject);
  CHECK(m.from == "jetmon@noreply.invalid");
  CHECK(m.to == "ops@example.com");
  CHECK(m.plain.find("Site: https://example.com/ (id 42)\n") != std::string::npos);
  CHECK(m.plain.find("Event: #777 (alert.opened)\n") != std::string::npos);
  CHECK(m.plain.find("Time: 2026-11-28T21:54:10Z\n") != std::string::npos);
  CHECK((m.plain.find("Recovery: site is back to Up.") != std::string::npos) == row.recovery);
  CHECK(m.html.find("<td>https://example.com/ (id 42)</td>") != std::string::npos);
}

TEST_CASE("alert: every value in the HTML part is escaped", "[delivery]") {
  auto n = sample();
  n.site_url = "https://x.example/?a=1&b=<script>";
  n.state = "\"Down\"";
  n.reason = "o'pened";
  n.event_type = "<t>";
  const auto m = render_email(n, "f@x", "t@x");
  CHECK(m.html.find("<script>") == std::string::npos);
  CHECK(m.html.find("https://x.example/?a=1&amp;b=&lt;script&gt; (id 42)") != std::string::npos);
  CHECK(m.html.find("&quot;Down&quot;") != std::string::npos);
  CHECK(m.html.find("o&#39;pened") != std::string::npos);
  CHECK(m.html.find("#777 (&lt;t&gt;)") != std::string::npos);
}

TEST_CASE("alert: the WPCOM email body and the SMTP MIME message", "[delivery]") {
  EmailMessage m{"jetmon@noreply.invalid", "ops@example.com", "[Down] https://example.com/", "plain\nline 2\n",
                 "<p>html</p>"};
  const auto doc = parse(wpcom_email_body(m));
  CHECK(str(doc["from"]) == m.from);
  CHECK(str(doc["to"]) == m.to);
  CHECK(str(doc["subject"]) == m.subject);
  CHECK(str(doc["plain"]) == m.plain);
  CHECK(str(doc["html"]) == m.html);

  const std::string mime = mime_message(m, "Sat, 28 Nov 2026 21:54:10 +0000");
  CHECK(mime.find("Date: Sat, 28 Nov 2026 21:54:10 +0000\r\n") == 0);
  CHECK(mime.find("Subject: [Down] https://example.com/\r\n") != std::string::npos);
  CHECK(mime.find("Content-Type: multipart/alternative; boundary=\"JetmonAlertBoundary_4d8f31a2\"\r\n") !=
        std::string::npos);
  CHECK(mime.find("Content-Type: text/plain; charset=\"UTF-8\"") != std::string::npos);
  CHECK(mime.find("Content-Type: text/html; charset=\"UTF-8\"") != std::string::npos);
  CHECK(mime.find("plain\r\nline 2\r\n") != std::string::npos);
  CHECK(mime.find("--JetmonAlertBoundary_4d8f31a2--\r\n") != std::string::npos);

  // A subject with a line break cannot add a header; a non-ASCII one is an RFC 2047 word.
  m.subject = "[Down] https://x.example/\r\nBcc: evil@example.com";
  CHECK(mime_message(m, "d").find("\r\nBcc:") == std::string::npos);
  m.subject = "[Down] https://café.example/";
  CHECK(mime_message(m, "d").find("Subject: =?UTF-8?B?") != std::string::npos);
}

TEST_CASE("alert: destination_target reads the key of the transport", "[delivery]") {
  struct Row {
    Transport transport;
    std::string_view json;
    std::optional<std::string_view> target;
    std::string_view error;
  };
  auto row = GENERATE(values<Row>({
      {Transport::email, R"({"address":"ops@example.com"})", "ops@example.com", ""},
      {Transport::pagerduty, R"({"integration_key":"K"})", "K", ""},
      {Transport::slack, R"({"webhook_url":"https://hooks.slack.com/services/x"})", "https://hooks.slack.com/services/x", ""},
      {Transport::teams, R"({"webhook_url":"http://127.0.0.1:8080/t"})", "http://127.0.0.1:8080/t", ""},
      {Transport::email, R"({"address":""})", std::nullopt, "destination missing address"},
      {Transport::email, R"({"integration_key":"K"})", std::nullopt, "destination missing address"},
      {Transport::email, R"({"address":"nobody"})", std::nullopt, R"(destination address "nobody" is not an email address)"},
      {Transport::email, R"({"address":"a@b\r\nBcc: c@d"})", std::nullopt,
       R"(destination address "a@b\r\nBcc: c@d" is not an email address)"},
      {Transport::pagerduty, R"({"integration_key":5})", std::nullopt, "destination integration_key must be a string"},
      {Transport::pagerduty, R"({"integration_key":null})", std::nullopt, "destination missing integration_key"},
      {Transport::slack, R"({"webhook_url":"ftp://x/y"})", std::nullopt, "destination webhook_url must be an http or https URL"},
      {Transport::teams, R"([])", std::nullopt, "invalid destination JSON: not an object"},
      {Transport::slack, R"({"webhook_url":)", std::nullopt, "invalid destination JSON: Invalid value. at offset 15"},
      {Transport::slack, "", std::nullopt, "invalid destination JSON: The document is empty. at offset 0"},
  }));
  INFO(row.json);
  std::string error;
  const auto got = destination_target(row.transport, row.json, error);
  REQUIRE(got.has_value() == row.target.has_value());
  if (got) CHECK(*got == *row.target);
  else CHECK(error == row.error);
}
