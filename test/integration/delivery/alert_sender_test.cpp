// The alert-contact send step against a real MariaDB and local receivers (dashboard-fleet.md §8.5).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/http_receiver.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/delivery/alert_sender.hpp"
#include "support/fixture_site.hpp"
#include "support/smtp_sink.hpp"
#include "support/test_db.hpp"

using namespace std::chrono_literals;
using jetmon::delivery::AlertRowSender;
using jetmon::delivery::AlertSettings;
using jetmon::delivery::ClaimedRow;
using jetmon::delivery::SendOutcome;
using jetmon::test::FixtureSite;
using jetmon::test::SiteBehaviour;
using jetmon::test::SmtpSink;
using jetmon::test::TestDatabase;
using jetmon::test::HttpReceiver;
using Kind = SendOutcome::Kind;

namespace {

constexpr std::uint64_t kSite = 10;
constexpr const char* kSiteUrl = "https://site10.example/";

struct Fixture {
  TestDatabase tdb;
  jetmon::db::Pool pool;

  Fixture() : pool(tdb.options()) {
    jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
    tdb.connection().exec(
        "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, 0, ?, 1)",
        {kSite, kSiteUrl});
  }

  std::uint64_t add_contact(std::string_view transport, std::string_view destination, int min_severity = 4,
                            int max_per_hour = 60, bool active = true) {
    tdb.connection().exec(
        "INSERT INTO jetmon_alert_contacts (label, active, transport, destination, min_severity, max_per_hour)"
        " VALUES ('test', ?, ?, ?, ?, ?)",
        {active, transport, destination, min_severity, max_per_hour});
    return static_cast<std::uint64_t>(*tdb.connection().query_scalar("SELECT LAST_INSERT_ID()")->as_uint64());
  }
};

std::string payload(std::uint64_t site_id, int before, int after, std::string_view type = "alert.opened",
                    std::string_view reason = "opened", std::string_view state = "Down") {
  return fmt::format(
      R"({{"type":"{}","occurred_at":"2026-11-28T21:54:10.123456789Z","transition_id":9,"event_id":20,)"
      R"("site_id":{},"reason":"{}","state":"{}","severity_before":{},"severity_after":{}}})",
      type, site_id, reason, state, before, after);
}

ClaimedRow row_for(std::uint64_t contact, std::string body) {
  ClaimedRow row;
  row.id = 1;
  row.subscriber_id = contact;
  row.transition_id = 9;
  row.event_id = 20;
  row.event_type = "alert.opened";
  row.severity = 4;
  row.payload = std::move(body);
  return row;
}

AlertSettings fast_settings() {
  AlertSettings s;
  s.send_timeout = 2s;
  s.config.pagerduty_events_url = "http://127.0.0.1:9/v2/enqueue";  // nothing listens: a test must set it
  return s;
}

rapidjson::Document json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}
std::string str(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string dest(std::string_view key, const std::string& value) {
  return fmt::format(R"({{"{}":"{}"}})", key, value);
}

}  // namespace

TEST_CASE("alert-contacts: slack receives a Block Kit message and the row is delivered") {
  Fixture f;
  HttpReceiver slack("/services/T000/B000/XXX");
  slack.response_body("ok");
  const auto contact = f.add_contact("slack", dest("webhook_url", slack.url()));
  AlertRowSender sender(f.pool, fast_settings());

  const SendOutcome out = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
  CHECK(out.kind == Kind::delivered);
  CHECK(out.status_code == 200);
  CHECK(out.response == "ok");
  REQUIRE(slack.count() == 1);
  const auto req = slack.requests()[0];
  CHECK(req.header("Content-Type") == "application/json");
  const auto doc = json(req.body);
  CHECK(str(doc["text"]) == "Jetmon Down alert: https://site10.example/");
  CHECK(str(doc["blocks"][0]["text"]["text"]) == ":rotating_light: *Down* — https://site10.example/");
  const auto& fields = doc["blocks"][1]["fields"];
  REQUIRE(fields.Size() == 5);
  CHECK(str(fields[0]["text"]) == "*Site ID*\n10");
  CHECK(str(fields[1]["text"]) == "*Event*\n#20");
  CHECK(str(fields[2]["text"]) == "*State*\nDown");
  CHECK(str(fields[3]["text"]) == "*Reason*\nopened");
  CHECK(str(fields[4]["text"]) == "*Time*\n2026-11-28T21:54:10Z");
}

