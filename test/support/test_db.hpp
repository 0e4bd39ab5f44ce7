#pragma once

#include <map>
#include <memory>
#include <string>

#include "jetmon/db/connection.hpp"

namespace jetmon::test {

// The throwaway MariaDB server that ctest starts as the "mariadb" fixture: the KEY=VALUE file named
// by env JETMON_TEST_DB_ENV (DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME). Throws
// std::runtime_error with a hint when the variable is unset or the file is unreadable.
std::map<std::string, std::string> test_db_server_env();

// KEY=VALUE lines (blank lines and '#' comments skipped), e.g. the DIR/env of scripts/mariadb.sh.
// Throws std::runtime_error when the file is unreadable.
std::map<std::string, std::string> read_env_file(const std::string& path);

// ConnectOptions from DB_HOST, DB_PORT, DB_USER, DB_PASSWORD and DB_NAME (the database).
db::ConnectOptions options_from_env(const std::map<std::string, std::string>& env);

// ConnectOptions for that server, without a database selected.
db::ConnectOptions test_db_server_options();

// A uniquely named, empty database (jetmon_t_<pid>_<counter>) on the test server, dropped on
// destruction. The app user has ALL privileges WITH GRANT OPTION there.
//
//   jetmon::test::TestDatabase tdb;
//   tdb.connection().execute("CREATE TABLE t (id INT)");
//   auto r = run_command({JETMON2_BIN, "migrate"}, tdb.env());   // binaries use the same database
// The first column of the first row as an integer; -1 when there is no row or it is NULL.
std::int64_t query_int(db::Connection& connection, const std::string& sql);

// Every table of the connection's current database → "<row count>/<CHECKSUM TABLE … EXTENDED>":
// equal before and after proves a read-only command changed nothing.
std::map<std::string, std::string> table_fingerprints(db::Connection& connection);

class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const noexcept { return name_; }
  // Options that select this database (timeouts at their defaults).
  const db::ConnectOptions& options() const noexcept { return options_; }
  // A shared connection to this database, opened on first use.
  db::Connection& connection();
  // Applies every embedded migration on connection(), without log lines; returns connection().
  db::Connection& migrate();
  // A new, separate connection to this database.
  db::Connection connect() const;
  // DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME for running the binaries against this
  // database (pass as run_command's env_overrides).
  std::map<std::string, std::string> env() const;
  // env() plus JETMON_CONFIG and JETMON_PID_FILE: what `jetmon2 serve` needs to run on it.
  std::map<std::string, std::string> service_env(const std::string& config_path,
                                                 const std::string& pid_file) const;

 private:
  std::string name_;
  db::ConnectOptions options_;
  std::unique_ptr<db::Connection> connection_;
};

}  // namespace jetmon::test
