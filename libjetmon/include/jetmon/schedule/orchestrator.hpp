#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "jetmon/check/check.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/schedule/lease.hpp"
#include "jetmon/schedule/sites.hpp"

namespace jetmon::check {
class Engine;
}
namespace jetmon::db {
class Connection;
}
namespace jetmon::metrics {
class Sink;
}

namespace jetmon::schedule {

class ResultWriter;

// Figures of the last completed round and of the running one, for the dashboard and metrics.
struct RoundStats {
  std::uint64_t rounds_completed = 0;
  std::int64_t sites_per_sec = 0;        // last completed round: floor(results / seconds)
  std::int64_t round_duration_ms = 0;    // last completed round
  std::uint64_t last_round_due = 0;      // sites fetched as due in the last round
  std::uint64_t last_round_checked = 0;  // results received in the last round
  std::int64_t last_round_lateness_ms = 0;  // how late the round started vs. its schedule
  std::uint64_t current_round_due = 0;
  std::uint64_t current_round_checked = 0;
  std::uint64_t results_total = 0;       // every result processed since start (stats/totals)
  std::uint64_t skipped_in_flight = 0;   // due sites skipped because a check of them was running
  // The last projection drift check (monitor.md §3.1 step 3): the count, or -1 when the
  // projection is off, no check ran yet, or the last one failed.
  std::int64_t projection_drift = -1;
};

struct OrchestratorSnapshot {
  Ownership ownership;
  RoundStats rounds;
  std::size_t in_flight = 0;   // checks running in the engine
  std::size_t queue_depth = 0; // checks waiting for an engine slot
  std::size_t writer_queue = 0;
};

// Receives every result (round checks and retries) on the engine thread; must not block.
using ResultHandler = std::function<void(const Site& site, const check::CheckResult& result)>;

struct OrchestratorDeps {
  config::ConfigStore* config = nullptr;
  check::Engine* engine = nullptr;
  ResultWriter* writer = nullptr;
  std::function<db::Connection()> connect;  // a dedicated connection for fetches and leases
  std::string host_id;
  ResultHandler on_result;  // optional: escalation, tls_expiry, metrics
  metrics::Sink* metrics = nullptr;  // optional: the projection drift metrics
  // Called on the orchestrator thread after every round that checked at least one site
  // (round metrics, stats files, memory pressure).
  std::function<void(const OrchestratorSnapshot&)> on_round_complete;
};

// The round loop of monitor.md §3 with product decision 1: each round is a pass over every due
// active site of the owned buckets, fetched page by page (DATASET_SIZE), submitted to the check
// engine without waiting for earlier pages beyond a bound, rounds starting no more often than
// MIN_TIME_BETWEEN_ROUNDS_SEC. Results are written by the ResultWriter and handed to
// `on_result`. A site is never checked twice at once (retries included).
class Orchestrator {
 public:
  explicit Orchestrator(OrchestratorDeps deps);
  ~Orchestrator();
  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;

  // The first ownership claim (fatal for the service when it throws).
  Ownership claim_initial();
  // Runs rounds until stop(); returns after the current round's submissions are done or
  // abandoned. Call from the orchestrator thread.
  void run();
  // Asks run() to return: no new pages or rounds; checks already in the engine are finished
  // by the engine's own stop.
  void stop();

  // Submits a local re-check of a site now (timed retries); false when it is already running
  // or the engine refuses.
  bool submit_retry(const Site& site);

  OrchestratorSnapshot snapshot() const;
  // Whether the last claim gave this monitor `bucket`.
  bool owns_bucket(int bucket) const;

  // Dynamic mode: mark this host draining and delete its row (shutdown steps 4 and 6).
  void drain_lease();
  void release_lease();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jetmon::schedule
