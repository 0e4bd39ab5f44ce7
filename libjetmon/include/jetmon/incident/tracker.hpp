#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "jetmon/check/check.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/incident/audit.hpp"
#include "jetmon/incident/escalation.hpp"
#include "jetmon/incident/event_store.hpp"
#include "jetmon/incident/retry_states.hpp"

// Turns check results and Veriflier votes into events, projection and audit rows (monitor.md §5,
// §6), and tells the orchestrator what to do next. It performs no network I/O of its own: the
// re-check, the Veriflier RPCs, the WPCOM notice and the StatsD metrics are the caller's, driven
// by the returned Outcome.
namespace jetmon::incident {

// ---- What the orchestrator must do next -------------------------------------------------------

struct NoAction {
  bool operator==(const NoAction&) const = default;
};

// Re-check the site locally at `at` (decision 2: TIME_BETWEEN_CHECKS_SEC after this failure).
struct ScheduleRetry {
  TimePoint at{};
  int attempt = 0;  // local failures so far
  int of = 0;       // NUM_OF_CHECKS
  bool operator==(const ScheduleRetry&) const = default;
};

// Ask every configured Veriflier to check the site (one single-site request each, all with this
// request id; deadline site timeout + 5 s), then pass every answer, errors included, to
// IncidentTracker::on_veriflier_votes with the same request id.
struct EscalateToVerifliers {
  std::string request_id;
  std::size_t verifier_count = 0;
  LocalCheck local;  // the failure that triggered the escalation
  bool operator==(const EscalateToVerifliers&) const = default;
};

// One entry of the WPCOM payload's `checks` array (§8); the notifier adds the type (1 local,
// 2 Veriflier).
struct WpcomCheck {
  std::string host;  // this monitor's hostname, or the hostname a Veriflier reported
  bool success = false;  // sent as status 1/0
  std::int64_t rtt_ms = 0;
  int http_code = 0;
  bool operator==(const WpcomCheck&) const = default;
};

// Send a WPCOM status change (§8). Every field of the payload is here; the notifier writes the
// `wpcom_sent` audit row, sends, retries and sets last_alert_sent_at on delivery.
struct NotifyWpcom {
  std::uint64_t blog_id = 0;
  std::string monitor_url;
  int status_id = 0;                // 2 = confirmed down, 1 = recovered
  TimePoint last_check{};           // start of the deciding local check
  TimePoint last_status_change{};   // when the transition was processed
  std::string status_type;          // failure class of the deciding local check, or "success"
  WpcomCheck local;                 // checks[0]
  std::vector<WpcomCheck> verifliers;  // down notices: each Veriflier that replied; else empty
  bool operator==(const NotifyWpcom&) const = default;
};

using Action = std::variant<NoAction, ScheduleRetry, EscalateToVerifliers, NotifyWpcom>;

// ---- What happened (for logs and the detection.* / verifier.* metrics) ------------------------

enum class Step {
  none,               // a healthy result with nothing to recover
  retry_scheduled,    // local failure below NUM_OF_CHECKS
  escalated,          // handed to the Verifliers
  awaiting_votes,     // a failure while an escalation is in flight: nothing written
  confirmed_down,     // promoted to Down (by quorum, or with no Verifliers configured)
  false_alarm,        // quorum missed: false positive recorded, event closed, no notice
  recovered,          // open event closed (probe_cleared / verifier_cleared)
  retry_state_cleared,  // a healthy result after failures that never got an open event
  stale_votes,        // votes for an escalation that is no longer pending: ignored
  untracked,          // the retry table is full: the event is open but retries cannot be tracked
};
std::string_view step_name(Step step);

enum class ConfirmReason {
  quorum_met,
  no_verifliers_configured,  // detection.verifier.no_clients.count
};

struct Outcome {
  Step step = Step::none;
  Action action = NoAction{};

  std::uint64_t blog_id = 0;
  std::optional<std::uint64_t> event_id;  // the http event concerned, when known
  int fail_count = 0;                     // local failures counted so far (failure steps)
  // The last failing local result's class (<class> of detection.failure/seems_down/down/…) and
  // when the site started failing (detection.*.time are measured from it).
  std::optional<check::FailureClass> failure_class;
  std::optional<TimePoint> first_fail_at;

  bool event_obtained = false;  // this failure got the event id (detection.seems_down.open.*)
  bool event_created = false;   // … and the event was new (an `opened` transition was written)
  bool escalated = false;       // NUM_OF_CHECKS reached (detection.verifier.escalation.*)
  std::optional<ConfirmReason> confirm_reason;
  std::optional<QuorumDecision> quorum;  // after votes
  std::optional<NoticeGate> notice_gate;  // confirmed_down / recovered: sent or why suppressed
  bool had_retry_state = false;           // recovered with retry state (detection.probe_cleared.*)
  std::optional<std::string> closed_from_state;  // recovered / false_alarm: Seems Down or Down

  std::vector<std::string> errors;  // database errors met (already logged); processing went on
};

// ---- The tracker ------------------------------------------------------------------------------

struct SiteResult {
  SiteSnapshot site;
  check::CheckResult result;
};

struct TrackerOptions {
  std::string hostname;  // transition and audit source; WPCOM checks[0].host. Empty: "local"
  EscalationSettings settings;
  std::size_t retry_capacity = kDefaultRetryCapacity;
  std::function<std::string()> request_ids;  // empty: new_request_id
};

// Thread-safe: calls are serialized (one blog's steps must not interleave). Call it from the
// thread that owns `connection`; database errors are logged, recorded in Outcome::errors, and
// never thrown, like §3.5's "DB errors are logged and processing continues".
class IncidentTracker {
 public:
  explicit IncidentTracker(TrackerOptions options);

