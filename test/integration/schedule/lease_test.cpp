#include <catch2/catch.hpp>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/schedule/lease.hpp"
#include "support/test_db.hpp"

using jetmon::schedule::BucketRange;
using jetmon::schedule::DynamicLease;
using jetmon::test::TestDatabase;

namespace {

void migrate(TestDatabase& tdb) {
  jetmon::db::run_migrations(tdb.connection(), jetmon::db::embedded_migrations(), [](std::string_view) {});
}

BucketRange stored_range(jetmon::db::Connection& c, const std::string& host) {
  auto row = c.query_one("SELECT bucket_min, bucket_max FROM jetmon_hosts WHERE host_id = ?", {host});
  REQUIRE(row);
  return {static_cast<int>(*row->get_int64(0)), static_cast<int>(*row->get_int64(1))};
}

std::int64_t heartbeat_age(jetmon::db::Connection& c, const std::string& host) {
  auto v = c.query_scalar(
      "SELECT TIMESTAMPDIFF(SECOND, last_heartbeat, NOW()) FROM jetmon_hosts WHERE host_id = ?", {host});
  REQUIRE(v);
  return *v->as_int64();
}

}  // namespace

TEST_CASE("schedule: two dynamic hosts split every bucket between them", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb);
  auto conn_a = tdb.connect();
  auto conn_b = tdb.connect();
  DynamicLease a("host-a");
  DynamicLease b("host-b");
  auto first = a.claim(conn_a, 1000, 500, 600);
  CHECK(first.range == BucketRange{0, 999});  // alone: everything, over its target
  CHECK(first.over_target);
  auto own_b = b.claim(conn_b, 1000, 500, 600);
  CHECK(own_b.range == BucketRange{500, 999});
  CHECK_FALSE(own_b.over_target);
  CHECK(own_b.active_hosts == 2);
  // b's claim already rewrote a's range in the same transaction, so nothing is double-owned.
  CHECK(stored_range(conn_a, "host-a") == BucketRange{0, 499});
  auto own_a = a.claim(conn_a, 1000, 500, 600);
  CHECK(own_a.range == BucketRange{0, 499});
  CHECK(own_a.label == "dynamic jetmon_hosts");
}

TEST_CASE("schedule: a claim refreshes only its own heartbeat, so a crashed peer expires", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb);
  auto& c = tdb.connection();
  DynamicLease a("host-a");
  DynamicLease b("host-b");
  a.claim(c, 10, 10, 600);
  b.claim(c, 10, 10, 600);
  c.exec("UPDATE jetmon_hosts SET last_heartbeat = DATE_SUB(NOW(), INTERVAL 100 SECOND) WHERE host_id = 'host-b'");
  a.claim(c, 10, 10, 600);
  CHECK(heartbeat_age(c, "host-b") >= 100);  // Go would have refreshed it here
  CHECK(heartbeat_age(c, "host-a") < 5);
  c.exec("UPDATE jetmon_hosts SET last_heartbeat = DATE_SUB(NOW(), INTERVAL 700 SECOND) WHERE host_id = 'host-b'");
  auto own = a.claim(c, 10, 10, 600);
  CHECK(own.range == BucketRange{0, 9});
  CHECK_FALSE(c.query_one("SELECT 1 FROM jetmon_hosts WHERE host_id = 'host-b'"));
}

TEST_CASE("schedule: draining hosts give up their buckets, release deletes the row", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb);
  auto& c = tdb.connection();
  DynamicLease a("host-a");
  DynamicLease b("host-b");
  a.claim(c, 100, 100, 600);
  b.claim(c, 100, 100, 600);
  b.drain(c);
  CHECK(a.claim(c, 100, 100, 600).range == BucketRange{0, 99});
  b.release(c);
  CHECK_FALSE(c.query_one("SELECT 1 FROM jetmon_hosts WHERE host_id = 'host-b'"));
}

TEST_CASE("schedule: more hosts than buckets store an empty range instead of failing", "[schedule]") {
  TestDatabase tdb;
  migrate(tdb);
  auto& c = tdb.connection();
  DynamicLease a("host-a");
  DynamicLease b("host-b");
  DynamicLease z("host-z");
  a.claim(c, 2, 1, 600);
  b.claim(c, 2, 1, 600);
  auto own = z.claim(c, 2, 1, 600);
  CHECK(own.range.empty());
  CHECK(stored_range(c, "host-z") == BucketRange{1, 0});
  CHECK(stored_range(c, "host-a") == BucketRange{0, 0});
  CHECK(stored_range(c, "host-b") == BucketRange{1, 1});
}
