// delivery-check's pure parts (dashboard-fleet.md §7.4): totals, thresholds, --since, the table.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "jetmon/delivery/queue_metrics.hpp"

using jetmon::db::DateTime;
using jetmon::delivery::QueueMetrics;
using jetmon::delivery::QueueSnapshot;
using jetmon::delivery::QueueThresholds;

namespace {

QueueMetrics metrics(std::string kind, std::int64_t pending, std::int64_t due, std::int64_t future,
                     std::int64_t delivered, std::int64_t abandoned, std::int64_t failed, std::int64_t oldest_pending,
                     std::int64_t oldest_due) {
  return {std::move(kind), pending, due, future, delivered, abandoned, failed, oldest_pending, oldest_due};
}

QueueSnapshot snapshot(QueueMetrics webhook, QueueMetrics alert) {
  QueueSnapshot s;
  s.now = DateTime::from_civil(2026, 4, 30, 12, 0, 0);
  s.cutoff = DateTime::from_civil(2026, 4, 30, 11, 45, 0);
  s.webhook = std::move(webhook);
  s.alert = std::move(alert);
  s.total = jetmon::delivery::total_of(s.webhook, s.alert);
  return s;
}

}  // namespace

TEST_CASE("queue totals are sums of counters and the larger age", "[delivery]") {
  const QueueMetrics t = jetmon::delivery::total_of(metrics("webhook", 3, 2, 1, 10, 1, 0, 120, 60),
                                                    metrics("alert", 1, 1, 0, 4, 2, 5, 300, 30));
  CHECK(t == metrics("total", 4, 3, 1, 14, 3, 5, 300, 60));
}

