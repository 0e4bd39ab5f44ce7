// The fault matrix against a running `jetmon2` (issue #5, dashboard-fleet.md §2, §3, §5, §6):
// each fault shows on GET /api/host as the dependency entry and the summary the spec names, and
// the process-health row follows the monitor through an outage and through repeated shutdowns.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <map>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "jetmon/common/host.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/migrations.hpp"
#include "jetmon/veriflier/server.hpp"
#include "support/http_receiver.hpp"
#include "support/background_process.hpp"
#include "support/dashboard_client.hpp"
#include "support/monitor_fixture.hpp"
#include "support/private_mariadb.hpp"
#include "support/process.hpp"
#include "support/test_db.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using jetmon::test::BackgroundProcess;
using jetmon::test::eventually;
using jetmon::test::TempDir;
using namespace std::chrono_literals;

namespace {

// The last /api/host body the monitor answered, parsed.
struct HostView {
  rapidjson::Document doc;

  bool fetch(int port) {
    const std::string body = jetmon::test::dashboard_get(port, "/api/host");
    return !body.empty() && !doc.Parse(body.c_str()).HasParseError() && doc.IsObject();
  }
  std::string summary_status() const { return doc["summary"]["status"].GetString(); }
  // The entry whose name is `name` or starts with `name + " ("` (a Veriflier's version suffix).
  const rapidjson::Value* entry(const std::string& name) const {
    if (!doc.HasMember("health") || !doc["health"].IsArray()) return nullptr;
    for (const auto& e : doc["health"].GetArray()) {
      const std::string n = e["name"].GetString();
      if (n == name || n.rfind(name + " (", 0) == 0) return &e;
    }
    return nullptr;
  }
  std::string entry_status(const std::string& name) const {
    const auto* e = entry(name);
    return e ? std::string((*e)["status"].GetString()) : std::string();
  }
  std::string entry_error(const std::string& name) const {
    const auto* e = entry(name);
    return e && e->HasMember("last_error") ? std::string((*e)["last_error"].GetString()) : std::string();
  }
  bool has_issue(const std::string& text) const {
    const auto& summary = doc["summary"];
    if (!summary.HasMember("issues")) return false;
    for (const auto& issue : summary["issues"].GetArray()) {
      if (text == issue.GetString()) return true;
    }
    return false;
  }
  std::string body() const {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    return buffer.GetString();
  }
};

// A monitor run from `dir` (logs/ and stats/ created there) with its dashboard on a low port.
struct Monitor {
  int port = jetmon::test::free_low_port();
  std::unique_ptr<BackgroundProcess> process;

  Monitor(const TempDir& dir, std::map<std::string, std::string> env, const std::string& extra_config,
          int stats_interval_ms = 300) {
    jetmon::test::make_monitor_dirs(dir.path());
    env["JETMON_CONFIG"] = dir.write_file(
        "config.json", R"({"AUTH_TOKEN":"t","MIN_TIME_BETWEEN_ROUNDS_SEC":1,"NET_COMMS_TIMEOUT":2,)"
                       R"("PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":99,"STATS_UPDATE_INTERVAL_MS":)" +
                       std::to_string(stats_interval_ms) + R"(,"DASHBOARD_PORT":)" + std::to_string(port) +
                       extra_config + "}");
    env["JETMON_PID_FILE"] = dir.path() + "/jetmon2.pid";
    process = std::make_unique<BackgroundProcess>(std::vector<std::string>{JETMON2_BIN}, env,
                                                  dir.path() + "/monitor.log", dir.path());
  }

  // SIGTERM; the exit code.
  int stop() {
    process->signal(SIGTERM);
    return process->wait(35s);
  }

  // Polls /api/host until `condition` holds (generous deadline); the last view stays in `view`.
  template <typename F>
  bool host_until(HostView& view, F condition, std::chrono::milliseconds timeout = 30s) {
    return eventually([&] { return view.fetch(port) && condition(view); }, timeout);
  }
};

std::string process_id() { return jetmon::os_hostname() + ":monitor"; }

// Makes a directory refuse new files for the test's duration: `chattr +i` as root (permission
// bits do not stop root), mode 0555 otherwise; undone on destruction.
class ReadOnlyDir {
 public:
  explicit ReadOnlyDir(std::string path) : path_(std::move(path)) {
    if (::geteuid() == 0) {
      const auto r = jetmon::test::run_command({"/usr/bin/chattr", "+i", path_});
      INFO(r.err);
      immutable_ = r.exit_code == 0;
      ok_ = immutable_;
    } else {
      ok_ = ::chmod(path_.c_str(), 0555) == 0;
    }
  }
  ~ReadOnlyDir() {
    if (immutable_) jetmon::test::run_command({"/usr/bin/chattr", "-i", path_});
    ::chmod(path_.c_str(), 0755);
  }
  ReadOnlyDir(const ReadOnlyDir&) = delete;
  ReadOnlyDir& operator=(const ReadOnlyDir&) = delete;
  bool ok() const { return ok_; }

