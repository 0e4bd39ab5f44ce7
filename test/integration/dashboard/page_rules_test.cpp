// The page recomputes the §2 summary rules in the browser from each SSE state: run its script
// under Node.js (when installed) and compare with host_summary() case by case.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "jetmon/dashboard/server.hpp"
#include "jetmon/dashboard/summary.hpp"
#include "support/process.hpp"
#include "unit/dashboard/dashboard_test_data.hpp"

using jetmon::dashboard::DashboardState;
using jetmon::health::HealthEntry;
using jetmon::health::HealthList;

namespace {

std::string find_node() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    for (const char* name : {"node", "nodejs"}) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return {};
}

// Stubs for the browser objects the script touches, the script itself, then one summary per
// case (keys in summary_json()'s order, issues omitted when empty).
constexpr const char* kHarnessHead = R"JS(
const fs = require("fs");
function element() {
  return { textContent: "", className: "", children: [],
           get firstChild() { return this.children[0]; },
           removeChild() { this.children.shift(); }, appendChild(c) { this.children.push(c); } };
}
const elements = {};
global.document = { getElementById: (id) => (elements[id] = elements[id] || element()),
                    createElement: () => element() };
global.fetch = () => new Promise(() => {});
global.EventSource = function () {};
global.setInterval = () => {};
)JS";

constexpr const char* kHarnessTail = R"JS(
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const c of cases) {
  const s = summarize(c.state, c.health);
  const out = { status: s.status, message: s.message };
  if (s.issues && s.issues.length > 0) out.issues = s.issues;
  out.red_count = s.red_count; out.amber_count = s.amber_count; out.green_count = s.green_count;
  console.log(JSON.stringify(out));
}
)JS";

HealthEntry entry(std::string name, std::string status, std::string error = "",
                  std::int64_t latency = 0) {
  return HealthEntry{std::move(name), std::move(status), latency, std::move(error),
                     jetmon::dashboard::test::spec_example_time()};
}

}  // namespace

TEST_CASE("dashboard page: the browser's summary rules match host_summary()", "[dashboard]") {
  const std::string node = find_node();
  // scripts/setup.sh installs nodejs: without it this test would assert nothing.
  REQUIRE_FALSE(node.empty());
  const auto config = jetmon::dashboard::test::spec_example_config();
  const DashboardState example =
      jetmon::dashboard::build_state(jetmon::dashboard::test::spec_example_inputs(config));
  DashboardState never = example;
  never.updated_at = {};
  never.delivery_workers_enabled = false;
  never.delivery_config_eligible = false;
  DashboardState circuit = example;
  circuit.wpcom_circuit_open = true;
  circuit.delivery_owner_host = "jetmon-v2-a";
  DashboardState restart = example;
  restart.delivery_config_eligible = false;
  DashboardState quiet = circuit;
  quiet.wpcom_circuit_open = false;

  const std::vector<std::pair<DashboardState, HealthList>> cases{
      {example, jetmon::dashboard::test::spec_example_health()},
      {example, {}},
      {never, {}},
      {never, {entry("mysql", "green")}},
      {circuit, {entry("mysql", "green")}},
      {circuit, {entry("wpcom", "red", "circuit open, queued notifications=4")}},
      {circuit, {entry("wpcom", "amber", "queued notifications=1")}},
      {restart, {entry("mysql", "red", "ping \"failed\" <x>"), entry("disk:logs", "red"),
                 entry("odd", "purple", "ignored"), entry("statsd", "amber")}},
      {quiet, {entry("mysql", "green", "", 2), entry("verifliers", "amber", "no verifliers configured")}},
      {quiet, {entry("mysql", "green"), entry("wpcom", "green")}},
  };

  std::string cases_json = "[";
  std::string expected;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i > 0) cases_json += ',';
    cases_json += R"({"state":)" + jetmon::dashboard::state_json(cases[i].first) +
                  R"(,"health":)" + jetmon::health::health_list_json(cases[i].second) + "}";
    expected += jetmon::dashboard::summary_json(
                    jetmon::dashboard::host_summary(cases[i].first, cases[i].second)) +
                "\n";
  }
  cases_json += "]";

  const std::string page(jetmon::dashboard::host_page_html());
  const auto open = page.find("<script>");
  const auto close = page.find("</script>");
  REQUIRE(open != std::string::npos);
  REQUIRE(close != std::string::npos);
  const std::string script = page.substr(open + 8, close - open - 8);

  jetmon::test::TempDir dir;
  const std::string harness =
      dir.write_file("harness.js", std::string(kHarnessHead) + script + kHarnessTail);
  const std::string input = dir.write_file("cases.json", cases_json);
  const auto result = jetmon::test::run_command({node, harness, input});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out == expected);
}
