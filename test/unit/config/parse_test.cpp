#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <string>

#include "jetmon/config/config.hpp"

using jetmon::config::Config;
using jetmon::config::ConfigError;
using jetmon::config::KeyStatus;
using jetmon::config::Verifier;

namespace {

// The smallest valid document; other keys are added to it.
std::string doc(const std::string& extra_members = "") {
  return extra_members.empty() ? R"({"AUTH_TOKEN":"t"})"
                               : R"({"AUTH_TOKEN":"t",)" + extra_members + "}";
}

// what() of the ConfigError thrown by parse, or "<no error>".
std::string parse_error(std::string_view text) {
  try {
    jetmon::config::parse(text);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "<no error>";
}

std::string render(int value) { return std::to_string(value); }
std::string render(bool value) { return value ? "true" : "false"; }
std::string render(const std::string& value) { return '"' + value + '"'; }
std::string render(const std::optional<int>& value) {
  return value ? std::to_string(*value) : "null";
}
std::string render(const std::vector<Verifier>& verifiers) {
  std::string out = "[";
  for (const auto& v : verifiers) {
    out += fmt::format("{{{}|{}|{}|{}|{}}}", v.name, v.host, v.port, v.grpc_port, v.auth_token);
  }
  return out + "]";
}

// Every key's value rendered as text, by key name. Written out by hand so that a member wired
// to the wrong key shows up.
const std::map<std::string, std::function<std::string(const Config&)>>& readers() {
  static const std::map<std::string, std::function<std::string(const Config&)>> table = {
      {"NUM_WORKERS", [](const Config& c) { return render(c.num_workers); }},
      {"DATASET_SIZE", [](const Config& c) { return render(c.dataset_size); }},
      {"MIN_TIME_BETWEEN_ROUNDS_SEC",
       [](const Config& c) { return render(c.min_time_between_rounds_sec); }},
      {"NET_COMMS_TIMEOUT", [](const Config& c) { return render(c.net_comms_timeout); }},
      {"USE_VARIABLE_CHECK_INTERVALS",
       [](const Config& c) { return render(c.use_variable_check_intervals); }},
      {"NUM_OF_CHECKS", [](const Config& c) { return render(c.num_of_checks); }},
      {"TIME_BETWEEN_CHECKS_SEC", [](const Config& c) { return render(c.time_between_checks_sec); }},
      {"PEER_OFFLINE_LIMIT", [](const Config& c) { return render(c.peer_offline_limit); }},
      {"ALERT_COOLDOWN_MINUTES", [](const Config& c) { return render(c.alert_cooldown_minutes); }},
      {"WORKER_MAX_MEM_MB", [](const Config& c) { return render(c.worker_max_mem_mb); }},
      {"STATSD_SEND_MEM_USAGE", [](const Config& c) { return render(c.statsd_send_mem_usage); }},
      {"LEGACY_STATUS_PROJECTION_ENABLE",
       [](const Config& c) { return render(c.legacy_status_projection_enable); }},
      {"BUCKET_TOTAL", [](const Config& c) { return render(c.bucket_total); }},
      {"BUCKET_TARGET", [](const Config& c) { return render(c.bucket_target); }},
      {"BUCKET_HEARTBEAT_GRACE_SEC",
       [](const Config& c) { return render(c.bucket_heartbeat_grace_sec); }},
      {"PINNED_BUCKET_MIN", [](const Config& c) { return render(c.pinned_bucket_min); }},
      {"PINNED_BUCKET_MAX", [](const Config& c) { return render(c.pinned_bucket_max); }},
      {"BUCKET_NO_MIN", [](const Config& c) { return render(c.bucket_no_min); }},
      {"BUCKET_NO_MAX", [](const Config& c) { return render(c.bucket_no_max); }},
      {"VERIFIERS", [](const Config& c) { return render(c.verifiers); }},
      {"AUTH_TOKEN", [](const Config& c) { return render(c.auth_token); }},
      {"STATS_UPDATE_INTERVAL_MS", [](const Config& c) { return render(c.stats_update_interval_ms); }},
      {"DASHBOARD_PORT", [](const Config& c) { return render(c.dashboard_port); }},
      {"DASHBOARD_BIND_ADDR", [](const Config& c) { return render(c.dashboard_bind_addr); }},
      {"DEBUG_PORT", [](const Config& c) { return render(c.debug_port); }},
      {"API_PORT", [](const Config& c) { return render(c.api_port); }},
      {"DELIVERY_OWNER_HOST", [](const Config& c) { return render(c.delivery_owner_host); }},
      {"EMAIL_TRANSPORT", [](const Config& c) { return render(c.email_transport); }},
      {"EMAIL_FROM", [](const Config& c) { return render(c.email_from); }},
      {"WPCOM_EMAIL_ENDPOINT", [](const Config& c) { return render(c.wpcom_email_endpoint); }},
      {"WPCOM_EMAIL_AUTH_TOKEN", [](const Config& c) { return render(c.wpcom_email_auth_token); }},
      {"SMTP_HOST", [](const Config& c) { return render(c.smtp_host); }},
      {"SMTP_PORT", [](const Config& c) { return render(c.smtp_port); }},
      {"SMTP_USERNAME", [](const Config& c) { return render(c.smtp_username); }},
      {"SMTP_PASSWORD", [](const Config& c) { return render(c.smtp_password); }},
      {"SMTP_USE_TLS", [](const Config& c) { return render(c.smtp_use_tls); }},
      {"STATSD_ADDR", [](const Config& c) { return render(c.statsd_addr); }},
      {"WPCOM_NOTIFY_URL", [](const Config& c) { return render(c.wpcom_notify_url); }},
      {"PAGERDUTY_EVENTS_URL", [](const Config& c) { return render(c.pagerduty_events_url); }},
      {"LOG_FORMAT", [](const Config& c) { return render(c.log_format); }},
      {"DEBUG", [](const Config& c) { return render(c.debug); }},
      {"NUM_TO_PROCESS", [](const Config& c) { return render(c.num_to_process); }},
      {"BATCH_SIZE", [](const Config& c) { return render(c.batch_size); }},
      {"VERIFLIER_BATCH_SIZE", [](const Config& c) { return render(c.veriflier_batch_size); }},
      {"SQL_UPDATE_BATCH", [](const Config& c) { return render(c.sql_update_batch); }},
      {"DB_CONFIG_UPDATES_MIN", [](const Config& c) { return render(c.db_config_updates_min); }},
      {"TIME_BETWEEN_NOTICES_MIN",
       [](const Config& c) { return render(c.time_between_notices_min); }},
  };
  return table;
}

struct KeyCase {
  const char* key;
  const char* json_value;  // a valid non-default value written in the file
  const char* expected;    // rendered value after parsing
};

}  // namespace

TEST_CASE("config: every key has its documented default") {
  struct Row {
    const char* key;
    const char* expected;
  };
  const auto row = GENERATE(values<Row>({
      {"NUM_WORKERS", "60"},
      {"DATASET_SIZE", "100"},
      {"MIN_TIME_BETWEEN_ROUNDS_SEC", "300"},
      {"NET_COMMS_TIMEOUT", "10"},
      {"USE_VARIABLE_CHECK_INTERVALS", "false"},
      {"NUM_OF_CHECKS", "3"},
      {"TIME_BETWEEN_CHECKS_SEC", "30"},
      {"PEER_OFFLINE_LIMIT", "3"},
      {"ALERT_COOLDOWN_MINUTES", "30"},
      {"WORKER_MAX_MEM_MB", "53"},
      {"STATSD_SEND_MEM_USAGE", "false"},
      {"LEGACY_STATUS_PROJECTION_ENABLE", "true"},
      {"BUCKET_TOTAL", "1000"},
      {"BUCKET_TARGET", "500"},
      {"BUCKET_HEARTBEAT_GRACE_SEC", "600"},
      {"PINNED_BUCKET_MIN", "null"},
      {"PINNED_BUCKET_MAX", "null"},
      {"BUCKET_NO_MIN", "null"},
      {"BUCKET_NO_MAX", "null"},
      {"VERIFIERS", "[]"},
      {"STATS_UPDATE_INTERVAL_MS", "10000"},
      {"DASHBOARD_PORT", "8080"},
      {"DASHBOARD_BIND_ADDR", "\"127.0.0.1\""},
      {"DEBUG_PORT", "6060"},
      {"API_PORT", "0"},
      {"DELIVERY_OWNER_HOST", "\"\""},
      {"EMAIL_TRANSPORT", "\"stub\""},
      {"EMAIL_FROM", "\"jetmon@noreply.invalid\""},
      {"WPCOM_EMAIL_ENDPOINT", "\"\""},
      {"WPCOM_EMAIL_AUTH_TOKEN", "\"\""},
      {"SMTP_HOST", "\"\""},
      {"SMTP_PORT", "0"},
      {"SMTP_USERNAME", "\"\""},
      {"SMTP_PASSWORD", "\"\""},
      {"SMTP_USE_TLS", "false"},
      {"STATSD_ADDR", "\"statsd:8125\""},
      {"WPCOM_NOTIFY_URL",
       "\"https://public-api.wordpress.com/wpcom/v2/jetpack-monitor/status-change\""},
      {"PAGERDUTY_EVENTS_URL", "\"https://events.pagerduty.com/v2/enqueue\""},
      {"LOG_FORMAT", "\"text\""},
      {"DEBUG", "false"},
      {"NUM_TO_PROCESS", "40"},
      {"BATCH_SIZE", "32"},
      {"VERIFLIER_BATCH_SIZE", "200"},
      {"SQL_UPDATE_BATCH", "1"},
      {"DB_CONFIG_UPDATES_MIN", "10"},
      {"TIME_BETWEEN_NOTICES_MIN", "59"},
  }));
  CAPTURE(row.key);
  const auto& read = readers().at(row.key);
  CHECK(read(Config{}) == row.expected);
  CHECK(read(jetmon::config::parse(doc())) == row.expected);
}

TEST_CASE("config: AUTH_TOKEN has no default") {
  CHECK(Config{}.auth_token.empty());
  CHECK(jetmon::config::parse(doc()).auth_token == "t");
}

TEST_CASE("config: the test key readers cover every accepted key") {
  for (const auto& spec : jetmon::config::key_specs()) {
    CAPTURE(spec.name);
    if (spec.name == "DB_UPDATES_ENABLE") continue;  // an alias without a member of its own
    CHECK(readers().count(std::string(spec.name)) == 1);
  }
  CHECK(readers().size() + 1 == jetmon::config::key_specs().size());
}

TEST_CASE("config: a key present in the file overrides its default") {
  const auto row = GENERATE(values<KeyCase>({
      {"NUM_WORKERS", "7", "7"},
      {"DATASET_SIZE", "250", "250"},
      {"MIN_TIME_BETWEEN_ROUNDS_SEC", "0", "0"},
      {"NET_COMMS_TIMEOUT", "20", "20"},
      {"USE_VARIABLE_CHECK_INTERVALS", "true", "true"},
      {"NUM_OF_CHECKS", "5", "5"},
      {"TIME_BETWEEN_CHECKS_SEC", "45", "45"},
      {"PEER_OFFLINE_LIMIT", "2", "2"},
      {"ALERT_COOLDOWN_MINUTES", "0", "0"},
      {"WORKER_MAX_MEM_MB", "-1", "-1"},
      {"STATSD_SEND_MEM_USAGE", "true", "true"},
      {"LEGACY_STATUS_PROJECTION_ENABLE", "false", "false"},
      {"BUCKET_TOTAL", "2000", "2000"},
      {"BUCKET_TARGET", "1000", "1000"},
      {"BUCKET_HEARTBEAT_GRACE_SEC", "-5", "-5"},  // not validated (monitor.md §1.2)
      {"VERIFIERS",
       R"([{"name":"v1","host":"h1","port":"7803","grpc_port":"7804","auth_token":"a1"},{"host":"h2","grpc_port":"9"}])",
       "[{v1|h1|7803|7804|a1}{|h2||9|}]"},
      {"AUTH_TOKEN", R"("secret")", "\"secret\""},
      {"STATS_UPDATE_INTERVAL_MS", "2500", "2500"},
      {"DASHBOARD_PORT", "0", "0"},
      {"DASHBOARD_BIND_ADDR", R"("0.0.0.0")", "\"0.0.0.0\""},
      {"DEBUG_PORT", "0", "0"},
      {"API_PORT", "8090", "8090"},
      {"DELIVERY_OWNER_HOST", R"("host-a")", "\"host-a\""},
      {"EMAIL_TRANSPORT", R"("")", "\"\""},
      {"EMAIL_FROM", R"("ops@example.com")", "\"ops@example.com\""},
      {"WPCOM_EMAIL_ENDPOINT", R"("https://e.example/send")", "\"https://e.example/send\""},
      {"WPCOM_EMAIL_AUTH_TOKEN", R"("wt")", "\"wt\""},
      {"SMTP_HOST", R"("mail")", "\"mail\""},
      {"SMTP_PORT", "1025", "1025"},
      {"SMTP_USERNAME", R"("u")", "\"u\""},
      {"SMTP_PASSWORD", R"("p")", "\"p\""},
      {"SMTP_USE_TLS", "true", "true"},
      {"STATSD_ADDR", R"("127.0.0.1:9125")", "\"127.0.0.1:9125\""},
      {"WPCOM_NOTIFY_URL", R"("http://localhost:8081/status")", "\"http://localhost:8081/status\""},
      {"PAGERDUTY_EVENTS_URL", R"("http://127.0.0.1:8082/v2/enqueue")",
       "\"http://127.0.0.1:8082/v2/enqueue\""},
      {"LOG_FORMAT", R"("json")", "\"json\""},
      {"DEBUG", "true", "true"},
      {"NUM_TO_PROCESS", "1", "1"},
      {"BATCH_SIZE", "2", "2"},
      {"VERIFLIER_BATCH_SIZE", "3", "3"},
      {"SQL_UPDATE_BATCH", "4", "4"},
      {"DB_CONFIG_UPDATES_MIN", "5", "5"},
      {"TIME_BETWEEN_NOTICES_MIN", "6", "6"},
  }));
  CAPTURE(row.key, row.json_value);
  const auto text = std::string(row.key) == "AUTH_TOKEN"
                        ? fmt::format(R"({{"AUTH_TOKEN":{}}})", row.json_value)
                        : doc(fmt::format(R"("{}":{})", row.key, row.json_value));
  const Config config = jetmon::config::parse(text);
  CHECK(readers().at(row.key)(config) == row.expected);

  // Only that key moved.
  for (const auto& [key, read] : readers()) {
    if (key == row.key || key == "AUTH_TOKEN") continue;
    CAPTURE(key);
    CHECK(read(config) == read(Config{}));
  }
}

TEST_CASE("config: pinned keys accept an integer or null") {
  const auto [key, partner] = GENERATE(table<std::string, std::string>({
      {"PINNED_BUCKET_MIN", "PINNED_BUCKET_MAX"},
      {"PINNED_BUCKET_MAX", "PINNED_BUCKET_MIN"},
      {"BUCKET_NO_MIN", "BUCKET_NO_MAX"},
      {"BUCKET_NO_MAX", "BUCKET_NO_MIN"},
  }));
  CAPTURE(key);
  const Config set = jetmon::config::parse(doc(fmt::format(R"("{}":5,"{}":5)", key, partner)));
  CHECK(readers().at(key)(set) == "5");
  const Config unset =
      jetmon::config::parse(doc(fmt::format(R"("{}":null,"{}":null)", key, partner)));
  CHECK(readers().at(key)(unset) == "null");
}

TEST_CASE("config: integral numbers written with a fraction or exponent are integers") {
  const auto [json, expected] = GENERATE(table<const char*, int>({
      {"60.0", 60},
      {"6e1", 60},
      {"2147483647", 2147483647},
      {"2.147483647e9", 2147483647},
  }));
  CAPTURE(json);
  CHECK(jetmon::config::parse(doc(fmt::format(R"("NUM_WORKERS":{})", json))).num_workers ==
        expected);
}

TEST_CASE("config: negative integers down to INT_MIN are read") {
  CHECK(jetmon::config::parse(doc(R"("WORKER_MAX_MEM_MB":-2147483648)")).worker_max_mem_mb ==
        -2147483647 - 1);
}

TEST_CASE("config: a wrong JSON type is a parse error naming the key") {
  const auto [members, expected] = GENERATE(table<std::string, std::string>({
      {R"("NUM_WORKERS":"60")", "parse config: NUM_WORKERS: expected integer, got string"},
      {R"("NUM_WORKERS":true)", "parse config: NUM_WORKERS: expected integer, got boolean"},
      {R"("NUM_WORKERS":null)", "parse config: NUM_WORKERS: expected integer, got null"},
      {R"("NUM_WORKERS":[60])", "parse config: NUM_WORKERS: expected integer, got array"},
      {R"("NUM_WORKERS":{"v":60})", "parse config: NUM_WORKERS: expected integer, got object"},
      {R"("NUM_WORKERS":1.5)", "parse config: NUM_WORKERS: expected integer, got 1.5"},
      {R"("BUCKET_TOTAL":99999999999)",
       "parse config: BUCKET_TOTAL: expected integer between -2147483648 and 2147483647, got "
       "99999999999"},
      {R"("BUCKET_TOTAL":-2147483649)",
       "parse config: BUCKET_TOTAL: expected integer between -2147483648 and 2147483647, got "
       "-2147483649"},
      {R"("BUCKET_TOTAL":18446744073709551615)",
       "parse config: BUCKET_TOTAL: expected integer between -2147483648 and 2147483647, got "
       "18446744073709551615"},
      {R"("BUCKET_TOTAL":1e20)",
       "parse config: BUCKET_TOTAL: expected integer between -2147483648 and 2147483647, got "
       "1e+20"},
      {R"("DASHBOARD_PORT":"8080")", "parse config: DASHBOARD_PORT: expected integer, got string"},
      {R"("SMTP_PORT":25.5)", "parse config: SMTP_PORT: expected integer, got 25.5"},
      {R"("USE_VARIABLE_CHECK_INTERVALS":"true")",
       "parse config: USE_VARIABLE_CHECK_INTERVALS: expected boolean, got string"},
      {R"("SMTP_USE_TLS":1)", "parse config: SMTP_USE_TLS: expected boolean, got number"},
      {R"("LEGACY_STATUS_PROJECTION_ENABLE":null)",
       "parse config: LEGACY_STATUS_PROJECTION_ENABLE: expected boolean, got null"},
      {R"("DB_UPDATES_ENABLE":"no")", "parse config: DB_UPDATES_ENABLE: expected boolean, got string"},
      {R"("DASHBOARD_BIND_ADDR":null)",
       "parse config: DASHBOARD_BIND_ADDR: expected string, got null"},
      {R"("LOG_FORMAT":1)", "parse config: LOG_FORMAT: expected string, got number"},
      {R"("STATSD_ADDR":["statsd",8125])", "parse config: STATSD_ADDR: expected string, got array"},
      {R"("PINNED_BUCKET_MIN":"5")",
       "parse config: PINNED_BUCKET_MIN: expected integer or null, got string"},
      {R"("BUCKET_NO_MAX":false)", "parse config: BUCKET_NO_MAX: expected integer or null, got boolean"},
      {R"("BUCKET_NO_MIN":0.5)", "parse config: BUCKET_NO_MIN: expected integer, got 0.5"},
      {R"("VERIFIERS":{})", "parse config: VERIFIERS: expected array, got object"},
      {R"("VERIFIERS":null)", "parse config: VERIFIERS: expected array, got null"},
      {R"("VERIFIERS":["h:1"])", "parse config: VERIFIERS[0]: expected object, got string"},
      {R"("VERIFIERS":[{"host":"h","port":7803}])",
       "parse config: VERIFIERS[0].port: expected string, got number"},
      {R"("VERIFIERS":[{"host":"h","port":"1"},{"host":"h","grpc_port":7804}])",
       "parse config: VERIFIERS[1].grpc_port: expected string, got number"},
      {R"("VERIFIERS":[{"name":null,"host":"h","port":"1"}])",
       "parse config: VERIFIERS[0].name: expected string, got null"},
      {R"("VERIFIERS":[{"host":"h","port":"1","auth_token":true}])",
       "parse config: VERIFIERS[0].auth_token: expected string, got boolean"},
      {R"("DEBUG":"yes")", "parse config: DEBUG: expected boolean, got string"},
      {R"("NUM_TO_PROCESS":"40")", "parse config: NUM_TO_PROCESS: expected integer, got string"},
      {R"("num_workers":"60")", "parse config: num_workers: expected integer, got string"},
      {R"("Verifiers":[{"Host":"h","PORT":1}])",
       "parse config: Verifiers[0].PORT: expected string, got number"},
  }));
  CAPTURE(members);
  CHECK(parse_error(doc(members)) == expected);
}

TEST_CASE("config: a type error wins over validation errors") {
  CHECK(parse_error(R"({"NUM_WORKERS":"60"})") ==
        "parse config: NUM_WORKERS: expected integer, got string");
}

TEST_CASE("config: AUTH_TOKEN of the wrong type names the key") {
  CHECK(parse_error(R"({"AUTH_TOKEN":123})") ==
        "parse config: AUTH_TOKEN: expected string, got number");
}

TEST_CASE("config: broken JSON reports the rapidjson message with line and column") {
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      {"", "parse config: The document is empty at line 1 column 1"},
      {"   \n\n", "parse config: The document is empty at line 3 column 1"},
      {"{", "parse config: Missing a name for object member at line 1 column 2"},
      {"{\n  \"AUTH_TOKEN\": \"t\",\n  \"NUM_WORKERS\" 5\n}",
       "parse config: Missing a colon after a name of object member at line 3 column 17"},
      {"{\"AUTH_TOKEN\":\"t\",}", "parse config: Missing a name for object member at line 1 column 19"},
      {"{\"AUTH_TOKEN\":\"t\"\n\"X\":1}",
       "parse config: Missing a comma or '}' after an object member at line 2 column 1"},
      {"{\"VERIFIERS\":[{}\n{}]}",
       "parse config: Missing a comma or ']' after an array element at line 2 column 1"},
      {"{} {}", "parse config: The document root must not be followed by other values at line 1 column 4"},
      {"{\"AUTH_TOKEN\":'t'}", "parse config: Invalid value at line 1 column 15"},
      {"// comment\n{}", "parse config: Invalid value at line 1 column 1"},
      {"{\"NUM_WORKERS\":NaN}", "parse config: Invalid value at line 1 column 16"},
      {"{\"NUM_WORKERS\":1e999}",
       "parse config: Number too big to be stored in double at line 1 column 16"},
      {"{\"AUTH_TOKEN\":\"t}", "parse config: Missing a closing quotation mark in string at line 1 column 18"},
      {"{\"AUTH_TOKEN\":\"\\q\"}", "parse config: Invalid escape character in string at line 1 column 16"},
      {"{\"AUTH_TOKEN\":\"\xff\"}", "parse config: Invalid encoding in string at line 1 column 16"},
      {"{\"NAME\":\"h\xc3\xa9\"\n,\"AUTH_TOKEN\":\"\xc3\x28\"}",
       "parse config: Invalid encoding in string at line 2 column 16"},
      {std::string("{}\0{}", 5), "parse config: Invalid NUL byte at line 1 column 3"},
  }));
  CAPTURE(text);
  CHECK(parse_error(text) == expected);
}

