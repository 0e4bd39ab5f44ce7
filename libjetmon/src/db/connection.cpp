#include "jetmon/db/connection.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

#include "db/connection_impl.hpp"
#include "jetmon/common/log.hpp"

namespace jetmon::db {

// ---- ConnectOptions ---------------------------------------------------------------------------

std::string ConnectOptions::describe() const {
  const std::string where =
      unix_socket.empty() ? fmt::format("{}:{}", host, port) : fmt::format("unix:{}", unix_socket);
  return fmt::format("{}@{}/{}", user, where, database);
}

// ---- Row ----------------------------------------------------------------------------------------

Row::Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
    : columns_(std::move(columns)), values_(std::move(values)) {}

const std::vector<std::string>& Row::columns() const {
  static const std::vector<std::string> none;
  return columns_ ? *columns_ : none;
}

std::size_t Row::index_of(std::string_view column) const {
  const auto& cols = columns();
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (cols[i] == column) return i;
  }
  throw DbError(fmt::format("no column named \"{}\" in the result", column));
}

const Value& Row::at(std::size_t i) const {
  if (i >= values_.size())
    throw DbError(fmt::format("column index {} out of range (row has {} columns)", i, values_.size()));
  return values_[i];
}

// ---- Connection ---------------------------------------------------------------------------------

namespace {

unsigned int seconds_option(std::chrono::seconds s) {
  return s.count() <= 0 ? 0u : static_cast<unsigned int>(s.count());
}

}  // namespace

Connection::Connection(const ConnectOptions& options) : impl_(std::make_shared<Impl>()) {
  detail::ensure_client_ready();
  impl_->options = options;
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) throw DbError("mysql_init failed (out of memory)");
  impl_->mysql.reset(m);

  const unsigned int connect_timeout = seconds_option(options.connect_timeout);
  const unsigned int read_timeout = seconds_option(options.read_timeout);
  const unsigned int write_timeout = seconds_option(options.write_timeout);
  if (connect_timeout > 0) mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  if (read_timeout > 0) mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  if (write_timeout > 0) mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const my_bool reconnect = 0;  // a silent reconnect would drop the UTC session and statements
  mysql_options(m, MYSQL_OPT_RECONNECT, &reconnect);
  const unsigned int local_infile = 0;
  mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  // Connector/C would take "localhost" as the default unix socket; the service contract is TCP.
  const unsigned int protocol = options.unix_socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_options(m, MYSQL_OPT_PROTOCOL, &protocol);

  const char* db = options.database.empty() ? nullptr : options.database.c_str();
  const char* socket = options.unix_socket.empty() ? nullptr : options.unix_socket.c_str();
  if (mysql_real_connect(m, options.host.c_str(), options.user.c_str(), options.password.c_str(),
                         db, options.port, socket, 0) == nullptr) {
    impl_->fail("cannot connect to " + options.describe());
  }
  impl_->opened_at = std::chrono::steady_clock::now();
  // UTC session: NOW(), CURRENT_TIMESTAMP defaults and TIMESTAMP columns all read/write UTC.
  execute("SET time_zone='+00:00'");
}

Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

Connection::Impl& Connection::impl() const {
  if (!impl_) throw DbError("use of a moved-from db::Connection");
  detail::ensure_client_ready();
  return *impl_;
}

ExecResult Connection::execute(std::string_view sql) {
  Impl& c = impl();
  MYSQL* m = c.mysql.get();
  if (mysql_real_query(m, sql.data(), static_cast<unsigned long>(sql.size())) != 0) c.fail();
  ExecResult r;
  if (mysql_field_count(m) > 0) {
    detail::ResPtr res(mysql_use_result(m));
    if (!res) c.fail();
    while (mysql_fetch_row(res.get()) != nullptr) {
    }
    if (mysql_errno(m) != 0) c.fail();
  } else {
    r.affected_rows = mysql_affected_rows(m);
    r.last_insert_id = mysql_insert_id(m);
  }
  return r;
}

ExecResult Connection::exec(std::string_view sql, const Params& params) {
  return impl().run_cached(sql, params, nullptr);
}

std::vector<Row> Connection::query(std::string_view sql, const Params& params) {
  std::vector<Row> rows;
  const std::function<void(const Row&)> collect = [&](const Row& r) { rows.push_back(r); };
  impl().run_cached(sql, params, &collect);
  return rows;
}

std::optional<Row> Connection::query_one(std::string_view sql, const Params& params) {
  std::optional<Row> first;
  const std::function<void(const Row&)> keep_first = [&](const Row& r) {
    if (!first) first = r;
  };
  impl().run_cached(sql, params, &keep_first);
  return first;
}

std::optional<Value> Connection::query_scalar(std::string_view sql, const Params& params) {
  auto row = query_one(sql, params);
  if (!row) return std::nullopt;
  if (row->size() == 0) throw DbError("query_scalar: the result has no columns");
  return row->at(0);
}

void Connection::ping() {
  Impl& c = impl();
  if (mysql_ping(c.mysql.get()) != 0) {
    c.broken = true;  // reconnect is off: a failed ping means the session is gone
    c.fail("ping");
  }
}

bool Connection::ping_ok() noexcept {
  try {
    ping();
    return true;
  } catch (...) {
    return false;
  }
}

bool Connection::broken() const noexcept { return !impl_ || impl_->broken; }
bool Connection::in_transaction() const noexcept { return impl_ && impl_->in_transaction; }

std::uint64_t Connection::server_thread_id() const { return mysql_thread_id(impl().mysql.get()); }

std::string Connection::server_version() const {
  const char* v = mysql_get_server_info(impl().mysql.get());
  return v != nullptr ? v : "";
}

const ConnectOptions& Connection::options() const { return impl().options; }

std::chrono::steady_clock::time_point Connection::opened_at() const { return impl().opened_at; }

// ---- Transaction --------------------------------------------------------------------------------

Transaction::Transaction(Connection& connection) : connection_(&connection) {
  Connection::Impl& c = connection.impl();
  if (c.in_transaction) throw DbError("a transaction is already open on this connection");
  connection.execute("START TRANSACTION");
  c.in_transaction = true;
  active_ = true;
}

Transaction::~Transaction() {
  if (!active_) return;
  if (connection_->broken()) {  // the server rolls back a transaction whose session died
    active_ = false;
    if (connection_->impl_) connection_->impl_->in_transaction = false;
    return;
  }
  try {
    rollback();
  } catch (const std::exception& e) {
    log::warn("db: rollback of an abandoned transaction failed: {}", e.what());
  }
}

void Transaction::commit() {
  if (!active_) throw DbError("commit: the transaction is no longer active");
  Connection::Impl& c = connection_->impl();
  active_ = false;
  c.in_transaction = false;
  if (mysql_commit(c.mysql.get()) != 0) c.fail("commit");
}

void Transaction::rollback() {
  if (!active_) throw DbError("rollback: the transaction is no longer active");
  Connection::Impl& c = connection_->impl();
  active_ = false;
  c.in_transaction = false;
  if (mysql_rollback(c.mysql.get()) != 0) c.fail("rollback");
}

}  // namespace jetmon::db
