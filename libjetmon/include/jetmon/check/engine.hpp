#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "jetmon/check/check.hpp"

namespace jetmon::check {

struct EngineOptions {
  std::size_t max_in_flight = 60;       // NUM_WORKERS: checks running at once
  std::size_t max_pending = 1'000'000;  // submissions waiting for a slot; beyond it submit() refuses
  std::string ca_file;                  // empty: the system CA bundle
  // A check running longer than the linger threshold (at most this) is "lingering": it waits on
  // a slow or silent site at the cost of a socket and a few KB, so it stops counting against
  // max_in_flight and the next check starts. One slow site never holds up the others; the
  // deadline still ends it.
  std::chrono::milliseconds linger_after{2000};
  // While most checks end quickly, a check lingers sooner: after linger_factor × the median of
  // the last checks' durations, never before linger_floor (see adaptive_linger_after). A
  // linger_factor of 0 keeps linger_after.
  std::chrono::milliseconds linger_floor{250};
  std::size_t linger_factor = 8;
  // Ceiling on everything running, lingering and expect_slow included: max_in_flight × this.
  // 20 lets a round's known-failing tenth of 100 × max_in_flight sites all wait out their timeout
  // at once beside the ceiling (slow capacity 18 × max_in_flight).
  std::size_t max_lingering_factor = 20;
  // Transfers per libcurl multi handle. Each holds its sockets in a fixed 911-slot hash, so one
  // handle for ~10,000 open sockets made every lookup walk a chain; each also holds a socketpair.
  std::size_t transfers_per_lane = 512;
  // Sockets the engine may hold at once (one per running check), whatever the two above allow.
  // 0: socket_budget() of the process's open-file limit when the engine starts. Past the limit
  // a check would fail to open its socket and report a healthy site as unreachable.
  std::size_t max_open_sockets = 0;
};

// The sockets checks may use in a process allowed `open_file_limit` descriptors: all but an
// eighth (at least 128), which stays for everything else (database connections, the dashboard,
// notices, logs, libcurl's own). At least 1.
std::size_t socket_budget(std::uint64_t open_file_limit);

// The hard cap on checks running at once, lingering and expect_slow included: max_in_flight ×
// max_lingering_factor, within max_open_sockets (each counted as at least 1).
std::size_t running_cap(std::size_t max_in_flight, std::size_t max_lingering_factor, std::size_t max_open_sockets);

// How many expect_slow checks may run at once: the hard cap less twice the ceiling (room for the
// ceiling's own checks and as many again turning lingering), at least one.
std::size_t slow_check_capacity(std::size_t max_in_flight, std::size_t running_cap);

// When a check for the ceiling turns lingering: linger_factor × the median of `recent` (durations
// of recently ended checks, reordered in place), within [linger_floor, linger_after]. With no
// recent durations, linger_after.
std::chrono::milliseconds adaptive_linger_after(std::vector<std::chrono::milliseconds>& recent,
                                                std::chrono::milliseconds linger_floor,
                                                std::size_t linger_factor,
                                                std::chrono::milliseconds linger_after);

// Live figures for the dashboard and metrics.
struct EngineStats {
  std::size_t in_flight = 0;
  std::size_t pending = 0;
  std::uint64_t completed = 0;
  std::size_t lingering = 0;  // of in_flight: running past the linger threshold, outside the ceiling
  std::size_t slow = 0;       // of in_flight: submitted expect_slow, outside the ceiling
};

// Runs checks concurrently on one libuv loop thread driving libcurl's multi-socket interface.
// submit() may be called from any thread; the completion callback runs on the engine thread and
// must not block. Nothing on this path throws: every outcome is a CheckResult.
class Engine {
 public:
  using Completion = std::function<void(CheckResult&&)>;

  explicit Engine(EngineOptions options);
  ~Engine();  // stop(0) if still running
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a check; false when the engine is stopping or the pending queue is full.
  bool submit(CheckRequest request, Completion on_done);

  // Adjusts the in-flight ceiling (hot config reload); running checks are not interrupted.
  void set_max_in_flight(std::size_t max_in_flight);
  // The current ceiling (the dashboard's worker_count).
  std::size_t max_in_flight() const;
  // slow_check_capacity at the current ceiling. expect_slow checks beyond it wait in their own
  // queue; checks for the ceiling never wait behind them.
  std::size_t slow_capacity() const;

  EngineStats stats() const;

  // Stops accepting work, lets running checks finish for up to `grace`, then cancels the rest
  // (their callbacks get cancelled=true results), closes every handle and joins the loop thread.
  // Returns true when the loop closed cleanly. Idempotent. Called from a completion callback it
  // only requests the stop and returns false; the destructor then joins the loop thread.
  bool stop(std::chrono::milliseconds grace);

  struct Impl;  // defined in src/check/engine.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs one check synchronously on a private engine (CLI and tests).
CheckResult run_check(const CheckRequest& request, const EngineOptions& options = {});

}  // namespace jetmon::check
