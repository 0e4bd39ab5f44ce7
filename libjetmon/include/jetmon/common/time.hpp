#pragma once

#include <chrono>
#include <string>

namespace jetmon {

// RFC 3339 in UTC with the fractional seconds trimmed of trailing zeros, the form of every JSON
// timestamp the dashboard and the process-health row carry ("2026-04-30T10:42:15.512Z",
// "…:15Z" when whole). The zero time_point means "never" and prints as Go's zero time,
// "0001-01-01T00:00:00Z" (dashboard-fleet.md conventions).
std::string format_rfc3339_utc(std::chrono::system_clock::time_point time);

inline constexpr const char* kNeverTimestamp = "0001-01-01T00:00:00Z";

}  // namespace jetmon