TEST_CASE("delivery-check thresholds pass and fail as the table says", "[delivery]") {
  const QueueSnapshot s =
      snapshot(metrics("webhook", 3, 2, 1, 0, 1, 0, 120, 60), metrics("alert", 1, 1, 0, 4, 2, 5, 300, 30));
  const std::string since = "2026-04-30T11:45:00Z";
  struct Case {
    const char* name;
    QueueThresholds thresholds;
    std::vector<std::string> failures;
  };
  auto th = [](auto set) {
    QueueThresholds t;
    set(t);
    return t;
  };
  const std::vector<Case> cases = {
      {"all off", QueueThresholds{}, {}},
      {"max-pending at the total", th([](QueueThresholds& t) { t.max_pending = 4; }), {}},
      {"max-pending below", th([](QueueThresholds& t) { t.max_pending = 3; }),
       {"pending deliveries total=4 exceeds max-pending=3"}},
      {"max-pending 0", th([](QueueThresholds& t) { t.max_pending = 0; }),
       {"pending deliveries total=4 exceeds max-pending=0"}},
      {"max-due at", th([](QueueThresholds& t) { t.max_due = 3; }), {}},
      {"max-due below", th([](QueueThresholds& t) { t.max_due = 2; }), {"due deliveries total=3 exceeds max-due=2"}},
      {"max-abandoned at", th([](QueueThresholds& t) { t.max_abandoned = 3; }), {}},
      {"max-abandoned below", th([](QueueThresholds& t) { t.max_abandoned = 0; }),
       {"abandoned deliveries since 2026-04-30T11:45:00Z total=3 exceeds max-abandoned=0"}},
      {"max-failed at", th([](QueueThresholds& t) { t.max_failed = 5; }), {}},
      {"max-failed below", th([](QueueThresholds& t) { t.max_failed = 4; }),
       {"failed deliveries since 2026-04-30T11:45:00Z total=5 exceeds max-failed=4"}},
      {"recent delivery present", th([](QueueThresholds& t) { t.require_recent_delivery = true; }), {}},
      {"recent alert present", th([](QueueThresholds& t) { t.require_recent_alert_delivery = true; }), {}},
      {"recent webhook missing", th([](QueueThresholds& t) { t.require_recent_webhook_delivery = true; }),
       {"no webhook deliveries since 2026-04-30T11:45:00Z"}},
      {"every failure in order", th([](QueueThresholds& t) {
         t.max_pending = 0;
         t.max_due = 0;
         t.max_abandoned = 0;
         t.max_failed = 0;
         t.require_recent_webhook_delivery = true;
       }),
       {"pending deliveries total=4 exceeds max-pending=0", "due deliveries total=3 exceeds max-due=0",
        "abandoned deliveries since 2026-04-30T11:45:00Z total=3 exceeds max-abandoned=0",
        "failed deliveries since 2026-04-30T11:45:00Z total=5 exceeds max-failed=0",
        "no webhook deliveries since 2026-04-30T11:45:00Z"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(jetmon::delivery::evaluate_thresholds(c.thresholds, s, since) == c.failures);
  }

  const QueueSnapshot empty = snapshot(metrics("webhook", 0, 0, 0, 0, 0, 0, 0, 0), metrics("alert", 0, 0, 0, 0, 0, 0, 0, 0));
  QueueThresholds all_recent;
  all_recent.require_recent_delivery = true;
  all_recent.require_recent_webhook_delivery = true;
  all_recent.require_recent_alert_delivery = true;
  CHECK(jetmon::delivery::evaluate_thresholds(all_recent, empty, since) ==
        std::vector<std::string>{"no delivered rows since 2026-04-30T11:45:00Z",
                                 "no webhook deliveries since 2026-04-30T11:45:00Z",
                                 "no alert-contact deliveries since 2026-04-30T11:45:00Z"});
}

TEST_CASE("delivery-check --since resolves against the database clock", "[delivery]") {
  const DateTime db_now = DateTime::from_civil(2026, 4, 30, 12, 0, 0);
  struct Case {
    const char* since;
    std::string error;  // empty: accepted
    DateTime cutoff;
  };
  const Case cases[] = {
      {"15m", "", DateTime::from_civil(2026, 4, 30, 11, 45, 0)},
      {" 2h ", "", DateTime::from_civil(2026, 4, 30, 10, 0, 0)},
      {"2026-04-30T11:00:00Z", "", DateTime::from_civil(2026, 4, 30, 11, 0, 0)},
      {"2026-04-30T12:00:00Z", "", DateTime::from_civil(2026, 4, 30, 12, 0, 0)},
      {"2026-04-30 09:30:00", "", DateTime::from_civil(2026, 4, 30, 9, 30, 0)},
      {"", "since must not be empty", {}},
      {"0s", "since duration must be > 0", {}},
      {"-5m", "since duration must be > 0", {}},
      {"yesterday", "since \"yesterday\" must be a duration like 15m or an RFC3339 timestamp", {}},
      {"2026-04-30T12:00:01Z", "since 2026-04-30T12:00:01Z is in the future (database time 2026-04-30T12:00:00Z)", {}},
  };
  for (const Case& c : cases) {
    INFO(c.since);
    const auto r = jetmon::delivery::resolve_queue_since(c.since, db_now);
    CHECK(r.error == c.error);
    if (c.error.empty()) CHECK(r.cutoff == c.cutoff);
  }
}

TEST_CASE("delivery-check table is aligned like Go's tabwriter", "[delivery]") {
  const QueueSnapshot s =
      snapshot(metrics("webhook", 12, 2, 10, 345, 1, 0, 1234, 60), metrics("alert", 0, 0, 0, 0, 0, 0, 0, 0));
  CHECK(jetmon::delivery::format_queue_table(s) ==
        "KIND     PENDING  DUE_NOW  FUTURE_RETRY  DELIVERED_SINCE  ABANDONED_SINCE  FAILED_SINCE  "
        "OLDEST_PENDING_SEC  OLDEST_DUE_SEC\n"
        "webhook  12       2        10            345              1                0             "
        "1234                60\n"
        "alert    0        0        0             0                0                0             "
        "0                   0\n"
        "total    12       2        10            345              1                0             "
        "1234                60\n");
}
