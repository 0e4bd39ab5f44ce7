#include "support/test_db.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "jetmon/db/migrations.hpp"

namespace jetmon::test {

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read env file {}", path));
  std::map<std::string, std::string> env;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

db::ConnectOptions options_from_env(const std::map<std::string, std::string>& env) {
  auto get = [&](const char* key) {
    auto it = env.find(key);
    if (it == env.end() || it->second.empty()) throw std::runtime_error(fmt::format("env file lacks {}", key));
    return it->second;
  };
  db::ConnectOptions o;
  o.host = get("DB_HOST");
  o.port = static_cast<unsigned int>(std::stoul(get("DB_PORT")));
  o.user = get("DB_USER");
  auto pw = env.find("DB_PASSWORD");
  o.password = pw == env.end() ? "" : pw->second;
  auto name = env.find("DB_NAME");
  o.database = name == env.end() ? "" : name->second;
  return o;
}

std::map<std::string, std::string> test_db_server_env() {
  const char* path = std::getenv("JETMON_TEST_DB_ENV");
  if (path == nullptr || *path == '\0') {
    throw std::runtime_error(
        "JETMON_TEST_DB_ENV is not set: run integration tests through ctest (it starts the "
        "throwaway MariaDB), or point it at the env file of `scripts/mariadb.sh start DIR`");
  }
  return read_env_file(path);
}

db::ConnectOptions test_db_server_options() {
  db::ConnectOptions o = options_from_env(test_db_server_env());
  o.database.clear();
  return o;
}

namespace {

std::string unique_name() {
  static std::atomic<unsigned> counter{0};
  return fmt::format("jetmon_t_{}_{}", static_cast<long>(::getpid()), counter.fetch_add(1) + 1);
}

}  // namespace

TestDatabase::TestDatabase() : name_(unique_name()), options_(test_db_server_options()) {
  db::Connection admin(options_);
  // The name is generated here (letters, digits, underscores), never taken from input.
  admin.execute(fmt::format("DROP DATABASE IF EXISTS `{}`", name_));
  admin.execute(fmt::format("CREATE DATABASE `{}` CHARACTER SET utf8mb4", name_));
  options_.database = name_;
}

TestDatabase::~TestDatabase() {
  connection_.reset();
  try {
    db::ConnectOptions admin_options = options_;
    admin_options.database.clear();
    db::Connection admin(admin_options);
    admin.execute(fmt::format("DROP DATABASE IF EXISTS `{}`", name_));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "TestDatabase: could not drop %s: %s\n", name_.c_str(), e.what());
  }
}

db::Connection& TestDatabase::connection() {
  if (!connection_) connection_ = std::make_unique<db::Connection>(options_);
  return *connection_;
}

db::Connection& TestDatabase::migrate() {
  db::run_migrations(connection(), db::embedded_migrations(), [](std::string_view) {});
  return connection();
}

db::Connection TestDatabase::connect() const { return db::Connection(options_); }

std::map<std::string, std::string> TestDatabase::env() const {
  return {{"DB_HOST", options_.host},
          {"DB_PORT", std::to_string(options_.port)},
          {"DB_USER", options_.user},
          {"DB_PASSWORD", options_.password},
          {"DB_NAME", name_}};
}

std::map<std::string, std::string> TestDatabase::service_env(const std::string& config_path,
                                                            const std::string& pid_file) const {
  auto vars = env();
  vars["JETMON_CONFIG"] = config_path;
  vars["JETMON_PID_FILE"] = pid_file;
  return vars;
}

std::int64_t query_int(db::Connection& connection, const std::string& sql) {
  auto value = connection.query_scalar(sql);
  return value && !value->is_null() ? value->as_int64().value_or(-1) : -1;
}

std::map<std::string, std::string> table_fingerprints(db::Connection& connection) {
  std::map<std::string, std::string> out;
  for (const auto& row :
       connection.query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")) {
    const std::string table = row.get_string(0).value_or("");
    const auto sum = connection.query_one("CHECKSUM TABLE `" + table + "` EXTENDED");
    out[table] = std::to_string(query_int(connection, "SELECT COUNT(*) FROM `" + table + "`")) + "/" +
                 (sum ? sum->get_string(1).value_or("NULL") : "none");
  }
  return out;
}

}  // namespace jetmon::test