TEST_CASE("config: the top level must be an object") {
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      {"[]", "parse config: top level must be a JSON object, got array"},
      {R"([{"AUTH_TOKEN":"t"}])", "parse config: top level must be a JSON object, got array"},
      {"\"AUTH_TOKEN\"", "parse config: top level must be a JSON object, got string"},
      {"42", "parse config: top level must be a JSON object, got number"},
      {"null", "parse config: top level must be a JSON object, got null"},
      {"true", "parse config: top level must be a JSON object, got boolean"},
  }));
  CAPTURE(text);
  CHECK(parse_error(text) == expected);
}

TEST_CASE("config: hostile input yields an error message, never a crash") {
  SECTION("deeply nested arrays") {
    const std::string text(200000, '[');
    CHECK(parse_error(text).starts_with("parse config: "));
  }
  SECTION("deeply nested value under an unknown key is ignored") {
    const std::string nested = std::string(200000, '[') + std::string(200000, ']');
    CHECK(jetmon::config::parse(doc(R"("X":)" + nested)).auth_token == "t");
  }
  SECTION("deeply nested value under a known key is a type error") {
    const std::string nested = std::string(100000, '[') + std::string(100000, ']');
    CHECK(parse_error(doc(R"("NUM_WORKERS":)" + nested)) ==
          "parse config: NUM_WORKERS: expected integer, got array");
  }
  SECTION("a very long number") {
    CHECK(parse_error(doc(R"("NUM_WORKERS":)" + std::string(5000, '9'))).starts_with(
        "parse config: "));
  }
  SECTION("many members") {
    std::string text = "{";
    for (int i = 0; i < 50000; ++i) text += fmt::format(R"("k{}":{},)", i, i);
    text += R"("AUTH_TOKEN":"t"})";
    CHECK(jetmon::config::parse(text).auth_token == "t");
  }
  SECTION("binary garbage") {
    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
    CHECK(parse_error(garbage).starts_with("parse config: "));
  }
  SECTION("an unterminated document") {
    CHECK(parse_error(R"({"AUTH_TOKEN":"t","VERIFIERS":[{"host":)").starts_with(
        "parse config: "));
  }
}

