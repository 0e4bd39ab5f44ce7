#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "jetmon/config/config.hpp"

// `jetmon2 status` (dashboard-fleet.md §1.8, monitor.md §10): GET /api/host from the local
// dashboard and print its summary readably (or the body with --json). Reads only the
// environment, never the config file. (The Go tool printed /api/state; `--json | jq .state`.)
namespace jetmon::dashboard {

struct StatusTarget {
  std::string host;  // as it goes into the URL ("[::1]" for IPv6 literals)
  int port = 8080;
  std::string url;   // http://<host>:<port>/api/host
};

// DASHBOARD_PORT (default 8080); host DASHBOARD_HOST → DASHBOARD_BIND_ADDR → localhost, with
// 0.0.0.0 and :: (any interface) meaning localhost. Throws std::invalid_argument naming
// DASHBOARD_PORT when it is not an integer in 1..65535.
StatusTarget status_target(const config::Environment& env);

// The readable form of an /api/host body, and whether its summary is red. nullopt when the body
// is not an /api/host object (not JSON, or no summary object with a string status).
struct StatusReport {
  std::string text;  // every line ends in "\n"
  bool red = false;
};
std::optional<StatusReport> format_host_status(std::string_view host_body);

// Prints the readable summary (or, with `json`, the body verbatim) on `out`; returns 0 when the
// summary is green or amber, 1 when it is red. On a connection error, HTTP >= 400 or a body that
// is not /api/host prints "status: …" on `err` and returns 1.
int run_status(const config::Environment& env, std::ostream& out, std::ostream& err,
               bool json = false);

}  // namespace jetmon::dashboard
