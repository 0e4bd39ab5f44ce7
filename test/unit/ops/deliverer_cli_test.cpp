// jetmon-deliverer's verbs without a database (dashboard-fleet.md §7.4): flag parsing, the
// unknown-verb rule and the delivery-check JSON document.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "jetmon/ops/deliverer_cli.hpp"

using jetmon::ops::DeliveryCheckOptions;
using jetmon::ops::DelivererValidateOptions;

TEST_CASE("deliverer verbs are every non-flag word but version", "[ops][deliverer]") {
  CHECK(jetmon::ops::is_deliverer_verb("validate-config"));
  CHECK(jetmon::ops::is_deliverer_verb("delivery-check"));
  CHECK(jetmon::ops::is_deliverer_verb("bogus"));
  CHECK_FALSE(jetmon::ops::is_deliverer_verb("version"));
  CHECK_FALSE(jetmon::ops::is_deliverer_verb("--help"));
  CHECK_FALSE(jetmon::ops::is_deliverer_verb("-h"));
  CHECK_FALSE(jetmon::ops::is_deliverer_verb("--version"));
}

TEST_CASE("an unknown deliverer verb exits 2 naming the verbs", "[ops][deliverer]") {
  std::ostringstream out;
  std::ostringstream err;
  const auto context = jetmon::ops::DelivererContext{jetmon::config::environment_from({}), [] { return "h"; }, {}};
  CHECK(jetmon::ops::run_deliverer_verb({"bogus", "--x"}, context, out, err) == 2);
  CHECK(out.str().empty());
  CHECK(err.str() == "unknown command \"bogus\" (want: version, validate-config, delivery-check)\n");
}

TEST_CASE("deliverer validate-config flags", "[ops][deliverer]") {
  struct Case {
    std::vector<std::string> args;
    bool ok;
    std::string error;
    DelivererValidateOptions expected;
  };
  auto opts = [](std::string host, bool owner, bool email, bool api) {
    return DelivererValidateOptions{std::move(host), owner, email, api};
  };
  const std::vector<Case> cases = {
      {{}, true, "", opts("", false, false, false)},
      {{"--host=web-1", "--require-owner-match"}, true, "", opts("web-1", true, false, false)},
      {{"-host", "web-2", "-require-email-delivery", "--require-api-disabled=true"}, true, "",
       opts("web-2", false, true, true)},
      {{"--bogus"}, false, "flag provided but not defined: -bogus", {}},
      {{"--require-owner-match=maybe"}, false, "", {}},
      {{"extra"}, false, "unexpected arguments: extra", {}},
      {{"--host=x", "a", "b"}, false, "unexpected arguments: a b", {}},
  };
  for (const Case& c : cases) {
    INFO(c.args.size());
    DelivererValidateOptions o;
    const auto parsed = jetmon::ops::parse_validate_flags(c.args, o);
    CHECK(parsed.ok == c.ok);
    CHECK(parsed.usage.starts_with("usage: jetmon-deliverer validate-config [--host=H]"));
    if (c.ok) {
      CHECK(o.host == c.expected.host);
      CHECK(o.require_owner_match == c.expected.require_owner_match);
      CHECK(o.require_email_delivery == c.expected.require_email_delivery);
      CHECK(o.require_api_disabled == c.expected.require_api_disabled);
    } else if (!c.error.empty()) {
      CHECK(parsed.error == c.error);
    } else {
      CHECK_FALSE(parsed.error.empty());
    }
  }
  DelivererValidateOptions o;
  CHECK(jetmon::ops::parse_validate_flags({"--help"}, o).help);
}

