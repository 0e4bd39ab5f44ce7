#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jetmon/schedule/buckets.hpp"

// The read-only SQL the rollout gates need (rollout.md §0 "SQL primitives", §3), behind an
// interface so every check is unit-tested with a fake and integration-tested on MariaDB.
// Implementations throw std::exception (db::DbError for MariaDB) when a query fails; the
// subcommand turns that into its FAIL line. Nothing here writes.
namespace jetmon::rollout {

using schedule::BucketRange;
using TimePoint = std::chrono::system_clock::time_point;

// One jetmon_hosts row (Q-overlap, Q-hosts).
struct HostLease {
  std::string host_id;
  int bucket_min = 0;
  int bucket_max = 0;
  TimePoint last_heartbeat{};
  std::string status;  // "active" or "draining"
  bool operator==(const HostLease&) const = default;
};

// One drifting site (§3 list query).
struct DriftRow {
  std::int64_t blog_id = 0;
  int bucket_no = 0;
  int site_status = 0;
  int expected_status = 0;
  std::optional<std::int64_t> event_id;
  std::int64_t open_event_count = 0;
  std::optional<std::string> event_state;
  bool operator==(const DriftRow&) const = default;
};

// One group of the §3 summary query.
struct DriftGroup {
  int bucket_no = 0;
  int site_status = 0;
  int expected_status = 0;
  std::optional<std::string> event_state;
  std::int64_t max_open_event_count = 0;
  std::int64_t drift_count = 0;
  std::int64_t sample_blog_id = 0;
  bool operator==(const DriftGroup&) const = default;
};

// A jetmon_process_health row as the gates read it (product decision 10).
struct ProcessHealthRecord {
  std::string process_id;
  std::string host_id;
  std::string process_type;  // "monitor" or "deliverer"
  std::string state;         // running, idle, stopping, stopped, …
  std::string health_status;
  std::string bucket_ownership;
  std::optional<int> bucket_min;
  std::optional<int> bucket_max;
  std::uint32_t pid = 0;
  std::string version;
  TimePoint updated_at{};
  bool operator==(const ProcessHealthRecord&) const = default;
};

class Queries {
 public:
  virtual ~Queries() = default;

  // Q-active: active sites with bucket_no in `range`.
  virtual std::int64_t active_sites(BucketRange range) = 0;
  // Q-fresh: those with last_checked_at >= cutoff.
  virtual std::int64_t active_sites_checked_since(BucketRange range, TimePoint cutoff) = 0;
  // Q-hostrow.
  virtual bool host_row_exists(const std::string& host_id) = 0;
  // Q-overlap: rows whose range intersects `range`, ordered by bucket_min, host_id.
  virtual std::vector<HostLease> overlapping_hosts(BucketRange range) = 0;
  // Q-hosts: every row, ordered by bucket_min (then host_id).
  virtual std::vector<HostLease> all_hosts() = 0;

  // §3: number of drifting sites, the first `limit` of them by (bucket_no, blog_id), and the
  // summary groups (at most `limit` groups, in the §3 order).
  virtual std::int64_t drift_count(BucketRange range) = 0;
  virtual std::vector<DriftRow> drift_rows(BucketRange range, std::int64_t limit) = 0;
  virtual std::vector<DriftGroup> drift_summary(BucketRange range, std::int64_t limit) = 0;

  // Every jetmon_process_health row of `host_id` (any process type), newest first.
  virtual std::vector<ProcessHealthRecord> process_health(const std::string& host_id) = 0;
};

}  // namespace jetmon::rollout