TEST_CASE("alert-contacts: teams receives one Adaptive Card, a recovery says Recovered") {
  Fixture f;
  HttpReceiver teams("/webhookb2/abc");
  const auto contact = f.add_contact("teams", dest("webhook_url", teams.url()));
  AlertRowSender sender(f.pool, fast_settings());

  const auto out = sender.send(row_for(contact, payload(kSite, 4, 0, "alert.closed", "verifier_cleared", "Resolved")),
                               nullptr);
  CHECK(out.kind == Kind::delivered);
  REQUIRE(teams.count() == 1);
  const auto doc = json(teams.requests()[0].body);
  CHECK(str(doc["type"]) == "message");
  const auto& card = doc["attachments"][0]["content"];
  CHECK(str(doc["attachments"][0]["contentType"]) == "application/vnd.microsoft.card.adaptive");
  CHECK(str(card["version"]) == "1.4");
  CHECK(str(card["body"][0]["text"]) == "**Recovered** — https://site10.example/");
  const auto& facts = card["body"][1]["facts"];
  CHECK(str(facts[1]["value"]) == "#20 (alert.closed)");
  CHECK(str(facts[2]["value"]) == "Resolved");
  CHECK(str(facts[3]["value"]) == "verifier_cleared");
}

TEST_CASE("alert-contacts: pagerduty gets trigger then resolve with one dedup key") {
  Fixture f;
  HttpReceiver pd("/v2/enqueue");
  pd.response_body(R"({"status":"success","dedup_key":"jetmon-event-20"})");
  pd.script({202, 202, 202}, 202);
  auto settings = fast_settings();
  settings.config.pagerduty_events_url = pd.url();
  const auto contact = f.add_contact("pagerduty", dest("integration_key", "PDKEY123"), 3);
  AlertRowSender sender(f.pool, settings);

  auto out = sender.send(row_for(contact, payload(kSite, 0, 3, "alert.opened", "opened", "Seems Down")), nullptr);
  CHECK(out.kind == Kind::delivered);
  CHECK(out.status_code == 202);
  CHECK(out.response == R"({"status":"success","dedup_key":"jetmon-event-20"})");
  out = sender.send(row_for(contact, payload(kSite, 3, 0, "alert.closed", "probe_cleared", "Resolved")), nullptr);
  CHECK(out.kind == Kind::delivered);
  // A site with no jetpack_monitor_sites row is named site:<id>.
  out = sender.send(row_for(contact, payload(555, 0, 4)), nullptr);
  CHECK(out.kind == Kind::delivered);

  REQUIRE(pd.count() == 3);
  const auto trigger = json(pd.requests()[0].body);
  CHECK(str(trigger["routing_key"]) == "PDKEY123");
  CHECK(str(trigger["event_action"]) == "trigger");
  CHECK(str(trigger["dedup_key"]) == "jetmon-event-20");
  CHECK(str(trigger["payload"]["summary"]) == "Seems Down: https://site10.example/");
  CHECK(str(trigger["payload"]["source"]) == "https://site10.example/");
  CHECK(str(trigger["payload"]["severity"]) == "critical");
  CHECK(trigger["payload"]["custom_details"]["site_id"].GetUint64() == 10);
  CHECK(trigger["payload"]["custom_details"]["is_test"].GetBool() == false);
  const auto resolve = json(pd.requests()[1].body);
  CHECK(str(resolve["event_action"]) == "resolve");
  CHECK(str(resolve["dedup_key"]) == "jetmon-event-20");
  CHECK(str(resolve["payload"]["summary"]) == "Recovered: https://site10.example/");
  const auto unknown_site = json(pd.requests()[2].body);
  CHECK(str(unknown_site["payload"]["summary"]) == "Down: site:555");
}

