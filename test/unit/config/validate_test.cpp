#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "jetmon/config/config.hpp"

using jetmon::config::Config;
using jetmon::config::ConfigError;
using jetmon::config::Verifier;

namespace {

Config valid_config() {
  Config config;
  config.auth_token = "t";
  return config;
}

struct Rule {
  const char* name;
  std::function<void(Config&)> change;
  const char* expected;  // nullptr: still valid
};

std::optional<std::string> validate_with(const std::function<void(Config&)>& change) {
  Config config = valid_config();
  change(config);
  return jetmon::config::validate(config);
}

std::string parse_error(std::string_view text) {
  try {
    jetmon::config::parse(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("config validation: the defaults plus AUTH_TOKEN are valid") {
  CHECK_FALSE(jetmon::config::validate(valid_config()).has_value());
}

TEST_CASE("config validation: every rule and its message") {
  const auto rule = GENERATE(values<Rule>({
      // monitor.md §1.3
      {"auth token empty", [](Config& c) { c.auth_token.clear(); }, "AUTH_TOKEN is required"},
      {"auth token whitespace", [](Config& c) { c.auth_token = " "; }, nullptr},
      {"workers zero", [](Config& c) { c.num_workers = 0; }, "NUM_WORKERS must be > 0"},
      {"workers negative", [](Config& c) { c.num_workers = -3; }, "NUM_WORKERS must be > 0"},
      {"workers one", [](Config& c) { c.num_workers = 1; }, nullptr},
      {"total zero", [](Config& c) { c.bucket_total = 0; }, "BUCKET_TOTAL must be > 0"},
      {"total negative", [](Config& c) { c.bucket_total = -1; }, "BUCKET_TOTAL must be > 0"},
      {"target zero", [](Config& c) { c.bucket_target = 0; },
       "BUCKET_TARGET must be between 1 and BUCKET_TOTAL"},
      {"target negative", [](Config& c) { c.bucket_target = -1; },
       "BUCKET_TARGET must be between 1 and BUCKET_TOTAL"},
      {"target above total", [](Config& c) { c.bucket_target = 1001; },
       "BUCKET_TARGET must be between 1 and BUCKET_TOTAL"},
      {"target equals total", [](Config& c) { c.bucket_target = 1000; }, nullptr},
      {"target one", [](Config& c) { c.bucket_target = 1; }, nullptr},
      {"pinned min only", [](Config& c) { c.pinned_bucket_min = 0; },
       "PINNED_BUCKET_MIN and PINNED_BUCKET_MAX must be set together"},
      {"pinned max only", [](Config& c) { c.pinned_bucket_max = 9; },
       "PINNED_BUCKET_MIN and PINNED_BUCKET_MAX must be set together"},
      {"legacy min only", [](Config& c) { c.bucket_no_min = 0; },
       "BUCKET_NO_MIN and BUCKET_NO_MAX must be set together"},
      {"legacy max only", [](Config& c) { c.bucket_no_max = 9; },
       "BUCKET_NO_MIN and BUCKET_NO_MAX must be set together"},
      {"pinned ok, legacy half",
       [](Config& c) {
         c.pinned_bucket_min = 0;
         c.pinned_bucket_max = 9;
         c.bucket_no_max = 9;
       },
       "BUCKET_NO_MIN and BUCKET_NO_MAX must be set together"},
      {"pairs conflict on min",
       [](Config& c) {
         c.pinned_bucket_min = 0;
         c.pinned_bucket_max = 9;
         c.bucket_no_min = 1;
         c.bucket_no_max = 9;
       },
       "PINNED_BUCKET_* conflicts with legacy BUCKET_NO_* range"},
      {"pairs conflict on max",
       [](Config& c) {
         c.pinned_bucket_min = 0;
         c.pinned_bucket_max = 9;
         c.bucket_no_min = 0;
         c.bucket_no_max = 8;
       },
       "PINNED_BUCKET_* conflicts with legacy BUCKET_NO_* range"},
      {"pairs equal",
       [](Config& c) {
         c.pinned_bucket_min = 0;
         c.pinned_bucket_max = 9;
         c.bucket_no_min = 0;
         c.bucket_no_max = 9;
       },
       nullptr},
      {"pinned min negative",
       [](Config& c) {
         c.pinned_bucket_min = -1;
         c.pinned_bucket_max = 9;
       },
       "pinned bucket min must be >= 0"},
      {"legacy min negative",
       [](Config& c) {
         c.bucket_no_min = -1;
         c.bucket_no_max = 9;
       },
       "pinned bucket min must be >= 0"},
      {"pinned max below min",
       [](Config& c) {
         c.pinned_bucket_min = 10;
         c.pinned_bucket_max = 9;
       },
       "pinned bucket max must be >= min"},
      {"pinned single bucket",
       [](Config& c) {
         c.pinned_bucket_min = 10;
         c.pinned_bucket_max = 10;
       },
       nullptr},
      {"pinned max equals total",
       [](Config& c) {
         c.pinned_bucket_min = 0;
         c.pinned_bucket_max = 1000;
       },
       "pinned bucket max must be < BUCKET_TOTAL"},
      {"legacy max above total",
       [](Config& c) {
         c.bucket_no_min = 0;
         c.bucket_no_max = 5000;
       },
       "pinned bucket max must be < BUCKET_TOTAL"},
      {"pinned max last bucket",
       [](Config& c) {
         c.pinned_bucket_min = 0;
         c.pinned_bucket_max = 999;
       },
       nullptr},
      {"timeout zero", [](Config& c) { c.net_comms_timeout = 0; }, "NET_COMMS_TIMEOUT must be > 0"},
      {"timeout negative", [](Config& c) { c.net_comms_timeout = -10; },
       "NET_COMMS_TIMEOUT must be > 0"},
      {"log format json", [](Config& c) { c.log_format = "json"; }, nullptr},
      {"log format upper", [](Config& c) { c.log_format = "JSON"; },
       "LOG_FORMAT must be 'text' or 'json'"},
      {"log format empty", [](Config& c) { c.log_format.clear(); },
       "LOG_FORMAT must be 'text' or 'json'"},
      {"log format other", [](Config& c) { c.log_format = "logfmt"; },
       "LOG_FORMAT must be 'text' or 'json'"},
      {"email empty", [](Config& c) { c.email_transport.clear(); }, nullptr},
      {"email smtp without host",
       [](Config& c) {
         c.email_transport = "smtp";
         c.smtp_port = 25;
       },
       "SMTP_HOST is required when EMAIL_TRANSPORT is 'smtp'"},
      {"email smtp without port",
       [](Config& c) {
         c.email_transport = "smtp";
         c.smtp_host = "mail";
       },
       "SMTP_PORT must be > 0 when EMAIL_TRANSPORT is 'smtp'"},
      {"email smtp complete",
       [](Config& c) {
         c.email_transport = "smtp";
         c.smtp_host = "mail";
         c.smtp_port = 1025;
       },
       nullptr},
      {"email wpcom without endpoint", [](Config& c) { c.email_transport = "wpcom"; },
       "WPCOM_EMAIL_ENDPOINT is required when EMAIL_TRANSPORT is 'wpcom'"},
      {"email wpcom complete",
       [](Config& c) {
         c.email_transport = "wpcom";
         c.wpcom_email_endpoint = "https://e.example/send";
       },
       nullptr},
      {"email unknown", [](Config& c) { c.email_transport = "sendgrid"; },
       "EMAIL_TRANSPORT must be one of: stub, smtp, wpcom"},
      {"email upper case", [](Config& c) { c.email_transport = "SMTP"; },
       "EMAIL_TRANSPORT must be one of: stub, smtp, wpcom"},
      {"verifier without host", [](Config& c) { c.verifiers = {Verifier{"", "", "7803", "", ""}}; },
       "VERIFIERS[0] (verifier #0): host is required"},
      {"named verifier without port",
       [](Config& c) {
         c.verifiers = {Verifier{"a", "h", "1", "", ""}, Verifier{"v2", "h2", "", "", "x"}};
       },
       "VERIFIERS[1] (v2): port is required"},
      {"unnamed verifier without port",
       [](Config& c) {
         c.verifiers = {Verifier{"a", "h", "1", "", ""}, Verifier{"", "h2", "", "", ""}};
       },
       "VERIFIERS[1] (verifier #1): port is required"},
      {"verifier with grpc_port only",
       [](Config& c) { c.verifiers = {Verifier{"", "h", "", "7803", ""}}; }, nullptr},
      // C++ additions
      {"stats interval zero", [](Config& c) { c.stats_update_interval_ms = 0; },
       "STATS_UPDATE_INTERVAL_MS must be > 0"},
      {"stats interval negative", [](Config& c) { c.stats_update_interval_ms = -1; },
       "STATS_UPDATE_INTERVAL_MS must be > 0"},
      {"dashboard port high", [](Config& c) { c.dashboard_port = 65536; },
       "DASHBOARD_PORT must be between 0 and 65535"},
      {"dashboard port negative", [](Config& c) { c.dashboard_port = -1; },
       "DASHBOARD_PORT must be between 0 and 65535"},
      {"dashboard port max", [](Config& c) { c.dashboard_port = 65535; }, nullptr},
      {"dashboard port off", [](Config& c) { c.dashboard_port = 0; }, nullptr},
      {"debug port high", [](Config& c) { c.debug_port = 70000; },
       "DEBUG_PORT must be between 0 and 65535"},
      {"debug port negative", [](Config& c) { c.debug_port = -6060; },
       "DEBUG_PORT must be between 0 and 65535"},
      {"api port high", [](Config& c) { c.api_port = 65536; }, "API_PORT must be between 0 and 65535"},
      {"api port negative", [](Config& c) { c.api_port = -1; }, "API_PORT must be between 0 and 65535"},
      {"smtp port high", [](Config& c) { c.smtp_port = 65536; },
       "SMTP_PORT must be between 0 and 65535"},
      {"smtp port negative with stub", [](Config& c) { c.smtp_port = -25; },
       "SMTP_PORT must be between 0 and 65535"},
      {"smtp port high with smtp",
       [](Config& c) {
         c.email_transport = "smtp";
         c.smtp_host = "mail";
         c.smtp_port = 99999;
       },
       "SMTP_PORT must be between 0 and 65535"},
      {"statsd no port", [](Config& c) { c.statsd_addr = "statsd"; }, "STATSD_ADDR must be host:port"},
      {"statsd empty", [](Config& c) { c.statsd_addr.clear(); }, "STATSD_ADDR must be host:port"},
      {"statsd empty host", [](Config& c) { c.statsd_addr = ":8125"; },
       "STATSD_ADDR must be host:port"},
      {"statsd empty port", [](Config& c) { c.statsd_addr = "statsd:"; },
       "STATSD_ADDR must be host:port"},
      {"statsd port zero", [](Config& c) { c.statsd_addr = "statsd:0"; },
       "STATSD_ADDR must be host:port"},
      {"statsd port high", [](Config& c) { c.statsd_addr = "statsd:65536"; },
       "STATSD_ADDR must be host:port"},
      {"statsd port text", [](Config& c) { c.statsd_addr = "statsd:udp"; },
       "STATSD_ADDR must be host:port"},
      {"statsd port signed", [](Config& c) { c.statsd_addr = "statsd:+8125"; },
       "STATSD_ADDR must be host:port"},
      {"statsd bare ipv6", [](Config& c) { c.statsd_addr = "::1:8125"; },
       "STATSD_ADDR must be host:port"},
      {"statsd space", [](Config& c) { c.statsd_addr = "statsd :8125"; },
       "STATSD_ADDR must be host:port"},
      {"statsd url", [](Config& c) { c.statsd_addr = "udp://statsd:8125"; },
       "STATSD_ADDR must be host:port"},
      {"statsd ipv4", [](Config& c) { c.statsd_addr = "127.0.0.1:9125"; }, nullptr},
      {"statsd bracketed ipv6", [](Config& c) { c.statsd_addr = "[::1]:8125"; }, nullptr},
      {"statsd max port", [](Config& c) { c.statsd_addr = "localhost:65535"; }, nullptr},
      {"pagerduty url ftp", [](Config& c) { c.pagerduty_events_url = "ftp://example.com/x"; },
       "PAGERDUTY_EVENTS_URL must be an http or https URL"},
      {"pagerduty url local stub",
       [](Config& c) { c.pagerduty_events_url = "http://127.0.0.1:8082/v2/enqueue"; }, nullptr},
      {"notify url empty", [](Config& c) { c.wpcom_notify_url.clear(); },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url ftp", [](Config& c) { c.wpcom_notify_url = "ftp://example.com/x"; },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url no scheme", [](Config& c) { c.wpcom_notify_url = "public-api.wordpress.com/x"; },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url no host", [](Config& c) { c.wpcom_notify_url = "https://"; },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url path only", [](Config& c) { c.wpcom_notify_url = "http:///status"; },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url port only", [](Config& c) { c.wpcom_notify_url = "http://:8080/status"; },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url space", [](Config& c) { c.wpcom_notify_url = "https://exa mple.com/"; },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url newline", [](Config& c) { c.wpcom_notify_url = "https://example.com/\n"; },
       "WPCOM_NOTIFY_URL must be an http or https URL"},
      {"notify url local stub",
       [](Config& c) { c.wpcom_notify_url = "http://127.0.0.1:8081/status-change"; }, nullptr},
      {"notify url upper scheme", [](Config& c) { c.wpcom_notify_url = "HTTPS://Example.com"; },
       nullptr},
      {"retry delay zero", [](Config& c) { c.time_between_checks_sec = 0; },
       "TIME_BETWEEN_CHECKS_SEC must be > 0"},
      {"dataset zero", [](Config& c) { c.dataset_size = 0; }, "DATASET_SIZE must be > 0"},
      {"dataset negative", [](Config& c) { c.dataset_size = -100; }, "DATASET_SIZE must be > 0"},
      {"round gap negative", [](Config& c) { c.min_time_between_rounds_sec = -1; },
       "MIN_TIME_BETWEEN_ROUNDS_SEC must be >= 0"},
      {"round gap zero", [](Config& c) { c.min_time_between_rounds_sec = 0; }, nullptr},
      {"checks zero", [](Config& c) { c.num_of_checks = 0; }, "NUM_OF_CHECKS must be > 0"},
      {"checks negative", [](Config& c) { c.num_of_checks = -1; }, "NUM_OF_CHECKS must be > 0"},
      // Not validated, on purpose.
      {"grace negative", [](Config& c) { c.bucket_heartbeat_grace_sec = -1; }, nullptr},
      {"memory limit off", [](Config& c) { c.worker_max_mem_mb = 0; }, nullptr},
  }));
  CAPTURE(rule.name);
  const auto problem = validate_with(rule.change);
  if (rule.expected == nullptr) {
    CHECK(problem == std::nullopt);
  } else {
    CHECK(problem == std::optional<std::string>(rule.expected));
  }
}

TEST_CASE("config validation: the first failing rule wins, in the documented order") {
  // Start with every rule broken, then repair them one at a time: each repair must reveal the
  // next rule's message.
  Config config;
  config.auth_token.clear();
  config.num_workers = 0;
  config.bucket_total = 0;
  config.bucket_target = 0;
  config.pinned_bucket_min = 5;
  config.net_comms_timeout = 0;
  config.log_format = "xml";
  config.email_transport = "pigeon";
  config.verifiers = {Verifier{"v", "", "", "", ""}};
  config.stats_update_interval_ms = 0;
  config.dashboard_port = -1;
  config.debug_port = -1;
  config.api_port = -1;
  config.smtp_port = -1;
  config.statsd_addr = "statsd";
  config.wpcom_notify_url = "statsd";
  config.pagerduty_events_url = "";
  config.time_between_checks_sec = 0;
  config.dataset_size = 0;
  config.min_time_between_rounds_sec = -1;
  config.num_of_checks = 0;

  const std::vector<std::pair<std::string, std::function<void(Config&)>>> steps = {
      {"AUTH_TOKEN is required", [](Config& c) { c.auth_token = "t"; }},
      {"NUM_WORKERS must be > 0", [](Config& c) { c.num_workers = 1; }},
      {"BUCKET_TOTAL must be > 0", [](Config& c) { c.bucket_total = 100; }},
      {"BUCKET_TARGET must be between 1 and BUCKET_TOTAL", [](Config& c) { c.bucket_target = 50; }},
      {"PINNED_BUCKET_MIN and PINNED_BUCKET_MAX must be set together",
       [](Config& c) { c.pinned_bucket_max = 9; }},
      {"NET_COMMS_TIMEOUT must be > 0", [](Config& c) { c.net_comms_timeout = 5; }},
      {"LOG_FORMAT must be 'text' or 'json'", [](Config& c) { c.log_format = "json"; }},
      {"EMAIL_TRANSPORT must be one of: stub, smtp, wpcom", [](Config& c) { c.email_transport = "stub"; }},
      {"VERIFIERS[0] (v): host is required", [](Config& c) { c.verifiers[0].host = "h"; }},
      {"VERIFIERS[0] (v): port is required", [](Config& c) { c.verifiers[0].port = "1"; }},
      {"STATS_UPDATE_INTERVAL_MS must be > 0", [](Config& c) { c.stats_update_interval_ms = 1; }},
      {"DASHBOARD_PORT must be between 0 and 65535", [](Config& c) { c.dashboard_port = 0; }},
      {"DEBUG_PORT must be between 0 and 65535", [](Config& c) { c.debug_port = 0; }},
      {"API_PORT must be between 0 and 65535", [](Config& c) { c.api_port = 0; }},
      {"SMTP_PORT must be between 0 and 65535", [](Config& c) { c.smtp_port = 0; }},
      {"STATSD_ADDR must be host:port", [](Config& c) { c.statsd_addr = "statsd:8125"; }},
      {"WPCOM_NOTIFY_URL must be an http or https URL",
       [](Config& c) { c.wpcom_notify_url = "https://x.example/"; }},
      {"PAGERDUTY_EVENTS_URL must be an http or https URL",
       [](Config& c) { c.pagerduty_events_url = "http://127.0.0.1:8082/v2/enqueue"; }},
      {"TIME_BETWEEN_CHECKS_SEC must be > 0", [](Config& c) { c.time_between_checks_sec = 1; }},
      {"DATASET_SIZE must be > 0", [](Config& c) { c.dataset_size = 1; }},
      {"MIN_TIME_BETWEEN_ROUNDS_SEC must be >= 0", [](Config& c) { c.min_time_between_rounds_sec = 0; }},
      {"NUM_OF_CHECKS must be > 0", [](Config& c) { c.num_of_checks = 1; }},
  };
  for (const auto& [expected, repair] : steps) {
    CHECK(jetmon::config::validate(config) == std::optional<std::string>(expected));
    repair(config);
  }
  CHECK(jetmon::config::validate(config) == std::nullopt);
}

TEST_CASE("config validation: pinned sub-rules come in the documented order") {
  const auto [members, expected] = GENERATE(table<std::string, std::string>({
      // both halves missing partners: the PINNED pair is reported first
      {R"("PINNED_BUCKET_MIN":1,"BUCKET_NO_MIN":1)",
       "PINNED_BUCKET_MIN and PINNED_BUCKET_MAX must be set together"},
      // conflict is reported before range checks of either pair
      {R"("PINNED_BUCKET_MIN":-5,"PINNED_BUCKET_MAX":9,"BUCKET_NO_MIN":0,"BUCKET_NO_MAX":9)",
       "PINNED_BUCKET_* conflicts with legacy BUCKET_NO_* range"},
      // min >= 0 before max >= min
      {R"("PINNED_BUCKET_MIN":-5,"PINNED_BUCKET_MAX":-9)", "pinned bucket min must be >= 0"},
      // max >= min before max < total
      {R"("PINNED_BUCKET_MIN":2000,"PINNED_BUCKET_MAX":1500)", "pinned bucket max must be >= min"},
  }));
  CAPTURE(members);
  CHECK(parse_error(R"({"AUTH_TOKEN":"t",)" + members + "}") == "invalid config: " + expected);
}

TEST_CASE("config validation: the pinned range is checked against the configured BUCKET_TOTAL") {
  CHECK(parse_error(R"({"AUTH_TOKEN":"t","BUCKET_TOTAL":100,"BUCKET_TARGET":50,"PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":100})") ==
        "invalid config: pinned bucket max must be < BUCKET_TOTAL");
  CHECK(jetmon::config::parse(
            R"({"AUTH_TOKEN":"t","BUCKET_TOTAL":100,"BUCKET_TARGET":50,"PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":99})")
            .pinned_range() == jetmon::config::BucketRange{0, 99});
}

TEST_CASE("config validation: parse reports validation failures with the invalid prefix") {
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      {"{}", "invalid config: AUTH_TOKEN is required"},
      {R"({"AUTH_TOKEN":""})", "invalid config: AUTH_TOKEN is required"},
      {R"({"AUTH_TOKEN":"t","NUM_WORKERS":0})", "invalid config: NUM_WORKERS must be > 0"},
      {R"({"AUTH_TOKEN":"t","BUCKET_TARGET":1001})",
       "invalid config: BUCKET_TARGET must be between 1 and BUCKET_TOTAL"},
      {R"({"AUTH_TOKEN":"t","BUCKET_NO_MIN":3})",
       "invalid config: BUCKET_NO_MIN and BUCKET_NO_MAX must be set together"},
      {R"({"AUTH_TOKEN":"t","PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":null})",
       "invalid config: PINNED_BUCKET_MIN and PINNED_BUCKET_MAX must be set together"},
      {R"({"AUTH_TOKEN":"t","PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":99,"BUCKET_NO_MIN":100,"BUCKET_NO_MAX":199})",
       "invalid config: PINNED_BUCKET_* conflicts with legacy BUCKET_NO_* range"},
      {R"({"AUTH_TOKEN":"t","LOG_FORMAT":"yaml"})", "invalid config: LOG_FORMAT must be 'text' or 'json'"},
      {R"({"AUTH_TOKEN":"t","VERIFIERS":[{"name":"east","port":"7803"}]})",
       "invalid config: VERIFIERS[0] (east): host is required"},
      {R"({"AUTH_TOKEN":"t","VERIFIERS":[{"host":"h"}]})",
       "invalid config: VERIFIERS[0] (verifier #0): port is required"},
      {R"({"AUTH_TOKEN":"t","STATS_UPDATE_INTERVAL_MS":0})",
       "invalid config: STATS_UPDATE_INTERVAL_MS must be > 0"},
      {R"({"AUTH_TOKEN":"t","STATSD_ADDR":"statsd"})", "invalid config: STATSD_ADDR must be host:port"},
      {R"({"AUTH_TOKEN":"t","WPCOM_NOTIFY_URL":"ftp://x"})",
       "invalid config: WPCOM_NOTIFY_URL must be an http or https URL"},
  }));
  CAPTURE(text);
  CHECK(parse_error(text) == expected);
}

TEST_CASE("config validation: legacy BUCKET_NO_* pair alone pins the range") {
  const Config config =
      jetmon::config::parse(R"({"AUTH_TOKEN":"t","BUCKET_NO_MIN":100,"BUCKET_NO_MAX":199})");
  CHECK(config.pinned_range() == jetmon::config::BucketRange{100, 199});
  CHECK(config.bucket_ownership_label() == "pinned range=100-199");
}

TEST_CASE("config validation: PINNED_* wins when both pairs agree") {
  const Config config = jetmon::config::parse(
      R"({"AUTH_TOKEN":"t","PINNED_BUCKET_MIN":100,"PINNED_BUCKET_MAX":199,"BUCKET_NO_MIN":100,"BUCKET_NO_MAX":199})");
  CHECK(config.pinned_range() == jetmon::config::BucketRange{100, 199});
}
