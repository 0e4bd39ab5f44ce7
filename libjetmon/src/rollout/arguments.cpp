#include "jetmon/rollout/arguments.hpp"

#include <fmt/format.h>

#include "jetmon/common/text.hpp"
#include "jetmon/common/time_args.hpp"

namespace jetmon::rollout {

Checked<std::chrono::system_clock::time_point> resolve_since_cutoff(std::string_view text,
                                                                   std::chrono::system_clock::time_point now) {
  using Result = Checked<std::chrono::system_clock::time_point>;
  text = trim(text);
  if (text.empty()) return Result::fail("since must not be empty");
  if (const auto duration = parse_go_duration(text); duration && duration->count() <= 0) {
    return Result::fail("since duration must be > 0");
  }
  if (const auto cutoff = resolve_since(text, now)) {
    return Result{std::chrono::time_point_cast<std::chrono::system_clock::duration>(cutoff->time), {}};
  }
  return Result::fail(fmt::format("since {} must be a duration like 15m or an RFC3339 timestamp", go_quote(text)));
}

namespace {

// The explicit part both range rules share; nullopt when neither flag is set.
std::optional<Checked<BucketRange>> explicit_range(const RangeContext& context, int bucket_min, int bucket_max) {
  using Result = Checked<BucketRange>;
  if (bucket_min < -1 || bucket_max < -1) return Result::fail("bucket-min and bucket-max must be >= 0");
  if ((bucket_min == -1) != (bucket_max == -1)) return Result::fail("bucket-min and bucket-max must be set together");
  if (bucket_min == -1) return std::nullopt;
  if (bucket_max < bucket_min) return Result::fail("bucket-max must be >= bucket-min");
  if (bucket_max >= context.bucket_total) {
    return Result::fail(fmt::format("bucket-max must be < BUCKET_TOTAL ({})", context.bucket_total));
  }
  return Result{BucketRange{bucket_min, bucket_max}, {}};
}

}  // namespace

Checked<BucketRange> resolve_range_default(const RangeContext& context, int bucket_min, int bucket_max) {
  if (auto given = explicit_range(context, bucket_min, bucket_max)) return *given;
  if (context.pinned) return {context.pinned, {}};
  if (context.bucket_total <= 0) return Checked<BucketRange>::fail("BUCKET_TOTAL must be > 0");
  return {BucketRange{0, context.bucket_total - 1}, {}};
}

Checked<BucketRange> resolve_range_pinned_or_explicit(const RangeContext& context, int bucket_min,
                                                      int bucket_max) {
  if (auto given = explicit_range(context, bucket_min, bucket_max)) return *given;
  if (context.pinned) return {context.pinned, {}};
  return Checked<BucketRange>::fail(
      "bucket range is required: pass --bucket-min and --bucket-max, or configure "
      "PINNED_BUCKET_MIN/PINNED_BUCKET_MAX or BUCKET_NO_MIN/BUCKET_NO_MAX");
}

std::optional<std::string> check_limit(int limit) {
  if (limit <= 0) return std::string("limit must be > 0");
  return std::nullopt;
}

std::optional<std::string> check_status_port(int flag) {
  if (flag < -1) return std::string("status-port must be >= 0, or -1 for DASHBOARD_PORT");
  return std::nullopt;
}

Checked<int> resolve_status_port(int flag, int dashboard_port) {
  if (auto error = check_status_port(flag)) return Checked<int>::fail(*error);
  return {flag == -1 ? dashboard_port : flag, {}};
}

std::string resolve_host_id(std::string_view flag, std::string_view os_hostname) {
  if (const std::string_view host = trim(flag); !host.empty()) return std::string(host);
  if (const std::string_view host = trim(os_hostname); !host.empty()) return std::string(host);
  return "unknown";
}

}  // namespace jetmon::rollout
