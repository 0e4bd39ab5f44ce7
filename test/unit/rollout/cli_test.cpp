// The rollout dispatcher in process: usage, unknown subcommands, flags, --output, the shared
// argument rules and static-plan-check / rehearsal-plan end to end, with a fake outside world.
#include <catch2/catch.hpp>

#include <sstream>

#include "jetmon/rollout/cli.hpp"
#include "support/process.hpp"

using namespace jetmon::rollout;
using jetmon::test::TempDir;

namespace {

const std::string kWant =
    "guided, rehearsal-plan, host-preflight, static-plan-check, pinned-check, cutover-check, rollback-check, "
    "dynamic-check, activity-check, projection-drift, state-report";

struct Harness {
  std::map<std::string, std::string, std::less<>> env;
  std::istringstream in;
  std::vector<std::chrono::seconds> sleeps;
  Context context;
  std::ostringstream out, err;

  explicit Harness(std::string stdin_text = {}) : in(std::move(stdin_text)) {
    context.hostname = [] { return std::string("os-host"); };
    context.sleeper = [this](std::chrono::seconds s) { sleeps.push_back(s); };
    context.now = [] { return std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 56)); };
    context.stdin_stream = &in;
    context.run_command = [](const std::vector<std::string>&) { return CommandOutput{}; };
    context.http_get = [](int, const std::string&, std::chrono::seconds) { return HttpAnswer{}; };
  }

  int run(const std::vector<std::string>& args, const Invocation& invocation = Invocation::jetmon_rollout()) {
    context.env = jetmon::config::environment_from(env);
    out.str("");
    err.str("");
    return run_rollout(args, invocation, context, out, err);
  }
};

const std::string kPlan = "host,bucket_min,bucket_max\njetmon-v1-a,0,4\njetmon-v1-b,5,9\n";

}  // namespace

TEST_CASE("rollout dispatcher: no subcommand, unknown, help, guided not in this build", "[rollout]") {
  Harness h;
  CHECK(h.run({}) == 1);
  CHECK(h.err.str() ==
        "usage: jetmon-rollout <guided|rehearsal-plan|host-preflight|static-plan-check|pinned-check|cutover-check|"
        "rollback-check|dynamic-check|activity-check|projection-drift|state-report> [args]\n");
  CHECK(h.out.str().empty());

  CHECK(h.run({}, Invocation::jetmon2()) == 1);
  CHECK(h.err.str().starts_with("usage: jetmon2 rollout <guided|rehearsal-plan|"));

  CHECK(h.run({"bogus"}) == 1);
  CHECK(h.err.str() == "unknown rollout subcommand \"bogus\" (want: " + kWant + ")\n");

  CHECK(h.run({"--help"}) == 0);
  CHECK(h.out.str().find("usage") != std::string::npos);

  CHECK(h.run({"static-plan-check", "-h"}) == 0);
  CHECK(h.out.str().starts_with("usage: jetmon-rollout static-plan-check --file=<ranges.csv>"));
  CHECK(h.out.str().find("  -bucket-total int\n") != std::string::npos);

  CHECK(h.run({"guided"}) == 1);  // a later feature (rollout.md §1.11)
  CHECK(h.err.str() == "rollout guided is not available in this build\n");
}

