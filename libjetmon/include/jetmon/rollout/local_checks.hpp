#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/rollout/report.hpp"

// Two steps of the composed gates that look at the local machine rather than the database:
// host-preflight's systemd unit verification (rollout.md §1.3 step 4) and cutover-check's
// dashboard status (§1.5 step 3). Each writes its lines (not the "## …" title, which the caller
// adds) to a Report and returns false after report.fail(). The outside world is injected.
namespace jetmon::rollout {

// ---- systemd unit -------------------------------------------------------------------------

struct CommandOutput {
  bool started = false;  // false: the program could not be run (see error)
  int exit_code = -1;    // −1 when killed by a signal or timed out
  std::string output;    // stdout and stderr together, at most kMaxCommandOutput bytes
  std::string error;     // why it did not start or did not finish
};
using CommandRunner = std::function<CommandOutput(const std::vector<std::string>& argv)>;

inline constexpr std::size_t kMaxCommandOutput = 64u * 1024u;

// Runs argv (PATH lookup) with stdin from /dev/null, collecting stdout+stderr up to the ceiling;
// the child is killed after `timeout`.
CommandRunner process_runner(std::chrono::seconds timeout = std::chrono::seconds(60));

// "/etc/systemd/system/<service>.service" unless --systemd-unit names another file.
std::string systemd_unit_path(std::string_view service, std::string_view systemd_unit);

// --skip-systemd → `INFO systemd_verify=skipped reason=operator`. Otherwise runs
// `systemd-analyze verify <unit>`: a missing tool or non-zero exit fails with the tool's output
// (whitespace collapsed); success prints `PASS systemd_unit=<unit>` and, when the tool printed
// anything, `INFO systemd_verify=<output>`.
bool verify_systemd_unit(Report& report, bool skip, const std::string& unit, const CommandRunner& run);

// ---- dashboard status ---------------------------------------------------------------------

struct HttpAnswer {
  bool answered = false;  // false: transport error (see error)
  int status = 0;
  std::string body;
  std::string error;
};
// GET http://localhost:<port><path> with `timeout`.
using HttpGetter = std::function<HttpAnswer(int port, const std::string& path, std::chrono::seconds timeout)>;

inline constexpr std::size_t kMaxDashboardBody = 1024u * 1024u;
inline constexpr std::chrono::seconds kDashboardTimeout{10};

// cpp-httplib GET to localhost with a kMaxDashboardBody ceiling (a larger body is an error).
HttpGetter localhost_http_getter();

// --skip-status → `INFO dashboard_status=skipped reason=operator`; port 0 →
// `INFO dashboard_status=skipped dashboard_port=disabled`; otherwise GET
// http://localhost:<port>/api/state (10 s): a transport error or HTTP ≥ 400 fails
// (`http <code>: <body>`); success prints `PASS dashboard_status=<url>` and
// `INFO dashboard_state=<body with whitespace collapsed>`. `port` is already resolved
// (resolve_status_port).
bool dashboard_status_section(Report& report, bool skip, int port, const HttpGetter& get);

}  // namespace jetmon::rollout
