#pragma once

#include <chrono>
#include <string>

#include "db/mysql_support.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::db {

struct Connection::Impl {
  detail::MysqlPtr mysql;
  ConnectOptions options;
  std::chrono::steady_clock::time_point opened_at;
  bool broken = false;
  bool in_transaction = false;

  // Throws the handle's last error; marks the connection broken for connection-lost errors.
  [[noreturn]] void fail(const std::string& context = {}) {
    DbError e = detail::error_from(mysql.get(), context);
    if (is_connection_lost_code(e.code())) broken = true;
    throw e;
  }
  [[noreturn]] void fail(MYSQL_STMT* stmt, const std::string& context = {}) {
    DbError e = detail::error_from(stmt, context);
    if (is_connection_lost_code(e.code())) broken = true;
    throw e;
  }
};

}  // namespace jetmon::db