TEST_CASE("rollout dispatcher: flag errors exit 2, stray arguments exit 1, --output is checked", "[rollout]") {
  Harness h;
  CHECK(h.run({"static-plan-check", "--file=-", "--bogus"}) == 2);
  CHECK(h.err.str().starts_with("flag provided but not defined: -bogus\nusage: jetmon-rollout static-plan-check "));
  CHECK(h.run({"static-plan-check", "--file=-", "--bucket-total=ten"}) == 2);
  CHECK(h.err.str().starts_with("invalid value \"ten\" for flag -bucket-total: parse error\n"));
  CHECK(h.run({"rehearsal-plan", "--output=json"}) == 2);  // rehearsal-plan has no --output

  CHECK(h.run({"static-plan-check", "--file=-", "extra"}) == 1);
  CHECK(h.err.str() ==
        "usage: jetmon-rollout static-plan-check --file=<ranges.csv> [--bucket-total=N] [--host=<host> "
        "--bucket-min=N --bucket-max=N] [--output=text|json]\n");
  CHECK(h.run({"static-plan-check"}) == 1);  // --file is required
  CHECK(h.err.str().starts_with("usage: jetmon-rollout static-plan-check"));

  CHECK(h.run({"static-plan-check", "--file=-", "--output=xml"}) == 2);
  CHECK(h.err.str() == "FAIL --output must be text or json\n");
  CHECK(h.out.str().empty());
}

TEST_CASE("rollout static-plan-check from stdin, text and json", "[rollout]") {
  Harness h(kPlan);
  CHECK(h.run({"static-plan-check", "-file", "-", "--bucket-total", "10", "--host=jetmon-v1-b", "--bucket-min=5",
               "--bucket-max=9"}) == 0);
  CHECK(h.out.str() ==
        "PASS static_plan_file=- ranges=2\nPASS static_bucket_coverage=0-9 hosts=2\n"
        "PASS static_plan_host=\"jetmon-v1-b\" range=5-9\nstatic rollout plan check passed\n");
  CHECK(h.err.str().empty());

  Harness j(kPlan);
  CHECK(j.run({"static-plan-check", "--file=-", "--bucket-total=12", "--output=JSON"}) == 1);
  CHECK(j.err.str().empty());
  CHECK(j.out.str().find("\"ok\": false") != std::string::npos);
  CHECK(j.out.str().find("\"command\": \"rollout static-plan-check\"") != std::string::npos);
  CHECK(j.out.str().find("\"static bucket plan has trailing gap 10-11\"") != std::string::npos);
  CHECK(j.out.str().find("\"lines\"") == std::string::npos);
}

TEST_CASE("rollout static-plan-check assertion errors ignore json, bucket-total and config failures", "[rollout]") {
  Harness h(kPlan);
  CHECK(h.run({"static-plan-check", "--file=-", "--bucket-min=1", "--bucket-max=2", "--output=json"}) == 1);
  CHECK(h.out.str().empty());
  CHECK(h.err.str() == "FAIL --host is required when --bucket-min or --bucket-max is set\n");

  CHECK(h.run({"static-plan-check", "--file=-", "--bucket-total=-1"}) == 1);
  CHECK(h.err.str() == "FAIL bucket-total must be > 0\n");

  h.env["JETMON_CONFIG"] = "/nonexistent/config.json";
  CHECK(h.run({"static-plan-check", "--file=-"}) == 1);
  CHECK(h.err.str().starts_with("FAIL config parse: open config: /nonexistent/config.json"));

  TempDir dir;
  h.env["JETMON_CONFIG"] = dir.write_file("config.json", R"({"AUTH_TOKEN":"t","BUCKET_TOTAL":10,"BUCKET_TARGET":10})");
  Harness from_config(kPlan);
  from_config.env = h.env;
  CHECK(from_config.run({"static-plan-check", "--file=-"}) == 0);
  CHECK(from_config.out.str().find("PASS static_bucket_coverage=0-9 hosts=2\n") != std::string::npos);

  CHECK(h.run({"static-plan-check", "--file=/nonexistent/plan.csv", "--bucket-total=10"}) == 1);
  CHECK(h.err.str() == "FAIL open static bucket plan: open /nonexistent/plan.csv: no such file or directory\n");
}