TEST_CASE("alert-contacts: wpcom email posts the message with the bearer token") {
  Fixture f;
  HttpReceiver api("/rest/v1.1/jetmon/email");
  auto settings = fast_settings();
  settings.config.email_transport = "wpcom";
  settings.config.wpcom_email_endpoint = api.url();
  settings.config.wpcom_email_auth_token = "email-token-1";
  settings.config.email_from = "jetmon@example.com";
  const auto contact = f.add_contact("email", dest("address", "ops@example.com"));
  AlertRowSender sender(f.pool, settings);

  auto out = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
  CHECK(out.kind == Kind::delivered);
  CHECK(out.status_code == 250);
  CHECK(out.response == "delivered");
  REQUIRE(api.count() == 1);
  const auto req = api.requests()[0];
  CHECK(req.header("Authorization") == "Bearer email-token-1");
  CHECK(req.header("Content-Type") == "application/json");
  const auto doc = json(req.body);
  CHECK(str(doc["from"]) == "jetmon@example.com");
  CHECK(str(doc["to"]) == "ops@example.com");
  CHECK(str(doc["subject"]) == "[Down] https://site10.example/");
  CHECK(str(doc["plain"]).find("Site: https://site10.example/ (id 10)") != std::string::npos);
  CHECK(str(doc["html"]).find("<td>https://site10.example/ (id 10)</td>") != std::string::npos);

  api.always(503);
  api.response_body("maintenance");
  out = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
  CHECK(out.kind == Kind::retry);
  CHECK(out.status_code == 554);
  CHECK(out.response == "transport error: wpcom email: status 503: maintenance");
}

TEST_CASE("alert-contacts: smtp sends a multipart message and no AUTH without TLS") {
  Fixture f;
  SmtpSink sink;
  auto settings = fast_settings();
  settings.config.email_transport = "smtp";
  settings.config.smtp_host = "127.0.0.1";
  settings.config.smtp_port = sink.port();
  settings.config.smtp_username = "user";  // ignored: AUTH only with SMTP_USE_TLS
  settings.config.smtp_password = "secret";
  settings.config.email_from = "Jetmon <jetmon@example.com>";
  const auto contact = f.add_contact("email", dest("address", "ops@example.com"));
  AlertRowSender sender(f.pool, settings);

  const auto out = sender.send(row_for(contact, payload(kSite, 4, 0, "alert.closed", "verifier_cleared", "Resolved")),
                               nullptr);
  CHECK(out.kind == Kind::delivered);
  CHECK(out.status_code == 250);
  REQUIRE(sink.wait_for(1, 10s));
  const auto m = sink.messages()[0];
  CHECK(m.mail_from == "<jetmon@example.com>");
  REQUIRE(m.rcpt_to.size() == 1);
  CHECK(m.rcpt_to[0] == "<ops@example.com>");
  CHECK(m.auth.empty());
  CHECK(m.data.find("From: Jetmon <jetmon@example.com>\r\n") != std::string::npos);
  CHECK(m.data.find("To: ops@example.com\r\n") != std::string::npos);
  CHECK(m.data.find("Subject: [Recovered] https://site10.example/\r\n") != std::string::npos);
  CHECK(m.data.find("Content-Type: multipart/alternative;") != std::string::npos);
  CHECK(m.data.find("Content-Type: text/plain; charset=\"UTF-8\"") != std::string::npos);
  CHECK(m.data.find("Content-Type: text/html; charset=\"UTF-8\"") != std::string::npos);
  CHECK(m.data.find("Recovery: site is back to Up.\r\n") != std::string::npos);
  for (const auto& c : sink.commands()) CHECK(c.rfind("AUTH", 0) == std::string::npos);
}

TEST_CASE("alert-contacts: smtp failures are retries with code 554") {
  Fixture f;
  const auto contact = f.add_contact("email", dest("address", "ops@example.com"));
  auto settings = fast_settings();
  settings.config.email_transport = "smtp";
  settings.config.smtp_host = "127.0.0.1";

  SECTION("the server refuses the message") {
    SmtpSink sink(SmtpSink::Options{true, 554, false});
    settings.config.smtp_port = sink.port();
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::retry);
    CHECK(out.status_code == 554);
    CHECK(out.response.rfind("transport error: smtp 127.0.0.1:", 0) == 0);
    CHECK(sink.messages().empty());
  }
  SECTION("TLS required but the server offers no STARTTLS: no credentials are sent") {
    SmtpSink sink;
    settings.config.smtp_port = sink.port();
    settings.config.smtp_use_tls = true;
    settings.config.smtp_username = "user";
    settings.config.smtp_password = "secret";
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::retry);
    CHECK(out.status_code == 554);
    CHECK(out.response.rfind("transport error: smtp", 0) == 0);
    for (const auto& c : sink.commands()) CHECK(c.rfind("AUTH", 0) == std::string::npos);
  }
  SECTION("a server that never greets times out") {
    SmtpSink sink(SmtpSink::Options{true, 250, true});
    settings.config.smtp_port = sink.port();
    settings.send_timeout = 1s;
    const auto start = std::chrono::steady_clock::now();
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::retry);
    INFO(out.response);
    CHECK(out.response.find("timed out") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 30s);
  }
}

