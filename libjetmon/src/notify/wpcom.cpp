#include "jetmon/notify/wpcom.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "jetmon/common/host.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/error.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/incident/audit.hpp"
#include "jetmon/incident/vocabulary.hpp"
#include "common/http_post.hpp"
#include "notify/outbox.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::notify {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kBatch = 50;
constexpr int kPruneLimit = 1000;
constexpr auto kPruneEvery = std::chrono::hours(1);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr auto kStopGrace = std::chrono::milliseconds(5000);  // stop(): for the send in progress

// A flush send answered with one of these is a rejection of that notice, not an outage: the
// notice is given up and the flush goes on.
bool is_rejection(long http_code) {
  return http_code >= 400 && http_code < 500 && http_code != 408 && http_code != 429;
}

std::string metric(std::string_view suffix) { return fmt::format("wpcom.notification.{}", suffix); }
std::string status_metric(int status_id, std::string_view suffix) {
  return fmt::format("wpcom.notification.status.{}.{}", metrics::status_segment(status_id), suffix);
}

db::DateTime utc_now_seconds() {
  return db::DateTime::from(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

// One send's result as the notifier sees it.
struct PostResult {
  bool ok = false;     // a response with status < 400
  long http_code = 0;  // 0 when no response arrived
  std::string error;   // "wpcom returned <code>" or "post notification: <transport error>"
};

enum class StepKind { progress, idle, wait, db_error };
struct StepResult {
  StepKind kind = StepKind::idle;
  SteadyClock::time_point until{};  // for wait
};

}  // namespace

struct WpcomNotifier::Worker {
  Worker(db::Pool& p, metrics::Sink& m, NotifierOptions o)
      : pool(p), sink(m), options(std::move(o)), poster(&abort),
        breaker(options.breaker_threshold, options.breaker_open_for) {}

  db::Pool& pool;
  metrics::Sink& sink;
  NotifierOptions options;
  // stop(): `stop_requested` ends the batch after the send in progress; `abort` cuts that send
  // short, only once the stop grace has passed (a cut-short send may have reached WPCOM unrecorded).
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> abort{false};
  http::HttpPoster poster;

  // Hand-over state, guarded by `mu`.
  std::mutex mu;
  std::condition_variable wake_cv;
  std::condition_variable idle_cv;
  std::condition_variable finished_cv;  // stop() waits on it for `finished`
  std::deque<Notice> inbox;
  bool stopping = false;
  bool finished = false;  // the thread has left run()
  bool woken = false;  // something was submitted since the worker last looked
  bool busy = false;
  StepKind last = StepKind::progress;  // nothing settled yet: wait_idle() waits for a first step
  std::thread thread;

  // The work itself runs under `work_mu` (worker thread, or pump() on the caller's thread).
  std::mutex work_mu;
  struct Unrecorded {
    std::uint64_t id;
    std::uint64_t blog_id;
    db::DateTime at;
  };
  std::vector<Unrecorded> unrecorded;  // delivered, but the database did not take the record yet
  std::optional<SteadyClock::time_point> last_prune;

  mutable std::mutex breaker_mu;
  CircuitBreaker breaker;
  std::atomic<std::int64_t> queue_depth{0};

  // ---- breaker access ----
  CircuitBreaker::Decision admit() {
    std::lock_guard lock(breaker_mu);
    return breaker.admit(SteadyClock::now());
  }
  void breaker_failure() {
    std::lock_guard lock(breaker_mu);
    if (breaker.record_failure(SteadyClock::now()))
      log::warn("wpcom: circuit breaker opened after {} failures", breaker.consecutive_failures());
  }
  void breaker_success() {
    std::lock_guard lock(breaker_mu);
    breaker.record_success();
  }
  void breaker_reopen() {
    std::lock_guard lock(breaker_mu);
    breaker.reopen(SteadyClock::now());
  }
  SteadyClock::time_point open_until() const {
    std::lock_guard lock(breaker_mu);
    return breaker.open_until().value_or(SteadyClock::now());
  }

  // ---- one step of work ----
  StepResult step_safely() {
    std::lock_guard work(work_mu);
    try {
      return step();
    } catch (const std::exception& e) {
      log::error("wpcom: notifier: {}", e.what());
    } catch (...) {
      log::error("wpcom: notifier: unknown error");
    }
    return {StepKind::db_error, {}};
  }

  StepResult step() {
    auto lease = pool.acquire();
    db::Connection& c = *lease;

    // Deliveries whose record failed earlier are recorded before anything is sent again.
    while (!unrecorded.empty()) {
      const auto& u = unrecorded.front();
      outbox::mark_delivered(c, u.id, u.blog_id, u.at);
      unrecorded.erase(unrecorded.begin());
    }

    move_inbox_to_outbox(c);

    const auto now = SteadyClock::now();
    if (!last_prune || now - *last_prune >= kPruneEvery) {
      last_prune = now;
      const auto hours = std::chrono::duration_cast<std::chrono::hours>(options.retention).count();
      const auto removed = outbox::prune(c, options.host_id, hours, kPruneLimit);
      if (removed > 0) log::info("wpcom: pruned {} old outbox rows", removed);
    }

    const auto rows = outbox::next_rows(c, options.host_id, kBatch);
    if (rows.empty()) {
      refresh_depth(c);
      return {StepKind::idle, {}};
    }
    for (const auto& row : rows) {
      if (stop_requested.load()) return {StepKind::progress, {}};
      if (admit() == CircuitBreaker::Decision::queue) {
        queue_pending(c);
        refresh_depth(c);
        return {StepKind::wait, open_until()};
      }
      const bool stop_batch = row.state == "queued" ? send_flush(c, row) : send_fresh(c, row);
      refresh_depth(c);
      if (stop_batch) {
        if (stop_requested.load()) return {StepKind::progress, {}};
        queue_pending(c);  // the circuit is open: everything behind this row waits for the flush
        refresh_depth(c);
        return {StepKind::wait, open_until()};
      }
    }
    return {StepKind::progress, {}};
  }

  void move_inbox_to_outbox(db::Connection& c) {
    for (;;) {
      Notice n;
      {
        std::lock_guard lock(mu);
        if (inbox.empty()) return;
        n = std::move(inbox.front());
        inbox.pop_front();
      }
      try {
        outbox::NewNotice row;
        row.host_id = options.host_id;
        row.payload = build_payload(n);
        row.key = notice_key(options.host_id, row.payload);
        row.blog_id = n.blog_id;
        row.status_id = n.status_id;
        row.status_type = n.status_type;
        switch (outbox::insert(c, row)) {
          case outbox::InsertOutcome::inserted:
            break;
          case outbox::InsertOutcome::already_stored:
            log::info("wpcom: notice for blog_id={} status={} is already in the outbox", n.blog_id, n.status_id);
            break;
          case outbox::InsertOutcome::superseded:
            log::info("wpcom: notice for blog_id={} status={} replaces the blog's undelivered one", n.blog_id,
                      n.status_id);
            break;
        }
      } catch (const db::DbError&) {
        std::lock_guard lock(mu);
        inbox.push_front(std::move(n));  // kept, in order, for the next attempt
        throw;
      }
    }
  }

  void refresh_depth(db::Connection& c) { queue_depth.store(outbox::count_queued(c, options.host_id)); }

  // The circuit is open: every pending row of this host waits for the flush.
  void queue_pending(db::Connection& c) {
    constexpr int kChunk = kBatch * 4;
    for (;;) {
      const auto rows = outbox::pending_rows(c, options.host_id, kChunk);
      for (const auto& row : rows) {
        outbox::mark_queued(c, row.id);
        sink.increment(metric("queued.count"));
        sink.increment(status_metric(row.status_id, "queued.count"));
        log::info("wpcom: circuit open, notification queued blog_id={} status={}", row.blog_id, row.status_id);
      }
      if (rows.size() < static_cast<std::size_t>(kChunk)) return;
    }
  }

  // jetmon_audit_log through the incident module's writer (source local; errors only logged).
  static void audit(db::Connection& c, const outbox::Row& row, std::string_view type, std::string detail) {
    incident::AuditEntry entry;
    entry.blog_id = row.blog_id;
    entry.event_type = std::string(type);
    entry.source = std::string(incident::kLocalSource);
    entry.detail = std::move(detail);
    incident::write_audit(c, entry);
  }

  void audit_sent(db::Connection& c, const outbox::Row& row) {
    audit(c, row, incident::audit_events::wpcom_sent, fmt::format("status={} type={}", row.status_id, row.status_type));
    sink.increment(metric("attempt.count"));
    sink.increment(status_metric(row.status_id, "attempt.count"));
  }

  PostResult post(const outbox::Row& row) {
    const auto response = poster.post(
        options.url,
        {"Content-Type: application/json", fmt::format("Authorization: Bearer {}", options.auth_token)},
        row.payload, options.request_timeout);
    PostResult result;
    if (!response.transport_ok) {
      result.error = fmt::format("post notification: {}", response.error);
      return result;
    }
    result.http_code = response.status;
    if (response.status >= 400 || response.status <= 0) {
      result.error = fmt::format("wpcom returned {}", response.status);
      return result;
    }
    result.ok = true;
    return result;
  }

  void delivered(db::Connection& c, const outbox::Row& row) {
    sink.increment(metric("delivered.count"));
    sink.increment(status_metric(row.status_id, "delivered.count"));
    const auto at = utc_now_seconds();
    try {
      outbox::mark_delivered(c, row.id, row.blog_id, at);
    } catch (...) {
      unrecorded.push_back({row.id, row.blog_id, at});
      throw;
    }
    log::info("wpcom: notification delivered blog_id={} status={}", row.blog_id, row.status_id);
  }

  // A row never sent while the circuit was closed: monitor.md §8 send flow. Returns true when the
  // batch must stop (the circuit opened, or the notifier is stopping).
  bool send_fresh(db::Connection& c, outbox::Row row) {
    if (row.attempts == 0) audit_sent(c, row);
    outbox::mark_attempt(c, row.id, ++row.attempts);
    const PostResult first = post(row);
    // WPCOM took it: record that even when a stop came in meanwhile, or the next monitor sends it
    // again. Only a send that did not succeed is left as it was for the next monitor.
    if (!first.ok && abort.load()) return true;
    if (first.ok) {
      breaker_success();
      delivered(c, row);
      return false;
    }
    sink.increment(metric("error.count"));
    sink.increment(status_metric(row.status_id, "error.count"));
    sink.increment(metric("retry.count"));
    audit(c, row, incident::audit_events::wpcom_retry, first.error);
    outbox::record_error(c, row.id, first.error);
    log::warn("wpcom: notification blog_id={} status={} failed: {}; retrying", row.blog_id, row.status_id,
              first.error);
    breaker_failure();
    if (admit() == CircuitBreaker::Decision::queue) {
      // The failure opened the circuit: the retry is this same row, sent by the flush.
      outbox::mark_queued(c, row.id);
      sink.increment(metric("queued.count"));
      sink.increment(status_metric(row.status_id, "queued.count"));
      log::info("wpcom: circuit open, notification queued blog_id={} status={}", row.blog_id, row.status_id);
      return true;
    }
    outbox::mark_attempt(c, row.id, ++row.attempts);
    const PostResult second = post(row);
    // WPCOM took it: record that even when a stop came in meanwhile, or the next monitor sends it
    // again. Only a send that did not succeed is left as it was for the next monitor.
    if (!second.ok && abort.load()) return true;
    if (second.ok) {
      breaker_success();
      sink.increment(metric("retry.delivered.count"));
      delivered(c, row);
      return false;
    }
    sink.increment(metric("error.count"));
    sink.increment(status_metric(row.status_id, "error.count"));
    sink.increment(metric("failed.count"));
    sink.increment(status_metric(row.status_id, "failed.count"));
    breaker_failure();
    outbox::mark_failed(c, row.id, second.error);
    log::warn("wpcom: notification blog_id={} status={} failed after retry: {}; giving up", row.blog_id,
              row.status_id, second.error);
    return false;
  }

  // A row queued while the circuit was open, sent once by the flush. Returns true when the flush
  // must stop (the send failed: the circuit opens again and the row stays at the head).
  bool send_flush(db::Connection& c, outbox::Row row) {
    const bool retried = row.attempts > 0;
    if (row.attempts == 0) audit_sent(c, row);
    outbox::mark_attempt(c, row.id, ++row.attempts);
    const PostResult r = post(row);
    // WPCOM took it: record that even when a stop came in meanwhile, or the next monitor sends it
    // again. Only a send that did not succeed is left as it was for the next monitor.
    if (!r.ok && abort.load()) return true;
    if (r.ok) {
      breaker_success();
      if (retried) sink.increment(metric("retry.delivered.count"));
      delivered(c, row);
      return false;
    }
    sink.increment(metric("error.count"));
    sink.increment(status_metric(row.status_id, "error.count"));
    if (is_rejection(r.http_code)) {
      sink.increment(metric("failed.count"));
      sink.increment(status_metric(row.status_id, "failed.count"));
      outbox::mark_failed(c, row.id, r.error);
      log::warn("wpcom: queued notification blog_id={} status={} rejected: {}; giving up", row.blog_id,
                row.status_id, r.error);
      return false;
    }
    outbox::record_error(c, row.id, r.error);
    breaker_reopen();
    log::warn("wpcom: flush stopped at blog_id={} status={}: {}; circuit open again", row.blog_id, row.status_id,
              r.error);
    return true;
  }

  // ---- thread ----
  void run() {
    auto backoff = std::chrono::seconds(1);
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (stopping) break;
        woken = false;
        busy = true;
      }
      const StepResult r = step_safely();
      std::unique_lock lock(mu);
      busy = false;
      last = r.kind;
      if (r.kind == StepKind::progress) continue;
      idle_cv.notify_all();
      auto wake = [&] { return stopping || woken; };
      switch (r.kind) {
        case StepKind::idle:
          backoff = std::chrono::seconds(1);
          wake_cv.wait_for(lock, kPruneEvery, wake);
          break;
        case StepKind::wait:
          backoff = std::chrono::seconds(1);
          // Just after open_for has passed, admit() closes the circuit and the flush starts.
          wake_cv.wait_until(lock, r.until + std::chrono::milliseconds(1), wake);
          break;
        case StepKind::db_error:
          wake_cv.wait_for(lock, backoff, [&] { return stopping; });
          backoff = std::min<std::chrono::seconds>(backoff * 2, kMaxBackoff);
          break;
        case StepKind::progress: break;
      }
    }
    std::lock_guard lock(mu);
    busy = false;
    idle_cv.notify_all();
  }

  // Best effort at shutdown: notices not yet in the outbox are written there.
  void persist_inbox() noexcept {
    try {
      std::lock_guard work(work_mu);
      {
        std::lock_guard lock(mu);
        if (inbox.empty()) return;
      }
      auto lease = pool.acquire();
      move_inbox_to_outbox(*lease);
    } catch (const std::exception& e) {
      std::lock_guard lock(mu);
      log::error("wpcom: {} notices not written to the outbox at shutdown: {}", inbox.size(), e.what());
    } catch (...) {
    }
  }
};

