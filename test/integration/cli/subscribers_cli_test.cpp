// `jetmon2 webhooks …` and `jetmon2 alert-contacts …` round trips, checked in the tables
// (issue #6 §5, dashboard-fleet.md §8.1).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/http_receiver.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::run_command;
using jetmon::test::TestDatabase;

namespace {

jetmon::test::CommandResult jetmon2(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{JETMON2_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, env);
}

std::string scalar(jetmon::db::Connection& c, const std::string& sql) {
  const auto v = c.query_scalar(sql);
  if (!v || v->is_null()) return "NULL";
  return v->as_string().value_or("");
}

// The value after "<key>: " on its own line of `text`.
std::string field(const std::string& text, const std::string& key) {
  const std::size_t at = ("\n" + text).find("\n" + key);
  if (at == std::string::npos) return {};
  const std::size_t start = text.find_first_not_of(' ', at + key.size());
  return text.substr(start, text.find('\n', start) - start);
}

}  // namespace

TEST_CASE("webhooks add, list, show, rotate-secret and disable round trip", "[cli][subscribers]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  const auto env = tdb.env();

  const auto add = jetmon2({"webhooks", "add", "--url=https://hooks.example.com/jetmon", "--events=event.opened,event.closed",
                            "--site-ids=12,34", "--states=Down,seems down", "--owner-tenant=tenant-7", "--created-by=ops"},
                           env);
  REQUIRE(add.exit_code == 0);
  CHECK(add.err.empty());
  CHECK(add.out.starts_with("webhook 1 created\n"));
  const std::string secret = field(add.out, "secret:");
  REQUIRE(secret.size() == 58);
  CHECK(secret.starts_with("whsec_"));

  CHECK(scalar(c, "SELECT url FROM jetmon_webhooks WHERE id = 1") == "https://hooks.example.com/jetmon");
  CHECK(scalar(c, "SELECT active FROM jetmon_webhooks WHERE id = 1") == "1");
  CHECK(scalar(c, "SELECT secret FROM jetmon_webhooks WHERE id = 1") == secret);
  CHECK(scalar(c, "SELECT secret_preview FROM jetmon_webhooks WHERE id = 1") == secret.substr(54));
  CHECK(scalar(c, "SELECT owner_tenant_id FROM jetmon_webhooks WHERE id = 1") == "tenant-7");
  CHECK(scalar(c, "SELECT created_by FROM jetmon_webhooks WHERE id = 1") == "ops");
  CHECK(scalar(c, "SELECT JSON_LENGTH(events) FROM jetmon_webhooks WHERE id = 1") == "2");
  CHECK(scalar(c, "SELECT JSON_CONTAINS(events, '\"event.closed\"') FROM jetmon_webhooks WHERE id = 1") == "1");
  CHECK(scalar(c, "SELECT JSON_EXTRACT(site_filter, '$.site_ids[1]') FROM jetmon_webhooks WHERE id = 1") == "34");
  CHECK(scalar(c, "SELECT JSON_UNQUOTE(JSON_EXTRACT(state_filter, '$.states[1]')) FROM jetmon_webhooks WHERE id = 1") ==
        "Seems Down");

  // A second one with no filters: empty lists (= everything).
  const auto add2 = jetmon2({"webhooks", "add", "--url", "http://127.0.0.1:18080/hook", "--output=json"}, env);
  REQUIRE(add2.exit_code == 0);
  CHECK(add2.out.find("\"id\": 2,") != std::string::npos);
  CHECK(add2.out.find("\"secret\": \"whsec_") != std::string::npos);
  CHECK(add2.out.find("\"owner_tenant_id\": null") != std::string::npos);
  CHECK(scalar(c, "SELECT events FROM jetmon_webhooks WHERE id = 2") == "[]");
  CHECK(scalar(c, "SELECT JSON_LENGTH(site_filter, '$.site_ids') FROM jetmon_webhooks WHERE id = 2") == "0");
  CHECK(scalar(c, "SELECT created_by FROM jetmon_webhooks WHERE id = 2") == "cli");

  const auto list = jetmon2({"webhooks", "list"}, env);
  CHECK(list.exit_code == 0);
  CHECK(list.out.starts_with("ID  ACTIVE  URL "));
  CHECK(list.out.find("event.opened,event.closed  12,34  Down,Seems Down  tenant-7  ..." + secret.substr(54)) !=
        std::string::npos);
  CHECK(list.out.find(secret) == std::string::npos);
  CHECK(list.out.find("whsec_") == std::string::npos);
  const auto list_json = jetmon2({"webhooks", "list", "--output=json"}, env);
  CHECK(list_json.exit_code == 0);
  CHECK(list_json.out.starts_with("[\n  {\n    \"id\": 1,"));
  CHECK(list_json.out.find("whsec_") == std::string::npos);

  const auto show = jetmon2({"webhooks", "show", "1"}, env);
  CHECK(show.exit_code == 0);
  CHECK(field(show.out, "url:") == "https://hooks.example.com/jetmon");
  CHECK(field(show.out, "site_ids:") == "12,34");
  CHECK(show.out.find(secret) == std::string::npos);

  const auto rotate = jetmon2({"webhooks", "rotate-secret", "1"}, env);
  CHECK(rotate.exit_code == 0);
  const std::string rotated = field(rotate.out, "secret:");
  REQUIRE(rotated.size() == 58);
  CHECK(rotated != secret);
  CHECK(scalar(c, "SELECT secret FROM jetmon_webhooks WHERE id = 1") == rotated);
  CHECK(scalar(c, "SELECT secret_preview FROM jetmon_webhooks WHERE id = 1") == rotated.substr(54));
  CHECK(jetmon2({"webhooks", "show", "1"}, env).out.find(rotated) == std::string::npos);

  const auto disable = jetmon2({"webhooks", "disable", "1"}, env);
  CHECK(disable.exit_code == 0);
  CHECK(disable.out == "webhook 1 disabled\n");
  CHECK(scalar(c, "SELECT active FROM jetmon_webhooks WHERE id = 1") == "0");
  CHECK(scalar(c, "SELECT active FROM jetmon_webhooks WHERE id = 2") == "1");
  CHECK(jetmon2({"webhooks", "disable", "1"}, env).exit_code == 0);  // idempotent
  CHECK(field(jetmon2({"webhooks", "show", "1"}, env).out, "active:") == "no");

  for (const std::string verb : {"show", "disable", "rotate-secret"}) {
    const auto missing = jetmon2({"webhooks", verb, "99"}, env);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == "webhook 99 not found\n");
  }
  CHECK(scalar(c, "SELECT COUNT(*) FROM jetmon_webhooks") == "2");
}

