#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jetmon/check/check.hpp"
#include "jetmon/schedule/buckets.hpp"

namespace jetmon::db {
class Connection;
}

namespace jetmon::schedule {

using TimePoint = std::chrono::system_clock::time_point;

// One row of jetpack_monitor_sites as the monitor reads it (monitor.md §3.3). Works with the v1
// and the fresh table shapes.
struct Site {
  std::uint64_t site_id = 0;  // jetpack_monitor_site_id
  std::uint64_t blog_id = 0;
  int bucket_no = 0;
  std::string monitor_url;
  int site_status = 1;
  std::optional<TimePoint> last_status_change;
  int check_interval_minutes = 5;
  std::optional<TimePoint> last_checked_at;
  std::optional<TimePoint> ssl_expiry_date;
  std::string check_keyword;
  std::optional<TimePoint> maintenance_start;
  std::optional<TimePoint> maintenance_end;
  std::string custom_headers_json;
  int timeout_seconds = 0;  // 0: NULL, use NET_COMMS_TIMEOUT
  check::RedirectPolicy redirect_policy = check::RedirectPolicy::follow;
  std::optional<int> alert_cooldown_minutes;
  std::optional<TimePoint> last_alert_sent_at;
  // The open `http` event, read with the row so a healthy result needs no extra lookup.
  std::optional<std::uint64_t> open_http_event_id;
  // Whether a tls_expiry event is open, so a certificate far from expiry needs no lookup.
  bool has_open_tls_expiry_event = false;
};

// The check the monitor runs for a site.
check::CheckRequest check_request_for(const Site& site, int net_comms_timeout);

// Where a round's paging stands: bucket by bucket, by primary key within a bucket.
struct SiteCursor {
  int bucket = 0;
  std::uint64_t after_site_id = 0;
  bool done = false;
};

struct DueQuery {
  BucketRange range;
  // Fixed interval: a site is due once per round, i.e. when it was not checked since the round
  // started. Variable intervals: when last_checked_at + check_interval minutes <= now.
  TimePoint round_start;
  bool variable_intervals = false;
  int page_size = 100;  // DATASET_SIZE
};

// The next page of due active sites (up to page_size), advancing `cursor`; an empty page with
// cursor.done means the round has seen every owned site. Each query is an index range scan of
// one bucket, so a round costs O(sites + buckets) row reads.
std::vector<Site> fetch_due_page(db::Connection& connection, const DueQuery& query, SiteCursor& cursor);

// Due active sites of the range whose http check is failing (an open `http` event), by primary
// key, at most `limit`. A round starts these first, outside the in-flight ceiling, so a site
// that stays silent waits out its timeout while the pass goes on instead of after it.
std::vector<Site> fetch_due_failing(db::Connection& connection, const DueQuery& query, std::size_t limit);

}  // namespace jetmon::schedule
