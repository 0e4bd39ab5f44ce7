// The projection drift report of rollout.md §3 over a FakeQueries: the cause rules, the labels,
// and the exact text of each report shape.
#include <catch2/catch.hpp>

#include <sstream>
#include <stdexcept>
#include <vector>

#include "fake_queries.hpp"
#include "jetmon/rollout/projection_drift.hpp"

using namespace jetmon::rollout;
using jetmon::rollout::testing::FakeQueries;

namespace {

struct Run {
  bool ok = false;
  std::string out;
  std::string err;
};

Run run_report(FakeQueries& q, BucketRange range, std::int64_t limit) {
  std::ostringstream out, err;
  Report report(OutputMode::text, out, err);
  Run run;
  run.ok = projection_drift_report(q, range, limit, report);
  run.out = out.str();
  run.err = err.str();
  return run;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Whether every part occurs in `text`, each after the previous one.
bool in_order(const std::string& text, const std::vector<std::string>& parts) {
  std::size_t at = 0;
  for (const std::string& part : parts) {
    at = text.find(part, at);
    if (at == std::string::npos) return false;
    at += part.size();
  }
  return true;
}

DriftGroup group(int bucket, int site, int expected, std::optional<std::string> state, std::int64_t open,
                 std::int64_t count, std::int64_t sample) {
  return DriftGroup{bucket, site, expected, std::move(state), open, count, sample};
}

}  // namespace

TEST_CASE("rollout drift cause rules, first match wins", "[rollout]") {
  struct Case {
    const char* name;
    int site;
    int expected;
    std::optional<std::string> state;
    std::int64_t open;
    std::string_view code;
  };
  const std::vector<Case> cases = {
      // 1: a status outside {0,1,2}, before everything else (even several open events).
      {"unknown site status", 9, 1, std::nullopt, 0, "unexpected_projection_value"},
      {"negative site status", -1, 2, "Down", 3, "unexpected_projection_value"},
      {"unknown expected status", 1, 5, std::nullopt, 0, "unexpected_projection_value"},
      // 2: more than one open event.
      {"duplicate open events", 1, 2, "Down", 2, "multiple_open_http_events"},
      {"duplicate open seems down", 2, 0, "Seems Down", 3, "multiple_open_http_events"},
      // 3: expected running, site not running.
      {"legacy down but no open event", 2, 1, std::nullopt, 0, "stale_legacy_down_projection"},
      {"legacy seems down but no open event", 0, 1, std::nullopt, 0, "stale_legacy_down_projection"},
      {"legacy down with an open other state", 0, 1, "Warning", 1, "stale_legacy_down_projection"},
      // 4–7: the remaining mismatches of known values.
      {"running with open down", 1, 2, "Down", 1, "missing_confirmed_down_projection"},
      {"running with open seems down", 1, 0, "Seems Down", 1, "missing_seems_down_projection"},
      {"seems down not promoted", 0, 2, "Down", 1, "missing_confirmed_promotion"},
      {"confirmed down with open seems down", 2, 0, "Seems Down", 1, "stale_confirmed_down_projection"},
      // 8: only reachable when the statuses agree (the pure rule still covers it).
      {"agreeing statuses with an open state", 2, 2, "Down", 1, "unexpected_open_event_projection"},
      // 9: anything else (an empty state is no state).
      {"agreeing statuses without a state", 1, 1, std::nullopt, 0, "unexpected_projection_value"},
      {"agreeing statuses with an empty state", 1, 1, std::string(), 1, "unexpected_projection_value"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const DriftCause cause = classify_drift_cause(c.site, c.expected, c.state, c.open);
    CHECK(cause.code == c.code);
    CHECK_FALSE(cause.action.empty());
  }
}

TEST_CASE("rollout drift status labels and displayed values", "[rollout]") {
  CHECK(drift_status_label(0) == "0/SITE_DOWN");
  CHECK(drift_status_label(1) == "1/SITE_RUNNING");
  CHECK(drift_status_label(2) == "2/SITE_CONFIRMED_DOWN");
  CHECK(drift_status_label(7) == "7/UNKNOWN");
  CHECK(drift_status_label(-1) == "-1/UNKNOWN");

  CHECK(drift_display(std::nullopt) == "-");
  CHECK(drift_display(std::string()) == "-");
  CHECK(drift_display(std::string("Seems Down")) == "Seems Down");
  CHECK(drift_display(std::string("Down\x1b[31m\nStill\tDown\x7f")) == "Down?[31m?Still?Down?");
  CHECK(drift_display(std::string("a\xc2\x85z")) == "a?z");            // C1 control (NEL)
  CHECK(drift_display(std::string("caf\xc3\xa9")) == "caf\xc3\xa9");   // ordinary non-ASCII stays
  CHECK(drift_display(std::string("x\xff")) == "x\xef\xbf\xbd");       // malformed byte → U+FFFD
}

TEST_CASE("rollout drift report without drift passes and stops after the count", "[rollout]") {
  FakeQueries q;
  q.drift["0-9"] = 0;
  q.rows.push_back(DriftRow{42, 3, 1, 2, 7, 1, "Down"});  // never listed: the count decides
  const Run run = run_report(q, BucketRange{0, 9}, 50);
  CHECK(run.ok);
  CHECK(run.out == "INFO projection_drift_range=0-9\nINFO legacy_projection_drift=0\nPASS legacy_projection_drift=0\n");
  CHECK(run.err.empty());
}

TEST_CASE("rollout drift report prints the summary, causes, rows and fails", "[rollout]") {
  FakeQueries q;
  q.drift["2-4"] = 2;
  q.groups.push_back(group(3, 1, 2, "Down", 1, 2, 42));
  q.rows.push_back(DriftRow{42, 3, 1, 2, 123, 1, "Down"});
  q.rows.push_back(DriftRow{43, 3, 1, 2, 124, 1, "Down"});
  const Run run = run_report(q, BucketRange{2, 4}, 1);
  CHECK_FALSE(run.ok);
  CHECK(run.err == "FAIL legacy projection drift=2 in range 2-4\n");
  const std::string expected =
      "INFO projection_drift_range=2-4\n"
      "INFO legacy_projection_drift=2\n"
      "WARN legacy_projection_drift_requires_manual_review=2\n"
      "WARN projection_drift_next_step=\"review the summary and rows below, confirm each site's real state from "
      "jetmon_events, then repair site_status by hand; this command never writes\"\n"
      "## projection drift summary\n"
      "\n"
      "BUCKET   COUNT   SITE_STATUS            EXPECTED               OPEN_EVENTS SAMPLE_BLOG  CAUSE                   "
      "            EVENT_STATE\n"
      "3        2       1/SITE_RUNNING         2/SITE_CONFIRMED_DOWN  1           42           "
      "missing_confirmed_down_projection   Down\n"
      "WARN projection_drift_cause=missing_confirmed_down_projection count=2 action=\"an open Down event but "
      "site_status says running; check the event-store transaction path that writes the event and site_status "
      "together\"\n"
      "## projection drift rows\n"
      "\n"
      "BLOG_ID      BUCKET   SITE_STATUS            EXPECTED               EVENT_ID   OPEN_EVENTS CAUSE             "
      "                  EVENT_STATE\n"
      "42           3        1/SITE_RUNNING         2/SITE_CONFIRMED_DOWN  123        1           "
      "missing_confirmed_down_projection   Down\n"
      "INFO projection_drift_rows_truncated=1\n"
      "INFO projection_drift_repair=manual_confirmation_required\n"
      "INFO projection_drift_repair_guidance=\"do not bulk-update site_status from this report; fix the cause "
      "first, then correct each site row from its open events\"\n";
  CHECK(run.out == expected);
}

TEST_CASE("rollout drift report shows 20 summary groups and counts causes over all of them", "[rollout]") {
  FakeQueries q;
  q.drift["0-99"] = 26;
  for (int i = 0; i < 20; ++i) q.groups.push_back(group(i, 1, 2, "Down", 1, 1, 100 + i));
  q.groups.push_back(group(98, 0, 1, std::nullopt, 0, 1, 998));  // hidden: 21st group
  q.groups.push_back(group(99, 2, 0, "Seems Down", 1, 5, 999));  // hidden: 22nd group
  const Run run = run_report(q, BucketRange{0, 99}, 50);
  CHECK_FALSE(run.ok);
  CHECK(contains(run.out, "\nINFO projection_drift_summary_groups_truncated=2\n"
                          "INFO projection_drift_summary_rows_hidden=6\n"));
  CHECK(contains(run.out, "\n19       1       1/SITE_RUNNING"));
  CHECK_FALSE(contains(run.out, "998"));  // the hidden groups' samples
  CHECK_FALSE(contains(run.out, "999"));
  // One line per code, count descending then code; the hidden groups count too.
  CHECK(in_order(run.out, {"WARN projection_drift_cause=missing_confirmed_down_projection count=20 ",
                           "WARN projection_drift_cause=stale_confirmed_down_projection count=5 ",
                           "WARN projection_drift_cause=stale_legacy_down_projection count=1 "}));
  CHECK_FALSE(contains(run.out, "projection_drift_count_changed"));
  // No rows in the range: the table is only its header, and all 26 are "truncated".
  CHECK(contains(run.out, "## projection drift rows\n\nBLOG_ID      BUCKET"));
  CHECK(contains(run.out, "\nINFO projection_drift_rows_truncated=26\n"));
}

TEST_CASE("rollout drift causes with equal counts are ordered by code", "[rollout]") {
  FakeQueries q;
  q.drift["0-9"] = 4;
  q.groups.push_back(group(1, 1, 0, "Seems Down", 1, 2, 10));  // missing_seems_down_projection
  q.groups.push_back(group(2, 0, 2, "Down", 1, 2, 20));        // missing_confirmed_promotion
  const Run run = run_report(q, BucketRange{0, 9}, 10);
  CHECK(in_order(run.out, {"projection_drift_cause=missing_confirmed_promotion count=2 ",
                           "projection_drift_cause=missing_seems_down_projection count=2 "}));
}

TEST_CASE("rollout drift report warns when the groups do not add up to the count", "[rollout]") {
  FakeQueries q;
  q.drift["0-9"] = 3;
  q.groups.push_back(group(1, 2, 1, std::nullopt, 0, 2, 11));
  const Run run = run_report(q, BucketRange{0, 9}, 10);
  CHECK_FALSE(run.ok);
  CHECK(contains(run.out, "\nWARN projection_drift_count_changed=3 summarized=2 note=\"drift changed while the "
                          "report ran; run projection-drift again for a consistent view\"\n"));
  CHECK(run.err == "FAIL legacy projection drift=3 in range 0-9\n");
}

TEST_CASE("rollout drift report with no summary groups prints summary none", "[rollout]") {
  FakeQueries q;
  q.drift["0-9"] = 1;  // the drift was repaired between the count and the summary
  const Run run = run_report(q, BucketRange{0, 9}, 10);
  CHECK_FALSE(run.ok);
  CHECK(contains(run.out, "## projection drift summary\n\nINFO projection_drift_summary=none\n"
                          "WARN projection_drift_count_changed=1 summarized=0 "));
  for (const char* absent : {"projection_drift_cause=", "SAMPLE_BLOG"}) CHECK_FALSE(contains(run.out, absent));
}

TEST_CASE("rollout drift report prints NULL ids and states as dashes and masks control characters", "[rollout]") {
  FakeQueries q;
  q.drift["0-9"] = 2;
  q.groups.push_back(group(5, 2, 1, std::nullopt, 0, 1, 7));
  q.groups.push_back(group(6, 1, 1, std::string("Odd\x1b[2J\r\nState"), 1, 1, 8));
  q.rows.push_back(DriftRow{7, 5, 2, 1, std::nullopt, 0, std::nullopt});
  q.rows.push_back(DriftRow{8, 6, 7, 1, 55, 1, std::string("Odd\x1b[2J\r\nState")});
  const Run run = run_report(q, BucketRange{0, 9}, 10);
  CHECK(contains(run.out, "\n5        1       2/SITE_CONFIRMED_DOWN  1/SITE_RUNNING         0           7            "
                          "stale_legacy_down_projection        -\n"));
  CHECK(contains(run.out, "\n6        1       1/SITE_RUNNING         1/SITE_RUNNING         1           8            "
                          "unexpected_open_event_projection    Odd?[2J??State\n"));
  CHECK(contains(run.out, "\n7            5        2/SITE_CONFIRMED_DOWN  1/SITE_RUNNING         -          0           "
                          "stale_legacy_down_projection        -\n"));
  CHECK(contains(run.out, "\n8            6        7/UNKNOWN              1/SITE_RUNNING         55         1           "
                          "unexpected_projection_value         Odd?[2J??State\n"));
  for (const char* absent : {"\x1b", "\r", "projection_drift_rows_truncated"}) CHECK_FALSE(contains(run.out, absent));
}

TEST_CASE("rollout drift report json mode carries the same lines", "[rollout]") {
  FakeQueries q;
  q.drift["2-4"] = 1;
  q.groups.push_back(group(3, 1, 0, "Seems Down", 1, 1, 42));
  q.rows.push_back(DriftRow{42, 3, 1, 0, 9, 1, "Seems Down"});
  std::ostringstream out, err;
  Report report(OutputMode::json, out, err);
  CHECK_FALSE(projection_drift_report(q, BucketRange{2, 4}, 50, report));
  CHECK(out.str().empty());  // until finish()
  CHECK(err.str().empty());
  const auto& lines = report.lines();
  REQUIRE(lines.size() == 13);
  CHECK(lines[0] == Line{Level::info, "projection_drift_range=2-4"});
  CHECK(lines[4] == Line{Level::section, "projection drift summary"});
  CHECK(lines[5].level == Level::output);
  CHECK(lines[6] == Line{Level::output, "3        1       1/SITE_RUNNING         0/SITE_DOWN            1           42"
                                        "           missing_seems_down_projection       Seems Down"});
  CHECK(lines[7].level == Level::warn);
  CHECK(lines[8] == Line{Level::section, "projection drift rows"});
  CHECK(lines[11] == Line{Level::info, "projection_drift_repair=manual_confirmation_required"});
  CHECK(report.failures() == std::vector<std::string>{"legacy projection drift=1 in range 2-4"});
}

TEST_CASE("rollout drift report rejects a non-positive limit before any query", "[rollout]") {
  FakeQueries q;
  q.fail_with = "no query expected";
  for (const std::int64_t limit : {0, -5}) {
    const Run run = run_report(q, BucketRange{0, 9}, limit);
    CHECK_FALSE(run.ok);
    CHECK(run.out.empty());
    CHECK(run.err == "FAIL limit must be > 0\n");
  }
}

TEST_CASE("rollout drift report lets query errors reach the subcommand runner", "[rollout]") {
  FakeQueries q;
  q.fail_with = "Lost connection to server during query";
  std::ostringstream out, err;
  Report report(OutputMode::text, out, err);
  CHECK_THROWS_WITH(projection_drift_report(q, BucketRange{0, 9}, 50, report), "Lost connection to server during query");
  CHECK(out.str().empty());
}
