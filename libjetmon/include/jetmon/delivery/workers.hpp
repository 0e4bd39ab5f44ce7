#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jetmon/delivery/row.hpp"
#include "jetmon/delivery/rules.hpp"

namespace jetmon::db {
class Pool;
}

// The delivery workers (dashboard-fleet.md §8, issue #6; docs/delivery.md): per family a
// dispatcher loop and a sender loop, with bounded concurrent sends. The same object runs in
// jetmon-deliverer and embedded in jetmon2.
namespace jetmon::delivery {

struct WorkerOptions {
  std::chrono::milliseconds tick{1000};        // both loops, when there is nothing more to do
  RetryLadder ladder;
  std::chrono::seconds lease{60};
  std::size_t max_in_flight = 8;               // sends at once per family (= sender threads)
  std::size_t per_subscriber = 3;              // sends at once per subscriber
  std::size_t claim_batch = 50;
  std::size_t dispatch_batch = 200;
  std::string instance_id = "shared";          // the progress mark (decision 8)
  std::chrono::milliseconds stop_grace{10000}; // stop() waits this long for in-flight sends
  bool dispatch = true;                        // false: senders only (tests, benchmarks)
};

struct WorkerStats {
  std::uint64_t enqueued = 0;  // rows the dispatcher inserted
  std::uint64_t claimed = 0;
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;
  std::uint64_t abandoned = 0;
  std::uint64_t cut_short = 0;  // sends stopped by shutdown, left to their lease
  std::size_t in_flight = 0;
};

class DeliveryWorkers {
 public:
  // A family runs iff its sender is non-null. `pool` and the senders must outlive the workers;
  // the pool should allow about 2 × max_in_flight + 4 connections (claims, lookups, writes).
  DeliveryWorkers(db::Pool& pool, RowSender* webhook_sender, RowSender* alert_sender,
                  WorkerOptions options = {});
  ~DeliveryWorkers();  // stop()
  DeliveryWorkers(const DeliveryWorkers&) = delete;
  DeliveryWorkers& operator=(const DeliveryWorkers&) = delete;

  void start();
  // Stops both loops of each family (no new claims or dispatches), waits up to stop_grace for
  // in-flight sends to finish and record their outcome, then cuts the rest short (their rows keep
  // the lease and are sent again after it). Returns the number cut short. Idempotent.
  std::size_t stop();

  bool running() const noexcept;
  bool runs(Family family) const noexcept;
  WorkerStats stats(Family family) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jetmon::delivery
