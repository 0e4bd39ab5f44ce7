#include "jetmon/rollout/mariadb_queries.hpp"

#include <chrono>

#include "jetmon/db/connection.hpp"
#include "jetmon/schedule/projection_drift.hpp"

namespace jetmon::rollout {
namespace {

// host_id is compared byte for byte (rollout.md §0: case-sensitively), while the column's
// collation is case- and trailing-space-insensitive: the first term finds the candidates through
// the index, the second keeps the exact match.
constexpr const char* kExactHost = "host_id = ? AND CAST(host_id AS BINARY) = CAST(? AS BINARY)";

constexpr const char* kLeaseColumns = "SELECT host_id, bucket_min, bucket_max, last_heartbeat, status FROM jetmon_hosts";

TimePoint time_or_zero(const db::Row& row, std::size_t i) {
  const auto t = row.get_datetime(i);
  return t ? std::chrono::time_point_cast<TimePoint::duration>(t->time) : TimePoint{};
}

int int_of(const db::Row& row, std::size_t i) { return static_cast<int>(row.get_int64(i).value_or(0)); }

std::vector<HostLease> leases(const std::vector<db::Row>& rows) {
  std::vector<HostLease> out;
  out.reserve(rows.size());
  for (const db::Row& row : rows) {
    out.push_back(HostLease{row.get_string(0).value_or(""), int_of(row, 1), int_of(row, 2), time_or_zero(row, 3),
                            row.get_string(4).value_or("")});
  }
  return out;
}

db::Params drift_params(BucketRange range, std::int64_t limit) {
  db::Params params = schedule::projection_drift_params(range);
  params.emplace_back(limit);
  return params;
}

}  // namespace

namespace sql {

const std::string& active_sites() {
  static const std::string text =
      "SELECT COUNT(*) FROM jetpack_monitor_sites WHERE monitor_active = 1 AND bucket_no BETWEEN ? AND ?";
  return text;
}

const std::string& active_sites_checked_since() {
  static const std::string text = active_sites() + " AND last_checked_at >= ?";
  return text;
}

const std::string& host_row() {
  static const std::string text = std::string("SELECT 1 FROM jetmon_hosts WHERE ") + kExactHost + " LIMIT 1";
  return text;
}

const std::string& overlapping_hosts() {
  static const std::string text =
      std::string(kLeaseColumns) + " WHERE bucket_min <= ? AND bucket_max >= ? ORDER BY bucket_min, host_id";
  return text;
}

const std::string& all_hosts() {
  static const std::string text = std::string(kLeaseColumns) + " ORDER BY bucket_min, host_id";
  return text;
}

const std::string& drift_rows() {
  static const std::string text =
      "SELECT blog_id, bucket_no, site_status, expected_status, event_id, open_event_count, event_state FROM (" +
      schedule::projection_drift_sites_sql() +
      ") drift ORDER BY bucket_no, blog_id, jetpack_monitor_site_id LIMIT ?";
  return text;
}

const std::string& drift_summary() {
  static const std::string text =
      "SELECT bucket_no, site_status, expected_status, event_state, MAX(open_event_count) AS max_open_event_count, "
      "COUNT(*) AS drift_count, MIN(blog_id) AS sample_blog_id FROM (" +
      schedule::projection_drift_sites_sql() +
      ") drift GROUP BY bucket_no, site_status, expected_status, event_state "
      "ORDER BY drift_count DESC, bucket_no, site_status, expected_status, event_state LIMIT ?";
  return text;
}

const std::string& process_health() {
  static const std::string text =
      std::string("SELECT process_id, host_id, process_type, state, health_status, bucket_ownership, bucket_min, "
                  "bucket_max, pid, version, updated_at FROM jetmon_process_health WHERE ") +
      kExactHost + " ORDER BY updated_at DESC, process_id";
  return text;
}

}  // namespace sql

std::int64_t MariaDbQueries::active_sites(BucketRange range) {
  const auto value = connection_.query_scalar(sql::active_sites(), {range.min, range.max});
  return value ? value->as_int64().value_or(0) : 0;
}

std::int64_t MariaDbQueries::active_sites_checked_since(BucketRange range, TimePoint cutoff) {
  const auto value =
      connection_.query_scalar(sql::active_sites_checked_since(), {range.min, range.max, db::DateTime::from(cutoff)});
  return value ? value->as_int64().value_or(0) : 0;
}

bool MariaDbQueries::host_row_exists(const std::string& host_id) {
  return connection_.query_one(sql::host_row(), {host_id, host_id}).has_value();
}

std::vector<HostLease> MariaDbQueries::overlapping_hosts(BucketRange range) {
  return leases(connection_.query(sql::overlapping_hosts(), {range.max, range.min}));
}

std::vector<HostLease> MariaDbQueries::all_hosts() { return leases(connection_.query(sql::all_hosts())); }

std::int64_t MariaDbQueries::drift_count(BucketRange range) {
  return schedule::count_projection_drift(connection_, range);
}

std::vector<DriftRow> MariaDbQueries::drift_rows(BucketRange range, std::int64_t limit) {
  std::vector<DriftRow> out;
  if (range.empty() || limit <= 0) return out;
  for (const db::Row& row : connection_.query(sql::drift_rows(), drift_params(range, limit))) {
    out.push_back(DriftRow{row.get_int64(0).value_or(0), int_of(row, 1), int_of(row, 2), int_of(row, 3),
                           row.get_int64(4), row.get_int64(5).value_or(0), row.get_string(6)});
  }
  return out;
}

std::vector<DriftGroup> MariaDbQueries::drift_summary(BucketRange range, std::int64_t limit) {
  std::vector<DriftGroup> out;
  if (range.empty() || limit <= 0) return out;
  for (const db::Row& row : connection_.query(sql::drift_summary(), drift_params(range, limit))) {
    out.push_back(DriftGroup{int_of(row, 0), int_of(row, 1), int_of(row, 2), row.get_string(3),
                             row.get_int64(4).value_or(0), row.get_int64(5).value_or(0),
                             row.get_int64(6).value_or(0)});
  }
  return out;
}

std::vector<ProcessHealthRecord> MariaDbQueries::process_health(const std::string& host_id) {
  std::vector<ProcessHealthRecord> out;
  for (const db::Row& row : connection_.query(sql::process_health(), {host_id, host_id})) {
    ProcessHealthRecord p;
    p.process_id = row.get_string(0).value_or("");
    p.host_id = row.get_string(1).value_or("");
    p.process_type = row.get_string(2).value_or("");
    p.state = row.get_string(3).value_or("");
    p.health_status = row.get_string(4).value_or("");
    p.bucket_ownership = row.get_string(5).value_or("");
    if (const auto min = row.get_int64(6)) p.bucket_min = static_cast<int>(*min);
    if (const auto max = row.get_int64(7)) p.bucket_max = static_cast<int>(*max);
    p.pid = static_cast<std::uint32_t>(row.get_uint64(8).value_or(0));
    p.version = row.get_string(9).value_or("");
    p.updated_at = time_or_zero(row, 10);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace jetmon::rollout
