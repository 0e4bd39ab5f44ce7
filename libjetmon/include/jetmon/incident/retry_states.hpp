#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "jetmon/incident/escalation.hpp"

namespace jetmon::incident {

// About 170 bytes per entry with the map's own overhead: the default ceiling is ~35 MB.
inline constexpr std::size_t kDefaultRetryCapacity = 200'000;

// The in-memory retry state of failing sites, keyed by blog_id (monitor.md §5). Its size is the
// `retry_queue_size` of process health and the `retry.queue.size` gauge. Bounded:
//  - an entry exists only while a site is failing: its first failure creates it; recovery, a
//    false alarm and a confirmed down erase it (a site that stays down starts a new entry with
//    its next failure, as in Go);
//  - entries of sites that are no longer checked here (deactivated, bucket moved to another host,
//    Veriflier votes that never came back) are dropped by expire_idle() and erase();
//  - put() refuses a new blog once `capacity` entries exist, so a mass failure (e.g. this host
//    lost its network) cannot grow the table without limit. Lost on restart; open events survive.
// Thread-safe; size() never blocks.
class RetryStates {
 public:
  explicit RetryStates(std::size_t capacity = kDefaultRetryCapacity);

  std::optional<RetryState> get(std::uint64_t blog_id) const;
  // Inserts or replaces; false (nothing stored) when the blog is new and the table is full.
  bool put(std::uint64_t blog_id, const RetryState& state);
  bool erase(std::uint64_t blog_id);
  // Erases the entries `drop` selects; returns how many.
  std::size_t forget_if(const std::function<bool(std::uint64_t blog_id, const RetryState&)>& drop);
  // Erases entries whose last_activity is more than max_idle before now; returns how many.
  std::size_t expire_idle(TimePoint now, std::chrono::seconds max_idle);

  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  void publish_size() { size_.store(entries_.size(), std::memory_order_relaxed); }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, RetryState> entries_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace jetmon::incident
