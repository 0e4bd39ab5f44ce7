#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/rollout/arguments.hpp"
#include "jetmon/rollout/report.hpp"

// static-plan-check (rollout.md §1.1): the CSV of v1 bucket ranges, its validation, and the
// coverage rule the dynamic gates share. Every function is pure except read_plan_file().
namespace jetmon::rollout {

// One host's inclusive range: a plan row, or a jetmon_hosts row for the dynamic coverage rule.
struct OwnedRange {
  std::string host;
  int min = 0;
  int max = 0;
  bool operator==(const OwnedRange&) const = default;
};

// Go encoding/csv with TrimLeadingSpace and a variable field count: RFC 4180 quoting, empty
// lines skipped, a bare `"` in an unquoted field or a broken quoted field is an error
// ("parse error on line L, column C: bare \" in non-quoted-field"). `records` gets every record.
// Returns the error text, or empty.
std::string parse_csv(std::string_view text, std::vector<std::vector<std::string>>& records);

// The plan rows: blank rows and rows whose first field starts with '#' are skipped, an optional
// header (host, bucket_min|bucket_no_min|min, bucket_max|bucket_no_max|max; any case) may be the
// first other row, then exactly host,bucket_min,bucket_max. Errors cite "row N" (1-based record
// number, empty lines not counted).
Checked<std::vector<OwnedRange>> parse_static_plan(std::string_view csv);

// "host "a" has invalid bucket range 5-3 for BUCKET_TOTAL=10" unless 0 ≤ min ≤ max < T.
std::optional<std::string> invalid_range_error(const OwnedRange& range, int bucket_total);

// `ranges` sorted by (min, host) must tile 0..T−1: the first gap, overlap or trailing gap as
// "<subject> has gap 4-4 before host "b"", "<subject> overlaps before host "b" at bucket 3",
// "<subject> has trailing gap 8-9"; nullopt when they tile. `subject` is "static bucket plan" or
// "dynamic bucket coverage".
std::optional<std::string> tiling_error(std::vector<OwnedRange> ranges, int bucket_total, std::string_view subject);

// §1.1 validation steps 2–5: T > 0, at least one row, no host twice, every range valid, tiling.
std::optional<std::string> validate_static_plan(const std::vector<OwnedRange>& ranges, int bucket_total);

// The optional --host [--bucket-min --bucket-max] assertion.
struct PlanAssertion {
  std::string host;  // empty: no assertion
  int bucket_min = -1;
  int bucket_max = -1;
  bool enabled() const { return !host.empty(); }
  bool checks_range() const { return bucket_min >= 0 || bucket_max >= 0; }
};
// The flag rules: bucket flags ≥ −1, only together, and only with --host.
Checked<PlanAssertion> plan_assertion_from_flags(std::string_view host, int bucket_min, int bucket_max);
// The asserted host's row, or why the plan does not match.
Checked<OwnedRange> check_plan_assertion(const std::vector<OwnedRange>& ranges, const PlanAssertion& assertion);

// Plan files above this size are refused (a plan has one line per v1 host).
inline constexpr std::size_t kMaxPlanBytes = 4u * 1024u * 1024u;

// Reads the plan: `path` "-" reads `stdin_stream`. Failure: "open static bucket plan: open <path>:
// <reason>", or "read static bucket plan: …" past kMaxPlanBytes.
Checked<std::string> read_plan_file(std::string_view path, std::istream& stdin_stream);

// The §1.1 check on already-read CSV text, writing its PASS lines and the verdict line
// `static rollout plan check passed` to `report`; false after report.fail(). `file_label` is the
// --file value as printed (static_plan_file=<label>). host-preflight runs this too.
bool static_plan_check(Report& report, std::string_view file_label, std::string_view csv, int bucket_total,
                       const PlanAssertion& assertion);

}  // namespace jetmon::rollout