 private:
  std::string path_;
  bool immutable_ = false;
  bool ok_ = false;
};

}  // namespace

TEST_CASE("host faults: MariaDB stopped turns mysql and the summary red, restarted green again",
          "[service][dashboard][faults]") {
  TempDir dir;
  jetmon::test::PrivateMariaDb server(dir.path() + "/db");
  auto c = server.connect();
  jetmon::db::run_migrations(c, jetmon::db::embedded_migrations(), [](std::string_view) {});
  Monitor monitor(dir, server.env(), "");
  INFO(monitor.process->log());
  HostView view;

  // Running: mysql green; no Verifliers configured → one `verifliers` amber entry.
  REQUIRE(monitor.host_until(view, [](const HostView& v) { return v.entry_status("mysql") == "green"; }));
  CHECK(view.entry_status("verifliers") == "amber");
  CHECK(view.entry_error("verifliers") == "no verifliers configured");
  CHECK(view.has_issue("verifliers amber: no verifliers configured"));
  CHECK(view.summary_status() != "red");
  REQUIRE(eventually([&] {
    return jetmon::test::query_int(c, "SELECT COUNT(*) FROM jetmon_process_health WHERE process_id = '" +
                                          process_id() + "' AND state = 'running'") == 1;
  }, 20s));

  server.halt();
  REQUIRE(monitor.host_until(view, [](const HostView& v) { return v.entry_status("mysql") == "red"; }));
  INFO(view.body());
  CHECK(view.summary_status() == "red");
  CHECK(view.doc["summary"]["message"].GetString() == std::string("rollout-blocking dependency or circuit issue"));
  CHECK_FALSE(view.entry_error("mysql").empty());
  CHECK(view.doc["summary"]["issues"][0].GetString() == "mysql red: " + view.entry_error("mysql"));
  CHECK(monitor.process->running());

  server.resume();
  auto c2 = server.connect();
  // The row's newest write once the server is back (TIMESTAMP: whole seconds); later writes must
  // follow it.
  const std::string before = c2.query_one("SELECT CAST(updated_at AS CHAR) FROM jetmon_process_health WHERE process_id = ?",
                        {process_id()})->get_string(0).value_or("");
  REQUIRE(monitor.host_until(view, [](const HostView& v) { return v.entry_status("mysql") == "green"; }));
  CHECK(view.summary_status() != "red");
  // The row resumes: a newer running write than the last one that survived the outage.
  CHECK(eventually([&] {
    return jetmon::test::query_int(c2, "SELECT COUNT(*) FROM jetmon_process_health WHERE process_id = '" +
                                           process_id() + "' AND state = 'running' AND updated_at > '" +
                                           before + "'") == 1;
  }, 20s));
  CHECK(monitor.stop() == 0);
}

