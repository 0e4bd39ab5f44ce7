// The rollout gates as operators run them: jetmon-rollout and `jetmon2 rollout`, text and JSON,
// exit codes (rollout.md §0, §1.1, §1.2). No database is needed by these subcommands.
#include <catch2/catch.hpp>

#include <sstream>

#include "jetmon/rollout/local_checks.hpp"
#include "support/process.hpp"

using jetmon::test::CommandResult;
using jetmon::test::run_command;
using jetmon::test::TempDir;

namespace {

const std::string kPlan = "# copied from v1 configs\nhost,bucket_min,bucket_max\njetmon-v1-a,0,4\njetmon-v1-b,5,9\n";

// No config and no database for these runs: JETMON_CONFIG points nowhere unless a test sets it.
CommandResult rollout(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), JETMON_ROLLOUT_BIN);
  env.emplace("JETMON_CONFIG", "/nonexistent/jetmon-config.json");
  return run_command(args, env);
}

CommandResult jetmon2_rollout(std::vector<std::string> args) {
  args.insert(args.begin(), {JETMON2_BIN, "rollout"});
  return run_command(args, {{"JETMON_CONFIG", "/nonexistent/jetmon-config.json"}});
}

}  // namespace

TEST_CASE("jetmon-rollout static-plan-check passes a tiling plan, text and json", "[rollout][cli]") {
  TempDir dir;
  const std::string plan = dir.write_file("ranges.csv", kPlan);
  auto text = rollout({"static-plan-check", "--file=" + plan, "--bucket-total=10", "--host", "jetmon-v1-a",
                       "--bucket-min", "0", "--bucket-max", "4"});
  CHECK(text.exit_code == 0);
  CHECK(text.out == "PASS static_plan_file=" + plan + " ranges=2\nPASS static_bucket_coverage=0-9 hosts=2\n"
                    "PASS static_plan_host=\"jetmon-v1-a\" range=0-4\nstatic rollout plan check passed\n");
  CHECK(text.err.empty());

  auto json = rollout({"static-plan-check", "-file", plan, "-bucket-total", "10", "--output", "json"});
  CHECK(json.exit_code == 0);
  CHECK(json.err.empty());
  CHECK(json.out.starts_with("{\n  \"ok\": true,\n  \"command\": \"rollout static-plan-check\",\n  \"generated_at\": \""));
  CHECK(json.out.find("{\n      \"level\": \"pass\",\n      \"message\": \"static_bucket_coverage=0-9 hosts=2\"\n    }") !=
        std::string::npos);
  CHECK(json.out.find("{\n      \"level\": \"output\",\n      \"message\": \"static rollout plan check passed\"\n    }") !=
        std::string::npos);
  CHECK(json.out.find("\"failures\"") == std::string::npos);
}

