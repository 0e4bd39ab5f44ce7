#include "jetmon/incident/retry_states.hpp"

namespace jetmon::incident {

RetryStates::RetryStates(std::size_t capacity) : capacity_(capacity) {}

std::optional<RetryState> RetryStates::get(std::uint64_t blog_id) const {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(blog_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

bool RetryStates::put(std::uint64_t blog_id, const RetryState& state) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(blog_id);
  if (it != entries_.end()) {
    it->second = state;
    return true;
  }
  if (entries_.size() >= capacity_) return false;
  entries_.emplace(blog_id, state);
  publish_size();
  return true;
}

bool RetryStates::erase(std::uint64_t blog_id) {
  std::lock_guard lock(mutex_);
  const bool erased = entries_.erase(blog_id) > 0;
  publish_size();
  return erased;
}

std::size_t RetryStates::forget_if(
    const std::function<bool(std::uint64_t blog_id, const RetryState&)>& drop) {
  std::lock_guard lock(mutex_);
  const std::size_t erased =
      std::erase_if(entries_, [&](const auto& entry) { return drop(entry.first, entry.second); });
  publish_size();
  return erased;
}

std::size_t RetryStates::expire_idle(TimePoint now, std::chrono::seconds max_idle) {
  return forget_if([&](std::uint64_t, const RetryState& state) {
    return now - state.last_activity > max_idle;
  });
}

}  // namespace jetmon::incident
