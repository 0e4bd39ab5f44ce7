#include "jetmon/schedule/lease.hpp"

#include <fmt/format.h>

#include <map>

#include "jetmon/db/connection.hpp"

namespace jetmon::schedule {
namespace {

constexpr int kEmptyMin = 1;
constexpr int kEmptyMax = 0;

int stored_min(const BucketRange& r) { return r.empty() ? kEmptyMin : r.min; }
int stored_max(const BucketRange& r) { return r.empty() ? kEmptyMax : r.max; }

}  // namespace

DynamicLease::DynamicLease(std::string host_id) : host_id_(std::move(host_id)) {}

void DynamicLease::register_host(db::Connection& connection) {
  connection.exec(
      "INSERT INTO jetmon_hosts (host_id, bucket_min, bucket_max, last_heartbeat, status) "
      "VALUES (?, ?, ?, NOW(), 'active') "
      "ON DUPLICATE KEY UPDATE last_heartbeat = NOW(), status = 'active'",
      {host_id_, kEmptyMin, kEmptyMax});
}

Ownership DynamicLease::claim(db::Connection& connection, int bucket_total, int bucket_target,
                              int heartbeat_grace_sec) {
  register_host(connection);
  db::Transaction tx(connection);
  connection.exec(
      "DELETE FROM jetmon_hosts WHERE last_heartbeat < DATE_SUB(NOW(), INTERVAL ? SECOND) "
      "AND host_id <> ?",
      {heartbeat_grace_sec, host_id_});
  // Locking every row (in primary-key order) serializes concurrent claims.
  const auto rows = connection.query(
      "SELECT host_id, bucket_min, bucket_max, status FROM jetmon_hosts ORDER BY host_id FOR UPDATE");
  std::vector<std::string> active{host_id_};
  std::map<std::string, BucketRange, std::less<>> stored;
  for (const auto& row : rows) {
    const std::string id = row.get_string(0).value_or("");
    stored[id] = BucketRange{static_cast<int>(row.get_int64(1).value_or(kEmptyMin)),
                             static_cast<int>(row.get_int64(2).value_or(kEmptyMax))};
    if (id != host_id_ && row.get_string(3).value_or("") == "active") active.push_back(id);
  }
  const Assignment assignment = assign_buckets(active, bucket_total, bucket_target);
  Ownership own;
  own.over_target = assignment.over_target;
  own.active_hosts = static_cast<int>(assignment.hosts.size());
  own.label = "dynamic jetmon_hosts";
  for (const HostAssignment& host : assignment.hosts) {
    if (host.host_id == host_id_) {
      own.range = host.range;
      connection.exec(
          "UPDATE jetmon_hosts SET bucket_min = ?, bucket_max = ?, last_heartbeat = NOW(), "
          "status = 'active' WHERE host_id = ?",
          {stored_min(host.range), stored_max(host.range), host_id_});
      continue;
    }
    const auto previous = stored.find(host.host_id);
    const BucketRange as_stored{stored_min(host.range), stored_max(host.range)};
    if (previous != stored.end() && previous->second == as_stored) continue;
    connection.exec("UPDATE jetmon_hosts SET bucket_min = ?, bucket_max = ? WHERE host_id = ?",
                    {as_stored.min, as_stored.max, host.host_id});
  }
  tx.commit();
  return own;
}

void DynamicLease::drain(db::Connection& connection) {
  connection.exec(
      "UPDATE jetmon_hosts SET status = 'draining', last_heartbeat = NOW() WHERE host_id = ?",
      {host_id_});
}

void DynamicLease::release(db::Connection& connection) {
  connection.exec("DELETE FROM jetmon_hosts WHERE host_id = ?", {host_id_});
}

Ownership pinned_ownership(const BucketRange& range) {
  Ownership own;
  own.range = range;
  own.pinned = true;
  own.label = fmt::format("pinned range={}-{}", range.min, range.max);
  return own;
}

}  // namespace jetmon::schedule
