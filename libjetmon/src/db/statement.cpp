#include <fmt/format.h>

#include <cstring>
#include <utility>

#include "db/connection_impl.hpp"
#include "jetmon/db/connection.hpp"

namespace jetmon::db {

namespace {

// Binds `params` for one execution; the binds point into `params` and into this object.
struct ParamBinds {
  std::vector<MYSQL_BIND> binds;
  std::vector<MYSQL_TIME> times;
  std::vector<unsigned long> lengths;

  explicit ParamBinds(const Params& params)
      : binds(params.size()), times(params.size()), lengths(params.size()) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      MYSQL_BIND& b = binds[i];
      std::memset(&b, 0, sizeof b);
      const Value::Storage& v = params[i].storage();
      if (std::holds_alternative<Null>(v)) {
        b.buffer_type = MYSQL_TYPE_NULL;
      } else if (const auto* s64 = std::get_if<std::int64_t>(&v)) {
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = const_cast<std::int64_t*>(s64);
        b.is_unsigned = 0;
      } else if (const auto* u64 = std::get_if<std::uint64_t>(&v)) {
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = const_cast<std::uint64_t*>(u64);
        b.is_unsigned = 1;
      } else if (const auto* d = std::get_if<double>(&v)) {
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = const_cast<double*>(d);
      } else if (const auto* str = std::get_if<std::string>(&v)) {
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = const_cast<char*>(str->data());
        b.buffer_length = static_cast<unsigned long>(str->size());
        lengths[i] = static_cast<unsigned long>(str->size());
        b.length = &lengths[i];
      } else if (const auto* t = std::get_if<DateTime>(&v)) {
        namespace chr = std::chrono;
        const auto days = chr::floor<chr::days>(t->time);
        const chr::year_month_day ymd{days};
        const chr::hh_mm_ss hms{t->time - days};
        t->require_sql_range(fmt::format("parameter {}", i + 1));
        MYSQL_TIME& mt = times[i];
        std::memset(&mt, 0, sizeof mt);
        mt.year = static_cast<unsigned int>(static_cast<int>(ymd.year()));
        mt.month = static_cast<unsigned int>(ymd.month());
        mt.day = static_cast<unsigned int>(ymd.day());
        mt.hour = static_cast<unsigned int>(hms.hours().count());
        mt.minute = static_cast<unsigned int>(hms.minutes().count());
        mt.second = static_cast<unsigned int>(hms.seconds().count());
        mt.second_part = static_cast<unsigned long>(hms.subseconds().count());
        mt.time_type = MYSQL_TIMESTAMP_DATETIME;
        b.buffer_type = MYSQL_TYPE_DATETIME;
        b.buffer = &mt;
        b.buffer_length = sizeof mt;
      }
    }
  }
};

// Output buffer of one result column.
struct Column {
  using Kind = detail::ColumnKind;
  Kind kind = Kind::text;
  bool is_unsigned = false;
  std::int64_t i64 = 0;
  double f64 = 0;
  MYSQL_TIME time{};
  std::string buffer;
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

constexpr std::size_t kInitialTextBuffer = 1024;

}  // namespace

// Statement is Connection's friend, so the helpers that need Connection::Impl live in its Impl.
struct Statement::Impl {
  std::shared_ptr<Connection::Impl> conn;
  detail::StmtPtr stmt;
  std::size_t param_count = 0;

  static void run_prepared(Connection::Impl& conn, MYSQL_STMT* st, std::size_t param_count,
                           const Params& params, std::size_t max_column_bytes,
                           const std::function<void(const Row&)>* on_row, ExecResult* result);
  static detail::StmtPtr prepare_statement(Connection::Impl& c, std::string_view sql);
};

