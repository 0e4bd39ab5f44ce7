#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jetmon/check/check.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/incident/tracker.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "jetmon/schedule/sites.hpp"

namespace jetmon::db {
class Connection;
}

namespace jetmon::service {

struct IncidentWorkerDeps {
  std::function<db::Connection()> connect;  // the worker's own connection
  config::ConfigStore* config = nullptr;
  std::string hostname;
  // Timed local retries (decision 2): re-check this site now. False when it cannot start yet
  // (already running); the worker tries again a second later.
  std::function<bool(const schedule::Site&)> submit_retry;
  // Whether this monitor still owns a bucket. A timed retry of a site whose bucket a later claim
  // gave to another host is not started: its retry state is dropped here, and the new owner,
  // which checks the site in its own rounds, takes over the open event. Empty: every bucket.
  std::function<bool(int bucket_no)> owns_bucket;
  // Veriflier escalation: every configured Veriflier's answer. Blocks for up to the escalation's
  // deadline; called on the worker's escalation threads, never on the worker thread itself, and
  // should return early once `cancel` turns true (the worker is stopping). Empty: none can be
  // asked, which the tracker only requests when VERIFIERS is non-empty.
  std::function<std::vector<incident::VeriflierVote>(const incident::EscalateToVerifliers&,
                                                      const schedule::Site&,
                                                      const std::atomic<bool>& cancel)>
      ask_verifliers;
  // Escalations asked at once (one thread each, started as needed). A Veriflier checks the site
  // before it answers, so an escalation of a silent site takes its whole timeout; asked one at a
  // time, a few hundred sites going down together would wait hours for their verdicts. A C++
  // Veriflier serves 128 requests at once: four monitors asking 32 each (docs/veriflier.md).
  std::size_t max_escalations_at_once = 32;
  // WPCOM status change; empty: the notice is logged only.
  std::function<void(const incident::NotifyWpcom&)> notify;
  metrics::Sink* metrics = nullptr;  // detection.* metrics; null: none
  std::size_t max_queue = 100000;
  // Once a result is waiting, the worker gathers more for up to this long (or until a full group)
  // so a burst of failures shares one transaction and the worker wakes a few times a second
  // rather than once per result. Zero: handle results as soon as they arrive.
  std::chrono::milliseconds gather{100};
};

// Turns results into incidents off the check loop: the engine thread posts (non-blocking), one
// worker thread runs the IncidentTracker (events, projection, audit), tls_expiry events, the
// timed retries it asks for and WPCOM notices, in arrival order. Veriflier escalations run on
// their own threads, several at once; their votes come back to the worker thread.
class IncidentWorker {
 public:
  explicit IncidentWorker(IncidentWorkerDeps deps);
  ~IncidentWorker();  // stop()
  IncidentWorker(const IncidentWorker&) = delete;
  IncidentWorker& operator=(const IncidentWorker&) = delete;

  // Engine thread. False when the queue is full (the result is still written by the writer).
  bool post(const schedule::Site& site, const check::CheckResult& result);

  std::size_t retry_queue_size() const;  // failing sites tracked (dashboard retry_queue_size)
  std::size_t pending_retries() const;   // re-checks waiting for their time
  std::size_t queue_depth() const;

  // Finishes what is queued (bounded by `timeout`), drops pending retries (retry state is lost on
  // exit, as in the Go service; open events survive) and joins the thread.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Incident::SiteSnapshot of a fetched site row.
  static incident::SiteSnapshot snapshot_of(const schedule::Site& site);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jetmon::service
