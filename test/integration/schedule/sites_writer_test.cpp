#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/error.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/schedule/result_writer.hpp"
#include "jetmon/schedule/sites.hpp"
#include "support/test_db.hpp"

using namespace jetmon::schedule;
using jetmon::db::DateTime;
using jetmon::test::TestDatabase;
using std::chrono::system_clock;

namespace {

constexpr const char* kV1Table =
    "CREATE TABLE jetpack_monitor_sites ("
    " jetpack_monitor_site_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " blog_id BIGINT UNSIGNED NOT NULL, bucket_no SMALLINT UNSIGNED NOT NULL,"
    " monitor_url VARCHAR(300) NOT NULL, monitor_active TINYINT(1) UNSIGNED NOT NULL DEFAULT 1,"
    " site_status TINYINT(1) UNSIGNED NOT NULL DEFAULT 1,"
    " last_status_change TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,"
    " check_interval TINYINT(1) UNSIGNED NOT NULL DEFAULT 5,"
    " INDEX blog_id_monitor_url (blog_id, monitor_url),"
    " INDEX bucket_no_monitor_active_check_interval (bucket_no, monitor_active, check_interval)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

void migrate(TestDatabase& tdb, bool v1_first) {
  if (v1_first) tdb.connection().execute(kV1Table);
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
}

void add_site(jetmon::db::Connection& c, std::uint64_t blog, int bucket, bool active,
              std::optional<DateTime> last_checked = std::nullopt, int interval = 5) {
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, "
         "check_interval, last_checked_at) VALUES (?, ?, ?, ?, ?, ?)",
         {blog, bucket, "http://site" + std::to_string(blog) + ".example/", active ? 1 : 0, interval,
          last_checked});
}

std::vector<std::uint64_t> all_due(jetmon::db::Connection& c, DueQuery q) {
  std::vector<std::uint64_t> blogs;
  SiteCursor cursor;
  for (int guard = 0; guard < 1000 && !cursor.done; ++guard) {
    for (const Site& s : fetch_due_page(c, q, cursor)) blogs.push_back(s.blog_id);
  }
  REQUIRE(cursor.done);
  return blogs;
}

}  // namespace

TEST_CASE("schedule: a round pages through every due active site of the owned buckets once", "[schedule]") {
  const bool v1 = GENERATE(false, true);
  INFO("v1 table shape: " << v1);
  TestDatabase tdb;
  migrate(tdb, v1);
  auto& c = tdb.connection();
  const auto round_start = system_clock::now();
  std::vector<std::uint64_t> expected;
  std::uint64_t blog = 1000;
  for (int bucket = 0; bucket < 12; ++bucket) {
    for (int i = 0; i < bucket % 4; ++i) {
      ++blog;
      add_site(c, blog, bucket, true);
      if (bucket >= 2 && bucket <= 9) expected.push_back(blog);
    }
    add_site(c, ++blog, bucket, false);  // inactive: never due
  }
  // Already checked in this round: not due again.
  add_site(c, 5000, 5, true, DateTime::from(round_start + std::chrono::seconds(1)));
  // Checked before the round: due.
  add_site(c, 5001, 5, true, DateTime::from(round_start - std::chrono::minutes(1)));
  expected.push_back(5001);

  DueQuery q;
  q.range = {2, 9};
  q.round_start = round_start;
  q.page_size = 3;
  auto blogs = all_due(c, q);
  std::sort(blogs.begin(), blogs.end());
  std::sort(expected.begin(), expected.end());
  CHECK(blogs == expected);

  q.page_size = 1000;
  CHECK(all_due(c, q).size() == expected.size());
  q.range = {5, 4};
  CHECK(all_due(c, q).empty());
}

TEST_CASE("schedule: variable intervals make a site due after check_interval minutes", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb, false);
  auto& c = tdb.connection();
  const auto now = system_clock::now();
  add_site(c, 1, 0, true, DateTime::from(now - std::chrono::minutes(6)), 5);   // due
  add_site(c, 2, 0, true, DateTime::from(now - std::chrono::minutes(2)), 5);   // not yet
  add_site(c, 3, 0, true, std::nullopt, 5);                                     // never checked
  add_site(c, 4, 0, true, DateTime::from(now - std::chrono::seconds(90)), 0);  // interval 0 → 1 min
  DueQuery q;
  q.range = {0, 0};
  q.round_start = now;
  q.variable_intervals = true;
  auto blogs = all_due(c, q);
  std::sort(blogs.begin(), blogs.end());
  CHECK(blogs == std::vector<std::uint64_t>{1, 3, 4});
}