TEST_CASE("alert-contacts: the stub email transport only logs and counts as delivered") {
  Fixture f;
  const auto contact = f.add_contact("email", dest("address", "ops@example.com"));
  auto settings = fast_settings();
  settings.config.email_transport = GENERATE(std::string("stub"), std::string(""));
  const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
  CHECK(out.kind == Kind::delivered);
  CHECK(out.status_code == 250);
  CHECK(out.response == "delivered (stub: logged, not sent)");
}

TEST_CASE("alert-contacts: HTTP failures are retries with a readable response") {
  Fixture f;
  auto settings = fast_settings();
  settings.send_timeout = 1s;

  SECTION("500 with a body") {
    HttpReceiver slack("/hook");
    slack.always(500);
    slack.response_body("  internal\nerror  ");
    const auto contact = f.add_contact("slack", dest("webhook_url", slack.url()));
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::retry);
    CHECK(out.status_code == 500);
    CHECK(out.response == "transport error: status 500: internal\nerror");
  }
  SECTION("nothing listens") {
    const auto contact = f.add_contact("teams", dest("webhook_url", "http://127.0.0.1:9/hook"));
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::retry);
    CHECK(out.status_code == 0);
    CHECK(out.response.rfind("transport error: ", 0) == 0);
    CHECK(out.response.size() > std::string("transport error: ").size());
  }
  SECTION("a receiver slower than the timeout") {
    SiteBehaviour slow;
    slow.header_delay = 20s;
    FixtureSite site(slow);
    const auto contact = f.add_contact("slack", dest("webhook_url", site.url("/hook")));
    const auto start = std::chrono::steady_clock::now();
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(std::chrono::steady_clock::now() - start < 15s);
    CHECK(out.kind == Kind::retry);
    CHECK(out.status_code == 0);
    INFO(out.response);
    CHECK(out.response.find("timed out") != std::string::npos);
  }
  SECTION("an endless 200 body: at most 4 KB is read, the send is delivered") {
    SiteBehaviour endless;
    endless.endless = true;
    endless.body = "start";
    FixtureSite site(endless);
    settings.send_timeout = 10s;
    const auto contact = f.add_contact("teams", dest("webhook_url", site.url("/hook")));
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::delivered);
    CHECK(out.status_code == 200);
    CHECK(out.response.size() <= 4096);
    CHECK(out.response.rfind("start", 0) == 0);
  }
  SECTION("an abort cuts a hanging send short") {
    SiteBehaviour slow;
    slow.header_delay = 20s;
    FixtureSite site(slow);
    settings.send_timeout = 30s;
    const auto contact = f.add_contact("slack", dest("webhook_url", site.url("/hook")));
    std::atomic<bool> abort{false};
    std::thread stopper([&] {
      std::this_thread::sleep_for(300ms);
      abort = true;
    });
    const auto out = AlertRowSender(f.pool, settings).send(row_for(contact, payload(kSite, 0, 4)), &abort);
    stopper.join();
    CHECK(out.kind == Kind::retry);
    CHECK(out.response == "transport error: aborted");
  }
}

