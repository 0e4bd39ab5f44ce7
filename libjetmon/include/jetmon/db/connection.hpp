#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/db/error.hpp"
#include "jetmon/db/value.hpp"

// RAII over MariaDB Connector/C. The C handles (MYSQL*, MYSQL_STMT*, MYSQL_RES*) live behind
// pimpls in libjetmon/src/db/; this header never includes mysql.h.
namespace jetmon::db {

// Connection settings. The defaults are those of the DB_* environment (monitor.md §1.1); reading
// that environment is the config module's job (config::db_settings_from_env).
struct ConnectOptions {
  std::string host = "localhost";  // always TCP (like the Go driver), even for "localhost"
  unsigned int port = 3306;
  std::string user = "root";
  std::string password;
  std::string database = "jetmon_db";  // empty: connect without selecting a database
  std::string unix_socket;             // when set, used instead of host/port
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};

  // "user@host:port/database" (or "user@unix:socket/database"): for logs; never the password.
  std::string describe() const;
};

// Largest string/blob column value a fetch accepts; a larger value fails the query with DbError.
inline constexpr std::size_t kDefaultMaxColumnBytes = 16u * 1024u * 1024u;

struct ExecResult {
  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
};

// One result row. Getters take a column index or a column name; they return nullopt for SQL NULL
// and throw DbError for an unknown column or a value that cannot be converted (see Value).
// DATETIME/TIMESTAMP/DATE columns arrive as DateTime (UTC); a zero date ('0000-00-00') reads as NULL.
class Row {
 public:
  Row() = default;
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values);

  std::size_t size() const noexcept { return values_.size(); }
  const std::vector<std::string>& columns() const;
  std::size_t index_of(std::string_view column) const;  // throws DbError if absent

  const Value& at(std::size_t i) const;
  const Value& at(std::string_view column) const { return at(index_of(column)); }

  bool is_null(std::size_t i) const { return at(i).is_null(); }
  std::optional<std::int64_t> get_int64(std::size_t i) const { return at(i).as_int64(); }
  std::optional<std::uint64_t> get_uint64(std::size_t i) const { return at(i).as_uint64(); }
  std::optional<double> get_double(std::size_t i) const { return at(i).as_double(); }
  std::optional<std::string> get_string(std::size_t i) const { return at(i).as_string(); }
  std::optional<DateTime> get_datetime(std::size_t i) const { return at(i).as_datetime(); }

  bool is_null(std::string_view c) const { return at(c).is_null(); }
  std::optional<std::int64_t> get_int64(std::string_view c) const { return at(c).as_int64(); }
  std::optional<std::uint64_t> get_uint64(std::string_view c) const { return at(c).as_uint64(); }
  std::optional<double> get_double(std::string_view c) const { return at(c).as_double(); }
  std::optional<std::string> get_string(std::string_view c) const { return at(c).as_string(); }
  std::optional<DateTime> get_datetime(std::string_view c) const { return at(c).as_datetime(); }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

using Params = std::vector<Value>;

class Connection;

// A server-side prepared statement (MYSQL_STMT). Parameters are bound by type from Values; the
// SQL text never contains values. Keeps its connection's handle alive, but like the connection it
// is used by one thread at a time and only while no other result is being read on that connection.
// Do not keep a statement past the Pool::Lease it was prepared on: the connection goes back to the
// pool and may be leased to another thread.
class Statement {
 public:
  ~Statement();
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  std::size_t param_count() const;

  // Runs a statement that returns no rows (a result set, if any, is read and discarded).
  ExecResult execute(const Params& params = {});
  // Runs the statement and returns every row.
  std::vector<Row> query(const Params& params = {});
  // Runs the statement and hands each row to `on_row` as it is read (unbuffered). `on_row` must
  // not use the same connection. If it throws, the remaining rows are discarded and the exception
  // propagates; the connection stays usable.
  void query_each(const Params& params, const std::function<void(const Row&)>& on_row);

  // Per-column ceiling for string/blob values (default kDefaultMaxColumnBytes).
  void set_max_column_bytes(std::size_t bytes) { max_column_bytes_ = bytes; }

 private:
  friend class Connection;
  struct Impl;
  explicit Statement(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::size_t max_column_bytes_ = kDefaultMaxColumnBytes;
};

// One MariaDB session: TCP (or unix socket), utf8mb4, time_zone='+00:00', no auto-reconnect,
// connect timeout and read/write timeouts from ConnectOptions. Not thread-safe: one thread at a
// time (a Pool hands out exclusive leases). Move-only; the handle is closed by the destructor.
class Connection {
 public:
  // Connects, sets the UTC session and checks it with a round trip. Throws DbError.
  explicit Connection(const ConnectOptions& options);
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one SQL statement over the text protocol, for DDL and statements without values
  // (multi-statements are disabled). A result set, if any, is read and discarded.
  ExecResult execute(std::string_view sql);

  // Runs one SQL statement over the text protocol and returns its rows, typed as query() types
  // them. For generated multi-row statements whose values were written with literal(). A string
  // or blob value larger than kDefaultMaxColumnBytes fails it with DbError.
  std::vector<Row> query_text(std::string_view sql);

  // `value` as an SQL literal for this connection: NULL, a number, or a quoted string or date-time
  // escaped by the connector for the session's character set and sql_mode (NO_BACKSLASH_ESCAPES
  // included). Only for statements that carry a variable number of rows in one text, where a
  // prepared statement would need a prepare per shape; everything else binds parameters. Throws
  // DbError for a non-finite double or a date outside years 1000-9999.
  std::string literal(const Value& value) const;
  // "(v1,v2,…)": one row of a multi-row VALUES list, each value written by literal().
  std::string literal_row(const Params& values) const;

  Statement prepare(std::string_view sql);
  // Prepare + execute / query. The prepared statement stays cached on this connection (the 32
  // most recently used SQL texts under 4 KiB), so running the same SQL again skips the prepare.
  ExecResult exec(std::string_view sql, const Params& params = {});
  std::vector<Row> query(std::string_view sql, const Params& params = {});
  std::optional<Row> query_one(std::string_view sql, const Params& params = {});  // first row
  // The first column of the first row; nullopt when there is no row (a NULL field gives a null Value).
  std::optional<Value> query_scalar(std::string_view sql, const Params& params = {});

  void ping();               // throws DbError
  bool ping_ok() noexcept;   // false on any error (and marks the connection broken)
  // True once an error of the connection-lost class happened; a broken connection is never reused.
  bool broken() const noexcept;
  bool in_transaction() const noexcept;

  std::uint64_t server_thread_id() const;  // CONNECTION_ID()
  std::string server_version() const;
  const ConnectOptions& options() const;
  std::chrono::steady_clock::time_point opened_at() const;

 private:
  friend class Transaction;
  friend class Statement;
  struct Impl;
  Impl& impl() const;
  std::shared_ptr<Impl> impl_;
};

// START TRANSACTION on construction; ROLLBACK on destruction unless commit() or rollback() ran.
// One transaction at a time per connection (a second one throws DbError).
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();
  void rollback();
  bool active() const noexcept { return active_; }
  Connection& connection() noexcept { return *connection_; }

 private:
  Connection* connection_;
  bool active_ = false;
};

}  // namespace jetmon::db