TEST_CASE("deliverer delivery-check flags and their usage errors", "[ops][deliverer]") {
  struct Case {
    std::vector<std::string> args;
    std::string error;  // empty: accepted
  };
  const std::vector<Case> cases = {
      {{}, ""},
      {{"--max-failed=-1", "--max-pending=0", "--max-due=5", "--max-abandoned=2"}, ""},
      {{"--since=1h", "--output=json"}, ""},
      {{"--output=JSON"}, ""},
      {{"--since=2020-01-01T00:00:00Z"}, ""},
      {{"--max-failed=-2"}, "--max-failed must be >= -1 (-1 disables it), got -2"},
      {{"--max-pending=-7"}, "--max-pending must be >= -1 (-1 disables it), got -7"},
      {{"--max-due=x"}, "invalid value \"x\" for flag -max-due: parse error"},
      {{"--output=yaml"}, "--output must be text or json"},
      {{"--since=0s"}, "since duration must be > 0"},
      {{"--since=soon"}, "since \"soon\" must be a duration like 15m or an RFC3339 timestamp"},
      {{"--since=2999-01-01T00:00:00Z"}, ""},  // in the future: checked below by prefix
      {{"now"}, "unexpected arguments: now"},
  };
  for (const Case& c : cases) {
    INFO((c.args.empty() ? std::string("(none)") : c.args.front()));
    DeliveryCheckOptions o;
    const auto parsed = jetmon::ops::parse_delivery_check_flags(c.args, o);
    if (!c.args.empty() && c.args.front() == "--since=2999-01-01T00:00:00Z") {
      CHECK_FALSE(parsed.ok);
      CHECK(parsed.error.starts_with("since 2999-01-01T00:00:00Z is in the future"));
      continue;
    }
    CHECK(parsed.ok == c.error.empty());
    CHECK(parsed.error == c.error);
  }

  DeliveryCheckOptions o;
  REQUIRE(jetmon::ops::parse_delivery_check_flags(
              {"--host", "d-1", "--since=30m", "--max-pending=10", "--max-due=3", "--max-abandoned=0",
               "--max-failed=1", "--require-recent-delivery", "--require-recent-webhook-delivery",
               "--require-recent-alert-delivery", "--output", "json"},
              o)
              .ok);
  CHECK(o.host == "d-1");
  CHECK(o.since == "30m");
  CHECK(o.thresholds.max_pending == 10);
  CHECK(o.thresholds.max_due == 3);
  CHECK(o.thresholds.max_abandoned == 0);
  CHECK(o.thresholds.max_failed == 1);
  CHECK(o.thresholds.require_recent_delivery);
  CHECK(o.thresholds.require_recent_webhook_delivery);
  CHECK(o.thresholds.require_recent_alert_delivery);
  CHECK(o.json);

  DeliveryCheckOptions defaults;
  REQUIRE(jetmon::ops::parse_delivery_check_flags({}, defaults).ok);
  CHECK(defaults.since == "15m");
  CHECK(defaults.thresholds.max_pending == -1);
  CHECK(defaults.thresholds.max_failed == -1);
  CHECK_FALSE(defaults.json);
}

TEST_CASE("delivery-check JSON has the spec's keys in order", "[ops][deliverer]") {
  jetmon::ops::DeliveryCheckResult r;
  r.host = "d-1";
  r.snapshot.now = jetmon::db::DateTime::from_civil(2026, 4, 30, 12, 0, 0);
  r.snapshot.cutoff = jetmon::db::DateTime::from_civil(2026, 4, 30, 11, 45, 0);
  r.snapshot.webhook = {"webhook", 2, 1, 1, 5, 0, 0, 90, 30};
  r.snapshot.alert = {"alert", 0, 0, 0, 1, 1, 0, 0, 0};
  r.snapshot.total = {"total", 2, 1, 1, 6, 1, 0, 90, 30};
  r.owner_level = "INFO";
  r.owner_message = "delivery_owner_host=\"d-1\" matched; delivery workers enabled on this host";
  const std::string metrics_keys =
      "\"pending\": 0,\n      \"due_now\": 0,\n      \"future_retry\": 0,\n      \"delivered_since\": 1,\n"
      "      \"abandoned_since\": 1,\n      \"failed_since\": 0,\n      \"oldest_pending_age_sec\": 0,\n"
      "      \"oldest_due_age_sec\": 0\n";
  const std::string json = jetmon::ops::delivery_check_json(r);
  CHECK(json.starts_with("{\n  \"ok\": true,\n  \"host\": \"d-1\",\n  \"generated_at\": \"2026-04-30T12:00:00Z\",\n"
                         "  \"since\": \"2026-04-30T11:45:00Z\",\n  \"owner_level\": \"INFO\",\n"
                         "  \"owner_message\": \"delivery_owner_host=\\\"d-1\\\" matched; delivery workers enabled on this host\",\n"
                         "  \"tables\": [\n    {\n      \"kind\": \"webhook\",\n      \"pending\": 2,"));
  CHECK(json.find("\"kind\": \"alert\",\n      " + metrics_keys) != std::string::npos);
  CHECK(json.find("\"total\": {\n    \"kind\": \"total\",") != std::string::npos);
  CHECK(json.find("failures") == std::string::npos);

  r.owner_message.clear();
  r.failures = {"pending deliveries total=2 exceeds max-pending=1"};
  const std::string failed = jetmon::ops::delivery_check_json(r);
  CHECK(failed.starts_with("{\n  \"ok\": false,"));
  CHECK(failed.find("owner_message") == std::string::npos);
  CHECK(failed.ends_with("  \"failures\": [\n    \"pending deliveries total=2 exceeds max-pending=1\"\n  ]\n}"));
}
