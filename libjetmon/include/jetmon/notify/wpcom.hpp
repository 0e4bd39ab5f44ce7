#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/metrics/statsd.hpp"

namespace jetmon::db {
class Pool;
}

// The WPCOM status-change notifier (monitor.md §8) with its circuit breaker and the durable
// outbox of product decision 5 (docs/notify.md).
namespace jetmon::notify {

// ---- payload (pure) -------------------------------------------------------------------------------

inline constexpr int kStatusDown = 0;           // defined, never sent
inline constexpr int kStatusRunning = 1;        // recovered
inline constexpr int kStatusConfirmedDown = 2;  // confirmed down

// One element of "checks".
struct CheckEntry {
  std::string host;  // local: the monitor hostname; Veriflier: the Host it reported
  bool success = false;
  std::int64_t rtt_ms = 0;
  int http_code = 0;
  bool operator==(const CheckEntry&) const = default;
};

struct Notice {
  std::uint64_t blog_id = 0;
  std::string monitor_url;
  int status_id = kStatusConfirmedDown;
  std::chrono::system_clock::time_point last_check{};          // start of the deciding local check
  std::chrono::system_clock::time_point last_status_change{};  // when the transition was processed
  std::string status_type;  // the failure class of the local result; "success" for a recovery
  CheckEntry local;                  // checks[0], "type":1
  std::vector<CheckEntry> verifliers;  // "type":2 entries, one per Veriflier that replied
  bool operator==(const Notice&) const = default;
};

// "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds, truncated).
std::string format_utc_timestamp(std::chrono::system_clock::time_point time);

// A JSON string literal escaped as Go's encoding/json does: \" \\ \n \r \t, other control
// characters as \u00XX, '<' '>' '&' as \u003c \u003e \u0026, U+2028/U+2029 escaped, and each
// invalid UTF-8 byte replaced by \ufffd.
std::string json_string(std::string_view text);

// The request body, fields in this order:
// {"blog_id","monitor_url","status_id","last_check","last_status_change","status_type",
//  "checks":[{"type":1,"host","status","rtt","code"},{"type":2,…}…]}
// "status" is 1 for a successful check, else 0. The type-2 entries are written for down notices
// only: a recovery (status_id 1) carries the local entry alone, whatever `verifliers` holds.
std::string build_payload(const Notice& notice);

// The outbox idempotency key: lowercase hex SHA-256 of "<host_id>\n<payload>". The payload holds
// both timestamps, so two different notices never share a key and a notice is stored only once.
std::string notice_key(std::string_view host_id, std::string_view payload);

// ---- circuit breaker (pure) -----------------------------------------------------------------------

// monitor.md §8: `threshold` consecutive send failures open the circuit; any success resets the
// count. While open for at most `open_for`, admit() answers queue; the first admit() after that
// closes the circuit (count reset) and answers send. reopen() opens it again at once (used when a
// flush send fails; docs/notify.md).
class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Decision { send, queue };

  static constexpr int kDefaultThreshold = 5;
  static constexpr std::chrono::milliseconds kDefaultOpenFor{60000};

  explicit CircuitBreaker(int threshold = kDefaultThreshold,
                          std::chrono::milliseconds open_for = kDefaultOpenFor);

  Decision admit(Clock::time_point now);
  // Returns true when this failure opened the circuit.
  bool record_failure(Clock::time_point now);
  void record_success();
  void reopen(Clock::time_point now);

  bool is_open() const noexcept { return open_; }
  int consecutive_failures() const noexcept { return failures_; }
  // While open: the last instant admit() still answers queue (opened + open_for).
  std::optional<Clock::time_point> open_until() const;

 private:
  int threshold_;
  std::chrono::milliseconds open_for_;
  int failures_ = 0;
  bool open_ = false;
  Clock::time_point opened_at_{};
};

// ---- probe (pure) ---------------------------------------------------------------------------------

