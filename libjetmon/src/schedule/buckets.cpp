#include "jetmon/schedule/buckets.hpp"

#include <algorithm>

namespace jetmon::schedule {

Assignment assign_buckets(std::vector<std::string> host_ids, int total, int target) {
  std::sort(host_ids.begin(), host_ids.end());
  host_ids.erase(std::unique(host_ids.begin(), host_ids.end()), host_ids.end());
  Assignment out;
  const long long hosts = static_cast<long long>(host_ids.size());
  out.over_target = hosts > 0 && total > 0 && hosts * std::max(target, 1) < total;
  int next = 0;
  long long remaining_hosts = hosts;
  for (std::string& id : host_ids) {
    const int remaining = std::max(0, total - next);
    BucketRange range;
    if (remaining > 0) {
      long long size = (remaining + remaining_hosts - 1) / remaining_hosts;
      if (!out.over_target) size = std::min<long long>(size, std::max(target, 1));
      range = {next, next + static_cast<int>(size) - 1};
      next += static_cast<int>(size);
    }
    --remaining_hosts;
    out.hosts.push_back({std::move(id), range});
  }
  return out;
}

std::optional<BucketRange> pinned_range(const config::Config& config) {
  if (auto pinned = config.pinned_range()) return BucketRange{pinned->min, pinned->max};
  return std::nullopt;
}

}  // namespace jetmon::schedule
