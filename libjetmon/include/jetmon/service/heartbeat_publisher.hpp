#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "jetmon/health/entry.hpp"

// The one serialized publish routine of dashboard-fleet.md §5 (monitor) and §7.3 (deliverer): it
// feeds the dashboard and the jetmon_process_health row from the same snapshot, and its shutdown
// order guarantees that no late steady-state heartbeat can overwrite `stopping` or `stopped`.
namespace jetmon::service {

struct HeartbeatHooks {
  // Runs the dependency probes; called on the publishing thread, never on the check loop's.
  std::function<health::HealthList()> probe;
  // Builds one snapshot in `state` and hands it on (dashboard update, row upsert). `health` is
  // the latest probe list (empty before the first probe); `refreshed` says whether it is new.
  std::function<void(std::string_view state, const health::HealthList& health, bool refreshed)> deliver;
  // The row's stop write (state='stopped').
  std::function<void()> mark_stopped;
};

class HeartbeatPublisher {
 public:
  // `steady_state` is what the loop publishes: "running" (monitor, active deliverer) or "idle".
  HeartbeatPublisher(HeartbeatHooks hooks, std::chrono::milliseconds interval,
                     std::string steady_state = "running");
  ~HeartbeatPublisher();  // stops the loop if it still runs
  HeartbeatPublisher(const HeartbeatPublisher&) = delete;
  HeartbeatPublisher& operator=(const HeartbeatPublisher&) = delete;

  // §5 publish(state, refresh), serialized with every other publish. Once shutdown has begun a
  // steady-state publish does nothing and returns false.
  bool publish(std::string_view state, bool refresh);

  // One steady-state publish without probes, then a thread publishing with probes at once and
  // every `interval`.
  void start();

  // SIGINT/SIGTERM, first half: set the flag, stop the loop (an in-progress publish finishes
  // first), publish `stopping` without probes. Idempotent.
  void begin_shutdown();

  // Second half, once the service's work has stopped: publish `stopping` again, then mark the
  // row `stopped`. Idempotent; implies begin_shutdown().
  void finish_shutdown();

  // The latest probe list (empty before the first probe).
  health::HealthList last_health() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jetmon::service
