#pragma once

#include <optional>
#include <string_view>

// The event vocabulary of monitor.md §6.1 and the legacy site_status values of §6.4. These strings
// are stored in jetmon_events / jetmon_event_transitions / jetmon_audit_log and read by the Go
// service, the API and the webhooks: never change their spelling.
namespace jetmon::incident {

namespace states {
inline constexpr std::string_view up = "Up";
inline constexpr std::string_view warning = "Warning";
inline constexpr std::string_view degraded = "Degraded";
inline constexpr std::string_view seems_down = "Seems Down";
inline constexpr std::string_view down = "Down";
inline constexpr std::string_view paused = "Paused";
inline constexpr std::string_view maintenance = "Maintenance";
inline constexpr std::string_view unknown = "Unknown";
inline constexpr std::string_view resolved = "Resolved";  // only ever a transition's state_after
}  // namespace states

namespace severities {
inline constexpr int up = 0;
inline constexpr int warning = 1;
inline constexpr int degraded = 2;
inline constexpr int seems_down = 3;
inline constexpr int down = 4;
}  // namespace severities

namespace reasons {
inline constexpr std::string_view opened = "opened";
inline constexpr std::string_view severity_escalation = "severity_escalation";
inline constexpr std::string_view severity_deescalation = "severity_deescalation";
inline constexpr std::string_view state_change = "state_change";
inline constexpr std::string_view verifier_confirmed = "verifier_confirmed";
inline constexpr std::string_view verifier_cleared = "verifier_cleared";
inline constexpr std::string_view probe_cleared = "probe_cleared";
inline constexpr std::string_view false_alarm = "false_alarm";
inline constexpr std::string_view manual_override = "manual_override";
inline constexpr std::string_view maintenance_swallowed = "maintenance_swallowed";
inline constexpr std::string_view superseded = "superseded";
inline constexpr std::string_view auto_timeout = "auto_timeout";
inline constexpr std::string_view cause_linked = "cause_linked";
inline constexpr std::string_view cause_unlinked = "cause_unlinked";
}  // namespace reasons

// The monitor's check types; it always leaves endpoint_id and discriminator NULL.
namespace check_types {
inline constexpr std::string_view http = "http";
inline constexpr std::string_view tls_expiry = "tls_expiry";
}  // namespace check_types

// jetmon_audit_log.event_type values the monitor writes (§9.3).
namespace audit_events {
inline constexpr std::string_view wpcom_sent = "wpcom_sent";
inline constexpr std::string_view wpcom_retry = "wpcom_retry";
inline constexpr std::string_view retry_dispatched = "retry_dispatched";
inline constexpr std::string_view veriflier_sent = "veriflier_sent";
inline constexpr std::string_view maintenance_active = "maintenance_active";
inline constexpr std::string_view alert_suppressed = "alert_suppressed";
}  // namespace audit_events

// The `source` of transitions and audit rows when no hostname is known.
inline constexpr std::string_view kLocalSource = "local";

// jetpack_monitor_sites.site_status (v1 names in comments).
enum class SiteStatus : int {
  down = 0,            // SITE_DOWN: a Seems Down event is open
  running = 1,         // SITE_RUNNING: no open event
  confirmed_down = 2,  // SITE_CONFIRMED_DOWN: a Down event is open
};

// §6.4: the site_status an http event implies. nullopt (no open event) → running; open
// `Seems Down` → down; open `Down` → confirmed_down; any other open state has no v1 equivalent
// and projects nothing (nullopt).
std::optional<SiteStatus> projected_site_status(std::optional<std::string_view> open_state);

// The resolution reason of a recovery (§5.4): probe_cleared for a Seems Down event (only local
// checks ever saw it down), verifier_cleared otherwise (Down: the Verifliers had confirmed it).
std::string_view recovery_reason(std::string_view open_state);

// The display name of a severity (dashboard-fleet.md §8.1): 0 Up, 1 Warning, 2 Degraded,
// 3 Seems Down, 4 Down; anything else is "Unknown".
std::string_view severity_name(int severity);

}  // namespace jetmon::incident