TEST_CASE("config: a UTF-8 byte order mark is skipped") {
  CHECK(jetmon::config::parse("\xEF\xBB\xBF" + doc()).auth_token == "t");
  CHECK(parse_error("\xEF\xBB\xBF{,}") ==
        "parse config: Missing a name for object member at line 1 column 2");
}

TEST_CASE("config: valid UTF-8 and escapes in strings are kept") {
  const Config config = jetmon::config::parse(
      R"({"AUTH_TOKEN":"t\u00e9\n","VERIFIERS":[{"name":"Zürich","host":"h","port":"1"}]})");
  CHECK(config.auth_token == "t\xc3\xa9\n");
  CHECK(config.verifiers.at(0).name == "Z\xc3\xbcrich");
}

TEST_CASE("config: unknown keys are ignored") {
  const Config config = jetmon::config::parse(
      doc(R"("SCHEDULER_ENGINE":"legacy","NUM_WORKERZ":"x","VERIFIERS":[{"host":"h","port":"1","weight":3}])"));
  CHECK(config.num_workers == 60);
  REQUIRE(config.verifiers.size() == 1);
  CHECK(config.verifiers[0].host == "h");
}

TEST_CASE("config: case-variant keys are accepted, the exact name wins") {
  const auto [members, expected_workers] = GENERATE(table<std::string, int>({
      {R"("num_workers":7)", 7},
      {R"("Num_Workers":7)", 7},
      {R"("NUM_WORKERS":8,"num_workers":7)", 8},
      {R"("num_workers":7,"NUM_WORKERS":8)", 8},
      {R"("num_workers":7,"Num_Workers":9)", 9},  // among variants the last one wins
      {R"("NUM_WORKERS":7,"NUM_WORKERS":8)", 8},  // a duplicate exact key: the last one wins
  }));
  CAPTURE(members);
  CHECK(jetmon::config::parse(doc(members)).num_workers == expected_workers);
}