struct ProbeResult {
  std::string status;  // "green", "amber" or "red"
  std::string error;   // empty when green
  bool operator==(const ProbeResult&) const = default;
};

// monitor.md §11 / dashboard-fleet.md §3: red "circuit open, queued notifications=<n>";
// amber "queued notifications=<n>" when n > 0; else green.
ProbeResult wpcom_probe_result(bool circuit_open, std::int64_t queue_depth);

// ---- the notifier ---------------------------------------------------------------------------------

struct NotifierOptions {
  std::string url;         // WPCOM_NOTIFY_URL
  std::string auth_token;  // AUTH_TOKEN, sent as "Authorization: Bearer <token>"
  std::string host_id;     // owner of this host's outbox rows; empty: os_hostname()
  std::chrono::milliseconds request_timeout{15000};
  int breaker_threshold = CircuitBreaker::kDefaultThreshold;
  std::chrono::milliseconds breaker_open_for = CircuitBreaker::kDefaultOpenFor;
  // Notices handed over but not yet written to the outbox (only fills while the database is
  // unreachable); when full, the oldest is dropped and logged.
  std::size_t inbox_capacity = 10000;
  // Delivered and failed outbox rows of this host older than this are deleted (hourly).
  std::chrono::hours retention{24 * 7};
};

// Sends WPCOM notices from its own worker thread, never from the caller's.
//
// submit() only appends to a bounded in-memory inbox. The worker writes each notice to
// jetmon_wpcom_outbox (state pending, unique notice_key) and sends the rows of this host in id
// order with the flow of monitor.md §8: audit wpcom_sent before the first send, the
// wpcom.notification.* metrics, on failure audit wpcom_retry and ONE immediate retry, then give
// up (state failed). On delivery it sets jetpack_monitor_sites.last_alert_sent_at (UTC now) and
// the row's state in one transaction.
//
// While the circuit is open, rows become state queued (wpcom_queue_depth counts them). The worker
// flushes them in order as soon as open_for has passed (a timer: no new notice is needed), and at
// start-up, so notices queued before a restart are delivered by the next instance. A failing
// flush send re-opens the circuit and keeps the row at the head (an HTTP 4xx other than 408/429
// is a rejection of that notice: it is marked failed and the flush goes on).
//
// Thread-safe. The pool and the sink must outlive the notifier.
class WpcomNotifier {
 public:
  WpcomNotifier(db::Pool& pool, metrics::Sink& metrics, NotifierOptions options);
  ~WpcomNotifier();  // stop()
  WpcomNotifier(const WpcomNotifier&) = delete;
  WpcomNotifier& operator=(const WpcomNotifier&) = delete;

  // Starts the worker thread (idempotent).
  void start();
  // Lets a send in progress finish and be recorded for up to min(request_timeout, 5 s), then cuts
  // it short (that row is sent again by the next instance); sends nothing more, writes the inbox
  // to the outbox (best effort), joins the worker. Idempotent; never throws.
  void stop() noexcept;

  // Hands a notice over; never blocks on the network or the database. Returns false when the
  // inbox was full and its oldest notice had to be dropped to make room.
  bool submit(const Notice& notice);

  // The WPCOM figures of the dashboard and jetmon_process_health.
  bool wpcom_circuit_open() const;
  // Outbox rows of this host waiting on the circuit (state queued). Cached: refreshed by the
  // worker whenever it changes the outbox, so it is cheap to call from any thread.
  std::int64_t wpcom_queue_depth() const;
  ProbeResult probe() const;

  // Without start(): runs the worker's work on the calling thread until nothing more can be done
  // without waiting (tests, tools). Returns false when a database error stopped it.
  bool pump();
  // With start(): waits until the inbox is empty and nothing is sendable right now (no rows, or
  // the circuit is open). Returns false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Worker;
  std::unique_ptr<Worker> worker_;
};

// The `wpcom` probe; a null notifier is red "wpcom client is not initialized".
ProbeResult probe_wpcom(const WpcomNotifier* notifier);

}  // namespace jetmon::notify