TEST_CASE("alert-contacts add, list, show and disable round trip", "[cli][subscribers]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  const auto env = tdb.env();

  struct Add {
    std::vector<std::string> args;
    std::string destination_json;
    std::string preview;
  };
  const std::vector<Add> adds = {
      {{"--label=ops mail", "--transport=email", "--destination=ops@example.com", "--site-ids=5", "--min-severity=3",
        "--max-per-hour=10", "--owner-tenant=t-1", "--created-by=ops"},
       R"({"address": "ops@example.com"})", ".com"},
      {{"--label=pd", "--transport=pagerduty", "--destination=R0123456789abcdef0123456789abcdef"},
       R"({"integration_key": "R0123456789abcdef0123456789abcdef"})", "cdef"},
      {{"--label=slack", "--transport=slack", "--destination=https://hooks.slack.com/services/T/B/xyz1"},
       R"({"webhook_url": "https://hooks.slack.com/services/T/B/xyz1"})", "xyz1"},
      {{"--label=teams", "--transport=teams", "--destination=https://example.webhook.office.com/w/abcd",
        "--max-per-hour=0", "--min-severity=0"},
       R"({"webhook_url": "https://example.webhook.office.com/w/abcd"})", "abcd"},
  };
  for (std::size_t i = 0; i < adds.size(); ++i) {
    INFO(adds[i].args.front());
    std::vector<std::string> args{"alert-contacts", "add"};
    args.insert(args.end(), adds[i].args.begin(), adds[i].args.end());
    const auto r = jetmon2(args, env);
    REQUIRE(r.exit_code == 0);
    const std::string id = std::to_string(i + 1);
    CHECK(r.out.starts_with("alert contact " + id + " created\n"));
    CHECK(scalar(c, "SELECT JSON_EQUALS(destination, '" + adds[i].destination_json + "') FROM jetmon_alert_contacts WHERE id = " +
                        id) == "1");
    CHECK(scalar(c, "SELECT destination_preview FROM jetmon_alert_contacts WHERE id = " + id) == adds[i].preview);
    CHECK(field(r.out, "destination_preview:") == "..." + adds[i].preview);
  }
  CHECK(scalar(c, "SELECT transport FROM jetmon_alert_contacts WHERE id = 2") == "pagerduty");
  CHECK(scalar(c, "SELECT min_severity FROM jetmon_alert_contacts WHERE id = 1") == "3");
  CHECK(scalar(c, "SELECT max_per_hour FROM jetmon_alert_contacts WHERE id = 1") == "10");
  CHECK(scalar(c, "SELECT min_severity FROM jetmon_alert_contacts WHERE id = 2") == "4");  // defaults
  CHECK(scalar(c, "SELECT max_per_hour FROM jetmon_alert_contacts WHERE id = 2") == "60");
  CHECK(scalar(c, "SELECT max_per_hour FROM jetmon_alert_contacts WHERE id = 4") == "0");
  CHECK(scalar(c, "SELECT owner_tenant_id FROM jetmon_alert_contacts WHERE id = 1") == "t-1");
  CHECK(scalar(c, "SELECT owner_tenant_id FROM jetmon_alert_contacts WHERE id = 2") == "NULL");
  CHECK(scalar(c, "SELECT JSON_EXTRACT(site_filter, '$.site_ids[0]') FROM jetmon_alert_contacts WHERE id = 1") == "5");

  const auto list = jetmon2({"alert-contacts", "list"}, env);
  CHECK(list.exit_code == 0);
  CHECK(list.out.starts_with("ID  ACTIVE  LABEL     TRANSPORT  DESTINATION  SITES  MIN_SEVERITY  MAX_PER_HOUR  OWNER"));
  CHECK(list.out.find("R0123456789abcdef") == std::string::npos);
  CHECK(list.out.find("hooks.slack.com") == std::string::npos);
  CHECK(list.out.find("unlimited") != std::string::npos);
  const auto json = jetmon2({"alert-contacts", "list", "--output=json"}, env);
  CHECK(json.exit_code == 0);
  CHECK(json.out.find("\"transport\": \"teams\"") != std::string::npos);
  CHECK(json.out.find("R0123456789abcdef") == std::string::npos);

  const auto show = jetmon2({"alert-contacts", "show", "1", "--output=json"}, env);
  CHECK(show.exit_code == 0);
  CHECK(show.out.find("\"label\": \"ops mail\"") != std::string::npos);
  CHECK(show.out.find("\"site_ids\": [\n    5\n  ]") != std::string::npos);

  CHECK(jetmon2({"alert-contacts", "disable", "2"}, env).out == "alert contact 2 disabled\n");
  CHECK(scalar(c, "SELECT active FROM jetmon_alert_contacts WHERE id = 2") == "0");
  CHECK(scalar(c, "SELECT SUM(active) FROM jetmon_alert_contacts") == "3");
  const auto missing = jetmon2({"alert-contacts", "show", "42"}, env);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "alert contact 42 not found\n");
}

TEST_CASE("subscriber commands reject bad input with usage and exit 2, writing nothing", "[cli][subscribers]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  const auto env = tdb.env();
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"webhooks", "add", "--url=ftp://x.example.com/"}, "--url: "},
      {{"webhooks", "add", "--url=https://e.com/", "--events=event.opened,bogus"}, "--events: \"bogus\""},
      {{"webhooks", "add", "--url=https://e.com/", "--site-ids=1,b"}, "--site-ids: \"b\""},
      {{"webhooks", "add", "--url=https://e.com/", "--states=Sideways"}, "--states: \"Sideways\""},
      {{"webhooks", "add"}, "--url is required"},
      {{"webhooks", "add", "--url=https://e.com/", "--bogus"}, "bogus"},
      {{"webhooks", "show"}, "id is required"},
      {{"webhooks", "show", "abc"}, "id"},
      {{"webhooks", "list", "--output=yaml"}, "--output"},
      {{"webhooks"}, "subcommand"},
      {{"alert-contacts", "add", "--label=x", "--transport=sms", "--destination=a@b.io"}, "--transport: \"sms\""},
      {{"alert-contacts", "add", "--label=x", "--transport=email", "--destination=nobody"}, "--destination: \"nobody\""},
      {{"alert-contacts", "add", "--label=x", "--transport=slack", "--destination=not a url"}, "--destination: "},
      {{"alert-contacts", "add", "--label=x", "--transport=email", "--destination=a@b.io", "--min-severity=7"},
       "--min-severity: 7 is out of range"},
      {{"alert-contacts", "add", "--label=x", "--transport=email", "--destination=a@b.io", "--max-per-hour=-3"},
       "--max-per-hour: -3 must be >= 0"},
      {{"alert-contacts", "add", "--label=x", "--transport=email", "--destination=a@b.io", "--min-severity=high"},
       "--min-severity"},
      {{"alert-contacts", "rotate-secret", "1"}, "A subcommand is required"},  // webhooks only
  };
  for (const Case& k : cases) {
    INFO(k.args.back());
    const auto r = jetmon2(k.args, env);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(k.error) != std::string::npos);
    CHECK(r.err.find("Usage:") != std::string::npos);
    CHECK(r.out.empty());
  }
  CHECK(scalar(c, "SELECT COUNT(*) FROM jetmon_webhooks") == "0");
  CHECK(scalar(c, "SELECT COUNT(*) FROM jetmon_alert_contacts") == "0");
}

