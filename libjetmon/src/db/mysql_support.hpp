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

// How a result column's values are read, by its field type; shared by the binary (prepared) and
// the text protocol readers so both give the same Value for the same column.
enum class ColumnKind { integer, floating, datetime, text };
inline ColumnKind column_kind(enum_field_types t) {
  switch (t) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return ColumnKind::integer;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return ColumnKind::floating;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIMESTAMP2:
      return ColumnKind::datetime;
    default:  // strings, blobs, JSON, ENUM/SET, DECIMAL, TIME, BIT: text (exact, lossless)
      return ColumnKind::text;
  }
}

// DbError from the last error on a handle, prefixed with `context` when not empty.
DbError error_from(MYSQL* m, const std::string& context = {});
DbError error_from(MYSQL_STMT* s, const std::string& context = {});

}  // namespace jetmon::db::detail
