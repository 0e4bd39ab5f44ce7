#pragma once

#include <chrono>
#include <string>

#include "jetmon/schedule/buckets.hpp"

namespace jetmon::db {
class Connection;
}

namespace jetmon::schedule {

// What this host owns after a claim.
struct Ownership {
  BucketRange range;
  bool pinned = false;
  bool over_target = false;  // dynamic: the fleet is too small for BUCKET_TARGET (amber)
  int active_hosts = 1;      // dynamic: hosts sharing the bucket space, this one included
  std::string label;         // "pinned range=<a>-<b>" or "dynamic jetmon_hosts"
};

// Dynamic bucket ownership through jetmon_hosts (monitor.md §3.2 with product decision 3):
//  - register(): upserts this host's own row (heartbeat) so peers can see it;
//  - claim(): one transaction that expires peers whose heartbeat is older than the grace,
//    locks every row, assigns contiguous ranges over the active hosts (assign_buckets) and
//    writes each changed range; only this host's heartbeat is refreshed, so a crashed peer
//    really expires;
//  - drain() marks this host 'draining' (peers stop counting it at their next claim) and
//    release() deletes its row.
// An empty range is stored as bucket_min=1, bucket_max=0 (the columns are unsigned).
// Pinned hosts never use this class: they must not touch jetmon_hosts.
class DynamicLease {
 public:
  explicit DynamicLease(std::string host_id);

  void register_host(db::Connection& connection);
  Ownership claim(db::Connection& connection, int bucket_total, int bucket_target,
                  int heartbeat_grace_sec);
  void drain(db::Connection& connection);
  void release(db::Connection& connection);

  const std::string& host_id() const { return host_id_; }

 private:
  std::string host_id_;
};

// Pinned mode: the configured range, no database.
Ownership pinned_ownership(const BucketRange& range);

}  // namespace jetmon::schedule
