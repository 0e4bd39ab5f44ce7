#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The pure parts of the alert-contact sender (dashboard-fleet.md §8.5): the stored payload, the
// recovery rule, and the body of each transport. No I/O here.
namespace jetmon::delivery::alert {

enum class Transport { email, pagerduty, slack, teams };

// "email", "pagerduty", "slack", "teams" (the jetmon_alert_contacts.transport ENUM); else nullopt.
std::optional<Transport> parse_transport(std::string_view name);

// The frozen payload of a jetmon_alert_deliveries row (§8.2). Absent keys keep these defaults.
struct EventPayload {
  std::string type;
  std::string occurred_at;  // RFC 3339 (nano) UTC
  std::uint64_t transition_id = 0;
  std::uint64_t event_id = 0;
  std::uint64_t site_id = 0;
  std::string reason;
  std::string state;
  int severity_before = 0;
  int severity_after = 0;
};

// Parses the payload JSON; on failure returns nullopt and sets `error` ("decode payload: …").
std::optional<EventPayload> parse_event_payload(std::string_view json, std::string& error);

// §8.5: the contact was alerted for this event (before ≥ min_severity) and the site is Up again.
bool is_recovery(int severity_before, int severity_after, int min_severity);

// jetpack_monitor_sites.monitor_url when there is a non-empty one, else "site:<id>".
std::string site_url_or_fallback(const std::optional<std::string>& monitor_url, std::uint64_t site_id);

// The time shown in a notification: RFC 3339 in whole seconds ("2026-11-28T21:54:10Z"); the
// fraction of a UTC "…Z" timestamp is dropped. Empty → Go's zero time. nullopt when `occurred_at`
// is not RFC 3339.
std::optional<std::string> display_time(std::string_view occurred_at);

// What every transport renders.
struct Notification {
  std::uint64_t site_id = 0;
  std::string site_url;
  std::uint64_t event_id = 0;
  std::string event_type;
  int severity = 0;  // severity_after
  std::string state;
  std::string reason;
  std::string time;  // display_time(occurred_at)
  bool recovery = false;
  bool is_test = false;
  std::string dedup_key;  // "jetmon-event-<event_id>"; a test send: "jetmon-test-<site>-<unix>"
};

// The notification for a delivery row. nullopt (and `error`) when occurred_at is not RFC 3339.
std::optional<Notification> make_notification(const EventPayload& payload, std::string site_url,
                                              int min_severity, std::string& error);

std::string dedup_key(std::uint64_t event_id);

// PagerDuty severity: Down/Seems Down "critical", Degraded "warning", anything else "info".
std::string_view pagerduty_severity(int severity);

// Request bodies (compact JSON).
std::string pagerduty_body(const Notification& n, std::string_view routing_key);
std::string slack_body(const Notification& n);
std::string teams_body(const Notification& n);

struct EmailMessage {
  std::string from;
  std::string to;
  std::string subject;
  std::string plain;
  std::string html;
};
EmailMessage render_email(const Notification& n, std::string from, std::string to);
// The WPCOM email API body: {"from","to","subject","plain","html"}.
std::string wpcom_email_body(const EmailMessage& m);
// The RFC 5322 message for SMTP: headers (CR/LF removed from values, non-ASCII subject as an
// RFC 2047 encoded word) and a multipart/alternative body with a plain and an HTML part. `date`
// is the RFC 5322 Date header value.
std::string mime_message(const EmailMessage& m, std::string_view date);

// The contact's destination JSON reduced to the one value its transport needs: the email
// `address`, the PagerDuty `integration_key`, or the Slack/Teams `webhook_url` (an http(s) URL).
// nullopt (and `error`, e.g. "invalid destination JSON: …", "destination missing address") when
// the JSON, the key or its value is unusable.
std::optional<std::string> destination_target(Transport transport, std::string_view destination_json,
                                              std::string& error);

}  // namespace jetmon::delivery::alert
