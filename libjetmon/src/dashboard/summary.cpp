#include "jetmon/dashboard/summary.hpp"

#include <fmt/format.h>

#include "common/json_escape.hpp"

namespace jetmon::dashboard {

HostSummary host_summary(const DashboardState& state, const health::HealthList& health) {
  HostSummary summary;
  std::vector<std::string> red;
  std::vector<std::string> amber;

  // 1. Nothing published yet: provisional amber, not counted.
  const bool waiting = state.updated_at == std::chrono::system_clock::time_point{};
  if (waiting) amber.emplace_back("host state has not been published yet");

  // 2. Never green before the first probe.
  if (health.empty()) {
    ++summary.amber_count;
    amber.emplace_back("dependency health has not been published yet");
  }

  // 3. Each entry in list order; other statuses are ignored.
  bool wpcom_red = false;
  for (const health::HealthEntry& entry : health) {
    const std::string detail = entry.last_error.empty() ? "no detail reported" : entry.last_error;
    if (entry.status == health::kRed) {
      ++summary.red_count;
      red.push_back(fmt::format("{} red: {}", entry.name, detail));
      if (entry.name == "wpcom") wpcom_red = true;
    } else if (entry.status == health::kAmber) {
      ++summary.amber_count;
      amber.push_back(fmt::format("{} amber: {}", entry.name, detail));
    } else if (entry.status == health::kGreen) {
      ++summary.green_count;
    }
  }

  // 4. The breaker itself, unless a red wpcom probe already said so.
  if (state.wpcom_circuit_open && !wpcom_red) {
    ++summary.red_count;
    red.emplace_back("wpcom red: circuit open");
  }

  // 5, 6. Delivery ownership.
  if (state.delivery_workers_enabled && state.delivery_owner_host.empty()) {
    ++summary.amber_count;
    amber.emplace_back("delivery amber: runtime workers are enabled without DELIVERY_OWNER_HOST");
  }
  if (state.delivery_workers_enabled != state.delivery_config_eligible) {
    ++summary.amber_count;
    amber.emplace_back(
        "delivery amber: runtime worker state differs from current config; restart to apply "
        "ownership changes");
  }

  if (summary.red_count > 0) {
    summary.status = "red";
    summary.message = kMessageRed;
  } else if (summary.amber_count > 0) {
    summary.status = "amber";
    summary.message = kMessageAmber;
  } else if (waiting) {
    summary.status = "amber";
    summary.message = kMessageWaiting;
  } else {
    summary.status = "green";
    summary.message = kMessageGreen;
    return summary;  // no issues
  }
  summary.issues = std::move(red);
  summary.issues.insert(summary.issues.end(), amber.begin(), amber.end());
  return summary;
}

std::string summary_json(const HostSummary& summary) {
  std::string out = fmt::format(R"({{"status":"{}","message":"{}")", json_escape(summary.status),
                                json_escape(summary.message));
  if (!summary.issues.empty()) {
    out += R"(,"issues":[)";
    for (std::size_t i = 0; i < summary.issues.size(); ++i) {
      if (i > 0) out += ',';
      out += '"' + json_escape(summary.issues[i]) + '"';
    }
    out += ']';
  }
  out += fmt::format(R"(,"red_count":{},"amber_count":{},"green_count":{}}})", summary.red_count,
                     summary.amber_count, summary.green_count);
  return out;
}

std::string state_body(const DashboardState& state) { return state_json(state) + "\n"; }

std::string health_body(const std::optional<health::HealthList>& health) {
  return (health ? health::health_list_json(*health) : std::string("null")) + "\n";
}

std::string host_body(const DashboardState& state, const std::optional<health::HealthList>& health) {
  const health::HealthList none;
  return fmt::format(R"({{"state":{},"health":{},"summary":{}}})", state_json(state),
                     health ? health::health_list_json(*health) : std::string("null"),
                     summary_json(host_summary(state, health ? *health : none))) +
         "\n";
}

}  // namespace jetmon::dashboard
