#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// One dependency-health entry (dashboard-fleet.md §1.5): what the monitor's probes (§3) and the
// deliverer's probes (§7.3) produce, what /api/health and /api/host serve, and what the
// `dependency_health` column of jetmon_process_health stores (§6.2).
namespace jetmon::health {

inline constexpr std::string_view kGreen = "green";
inline constexpr std::string_view kAmber = "amber";
inline constexpr std::string_view kRed = "red";

struct HealthEntry {
  std::string name;
  // "green" | "amber" | "red". Kept as text: rows read back from the table may carry other
  // values, which the host summary ignores and the rollup counts as amber (§2, §6.3).
  std::string status;
  std::int64_t latency_ms = 0;  // omitted from JSON when 0
  std::string last_error;       // omitted from JSON when empty
  std::chrono::system_clock::time_point checked_at{};

  bool operator==(const HealthEntry&) const = default;
};

using HealthList = std::vector<HealthEntry>;

// {"name":…,"status":…[,"latency_ms":n][,"last_error":…],"checked_at":"<RFC 3339 UTC>"}
std::string health_entry_json(const HealthEntry& entry);

// JSON array of entries in list order; "[]" when empty.
std::string health_list_json(const HealthList& entries);

}  // namespace jetmon::health