// Runs a prepared statement; if it produced a result set, hands each row to on_row.
void Statement::Impl::run_prepared(Connection::Impl& conn, MYSQL_STMT* st, std::size_t param_count,
                                   const Params& params,
                                   std::size_t max_column_bytes,
                                   const std::function<void(const Row&)>* on_row, ExecResult* result) {
  struct Failer {
    Connection::Impl& conn;
    MYSQL_STMT* st;
    [[noreturn]] void fail(const std::string& context = {}) const { conn.fail(st, context); }
  } s{conn, st};
  detail::ensure_client_ready();
  if (params.size() != param_count)
    throw DbError(fmt::format("statement expects {} parameters, got {}", param_count, params.size()));
  ParamBinds pb(params);
  if (param_count > 0 && mysql_stmt_bind_param(st, pb.binds.data()) != 0) s.fail("bind parameters");
  if (mysql_stmt_execute(st) != 0) s.fail();

  detail::ResPtr meta(mysql_stmt_result_metadata(st));
  if (!meta) {
    if (mysql_stmt_errno(st) != 0) s.fail();
    if (result != nullptr) {
      result->affected_rows = mysql_stmt_affected_rows(st);
      result->last_insert_id = mysql_stmt_insert_id(st);
    }
    return;
  }

  // Whatever happens below, leave no unread rows behind on the connection.
  struct FreeResult {
    MYSQL_STMT* st;
    ~FreeResult() { mysql_stmt_free_result(st); }
  } free_result{st};

  const unsigned int n = mysql_num_fields(meta.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(meta.get());
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(n);
  std::vector<Column> cols(n);
  std::vector<MYSQL_BIND> binds(n);
  for (unsigned int i = 0; i < n; ++i) {
    names->emplace_back(fields[i].name != nullptr ? fields[i].name : "");
    Column& c = cols[i];
    MYSQL_BIND& b = binds[i];
    std::memset(&b, 0, sizeof b);
    c.kind = detail::column_kind(fields[i].type);
    b.is_null = &c.is_null;
    b.error = &c.error;
    b.length = &c.length;
    switch (c.kind) {
      case Column::Kind::integer:
        c.is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &c.i64;
        b.is_unsigned = c.is_unsigned ? 1 : 0;
        break;
      case Column::Kind::floating:
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &c.f64;
        break;
      case Column::Kind::datetime:
        b.buffer_type = MYSQL_TYPE_DATETIME;
        b.buffer = &c.time;
        b.buffer_length = sizeof c.time;
        break;
      case Column::Kind::text: {
        const std::size_t hint = fields[i].length > 0 ? fields[i].length : 1;
        c.buffer.resize(std::min({hint, kInitialTextBuffer, max_column_bytes > 0 ? max_column_bytes : 1}));
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = c.buffer.data();
        b.buffer_length = static_cast<unsigned long>(c.buffer.size());
        break;
      }
    }
  }
  if (mysql_stmt_bind_result(st, binds.data()) != 0) s.fail("bind result");

  std::vector<Value> values;
  for (;;) {
    const int rc = mysql_stmt_fetch(st);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) s.fail();
    values.clear();
    values.reserve(n);
    for (unsigned int i = 0; i < n; ++i) {
      Column& c = cols[i];
      if (c.is_null) {
        values.emplace_back(null);
        continue;
      }
      switch (c.kind) {
        case Column::Kind::integer:
          if (c.error) throw DbError(fmt::format("column {}: integer value truncated", (*names)[i]));
          if (c.is_unsigned) {
            values.emplace_back(static_cast<std::uint64_t>(c.i64));
          } else {
            values.emplace_back(c.i64);
          }
          break;
        case Column::Kind::floating:
          values.emplace_back(c.f64);
          break;
        case Column::Kind::datetime: {
          const MYSQL_TIME& t = c.time;
          if (t.year == 0 && t.month == 0 && t.day == 0) {  // zero date
            values.emplace_back(null);
            break;
          }
          try {
            values.emplace_back(DateTime::from_civil(static_cast<int>(t.year), t.month, t.day, t.hour,
                                                     t.minute, t.second,
                                                     static_cast<unsigned>(t.second_part)));
          } catch (const std::invalid_argument& e) {
            throw DbError(fmt::format("column {}: {}", (*names)[i], e.what()));
          }
          break;
        }
        case Column::Kind::text: {
          const std::size_t len = c.length;
          if (len <= c.buffer.size()) {
            values.emplace_back(std::string(c.buffer.data(), len));
            break;
          }
          // Truncated (MYSQL_DATA_TRUNCATED): `length` holds the real size; refetch within the cap.
          if (len > max_column_bytes) {
            throw DbError(fmt::format("column {}: value of {} bytes exceeds the {}-byte fetch cap",
                                      (*names)[i], len, max_column_bytes));
          }
          std::string full(len, '\0');
          unsigned long got = 0;
          MYSQL_BIND fb;
          std::memset(&fb, 0, sizeof fb);
          fb.buffer_type = MYSQL_TYPE_STRING;
          fb.buffer = full.data();
          fb.buffer_length = static_cast<unsigned long>(len);
          fb.length = &got;
          if (mysql_stmt_fetch_column(st, &fb, i, 0) != 0) s.fail(fmt::format("fetch column {}", (*names)[i]));
          full.resize(std::min<std::size_t>(got, len));
          values.emplace_back(std::move(full));
          break;
        }
      }
    }
    if (on_row != nullptr) (*on_row)(Row(names, std::move(values)));
  }
  if (result != nullptr) result->affected_rows = mysql_stmt_affected_rows(st);
}

