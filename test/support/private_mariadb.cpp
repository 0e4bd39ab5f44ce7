#include "support/private_mariadb.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include "support/process.hpp"
#include "support/test_db.hpp"

namespace jetmon::test {
namespace {

const std::string kMariadbScript = std::string(JETMON_SOURCE_DIR) + "/scripts/mariadb.sh";

bool port_busy(int port) {
  return run_command({"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port)}, {}, {},
                     5000)
             .exit_code == 0;
}

}  // namespace

PrivateMariaDb::PrivateMariaDb(std::string dir) : dir_(std::move(dir)) {
  int port = 28306 + static_cast<int>(::getpid() % 2000);  // above free_low_port's 24000-27999
  while (port_busy(port)) ++port;
  run({"start", dir_, std::to_string(port)});
  env_ = read_env_file(dir_ + "/env");
}

PrivateMariaDb::~PrivateMariaDb() { run_command({kMariadbScript, "stop", dir_}); }

void PrivateMariaDb::halt() { run({"halt", dir_}); }
void PrivateMariaDb::resume() { run({"resume", dir_}); }

db::Connection PrivateMariaDb::connect() const {
  return db::Connection(options_from_env(env_));
}

void PrivateMariaDb::run(std::vector<std::string> args) {
  args.insert(args.begin(), kMariadbScript);
  const auto r = run_command(args, {}, {}, 120000);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace jetmon::test
