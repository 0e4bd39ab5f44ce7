#pragma once

#include <iosfwd>

#include "jetmon/config/config.hpp"

namespace jetmon::ops {

// `jetmon2 drain` (SIGINT) and `jetmon2 reload` (SIGHUP) to the PID in JETMON_PID_FILE
// (monitor.md §10.1). Returns the exit code: 0 sent, 1 no such file, bad content or no process.
int signal_monitor(const config::Environment& env, int signal_number, std::ostream& out,
                   std::ostream& err);

}  // namespace jetmon::ops
