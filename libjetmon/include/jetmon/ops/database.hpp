#pragma once

#include <iosfwd>

#include "jetmon/config/config.hpp"

namespace jetmon::db {
struct ConnectOptions;
}

namespace jetmon::ops {

// Connection settings for the DB_* environment (monitor.md §1.4 timeouts).
db::ConnectOptions connect_options(const config::DbSettings& settings);

// Opens (with up to `attempts` tries and the standard backoff) and pings a connection; throws
// std::exception with the reason when the database stays unreachable.
void check_db_connect(const config::DbSettings& settings, int attempts);

// `jetmon2 migrate` (monitor.md §2.1): DB from the environment (5 tries), every embedded
// migration. Prints "migrations applied successfully" or "migrate: …" on `err`. Returns the exit
// code. The JSON config is not read.
int run_migrate(const config::Environment& env, std::ostream& out, std::ostream& err);

}  // namespace jetmon::ops
