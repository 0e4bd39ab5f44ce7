#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>

// The per-contact hourly cap of dashboard-fleet.md §8.5: an in-process sliding window of one hour.
// Each process enforces its own window (as in Go), so N active deliverers could send up to N times
// max_per_hour. Thread-safe: sends run concurrently.
namespace jetmon::delivery::alert {

class RateCap {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kWindow = std::chrono::hours(1);

  // True (and the send is counted) when fewer than `max_per_hour` sends of this contact fall in the
  // hour before `now`; false when the contact is at its cap. max_per_hour ≤ 0 is unlimited and
  // counts nothing.
  bool try_consume(std::uint64_t contact_id, int max_per_hour, Clock::time_point now);

  // Contacts with a send in the window (for tests of the memory ceiling).
  std::size_t tracked_contacts() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, std::deque<Clock::time_point>> sent_;
  Clock::time_point last_sweep_{};
};

}  // namespace jetmon::delivery::alert
