#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "jetmon/check/check.hpp"

namespace jetmon::db {
class Connection;
}

namespace jetmon::schedule {

// What the monitor stores for every check (monitor.md §3.5 steps 1-3).
struct CheckRecord {
  std::uint64_t site_id = 0;
  std::uint64_t blog_id = 0;
  std::chrono::system_clock::time_point started_at{};  // -> last_checked_at
  std::chrono::system_clock::time_point checked_at{};  // -> jetmon_check_history.checked_at
  int http_code = 0;
  int error_code = 0;
  std::int64_t rtt_ms = 0, dns_ms = 0, tcp_ms = 0, tls_ms = 0, ttfb_ms = 0;
  std::optional<std::chrono::system_clock::time_point> cert_not_after;  // -> ssl_expiry_date
};

CheckRecord record_of(std::uint64_t site_id, const check::CheckResult& result);

// Writes one batch in one transaction with three multi-row statements: last_checked_at for
// every site, a jetmon_check_history row for every check, ssl_expiry_date where a certificate
// was seen. Values travel as binds. Throws db::DbError; nothing is committed then.
void write_check_batch(db::Connection& connection, std::span<const CheckRecord> batch);

struct ResultWriterOptions {
  std::size_t max_batch = 500;
  std::chrono::milliseconds flush_interval{250};  // a partial batch waits at most this long
  std::size_t max_queue = 200000;                  // beyond it enqueue() refuses (back-pressure)
};

struct ResultWriterStats {
  std::size_t queued = 0;
  std::uint64_t written = 0;
  std::uint64_t batches = 0;
  std::uint64_t failed_attempts = 0;
  std::string last_error;  // empty once a batch succeeds again
};

// Batched result writes on their own thread, so the check loop never waits on the database.
// Batches go out in arrival order; a failed batch is retried (new connection, backoff 1 s doubling
// to 30 s) until it is written, so a database outage delays results but loses none.
class ResultWriter {
 public:
  using Connector = std::function<db::Connection()>;
  ResultWriter(Connector connect, ResultWriterOptions options = {});
  ~ResultWriter();  // stop(5 s)
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  // False when the queue is full or the writer is stopping; the caller keeps the record.
  bool enqueue(CheckRecord record);
  ResultWriterStats stats() const;
  // More than half of max_queue is waiting: producers should pause until the writer catches up.
  bool backlogged() const;
  // Writes what is queued (waiting up to `timeout` for the database), then stops the thread.
  // Returns the number of records that could not be written.
  std::size_t stop(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jetmon::schedule
