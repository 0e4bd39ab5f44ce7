#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <string>
#include <string_view>

#include "db/mysql_support.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::db {

struct Connection::Impl {
  detail::MysqlPtr mysql;
  ConnectOptions options;
  std::chrono::steady_clock::time_point opened_at;
  bool broken = false;
  bool in_transaction = false;

  // Statements run through Connection::exec/query/query_one stay prepared for reuse, so a
  // statement run again on this connection costs one round trip instead of prepare, execute and
  // close. Most recently used first; declared after `mysql` so they are closed before it.
  struct CachedStatement {
    std::string sql;
    detail::StmtPtr stmt;
    std::size_t param_count = 0;
  };
  static constexpr std::size_t kStatementCacheCapacity = 32;
  static constexpr std::size_t kStatementCacheMaxSql = 4096;  // longer (generated) SQL is not kept
  std::list<CachedStatement> statement_cache;

  // Prepares `sql` (or reuses it from the cache), runs it with `params` and hands each row of a
  // result set to `on_row` (may be null). Implemented in statement.cpp.
  ExecResult run_cached(std::string_view sql, const Params& params,
                        const std::function<void(const Row&)>* on_row);
  // The same without the cache: prepare, run, close.
  ExecResult run_fresh(std::string_view sql, const Params& params,
                       const std::function<void(const Row&)>* on_row);

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
