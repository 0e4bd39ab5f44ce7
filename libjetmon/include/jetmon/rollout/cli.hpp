#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/rollout/local_checks.hpp"
#include "jetmon/rollout/report.hpp"

// The rollout command line (rollout.md §0): one dispatcher behind both `jetmon-rollout <sub> …`
// and `jetmon2 rollout <sub> …` (same flags, output and exit codes), the subcommand table, and
// the bootstrap (config, database, host id) the database gates share.
//
// Adding a subcommand: give its table entry in subcommands() a runner. A gate's runner is
// usually
//   [](Run& run) { return run_gate(run, [&](Report& report) {
//       auto session = open_session(run, report); if (!session) return false;
//       … checks writing to report …; }); }
namespace jetmon::rollout {

// How the tools were invoked; changes only usage lines and the commands rehearsal-plan prints.
struct Invocation {
  std::string program;         // "jetmon2 rollout" or "jetmon-rollout" (usage lines)
  std::string default_binary;  // rehearsal-plan's --binary default
  std::string rollout_prefix;  // between <binary> and <sub> in printed commands: "rollout " or ""

  static Invocation jetmon2();         // upstream form: ./jetmon2 rollout <sub>
  static Invocation jetmon_rollout();  // ./jetmon-rollout <sub>
};

// Everything the subcommands take from the outside world; tests replace any part.
struct Context {
  config::Environment env;
  std::function<std::string()> hostname;
  db::Sleeper sleeper;  // between DB connect attempts (1 s, 2 s)
  std::function<std::chrono::system_clock::time_point()> now;
  std::istream* stdin_stream = nullptr;  // --file=-
  CommandRunner run_command;             // systemd-analyze
  HttpGetter http_get;                   // the dashboard

  // The real process: environment, OS hostname, real sleeps, clock, std::cin, child processes,
  // cpp-httplib.
  static Context process();
};

// Every flag value any subcommand takes; a subcommand declares only its own (see Flag).
struct Args {
  std::string file;
  std::string host;
  std::string runtime_host;
  int bucket_min = -1;
  int bucket_max = -1;
  int bucket_total = 0;
  std::string since = "15m";
  bool require_all = false;
  int limit = 0;  // set from the subcommand's default (100 cutover-check, 50 projection-drift)
  int status_port = -1;
  bool skip_status = false;
  bool skip_systemd = false;
  std::string service = "jetmon2";
  std::string systemd_unit;
  std::string mode = "same-server";
  std::string binary;  // default from the Invocation
  std::string v1_stop_command;
  std::string v1_start_command;
  std::string output;

  // Filled by the dispatcher after the shared rules (rollout.md §0) passed.
  std::chrono::system_clock::time_point cutoff{};  // from --since
};

enum class Flag {
  file, host, runtime_host, bucket_min, bucket_max, bucket_total, since, require_all, limit, status_port,
  skip_status, skip_systemd, service, systemd_unit, mode, binary, v1_stop_command, v1_start_command, output,
};

struct Subcommand;

// One invocation of a subcommand, handed to its runner.
struct Run {
  const Invocation& invocation;
  Context& context;
  const Subcommand& subcommand;
  Args args;
  OutputMode mode = OutputMode::text;
  std::ostream& out;
  std::ostream& err;
  std::vector<std::string> set_flags;  // the flag names given on the command line

  bool flag_given(std::string_view name) const;
  // "usage: <program> <sub> <usage args>"
  std::string usage_line() const;
};

// Returns the exit code.
using Runner = std::function<int(Run&)>;

struct Subcommand {
  std::string name;
  std::string usage;         // the arguments part of the usage line
  std::vector<Flag> flags;   // in help order
  int default_limit = 0;     // --limit default, when it has one
  Runner runner;             // empty: "rollout <name> is not available in this build", exit 1
  // false: the subcommand prints its own output (rehearsal-plan, state-report), so the
  // dispatcher leaves the shared --since/--limit/--status-port rules to its runner.
  bool report_wrapper = true;
};

// The spec's subcommands in its usage order (guided, rehearsal-plan, host-preflight,
// static-plan-check, pinned-check, cutover-check, rollback-check, dynamic-check, activity-check,
// projection-drift, state-report), with their flags and runners.
const std::vector<Subcommand>& subcommands();

// The entry point: `args` are the words after "jetmon2 rollout" / "jetmon-rollout".
// No subcommand → the usage line on `err`, exit 1; unknown → `unknown rollout subcommand "<x>"
// (want: …)`, exit 1; -h/--help → usage on `out`, exit 0; flag errors → the error and the
// subcommand's usage on `err`, exit 2; a stray positional → the usage line, exit 1; a bad
// --output → `FAIL --output must be text or json`, exit 2; a bad --since, --limit or
// --status-port → its FAIL (through the report, so JSON mode reports it), exit 1.
int run_rollout(const std::vector<std::string>& args, const Invocation& invocation, Context& context,
                std::ostream& out, std::ostream& err);

// ---- helpers for runners ------------------------------------------------------------------

// Runs a gate body with a Report in the run's output mode: an exception from the body (a lost
// database, a failed query) becomes its failure; then finish() → exit 0 or 1.
int run_gate(Run& run, const std::function<bool(Report&)>& body);

// The config from JETMON_CONFIG (default config/config.json), fully validated. Failure:
// "config parse: <reason>" on the report. `announce` prints `PASS config parse`.
std::optional<config::Config> load_config(Run& run, Report& report, bool announce = true);

// Config plus an open database session (DB_* environment, 3 attempts with 1 s and 2 s between
// them, each retry logged on stderr; sessions run in UTC).
struct Session {
  config::Config config;
  db::Connection connection;
  std::string host_id;  // --host, else the OS hostname, else "unknown"
};
// `PASS config parse`, `PASS db connect`, or the failure ("config parse: …", "db connect: …").
std::optional<Session> open_session(Run& run, Report& report);

}  // namespace jetmon::rollout
