// The input checks, secrets and output of `jetmon2 webhooks` / `jetmon2 alert-contacts`
// (issue #6 §5, dashboard-fleet.md §8.1).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "jetmon/ops/subscribers.hpp"

using jetmon::ops::AlertContactInput;
using jetmon::ops::WebhookInput;

TEST_CASE("webhook secrets are whsec_ and unpadded base32 of 32 random bytes", "[ops][subscribers]") {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string secret = jetmon::ops::generate_webhook_secret();
    REQUIRE(secret.starts_with("whsec_"));
    CHECK(secret.size() == 6 + 52);  // ceil(256 / 5) base32 characters, no '='
    CHECK(secret.size() <= 80);      // jetmon_webhooks.secret VARCHAR(80)
    for (const char c : secret.substr(6)) {
      INFO(secret);
      CHECK(((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')));
    }
    seen.insert(secret);
  }
  CHECK(seen.size() == 50);
}

TEST_CASE("base32 follows RFC 4648 without padding", "[ops][subscribers]") {
  auto b = [](std::string_view text) { return std::vector<std::uint8_t>(text.begin(), text.end()); };
  // RFC 4648 §10 test vectors with the '=' padding removed.
  CHECK(jetmon::ops::base32_unpadded(b("")) == "");
  CHECK(jetmon::ops::base32_unpadded(b("f")) == "MY");
  CHECK(jetmon::ops::base32_unpadded(b("fo")) == "MZXQ");
  CHECK(jetmon::ops::base32_unpadded(b("foo")) == "MZXW6");
  CHECK(jetmon::ops::base32_unpadded(b("foob")) == "MZXW6YQ");
  CHECK(jetmon::ops::base32_unpadded(b("fooba")) == "MZXW6YTB");
  CHECK(jetmon::ops::base32_unpadded(b("foobar")) == "MZXW6YTBOI");
  CHECK(jetmon::ops::base32_unpadded(std::vector<std::uint8_t>(32, 0xff)) == std::string(51, '7') + "Q");
}

TEST_CASE("previews are the last 4 characters", "[ops][subscribers]") {
  CHECK(jetmon::ops::preview_of("whsec_ABCDEFGH") == "EFGH");
  CHECK(jetmon::ops::preview_of("ops@example.com") == ".com");
  CHECK(jetmon::ops::preview_of("abc") == "abc");
  CHECK(jetmon::ops::preview_of("") == "");
}

TEST_CASE("subscriber list flags", "[ops][subscribers]") {
  using Ids = std::vector<std::uint64_t>;
  using Names = std::vector<std::string>;
  CHECK(*jetmon::ops::parse_site_ids("").value == Ids{});
  CHECK(*jetmon::ops::parse_site_ids("1, 2,,3,2").value == Ids{1, 2, 3});
  CHECK(jetmon::ops::parse_site_ids("1,x").error == "--site-ids: \"x\" is not a positive integer");
  CHECK(jetmon::ops::parse_site_ids("0").error == "--site-ids: \"0\" is not a positive integer");
  CHECK(jetmon::ops::parse_site_ids("-4").error == "--site-ids: \"-4\" is not a positive integer");
  CHECK(jetmon::ops::parse_site_ids("99999999999999999999999").error.starts_with("--site-ids: "));

  CHECK(*jetmon::ops::parse_event_types("").value == Names{});
  CHECK(*jetmon::ops::parse_event_types("event.closed,event.opened,event.closed").value ==
        Names{"event.closed", "event.opened"});
  CHECK(jetmon::ops::parse_event_types("event.opened,alert.opened").error ==
        "--events: \"alert.opened\" is not a known event type (want: event.opened, event.severity_changed, "
        "event.state_changed, event.cause_linked, event.cause_unlinked, event.closed)");
  CHECK(jetmon::ops::parse_event_types("Event.Opened").error.starts_with("--events: \"Event.Opened\""));

  CHECK(*jetmon::ops::parse_filter_states("down, seems down,Up").value == Names{"Down", "Seems Down", "Up"});
  CHECK(jetmon::ops::parse_filter_states("Sideways").error.starts_with("--states: \"Sideways\" is not a known state"));
}

TEST_CASE("email addresses are one plain mailbox", "[ops][subscribers]") {
  for (const char* good : {"ops@example.com", "a.b+tag@mail.example.co.uk", "x@y.io"}) {
    INFO(good);
    CHECK_FALSE(jetmon::ops::email_address_problem(good));
  }
  for (const char* bad : {"", "ops", "@example.com", "ops@", "ops@localhost", "ops@example.", "a@b@example.com",
                          "ops @example.com", "ops@example..com", "a@example.com,b@example.com",
                          "Ops <ops@example.com>"}) {
    INFO(bad);
    CHECK(jetmon::ops::email_address_problem(bad));
  }
}

TEST_CASE("webhooks add input checks name the flag", "[ops][subscribers]") {
  struct Case {
    WebhookInput input;
    std::string error;  // empty: accepted
  };
  auto in = [](std::string url) {
    WebhookInput w;
    w.url = std::move(url);
    return w;
  };
  auto with = [](WebhookInput w, auto set) {
    set(w);
    return w;
  };
  const std::vector<Case> cases = {
      {in("https://hooks.example.com/jetmon"), ""},
      {in("http://127.0.0.1:18080/hook"), ""},
      {in(""), "--url: is required"},
      {in("ftp://example.com/x"), "--url: "},
      {in("example.com/hook"), "--url: "},
      {in("https://exa mple.com/"), "--url: "},
      {in("https://example.com/" + std::string(2100, 'a')), "--url: "},
      {with(in("https://e.com/"), [](WebhookInput& w) { w.events = "event.opened,nope"; }), "--events: \"nope\""},
      {with(in("https://e.com/"), [](WebhookInput& w) { w.site_ids = "12,abc"; }), "--site-ids: \"abc\""},
      {with(in("https://e.com/"), [](WebhookInput& w) { w.states = "Down,Gone"; }), "--states: \"Gone\""},
      {with(in("https://e.com/"), [](WebhookInput& w) { w.owner_tenant = std::string(129, 't'); }),
       "--owner-tenant is longer than 128 bytes"},
      {with(in("https://e.com/"), [](WebhookInput& w) { w.created_by = "a\nb"; }),
       "--created-by contains a control character"},
  };
  for (const Case& c : cases) {
    INFO(c.input.url.substr(0, 40) << " " << c.error);
    const auto checked = jetmon::ops::check_webhook_input(c.input);
    if (c.error.empty()) {
      CHECK(checked);
    } else {
      CHECK_FALSE(checked);
      CHECK(checked.error.starts_with(c.error));
    }
  }

  WebhookInput full = in(" https://hooks.example.com/j ");
  full.events = "event.closed";
  full.site_ids = "7,8";
  full.states = "down";
  full.owner_tenant = " tenant-1 ";
  full.created_by = "ops";
  const auto spec = jetmon::ops::check_webhook_input(full);
  REQUIRE(spec);
  CHECK(spec.value->url == "https://hooks.example.com/j");
  CHECK(spec.value->events == std::vector<std::string>{"event.closed"});
  CHECK(spec.value->site_ids == std::vector<std::uint64_t>{7, 8});
  CHECK(spec.value->states == std::vector<std::string>{"Down"});
  CHECK(spec.value->owner_tenant == std::optional<std::string>("tenant-1"));
  CHECK(spec.value->created_by == "ops");
  CHECK_FALSE(jetmon::ops::check_webhook_input(in("https://e.com/")).value->owner_tenant);
}

TEST_CASE("alert-contacts add input checks name the flag", "[ops][subscribers]") {
  auto in = [](std::string transport, std::string destination) {
    AlertContactInput c;
    c.label = "on-call";
    c.transport = std::move(transport);
    c.destination = std::move(destination);
    return c;
  };
  auto with = [](AlertContactInput c, auto set) {
    set(c);
    return c;
  };
  struct Case {
    AlertContactInput input;
    std::string error;
  };
  const std::vector<Case> cases = {
      {in("email", "ops@example.com"), ""},
      {in("EMAIL", "ops@example.com"), ""},
      {in("pagerduty", "R0123456789abcdef0123456789abcdef"), ""},
      {in("slack", "https://hooks.slack.com/services/T/B/x"), ""},
      {in("teams", "https://example.webhook.office.com/webhookb2/x"), ""},
      {in("sms", "+15550100"), "--transport: \"sms\" is not a transport (want: email, pagerduty, slack, teams)"},
      {in("email", "not-an-address"), "--destination: \"not-an-address\" is not an email address"},
      {in("email", ""), "--destination: is required"},
      {in("pagerduty", ""), "--destination: is required"},
      {in("pagerduty", "key with spaces"), "--destination: an integration key"},
      {in("slack", "hooks.slack.com/x"), "--destination: "},
      {in("teams", "ftp://x.example.com/"), "--destination: "},
      {with(in("email", "a@b.io"), [](AlertContactInput& c) { c.label = " "; }), "--label is required"},
      {with(in("email", "a@b.io"), [](AlertContactInput& c) { c.min_severity = 5; }), "--min-severity: 5 is out of range"},
      {with(in("email", "a@b.io"), [](AlertContactInput& c) { c.min_severity = -1; }), "--min-severity: -1 is out of range"},
      {with(in("email", "a@b.io"), [](AlertContactInput& c) { c.min_severity = 0; }), ""},
      {with(in("email", "a@b.io"), [](AlertContactInput& c) { c.max_per_hour = -1; }),
       "--max-per-hour: -1 must be >= 0"},
      {with(in("email", "a@b.io"), [](AlertContactInput& c) { c.max_per_hour = 0; }), ""},
      {with(in("email", "a@b.io"), [](AlertContactInput& c) { c.site_ids = "1,,z"; }), "--site-ids: \"z\""},
  };
  for (const Case& c : cases) {
    INFO(c.input.transport << " " << c.input.destination << " " << c.error);
    const auto checked = jetmon::ops::check_alert_contact_input(c.input);
    if (c.error.empty()) {
      CHECK(checked);
    } else {
      CHECK_FALSE(checked);
      CHECK(checked.error.starts_with(c.error));
    }
  }
  CHECK(jetmon::ops::check_alert_contact_input(in("EMAIL", "ops@example.com")).value->transport == "email");
}

TEST_CASE("alert-contact destinations are stored as the transport's JSON object", "[ops][subscribers]") {
  CHECK(jetmon::ops::destination_json("email", "ops@example.com") == R"({"address":"ops@example.com"})");
  CHECK(jetmon::ops::destination_json("pagerduty", "abc") == R"({"integration_key":"abc"})");
  CHECK(jetmon::ops::destination_json("slack", "https://h/x\"y") == R"({"webhook_url":"https://h/x\"y"})");
  CHECK(jetmon::ops::destination_json("teams", "https://t/") == R"({"webhook_url":"https://t/"})");
}

TEST_CASE("subscriber output never shows a secret unless it is handed in", "[ops][subscribers]") {
  jetmon::ops::WebhookRecord w;
  w.id = 7;
  w.url = "https://hooks.example.com/j";
  w.active = true;
  w.events = {"event.opened", "event.closed"};
  w.secret_preview = "WXYZ";
  w.created_at = jetmon::db::DateTime::from_civil(2026, 4, 30, 12, 0, 0);
  w.updated_at = w.created_at;
  const std::string table = jetmon::ops::webhooks_table({w});
  CHECK(table ==
        "ID  ACTIVE  URL                          EVENTS                     SITES  STATES  OWNER  SECRET   CREATED_AT\n"
        "7   yes     https://hooks.example.com/j  event.opened,event.closed  all    all     -      ...WXYZ  "
        "2026-04-30T12:00:00Z\n");
  CHECK(jetmon::ops::webhook_text(w).find("secret:") == std::string::npos);
  CHECK(jetmon::ops::webhook_json(w).find("\"secret\"") == std::string::npos);
  CHECK(jetmon::ops::webhook_text(w, std::string("whsec_SECRETWXYZ")).find("\nsecret: whsec_SECRETWXYZ\n") !=
        std::string::npos);
  CHECK(jetmon::ops::webhook_json(w, std::string("whsec_SECRETWXYZ")).find("\"secret\": \"whsec_SECRETWXYZ\"") !=
        std::string::npos);
  CHECK(jetmon::ops::webhooks_table({}) == "(no webhooks)\n");
  CHECK(jetmon::ops::webhooks_json({}) == "[]");

  jetmon::ops::AlertContactRecord c;
  c.id = 3;
  c.label = "on-call";
  c.active = false;
  c.transport = "pagerduty";
  c.destination_preview = "cdef";
  c.site_ids = {1, 2};
  c.min_severity = 3;
  c.max_per_hour = 0;
  const std::string text = jetmon::ops::alert_contact_text(c);
  CHECK(text.find("destination_preview:  ...cdef\n") != std::string::npos);
  CHECK(text.find("min_severity:         3 (Seems Down)\n") != std::string::npos);
  CHECK(text.find("max_per_hour:         unlimited\n") != std::string::npos);
  CHECK(text.find("site_ids:             1,2\n") != std::string::npos);
  const std::string json = jetmon::ops::alert_contact_json(c);
  CHECK(json.find("\"destination_preview\": \"cdef\"") != std::string::npos);
  CHECK(json.find("\"active\": false") != std::string::npos);
  CHECK(json.find("\"owner_tenant_id\": null") != std::string::npos);
}
