// `jetmon2 status` target resolution (dashboard-fleet.md §1.8, monitor.md §10).
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>

#include "jetmon/dashboard/status.hpp"

namespace {
using Env = std::map<std::string, std::string, std::less<>>;
}

TEST_CASE("jetmon2 status: DASHBOARD_HOST, then DASHBOARD_BIND_ADDR, then localhost") {
  struct Row {
    Env env;
    std::string url;
  };
  const auto row = GENERATE(values<Row>({
      {{}, "http://localhost:8080/api/state"},
      {{{"DASHBOARD_PORT", "9090"}}, "http://localhost:9090/api/state"},
      {{{"DASHBOARD_BIND_ADDR", "10.1.2.3"}}, "http://10.1.2.3:8080/api/state"},
      {{{"DASHBOARD_BIND_ADDR", "0.0.0.0"}}, "http://localhost:8080/api/state"},
      {{{"DASHBOARD_BIND_ADDR", "::"}}, "http://localhost:8080/api/state"},
      {{{"DASHBOARD_BIND_ADDR", "[::]"}}, "http://localhost:8080/api/state"},
      {{{"DASHBOARD_BIND_ADDR", "::1"}}, "http://[::1]:8080/api/state"},
      {{{"DASHBOARD_BIND_ADDR", "[::1]"}}, "http://[::1]:8080/api/state"},
      {{{"DASHBOARD_BIND_ADDR", " "}}, "http://localhost:8080/api/state"},
      {{{"DASHBOARD_HOST", "dash.example"}, {"DASHBOARD_BIND_ADDR", "10.1.2.3"}},
       "http://dash.example:8080/api/state"},
      {{{"DASHBOARD_HOST", "0.0.0.0"}, {"DASHBOARD_PORT", " 81 "}}, "http://localhost:81/api/state"},
  }));
  CAPTURE(row.url);
  CHECK(jetmon::dashboard::status_target(jetmon::config::environment_from(row.env)).url == row.url);
}

TEST_CASE("jetmon2 status: a bad DASHBOARD_PORT is named and exits 1") {
  const auto port = GENERATE(as<std::string>{}, "x", "0", "65536", "-1", "80x");
  const auto env = jetmon::config::environment_from({{"DASHBOARD_PORT", port}});
  CHECK_THROWS_WITH(jetmon::dashboard::status_target(env),
                    Catch::Contains("DASHBOARD_PORT=\"" + port + "\""));
  std::ostringstream out;
  std::ostringstream err;
  CHECK(jetmon::dashboard::run_status(env, out, err) == 1);
  CHECK(out.str().empty());
  CHECK(err.str().rfind("status: DASHBOARD_PORT=", 0) == 0);
}