detail::StmtPtr Statement::Impl::prepare_statement(Connection::Impl& c, std::string_view sql) {
  detail::StmtPtr stmt(mysql_stmt_init(c.mysql.get()));
  if (!stmt) c.fail("prepare");
  if (mysql_stmt_prepare(stmt.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0)
    c.fail(stmt.get());
  return stmt;
}

ExecResult Connection::Impl::run_fresh(std::string_view sql, const Params& params,
                                       const std::function<void(const Row&)>* on_row) {
  detail::StmtPtr stmt = Statement::Impl::prepare_statement(*this, sql);
  ExecResult r;
  Statement::Impl::run_prepared(*this, stmt.get(), mysql_stmt_param_count(stmt.get()), params,
                                kDefaultMaxColumnBytes, on_row, &r);
  return r;
}

ExecResult Connection::Impl::run_cached(std::string_view sql, const Params& params,
                                        const std::function<void(const Row&)>* on_row) {
  auto found = statement_cache.begin();
  while (found != statement_cache.end() && found->sql != sql) ++found;
  const bool was_cached = found != statement_cache.end();
  if (was_cached) {
    statement_cache.splice(statement_cache.begin(), statement_cache, found);
  } else {
    if (sql.size() > kStatementCacheMaxSql) return run_fresh(sql, params, on_row);
    detail::StmtPtr stmt = Statement::Impl::prepare_statement(*this, sql);
    const std::size_t param_count = mysql_stmt_param_count(stmt.get());
    if (statement_cache.size() >= kStatementCacheCapacity) statement_cache.pop_back();
    statement_cache.push_front({std::string(sql), std::move(stmt), param_count});
  }
  ExecResult r;
  try {
    CachedStatement& cached = statement_cache.front();
    Statement::Impl::run_prepared(*this, cached.stmt.get(), cached.param_count, params,
                                  kDefaultMaxColumnBytes, on_row, &r);
  } catch (const DbError& e) {
    // Whatever went wrong, the next use starts from a fresh prepare.
    statement_cache.pop_front();
    // A table changed under a cached statement: the server re-prepared it, but Connector/C's
    // result columns are stale and it fails the execution with a client-side error before any
    // row is handed on. Once more on a fresh prepare; a second failure is the caller's.
    const bool client_side =
        (e.code() >= 2000 && e.code() < 3000) || (e.code() >= 5000 && e.code() < 6000);
    if (!was_cached || !client_side || broken) throw;
    return run_fresh(sql, params, on_row);
  } catch (...) {
    statement_cache.pop_front();
    throw;
  }
  return r;
}

Statement::Statement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Statement::~Statement() = default;
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;

Statement Connection::prepare(std::string_view sql) {
  detail::StmtPtr stmt = Statement::Impl::prepare_statement(impl(), sql);
  auto s = std::make_unique<Statement::Impl>();
  s->conn = impl_;
  s->param_count = mysql_stmt_param_count(stmt.get());
  s->stmt = std::move(stmt);
  return Statement(std::move(s));
}

std::size_t Statement::param_count() const {
  if (!impl_) throw DbError("use of a moved-from db::Statement");
  return impl_->param_count;
}

ExecResult Statement::execute(const Params& params) {
  if (!impl_) throw DbError("use of a moved-from db::Statement");
  ExecResult r;
  Impl::run_prepared(*impl_->conn, impl_->stmt.get(), impl_->param_count, params, max_column_bytes_,
                     nullptr, &r);
  return r;
}

std::vector<Row> Statement::query(const Params& params) {
  std::vector<Row> rows;
  query_each(params, [&](const Row& r) { rows.push_back(r); });
  return rows;
}

void Statement::query_each(const Params& params, const std::function<void(const Row&)>& on_row) {
  if (!impl_) throw DbError("use of a moved-from db::Statement");
  Impl::run_prepared(*impl_->conn, impl_->stmt.get(), impl_->param_count, params, max_column_bytes_,
                     &on_row, nullptr);
}

}  // namespace jetmon::db