WpcomNotifier::WpcomNotifier(db::Pool& pool, metrics::Sink& metrics, NotifierOptions options) {
  if (options.host_id.empty()) options.host_id = os_hostname();
  worker_ = std::make_unique<Worker>(pool, metrics, std::move(options));
}

WpcomNotifier::~WpcomNotifier() { stop(); }

void WpcomNotifier::start() {
  std::lock_guard lock(worker_->mu);
  if (worker_->thread.joinable() || worker_->stopping) return;
  worker_->thread = start_named_thread("jm-wpcom", [w = worker_.get()] {
    w->run();
    {
      std::lock_guard finished_lock(w->mu);
      w->finished = true;
    }
    w->finished_cv.notify_all();
  });
}

void WpcomNotifier::stop() noexcept {
  Worker& w = *worker_;
  {
    std::lock_guard lock(w.mu);
    w.stopping = true;
  }
  w.stop_requested.store(true);
  w.wake_cv.notify_all();
  // A send in progress gets a moment to finish and be recorded; past that it is cut short.
  {
    const auto grace = std::min<std::chrono::milliseconds>(w.options.request_timeout, kStopGrace);
    std::unique_lock lock(w.mu);
    if (w.thread.joinable()) w.finished_cv.wait_for(lock, grace, [&] { return w.finished; });
  }
  w.abort.store(true);
  if (w.thread.joinable()) w.thread.join();
  w.persist_inbox();
}

