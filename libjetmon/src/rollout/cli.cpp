#include "jetmon/rollout/cli.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "jetmon/common/host.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/rollout/arguments.hpp"
#include "jetmon/rollout/flags.hpp"
#include "jetmon/rollout/rehearsal.hpp"
#include "jetmon/rollout/static_plan.hpp"
#include "rollout/gate_runners.hpp"

namespace jetmon::rollout {
namespace {

constexpr int kDbAttempts = 3;

// ---- static-plan-check (§1.1) ---------------------------------------------------------------

int run_static_plan_check(Run& run) {
  const Args& a = run.args;
  const std::string file(trim(a.file));
  if (file.empty()) {
    run.err << run.usage_line() << "\n";
    return 1;
  }
  // Assertion flag errors come before anything else and ignore --output=json (§1.1).
  const auto assertion = plan_assertion_from_flags(a.host, a.bucket_min, a.bucket_max);
  if (!assertion) {
    run.err << "FAIL " << assertion.error << "\n";
    return 1;
  }
  return run_gate(run, [&](Report& report) {
    int total = a.bucket_total;
    if (total < 0) return report.fail("bucket-total must be > 0");
    if (total == 0) {
      const auto config = load_config(run, report, false);
      if (!config) return false;
      total = config->bucket_total;
    }
    const auto text = read_plan_file(file, *run.context.stdin_stream);
    if (!text) return report.fail(text.error);
    return static_plan_check(report, file, *text.value, total, *assertion.value);
  });
}

// ---- rehearsal-plan (§1.2) ------------------------------------------------------------------

std::optional<std::string> non_empty(std::string_view text) {
  if (trim(text).empty()) return std::nullopt;
  return std::string(text);
}

int run_rehearsal_plan(Run& run) {
  const Args& a = run.args;
  RehearsalPlan plan;
  plan.file = std::string(trim(a.file));
  plan.host = std::string(trim(a.host));
  if (plan.file.empty() || plan.host.empty()) {
    run.err << run.usage_line() << "\n";
    return 1;
  }
  return run_gate(run, [&](Report& report) {
    if (plan.file == "-") return report.fail("--file must be a reusable path; - (stdin) cannot be read again");
    if (a.mode == "same-server") {
      plan.mode = RehearsalMode::same_server;
    } else if (a.mode == "fresh-server") {
      plan.mode = RehearsalMode::fresh_server;
    } else {
      return report.fail(fmt::format("--mode must be same-server or fresh-server, got {}", go_quote(a.mode)));
    }
    if (a.bucket_min < 0 || a.bucket_max < 0) return report.fail("--bucket-min and --bucket-max are required (>= 0)");
    if (a.bucket_max < a.bucket_min) return report.fail("bucket-max must be >= bucket-min");
    if (const auto cutoff = resolve_since_cutoff(a.since, run.context.now()); !cutoff) return report.fail(cutoff.error);
    if (a.bucket_total < 0) return report.fail("bucket-total must be > 0");
    plan.bucket_total = a.bucket_total;
    if (plan.bucket_total == 0) {
      const auto config = load_config(run, report, false);
      if (!config) return false;
      plan.bucket_total = config->bucket_total;
    }
    const auto text = read_plan_file(plan.file, *run.context.stdin_stream);
    if (!text) return report.fail(text.error);
    const auto ranges = parse_static_plan(*text.value);
    if (!ranges) return report.fail(ranges.error);
    if (auto error = validate_static_plan(*ranges.value, plan.bucket_total)) return report.fail(*error);
    const auto found = check_plan_assertion(*ranges.value, PlanAssertion{plan.host, a.bucket_min, a.bucket_max});
    if (!found) return report.fail(found.error);

    plan.ranges = ranges.value->size();
    plan.runtime_host = trim(a.runtime_host).empty() ? plan.host : std::string(trim(a.runtime_host));
    plan.bucket_min = a.bucket_min;
    plan.bucket_max = a.bucket_max;
    plan.binary = a.binary;
    plan.rollout_prefix = run.invocation.rollout_prefix;
    plan.service = std::string(trim(a.service));
    if (auto unit = non_empty(a.systemd_unit)) plan.systemd_unit = std::string(trim(*unit));
    plan.since = std::string(trim(a.since));
    plan.v1_stop_command = non_empty(a.v1_stop_command);
    plan.v1_start_command = non_empty(a.v1_start_command);
    run.out << rehearsal_plan_text(plan);
    return true;
  });
}

// ---- the table ----------------------------------------------------------------------------

struct FlagInfo {
  Flag flag;
  const char* name;
  const char* help;
};

constexpr FlagInfo kFlagInfo[] = {
    {Flag::file, "file", "CSV file with host,bucket_min,bucket_max rows"},
    {Flag::host, "host", "host id (default: the OS hostname)"},
    {Flag::runtime_host, "runtime-host", "v2 runtime host id (default: --host)"},
    {Flag::bucket_min, "bucket-min", "inclusive bucket minimum (-1: unset)"},
    {Flag::bucket_max, "bucket-max", "inclusive bucket maximum (-1: unset)"},
    {Flag::bucket_total, "bucket-total", "total bucket count (0: BUCKET_TOTAL from the config)"},
    {Flag::since, "since", "activity cutoff: a duration like 15m or an RFC3339 timestamp"},
    {Flag::require_all, "require-all", "fail unless every active site in range was checked since the cutoff"},
    {Flag::limit, "limit", "maximum drift rows to print"},
    {Flag::status_port, "status-port", "dashboard port to query (-1: DASHBOARD_PORT, 0: skip)"},
    {Flag::skip_status, "skip-status", "skip the dashboard status check"},
    {Flag::skip_systemd, "skip-systemd", "skip systemd-analyze verify"},
    {Flag::service, "service", "systemd service name"},
    {Flag::systemd_unit, "systemd-unit", "systemd unit file to verify (default /etc/systemd/system/<service>.service)"},
    {Flag::mode, "mode", "same-server or fresh-server"},
    {Flag::binary, "binary", "binary path printed in commands"},
    {Flag::v1_stop_command, "v1-stop-command", "command that stops v1 (printed verbatim)"},
    {Flag::v1_start_command, "v1-start-command", "command that restarts v1 (printed verbatim)"},
    {Flag::output, "output", "output format: text or json"},
};

const FlagInfo& info(Flag flag) {
  return *std::find_if(std::begin(kFlagInfo), std::end(kFlagInfo), [&](const FlagInfo& i) { return i.flag == flag; });
}

void declare(FlagSet& set, Flag flag, Args& a) {
  const FlagInfo& i = info(flag);
  switch (flag) {
    case Flag::file: return set.add_string(i.name, &a.file, i.help);
    case Flag::host: return set.add_string(i.name, &a.host, i.help);
    case Flag::runtime_host: return set.add_string(i.name, &a.runtime_host, i.help);
    case Flag::bucket_min: return set.add_int(i.name, &a.bucket_min, i.help);
    case Flag::bucket_max: return set.add_int(i.name, &a.bucket_max, i.help);
    case Flag::bucket_total: return set.add_int(i.name, &a.bucket_total, i.help);
    case Flag::since: return set.add_string(i.name, &a.since, i.help);
    case Flag::require_all: return set.add_bool(i.name, &a.require_all, i.help);
    case Flag::limit: return set.add_int(i.name, &a.limit, i.help);
    case Flag::status_port: return set.add_int(i.name, &a.status_port, i.help);
    case Flag::skip_status: return set.add_bool(i.name, &a.skip_status, i.help);
    case Flag::skip_systemd: return set.add_bool(i.name, &a.skip_systemd, i.help);
    case Flag::service: return set.add_string(i.name, &a.service, i.help);
    case Flag::systemd_unit: return set.add_string(i.name, &a.systemd_unit, i.help);
    case Flag::mode: return set.add_string(i.name, &a.mode, i.help);
    case Flag::binary: return set.add_string(i.name, &a.binary, i.help);
    case Flag::v1_stop_command: return set.add_string(i.name, &a.v1_stop_command, i.help);
    case Flag::v1_start_command: return set.add_string(i.name, &a.v1_start_command, i.help);
    case Flag::output: return set.add_string(i.name, &a.output, i.help);
  }
}

bool has(const Subcommand& sub, Flag flag) {
  return std::find(sub.flags.begin(), sub.flags.end(), flag) != sub.flags.end();
}

std::vector<Subcommand> make_subcommands() {
  using F = Flag;
  constexpr const char* kRange = "[--bucket-min=N --bucket-max=N]";
  std::vector<Subcommand> table;
  table.push_back({"guided", "[flags] (not part of this build)", {}, 0, {}, false});
  table.push_back({"rehearsal-plan",
                   "--file=<ranges.csv> --host=<host> --bucket-min=N --bucket-max=N "
                   "[--mode=same-server|fresh-server] [--runtime-host=<v2-host>] [--bucket-total=N] "
                   "[--binary=<path>] [--service=jetmon2] [--systemd-unit=<path>] [--since=15m] "
                   "[--v1-stop-command=<cmd>] [--v1-start-command=<cmd>]",
                   {F::file, F::host, F::runtime_host, F::bucket_min, F::bucket_max, F::mode, F::bucket_total,
                    F::binary, F::service, F::systemd_unit, F::since, F::v1_stop_command, F::v1_start_command},
                   0,
                   run_rehearsal_plan,
                   false});
  table.push_back({"host-preflight",
                   "--file=<ranges.csv> --host=<host> --bucket-min=N --bucket-max=N [--runtime-host=<v2-host>] "
                   "[--bucket-total=N] [--service=jetmon2] [--systemd-unit=<path>] [--skip-systemd] "
                   "[--output=text|json]",
                   {F::file, F::host, F::runtime_host, F::bucket_min, F::bucket_max, F::bucket_total, F::service,
                    F::systemd_unit, F::skip_systemd, F::output},
                   0,
                   run_host_preflight,
                   true});
  table.push_back({"static-plan-check",
                   "--file=<ranges.csv> [--bucket-total=N] [--host=<host> --bucket-min=N --bucket-max=N] "
                   "[--output=text|json]",
                   {F::file, F::bucket_total, F::host, F::bucket_min, F::bucket_max, F::output},
                   0,
                   run_static_plan_check,
                   true});
  table.push_back({"pinned-check", "[--host=<host_id>] [--output=text|json]", {F::host, F::output}, 0, run_pinned_check, true});
  table.push_back({"cutover-check",
                   fmt::format("[--host=<host_id>] {} [--since=15m] [--require-all] [--limit=N] [--status-port=N] "
                               "[--skip-status] [--output=text|json]",
                               kRange),
                   {F::host, F::bucket_min, F::bucket_max, F::since, F::require_all, F::limit, F::status_port,
                    F::skip_status, F::output},
                   100,
                   run_cutover_check,
                   true});
  table.push_back({"rollback-check", fmt::format("[--host=<host_id>] {} [--output=text|json]", kRange),
                   {F::host, F::bucket_min, F::bucket_max, F::output}, 0, run_rollback_check, true});
  table.push_back({"dynamic-check", "[--output=text|json]", {F::output}, 0, run_dynamic_check, true});
  table.push_back({"activity-check", fmt::format("{} [--since=15m] [--require-all] [--output=text|json]", kRange),
                   {F::bucket_min, F::bucket_max, F::since, F::require_all, F::output}, 0, run_activity_check, true});
  table.push_back({"projection-drift", fmt::format("{} [--limit=N] [--output=text|json]", kRange),
                   {F::bucket_min, F::bucket_max, F::limit, F::output}, 50, run_projection_drift, true});
  table.push_back({"state-report", "[--since=15m] [--output=text|json]", {F::since, F::output}, 0, run_state_report, false});
  return table;
}

std::string names_joined(std::string_view separator) {
  std::string text;
  for (const Subcommand& sub : subcommands()) {
    if (!text.empty()) text += separator;
    text += sub.name;
  }
  return text;
}

// The shared rules (§0) that need no config; the failure message or nullopt.
std::optional<std::string> shared_argument_error(const Subcommand& sub, Args& args,
                                                 std::chrono::system_clock::time_point now) {
  if (has(sub, Flag::since)) {
    const auto cutoff = resolve_since_cutoff(args.since, now);
    if (!cutoff) return cutoff.error;
    args.cutoff = *cutoff.value;
  }
  if (has(sub, Flag::limit)) {
    if (auto error = check_limit(args.limit)) return error;
  }
  if (has(sub, Flag::status_port)) {
    if (auto error = check_status_port(args.status_port)) return error;
  }
  return std::nullopt;
}

}  // namespace

Invocation Invocation::jetmon2() { return {"jetmon2 rollout", "./jetmon2", "rollout "}; }
Invocation Invocation::jetmon_rollout() { return {"jetmon-rollout", "./jetmon-rollout", ""}; }

Context Context::process() {
  Context context;
  context.env = config::process_environment();
  context.hostname = [] { return os_hostname(); };
  context.sleeper = db::real_sleeper();
  context.now = [] { return std::chrono::system_clock::now(); };
  context.stdin_stream = &std::cin;
  context.run_command = process_runner();
  context.http_get = localhost_http_getter();
  return context;
}

bool Run::flag_given(std::string_view name) const {
  return std::find(set_flags.begin(), set_flags.end(), name) != set_flags.end();
}

std::string Run::usage_line() const {
  return fmt::format("usage: {} {} {}", invocation.program, subcommand.name, subcommand.usage);
}

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> table = make_subcommands();
  return table;
}