TEST_CASE("alert-contacts: forced abandons carry the texts of the spec") {
  Fixture f;
  auto settings = fast_settings();
  AlertRowSender sender(f.pool, settings);

  SECTION("missing contact") {
    const auto out = sender.send(row_for(999, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::abandon);
    CHECK(out.response == "contact lookup: alert contact 999 not found");
  }
  SECTION("inactive contact") {
    const auto contact = f.add_contact("slack", dest("webhook_url", "http://127.0.0.1:9/x"), 4, 60, false);
    const auto out = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::abandon);
    CHECK(out.response == "contact is inactive");
  }
  SECTION("unknown transport") {
    f.tdb.connection().execute("ALTER TABLE jetmon_alert_contacts MODIFY transport VARCHAR(32) NOT NULL");
    const auto contact = f.add_contact("sms", dest("number", "+15550100"));
    const auto out = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::abandon);
    CHECK(out.response == R"(transport "sms" not configured on this instance)");
  }
  SECTION("invalid destination JSON") {
    f.tdb.connection().execute("ALTER TABLE jetmon_alert_contacts MODIFY destination LONGTEXT NOT NULL");
    const auto contact = f.add_contact("pagerduty", R"({"integration_key":)");
    const auto out = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::abandon);
    CHECK(out.response == "destination lookup: invalid destination JSON: Invalid value. at offset 19");
  }
  SECTION("destination without its key") {
    const auto contact = f.add_contact("email", R"({"webhook_url":"http://x/"})");
    const auto out = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
    CHECK(out.kind == Kind::abandon);
    CHECK(out.status_code == 550);
    CHECK(out.response == "destination lookup: destination missing address");
  }
  SECTION("a payload that is not the frozen shape") {
    const auto contact = f.add_contact("slack", dest("webhook_url", "http://127.0.0.1:9/x"));
    const auto out = sender.send(row_for(contact, R"({"site_id":"ten"})"), nullptr);
    CHECK(out.kind == Kind::abandon);
    CHECK(out.response ==
          "build notification: decode payload: site_id must be an integer from 0 to 9223372036854775807");
  }
}

TEST_CASE("alert-contacts: the hourly cap abandons the excess with 429") {
  Fixture f;
  HttpReceiver slack("/hook");
  const auto contact = f.add_contact("slack", dest("webhook_url", slack.url()), 4, 2);
  const auto other = f.add_contact("slack", dest("webhook_url", slack.url()), 4, 2);
  auto now = std::chrono::steady_clock::time_point(std::chrono::hours(100));
  AlertRowSender sender(f.pool, fast_settings(), [&now] { return now; });

  CHECK(sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr).kind == Kind::delivered);
  now += 10min;
  CHECK(sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr).kind == Kind::delivered);
  now += 10min;
  const auto capped = sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr);
  CHECK(capped.kind == Kind::abandon);
  CHECK(capped.status_code == 429);
  CHECK(capped.response == fmt::format("rate-limited: contact {} exceeded max_per_hour=2", contact));
  CHECK(sender.send(row_for(other, payload(kSite, 0, 4)), nullptr).kind == Kind::delivered);
  now += 41min;  // the first send left the window
  CHECK(sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr).kind == Kind::delivered);
  CHECK(slack.count() == 4);
}

TEST_CASE("alert-contacts: a test send goes through the same transport, marked as a test") {
  Fixture f;
  HttpReceiver pd("/v2/enqueue");
  auto settings = fast_settings();
  settings.config.pagerduty_events_url = pd.url();
  const auto contact = f.add_contact("pagerduty", dest("integration_key", "K1"), 3, 1, false);

  auto out = jetmon::delivery::send_test_notification(f.pool, settings, contact, kSite);
  CHECK(out.kind == Kind::delivered);
  CHECK(out.status_code == 200);
  // Inactive and over its cap of 1: a test ignores both.
  out = jetmon::delivery::send_test_notification(f.pool, settings, contact, kSite);
  CHECK(out.kind == Kind::delivered);
  REQUIRE(pd.count() == 2);
  const auto doc = json(pd.requests()[0].body);
  CHECK(str(doc["event_action"]) == "trigger");
  CHECK(str(doc["dedup_key"]).rfind("jetmon-test-10-", 0) == 0);
  CHECK(str(doc["payload"]["summary"]) == "[Jetmon test] https://site10.example/");
  CHECK(str(doc["payload"]["severity"]) == "critical");
  CHECK(doc["payload"]["custom_details"]["is_test"].GetBool());
  CHECK(str(doc["payload"]["custom_details"]["event_type"]) == "alert.test");

  out = jetmon::delivery::send_test_notification(f.pool, settings, 4242);
  CHECK(out.kind == Kind::abandon);
  CHECK(out.response == "contact lookup: alert contact 4242 not found");
}

TEST_CASE("alert-contacts: concurrent sends from several threads") {
  Fixture f;
  HttpReceiver slack("/hook");
  const auto contact = f.add_contact("slack", dest("webhook_url", slack.url()), 4, 0);
  AlertRowSender sender(f.pool, fast_settings());
  std::atomic<int> delivered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (sender.send(row_for(contact, payload(kSite, 0, 4)), nullptr).kind == Kind::delivered) ++delivered;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(delivered.load() == 20);
  CHECK(slack.count() == 20);
}
