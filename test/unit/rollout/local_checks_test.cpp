#include <catch2/catch.hpp>

#include <sstream>

#include "jetmon/rollout/local_checks.hpp"

using namespace jetmon::rollout;

namespace {

struct Captured {
  std::ostringstream out, err;
  Report report{OutputMode::text, out, err};
};

}  // namespace

TEST_CASE("rollout systemd unit path", "[rollout]") {
  CHECK(systemd_unit_path("jetmon2", "") == "/etc/systemd/system/jetmon2.service");
  CHECK(systemd_unit_path("jetmon2", " /tmp/x.service ") == "/tmp/x.service");
}

TEST_CASE("rollout systemd unit verification with a fake runner", "[rollout]") {
  struct Case {
    const char* name;
    bool skip;
    CommandOutput answer;
    bool ok;
    std::string out;
    std::string err;
  };
  const std::string unit = "/etc/systemd/system/jetmon2.service";
  const std::vector<Case> cases{
      {"skipped", true, {}, true, "INFO systemd_verify=skipped reason=operator\n", ""},
      {"clean", false, {true, 0, "", ""}, true, "PASS systemd_unit=" + unit + "\n", ""},
      {"clean with notes", false, {true, 0, "  note one\n\tnote   two\n", ""}, true,
       "PASS systemd_unit=" + unit + "\nINFO systemd_verify=note one note two\n", ""},
      {"verify fails", false, {true, 1, "jetmon2.service: Command /opt/jetmon2/jetmon2\n is not executable\n", ""}, false,
       "", "FAIL systemd-analyze verify " + unit +
               " failed: exit status 1: jetmon2.service: Command /opt/jetmon2/jetmon2 is not executable\n"},
      {"verify fails silently", false, {true, 2, "", ""}, false, "",
       "FAIL systemd-analyze verify " + unit + " failed: exit status 2\n"},
      {"tool missing", false, {false, -1, "", "systemd-analyze: No such file or directory"}, false, "",
       "FAIL systemd-analyze verify " + unit + ": systemd-analyze: No such file or directory\n"},
      {"killed", false, {true, -1, "partial", "timed out after 60s"}, false, "",
       "FAIL systemd-analyze verify " + unit + " failed: timed out after 60s: partial\n"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    std::vector<std::string> ran;
    Captured cap;
    const bool ok = verify_systemd_unit(cap.report, c.skip, unit, [&](const std::vector<std::string>& argv) {
      ran = argv;
      return c.answer;
    });
    CHECK(ok == c.ok);
    CHECK(cap.out.str() == c.out);
    CHECK(cap.err.str() == c.err);
    if (!c.skip) CHECK(ran == std::vector<std::string>{"systemd-analyze", "verify", unit});
  }
}

TEST_CASE("rollout dashboard status section with a fake getter", "[rollout]") {
  struct Case {
    const char* name;
    bool skip;
    int port;
    HttpAnswer answer;
    bool ok;
    std::string out;
    std::string err;
  };
  const std::vector<Case> cases{
      {"skipped by operator", true, 8080, {}, true, "INFO dashboard_status=skipped reason=operator\n", ""},
      {"dashboard disabled", false, 0, {}, true, "INFO dashboard_status=skipped dashboard_port=disabled\n", ""},
      {"answers", false, 8080, {true, 200, "{\n  \"host\": \"jetmon-v2-a\",\n  \"ok\": true\n}\n", ""}, true,
       "PASS dashboard_status=http://localhost:8080/api/state\n"
       "INFO dashboard_state={ \"host\": \"jetmon-v2-a\", \"ok\": true }\n",
       ""},
      {"http error", false, 9090, {true, 503, "not\nready ", ""}, false, "", "FAIL http 503: not ready\n"},
      {"transport error", false, 9090, {false, 0, "", "Could not establish connection"}, false, "",
       "FAIL dashboard status http://localhost:9090/api/state: Could not establish connection\n"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    int asked_port = -1;
    std::string asked_path;
    std::chrono::seconds asked_timeout{};
    Captured cap;
    const bool ok = dashboard_status_section(cap.report, c.skip, c.port,
                                             [&](int port, const std::string& path, std::chrono::seconds timeout) {
                                               asked_port = port;
                                               asked_path = path;
                                               asked_timeout = timeout;
                                               return c.answer;
                                             });
    CHECK(ok == c.ok);
    CHECK(cap.out.str() == c.out);
    CHECK(cap.err.str() == c.err);
    if (!c.skip && c.port != 0) {
      CHECK(asked_port == c.port);
      CHECK(asked_path == "/api/state");
      CHECK(asked_timeout == std::chrono::seconds(10));
    } else {
      CHECK(asked_port == -1);
    }
  }
}

TEST_CASE("rollout process runner runs a real command and reports a missing one", "[rollout]") {
  const CommandRunner run = process_runner(std::chrono::seconds(30));
  const CommandOutput echo = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(echo.started);
  CHECK(echo.exit_code == 3);
  CHECK(echo.output.find("out\n") != std::string::npos);
  CHECK(echo.output.find("err\n") != std::string::npos);

  const CommandOutput missing = run({"jetmon-no-such-tool-xyz"});
  CHECK_FALSE(missing.started);
  CHECK(missing.error.find("jetmon-no-such-tool-xyz") != std::string::npos);

  const CommandOutput big = run({"sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x"});
  CHECK(big.exit_code == 0);
  CHECK(big.output.size() == kMaxCommandOutput);
}