TEST_CASE("alert-contacts test sends one test notification through the contact's transport", "[cli][subscribers]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  jetmon::test::HttpReceiver slack("/slack-hook");
  jetmon::test::TempDir dir;
  const std::string config = dir.write_file("config.json", R"({"AUTH_TOKEN":"t","PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":99})");
  auto env = tdb.env();
  env["JETMON_CONFIG"] = config;
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (7, 0, ?, 1)",
         {"https://seven.example/"});

  const auto add = jetmon2({"alert-contacts", "add", "--label", "ops", "--transport", "slack", "--destination",
                            slack.url()},
                           env);
  REQUIRE(add.exit_code == 0);
  const auto sent = jetmon2({"alert-contacts", "test", "1", "--site-id", "7"}, env);
  CHECK(sent.exit_code == 0);
  CHECK(sent.out.find("alert contact 1 test: delivered (code 200)") == 0);
  REQUIRE(slack.count() == 1);
  CHECK(slack.requests()[0].body.find("https://seven.example/") != std::string::npos);
  // A test send leaves the delivery tables alone.
  CHECK(scalar(c, "SELECT COUNT(*) FROM jetmon_alert_deliveries") == "0");

  const auto json = jetmon2({"alert-contacts", "test", "1", "--output=json"}, env);
  CHECK(json.exit_code == 0);
  CHECK(json.out.find(R"("outcome":"delivered","status_code":200)") != std::string::npos);

  const auto missing = jetmon2({"alert-contacts", "test", "99"}, env);
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("abandon") != std::string::npos);
  CHECK(missing.out.find("contact lookup: alert contact 99 not found") != std::string::npos);

  CHECK(jetmon2({"alert-contacts", "test"}, env).exit_code == 2);
  CHECK(jetmon2({"alert-contacts", "test", "1", "--bogus"}, env).exit_code == 2);
}
