#include "jetmon/incident/tls_expiry.hpp"

namespace jetmon::incident {

std::int64_t days_until_expiry(TimePoint expiry, TimePoint now) {
  // duration_cast truncates toward zero, as Go's int(d.Hours()/24) does.
  return std::chrono::duration_cast<std::chrono::days>(expiry - now).count();
}

TlsExpiryDecision decide_tls_expiry(TimePoint expiry, TimePoint now,
                                    const std::optional<OpenTlsEvent>& open_event) {
  TlsExpiryDecision d;
  d.days_until = days_until_expiry(expiry, now);
  if (d.days_until > kTlsWarningDays) {
    if (open_event) {
      d.step = TlsExpiryStep::close;
      d.reason = reasons::verifier_cleared;
    }
    return d;
  }
  const bool degraded = d.days_until <= kTlsDegradedDays;
  d.severity = degraded ? severities::degraded : severities::warning;
  d.state = degraded ? states::degraded : states::warning;
  if (!open_event) {
    d.step = TlsExpiryStep::open;
  } else if (open_event->severity != d.severity) {
    d.step = TlsExpiryStep::promote;
    d.reason = d.severity > open_event->severity ? reasons::severity_escalation
                                                 : reasons::severity_deescalation;
  }
  if (d.step == TlsExpiryStep::none) {
    d.severity = 0;
    d.state = {};
  }
  return d;
}

bool tls_expiry_needs_apply(bool has_open_event, TimePoint expiry, TimePoint now) {
  return has_open_event || decide_tls_expiry(expiry, now, std::nullopt).step != TlsExpiryStep::none;
}

TlsExpiryOutcome apply_tls_expiry(const EventStore& store, db::Connection& connection,
                                  std::uint64_t blog_id, TimePoint expiry, TimePoint now) {
  TlsExpiryOutcome outcome;
  const auto active = store.find_active(connection, blog_id, check_types::tls_expiry);
  std::optional<OpenTlsEvent> open_event;
  if (active) open_event = OpenTlsEvent{active->id, active->severity};
  outcome.decision = decide_tls_expiry(expiry, now, open_event);
  if (outcome.decision.step == TlsExpiryStep::none) return outcome;

  const Metadata metadata = TlsExpiryMetadata{
      outcome.decision.days_until, std::chrono::floor<std::chrono::seconds>(expiry)};
  EventTransaction tx(store, connection);
  switch (outcome.decision.step) {
    case TlsExpiryStep::none:
      break;
    case TlsExpiryStep::close:
      outcome.event = tx.close(active->id, outcome.decision.reason).event;
      break;
    case TlsExpiryStep::open: {
      OpenResult opened = tx.open({blog_id, check_types::tls_expiry, outcome.decision.severity,
                                   outcome.decision.state, metadata});
      outcome.event = opened.event;
      // Opening is idempotent: an event opened meanwhile is brought to this stage instead.
      if (!opened.created && opened.event.severity != outcome.decision.severity) {
        outcome.decision = decide_tls_expiry(expiry, now, OpenTlsEvent{opened.event.id, opened.event.severity});
        outcome.event = tx.promote(opened.event.id, outcome.decision.severity,
                                   outcome.decision.state, outcome.decision.reason, metadata)
                            .event;
      }
      break;
    }
    case TlsExpiryStep::promote:
      outcome.event = tx.promote(active->id, outcome.decision.severity, outcome.decision.state,
                                 outcome.decision.reason, metadata)
                          .event;
      break;
  }
  tx.commit();
  return outcome;
}

}  // namespace jetmon::incident
