#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "jetmon/schedule/buckets.hpp"

// The argument rules the rollout subcommands share (rollout.md §0), as pure functions: each
// answers a value or the failure message the subcommand prints after "FAIL ".
namespace jetmon::rollout {

using schedule::BucketRange;

// A value or the reason there is none.
template <typename T>
struct Checked {
  std::optional<T> value;
  std::string error;  // set when !value

  static Checked fail(std::string message) { return Checked{std::nullopt, std::move(message)}; }
  explicit operator bool() const { return value.has_value(); }
};

// --since (default 15m): a positive Go duration → now − d, or an RFC 3339 time (the database
// form "YYYY-MM-DD[ HH:MM:SS]" is accepted too, read as UTC). Empty, zero, negative and
// unparseable values fail.
Checked<std::chrono::system_clock::time_point> resolve_since_cutoff(std::string_view text,
                                                                   std::chrono::system_clock::time_point now);

// What the range rules need from the config.
struct RangeContext {
  int bucket_total = 0;
  std::optional<BucketRange> pinned;  // the configured pinned range, if any
};

// R-default (activity-check, projection-drift, cutover-check activity/drift): both
// --bucket-min/--bucket-max (−1 = unset) → them (max ≥ min, max < T); only one, or a value
// below −1 → error; neither → the pinned range, else 0..T−1.
Checked<BucketRange> resolve_range_default(const RangeContext& context, int bucket_min, int bucket_max);

// R-pinned-or-explicit (rollback-check): as R-default, but no flags and no pinned range fails.
Checked<BucketRange> resolve_range_pinned_or_explicit(const RangeContext& context, int bucket_min,
                                                      int bucket_max);

// --limit must be > 0: the failure message, or nullopt.
std::optional<std::string> check_limit(int limit);

// --status-port: −1 → DASHBOARD_PORT, 0 disables the dashboard probe, other negatives fail.
Checked<int> resolve_status_port(int flag, int dashboard_port);
// The same rule before the config is read: the failure message, or nullopt.
std::optional<std::string> check_status_port(int flag);

// --host (trimmed) when given, else the OS hostname, else "unknown".
std::string resolve_host_id(std::string_view flag, std::string_view os_hostname);

}  // namespace jetmon::rollout