TEST_CASE("jetmon-rollout static-plan-check names each kind of broken plan", "[rollout][cli]") {
  struct Case {
    const char* name;
    std::string csv;
    std::string failure;
  };
  const std::vector<Case> cases{
      {"gap", "a,0,3\nb,5,9\n", "static bucket plan has gap 4-4 before host \\\"b\\\""},
      {"overlap", "a,0,5\nb,4,9\n", "static bucket plan overlaps before host \\\"b\\\" at bucket 4"},
      {"duplicate host", "a,0,4\na,5,9\n", "host \\\"a\\\" is listed more than once"},
      {"bad header", "host,bucket_min,bucket\na,0,9\n", "row 1: bucket_min \\\"bucket_min\\\" is not an integer"},
      {"non-numeric field", "a,0,nine\n", "row 1: bucket_max \\\"nine\\\" is not an integer"},
      {"range past BUCKET_TOTAL", "a,0,10\n", "host \\\"a\\\" has invalid bucket range 0-10 for BUCKET_TOTAL=10"},
      {"bare quote in a comment", "# \"v1\" hosts\na,0,9\n",
       "read static bucket plan CSV: parse error on line 1, column 3: bare \\\" in non-quoted-field"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    TempDir dir;
    const std::string plan = dir.write_file("ranges.csv", c.csv);
    std::string unescaped = c.failure;
    for (std::size_t at; (at = unescaped.find("\\\"")) != std::string::npos;) unescaped.replace(at, 2, "\"");

    auto text = rollout({"static-plan-check", "--file", plan, "--bucket-total=10"});
    CHECK(text.exit_code == 1);
    CHECK(text.out.empty());
    CHECK(text.err == "FAIL " + unescaped + "\n");

    auto json = rollout({"static-plan-check", "--file", plan, "--bucket-total=10", "--output=json"});
    CHECK(json.exit_code == 1);
    CHECK(json.err.empty());
    CHECK(json.out.find("\"ok\": false") != std::string::npos);
    CHECK(json.out.find("\"failures\": [\n    \"" + c.failure + "\"\n  ]") != std::string::npos);
  }
}

TEST_CASE("jetmon-rollout rejects bad input with the spec's exit codes", "[rollout][cli]") {
  TempDir dir;
  const std::string plan = dir.write_file("ranges.csv", kPlan);

  auto no_file = rollout({"static-plan-check", "--bucket-total=10"});
  CHECK(no_file.exit_code == 1);
  CHECK(no_file.err.starts_with("usage: jetmon-rollout static-plan-check --file=<ranges.csv>"));

  auto missing = rollout({"static-plan-check", "--file", dir.path() + "/absent.csv", "--bucket-total=10"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "FAIL open static bucket plan: open " + dir.path() + "/absent.csv: no such file or directory\n");

  auto directory = rollout({"static-plan-check", "--file", dir.path(), "--bucket-total=10", "--output=json"});
  CHECK(directory.exit_code == 1);
  CHECK(directory.out.find("\"read static bucket plan: read " + dir.path() + ": is a directory\"") != std::string::npos);

  auto since = rollout({"activity-check", "--since=banana"});
  CHECK(since.exit_code == 1);
  CHECK(since.err == "FAIL since \"banana\" must be a duration like 15m or an RFC3339 timestamp\n");

  auto since_json = rollout({"cutover-check", "--since=-5m", "--output=json"});
  CHECK(since_json.exit_code == 1);
  CHECK(since_json.out.find("\"failures\": [\n    \"since duration must be > 0\"\n  ]") != std::string::npos);

  auto limit = rollout({"projection-drift", "--limit", "-3"});
  CHECK(limit.exit_code == 1);
  CHECK(limit.err == "FAIL limit must be > 0\n");

  auto unknown_flag = rollout({"static-plan-check", "--file", plan, "--bogus"});
  CHECK(unknown_flag.exit_code == 2);
  CHECK(unknown_flag.err.starts_with("flag provided but not defined: -bogus\nusage: jetmon-rollout static-plan-check"));
  CHECK(unknown_flag.out.empty());

  auto bad_int = rollout({"static-plan-check", "--file", plan, "--bucket-total=ten"});
  CHECK(bad_int.exit_code == 2);

  auto stray = rollout({"static-plan-check", "--file", plan, "--bucket-total=10", "extra"});
  CHECK(stray.exit_code == 1);
  CHECK(stray.err.starts_with("usage: jetmon-rollout static-plan-check"));

  auto output = rollout({"static-plan-check", "--file", plan, "--output=yaml"});
  CHECK(output.exit_code == 2);
  CHECK(output.err == "FAIL --output must be text or json\n");

  auto help = rollout({"static-plan-check", "-h"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("usage") != std::string::npos);

  auto none = rollout({});
  CHECK(none.exit_code == 1);
  CHECK(none.err.starts_with("usage: jetmon-rollout <guided|rehearsal-plan|host-preflight|static-plan-check|"));

  auto unknown = rollout({"bogus"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.starts_with("unknown rollout subcommand \"bogus\" (want: guided, rehearsal-plan, "));

  auto config = rollout({"static-plan-check", "--file", plan});
  CHECK(config.exit_code == 1);
  CHECK(config.err.starts_with("FAIL config parse: open config: /nonexistent/jetmon-config.json"));
}

TEST_CASE("jetmon2 rollout and jetmon-rollout give identical static-plan-check output", "[rollout][cli]") {
  TempDir dir;
  const std::string good = dir.write_file("good.csv", kPlan);
  const std::string bad = dir.write_file("bad.csv", "a,0,3\nb,5,9\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"static-plan-check", "--file", good, "--bucket-total=10"},
        {"static-plan-check", "--file", bad, "--bucket-total=10"},
        {"static-plan-check", "--file", good, "--bucket-total=10", "--host", "jetmon-v1-b"},
        {"static-plan-check", "--file", good, "--bucket-total=10", "--bogus"},
        {"static-plan-check", "--file", good, "--bucket-total=10", "--output=xml"}}) {
    auto a = rollout(args);
    auto b = jetmon2_rollout(args);
    CHECK(a.exit_code == b.exit_code);
    CHECK(a.out == b.out);
    // Usage lines (after a flag error) name the program; everything else is byte for byte the same.
    std::string b_err = b.err;
    for (std::size_t at; (at = b_err.find("usage: jetmon2 rollout ")) != std::string::npos;) {
      b_err.replace(at, 23, "usage: jetmon-rollout ");
    }
    CHECK(a.err == b_err);
  }
  auto none = jetmon2_rollout({});
  CHECK(none.exit_code == 1);
  CHECK(none.err.starts_with("usage: jetmon2 rollout <guided|rehearsal-plan|"));
}

TEST_CASE("jetmon-rollout rehearsal-plan prints the runbook for both binaries", "[rollout][cli]") {
  TempDir dir;
  const std::string plan = dir.write_file("ranges.csv", kPlan);
  const std::vector<std::string> args{"rehearsal-plan", "--file", plan, "--host", "jetmon-v1-b", "--bucket-min",
                                      "5", "--bucket-max", "9", "--bucket-total", "10", "--mode=fresh-server",
                                      "--runtime-host=jetmon-v2-b", "--v1-stop-command",
                                      "ssh jetmon-v1-b 'sudo systemctl stop jetmon'"};
  auto r = rollout(args);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.starts_with("# Jetmon v2 rollout rehearsal plan\nINFO mode=fresh-server\nINFO static_plan_file=" + plan +
                          " ranges=2\nINFO plan_host=\"jetmon-v1-b\" runtime_host=\"jetmon-v2-b\" range=5-9\n"));
  CHECK(r.out.find("\n## 4. Cut over from the old v1 host to the fresh v2 host\n"
                   "# HOLD: keep v2 stopped on the fresh server until the old v1 monitor process is stopped.\n"
                   "ssh jetmon-v1-b 'sudo systemctl stop jetmon'\n") != std::string::npos);
  CHECK(r.out.find("\n./jetmon-rollout host-preflight --file " + plan +
                   " --host jetmon-v1-b --runtime-host jetmon-v2-b --bucket-min 5 --bucket-max 9 --bucket-total 10 "
                   "--service jetmon2\n") != std::string::npos);
  CHECK(r.out.ends_with("./jetmon-rollout projection-drift --limit 100\n\n"));

  std::vector<std::string> upstream = args;
  upstream.insert(upstream.end(), {"--binary", "/opt/jetmon2/jetmon2"});
  auto u = jetmon2_rollout(upstream);
  CHECK(u.exit_code == 0);
  CHECK(u.out.find("\n/opt/jetmon2/jetmon2 rollout cutover-check --host jetmon-v2-b --bucket-min 5 --bucket-max 9 "
                   "--since 15m --require-all\n") != std::string::npos);

  auto wrong = rollout({"rehearsal-plan", "--file", plan, "--host", "jetmon-v1-b", "--bucket-min", "0", "--bucket-max",
                        "4", "--bucket-total", "10"});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out.empty());
  CHECK(wrong.err == "FAIL host \"jetmon-v1-b\" has bucket range 5-9 in plan, want 0-4\n");
}

TEST_CASE("systemd unit verification with the real systemd-analyze", "[rollout][systemd]") {
  const auto probe = jetmon::rollout::process_runner()({"systemd-analyze", "--version"});
  if (!probe.started || probe.exit_code != 0) {
    WARN("systemd-analyze is not installed here: the real verify path is skipped");
    return;
  }
  TempDir dir;
  const std::string good = dir.write_file("jetmon-test.service",
                                          "[Unit]\nDescription=test\n\n[Service]\nType=simple\nExecStart=/bin/true\n\n"
                                          "[Install]\nWantedBy=multi-user.target\n");
  const std::string bad = dir.write_file("jetmon-bad.service",
                                         "[Service]\nType=simple\nExecStart=/nonexistent/jetmon2\n");
  std::ostringstream out, err;
  jetmon::rollout::Report report(jetmon::rollout::OutputMode::text, out, err);
  CHECK(jetmon::rollout::verify_systemd_unit(report, false, good, jetmon::rollout::process_runner()));
  CHECK(out.str().starts_with("PASS systemd_unit=" + good + "\n"));
  CHECK_FALSE(jetmon::rollout::verify_systemd_unit(report, false, bad, jetmon::rollout::process_runner()));
  CHECK(err.str().starts_with("FAIL systemd-analyze verify " + bad + " failed: exit status 1: "));
  CHECK(err.str().find("/nonexistent/jetmon2") != std::string::npos);
  CHECK(err.str().find('\n') == err.str().size() - 1);  // the tool's lines collapsed into one
}
