#include "jetmon/ops/database.hpp"

#include <ostream>

#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/error.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/db/retry.hpp"

namespace jetmon::ops {
namespace {
constexpr int kMigrateAttempts = 5;
constexpr std::chrono::seconds kMigrateReadTimeout{6 * 3600};
}

db::ConnectOptions connect_options(const config::DbSettings& settings) {
  db::ConnectOptions options;
  options.host = settings.host;
  options.port = static_cast<unsigned int>(settings.port);
  options.user = settings.user;
  options.password = settings.password;
  options.database = settings.name;
  return options;
}

void check_db_connect(const config::DbSettings& settings, int attempts) {
  db::Connection connection = db::connect_with_retry(connect_options(settings), attempts);
  connection.ping();
}

int run_migrate(const config::Environment& env, std::ostream& out, std::ostream& err) {
  try {
    const config::DbSettings settings = config::db_settings_from_env(env);
    db::ConnectOptions options = connect_options(settings);
    // ALTERs of a large production sites table can run for minutes; a 30 s read timeout would
    // drop the client while the server finishes the DDL, leaving the id unrecorded.
    options.read_timeout = kMigrateReadTimeout;
    db::Connection connection = db::connect_with_retry(options, kMigrateAttempts);
    db::run_migrations(connection, db::embedded_migrations(),
                       [](std::string_view line) { log::info("{}", line); });
  } catch (const std::exception& e) {
    err << "migrate: " << e.what() << "\n";
    return 1;
  }
  out << "migrations applied successfully\n";
  return 0;
}

}  // namespace jetmon::ops
