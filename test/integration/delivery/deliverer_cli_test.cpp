// `jetmon-deliverer validate-config` and `delivery-check` as operators run them, against the
// throwaway MariaDB (dashboard-fleet.md §7.4).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::run_command;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;

namespace {

using Env = std::map<std::string, std::string>;

Env with(Env env, const Env& extra) {
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

bool contains_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

// The lines of `text` in order.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

jetmon::test::CommandResult deliverer(const std::vector<std::string>& args, const Env& env) {
  std::vector<std::string> argv{JETMON_DELIVERER_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, env);
}

// A migrated database and a config file for the deliverer.
struct Fixture {
  TestDatabase tdb;
  TempDir dir;
  Fixture() { tdb.migrate(); }
  Env env(const std::string& config_json) {
    return with(tdb.env(), {{"JETMON_CONFIG", dir.write_file("deliverer.json", config_json)}});
  }
};

// A valid config and a database port where nothing listens.
Env unreachable_db(const TempDir& dir) {
  return {{"JETMON_CONFIG", dir.write_file("c.json", R"({"AUTH_TOKEN":"t"})")}, {"DB_HOST", "127.0.0.1"}, {"DB_PORT", "1"}};
}

constexpr const char* kOwnedConfig =
    R"({"AUTH_TOKEN":"t","DELIVERY_OWNER_HOST":"deliverer-1","EMAIL_TRANSPORT":"smtp","SMTP_HOST":"127.0.0.1","SMTP_PORT":2525})";

}  // namespace

TEST_CASE("deliverer validate-config passes with every line in order", "[deliverer][validate-config]") {
  Fixture f;
  const auto r = deliverer({"validate-config", "--host=deliverer-1", "--require-owner-match",
                            "--require-email-delivery", "--require-api-disabled"},
                           f.env(kOwnedConfig));
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(lines_of(r.out) == std::vector<std::string>{
                               "PASS config parse", "PASS db connect", "INFO deliverer_host=\"deliverer-1\"",
                               "INFO email_transport=smtp", "PASS api_port=disabled",
                               "INFO delivery_owner_host=\"deliverer-1\" matched; delivery workers enabled on this host",
                               "", "validation passed"});
}

TEST_CASE("deliverer validate-config warns without the require flags", "[deliverer][validate-config]") {
  Fixture f;
  const auto r = deliverer({"validate-config", "--host", "deliverer-2"}, f.env(R"({"AUTH_TOKEN":"t","API_PORT":8090})"));
  CHECK(r.exit_code == 0);
  CHECK(lines_of(r.out) ==
        std::vector<std::string>{
            "PASS config parse", "PASS db connect", "INFO deliverer_host=\"deliverer-2\"", "INFO email_transport=stub",
            "WARN email_transport=stub; alert-contact emails will be logged but not delivered",
            "WARN api_port=8090; standalone deliverer ignores API_PORT, confirm this is a process-specific config",
            "WARN delivery_owner_host is unset; standalone deliverer on host \"deliverer-2\" will run delivery workers",
            "", "validation passed"});

  const auto idle = deliverer({"validate-config", "--host=deliverer-2"},
                              f.env(R"({"AUTH_TOKEN":"t","DELIVERY_OWNER_HOST":"deliverer-1"})"));
  CHECK(idle.exit_code == 0);
  CHECK(contains_line(idle.out, "INFO delivery_owner_host=\"deliverer-1\"; standalone deliverer idle on host \"deliverer-2\""));
}

TEST_CASE("deliverer validate-config fails for each require flag", "[deliverer][validate-config]") {
  Fixture f;
  struct Case {
    std::string config;
    std::vector<std::string> args;
    std::string fail;
  };
  const std::vector<Case> cases = {
      {R"({"AUTH_TOKEN":"t"})", {"--host=deliverer-1", "--require-owner-match"},
       "FAIL DELIVERY_OWNER_HOST must be set to \"deliverer-1\" for single-owner deliverer rollout\n"},
      {R"({"AUTH_TOKEN":"t","DELIVERY_OWNER_HOST":"deliverer-9"})", {"--host=deliverer-1", "--require-owner-match"},
       "FAIL DELIVERY_OWNER_HOST=\"deliverer-9\" does not match deliverer host \"deliverer-1\"\n"},
      {R"({"AUTH_TOKEN":"t","EMAIL_TRANSPORT":"stub"})", {"--host=d", "--require-email-delivery"},
       "FAIL EMAIL_TRANSPORT=\"stub\" does not deliver email; set smtp or wpcom\n"},
      {R"({"AUTH_TOKEN":"t"})", {"--host=d", "--require-email-delivery"},
       "FAIL EMAIL_TRANSPORT=\"stub\" does not deliver email; set smtp or wpcom\n"},
      {R"({"AUTH_TOKEN":"t","API_PORT":8090})", {"--host=d", "--require-api-disabled"},
       "FAIL API_PORT=8090 must be 0 for standalone deliverer config\n"},
      {R"({"NUM_WORKERS":5})", {"--host=d"}, "FAIL config parse: invalid config: AUTH_TOKEN is required\n"},
  };
  for (const Case& c : cases) {
    INFO(c.fail);
    std::vector<std::string> args{"validate-config"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = deliverer(args, f.env(c.config));
    CHECK(r.exit_code == 1);
    CHECK(r.err == c.fail);
    CHECK(r.out.find("validation passed") == std::string::npos);
  }
}

TEST_CASE("deliverer validate-config against an unreachable database fails after 3 attempts",
          "[deliverer][validate-config]") {
  TempDir dir;
  const auto r = deliverer({"validate-config", "--host=d"}, unreachable_db(dir));
  CHECK(r.exit_code == 1);
  CHECK(r.out == "PASS config parse\n");
  CHECK(r.err.find("FAIL db connect: ") != std::string::npos);
  CHECK(r.err.find("3 attempts") != std::string::npos);
}

TEST_CASE("deliverer usage errors and unknown verbs exit 2", "[deliverer][cli]") {
  const Env env;
  const auto unknown = deliverer({"bogus"}, env);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "unknown command \"bogus\" (want: version, validate-config, delivery-check)\n");
  CHECK(unknown.out.empty());

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"validate-config", "--bogus"}, {"validate-config", "extra"},
        {"delivery-check", "--max-failed=-2"}, {"delivery-check", "--output=xml"}, {"delivery-check", "--since=0s"},
        {"delivery-check", "--max-due"}}) {
    INFO(args.back());
    const auto r = deliverer(args, env);
    CHECK(r.exit_code == 2);
    CHECK(r.err.starts_with("usage: jetmon-deliverer " + args.front()));
    CHECK(r.err.find("\nFAIL ") != std::string::npos);
    CHECK(r.out.empty());
  }
  const auto help = deliverer({"delivery-check", "--help"}, env);
  CHECK(help.exit_code == 0);
  CHECK(help.out.starts_with("usage: jetmon-deliverer delivery-check"));
}

