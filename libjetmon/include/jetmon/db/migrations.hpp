#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jetmon::db {

class Connection;

// One schema/NNN_name.sql file, embedded at build time.
struct Migration {
  int id;
  std::string name;
  std::string sql;
};

// All migrations of schema/, ordered by id.
const std::vector<Migration>& embedded_migrations();

// Splits SQL text into statements at top-level ';', honouring '…', "…" and `…` quoting
// (with doubled quotes and backslash escapes) and --, # and /* */ comments. Each statement is
// trimmed and has no terminating ';'; pieces holding only whitespace and comments are dropped.
std::vector<std::string> split_sql_statements(std::string_view sql);

// A failed migration; what() is "migration <id>: <error>". `db_code()` is the MariaDB error
// number when the database raised it, else 0.
class MigrationError : public std::runtime_error {
 public:
  MigrationError(int id, const std::string& error, unsigned int db_code = 0);
  int id() const noexcept { return id_; }
  unsigned int db_code() const noexcept { return db_code_; }

 private:
  int id_;
  unsigned int db_code_;
};

struct MigrateReport {
  std::vector<int> applied;  // ids newly recorded in jetmon_schema_migrations by this run
};

// The runner of monitor.md §2.1 (no transaction; each migration is exactly one statement, so a
// failure leaves nothing half-applied and the next run retries it):
//  - always runs migration 1, then INSERT IGNORE id 1 into jetmon_schema_migrations;
//  - for ids 2..N in order: SELECT COUNT(*) … WHERE id=?; if absent, log
//    "applying migration <id>", run it, then INSERT IGNORE the id;
//  - the first error throws MigrationError. Re-running applies nothing.
// The list must start at id 1, be strictly increasing and hold one statement per migration;
// otherwise MigrationError is thrown before anything runs. `log_line` defaults to log::info.
MigrateReport run_migrations(Connection& connection, const std::vector<Migration>& migrations,
                             std::function<void(std::string_view)> log_line = {});

}  // namespace jetmon::db