int run_rollout(const std::vector<std::string>& args, const Invocation& invocation, Context& context,
                std::ostream& out, std::ostream& err) {
  const std::string top_usage =
      fmt::format("usage: {} <{}> [args]", invocation.program, names_joined("|"));
  if (args.empty()) {
    err << top_usage << "\n";
    return 1;
  }
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
    out << top_usage << "\n";
    return 0;
  }
  const auto& table = subcommands();
  const auto found = std::find_if(table.begin(), table.end(), [&](const Subcommand& s) { return s.name == args[0]; });
  if (found == table.end()) {
    err << fmt::format("unknown rollout subcommand {} (want: {})\n", go_quote(args[0]), names_joined(", "));
    return 1;
  }
  const Subcommand& sub = *found;

  Run run{invocation, context, sub, Args{}, OutputMode::text, out, err, {}};
  run.args.binary = invocation.default_binary;
  run.args.limit = sub.default_limit;
  FlagSet flags("rollout " + sub.name);
  for (Flag flag : sub.flags) declare(flags, flag, run.args);
  const FlagSet::Result parsed = flags.parse({args.begin() + 1, args.end()});
  if (parsed.outcome == FlagSet::Outcome::help) {
    out << run.usage_line() << "\n\n" << flags.defaults();
    return 0;
  }
  if (parsed.outcome == FlagSet::Outcome::error) {
    err << parsed.error << "\n" << run.usage_line() << "\n\n" << flags.defaults();
    return 2;
  }
  if (!parsed.positionals.empty()) {
    err << run.usage_line() << "\n";
    return 1;
  }
  for (const FlagInfo& i : kFlagInfo) {
    if (flags.was_set(i.name)) run.set_flags.emplace_back(i.name);
  }
  if (has(sub, Flag::output)) {
    const std::string mode = to_lower_ascii(trim(run.args.output));
    if (mode == "json") {
      run.mode = OutputMode::json;
    } else if (!mode.empty() && mode != "text") {
      err << "FAIL --output must be text or json\n";
      return 2;
    }
  }
  if (sub.report_wrapper) {
    if (auto error = shared_argument_error(sub, run.args, context.now())) {
      return run_gate(run, [&](Report& report) { return report.fail(*error); });
    }
  }
  if (!sub.runner) {
    err << fmt::format("rollout {} is not available in this build\n", sub.name);
    return 1;
  }
  return sub.runner(run);
}

