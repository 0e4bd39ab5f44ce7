#pragma once

#include <functional>
#include <iosfwd>
#include <string>

#include "jetmon/config/config.hpp"

namespace jetmon::ops {

// Everything `validate-config` needs from the outside, injectable for tests.
struct ValidateConfigContext {
  config::Environment env;
  std::string hostname;
  // Connects to the database (with its own bounded retries); throws std::exception on failure.
  std::function<void(const config::DbSettings&)> check_db;
};

// `jetmon2 validate-config` (monitor.md §10.1): PASS/INFO/WARN lines on `out`, FAIL lines on
// `err`. Returns the exit code: 0 valid, 1 not.
int run_validate_config(const ValidateConfigContext& context, std::ostream& out, std::ostream& err);

}  // namespace jetmon::ops