TEST_CASE("schedule: site rows become check requests with the site's own settings", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb, false);
  auto& c = tdb.connection();
  c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, check_keyword, "
         "custom_headers, timeout_seconds, redirect_policy) VALUES (7, 0, 'https://a.example/', 1, 'kw', "
         "'{\"X-A\":\"1\",\"n\":2}', 4, 'fail'), (8, 0, 'https://b.example/', 1, NULL, '[1,2]', NULL, NULL)");
  DueQuery q;
  q.range = {0, 0};
  q.round_start = system_clock::now();
  SiteCursor cursor;
  auto page = fetch_due_page(c, q, cursor);
  REQUIRE(page.size() == 2);
  auto a = check_request_for(page[0], 10);
  CHECK(a.keyword == "kw");
  CHECK(a.timeout_seconds == 4);
  CHECK(a.redirect_policy == jetmon::check::RedirectPolicy::fail);
  CHECK(a.headers == std::vector<std::pair<std::string, std::string>>{{"X-A", "1"}});
  auto b = check_request_for(page[1], 10);
  CHECK(b.keyword.empty());
  CHECK(b.timeout_seconds == 10);
  CHECK(b.redirect_policy == jetmon::check::RedirectPolicy::follow);
  CHECK(b.headers.empty());
}

TEST_CASE("schedule: site rows carry their open http event and whether a tls_expiry event is open", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb, false);
  auto& c = tdb.connection();
  for (std::uint64_t blog : {1, 2, 3}) add_site(c, blog, 0, true);
  c.exec("INSERT INTO jetmon_events (blog_id, check_type, severity, state, ended_at) VALUES "
         "(1, 'http', 3, 'Seems Down', NULL), (1, 'tls_expiry', 1, 'Warning', NULL), "
         "(2, 'tls_expiry', 1, 'Warning', NOW()), (2, 'http', 4, 'Down', NOW())");
  const auto open_http = c.query("SELECT id FROM jetmon_events WHERE blog_id = 1 AND check_type = 'http'");
  DueQuery q;
  q.range = {0, 0};
  q.round_start = system_clock::now();
  SiteCursor cursor;
  auto page = fetch_due_page(c, q, cursor);
  REQUIRE(page.size() == 3);
  CHECK(page[0].open_http_event_id == open_http.at(0).get_uint64(0));
  CHECK(page[0].has_open_tls_expiry_event);
  CHECK_FALSE(page[1].open_http_event_id);
  CHECK_FALSE(page[1].has_open_tls_expiry_event);
  CHECK_FALSE(page[2].has_open_tls_expiry_event);
}

TEST_CASE("schedule: a batch writes last_checked_at, history and ssl expiry in one transaction", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb, true);
  auto& c = tdb.connection();
  add_site(c, 11, 0, true);
  add_site(c, 12, 0, true);
  const auto started = DateTime::from_civil(2026, 11, 28, 10, 0, 5).time;
  std::vector<CheckRecord> batch(2);
  batch[0].site_id = 1;
  batch[0].blog_id = 11;
  batch[0].started_at = std::chrono::time_point_cast<system_clock::duration>(started);
  batch[0].checked_at = batch[0].started_at;
  batch[0].http_code = 200;
  batch[0].rtt_ms = 42;
  batch[0].cert_not_after = std::chrono::time_point_cast<system_clock::duration>(
      DateTime::from_civil(2027, 3, 9, 23, 59, 59).time);
  batch[1].site_id = 2;
  batch[1].blog_id = 12;
  batch[1].started_at = batch[0].started_at + std::chrono::seconds(1);
  batch[1].checked_at = batch[1].started_at;
  batch[1].error_code = 2;
  write_check_batch(c, batch);
  auto row = c.query_one("SELECT last_checked_at, ssl_expiry_date FROM jetpack_monitor_sites WHERE blog_id = 11");
  REQUIRE(row);
  CHECK(row->get_datetime(0)->to_string() == "2026-11-28 10:00:05");
  CHECK(row->get_datetime(1)->to_string() == "2027-03-09 00:00:00");
  auto other = c.query_one("SELECT last_checked_at, ssl_expiry_date FROM jetpack_monitor_sites WHERE blog_id = 12");
  CHECK(other->get_datetime(0)->to_string() == "2026-11-28 10:00:06");
  CHECK(other->is_null(1));
  auto history = c.query("SELECT blog_id, http_code, error_code, rtt_ms FROM jetmon_check_history ORDER BY id");
  REQUIRE(history.size() == 2);
  CHECK(*history[0].get_int64(1) == 200);
  CHECK(*history[0].get_int64(3) == 42);
  CHECK(*history[1].get_int64(2) == 2);
}