int run_gate(Run& run, const std::function<bool(Report&)>& body) {
  Report report(run.mode, run.out, run.err);
  try {
    if (!body(report) && report.ok()) report.fail("check failed");
  } catch (const std::exception& e) {
    report.fail(e.what());
  }
  return report.finish(run.subcommand.name, run.context.now());
}

std::optional<config::Config> load_config(Run& run, Report& report, bool announce) {
  try {
    config::Config config = config::load_file(config::config_path_from_env(run.context.env));
    if (announce) report.pass("config parse");
    return config;
  } catch (const std::exception& e) {
    report.fail(std::string("config parse: ") + e.what());
    return std::nullopt;
  }
}

std::optional<Session> open_session(Run& run, Report& report) {
  auto config = load_config(run, report);
  if (!config) return std::nullopt;
  try {
    const config::DbSettings settings = config::db_settings_from_env(run.context.env);
    db::Connection connection = db::connect_with_retry(ops::connect_options(settings), kDbAttempts,
                                                       run.context.sleeper ? run.context.sleeper : db::real_sleeper());
    report.pass("db connect");
    return Session{std::move(*config), std::move(connection),
                   resolve_host_id(run.args.host, run.context.hostname ? run.context.hostname() : std::string())};
  } catch (const std::exception& e) {
    report.fail(std::string("db connect: ") + e.what());
    return std::nullopt;
  }
}

}  // namespace jetmon::rollout