TEST_CASE("config: a case-variant AUTH_TOKEN and Veriflier fields are accepted") {
  const Config config = jetmon::config::parse(
      R"({"auth_token":"t","verifiers":[{"NAME":"n","Host":"h","Port":"1","GRPC_PORT":"2","Auth_Token":"a"}]})");
  CHECK(config.auth_token == "t");
  REQUIRE(config.verifiers.size() == 1);
  CHECK(config.verifiers[0] == Verifier{"n", "h", "1", "2", "a"});
}

TEST_CASE("config: a case variant shadowed by the exact key is not read") {
  CHECK(jetmon::config::parse(doc(R"("NUM_WORKERS":8,"num_workers":"x")")).num_workers == 8);
}

TEST_CASE("config: DB_UPDATES_ENABLE is an alias used only without LEGACY_STATUS_PROJECTION_ENABLE") {
  const auto [members, expected] = GENERATE(table<std::string, bool>({
      {R"("DB_UPDATES_ENABLE":false)", false},
      {R"("DB_UPDATES_ENABLE":true)", true},
      {R"("db_updates_enable":false)", false},
      {R"("DB_UPDATES_ENABLE":false,"LEGACY_STATUS_PROJECTION_ENABLE":true)", true},
      {R"("LEGACY_STATUS_PROJECTION_ENABLE":true,"DB_UPDATES_ENABLE":false)", true},
      {R"("DB_UPDATES_ENABLE":true,"LEGACY_STATUS_PROJECTION_ENABLE":false)", false},
      {R"("DB_UPDATES_ENABLE":false,"legacy_status_projection_enable":true)", true},
      {R"("LEGACY_STATUS_PROJECTION_ENABLE":false)", false},
  }));
  CAPTURE(members);
  CHECK(jetmon::config::parse(doc(members)).legacy_status_projection_enable == expected);
}

