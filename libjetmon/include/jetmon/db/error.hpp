#pragma once

#include <stdexcept>
#include <string>

namespace jetmon::db {

// Every failure of the db module. `code()` is the MariaDB/MySQL error number (server ER_* or
// client CR_* code); 0 means the error was raised by this library (bad parameter count, a value
// over the fetch cap, a type mismatch, pool timeout).
class DbError : public std::runtime_error {
 public:
  DbError(unsigned int code, std::string sqlstate, const std::string& message);
  explicit DbError(const std::string& message);  // library-side error, code 0

  unsigned int code() const noexcept { return code_; }
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  // Connection-lost / timeout / server-unavailable class: retrying on a new connection may work.
  bool transient() const noexcept;

 private:
  unsigned int code_;
  std::string sqlstate_;
};

// True for the error numbers DbError::transient() accepts: lost or refused connections, server
// gone or shutting down, too many connections, lock-wait timeout and deadlock.
bool is_transient_error_code(unsigned int code) noexcept;

// True for the error numbers after which the connection itself is unusable (lost, gone, killed).
bool is_connection_lost_code(unsigned int code) noexcept;

}  // namespace jetmon::db
