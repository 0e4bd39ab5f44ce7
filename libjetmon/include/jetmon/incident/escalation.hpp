#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "jetmon/check/check.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/incident/event_store.hpp"

// The pure decisions of failure escalation (monitor.md §5), with product decisions 2 (timed local
// retries) and 4 (recovery decided from the retry state and the open event, never from the
// fetched site_status). IncidentTracker (tracker.hpp) applies them.
namespace jetmon::incident {

// What escalation keeps of a local check result: no strings, so a retry entry stays small.
struct LocalCheck {
  TimePoint started_at{};
  bool success = false;
  int http_code = 0;
  check::ErrorCode error_code = check::ErrorCode::none;
  std::int64_t rtt_ms = 0;
  check::FailureClass failure_class = check::FailureClass::intermittent;

  static LocalCheck from(const check::CheckResult& result);
  bool is_failure() const { return check::is_failure(success, error_code); }
  bool operator==(const LocalCheck&) const = default;
};

// The config keys escalation reads; hot-reloadable.
struct EscalationSettings {
  int num_of_checks = 3;                          // NUM_OF_CHECKS: local failures before escalation
  std::chrono::seconds time_between_checks{30};   // TIME_BETWEEN_CHECKS_SEC: delay of a local retry
  std::size_t verifier_count = 0;                 // VERIFIERS configured
  int peer_offline_limit = 3;                     // PEER_OFFLINE_LIMIT: quorum ceiling
  int alert_cooldown_minutes = 30;                // ALERT_COOLDOWN_MINUTES
  bool projection_enabled = true;                 // LEGACY_STATUS_PROJECTION_ENABLE

  static EscalationSettings from(const config::Config& config);
  bool operator==(const EscalationSettings&) const = default;
};

// The site columns the incident logic reads (from the scheduler's fetch).
struct SiteSnapshot {
  std::uint64_t blog_id = 0;
  std::string monitor_url;
  std::optional<TimePoint> maintenance_start;
  std::optional<TimePoint> maintenance_end;
  std::optional<int> alert_cooldown_minutes;   // NULL: ALERT_COOLDOWN_MINUTES
  std::optional<TimePoint> last_alert_sent_at;

  // The site's open http event, when the fetch already knows it, e.g. with
  //   (SELECT e.id FROM jetmon_events e WHERE e.blog_id = s.blog_id AND e.check_type = 'http'
  //    AND e.ended_at IS NULL ORDER BY e.started_at LIMIT 1)
  // Without it (open_http_event_known=false), a successful result of a site with no retry state
  // costs the tracker one indexed lookup to find out whether there is anything to recover.
  bool open_http_event_known = false;
  std::optional<std::uint64_t> open_http_event_id;
};

// ---- Per-blog retry state ---------------------------------------------------------------------

enum class RetryPhase {
  retrying,             // local failures below NUM_OF_CHECKS; a re-check is due at next_retry_at
  awaiting_verifliers,  // escalated; waiting for on_veriflier_votes with request_id
};

struct RetryState {
  int fail_count = 0;
  TimePoint first_fail_at{};
  LocalCheck last_failure;  // the failure that decided the latest step (fixed once escalated)
  std::optional<std::uint64_t> event_id;  // the open http event; unset while opening failed
  RetryPhase phase = RetryPhase::retrying;
  std::optional<TimePoint> next_retry_at;  // retrying only
  std::string request_id;                  // awaiting_verifliers only
  TimePoint last_activity{};               // last result or vote; idle entries can be expired

