#pragma once

// Private to libjetmon/src/db: the only place (with the .cpp files here) that sees mysql.h.
#include <mysql.h>

#include <memory>
#include <string>

#include "jetmon/db/error.hpp"

namespace jetmon::db::detail {

// mysql_library_init exactly once per process (thread-safe), and mysql_thread_init once per
// calling thread with the matching mysql_thread_end when that thread exits. Call before any
// Connector/C use on the current thread.
void ensure_client_ready();

struct MysqlCloser {
  void operator()(MYSQL* m) const noexcept { mysql_close(m); }
};
struct StmtCloser {
  void operator()(MYSQL_STMT* s) const noexcept { mysql_stmt_close(s); }
};
struct ResFreer {
  void operator()(MYSQL_RES* r) const noexcept { mysql_free_result(r); }
};
using MysqlPtr = std::unique_ptr<MYSQL, MysqlCloser>;
using StmtPtr = std::unique_ptr<MYSQL_STMT, StmtCloser>;
using ResPtr = std::unique_ptr<MYSQL_RES, ResFreer>;

// DbError from the last error on a handle, prefixed with `context` when not empty.
DbError error_from(MYSQL* m, const std::string& context = {});
DbError error_from(MYSQL_STMT* s, const std::string& context = {});

}  // namespace jetmon::db::detail
