#pragma once

#include <string>

#include "jetmon/rollout/queries.hpp"

namespace jetmon::db {
class Connection;
}

// rollout::Queries over one MariaDB session (rollout.md §0 "SQL primitives", §3, product decision
// 10): plain SELECTs through prepared statements, nothing else. Every statement is read-only; the
// drift count is schedule::count_projection_drift, and the drift list and summary are built on the
// same per-site derivation (schedule::projection_drift_sites_sql). Query failures throw
// db::DbError. The connection must outlive this object and is used by one thread at a time.
namespace jetmon::rollout {

class MariaDbQueries : public Queries {
 public:
  explicit MariaDbQueries(db::Connection& connection) : connection_(connection) {}

  std::int64_t active_sites(BucketRange range) override;
  std::int64_t active_sites_checked_since(BucketRange range, TimePoint cutoff) override;
  bool host_row_exists(const std::string& host_id) override;
  std::vector<HostLease> overlapping_hosts(BucketRange range) override;
  std::vector<HostLease> all_hosts() override;
  std::int64_t drift_count(BucketRange range) override;
  // A limit <= 0 (or an empty range) answers no rows without a query.
  std::vector<DriftRow> drift_rows(BucketRange range, std::int64_t limit) override;
  std::vector<DriftGroup> drift_summary(BucketRange range, std::int64_t limit) override;
  std::vector<ProcessHealthRecord> process_health(const std::string& host_id) override;

 private:
  db::Connection& connection_;
};

// The statements, for EXPLAIN in tests. Placeholders, in order:
namespace sql {
const std::string& active_sites();                // bucket min, bucket max
const std::string& active_sites_checked_since();  // bucket min, bucket max, cutoff (UTC)
const std::string& host_row();                    // host_id
const std::string& overlapping_hosts();           // bucket max, bucket min
const std::string& all_hosts();                   // —
const std::string& drift_rows();                  // projection_drift_params(range), limit
const std::string& drift_summary();               // projection_drift_params(range), limit
const std::string& process_health();              // host_id
}  // namespace sql

}  // namespace jetmon::rollout
