#include "delivery/alert_rate_cap.hpp"

namespace jetmon::delivery::alert {

bool RateCap::try_consume(std::uint64_t contact_id, int max_per_hour, Clock::time_point now) {
  if (max_per_hour <= 0) return true;
  std::lock_guard lock(mu_);
  const auto cutoff = now - kWindow;
  // Once per window, forget contacts that sent nothing within it: the map stays as large as the
  // set of recently active contacts.
  if (now - last_sweep_ >= kWindow) {
    for (auto it = sent_.begin(); it != sent_.end();) {
      it = (it->second.empty() || it->second.back() <= cutoff) ? sent_.erase(it) : std::next(it);
    }
    last_sweep_ = now;
  }
  auto& stamps = sent_[contact_id];
  while (!stamps.empty() && stamps.front() <= cutoff) stamps.pop_front();
  // A deque never grows past the largest cap it was checked against (a send is added only below
  // the cap), and a lowered cap keeps the history so a raised one later still counts it.
  if (stamps.size() >= static_cast<std::size_t>(max_per_hour)) return false;
  stamps.push_back(now);
  return true;
}

std::size_t RateCap::tracked_contacts() const {
  std::lock_guard lock(mu_);
  return sent_.size();
}

}  // namespace jetmon::delivery::alert
