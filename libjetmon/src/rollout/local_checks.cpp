#include "jetmon/rollout/local_checks.hpp"

#include <fmt/format.h>

#include "jetmon/common/text.hpp"
#include "jetmon/dashboard/http_get.hpp"

namespace jetmon::rollout {

std::string systemd_unit_path(std::string_view service, std::string_view systemd_unit) {
  if (const std::string_view unit = trim(systemd_unit); !unit.empty()) return std::string(unit);
  return fmt::format("/etc/systemd/system/{}.service", trim(service));
}

bool verify_systemd_unit(Report& report, bool skip, const std::string& unit, const CommandRunner& run) {
  if (skip) {
    report.info("systemd_verify=skipped reason=operator");
    return true;
  }
  const CommandOutput result = run({"systemd-analyze", "verify", unit});
  const std::string output = collapse_whitespace(result.output);
  if (!result.started) {
    return report.fail(fmt::format("systemd-analyze verify {}: {}", unit, result.error));
  }
  if (result.exit_code != 0) {
    std::string reason = result.exit_code < 0 ? result.error : fmt::format("exit status {}", result.exit_code);
    if (!output.empty()) reason += ": " + output;
    return report.fail(fmt::format("systemd-analyze verify {} failed: {}", unit, reason));
  }
  report.pass("systemd_unit=" + unit);
  if (!output.empty()) report.info("systemd_verify=" + output);
  return true;
}

HttpGetter localhost_http_getter() {
  return [](int port, const std::string& path, std::chrono::seconds timeout) {
    const dashboard::GetResult result =
        dashboard::http_get("localhost", port, path, dashboard::GetTimeouts{timeout, timeout, timeout}, kMaxDashboardBody);
    HttpAnswer answer;
    if (result.too_large) {
      answer.error = fmt::format("body larger than {} bytes", kMaxDashboardBody);
    } else if (!result.status) {
      answer.error = result.error;
    } else {
      answer.answered = true;
      answer.status = *result.status;
      answer.body = result.body;
    }
    return answer;
  };
}

bool dashboard_status_section(Report& report, bool skip, int port, const HttpGetter& get) {
  if (skip) {
    report.info("dashboard_status=skipped reason=operator");
    return true;
  }
  if (port == 0) {
    report.info("dashboard_status=skipped dashboard_port=disabled");
    return true;
  }
  const std::string url = fmt::format("http://localhost:{}/api/state", port);
  const HttpAnswer answer = get(port, "/api/state", kDashboardTimeout);
  if (!answer.answered) return report.fail(fmt::format("dashboard status {}: {}", url, answer.error));
  if (answer.status >= 400) {
    return report.fail(fmt::format("http {}: {}", answer.status, collapse_whitespace(answer.body)));
  }
  report.pass("dashboard_status=" + url);
  report.info("dashboard_state=" + collapse_whitespace(answer.body));
  return true;
}

}  // namespace jetmon::rollout
