#pragma once

#include <iosfwd>
#include <string>

#include "jetmon/config/config.hpp"

// `jetmon2 status` (dashboard-fleet.md §1.8, monitor.md §10): GET /api/state from the local
// dashboard and print the body. Reads only the environment, never the config file.
namespace jetmon::dashboard {

struct StatusTarget {
  std::string host;  // as it goes into the URL ("[::1]" for IPv6 literals)
  int port = 8080;
  std::string url;   // http://<host>:<port>/api/state
};

// DASHBOARD_PORT (default 8080); host DASHBOARD_HOST → DASHBOARD_BIND_ADDR → localhost, with
// 0.0.0.0 and :: (any interface) meaning localhost. Throws std::invalid_argument naming
// DASHBOARD_PORT when it is not an integer in 1..65535.
StatusTarget status_target(const config::Environment& env);

// Prints the body on `out` and returns 0; on a connection error or HTTP >= 400 prints
// "status: …" on `err` and returns 1.
int run_status(const config::Environment& env, std::ostream& out, std::ostream& err);

}  // namespace jetmon::dashboard
