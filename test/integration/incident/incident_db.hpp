#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "support/test_db.hpp"

// Helpers shared by the incident integration tests: a migrated test database, seeded sites and
// readers for the rows the incident module writes.
namespace jetmon::test::incident {

// A fresh database with the full schema (every migration).
class MigratedDatabase {
 public:
  MigratedDatabase() { db::run_migrations(tdb_.connection(), db::embedded_migrations(), [](std::string_view) {}); }
  db::Connection& connection() { return tdb_.connection(); }
  db::Connection connect() const { return tdb_.connect(); }

 private:
  TestDatabase tdb_;
};

inline void create_v1_sites_table(db::Connection& c) {
  c.execute(R"(CREATE TABLE jetpack_monitor_sites (
      jetpack_monitor_site_id int(10) unsigned NOT NULL AUTO_INCREMENT,
      blog_id bigint(20) unsigned NOT NULL,
      bucket_no smallint(5) unsigned NOT NULL,
      monitor_url varchar(300) NOT NULL,
      monitor_active tinyint(1) unsigned NOT NULL DEFAULT 1,
      site_status tinyint(1) unsigned NOT NULL DEFAULT 1,
      last_status_change timestamp NULL DEFAULT current_timestamp(),
      check_interval tinyint(1) unsigned NOT NULL DEFAULT 5,
      PRIMARY KEY (jetpack_monitor_site_id),
      KEY blog_id_monitor_url (blog_id, monitor_url),
      KEY bucket_no_monitor_active_check_interval (bucket_no, monitor_active, check_interval)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4)");
}

inline void seed_site(db::Connection& c, std::uint64_t blog_id, const std::string& url) {
  c.exec(
      "INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status,"
      " last_status_change) VALUES (?, 1, ?, 1, 1, ?)",
      {blog_id, url, db::DateTime::from_civil(2020, 1, 1)});
}

struct SiteRow {
  int site_status = -1;
  std::optional<db::DateTime> last_status_change;
};

inline SiteRow site_row(db::Connection& c, std::uint64_t blog_id) {
  auto row = c.query_one(
      "SELECT site_status, last_status_change FROM jetpack_monitor_sites WHERE blog_id = ?", {blog_id});
  if (!row) return {};
  return {static_cast<int>(row->get_int64(0).value_or(-1)), row->get_datetime(1)};
}

struct TransitionRow {
  std::uint64_t event_id = 0;
  std::optional<std::int64_t> severity_before;
  std::optional<std::int64_t> severity_after;
  std::optional<std::string> state_before;
  std::optional<std::string> state_after;
  std::string reason;
  std::string source;
  std::optional<std::string> metadata;
};

inline std::vector<TransitionRow> transitions(db::Connection& c, std::uint64_t blog_id) {
  std::vector<TransitionRow> out;
  for (const auto& r : c.query(
           "SELECT event_id, severity_before, severity_after, state_before, state_after, reason, source,"
           " metadata FROM jetmon_event_transitions WHERE blog_id = ? ORDER BY id",
           {blog_id})) {
    out.push_back({r.get_uint64(0).value_or(0), r.get_int64(1), r.get_int64(2), r.get_string(3),
                   r.get_string(4), r.get_string(5).value_or(""), r.get_string(6).value_or(""),
                   r.get_string(7)});
  }
  return out;
}

struct AuditRow {
  std::optional<std::uint64_t> blog_id;
  std::optional<std::uint64_t> event_id;
  std::string event_type;
  std::string source;
  std::optional<std::string> detail;
  std::optional<std::string> metadata;
};

inline std::vector<AuditRow> audit_rows(db::Connection& c) {
  std::vector<AuditRow> out;
  for (const auto& r : c.query(
           "SELECT blog_id, event_id, event_type, source, detail, metadata FROM jetmon_audit_log ORDER BY id")) {
    out.push_back({r.get_uint64(0), r.get_uint64(1), r.get_string(2).value_or(""),
                   r.get_string(3).value_or(""), r.get_string(4), r.get_string(5)});
  }
  return out;
}

inline std::int64_t count(db::Connection& c, const std::string& sql, const db::Params& params = {}) {
  return c.query_scalar(sql, params)->as_int64().value_or(-1);
}

}  // namespace jetmon::test::incident
