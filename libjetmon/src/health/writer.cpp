#include "jetmon/health/writer.hpp"

#include <fmt/format.h>

#include <array>
#include <exception>
#include <functional>
#include <utility>

#include "health/bounded_worker.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/db/error.hpp"
#include "jetmon/db/value.hpp"

namespace jetmon::health {

namespace {

// The columns a heartbeat writes, in table order (§6.1 after migrations 24–26); every one but
// the first is overwritten on a duplicate key. created_at is never written.
constexpr std::array<std::string_view, 27> kHeartbeatColumns = {
    "process_id",       "host_id",          "process_type",     "pid",
    "version",          "build_date",       "go_version",       "state",
    "health_status",    "started_at",       "updated_at",       "bucket_min",
    "bucket_max",       "bucket_ownership", "api_port",         "dashboard_port",
    "delivery_workers_enabled",             "delivery_owner_host",
    "worker_count",     "active_checks",    "queue_depth",      "retry_queue_size",
    "wpcom_circuit_open",                   "wpcom_queue_depth",
    "go_sys_mem_mb",    "rss_mem_mb",       "dependency_health"};

std::string heartbeat_sql() {
  std::string columns;
  std::string marks;
  std::string updates;
  for (std::size_t i = 0; i < kHeartbeatColumns.size(); ++i) {
    const std::string_view c = kHeartbeatColumns[i];
    columns += fmt::format("{}{}", i == 0 ? "" : ", ", c);
    marks += i == 0 ? "?" : ", ?";
    if (i > 0) updates += fmt::format("{}{} = VALUES({})", i == 1 ? "" : ", ", c, c);
  }
  return fmt::format("INSERT INTO jetmon_process_health ({}) VALUES ({}) ON DUPLICATE KEY UPDATE {}",
                     columns, marks, updates);
}

constexpr std::string_view kStopSql =
    "UPDATE jetmon_process_health SET state = 'stopped', health_status = 'amber', updated_at = ? "
    "WHERE process_id = ?";

// TIMESTAMP columns hold whole seconds; truncating (instead of letting the server round) never
// stamps a row later than it was written.
db::DateTime column_time(std::chrono::system_clock::time_point t) {
  return db::DateTime::from(std::chrono::floor<std::chrono::seconds>(t));
}

db::Params heartbeat_params(const ProcessHealthRow& r) {
  db::Params p;
  p.reserve(kHeartbeatColumns.size());
  p.emplace_back(r.process_id);
  p.emplace_back(r.host_id);
  p.emplace_back(r.process_type);
  p.emplace_back(r.pid);
  p.emplace_back(r.version);
  p.emplace_back(r.build_date);
  p.emplace_back(r.go_version);
  p.emplace_back(r.state);
  p.emplace_back(r.health_status);
  p.emplace_back(column_time(r.started_at));
  p.emplace_back(column_time(r.updated_at));
  p.emplace_back(r.bucket_min);
  p.emplace_back(r.bucket_max);
  p.emplace_back(r.bucket_ownership);
  p.emplace_back(r.api_port);
  p.emplace_back(r.dashboard_port);
  p.emplace_back(r.delivery_workers_enabled);
  p.emplace_back(r.delivery_owner_host);
  p.emplace_back(r.worker_count);
  p.emplace_back(r.active_checks);
  p.emplace_back(r.queue_depth);
  p.emplace_back(r.retry_queue_size);
  p.emplace_back(r.wpcom_circuit_open);
  p.emplace_back(r.wpcom_queue_depth);
  p.emplace_back(r.go_sys_mem_mb);
  p.emplace_back(r.rss_mem_mb);
  p.emplace_back(health_list_json(r.dependency_health));
  return p;
}

std::chrono::seconds socket_timeout(std::chrono::milliseconds bound) {
  const auto s = std::chrono::ceil<std::chrono::seconds>(bound);
  return s.count() < 1 ? std::chrono::seconds(1) : s;
}

}  // namespace

struct ProcessHealthWriter::Impl {
  db::ConnectOptions options;
  std::chrono::milliseconds bound;
  std::unique_ptr<db::Connection> connection;  // used on the worker's thread only
  detail::BoundedWorker worker;                // last: joined before the connection closes

  // Runs `statement` on the kept connection, opening one when there is none. When a connection
  // kept from an earlier write turns out to be lost (the server restarted meanwhile), it is
  // reopened and the statement retried once: both writes are idempotent. Runs on the worker.
  std::optional<std::string> on_connection(const std::function<void(db::Connection&)>& statement) {
    try {
      const bool reused = connection != nullptr && !connection->broken();
      if (!reused) {
        connection.reset();
        connection = std::make_unique<db::Connection>(options);
      }
      try {
        statement(*connection);
      } catch (const db::DbError& e) {
        if (!reused || !db::is_connection_lost_code(e.code())) throw;
        connection.reset();
        connection = std::make_unique<db::Connection>(options);
        statement(*connection);
      }
      return std::nullopt;
    } catch (const std::exception& e) {
      connection.reset();  // whatever went wrong, the next write starts on a fresh session
      return std::string(e.what());
    }
  }

  std::optional<std::string> run(std::function<void(db::Connection&)> statement) {
    return detail::BoundedWorker::error_text(
        worker.run([this, statement = std::move(statement)] { return on_connection(statement); },
                   bound),
        bound);
  }
};

ProcessHealthWriter::ProcessHealthWriter(db::ConnectOptions options, std::chrono::milliseconds bound)
    : impl_(std::make_unique<Impl>()) {
  const std::chrono::seconds timeout = socket_timeout(bound);
  options.connect_timeout = timeout;
  options.read_timeout = timeout;
  options.write_timeout = timeout;
  impl_->options = std::move(options);
  impl_->bound = bound;
}

ProcessHealthWriter::~ProcessHealthWriter() = default;

std::optional<std::string> ProcessHealthWriter::heartbeat(const ProcessHealthRow& row,
                                                          std::chrono::system_clock::time_point now) {
  try {
    RowValidation v = validate_row(row, now);
    if (!v.ok()) return v.error;
    return impl_->run([params = heartbeat_params(v.row)](db::Connection& c) {
      static const std::string sql = heartbeat_sql();
      c.exec(sql, params);
    });
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

std::optional<std::string> ProcessHealthWriter::mark_stopped(std::string_view process_id,
                                                             std::chrono::system_clock::time_point now) {
  try {
    const std::string id(trim(process_id));
    if (id.empty()) return std::string("process id is required");
    return impl_->run([params = db::Params{column_time(now), id}](db::Connection& c) {
      c.exec(kStopSql, params);
    });
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

const db::ConnectOptions& ProcessHealthWriter::connect_options() const noexcept { return impl_->options; }

std::chrono::milliseconds ProcessHealthWriter::bound() const noexcept { return impl_->bound; }

}  // namespace jetmon::health
