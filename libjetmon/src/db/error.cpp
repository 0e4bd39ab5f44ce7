#include "jetmon/db/error.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

#include "db/mysql_support.hpp"

namespace jetmon::db {

DbError::DbError(unsigned int code, std::string sqlstate, const std::string& message)
    : std::runtime_error(message), code_(code), sqlstate_(std::move(sqlstate)) {}

DbError::DbError(const std::string& message) : DbError(0, "HY000", message) {}

bool DbError::transient() const noexcept { return is_transient_error_code(code_); }

bool is_connection_lost_code(unsigned int code) noexcept {
  switch (code) {
    case CR_SERVER_GONE_ERROR:     // 2006
    case CR_SERVER_LOST:           // 2013
    case CR_SERVER_LOST_EXTENDED:  // 2055
    case CR_CONNECTION_ERROR:      // 2002
    case CR_CONN_HOST_ERROR:       // 2003
    case CR_COMMANDS_OUT_OF_SYNC:  // 2014: the protocol state is unknown
    case ER_CONNECTION_KILLED:     // 1927
    case ER_SERVER_SHUTDOWN:       // 1053
    case ER_NET_READ_ERROR:        // 1158
    case ER_NET_READ_INTERRUPTED:  // 1159
    case ER_NET_ERROR_ON_WRITE:    // 1160
    case ER_NET_WRITE_INTERRUPTED:  // 1161
      return true;
    default:
      return false;
  }
}

bool is_transient_error_code(unsigned int code) noexcept {
  if (code == CR_COMMANDS_OUT_OF_SYNC) return false;  // a bug in the caller, not the network
  if (is_connection_lost_code(code)) return true;
  switch (code) {
    case CR_UNKNOWN_HOST:      // 2005: DNS hiccup
    case ER_CON_COUNT_ERROR:   // 1040: too many connections
    case ER_LOCK_WAIT_TIMEOUT:  // 1205
    case ER_LOCK_DEADLOCK:     // 1213
    case ER_QUERY_INTERRUPTED:  // 1317
      return true;
    default:
      return false;
  }
}

namespace detail {

DbError error_from(MYSQL* m, const std::string& context) {
  const unsigned int code = mysql_errno(m);
  std::string msg = mysql_error(m);
  if (msg.empty()) msg = "unknown MariaDB error";
  return DbError(code, mysql_sqlstate(m), context.empty() ? msg : context + ": " + msg);
}

DbError error_from(MYSQL_STMT* s, const std::string& context) {
  const unsigned int code = mysql_stmt_errno(s);
  std::string msg = mysql_stmt_error(s);
  if (msg.empty()) msg = "unknown MariaDB error";
  return DbError(code, mysql_stmt_sqlstate(s), context.empty() ? msg : context + ": " + msg);
}

}  // namespace detail
}  // namespace jetmon::db
