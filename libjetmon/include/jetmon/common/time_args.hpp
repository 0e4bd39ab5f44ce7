#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "jetmon/db/value.hpp"

// Times and durations given on the command line (`jetmon2 audit --since/--until`, the rollout
// gates' --since, rollout.md §0).
namespace jetmon {

// A Go duration ("24h", "1h30m", "90s", "1.5h", "250ms"; units ns us µs ms s m h, no days).
// nullopt when malformed; the sign is kept ("-1h" is negative).
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// A point in time given on the command line: RFC 3339 ("2026-04-30T10:42:15Z",
// "…+02:00", fractions allowed) or the database forms "YYYY-MM-DD[ HH:MM:SS[.f]]" read as UTC
// (the sessions run in UTC). nullopt when malformed.
std::optional<db::DateTime> parse_time_argument(std::string_view text);

// --since: a positive duration means `now` minus it, otherwise a time as above. nullopt when it
// is neither (zero and negative durations included).
std::optional<db::DateTime> resolve_since(std::string_view text, std::chrono::system_clock::time_point now);

}  // namespace jetmon
