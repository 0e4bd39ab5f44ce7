#pragma once

// A MariaDB server of a test's own (scripts/mariadb.sh start|halt|resume|stop on a directory of
// its own), for outages: the shared ctest server is never stopped.
#include <map>
#include <string>
#include <vector>

#include "jetmon/db/connection.hpp"

namespace jetmon::test {

class PrivateMariaDb {
 public:
  // Starts a fresh server under `dir` on a port away from the range the ctest fixture scans
  // (23306 up), so no other server takes it during an outage. Fails the test when it cannot.
  explicit PrivateMariaDb(std::string dir);
  ~PrivateMariaDb();
  PrivateMariaDb(const PrivateMariaDb&) = delete;
  PrivateMariaDb& operator=(const PrivateMariaDb&) = delete;

  // Stops the server, keeping its data and port (an outage); resume() starts it again.
  void halt();
  void resume();
  // DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME of the application user.
  const std::map<std::string, std::string>& env() const { return env_; }
  db::Connection connect() const;

 private:
  void run(std::vector<std::string> args);
  std::string dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace jetmon::test
