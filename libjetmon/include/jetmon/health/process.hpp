#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jetmon/health/entry.hpp"

namespace jetmon {
struct BuildInfo;
}

// The jetmon_process_health row (dashboard-fleet.md §6) as data, and the pure decisions around
// it: rollup (§6.3), validation (§6.2), process id and build identity. docs/health.md.
namespace jetmon::health {

// ---- vocabulary -----------------------------------------------------------------------------------

inline constexpr std::string_view kProcessMonitor = "monitor";
inline constexpr std::string_view kProcessDeliverer = "deliverer";

// Lifecycle (`state`), independent of `health_status`.
inline constexpr std::string_view kStateRunning = "running";
inline constexpr std::string_view kStateIdle = "idle";
inline constexpr std::string_view kStateStopping = "stopping";
inline constexpr std::string_view kStateStopped = "stopped";

// ---- rollup (§6.3) --------------------------------------------------------------------------------

// Empty → green; any red → red; else any amber or unrecognized status → amber; else green.
// (The §2 host summary ignores unrecognized statuses instead; this rollup does not.)
std::string_view rollup(const HealthList& entries);

// The health_status a process reports (§6.5). While stopping or stopped it is always amber;
// otherwise `status` (the monitor's §2 host-summary status, or the deliverer's status below).
std::string_view status_for_state(std::string_view state, std::string_view status);

// The deliverer's status: the rollup of its probes, except that running delivery workers with no
// DELIVERY_OWNER_HOST (blank after trimming) turn green into amber.
std::string_view deliverer_status(const HealthList& probes, bool delivery_workers_enabled,
                                  std::string_view delivery_owner_host);

// ---- freshness (dashboard-fleet.md §9.2) ----------------------------------------------------------

inline constexpr int kDefaultHeartbeatGraceSec = 600;

// BUCKET_HEARTBEAT_GRACE_SEC as the fleet dashboard and the rollout tools apply it: ≤ 0 → 600.
int effective_grace_sec(int configured) noexcept;

// Whole seconds from `updated_at` to `now`, never negative (a clock a little ahead reads 0).
std::int64_t heartbeat_age_sec(std::chrono::system_clock::time_point updated_at,
                               std::chrono::system_clock::time_point now) noexcept;

// Stale when the age is strictly greater than the grace.
bool is_stale(std::int64_t age_sec, int grace_sec) noexcept;

// An "active" process: its row is not stale and its state (trimmed) is not stopping or stopped.
// Any other state counts, including the table's default "starting" and values this build does
// not know, so a process is never mistaken for gone because of a word.
bool is_active_process(std::string_view state, std::chrono::system_clock::time_point updated_at,
                       std::chrono::system_clock::time_point now, int grace_sec) noexcept;

// ---- identity -------------------------------------------------------------------------------------

// "<host_id>:<process_type>", each part trimmed: "web-1:monitor". One row per process class per
// host, reused across restarts (and across a Go → C++ swap on the host).
std::string process_id(std::string_view host_id, std::string_view process_type);

// The build columns: `version`, `build_date` and `go_version` (which stores the C++ toolchain,
// the column keeps its Go name). Defaults when the build does not know: "dev", "unknown",
// "unknown". Each is cut to 64 bytes (the VARCHAR(64) columns).
struct BuildIdentity {
  std::string version;
  std::string build_date;
  std::string toolchain;

  bool operator==(const BuildIdentity&) const = default;
};

// From common/build_info: version = the project version, build_date = the configure-time UTC
// date (RFC 3339), toolchain = the compiler id and version ("GNU 12.2.0").
BuildIdentity build_identity();
BuildIdentity build_identity_from(const BuildInfo& info);  // pure, for tests

// ---- the row (§6.1 after migrations 24–26) --------------------------------------------------------

// Every column except created_at (set by the table on the first insert and never written).
// std::optional marks the columns a writer may leave NULL (the deliverer's bucket and port
// columns). started_at is NULL-able in the table too, but a validated row always carries a
// time (zero → now), and dependency_health is always written as a JSON array ("[]" when empty).
// Integer members have the unsigned width of their column, so no value can be out of range.
struct ProcessHealthRow {
  std::string process_id;    // blank: derived as process_id(host_id, process_type)
  std::string host_id;       // required (after trimming)
  std::string process_type;  // required (after trimming): "monitor" or "deliverer"
  std::uint32_t pid = 0;
  std::string version;
  std::string build_date;
  std::string go_version;     // the toolchain string
  std::string state;          // blank → "running"; else running | idle | stopping | stopped
  std::string health_status;  // blank → rollup(dependency_health); else green | amber | red
  std::chrono::system_clock::time_point started_at{};  // zero → now
  std::chrono::system_clock::time_point updated_at{};  // zero → now
  std::optional<std::uint16_t> bucket_min;
  std::optional<std::uint16_t> bucket_max;
  std::string bucket_ownership;
  std::optional<std::uint32_t> api_port;
  std::optional<std::uint32_t> dashboard_port;
  bool delivery_workers_enabled = false;
  std::string delivery_owner_host;
  std::uint32_t worker_count = 0;
  std::uint32_t active_checks = 0;
  std::uint32_t queue_depth = 0;
  std::uint32_t retry_queue_size = 0;
  bool wpcom_circuit_open = false;
  std::uint32_t wpcom_queue_depth = 0;
  std::uint32_t go_sys_mem_mb = 0;  // allocator-mapped MiB (§11)
  std::uint32_t rss_mem_mb = 0;     // OS resident set MiB (§10), 0 = unavailable
  HealthList dependency_health;

  bool operator==(const ProcessHealthRow&) const = default;
};

// Saturating conversion for the INT UNSIGNED count columns: negative → 0, above 2^32-1 → 2^32-1.
std::uint32_t to_column_count(std::int64_t value) noexcept;

// ---- validation (§6.2) ----------------------------------------------------------------------------

struct RowValidation {
  ProcessHealthRow row;  // the normalized row; only meaningful when ok()
  std::string error;     // "" when valid

  bool ok() const noexcept { return error.empty(); }
};

// Before writing: host_id, process_type, process_id, state and health_status are trimmed;
// host_id and process_type are required ("host id is required", "process type is required");
// a blank process_id is derived ("process id is required" if that is still blank); blank
// state → "running", an unknown one → `invalid process state "<s>"`; blank health_status →
// rollup(dependency_health), an unknown one → `invalid health status "<s>"` (values quoted like
// Go's %q); a zero started_at / updated_at → `now`. An invalid row must not be written.
RowValidation validate_row(ProcessHealthRow row, std::chrono::system_clock::time_point now);

}  // namespace jetmon::health
