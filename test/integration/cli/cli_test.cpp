// The binaries as operators run them: exit codes, output lines, and what they leave in the DB.
#include <catch2/catch.hpp>

#include "jetmon/db/migrations.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"

using jetmon::test::run_command;
using jetmon::test::TempDir;
using jetmon::test::TestDatabase;

namespace {

std::map<std::string, std::string> with(std::map<std::string, std::string> env,
                                        const std::map<std::string, std::string>& extra) {
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

bool contains_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("every binary answers --help, --version and version", "[cli]") {
  for (const std::string bin : {JETMON2_BIN, JETMON_DELIVERER_BIN, JETMON_ROLLOUT_BIN}) {
    const std::string name = bin.substr(bin.rfind('/') + 1);
    INFO(name);
    auto help = run_command({bin, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Usage: " + name) != std::string::npos);

    auto version_flag = run_command({bin, "--version"});
    CHECK(version_flag.exit_code == 0);
    CHECK(version_flag.out.starts_with(name + " "));
    CHECK(version_flag.out.find(" (built ") != std::string::npos);
    CHECK(version_flag.out.find("\ncommit ") != std::string::npos);

    auto version = run_command({bin, "version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.starts_with(name + " "));
    CHECK(version.out.find(" with ") != std::string::npos);
  }
}

TEST_CASE("unknown subcommands and flags print usage and exit 2", "[cli]") {
  for (const std::string bin : {JETMON2_BIN, JETMON_DELIVERER_BIN, JETMON_ROLLOUT_BIN}) {
    INFO(bin);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"bogus"}, {"--bogus"}, {"version", "--bogus"}, {"version", "extra"}}) {
      // jetmon-rollout <word> is a rollout subcommand: an unknown one exits 1 (rollout.md §0).
      if (bin == JETMON_ROLLOUT_BIN && args.front() == "bogus") continue;
      // jetmon-deliverer's unknown verb has its own one-line text (dashboard-fleet.md §7.4,
      // test/integration/delivery/deliverer_cli_test.cpp).
      if (bin == JETMON_DELIVERER_BIN && args.front() == "bogus") continue;
      std::vector<std::string> argv{bin};
      argv.insert(argv.end(), args.begin(), args.end());
      auto r = run_command(argv);
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("Usage:") != std::string::npos);
      CHECK(r.out.empty());
    }
  }
}

TEST_CASE("jetmon2 migrate on an empty database, then again as a no-op", "[cli][migrate]") {
  TestDatabase tdb;
  auto first = run_command({JETMON2_BIN, "migrate"}, tdb.env());
  REQUIRE(first.exit_code == 0);
  CHECK(first.out == "migrations applied successfully\n");
  const auto& migrations = jetmon::db::embedded_migrations();
  CHECK(first.err.find("applying migration " + std::to_string(migrations.back().id)) != std::string::npos);
  auto applied = tdb.connection().query_scalar("SELECT COUNT(*) FROM jetmon_schema_migrations");
  REQUIRE(applied);
  CHECK(applied->as_int64() == static_cast<std::int64_t>(migrations.size()));

  auto second = run_command({JETMON2_BIN, "migrate"}, tdb.env());
  CHECK(second.exit_code == 0);
  CHECK(second.out == "migrations applied successfully\n");
  CHECK(second.err.find("applying migration") == std::string::npos);
}

TEST_CASE("jetmon2 migrate against an unreachable database fails with exit 1", "[cli][migrate]") {
  TestDatabase tdb;
  auto env = with(tdb.env(), {{"DB_PORT", "1"}});
  auto r = run_command({JETMON2_BIN, "migrate"}, env, {}, 120000);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("migrate: ") != std::string::npos);
  CHECK(r.err.find("gave up after 5 attempts") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("validate-config against a reachable database passes", "[cli][validate-config]") {
  TestDatabase tdb;
  TempDir dir;
  const std::string config = dir.write_file(
      "config.json",
      R"({"AUTH_TOKEN":"t","PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":99,
          "VERIFIERS":[{"name":"iad","host":"v1.example","port":"7803","auth_token":"x"}]})");
  for (const std::string bin : {JETMON2_BIN, JETMON_ROLLOUT_BIN}) {
    INFO(bin);
    auto r = run_command({bin, "validate-config"}, with(tdb.env(), {{"JETMON_CONFIG", config}}));
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with("PASS config parse\nPASS db connect\n"));
    CHECK(contains_line(r.out, "INFO legacy_status_projection=enabled"));
    CHECK(contains_line(r.out, "INFO bucket_ownership=pinned range=0-99"));
    CHECK(contains_line(r.out,
                        "INFO rollout_preflight=./jetmon2 rollout host-preflight --file=<ranges.csv> "
                        "--host=<v1-hostname> --runtime-host=<v2-hostname> --bucket-min=0 "
                        "--bucket-max=99 --bucket-total=1000"));
    CHECK(contains_line(r.out, "INFO rollout_rollback_check=./jetmon2 rollout rollback-check"));
    CHECK(contains_line(r.out, "INFO email_transport=stub"));
    CHECK(contains_line(r.out, "INFO delivery_workers=disabled api_port=disabled"));
    CHECK(contains_line(r.out, "INFO veriflier \"iad\" at v1.example:7803"));
    CHECK(r.out.ends_with("\nvalidation passed\n"));
    CHECK(r.out.find("DASHBOARD_BIND_ADDR") == std::string::npos);
  }
}

TEST_CASE("validate-config warns about a non-loopback dashboard but still passes",
          "[cli][validate-config]") {
  TestDatabase tdb;
  TempDir dir;
  const std::string config =
      dir.write_file("config.json", R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":"0.0.0.0"})");
  auto r = run_command({JETMON2_BIN, "validate-config"}, with(tdb.env(), {{"JETMON_CONFIG", config}}));
  CHECK(r.exit_code == 0);
  CHECK(contains_line(r.out, "WARN DASHBOARD_BIND_ADDR=\"0.0.0.0\" exposes the unauthenticated host "
                             "dashboard; restrict access to trusted operator networks"));
  CHECK(contains_line(r.out, "INFO bucket_ownership=dynamic jetmon_hosts"));
  CHECK(contains_line(r.out, "INFO rollout_preflight=./jetmon2 rollout dynamic-check"));
  CHECK(r.out.find("rollout_rollback_check") == std::string::npos);
}

TEST_CASE("validate-config against an unreachable database fails after bounded retries",
          "[cli][validate-config]") {
  TempDir dir;
  const std::string config = dir.write_file("config.json", R"({"AUTH_TOKEN":"t"})");
  auto env = with(jetmon::test::test_db_server_env(), {{"JETMON_CONFIG", config}, {"DB_PORT", "1"}});
  auto r = run_command({JETMON2_BIN, "validate-config"}, env, {}, 60000);
  CHECK(r.exit_code == 1);
  CHECK(r.out == "PASS config parse\n");
  CHECK(r.err.find("FAIL db connect: ") != std::string::npos);
  CHECK(r.err.find("gave up after 3 attempts") != std::string::npos);
}

TEST_CASE("validate-config names the problem with a bad config and exits 1", "[cli][validate-config]") {
  TestDatabase tdb;
  TempDir dir;
  struct Case {
    std::string content;  // empty: the file does not exist
    std::string expected;
  };
  auto c = GENERATE(values<Case>({
      {"", "FAIL config parse: open config: "},
      {"{\"AUTH_TOKEN\":\"t\",\n", "FAIL config parse: parse config: "},
      {R"({"AUTH_TOKEN":"t","NUM_WORKERS":"60"})", "NUM_WORKERS"},
      {R"({"NUM_WORKERS":5})", "FAIL config parse: invalid config: AUTH_TOKEN is required"},
      {R"({"AUTH_TOKEN":"t","PINNED_BUCKET_MIN":5})",
       "PINNED_BUCKET_MIN and PINNED_BUCKET_MAX must be set together"},
  }));
  const std::string path = c.content.empty() ? dir.path() + "/missing.json"
                                             : dir.write_file("config.json", c.content);
  auto r = run_command({JETMON2_BIN, "validate-config"}, with(tdb.env(), {{"JETMON_CONFIG", path}}));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(c.expected) != std::string::npos);
  CHECK(r.out.find("validation passed") == std::string::npos);
}

TEST_CASE("a bad DB_PORT is a config error naming the variable", "[cli][validate-config]") {
  TempDir dir;
  const std::string config = dir.write_file("config.json", R"({"AUTH_TOKEN":"t"})");
  auto r = run_command({JETMON2_BIN, "validate-config"},
                       {{"JETMON_CONFIG", config}, {"DB_PORT", "banana"}});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("DB_PORT") != std::string::npos);
}
