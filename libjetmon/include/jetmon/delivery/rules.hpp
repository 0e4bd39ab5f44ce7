#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/delivery/row.hpp"

// The pure decisions of the delivery pipeline (dashboard-fleet.md §8.2–§8.4, docs/delivery.md):
// reason → type, subscriber matching, the frozen payload, the retry ladder, the row update an
// outcome makes and the webhook signature. No I/O; table-tested in test/unit/delivery/.
namespace jetmon::delivery {

// ---- transitions and types (§8.2) ----------------------------------------------------------------

// One jetmon_event_transitions row as the dispatcher reads it. NULL severities read as 0 and a
// NULL state_after as "" (the payload's `state`).
struct Transition {
  std::uint64_t id = 0;
  std::uint64_t event_id = 0;
  std::uint64_t blog_id = 0;
  int severity_before = 0;
  int severity_after = 0;
  std::string state_after;
  std::string reason;
  std::chrono::system_clock::time_point changed_at{};
};

// The event type of a reason for the family, or nullopt when the family does not deliver it
// (unknown reasons, and cause_linked/cause_unlinked for alert contacts).
std::optional<std::string_view> event_type_for(Family family, std::string_view reason);

// Every event type the family delivers, each once, in the order of the reason table (what a
// subscriber's `events` filter may name).
const std::vector<std::string>& event_types(Family family);

// ---- subscriber filters (stored JSON) ------------------------------------------------------------

// A parsed filter. `values` empty = no restriction. `error` non-empty = the stored JSON was not
// understood (bad JSON, wrong shape, wrong element type): such a subscriber matches nothing and
// the dispatcher logs the error; rows are never enqueued against a filter we cannot read.
struct StringFilter {
  std::vector<std::string> values;
  std::string error;
};
struct IdFilter {
  std::vector<std::uint64_t> values;
  std::string error;
};

// `events`: NULL, `null` or `[]` → any; else an array of strings.
StringFilter parse_events_filter(const std::optional<std::string>& json);
// `site_filter`: NULL, `null`, `{}` or `{"site_ids":[]}` → any; else {"site_ids":[unsigned ints]}.
IdFilter parse_site_filter(const std::optional<std::string>& json);
// `state_filter`: NULL, `null`, `{}` or `{"states":[]}` → any; else {"states":[strings]}.
StringFilter parse_state_filter(const std::optional<std::string>& json);

struct WebhookSubscriber {
  std::uint64_t id = 0;
  bool active = true;
  StringFilter events;
  IdFilter sites;
  StringFilter states;
};

struct AlertSubscriber {
  std::uint64_t id = 0;
  bool active = true;
  IdFilter sites;
  int min_severity = 4;
};

// The first filter error of the subscriber ("events: …", "site_filter: …", "state_filter: …"),
// "" when every filter parsed.
std::string filter_error(const WebhookSubscriber& subscriber);
std::string filter_error(const AlertSubscriber& subscriber);

// One active subscriber whose stored filter cannot be read, as a dispatcher tick found it.
struct FilterProblem {
  std::uint64_t subscriber_id = 0;
  std::string filter_text;  // the stored filter columns as read (what "the filter changed" compares)
  std::string error;        // filter_error()
};

// The dispatcher's memory of the unreadable filters it already warned about: one warning per
// (subscriber id, filter text) until that subscriber's filter changes. Only the subscribers with a
// problem in the latest tick are remembered (a fixed, deactivated or deleted one is forgotten), so
// the memory never outgrows the subscriber table.
class FilterWarnings {
 public:
  // `problems`: every problem of this tick. Returns those to warn about now (first seen, or the
  // filter text changed since the last warning), in the given order.
  std::vector<FilterProblem> due(std::vector<FilterProblem> problems);
  std::size_t remembered() const noexcept { return warned_.size(); }

 private:
  std::map<std::uint64_t, std::string> warned_;  // subscriber id -> filter text warned about
};

// active ∧ (events any ∨ has type) ∧ (sites any ∨ has blog) ∧ (states any ∨ has state_after);
// false when a filter failed to parse.
bool webhook_matches(const WebhookSubscriber& subscriber, const Transition& transition,
                     std::string_view type);
// active ∧ site filter ∧ (severity_after ≥ min ∨ (severity_before ≥ min ∧ severity_after = 0)).
bool alert_matches(const AlertSubscriber& subscriber, const Transition& transition);

// ---- payload (§8.2) ------------------------------------------------------------------------------

// {"type","occurred_at" (RFC 3339 nano UTC),"transition_id","event_id","site_id","reason","state"}
// and, for alerts, numeric "severity_before","severity_after". Frozen at enqueue.
std::string build_payload(Family family, const Transition& transition, std::string_view type);

// ---- retry ladder and row update (§8.3) ----------------------------------------------------------

struct RetryLadder {
  // Delay after the 1st, 2nd … failure; one failure more than there are steps abandons.
  std::vector<std::chrono::seconds> delays{std::chrono::minutes(1), std::chrono::minutes(5),
                                           std::chrono::minutes(30), std::chrono::hours(1),
                                           std::chrono::hours(6)};
};

// The delay after failure number `failures` (1-based), or nullopt when it abandons.
std::optional<std::chrono::seconds> retry_delay(const RetryLadder& ladder, unsigned failures);

inline constexpr std::size_t kMaxStoredResponseBytes = 2048;

// What one outcome writes to the row: every outcome sets last_attempt_at = now and attempt + 1.
struct RowUpdate {
  enum class Status { pending, delivered, abandoned };
  Status status = Status::pending;
  unsigned attempt = 0;                            // the new attempt count
  std::optional<std::chrono::seconds> next_after;  // pending: next_attempt_at = now + this; else NULL
  int status_code = 0;
  std::string response;  // valid UTF-8, at most kMaxStoredResponseBytes bytes, never a split character
};

RowUpdate row_update(const SendOutcome& outcome, unsigned attempt_before, const RetryLadder& ladder);

std::string_view status_name(RowUpdate::Status status);

// ---- webhook signature (§8.4) --------------------------------------------------------------------

// Lowercase hex HMAC-SHA256 of `message` keyed by `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// "t=<unix>,v1=<hmac_sha256_hex(secret, "<unix>.<body>")>", keyed by the full secret (with whsec_).
std::string signature_header_value(std::string_view secret, std::int64_t unix_seconds,
                                   std::string_view body);

}  // namespace jetmon::delivery