TEST_CASE("schedule: the result writer survives a database outage without losing or repeating rows", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb, false);
  for (int i = 0; i < 50; ++i) add_site(tdb.connection(), 100 + static_cast<std::uint64_t>(i), 0, true);
  std::atomic<int> refusals{2};
  ResultWriterOptions options;
  options.max_batch = 20;
  options.flush_interval = std::chrono::milliseconds(20);
  ResultWriter writer(
      [&]() -> jetmon::db::Connection {
        if (refusals.fetch_sub(1) > 0) throw jetmon::db::DbError(2003, "HY000", "database is down");
        return tdb.connect();
      },
      options);
  for (int i = 0; i < 50; ++i) {
    CheckRecord r;
    r.site_id = static_cast<std::uint64_t>(i + 1);
    r.blog_id = 100 + static_cast<std::uint64_t>(i);
    r.started_at = r.checked_at = system_clock::now();
    r.http_code = 200 + i;
    REQUIRE(writer.enqueue(r));
  }
  CHECK(writer.stop(std::chrono::seconds(20)) == 0);
  const auto stats = writer.stats();
  CHECK(stats.written == 50);
  CHECK(stats.failed_attempts == 2);
  auto history = tdb.connection().query("SELECT http_code FROM jetmon_check_history ORDER BY id");
  REQUIRE(history.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(*history[static_cast<std::size_t>(i)].get_int64(0) == 200 + i);
  CHECK(*tdb.connection().query_scalar("SELECT COUNT(*) FROM jetpack_monitor_sites WHERE last_checked_at IS NULL")->as_int64() == 0);
}

TEST_CASE("schedule: a site twice in one batch keeps its last check time and expiry", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb, true);
  auto& c = tdb.connection();
  add_site(c, 21, 0, true);
  add_site(c, 22, 0, true);
  const auto at = [](int second) {
    return std::chrono::time_point_cast<system_clock::duration>(
        DateTime::from_civil(2026, 11, 29, 6, 0, second).time);
  };
  const auto expires = [](int day) {
    return std::chrono::time_point_cast<system_clock::duration>(DateTime::from_civil(2027, 1, day, 12, 0, 0).time);
  };
  const auto record = [&](std::uint64_t site_id, std::uint64_t blog_id, int second) {
    CheckRecord r;
    r.site_id = site_id;
    r.blog_id = blog_id;
    r.started_at = r.checked_at = at(second);
    return r;
  };
  std::vector<CheckRecord> batch = {record(1, 21, 1), record(2, 22, 2), record(1, 21, 3), record(2, 22, 4)};
  batch[0].cert_not_after = expires(1);
  batch[2].cert_not_after = expires(2);
  write_check_batch(c, batch);
  auto first = c.query_one("SELECT last_checked_at, ssl_expiry_date FROM jetpack_monitor_sites WHERE blog_id = 21");
  REQUIRE(first);
  CHECK(first->get_datetime(0)->to_string() == "2026-11-29 06:00:03");
  CHECK(first->get_datetime(1)->to_string() == "2027-01-02 00:00:00");
  auto second = c.query_one("SELECT last_checked_at, ssl_expiry_date FROM jetpack_monitor_sites WHERE blog_id = 22");
  REQUIRE(second);
  CHECK(second->get_datetime(0)->to_string() == "2026-11-29 06:00:04");
  CHECK(second->is_null(1));
  CHECK(c.query("SELECT id FROM jetmon_check_history").size() == 4);
}

TEST_CASE("schedule: the failing due sites of the range are found for a head start", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb, false);
  auto& c = tdb.connection();
  const auto round_start = system_clock::now();
  add_site(c, 1, 3, true);   // open http event: failing, due
  add_site(c, 2, 3, true);   // no event
  add_site(c, 3, 3, true);   // only a closed http event
  add_site(c, 4, 3, true);   // only an open tls_expiry event
  add_site(c, 5, 3, false);  // open http event, inactive
  add_site(c, 6, 12, true);  // open http event, outside the range
  add_site(c, 7, 4, true, DateTime::from(round_start + std::chrono::seconds(1)));  // failing, checked this round
  add_site(c, 8, 4, true);   // open http event: failing, due
  add_site(c, 9, 5, true);   // open http event: failing, due
  c.exec("INSERT INTO jetmon_events (blog_id, check_type, severity, state, ended_at) VALUES "
         "(1, 'http', 3, 'Seems Down', NULL), (3, 'http', 4, 'Down', NOW()), "
         "(4, 'tls_expiry', 1, 'Warning', NULL), (5, 'http', 4, 'Down', NULL), "
         "(6, 'http', 4, 'Down', NULL), (7, 'http', 4, 'Down', NULL), (8, 'http', 4, 'Down', NULL), "
         "(9, 'http', 3, 'Seems Down', NULL)");
  DueQuery q;
  q.range = {0, 10};
  q.round_start = round_start;
  const auto blogs_of = [](const std::vector<Site>& sites) {
    std::vector<std::uint64_t> blogs;
    for (const Site& s : sites) blogs.push_back(s.blog_id);
    return blogs;
  };
  const auto failing = fetch_due_failing(c, q, 100);
  CHECK(blogs_of(failing) == std::vector<std::uint64_t>{1, 8, 9});
  REQUIRE_FALSE(failing.empty());
  CHECK(failing[0].open_http_event_id.has_value());
  CHECK(blogs_of(fetch_due_failing(c, q, 2)) == std::vector<std::uint64_t>{1, 8});
  CHECK(fetch_due_failing(c, q, 0).empty());
  q.range = {5, 4};
  CHECK(fetch_due_failing(c, q, 100).empty());
}
