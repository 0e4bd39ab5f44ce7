#include "jetmon/service/incident_worker.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
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

struct Escalation {
  incident::EscalateToVerifliers request;
  schedule::Site site;
};

struct Answered {
  schedule::Site site;
  std::string request_id;
  std::vector<incident::VeriflierVote> votes;
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

  // Escalations: asked on up to deps.max_escalations_at_once threads of their own. One site has
  // at most one escalation awaiting votes (the tracker's retry state), so these stay bounded by
  // the sites being escalated.
  std::deque<Escalation> escalations;  // waiting for a thread
  std::deque<Answered> answered;       // votes back, for the worker thread
  std::condition_variable escalation_ready;
  std::vector<std::thread> askers;
  std::size_t idle_askers = 0;
  std::size_t asking = 0;
  std::atomic<bool> cancel_asks{false};

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
      escalate_later(*escalate, site);
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

  // A due retry of a site whose bucket this monitor no longer owns: forget the site's retry
  // state instead of checking it, so two monitors never drive one incident.
  bool moved_away(const schedule::Site& site) {
    if (!deps.owns_bucket || deps.owns_bucket(site.bucket_no)) return false;
    tracker.forget(site.blog_id);
    log::info("incident: blog_id={} is in bucket {}, no longer among this monitor's buckets: its retry "
              "and retry state are dropped, the bucket's new owner takes over its open event",
              site.blog_id, site.bucket_no);
    return true;
  }

  void escalate_later(const incident::EscalateToVerifliers& request, const schedule::Site& site) {
    std::lock_guard lock(mutex);
    escalations.push_back({request, site});
    if (escalations.size() > idle_askers && askers.size() < std::max<std::size_t>(1, deps.max_escalations_at_once)) {
      askers.push_back(start_named_thread("jm-escalate", [this] { ask_loop(); }));
    } else {
      escalation_ready.notify_one();
    }
  }

  // An escalation thread: asks the Verifliers and hands the votes to the worker thread.
  void ask_loop() {
    std::unique_lock lock(mutex);
    for (;;) {
      ++idle_askers;
      escalation_ready.wait(lock, [&] { return stopping || !escalations.empty(); });
      --idle_askers;
      if (stopping) return;
      Escalation job = std::move(escalations.front());
      escalations.pop_front();
      ++asking;
      lock.unlock();
      std::vector<incident::VeriflierVote> votes;
      try {
        votes = deps.ask_verifliers(job.request, job.site, cancel_asks);
      } catch (const std::exception& e) {
        // No votes: the tracker decides as when no Veriflier answers, so the site does not stay
        // awaiting votes that will never come (it would never escalate again).
        log::error("incident: blog_id={}: Veriflier escalation failed: {}", job.site.blog_id, e.what());
      }
      lock.lock();
      --asking;
      answered.push_back({std::move(job.site), job.request.request_id, std::move(votes)});
      wake.notify_all();
    }
  }

  void process_votes(std::vector<Answered>& items) {
    for (const Answered& item : items) {
      try {
        const auto next = tracker.on_veriflier_votes(db(), snapshot_of(item.site), item.request_id,
                                                     item.votes, Clock::now());
        emit(next);
        act(item.site, next, 1);
      } catch (const std::exception& e) {
        connection.reset();
        log::error("incident: blog_id={}: {}", item.site.blog_id, e.what());
      }
    }
  }

  metrics::Sink& sink() { return deps.metrics ? *deps.metrics : metrics::null_sink(); }
  void emit(const incident::Outcome& outcome) { emit_outcome_metrics(sink(), outcome, Clock::now()); }

  // Results waiting when the worker wakes are handled together (at most this many), so a burst
  // of failing sites shares the tracker's multi-row transactions.
  static constexpr std::size_t kMaxGroup = 256;

  // Retry state of a site that got no result for this long is dropped: the site left this host
  // (bucket moved, deactivated, deleted). A site still checked only loses what a restart loses;
  // its open event is found again from the fetch. Nothing else ever removed such entries.
  static constexpr std::chrono::hours kRetryStateMaxIdle{6};
  Clock::time_point next_housekeeping = Clock::now();

  // Once a minute, with `mutex` held: the expiry above, and a line while escalations wait for a
  // thread (in a mass outage they explain why Down notices come late).
  void housekeeping() {
    const auto now = Clock::now();
    if (now < next_housekeeping) return;
    next_housekeeping = now + std::chrono::minutes(1);
    if (const std::size_t dropped = tracker.expire_idle(now, kRetryStateMaxIdle)) {
      log::info("incident: dropped the retry state of {} site(s) without a result for {} h", dropped,
                kRetryStateMaxIdle.count());
    }
    if (!escalations.empty()) {
      log::info("incident: {} Veriflier escalation(s) waiting, {} being asked", escalations.size(), asking);
    }
  }

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
      wake.wait_until(lock, next_retry, [&] { return stopping || !queue.empty() || !answered.empty(); });
      if (stopping && ((queue.empty() && answered.empty() && asking == 0) || Clock::now() >= give_up_at)) {
        break;
      }
      housekeeping();
      while (!stopping && !retries.empty() && retries.top().at <= Clock::now()) {
        PendingRetry due = retries.top();
        retries.pop();
        lock.unlock();
        const bool done = moved_away(due.site) || (deps.submit_retry && deps.submit_retry(due.site));
        lock.lock();
        if (!done) retries.push({Clock::now() + std::chrono::seconds(1), due.site});
      }
      if (queue.empty() && answered.empty()) {
        // Stopping with escalations still being asked: every asker hands back votes and notifies
        // `wake` when it ends, so wait for that (or give_up_at).
        if (stopping) wake.wait_until(lock, give_up_at, [&] { return !answered.empty() || asking == 0; });
        continue;
      }
      if (!stopping && answered.empty() && deps.gather.count() > 0 && queue.size() < kMaxGroup) {
        wake.wait_for(lock, deps.gather,
                      [&] { return stopping || queue.size() >= kMaxGroup || !answered.empty(); });
      }
      std::vector<Answered> votes(std::make_move_iterator(answered.begin()),
                                  std::make_move_iterator(answered.end()));
      answered.clear();
      std::vector<Posted> group;
      while (!queue.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      lock.unlock();
      process_votes(votes);
      if (!group.empty()) process(group);
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
  impl_->escalation_ready.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  // Votes that come back now are dropped with the rest of the retry state (see stop()).
  impl_->cancel_asks.store(true);
  for (std::thread& asker : impl_->askers) {
    if (asker.joinable()) asker.join();
  }
}

}  // namespace jetmon::service
