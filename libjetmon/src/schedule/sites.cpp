#include "jetmon/schedule/sites.hpp"

#include "jetmon/db/connection.hpp"

namespace jetmon::schedule {
namespace {

constexpr const char* kColumns =
    "jetpack_monitor_site_id, blog_id, bucket_no, monitor_url, site_status, last_status_change, "
    "check_interval, last_checked_at, ssl_expiry_date, check_keyword, maintenance_start, "
    "maintenance_end, custom_headers, timeout_seconds, redirect_policy, alert_cooldown_minutes, "
    "last_alert_sent_at, "
    "(SELECT e.id FROM jetmon_events e WHERE e.blog_id = jetpack_monitor_sites.blog_id "
    "AND e.check_type = 'http' AND e.ended_at IS NULL ORDER BY e.started_at LIMIT 1), "
    "EXISTS (SELECT 1 FROM jetmon_events t WHERE t.blog_id = jetpack_monitor_sites.blog_id "
    "AND t.check_type = 'tls_expiry' AND t.ended_at IS NULL)";

std::optional<TimePoint> time_of(const db::Row& row, std::size_t i) {
  if (auto dt = row.get_datetime(i)) {
    return std::chrono::time_point_cast<std::chrono::system_clock::duration>(dt->time);
  }
  return std::nullopt;
}

Site site_from(const db::Row& row) {
  Site s;
  s.site_id = row.get_uint64(0).value_or(0);
  s.blog_id = row.get_uint64(1).value_or(0);
  s.bucket_no = static_cast<int>(row.get_int64(2).value_or(0));
  s.monitor_url = row.get_string(3).value_or("");
  s.site_status = static_cast<int>(row.get_int64(4).value_or(1));
  s.last_status_change = time_of(row, 5);
  s.check_interval_minutes = static_cast<int>(row.get_int64(6).value_or(5));
  s.last_checked_at = time_of(row, 7);
  s.ssl_expiry_date = time_of(row, 8);
  s.check_keyword = row.get_string(9).value_or("");
  s.maintenance_start = time_of(row, 10);
  s.maintenance_end = time_of(row, 11);
  s.custom_headers_json = row.get_string(12).value_or("");
  s.timeout_seconds = static_cast<int>(row.get_int64(13).value_or(0));
  s.redirect_policy = check::parse_redirect_policy(row.get_string(14).value_or(""));
  if (auto cooldown = row.get_int64(15)) s.alert_cooldown_minutes = static_cast<int>(*cooldown);
  s.last_alert_sent_at = time_of(row, 16);
  s.open_http_event_id = row.get_uint64(17);
  s.has_open_tls_expiry_event = row.get_int64(18).value_or(0) != 0;
  return s;
}

std::string due_condition(const DueQuery& query) {
  return query.variable_intervals
             ? "(last_checked_at IS NULL OR "
               "DATE_ADD(last_checked_at, INTERVAL GREATEST(check_interval, 1) MINUTE) <= ?)"
             : "(last_checked_at IS NULL OR last_checked_at < ?)";
}

db::DateTime due_time(const DueQuery& query) {
  return db::DateTime::from(query.variable_intervals ? std::chrono::system_clock::now() : query.round_start);
}

}  // namespace

check::CheckRequest check_request_for(const Site& site, int net_comms_timeout) {
  check::CheckRequest request;
  request.blog_id = site.blog_id;
  request.url = site.monitor_url;
  request.timeout_seconds = site.timeout_seconds > 0 ? site.timeout_seconds
                            : net_comms_timeout > 0   ? net_comms_timeout
                                                      : 10;
  request.keyword = site.check_keyword;
  request.headers = check::parse_custom_headers(site.custom_headers_json);
  request.redirect_policy = site.redirect_policy;
  return request;
}

std::vector<Site> fetch_due_failing(db::Connection& connection, const DueQuery& query, std::size_t limit) {
  std::vector<Site> sites;
  if (query.range.empty() || limit == 0) return sites;
  // Open events are the non-NULL part of uk_open_dedup, so the subquery reads only those.
  const std::string sql = std::string("SELECT ") + kColumns +
                          " FROM jetpack_monitor_sites WHERE blog_id IN (SELECT blog_id FROM jetmon_events "
                          "WHERE dedup_key IS NOT NULL AND check_type = 'http') "
                          "AND bucket_no BETWEEN ? AND ? AND monitor_active = 1 AND " + due_condition(query) +
                          " ORDER BY jetpack_monitor_site_id LIMIT ?";
  const auto rows = connection.query(sql, {query.range.min, query.range.max, due_time(query),
                                           static_cast<std::int64_t>(limit)});
  sites.reserve(rows.size());
  for (const auto& row : rows) sites.push_back(site_from(row));
  return sites;
}

std::vector<Site> fetch_due_page(db::Connection& connection, const DueQuery& query, SiteCursor& cursor) {
  std::vector<Site> page;
  if (cursor.done || query.range.empty()) {
    cursor.done = true;
    return page;
  }
  if (cursor.bucket < query.range.min) {
    cursor.bucket = query.range.min;
    cursor.after_site_id = 0;
  }
  const std::string sql = std::string("SELECT ") + kColumns +
                          " FROM jetpack_monitor_sites WHERE bucket_no = ? AND monitor_active = 1 "
                          "AND jetpack_monitor_site_id > ? AND " + due_condition(query) +
                          " ORDER BY jetpack_monitor_site_id LIMIT ?";
  db::Statement statement = connection.prepare(sql);
  const db::DateTime due_at = due_time(query);
  const int page_size = std::max(1, query.page_size);
  while (static_cast<int>(page.size()) < page_size && cursor.bucket <= query.range.max) {
    const int wanted = page_size - static_cast<int>(page.size());
    const auto rows = statement.query({cursor.bucket, cursor.after_site_id, due_at, wanted});
    for (const auto& row : rows) page.push_back(site_from(row));
    if (static_cast<int>(rows.size()) == wanted) {
      cursor.after_site_id = page.back().site_id;
    } else {
      ++cursor.bucket;
      cursor.after_site_id = 0;
    }
  }
  if (cursor.bucket > query.range.max) cursor.done = true;
  return page;
}

}  // namespace jetmon::schedule
