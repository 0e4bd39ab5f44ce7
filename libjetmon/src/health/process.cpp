#include "jetmon/health/process.hpp"

#include "common/utf8.hpp"

#include <fmt/format.h>

#include <limits>
#include <utility>

#include "jetmon/common/build_info.hpp"
#include "jetmon/common/text.hpp"

namespace jetmon::health {

std::string_view rollup(const HealthList& entries) {
  bool amber = false;
  for (const HealthEntry& e : entries) {
    if (e.status == kRed) return kRed;
    if (e.status != kGreen) amber = true;  // amber, or a status nobody knows
  }
  return amber ? kAmber : kGreen;
}

std::string_view status_for_state(std::string_view state, std::string_view status) {
  state = trim(state);
  if (state == kStateStopping || state == kStateStopped) return kAmber;
  return status;
}

std::string_view deliverer_status(const HealthList& probes, bool delivery_workers_enabled,
                                  std::string_view delivery_owner_host) {
  const std::string_view status = rollup(probes);
  if (status == kGreen && delivery_workers_enabled && trim(delivery_owner_host).empty()) return kAmber;
  return status;
}

int effective_grace_sec(int configured) noexcept {
  return configured > 0 ? configured : kDefaultHeartbeatGraceSec;
}

std::int64_t heartbeat_age_sec(std::chrono::system_clock::time_point updated_at,
                               std::chrono::system_clock::time_point now) noexcept {
  const auto age = std::chrono::floor<std::chrono::seconds>(now - updated_at).count();
  return age > 0 ? static_cast<std::int64_t>(age) : 0;
}

bool is_stale(std::int64_t age_sec, int grace_sec) noexcept { return age_sec > grace_sec; }

bool is_active_process(std::string_view state, std::chrono::system_clock::time_point updated_at,
                       std::chrono::system_clock::time_point now, int grace_sec) noexcept {
  state = trim(state);
  if (state == kStateStopping || state == kStateStopped) return false;
  return !is_stale(heartbeat_age_sec(updated_at, now), grace_sec);
}

std::string process_id(std::string_view host_id, std::string_view process_type) {
  return fmt::format("{}:{}", trim(host_id), trim(process_type));
}

namespace {

constexpr std::size_t kBuildColumnChars = 64;  // VARCHAR(64) counts characters

std::string build_column(std::string_view value, std::string_view fallback) {
  value = trim(value);
  if (value.empty()) value = fallback;
  return std::string(utf8_prefix(value, kBuildColumnChars));
}

bool is_state(std::string_view s) {
  return s == kStateRunning || s == kStateIdle || s == kStateStopping || s == kStateStopped;
}

bool is_health_status(std::string_view s) { return s == kGreen || s == kAmber || s == kRed; }

void trim_in_place(std::string& s) { s = std::string(trim(s)); }

}  // namespace

BuildIdentity build_identity_from(const BuildInfo& info) {
  return {build_column(info.version, "dev"), build_column(info.date, "unknown"),
          build_column(info.compiler, "unknown")};
}

BuildIdentity build_identity() { return build_identity_from(build_info()); }

std::uint32_t to_column_count(std::int64_t value) noexcept {
  if (value <= 0) return 0;
  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  return value >= static_cast<std::int64_t>(kMax) ? kMax : static_cast<std::uint32_t>(value);
}

RowValidation validate_row(ProcessHealthRow row, std::chrono::system_clock::time_point now) {
  RowValidation out;
  trim_in_place(row.host_id);
  trim_in_place(row.process_type);
  trim_in_place(row.process_id);
  trim_in_place(row.state);
  trim_in_place(row.health_status);

  if (row.host_id.empty()) {
    out.error = "host id is required";
  } else if (row.process_type.empty()) {
    out.error = "process type is required";
  } else {
    if (row.process_id.empty()) row.process_id = process_id(row.host_id, row.process_type);
    if (row.process_id.empty()) out.error = "process id is required";
  }
  if (out.error.empty()) {
    if (row.state.empty()) row.state = std::string(kStateRunning);
    if (!is_state(row.state)) out.error = fmt::format("invalid process state {}", go_quote(row.state));
  }
  if (out.error.empty()) {
    if (row.health_status.empty()) row.health_status = std::string(rollup(row.dependency_health));
    if (!is_health_status(row.health_status)) {
      out.error = fmt::format("invalid health status {}", go_quote(row.health_status));
    }
  }
  if (out.error.empty()) {
    const std::chrono::system_clock::time_point zero{};
    if (row.started_at == zero) row.started_at = now;
    if (row.updated_at == zero) row.updated_at = now;
  }
  out.row = std::move(row);
  return out;
}

}  // namespace jetmon::health
