// The host page (dashboard-fleet.md §4) in a real browser: headless Chromium loads it from a
// running dashboard::Server that has a published state and health list, runs the page's own
// JavaScript (SSE + /api/host), and the rendered DOM is checked; a 1400x1600 screenshot is kept
// as a test artifact (<build dir>/test-artifacts/dashboard.png). Chromium is a test dependency
// (scripts/setup.sh): a missing /usr/bin/chromium fails the test.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "jetmon/dashboard/server.hpp"
#include "jetmon/dashboard/summary.hpp"
#include "support/process.hpp"
#include "unit/dashboard/dashboard_test_data.hpp"

using jetmon::dashboard::DashboardState;
using jetmon::dashboard::Server;
using jetmon::dashboard::ServerOptions;
using jetmon::test::CommandResult;
using jetmon::test::run_command;
using jetmon::test::TempDir;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

// The page is ready once /api/host has been rendered: the pill left "waiting" and the tiles exist.
constexpr const char* kReady =
    "document.getElementById('status-pill').textContent !== 'waiting' && "
    "document.getElementById('health').children.length > 0";

// Loads `url` in headless Chromium (page_browser.py drives it over the DevTools pipe: the page's
// open SSE stream keeps `chromium --dump-dom` from ever finishing with --virtual-time-budget),
// writes the screenshot to `png` and returns the rendered DOM on stdout. timeout(1) kills the
// whole process group should anything hang.
CommandResult load_page(const std::string& url, const std::string& png) {
  TempDir profile;
  return run_command({"/usr/bin/timeout", "-k", "5", "50", "/usr/bin/python3",
                      std::string(JETMON_SOURCE_DIR) + "/test/integration/dashboard/page_browser.py",
                      kChromium, url, profile.path(), png, kReady},
                     {}, "", 60000);
}

std::string unescape_html(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", "\u00a0"},
      {"&amp;", "&"}};  // &amp; last: "&amp;lt;" stays "&lt;"
  for (const auto& [from, to] : kEntities) {
    const std::string f = from;
    for (std::size_t pos = 0; (pos = s.find(f, pos)) != std::string::npos; pos += std::strlen(to)) {
      s.replace(pos, f.size(), to);
    }
  }
  return s;
}

// The inner HTML of the element with id `id` in the dumped DOM, up to `close` (its end tag; the
// elements read here hold either text or one level of children with another end tag).
std::string inner_html(const std::string& dom, const std::string& id, const std::string& close) {
  const auto at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "<no element #" + id + ">";
  const auto start = dom.find('>', at);
  const auto end = dom.find(close, start);
  if (start == std::string::npos || end == std::string::npos) return "<unclosed #" + id + ">";
  return dom.substr(start + 1, end - start - 1);
}

std::string text_of(const std::string& dom, const std::string& id) {
  return unescape_html(inner_html(dom, id, "</"));
}

// The texts of the direct children `<tag ...>text</tag>` of the element with id `id`.
std::vector<std::string> child_texts(const std::string& dom, const std::string& id,
                                     const std::string& tag, const std::string& parent_close) {
  const std::string inner = inner_html(dom, id, parent_close);
  std::vector<std::string> out;
  for (std::size_t pos = 0; (pos = inner.find("<" + tag, pos)) != std::string::npos;) {
    const auto start = inner.find('>', pos);
    const auto end = inner.find("</" + tag + ">", start);
    if (start == std::string::npos || end == std::string::npos) break;
    out.push_back(unescape_html(inner.substr(start + 1, end - start - 1)));
    pos = end;
  }
  return out;
}

// The class attribute of every child <div> of #health, in order.
std::vector<std::string> tile_classes(const std::string& dom) {
  const std::string inner = inner_html(dom, "health", "</section>");
  std::vector<std::string> out;
  for (std::size_t pos = 0; (pos = inner.find("<div class=\"", pos)) != std::string::npos;) {
    pos += 12;
    out.push_back(inner.substr(pos, inner.find('"', pos) - pos));
  }
  return out;
}

}  // namespace

