#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "jetmon/incident/event_store.hpp"

// tls_expiry events (monitor.md §6.3), evaluated on every result that carries a certificate
// expiry. They never touch site_status and never notify WPCOM.
namespace jetmon::incident {

inline constexpr std::int64_t kTlsWarningDays = 30;  // 8…30 days left: Warning, severity 1
inline constexpr std::int64_t kTlsDegradedDays = 7;  // ≤7 days left (or expired): Degraded, severity 2

// The open tls_expiry event as far as the decision needs it.
struct OpenTlsEvent {
  std::uint64_t id = 0;
  int severity = 0;
};

enum class TlsExpiryStep {
  none,     // nothing to write
  close,    // more than 30 days left: close the open event (verifier_cleared)
  open,     // no open event and 30 days or less left: open one
  promote,  // the open event's severity differs from the stage: escalate or de-escalate it
};

struct TlsExpiryDecision {
  TlsExpiryStep step = TlsExpiryStep::none;
  std::int64_t days_until = 0;
  int severity = 0;         // open / promote: the stage's severity
  std::string_view state;   // open / promote: Warning or Degraded
  std::string_view reason;  // close: verifier_cleared; promote: severity_escalation or _deescalation
  bool operator==(const TlsExpiryDecision&) const = default;
};

// trunc((expiry − now) / 24h): 7 days and 23 hours is 7; 12 hours past expiry is 0.
std::int64_t days_until_expiry(TimePoint expiry, TimePoint now);

TlsExpiryDecision decide_tls_expiry(TimePoint expiry, TimePoint now,
                                    const std::optional<OpenTlsEvent>& open_event);

// False when a result's certificate cannot change anything: no tls_expiry event is open (as read
// with the site row) and the certificate has more than kTlsWarningDays left. Saves a lookup per
// HTTPS result on a healthy fleet.
bool tls_expiry_needs_apply(bool has_open_event, TimePoint expiry, TimePoint now);

struct TlsExpiryOutcome {
  TlsExpiryDecision decision;
  std::optional<Event> event;  // the event written (opened, promoted or closed), if any
};

// Looks up the blog's open tls_expiry event, decides, and applies the decision through the event
// store in one transaction (metadata {days_until, expires_at}; no projection). Throws db::DbError.
TlsExpiryOutcome apply_tls_expiry(const EventStore& store, db::Connection& connection,
                                  std::uint64_t blog_id, TimePoint expiry, TimePoint now);

}  // namespace jetmon::incident
