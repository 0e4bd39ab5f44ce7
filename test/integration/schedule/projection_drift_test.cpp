// The legacy projection drift check (monitor.md §3.1 step 3, rollout.md §3 expected status) against
// seeded sites and events, and its metrics (§9.1).
#include <catch2/catch.hpp>

#include "jetmon/db/connection.hpp"
#include "jetmon/db/error.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "jetmon/schedule/projection_drift.hpp"
#include "support/drift_seed.hpp"
#include "support/test_db.hpp"

using namespace jetmon::schedule;
using jetmon::metrics::RecordingSink;
using jetmon::test::TestDatabase;
using jetmon::test::add_event;
using jetmon::test::add_site;

TEST_CASE("schedule: projection drift counts each kind of mismatch once, in range, active only", "[schedule]") {
  TestDatabase tdb;
  auto& c = tdb.migrate();
  // Drifting (expected status in brackets).
  add_site(c, 1, 10, 1); add_event(c, 1, "Down");          // [2] missing confirmed down
  add_site(c, 2, 10, 1); add_event(c, 2, "Seems Down");    // [0] missing seems down
  add_site(c, 3, 11, 0);                                   // [1] stale down, no event
  add_site(c, 4, 11, 2); add_event(c, 4, "Down", false);   // [1] stale confirmed down, event closed
  add_site(c, 5, 12, 0); add_event(c, 5, "Down");          // [2] missing promotion
  add_site(c, 6, 12, 2); add_event(c, 6, "Seems Down");    // [0] stale confirmed down
  add_site(c, 7, 12, 2); add_event(c, 7, "Resolved");      // [1] other open states count as running
  add_site(c, 8, 13, 1); add_site(c, 8, 13, 1); add_event(c, 8, "Down");  // duplicate rows: 2
  add_site(c, 9, 13, 7);                                   // [1] unexpected value
  // Not drifting.
  add_site(c, 20, 10, 2); add_event(c, 20, "Down");
  add_site(c, 21, 10, 0); add_event(c, 21, "Seems Down");
  add_site(c, 22, 10, 1);
  add_site(c, 23, 10, 1); add_event(c, 23, "Down", false);
  add_site(c, 24, 10, 1); add_event(c, 24, "Seems Down", true, "tls_expiry");  // not an http event
  // Down wins over Seems Down among several open http events.
  add_site(c, 25, 10, 2); add_event(c, 25, "Seems Down"); add_event(c, 25, "Down", true, "http", "alt");
  // Out of scope: inactive, or outside the range.
  add_site(c, 30, 10, 0, false);
  add_site(c, 31, 99, 0);
  add_site(c, 32, 9, 1); add_event(c, 32, "Down");

  CHECK(count_projection_drift(c, BucketRange{10, 20}) == 10);
  CHECK(count_projection_drift(c, BucketRange{10, 10}) == 2);
  CHECK(count_projection_drift(c, BucketRange{0, 999}) == 12);
  CHECK(count_projection_drift(c, BucketRange{500, 999}) == 0);
  CHECK(count_projection_drift(c, BucketRange{1, 0}) == 0);  // no buckets owned

  RecordingSink sink;
  emit_projection_drift(sink, count_projection_drift(c, BucketRange{10, 20}));
  emit_projection_drift(sink, count_projection_drift(c, BucketRange{500, 999}));
  CHECK(sink.lines() == std::vector<std::string>{"projection.drift.count:10|g", "projection.drift.detected.count:1|c",
                                                 "projection.drift.count:0|g"});

  // Never a per-site probe into the event history: the open events come from a range of
  // uk_open_dedup (or a scan of this tiny table), aggregated once and joined by blog_id.
  const auto plan = c.query("EXPLAIN " + projection_drift_sql(), projection_drift_params(BucketRange{10, 20}));
  for (const auto& row : plan) {
    INFO(row.get_string("select_type").value_or("") << " " << row.get_string("table").value_or("") << " type="
                                                    << row.get_string("type").value_or("NULL")
                                                    << " key=" << row.get_string("key").value_or("NULL"));
    CHECK(row.get_string("select_type") != "DEPENDENT SUBQUERY");
    if (row.get_string("table").value_or("").rfind("<derived", 0) == 0) CHECK(row.get_string("type") == "ref");
  }
}

TEST_CASE("schedule: a failing drift check throws and is reported as check_error", "[schedule]") {
  TestDatabase tdb;  // no schema: the query fails
  RecordingSink sink;
  std::optional<std::int64_t> drift;
  CHECK_THROWS_AS(drift = count_projection_drift(tdb.connection(), BucketRange{0, 99}), jetmon::db::DbError);
  emit_projection_drift(sink, drift);
  CHECK(sink.lines() == std::vector<std::string>{"projection.drift.check_error.count:1|c"});
}