TEST_CASE("dashboard page in headless Chromium renders the pill, sections and tiles from live data",
          "[dashboard][browser]") {
  REQUIRE(std::filesystem::exists(kChromium));  // a test dependency (scripts/setup.sh), not optional

  ServerOptions options;
  options.port = 0;
  options.bind_address = "";  // blank → 127.0.0.1
  Server server(options);
  server.start();

  const auto config = jetmon::dashboard::test::spec_example_config();
  auto inputs = jetmon::dashboard::test::spec_example_inputs(config);
  inputs.memory.rss_mb = 137;
  inputs.memory.allocator_mapped_mb = 91;
  const DashboardState state = jetmon::dashboard::build_state(inputs);
  const auto at = jetmon::dashboard::test::spec_example_time();
  const jetmon::health::HealthList health = {
      {"mysql", "green", 2, "", at},
      {"statsd", "amber", 0, "statsd client is not initialized", at},
      {"wpcom", "red", 15, "HTTP 503 from the API", at},
  };
  server.publish(state, health);

  // What the server itself says (§2), so the page is checked against the real summary.
  const auto summary = jetmon::dashboard::host_summary(state, health);
  REQUIRE(summary.status == "red");
  REQUIRE(summary.message == jetmon::dashboard::kMessageRed);

  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  const std::filesystem::path dir = std::filesystem::path(JETMON_BINARY_DIR) / "test-artifacts";
  std::filesystem::create_directories(dir);
  const std::filesystem::path png = dir / "dashboard.png";
  std::filesystem::remove(png);
  const CommandResult run = load_page(url, png.string());
  INFO("chromium stderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  const std::string& dom = run.out;
  REQUIRE(dom.find("<title>Jetmon 2 - Host Dashboard</title>") != std::string::npos);

  {  // the status pill and the summary panel
    CHECK(text_of(dom, "status-pill") == "red");
    CHECK(dom.find("id=\"status-pill\" class=\"pill red\"") != std::string::npos);
    CHECK(text_of(dom, "summary-title") == "rollout-blocking dependency or circuit issue");
    CHECK(text_of(dom, "summary-detail") == "dependencies green=1 amber=2 red=1");
    const auto issues = child_texts(dom, "summary-issues", "li", "</ul>");
    CHECK(issues == summary.issues);
    CHECK(std::find(issues.begin(), issues.end(), "wpcom red: HTTP 503 from the API") != issues.end());
    CHECK(std::find(issues.begin(), issues.end(), "statsd amber: statsd client is not initialized") !=
          issues.end());
    CHECK(text_of(dom, "summary-host") == "host: jetmon-v2-a");
    CHECK(text_of(dom, "summary-updated") != "updated: never");
  }

  {  // the five sections
    for (const char* title :
         {"CHECK POOL", "THROUGHPUT", "ROLLOUT STATE", "OPERATOR COMMANDS", "EXTERNAL DEPENDENCIES"}) {
      CHECK(dom.find(std::string("<h3>") + title + "</h3>") != std::string::npos);
    }
  }

  {  // the cards show the published state
    CHECK(text_of(dom, "workers") == "24");
    CHECK(text_of(dom, "active-checks") == "3");
    CHECK(text_of(dom, "queue-depth") == "12");
    CHECK(text_of(dom, "retry-queue") == "1");
    CHECK(text_of(dom, "sites-per-sec") == "173");
    CHECK(text_of(dom, "round-time") == "8.5s");
    CHECK(text_of(dom, "buckets") == "0-99");
    CHECK(text_of(dom, "rss-mem") == "137MB");
    CHECK(text_of(dom, "go-sys") == "91MB");
    CHECK(text_of(dom, "ownership") == state.bucket_ownership);
    CHECK(text_of(dom, "legacy-projection") == "enabled");
    CHECK(text_of(dom, "delivery-runtime") == "enabled");
    CHECK(text_of(dom, "delivery-eligible") == "eligible");
    CHECK(text_of(dom, "delivery-owner") == "unset");
    CHECK(text_of(dom, "wpcom-circuit") == "closed");
    CHECK(text_of(dom, "wpcom-queue") == "0");
  }

  {  // the operator commands verbatim
    CHECK(text_of(dom, "state-report") == state.rollout_state_report_command);
    CHECK(text_of(dom, "preflight") == state.rollout_preflight_command);
    CHECK(text_of(dom, "cutover") == state.rollout_cutover_command);
    CHECK(text_of(dom, "activity") == state.rollout_activity_command);
    CHECK(text_of(dom, "rollback") == state.rollout_rollback_command);
    CHECK(text_of(dom, "drift") == state.projection_drift_command);
    CHECK(text_of(dom, "preflight").find("--bucket-min=0 --bucket-max=99 --bucket-total=1000") !=
          std::string::npos);
  }

  {  // one colored tile per dependency
    CHECK(child_texts(dom, "health", "div", "</section>") ==
          std::vector<std::string>{"mysql: green 2ms",
                                   "statsd: amber - statsd client is not initialized",
                                   "wpcom: red 15ms - HTTP 503 from the API"});
    CHECK(tile_classes(dom) == std::vector<std::string>{"tile green", "tile amber", "tile red"});
  }

  {  // a screenshot is kept as a test artifact
    REQUIRE(std::filesystem::exists(png));
    CHECK(std::filesystem::file_size(png) > 20000);  // a blank 1400x1600 page is a few KB
    std::ifstream in(png, std::ios::binary);
    const std::string head((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(head.size() > 24);
    CHECK(head.substr(0, 8) == "\x89PNG\r\n\x1a\n");
    // IHDR: big-endian width and height at bytes 16..23.
    auto be32 = [&](std::size_t off) {
      return (static_cast<unsigned>(static_cast<unsigned char>(head[off])) << 24) |
             (static_cast<unsigned>(static_cast<unsigned char>(head[off + 1])) << 16) |
             (static_cast<unsigned>(static_cast<unsigned char>(head[off + 2])) << 8) |
             static_cast<unsigned>(static_cast<unsigned char>(head[off + 3]));
    };
    CHECK(be32(16) == 1400);
    CHECK(be32(20) == 1600);
  }
}
