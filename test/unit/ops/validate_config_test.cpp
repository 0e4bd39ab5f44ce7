// validate-config's output order (monitor.md §10 validate-config row, dashboard-fleet.md §1.2),
// with the database check injected.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "jetmon/ops/validate_config.hpp"
#include "support/process.hpp"

namespace {

struct Output {
  int code;
  std::vector<std::string> lines;
  std::string err;
};

Output validate(const std::string& config_json) {
  jetmon::test::TempDir dir;
  const std::string path = dir.write_file("config.json", config_json);
  jetmon::ops::ValidateConfigContext context;
  context.env = jetmon::config::environment_from({{"JETMON_CONFIG", path}});
  context.hostname = "jetmon-v2-a";
  context.check_db = [](const jetmon::config::DbSettings&) {};
  std::ostringstream out;
  std::ostringstream err;
  Output result{jetmon::ops::run_validate_config(context, out, err), {}, err.str()};
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) result.lines.push_back(line);
  return result;
}

std::ptrdiff_t index_of(const std::vector<std::string>& lines, const std::string& prefix) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(prefix, 0) == 0) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

const std::string kBindWarning =
    "WARN DASHBOARD_BIND_ADDR=\"0.0.0.0\" exposes the unauthenticated host dashboard; restrict "
    "access to trusted operator networks";

}  // namespace

TEST_CASE("validate-config: the bind warning follows the email lines and precedes the owner line") {
  const Output r = validate(R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":"0.0.0.0"})");
  REQUIRE(r.code == 0);
  const auto email = index_of(r.lines, "INFO email_transport=stub");
  const auto email_warn = index_of(r.lines, "WARN email_transport=stub;");
  const auto bind = index_of(r.lines, kBindWarning);
  const auto owner = index_of(r.lines, "INFO delivery_workers=disabled api_port=disabled");
  REQUIRE(email >= 0);
  REQUIRE(email_warn >= 0);
  REQUIRE(bind >= 0);
  REQUIRE(owner >= 0);
  CHECK(r.lines[static_cast<std::size_t>(bind)] == kBindWarning);
  CHECK(email < email_warn);
  CHECK(bind == email_warn + 1);
  CHECK(owner == bind + 1);
  CHECK(r.lines.back() == "validation passed");
}

TEST_CASE("validate-config: loopback binds and a disabled dashboard print no bind warning") {
  const auto json = GENERATE(as<std::string>{},
                             R"({"AUTH_TOKEN":"t"})",
                             R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":""})",
                             R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":"LOCALHOST."})",
                             R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":"[::1]"})",
                             R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":"127.9.9.9"})",
                             R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":"0.0.0.0","DASHBOARD_PORT":0})");
  CAPTURE(json);
  const Output r = validate(json);
  CHECK(r.code == 0);
  CHECK(index_of(r.lines, "WARN DASHBOARD_BIND_ADDR") == -1);
}

TEST_CASE("validate-config: a hostname bind warns, shown trimmed, and still passes") {
  const Output r = validate(R"({"AUTH_TOKEN":"t","DASHBOARD_BIND_ADDR":" dash.example "})");
  CHECK(r.code == 0);
  CHECK(index_of(r.lines, "WARN DASHBOARD_BIND_ADDR=\"dash.example\" exposes the unauthenticated "
                          "host dashboard; restrict access to trusted operator networks") >= 0);
}