bool WpcomNotifier::submit(const Notice& notice) {
  Worker& w = *worker_;
  bool dropped = false;
  {
    std::lock_guard lock(w.mu);
    if (w.options.inbox_capacity > 0 && w.inbox.size() >= w.options.inbox_capacity) {
      log::warn("wpcom: inbox full, dropping oldest notice blog_id={}", w.inbox.front().blog_id);
      w.inbox.pop_front();
      dropped = true;
    }
    w.inbox.push_back(notice);
    w.woken = true;
  }
  w.wake_cv.notify_one();
  return !dropped;
}

bool WpcomNotifier::wpcom_circuit_open() const {
  std::lock_guard lock(worker_->breaker_mu);
  return worker_->breaker.is_open();
}

std::int64_t WpcomNotifier::wpcom_queue_depth() const { return worker_->queue_depth.load(); }

ProbeResult WpcomNotifier::probe() const { return wpcom_probe_result(wpcom_circuit_open(), wpcom_queue_depth()); }

bool WpcomNotifier::pump() {
  for (;;) {
    const StepResult r = worker_->step_safely();
    if (r.kind == StepKind::db_error) return false;
    if (r.kind != StepKind::progress) return true;
    if (worker_->stop_requested.load()) return true;
  }
}

bool WpcomNotifier::wait_idle(std::chrono::milliseconds timeout) {
  Worker& w = *worker_;
  std::unique_lock lock(w.mu);
  return w.idle_cv.wait_for(lock, timeout, [&] {
    return w.stopping || (!w.busy && !w.woken && w.inbox.empty() && w.last != StepKind::progress &&
                          w.last != StepKind::db_error);
  });
}

ProbeResult probe_wpcom(const WpcomNotifier* notifier) {
  if (notifier == nullptr) return {"red", "wpcom client is not initialized"};
  return notifier->probe();
}

}  // namespace jetmon::notify