TEST_CASE("rollout shared argument rules fail before the runner, in text and json", "[rollout]") {
  Harness h;
  CHECK(h.run({"activity-check", "--since=banana"}) == 1);
  CHECK(h.err.str() == "FAIL since \"banana\" must be a duration like 15m or an RFC3339 timestamp\n");
  CHECK(h.run({"cutover-check", "--since="}) == 1);
  CHECK(h.err.str() == "FAIL since must not be empty\n");
  CHECK(h.run({"projection-drift", "--limit=-5"}) == 1);
  CHECK(h.err.str() == "FAIL limit must be > 0\n");
  CHECK(h.run({"cutover-check", "--status-port=-2"}) == 1);
  CHECK(h.err.str() == "FAIL status-port must be >= 0, or -1 for DASHBOARD_PORT\n");

  CHECK(h.run({"projection-drift", "--limit=0", "--output=json"}) == 1);
  CHECK(h.err.str().empty());
  CHECK(h.out.str().find("\"command\": \"rollout projection-drift\"") != std::string::npos);
  CHECK(h.out.str().find("\"limit must be > 0\"") != std::string::npos);
}

TEST_CASE("rollout open_session: config parse, then db connect with injected retry sleeps", "[rollout]") {
  TempDir dir;
  Harness h;
  h.env["JETMON_CONFIG"] = dir.write_file("config.json", R"({"AUTH_TOKEN":"t"})");
  h.env["DB_HOST"] = "127.0.0.1";
  h.env["DB_PORT"] = "1";
  h.context.env = jetmon::config::environment_from(h.env);
  const Subcommand& sub = subcommands().front();
  const Invocation invocation = Invocation::jetmon_rollout();
  Run run{invocation, h.context, sub, Args{}, OutputMode::text, h.out, h.err, {}};
  Report report(OutputMode::text, h.out, h.err);
  CHECK_FALSE(open_session(run, report));
  CHECK(h.out.str() == "PASS config parse\n");
  CHECK(h.err.str().starts_with("FAIL db connect: "));
  CHECK(h.sleeps == std::vector<std::chrono::seconds>{std::chrono::seconds(1), std::chrono::seconds(2)});
}

TEST_CASE("rollout rehearsal-plan validates the plan and prints the runbook", "[rollout]") {
  TempDir dir;
  const std::string plan = dir.write_file("ranges.csv", kPlan);
  Harness h;
  const std::vector<std::string> base{"rehearsal-plan", "--file", plan, "--host", "jetmon-v1-a", "--bucket-min", "0",
                                      "--bucket-max", "4", "--bucket-total", "10"};
  CHECK(h.run(base) == 0);
  CHECK(h.out.str().starts_with("# Jetmon v2 rollout rehearsal plan\nINFO mode=same-server\nINFO static_plan_file=" +
                                plan + " ranges=2\n"));
  CHECK(h.out.str().find("\n./jetmon-rollout static-plan-check --file " + plan) != std::string::npos);
  CHECK(h.run(base, Invocation::jetmon2()) == 0);
  CHECK(h.out.str().find("\n./jetmon2 rollout static-plan-check --file " + plan) != std::string::npos);
  CHECK(h.out.str().find("\n./jetmon2 validate-config\n") != std::string::npos);

  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  CHECK(h.run(with({"--bucket-max", "5"})) == 1);
  CHECK(h.err.str() == "FAIL host \"jetmon-v1-a\" has bucket range 0-4 in plan, want 0-5\n");
  CHECK(h.run(with({"--mode", "sideways"})) == 1);
  CHECK(h.err.str() == "FAIL --mode must be same-server or fresh-server, got \"sideways\"\n");
  CHECK(h.run(with({"--since", "banana"})) == 1);
  CHECK(h.err.str() == "FAIL since \"banana\" must be a duration like 15m or an RFC3339 timestamp\n");
  CHECK(h.run(with({"--file", "-"})) == 1);
  CHECK(h.err.str() == "FAIL --file must be a reusable path; - (stdin) cannot be read again\n");
  CHECK(h.run({"rehearsal-plan", "--file", plan}) == 1);
  CHECK(h.err.str().starts_with("usage: jetmon-rollout rehearsal-plan --file=<ranges.csv> --host=<host>"));
}