TEST_CASE("host faults: a failing WPCOM opens the circuit and an unwritable logs dir turns disk:logs red",
          "[service][dashboard][faults]") {
  jetmon::test::TestDatabase tdb;
  auto& c = tdb.migrate();
  // Sites on a refused port: Down after NUM_OF_CHECKS local failures (no Verifliers), one notice
  // each; every notice fails twice (send and the one retry): three sites reach the threshold (5).
  jetmon::test::RefusingPort closed;
  for (int i = 0; i < 4; ++i) {
    c.exec("INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active) VALUES (?, ?, ?, 1)",
           {4100 + i, i, "http://127.0.0.1:" + std::to_string(closed.port()) + "/down" + std::to_string(i)});
  }
  jetmon::test::HttpReceiver wpcom;
  wpcom.always(500);
  TempDir dir;
  Monitor monitor(dir, tdb.env(),
                  R"(,"NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,"ALERT_COOLDOWN_MINUTES":0,)"
                  R"("WPCOM_NOTIFY_URL":")" + wpcom.url() + R"(")");
  INFO(monitor.process->log());
  HostView view;

  REQUIRE(monitor.host_until(view, [](const HostView& v) { return v.entry_status("wpcom") == "red"; }, 45s));
  INFO(view.body());
  CHECK(view.entry_error("wpcom").rfind("circuit open, queued notifications=", 0) == 0);
  CHECK(view.doc["state"]["wpcom_circuit_open"].GetBool());
  CHECK(view.summary_status() == "red");
  CHECK(view.has_issue("wpcom red: " + view.entry_error("wpcom")));
  CHECK(wpcom.requests().size() >= 5);
  CHECK(view.entry_status("disk:logs") == "green");

  // logs/ refuses the probe's temp file: disk:logs red with the OS error; back green after.
  {
    ReadOnlyDir logs(dir.path() + "/logs");
    if (!logs.ok()) {
      WARN("cannot make logs/ read-only here: the unwritable-logs case is skipped");
    } else {
      REQUIRE(monitor.host_until(view, [](const HostView& v) { return v.entry_status("disk:logs") == "red"; }));
      INFO(view.body());
      CHECK(view.entry_error("disk:logs").find(".jetmon-health-") != std::string::npos);
      CHECK(view.has_issue("disk:logs red: " + view.entry_error("disk:logs")));
      CHECK(view.entry_status("disk:stats") == "green");
    }
  }
  // Replaced by a file: "<dir> is not a directory".
  std::filesystem::remove_all(dir.path() + "/logs");
  dir.write_file("logs", "not a directory");
  REQUIRE(monitor.host_until(view, [](const HostView& v) {
    return v.entry_status("disk:logs") == "red" && v.entry_error("disk:logs").find("is not a directory") != std::string::npos;
  }));
  std::filesystem::remove(dir.path() + "/logs");
  std::filesystem::create_directories(dir.path() + "/logs");
  REQUIRE(monitor.host_until(view, [](const HostView& v) { return v.entry_status("disk:logs") == "green"; }));
  CHECK(monitor.stop() == 0);
}

TEST_CASE("host faults: a Veriflier down is its own red entry, one up stays green",
          "[service][dashboard][faults]") {
  jetmon::test::TestDatabase tdb;
  tdb.migrate();
  jetmon::veriflier::ServerOptions options;
  options.auth_token = "vtoken";
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.hostname = "veriflier-up";
  jetmon::veriflier::Server up(options);
  up.start();
  jetmon::test::RefusingPort down;
  const auto verifier = [](const std::string& name, int port) {
    return R"({"name":")" + name + R"(","host":"127.0.0.1","port":")" + std::to_string(port) +
           R"(","auth_token":"vtoken"})";
  };
  TempDir dir;
  Monitor monitor(dir, tdb.env(),
                  R"(,"VERIFIERS":[)" + verifier("up", up.port()) + "," + verifier("down", down.port()) + "]");
  INFO(monitor.process->log());
  HostView view;

  REQUIRE(monitor.host_until(view, [](const HostView& v) { return !v.entry_status("veriflier:down").empty(); }));
  INFO(view.body());
  CHECK(view.entry_status("veriflier:down") == "red");
  CHECK_FALSE(view.entry_error("veriflier:down").empty());
  CHECK(view.has_issue("veriflier:down red: " + view.entry_error("veriflier:down")));
  CHECK(view.entry_status("veriflier:up") == "green");
  CHECK(view.entry("verifliers") == nullptr);
  CHECK(view.summary_status() == "red");
  CHECK(monitor.stop() == 0);
}

TEST_CASE("host faults: after each of several SIGTERMs the row is stopped and stays so",
          "[service][faults][health]") {
  jetmon::test::TestDatabase tdb;
  auto& c = tdb.migrate();
  TempDir dir;
  const std::string where = "FROM jetmon_process_health WHERE process_id = '" + process_id() + "'";
  for (int run = 0; run < 5; ++run) {
    INFO("run " << run);
    std::optional<Monitor> monitor;
    monitor.emplace(dir, tdb.env(), "", 1);
    INFO(monitor->process->log());
    // Running with probes in (the publish loop is busy), then SIGTERM at once.
    REQUIRE(eventually([&] {
      return jetmon::test::query_int(c, "SELECT COUNT(*) " + where + " AND state = 'running' AND pid = " +
                                            std::to_string(monitor->process->pid())) == 1;
    }, 20s));
    CHECK(monitor->stop() == 0);
    monitor.reset();
    // A little after the exit: stopped/amber, never a late running write.
    for (int look = 0; look < 3; ++look) {
      auto row = c.query_one("SELECT state, health_status " + where);
      REQUIRE(row);
      CHECK(row->get_string(0) == "stopped");
      CHECK(row->get_string(1) == "amber");
      ::usleep(100000);
    }
  }
}
