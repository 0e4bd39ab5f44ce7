#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jetmon/config/config.hpp"

// Which buckets a monitor checks (monitor.md §3.2, product decision 3).
namespace jetmon::schedule {

struct BucketRange {
  int min = 0;
  int max = -1;  // inclusive; max < min means "no buckets"
  bool empty() const { return max < min; }
  bool contains(int bucket) const { return bucket >= min && bucket <= max; }
  bool operator==(const BucketRange&) const = default;
};

struct HostAssignment {
  std::string host_id;
  BucketRange range;  // empty when there are more hosts than buckets
  bool operator==(const HostAssignment&) const = default;
};

struct Assignment {
  std::vector<HostAssignment> hosts;  // in host_id byte order
  // hosts × BUCKET_TARGET < BUCKET_TOTAL: the ranges were spread past the target so that no bucket
  // is left without an owner; the host summary shows this as an amber issue.
  bool over_target = false;
};

// Contiguous ranges from bucket 0 in host_id byte order: each host gets
// ceil(remaining buckets / remaining hosts), capped at `target` unless that would leave buckets
// without an owner. Every bucket of 0..total-1 is owned by exactly one host; hosts beyond the
// number of buckets get an empty range. Duplicate ids are assigned once.
Assignment assign_buckets(std::vector<std::string> host_ids, int total, int target);

// The configured pinned range, if any (PINNED_BUCKET_* or the legacy BUCKET_NO_* pair).
std::optional<BucketRange> pinned_range(const config::Config& config);

}  // namespace jetmon::schedule