namespace {

// Seeds one delivery row; times are SQL expressions against NOW().
void seed(jetmon::db::Connection& c, const std::string& table, int n, const std::string& status,
          const std::string& next_attempt, const std::string& created, const std::string& last_attempt = "NULL",
          const std::string& delivered = "NULL") {
  static int transition = 0;
  const bool alert = table == "jetmon_alert_deliveries";
  const std::string sql =
      "INSERT INTO " + table + " (" + (alert ? "alert_contact_id" : "webhook_id") +
      ", transition_id, event_id, event_type, " + (alert ? "severity, " : "") +
      "payload, status, next_attempt_at, created_at, last_attempt_at, delivered_at) VALUES (1, ?, 1, 'event.opened', " +
      (alert ? "4, " : "") + "'{}', ?, " + next_attempt + ", " + created + ", " + last_attempt + ", " + delivered + ")";
  for (int i = 0; i < n; ++i) c.exec(sql, {++transition, status});
}

}  // namespace

TEST_CASE("delivery-check reads the queues and applies every threshold", "[deliverer][delivery-check]") {
  Fixture f;
  auto& c = f.tdb.connection();
  const std::string wh = "jetmon_webhook_deliveries";
  const std::string al = "jetmon_alert_deliveries";
  // webhook: 2 due (oldest created 10 min ago, one never tried), 1 leased/future, 3 delivered
  // recently, 1 delivered long ago, 1 abandoned recently, 1 abandoned long ago.
  seed(c, wh, 1, "pending", "NULL", "NOW() - INTERVAL 600 SECOND");
  seed(c, wh, 1, "pending", "NOW() - INTERVAL 120 SECOND", "NOW() - INTERVAL 300 SECOND");
  seed(c, wh, 1, "pending", "NOW() + INTERVAL 60 SECOND", "NOW() - INTERVAL 900 SECOND");
  seed(c, wh, 3, "delivered", "NULL", "NOW() - INTERVAL 200 SECOND", "NOW() - INTERVAL 100 SECOND",
       "NOW() - INTERVAL 100 SECOND");
  seed(c, wh, 1, "delivered", "NULL", "NOW() - INTERVAL 2 DAY", "NOW() - INTERVAL 2 DAY", "NOW() - INTERVAL 2 DAY");
  seed(c, wh, 1, "abandoned", "NULL", "NOW() - INTERVAL 8 HOUR", "NOW() - INTERVAL 60 SECOND");
  seed(c, wh, 1, "abandoned", "NULL", "NOW() - INTERVAL 3 DAY", "NOW() - INTERVAL 2 DAY");
  // alert: 1 failed recently without an attempt time (created recently), 1 abandoned (rate cap).
  seed(c, al, 1, "failed", "NULL", "NOW() - INTERVAL 30 SECOND");
  seed(c, al, 1, "abandoned", "NULL", "NOW() - INTERVAL 40 SECOND", "NOW() - INTERVAL 40 SECOND");
  const auto before = jetmon::test::table_fingerprints(c);
  const Env env = f.env(R"({"AUTH_TOKEN":"t","DELIVERY_OWNER_HOST":"deliverer-1"})");

  const auto ok = deliverer({"delivery-check", "--host=deliverer-1"}, env);
  CHECK(ok.exit_code == 0);
  CHECK(ok.err.empty());
  const auto lines = lines_of(ok.out);
  REQUIRE(lines.size() == 11);
  CHECK(lines[0] == "PASS config parse");
  CHECK(lines[1] == "PASS db connect");
  CHECK(lines[2] == "INFO deliverer_host=\"deliverer-1\"");
  CHECK(lines[3].starts_with("INFO delivery_check_generated_at=20"));
  CHECK(lines[4].starts_with("INFO delivery_check_since=20"));
  CHECK(lines[5] == "INFO delivery_owner_host=\"deliverer-1\" matched; delivery workers enabled on this host");
  CHECK(lines[6].starts_with("KIND     PENDING  DUE_NOW  FUTURE_RETRY  DELIVERED_SINCE  ABANDONED_SINCE  FAILED_SINCE  "
                             "OLDEST_PENDING_SEC  OLDEST_DUE_SEC"));
  // Ages are taken against the database clock when the check ran: allow a slow machine.
  const auto row = [&](const std::string& line) {
    std::vector<std::string> cells;
    std::size_t i = 0;
    while (i < line.size()) {
      const std::size_t end = line.find(' ', i);
      cells.push_back(line.substr(i, end - i));
      if (end == std::string::npos) break;
      i = line.find_first_not_of(' ', end);
    }
    return cells;
  };
  const auto webhook = row(lines[7]);
  const auto alert = row(lines[8]);
  const auto total = row(lines[9]);
  REQUIRE(webhook.size() == 9);
  CHECK(std::vector<std::string>(webhook.begin(), webhook.begin() + 7) ==
        std::vector<std::string>{"webhook", "3", "2", "1", "3", "1", "0"});
  CHECK(std::stoi(webhook[7]) >= 900);
  CHECK(std::stoi(webhook[7]) < 1200);
  CHECK(std::stoi(webhook[8]) >= 600);  // the never-tried row counts from created_at
  CHECK(std::stoi(webhook[8]) < 900);
  CHECK(alert == std::vector<std::string>{"alert", "0", "0", "0", "0", "1", "1", "0", "0"});
  CHECK(std::vector<std::string>(total.begin(), total.begin() + 7) ==
        std::vector<std::string>{"total", "3", "2", "1", "3", "2", "1"});
  CHECK(total[7] == webhook[7]);
  CHECK(lines[10] == "PASS delivery_check=ok");

  struct Case {
    std::vector<std::string> flags;
    std::string fail;  // empty: passes
  };
  const std::vector<Case> cases = {
      {{"--max-pending=3"}, ""},
      {{"--max-pending=2"}, "FAIL pending deliveries total=3 exceeds max-pending=2\n"},
      {{"--max-due=2"}, ""},
      {{"--max-due=1"}, "FAIL due deliveries total=2 exceeds max-due=1\n"},
      {{"--max-abandoned=2"}, ""},
      {{"--max-abandoned=1"}, "FAIL abandoned deliveries since <ts> total=2 exceeds max-abandoned=1\n"},
      {{"--max-failed=1"}, ""},
      {{"--max-failed=0"}, "FAIL failed deliveries since <ts> total=1 exceeds max-failed=0\n"},
      {{"--require-recent-delivery", "--require-recent-webhook-delivery"}, ""},
      {{"--require-recent-alert-delivery"}, "FAIL no alert-contact deliveries since <ts>\n"},
      {{"--since=1m", "--require-recent-delivery"}, "FAIL no delivered rows since <ts>\n"},
      {{"--since=1m", "--require-recent-webhook-delivery"}, "FAIL no webhook deliveries since <ts>\n"},
      {{"--since=96h", "--max-abandoned=2"}, "FAIL abandoned deliveries since <ts> total=3 exceeds max-abandoned=2\n"},
  };
  for (const Case& k : cases) {
    INFO(k.flags.front());
    std::vector<std::string> args{"delivery-check", "--host=deliverer-1"};
    args.insert(args.end(), k.flags.begin(), k.flags.end());
    const auto r = deliverer(args, env);
    if (k.fail.empty()) {
      CHECK(r.exit_code == 0);
      CHECK(r.err.empty());
      CHECK(contains_line(r.out, "PASS delivery_check=ok"));
    } else {
      CHECK(r.exit_code == 1);
      const std::size_t since_at = r.out.find("INFO delivery_check_since=");
      REQUIRE(since_at != std::string::npos);
      const std::string since = r.out.substr(since_at + 26, r.out.find('\n', since_at) - since_at - 26);
      std::string expected = k.fail;
      if (const auto ts = expected.find("<ts>"); ts != std::string::npos) expected.replace(ts, 4, since);
      CHECK(r.err == expected);
      CHECK(r.out.find("PASS delivery_check=ok") == std::string::npos);
    }

    // JSON: the same verdict, the same failures, no progress lines.
    args.push_back("--output=json");
    const auto j = deliverer(args, env);
    CHECK(j.exit_code == r.exit_code);
    CHECK(j.err.empty());
    CHECK(j.out.starts_with(k.fail.empty() ? "{\n  \"ok\": true,\n  \"host\": \"deliverer-1\",\n"
                                           : "{\n  \"ok\": false,\n  \"host\": \"deliverer-1\",\n"));
    CHECK(j.out.find("PASS") == std::string::npos);
    CHECK(j.out.find("\"owner_level\": \"INFO\"") != std::string::npos);
    CHECK(j.out.find("\"tables\": [\n    {\n      \"kind\": \"webhook\",\n      \"pending\": 3,\n      \"due_now\": 2,") !=
          std::string::npos);
    CHECK(j.out.find("\"total\": {\n    \"kind\": \"total\",\n    \"pending\": 3,") != std::string::npos);
    if (!k.fail.empty()) {
      const std::string message = k.fail.substr(5, k.fail.find("<ts>") == std::string::npos ? k.fail.size() - 6
                                                                                             : k.fail.find("<ts>") - 5);
      CHECK(j.out.find("\"failures\": [\n    \"" + message) != std::string::npos);
    } else {
      CHECK(j.out.find("failures") == std::string::npos);
    }
  }
  CHECK(jetmon::test::table_fingerprints(c) == before);  // read-only
}

TEST_CASE("delivery-check on empty queues and without a reachable database", "[deliverer][delivery-check]") {
  Fixture f;
  const auto r = deliverer({"delivery-check", "--host=d-1", "--output=json"}, f.env(R"({"AUTH_TOKEN":"t"})"));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"owner_level\": \"WARN\"") != std::string::npos);
  CHECK(r.out.find("\"oldest_pending_age_sec\": 0") != std::string::npos);

  TempDir dir;
  const Env down = unreachable_db(dir);
  const auto text = deliverer({"delivery-check", "--host=d-1"}, down);
  CHECK(text.exit_code == 1);
  CHECK(text.out == "PASS config parse\n");
  CHECK(text.err.find("FAIL db connect: ") != std::string::npos);
  const auto json = deliverer({"delivery-check", "--host=d-1", "--output=json"}, down);
  CHECK(json.exit_code == 1);
  CHECK(json.out.starts_with("{\n  \"ok\": false,\n  \"host\": \"d-1\",\n  \"failures\": [\n    \"db connect: "));
}