  bool operator==(const RetryState&) const = default;
};

// ---- §5.1 local failure, decision 2 -----------------------------------------------------------

enum class FailureStep {
  retry_later,     // fail_count < NUM_OF_CHECKS: audit retry_dispatched, re-check at next_retry_at
  escalate,        // NUM_OF_CHECKS reached: ask every configured Veriflier
  confirm_down,    // NUM_OF_CHECKS reached and no Verifliers configured: confirm immediately
  awaiting_votes,  // already escalated: this failure changes nothing
};

struct FailureDecision {
  FailureStep step = FailureStep::retry_later;
  RetryState state;         // the retry state after this failure
  bool open_event = false;  // no event yet: open the http event (again, if an earlier open failed)
  bool operator==(const FailureDecision&) const = default;
};

FailureDecision decide_failure(const std::optional<RetryState>& before, const LocalCheck& failure,
                               TimePoint now, const EscalationSettings& settings);

// ---- §5.2 Veriflier quorum --------------------------------------------------------------------

// One configured Veriflier's answer to an escalation.
struct VeriflierVote {
  std::string address;   // "host:port" of the configured Veriflier (audit source, metric segment)
  bool replied = false;  // false: network error, non-200, undecodable body or empty results
  std::string host;      // the hostname the Veriflier reported (WPCOM checks[].host)
  bool success = false;  // its own check succeeded: a vote against "down"
  int http_code = 0;
  int error_code = 0;
  std::int64_t rtt_ms = 0;
  std::string error;  // why there was no reply (for logs)
  bool operator==(const VeriflierVote&) const = default;
};

enum class QuorumVerdict {
  confirmed,           // confirmations ≥ quorum
  disagreed,           // healthy replies, but too few of them saw the site down
  no_healthy_replies,  // every Veriflier failed: quorum 1, 0 confirmations, so the Go rule calls it
                       // a false alarm although nobody looked at the site (see docs/incident.md)
};

struct QuorumDecision {
  int healthy = 0;        // replies
  int confirmations = 0;  // replies with success=false
  int disagreements = 0;  // replies with success=true
  int errors = 0;         // Verifliers that did not reply
  int quorum = 1;         // max(1, min(PEER_OFFLINE_LIMIT, healthy))
  QuorumVerdict verdict = QuorumVerdict::no_healthy_replies;

  bool confirmed() const { return verdict == QuorumVerdict::confirmed; }
  bool operator==(const QuorumDecision&) const = default;
};

QuorumDecision decide_quorum(std::span<const VeriflierVote> votes, int peer_offline_limit);

// ---- §5.5 maintenance and cooldown ------------------------------------------------------------

// Both bounds set and start < now < end (UTC).
bool in_maintenance(const std::optional<TimePoint>& start, const std::optional<TimePoint>& end,
                    TimePoint now);

// The site's alert_cooldown_minutes when set, else the global value; ≤0 disables the cooldown.
int effective_cooldown_minutes(std::optional<int> site_minutes, int global_minutes);

// A notice was delivered (last_alert_sent_at) less than the effective cooldown ago.
bool in_cooldown(std::optional<int> site_minutes, int global_minutes,
                 const std::optional<TimePoint>& last_alert_sent_at, TimePoint now);

enum class NoticeGate {
  send,         // notify WPCOM
  maintenance,  // suppressed: the site is in its maintenance window (audited)
  cooldown,     // suppressed: a notice went out within the cooldown (audited for down notices)
};

// Maintenance wins over cooldown.
NoticeGate notice_gate(const SiteSnapshot& site, TimePoint now, int global_cooldown_minutes);

// ---- §5.4 recovery, decision 4 ----------------------------------------------------------------

enum class RecoveryStep {
  nothing,            // no retry state and no open http event: the steady state of a healthy site
  clear_retry_state,  // failures were seen but no event is open: forget them, nothing to announce
  close_event,        // close the open event (probe_cleared / verifier_cleared), project 1, notify
};

// Deliberately has no site_status input: with LEGACY_STATUS_PROJECTION_ENABLE=false that column
// never changes, and Go's gate on it left events open forever.
RecoveryStep decide_recovery(bool has_retry_state, bool has_open_event);

// ---- Veriflier request ids --------------------------------------------------------------------

// 16 random bytes as lowercase hex, or "ts-<unix nanoseconds>" when no randomness is available.
std::string new_request_id();

}  // namespace jetmon::incident