  // Hot reload (NUM_OF_CHECKS, TIME_BETWEEN_CHECKS_SEC, VERIFIERS, PEER_OFFLINE_LIMIT,
  // ALERT_COOLDOWN_MINUTES, LEGACY_STATUS_PROJECTION_ENABLE).
  void update_settings(const EscalationSettings& settings);
  EscalationSettings settings() const;

  // A local check result (§3.5 step 4). A failure counts toward escalation (§5.1); any other
  // result is a recovery candidate (§5.4, decision 4). tls_expiry is separate (apply_tls_expiry).
  Outcome on_result(db::Connection& connection, const SiteSnapshot& site,
                    const check::CheckResult& result, TimePoint now);

  // Several local results in arrival order, with the outcomes on_result would give one by one.
  // First failures that open a new event share one transaction of multi-row statements (events,
  // their `opened` transitions and projections) and one audit insert, so a burst of failing sites
  // costs a handful of round trips rather than several per site; so do recoveries whose open
  // event is known without a lookup (from the retry state, or from the fetch). If such a
  // transaction fails its sites are processed one by one.
  std::vector<Outcome> on_results(db::Connection& connection, std::span<const SiteResult> results,
                                  TimePoint now);

  // Every configured Veriflier's answer to EscalateToVerifliers{request_id} (§5.2 steps 4-7).
  Outcome on_veriflier_votes(db::Connection& connection, const SiteSnapshot& site,
                             std::string_view request_id, std::span<const VeriflierVote> votes,
                             TimePoint now);

  std::size_t retry_queue_size() const noexcept { return retries_.size(); }
  std::optional<RetryState> retry_state(std::uint64_t blog_id) const { return retries_.get(blog_id); }
  // Drops the retry state of a site this host no longer checks (its bucket moved to another
  // host); false when it had none.
  bool forget(std::uint64_t blog_id) { return retries_.erase(blog_id); }
  // Drop entries without a result or vote for max_idle (e.g. votes that never came back).
  std::size_t expire_idle(TimePoint now, std::chrono::seconds max_idle);

  const EventStore& event_store() const noexcept { return store_; }

 private:
  // `decision` is decide_failure for this failure and the site's retry state as it is now.
  Outcome handle_failure(db::Connection& connection, const SiteSnapshot& site,
                         const LocalCheck& failure, FailureDecision decision, TimePoint now);
  struct FirstFailure {
    std::size_t index = 0;  // into on_results' input
    LocalCheck failure;
    FailureDecision decision;
  };
  void open_first_failures(db::Connection& connection, std::span<const SiteResult> results,
                           std::span<FirstFailure> failures, TimePoint now, std::vector<Outcome>& outcomes);
  static Outcome failure_outcome(std::uint64_t blog_id, const RetryState& state);
  static void record_open(const OpenResult& opened, RetryState& state, Outcome& out);
  // retry_later: keeps the state and schedules the retry; the audit row to write, if tracked.
  std::optional<AuditEntry> schedule_retry(const SiteSnapshot& site, const LocalCheck& failure,
                                           const RetryState& state, TimePoint now, Outcome& out);
  struct Recovery {
    std::size_t index = 0;  // into on_results' input
    LocalCheck local;
    std::uint64_t event_id = 0;       // the open event to close
    std::optional<RetryState> state;  // the site's retry state, if any
  };
  void close_recoveries(db::Connection& connection, std::span<const SiteResult> results,
                        std::span<const Recovery> recoveries, TimePoint now, std::vector<Outcome>& outcomes);
  // recovered: the notice to send (Outcome::action) or the audit row that says why not.
  std::optional<AuditEntry> recovery_notice(const SiteSnapshot& site, const LocalCheck& local,
                                            std::uint64_t event_id, TimePoint now, Outcome& out);
  Outcome handle_recovery(db::Connection& connection, const SiteSnapshot& site,
                          const LocalCheck& local, TimePoint now);
  void confirm_down(db::Connection& connection, const SiteSnapshot& site, const RetryState& state,
                    const std::vector<VeriflierVote>& replies, ConfirmReason reason,
                    TimePoint now, Outcome& out);
  void false_alarm(db::Connection& connection, const SiteSnapshot& site, const RetryState& state,
                   const QuorumDecision& quorum, TimePoint now, Outcome& out);
  std::optional<std::uint64_t> open_http_event(db::Connection& connection, std::uint64_t blog_id,
                                               std::optional<std::uint64_t> known, Outcome& out);
  void note_error(Outcome& out, std::string_view what, const std::exception& error) const;
  void warn_untracked(std::uint64_t blog_id, TimePoint now);

  mutable std::mutex mutex_;
  std::string hostname_;
  EscalationSettings settings_;
  std::function<std::string()> request_ids_;
  EventStore store_;
  RetryStates retries_;
  TimePoint last_full_warning_{};  // "retry table is full" is logged at most once a minute
  std::size_t untracked_since_warning_ = 0;
};

}  // namespace jetmon::incident
