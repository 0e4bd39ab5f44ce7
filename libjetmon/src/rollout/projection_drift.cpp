#include "jetmon/rollout/projection_drift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "common/utf8.hpp"
#include "jetmon/common/text.hpp"

namespace jetmon::rollout {
namespace {

constexpr DriftCause kUnexpectedValue{
    "unexpected_projection_value",
    "site_status or the status its open events imply is outside 0/1/2; confirm the site's real state from "
    "jetmon_events and repair the site row by hand"};
constexpr DriftCause kMultipleOpen{
    "multiple_open_http_events",
    "the blog has more than one open http event and the projection follows the worst state; review the "
    "duplicate open events in jetmon_events before touching site_status"};
constexpr DriftCause kStaleLegacyDown{
    "stale_legacy_down_projection",
    "no open Down or Seems Down event but site_status still says down; check the blog's recent close "
    "transitions in jetmon_event_transitions"};
constexpr DriftCause kMissingConfirmedDown{
    "missing_confirmed_down_projection",
    "an open Down event but site_status says running; check the event-store transaction path that writes the "
    "event and site_status together"};
constexpr DriftCause kMissingSeemsDown{
    "missing_seems_down_projection",
    "an open Seems Down event but site_status says running; check the first-failure and local-retry writes"};
constexpr DriftCause kMissingPromotion{
    "missing_confirmed_promotion",
    "an open Down event but site_status stayed at seems down; check the verifier-confirmed promotion writes"};
constexpr DriftCause kStaleConfirmedDown{
    "stale_confirmed_down_projection",
    "only a Seems Down event is open but site_status says confirmed down; check the blog's recovery and "
    "false-alarm history"};
constexpr DriftCause kUnexpectedOpenEvent{
    "unexpected_open_event_projection",
    "an open event in a state the projection does not map; check the event row, its transitions and the site row"};

constexpr std::string_view kNextStep =
    "review the summary and rows below, confirm each site's real state from jetmon_events, then repair "
    "site_status by hand; this command never writes";
constexpr std::string_view kCountChangedNote =
    "drift changed while the report ran; run projection-drift again for a consistent view";
constexpr std::string_view kRepairGuidance =
    "do not bulk-update site_status from this report; fix the cause first, then correct each site row from "
    "its open events";

bool known_status(int status) { return status >= 0 && status <= 2; }

std::string summary_line(std::string_view bucket, std::string_view count, std::string_view site,
                         std::string_view expected, std::string_view open_events, std::string_view sample,
                         std::string_view cause, std::string_view state) {
  return fmt::format("{:<8} {:<7} {:<22} {:<22} {:<11} {:<12} {:<35} {}", bucket, count, site, expected, open_events,
                     sample, cause, state);
}

std::string row_line(std::string_view blog, std::string_view bucket, std::string_view site, std::string_view expected,
                     std::string_view event_id, std::string_view open_events, std::string_view cause,
                     std::string_view state) {
  return fmt::format("{:<12} {:<8} {:<22} {:<22} {:<10} {:<11} {:<35} {}", blog, bucket, site, expected, event_id,
                     open_events, cause, state);
}

DriftCause cause_of(const DriftGroup& g) {
  return classify_drift_cause(g.site_status, g.expected_status, g.event_state, g.max_open_event_count);
}

void print_summary(const std::vector<DriftGroup>& groups, Report& report) {
  report.section("projection drift summary");
  if (groups.empty()) {
    report.info("projection_drift_summary=none");
    return;
  }
  report.output(summary_line("BUCKET", "COUNT", "SITE_STATUS", "EXPECTED", "OPEN_EVENTS", "SAMPLE_BLOG", "CAUSE",
                             "EVENT_STATE"));
  const std::size_t shown = std::min(groups.size(), kDriftSummaryGroupsShown);
  for (std::size_t i = 0; i < shown; ++i) {
    const DriftGroup& g = groups[i];
    report.output(summary_line(std::to_string(g.bucket_no), std::to_string(g.drift_count),
                               drift_status_label(g.site_status), drift_status_label(g.expected_status),
                               std::to_string(g.max_open_event_count), std::to_string(g.sample_blog_id),
                               cause_of(g).code, drift_display(g.event_state)));
  }
  if (groups.size() > shown) {
    std::int64_t hidden = 0;
    for (std::size_t i = shown; i < groups.size(); ++i) hidden += groups[i].drift_count;
    report.info(fmt::format("projection_drift_summary_groups_truncated={}", groups.size() - shown));
    report.info(fmt::format("projection_drift_summary_rows_hidden={}", hidden));
  }
}

// One line per cause code over every group: drift count descending, then code.
void print_causes(const std::vector<DriftGroup>& groups, Report& report) {
  std::map<std::string_view, std::pair<std::int64_t, std::string_view>> by_code;  // code → count, action
  for (const DriftGroup& g : groups) {
    const DriftCause cause = cause_of(g);
    auto& entry = by_code[cause.code];
    entry.first += g.drift_count;
    entry.second = cause.action;
  }
  std::vector<std::pair<std::string_view, std::pair<std::int64_t, std::string_view>>> causes(by_code.begin(),
                                                                                              by_code.end());
  std::stable_sort(causes.begin(), causes.end(),
                   [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  for (const auto& [code, entry] : causes) {
    report.warn(fmt::format("projection_drift_cause={} count={} action={}", code, entry.first, go_quote(entry.second)));
  }
}

void print_rows(const std::vector<DriftRow>& rows, Report& report) {
  report.section("projection drift rows");
  report.output(row_line("BLOG_ID", "BUCKET", "SITE_STATUS", "EXPECTED", "EVENT_ID", "OPEN_EVENTS", "CAUSE",
                         "EVENT_STATE"));
  for (const DriftRow& r : rows) {
    const DriftCause cause = classify_drift_cause(r.site_status, r.expected_status, r.event_state, r.open_event_count);
    report.output(row_line(std::to_string(r.blog_id), std::to_string(r.bucket_no), drift_status_label(r.site_status),
                           drift_status_label(r.expected_status),
                           r.event_id ? std::to_string(*r.event_id) : std::string("-"),
                           std::to_string(r.open_event_count), cause.code, drift_display(r.event_state)));
  }
}

}  // namespace

DriftCause classify_drift_cause(int site_status, int expected_status, const std::optional<std::string>& event_state,
                                std::int64_t open_event_count) {
  if (!known_status(site_status) || !known_status(expected_status)) return kUnexpectedValue;
  if (open_event_count > 1) return kMultipleOpen;
  if (expected_status == 1 && site_status != 1) return kStaleLegacyDown;
  if (expected_status == 2 && site_status == 1) return kMissingConfirmedDown;
  if (expected_status == 0 && site_status == 1) return kMissingSeemsDown;
  if (expected_status == 2 && site_status == 0) return kMissingPromotion;
  if (expected_status == 0 && site_status == 2) return kStaleConfirmedDown;
  if (event_state && !event_state->empty()) return kUnexpectedOpenEvent;
  return kUnexpectedValue;
}

std::string drift_status_label(int status) {
  switch (status) {
    case 0: return "0/SITE_DOWN";
    case 1: return "1/SITE_RUNNING";
    case 2: return "2/SITE_CONFIRMED_DOWN";
    default: return std::to_string(status) + "/UNKNOWN";
  }
}

std::string drift_display(const std::optional<std::string>& value) {
  if (!value || value->empty()) return "-";
  const std::string text = valid_utf8(*value);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      out += '?';
    } else if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += '?';  // a C1 control character, U+0080..U+009F
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool projection_drift_report(Queries& queries, BucketRange range, std::int64_t limit, Report& report) {
  if (limit <= 0) return report.fail("limit must be > 0");
  const std::int64_t count = queries.drift_count(range);
  report.info(fmt::format("projection_drift_range={}-{}", range.min, range.max));
  report.info(fmt::format("legacy_projection_drift={}", count));
  if (count == 0) {
    report.pass("legacy_projection_drift=0");
    return true;
  }
  report.warn(fmt::format("legacy_projection_drift_requires_manual_review={}", count));
  report.warn(fmt::format("projection_drift_next_step={}", go_quote(kNextStep)));

  // Every group (there are at most `count` of them), so the cause lines cover all drift.
  const std::vector<DriftGroup> groups = queries.drift_summary(range, count);
  print_summary(groups, report);
  std::int64_t summarized = 0;
  for (const DriftGroup& g : groups) summarized += g.drift_count;
  if (summarized != count) {
    report.warn(fmt::format("projection_drift_count_changed={} summarized={} note={}", count, summarized,
                            go_quote(kCountChangedNote)));
  }
  print_causes(groups, report);

  const std::vector<DriftRow> rows = queries.drift_rows(range, limit);
  print_rows(rows, report);
  const auto shown = static_cast<std::int64_t>(rows.size());
  if (count > shown) report.info(fmt::format("projection_drift_rows_truncated={}", count - shown));
  report.info("projection_drift_repair=manual_confirmation_required");
  report.info(fmt::format("projection_drift_repair_guidance={}", go_quote(kRepairGuidance)));
  return report.fail(fmt::format("legacy projection drift={} in range {}-{}", count, range.min, range.max));
}

}  // namespace jetmon::rollout