TEST_CASE("config: legacy no-effect keys are accepted") {
  const Config config = jetmon::config::parse(doc(
      R"("DEBUG":true,"NUM_TO_PROCESS":1,"BATCH_SIZE":2,"VERIFLIER_BATCH_SIZE":3,"SQL_UPDATE_BATCH":4,"DB_CONFIG_UPDATES_MIN":5,"TIME_BETWEEN_NOTICES_MIN":6)"));
  CHECK(config.debug);
  CHECK(config.num_to_process == 1);
  CHECK(config.time_between_notices_min == 6);
  for (const auto& spec : jetmon::config::key_specs()) {
    if (spec.status != KeyStatus::legacy_no_effect) continue;
    CAPTURE(spec.name);
    CHECK(spec.reload == jetmon::config::Reload::none);
  }
}

TEST_CASE("config: ConfigError exposes the stage and the unprefixed detail") {
  try {
    jetmon::config::parse(R"({"NUM_WORKERS":"60"})");
    FAIL("parse did not throw");
  } catch (const ConfigError& error) {
    CHECK(error.stage() == ConfigError::Stage::parse);
    CHECK(error.detail() == "NUM_WORKERS: expected integer, got string");
  }
  try {
    jetmon::config::parse("{}");
    FAIL("parse did not throw");
  } catch (const ConfigError& error) {
    CHECK(error.stage() == ConfigError::Stage::invalid);
    CHECK(std::string(error.what()) == "invalid config: AUTH_TOKEN is required");
    CHECK(error.detail() == "AUTH_TOKEN is required");
  }
}
