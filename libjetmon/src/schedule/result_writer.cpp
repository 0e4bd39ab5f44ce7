#include "jetmon/schedule/result_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/error.hpp"
#include "jetmon/db/retry.hpp"

namespace jetmon::schedule {
namespace {

std::string placeholders(std::size_t groups, std::string_view group) {
  std::string out;
  out.reserve(groups * (group.size() + 1));
  for (std::size_t i = 0; i < groups; ++i) {
    if (i > 0) out.push_back(',');
    out.append(group);
  }
  return out;
}

db::DateTime utc(std::chrono::system_clock::time_point tp) { return db::DateTime::from(tp); }

}  // namespace

CheckRecord record_of(std::uint64_t site_id, const check::CheckResult& result) {
  CheckRecord r;
  r.site_id = site_id;
  r.blog_id = result.blog_id;
  r.started_at = result.started_at;
  r.checked_at = std::chrono::system_clock::now();
  r.http_code = result.http_code;
  r.error_code = static_cast<int>(result.error_code);
  r.rtt_ms = result.rtt_ms;
  r.dns_ms = result.dns_ms;
  r.tcp_ms = result.tcp_ms;
  r.tls_ms = result.tls_ms;
  r.ttfb_ms = result.ttfb_ms;
  r.cert_not_after = result.cert_not_after;
  return r;
}

void write_check_batch(db::Connection& connection, std::span<const CheckRecord> batch) {
  if (batch.empty()) return;
  db::Transaction tx(connection);

  db::Params params;
  params.reserve(batch.size() * 9);
  std::string cases;
  for (const CheckRecord& r : batch) {
    cases += " WHEN ? THEN ?";
    params.emplace_back(r.site_id);
    params.emplace_back(utc(r.started_at));
  }
  for (const CheckRecord& r : batch) params.emplace_back(r.site_id);
  connection.exec("UPDATE jetpack_monitor_sites SET last_checked_at = CASE jetpack_monitor_site_id" +
                      cases + " END WHERE jetpack_monitor_site_id IN (" +
                      placeholders(batch.size(), "?") + ")",
                  params);

  params.clear();
  for (const CheckRecord& r : batch) {
    params.emplace_back(r.blog_id);
    params.emplace_back(r.http_code);
    params.emplace_back(r.error_code);
    params.emplace_back(r.rtt_ms);
    params.emplace_back(r.dns_ms);
    params.emplace_back(r.tcp_ms);
    params.emplace_back(r.tls_ms);
    params.emplace_back(r.ttfb_ms);
    params.emplace_back(utc(r.checked_at));
  }
  connection.exec(
      "INSERT INTO jetmon_check_history (blog_id, http_code, error_code, rtt_ms, dns_ms, tcp_ms, "
      "tls_ms, ttfb_ms, checked_at) VALUES " +
          placeholders(batch.size(), "(?,?,?,?,?,?,?,?,?)"),
      params);

  params.clear();
  cases.clear();
  std::size_t with_cert = 0;
  for (const CheckRecord& r : batch) {
    if (!r.cert_not_after) continue;
    cases += " WHEN ? THEN ?";
    params.emplace_back(r.site_id);
    params.emplace_back(utc(std::chrono::floor<std::chrono::days>(*r.cert_not_after)));
    ++with_cert;
  }
  if (with_cert > 0) {
    for (const CheckRecord& r : batch) {
      if (r.cert_not_after) params.emplace_back(r.site_id);
    }
    connection.exec("UPDATE jetpack_monitor_sites SET ssl_expiry_date = CASE jetpack_monitor_site_id" +
                        cases + " END WHERE jetpack_monitor_site_id IN (" +
                        placeholders(with_cert, "?") + ")",
                    params);
  }
  tx.commit();
}

struct ResultWriter::Impl {
  Connector connect;
  ResultWriterOptions options;
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable drained;
  std::deque<CheckRecord> queue;
  bool stopping = false;
  std::chrono::steady_clock::time_point give_up_at = std::chrono::steady_clock::time_point::max();
  ResultWriterStats stats;
  std::optional<db::Connection> connection;
  std::thread thread;

  void run() {
    int consecutive_failures = 0;
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait_for(lock, options.flush_interval, [&] {
        return stopping || queue.size() >= options.max_batch;
      });
      if (queue.empty()) {
        if (stopping) break;
        continue;
      }
      if (stopping && std::chrono::steady_clock::now() >= give_up_at) break;
      const std::size_t n = std::min(queue.size(), options.max_batch);
      std::vector<CheckRecord> batch(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
      lock.unlock();
      std::string error;
      try {
        if (!connection) connection.emplace(connect());
        write_check_batch(*connection, batch);
      } catch (const std::exception& e) {
        error = e.what();
        connection.reset();
      }
      lock.lock();
      if (error.empty()) {
        queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
        stats.written += n;
        stats.batches += 1;
        stats.last_error.clear();
        consecutive_failures = 0;
        drained.notify_all();
        continue;
      }
      ++stats.failed_attempts;
      stats.last_error = error;
      ++consecutive_failures;
      const auto wait = db::backoff_delay(consecutive_failures);
      log::warn("result writer: batch of {} failed ({}); retrying in {}s", n, error, wait.count());
      wake.wait_for(lock, wait, [&] {
        return stopping && std::chrono::steady_clock::now() >= give_up_at;
      });
    }
    drained.notify_all();
  }
};

ResultWriter::ResultWriter(Connector connect, ResultWriterOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->connect = std::move(connect);
  impl_->options = options;
  impl_->thread = std::thread([this] { impl_->run(); });
}

ResultWriter::~ResultWriter() { stop(std::chrono::seconds(5)); }

bool ResultWriter::enqueue(CheckRecord record) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping || impl_->queue.size() >= impl_->options.max_queue) return false;
    impl_->queue.push_back(std::move(record));
    if (impl_->queue.size() < impl_->options.max_batch) return true;
  }
  impl_->wake.notify_one();
  return true;
}

ResultWriterStats ResultWriter::stats() const {
  std::lock_guard lock(impl_->mutex);
  ResultWriterStats s = impl_->stats;
  s.queued = impl_->queue.size();
  return s;
}

bool ResultWriter::backlogged() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->queue.size() >= impl_->options.max_queue / 2;
}

std::size_t ResultWriter::stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopping) {
      impl_->stopping = true;
      impl_->give_up_at = std::chrono::steady_clock::now() + timeout;
    }
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  std::lock_guard lock(impl_->mutex);
  if (!impl_->queue.empty()) {
    log::error("result writer: {} check results could not be written before shutdown",
               impl_->queue.size());
  }
  return impl_->queue.size();
}

}  // namespace jetmon::schedule
