#include "jetmon/service/incident_worker.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>
#include <variant>
#include <vector>

#include "jetmon/common/log.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/incident/tls_expiry.hpp"
#include "jetmon/service/detection_metrics.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::service {
namespace {

using Clock = std::chrono::system_clock;

struct PendingRetry {
  Clock::time_point at;
  schedule::Site site;
  bool operator>(const PendingRetry& other) const { return at > other.at; }
};

struct Posted {
  schedule::Site site;
  check::CheckResult result;
};

}  // namespace

incident::SiteSnapshot IncidentWorker::snapshot_of(const schedule::Site& site) {
  incident::SiteSnapshot s;
  s.blog_id = site.blog_id;
  s.monitor_url = site.monitor_url;
  s.maintenance_start = site.maintenance_start;
  s.maintenance_end = site.maintenance_end;
  s.alert_cooldown_minutes = site.alert_cooldown_minutes;
  s.last_alert_sent_at = site.last_alert_sent_at;
  s.open_http_event_known = true;
  s.open_http_event_id = site.open_http_event_id;
  return s;
}

struct IncidentWorker::Impl {
  IncidentWorkerDeps deps;
  incident::IncidentTracker tracker;
  std::optional<db::Connection> connection;

  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<Posted> queue;
  std::priority_queue<PendingRetry, std::vector<PendingRetry>, std::greater<>> retries;
  bool stopping = false;
  Clock::time_point give_up_at = Clock::time_point::max();
  std::thread thread;

  static incident::TrackerOptions tracker_options(const IncidentWorkerDeps& d) {
    incident::TrackerOptions o;
    o.hostname = d.hostname;
    o.settings = incident::EscalationSettings::from(*d.config->current());
    return o;
  }

  explicit Impl(IncidentWorkerDeps d) : deps(std::move(d)), tracker(tracker_options(deps)) {}

  db::Connection& db() {
    if (connection && connection->broken()) connection.reset();
    if (!connection) connection.emplace(deps.connect());
    return *connection;
  }

  void act(const schedule::Site& site, const incident::Outcome& outcome, int depth) {
    if (const auto* retry = std::get_if<incident::ScheduleRetry>(&outcome.action)) {
      std::lock_guard lock(mutex);
      retries.push({retry->at, site});
      return;
    }
    if (const auto* escalate = std::get_if<incident::EscalateToVerifliers>(&outcome.action)) {
      if (!deps.ask_verifliers || depth > 0) {
        log::warn("incident: blog_id={} needs a Veriflier escalation but no client is available",
                  site.blog_id);
        return;
      }
      const auto votes = deps.ask_verifliers(*escalate, site);
      const auto next = tracker.on_veriflier_votes(db(), snapshot_of(site), escalate->request_id, votes,
                                                   Clock::now());
      emit(next);
      act(site, next, depth + 1);
      return;
    }
    if (const auto* notice = std::get_if<incident::NotifyWpcom>(&outcome.action)) {
      if (deps.notify) {
        deps.notify(*notice);
      } else {
        log::info("incident: WPCOM notice status_id={} status_type={} for blog_id={} (no notifier)",
                  notice->status_id, notice->status_type, notice->blog_id);
      }
    }
  }

  metrics::Sink& sink() { return deps.metrics ? *deps.metrics : metrics::null_sink(); }
  void emit(const incident::Outcome& outcome) { emit_outcome_metrics(sink(), outcome, Clock::now()); }

  // Results waiting when the worker wakes are handled together (at most this many), so a burst
  // of failing sites shares the tracker's multi-row transactions.
  static constexpr std::size_t kMaxGroup = 256;

  void process(std::vector<Posted>& items) {
    const auto now = Clock::now();
    tracker.update_settings(incident::EscalationSettings::from(*deps.config->current()));
    std::vector<incident::SiteResult> inputs;
    inputs.reserve(items.size());
    for (const Posted& item : items) {
      emit_result_metrics(sink(), item.result);
      inputs.push_back({snapshot_of(item.site), item.result});
    }
    std::vector<incident::Outcome> outcomes;
    try {
      outcomes = tracker.on_results(db(), inputs, now);
    } catch (const std::exception& e) {
      connection.reset();
      log::error("incident: {} result(s) (first blog_id={}) not processed: {}", items.size(),
                 items.front().site.blog_id, e.what());
      return;
    }
    for (std::size_t k = 0; k < items.size(); ++k) {
      const Posted& item = items[k];
      try {
        emit(outcomes[k]);
        if (item.result.cert_not_after &&
            incident::tls_expiry_needs_apply(item.site.has_open_tls_expiry_event,
                                             *item.result.cert_not_after, now)) {
          incident::apply_tls_expiry(tracker.event_store(), db(), item.site.blog_id,
                                     *item.result.cert_not_after, now);
        }
        act(item.site, outcomes[k], 0);
      } catch (const std::exception& e) {
        connection.reset();
        log::error("incident: blog_id={}: {}", item.site.blog_id, e.what());
      }
    }
  }

  void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      const auto next_retry = retries.empty() ? Clock::now() + std::chrono::seconds(1) : retries.top().at;
      wake.wait_until(lock, next_retry, [&] { return stopping || !queue.empty(); });
      if (stopping && (queue.empty() || Clock::now() >= give_up_at)) break;
      while (!stopping && !retries.empty() && retries.top().at <= Clock::now()) {
        PendingRetry due = retries.top();
        retries.pop();
        lock.unlock();
        const bool started = deps.submit_retry && deps.submit_retry(due.site);
        lock.lock();
        if (!started) retries.push({Clock::now() + std::chrono::seconds(1), due.site});
      }
      if (queue.empty()) continue;
      if (!stopping && deps.gather.count() > 0 && queue.size() < kMaxGroup) {
        wake.wait_for(lock, deps.gather, [&] { return stopping || queue.size() >= kMaxGroup; });
      }
      std::vector<Posted> group;
      while (!queue.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      lock.unlock();
      process(group);
      lock.lock();
    }
  }
};

IncidentWorker::IncidentWorker(IncidentWorkerDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {
  impl_->thread = start_named_thread("jm-incidents", [this] { impl_->run(); });
}

IncidentWorker::~IncidentWorker() { stop(); }

bool IncidentWorker::post(const schedule::Site& site, const check::CheckResult& result) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping || impl_->queue.size() >= impl_->deps.max_queue) return false;
    impl_->queue.push_back({site, result});
    // The worker waits for the first item, then for a full group (or its gather time).
    if (impl_->queue.size() != 1 && impl_->queue.size() != Impl::kMaxGroup) return true;
  }
  impl_->wake.notify_one();
  return true;
}

std::size_t IncidentWorker::retry_queue_size() const { return impl_->tracker.retry_queue_size(); }

std::size_t IncidentWorker::pending_retries() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->retries.size();
}

std::size_t IncidentWorker::queue_depth() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->queue.size();
}

void IncidentWorker::stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopping) {
      impl_->stopping = true;
      impl_->give_up_at = Clock::now() + timeout;
    }
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace jetmon::service
