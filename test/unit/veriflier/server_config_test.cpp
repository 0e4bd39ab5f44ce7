// `jetmon2 veriflier` configuration: VERIFLIER_CONFIG file, environment fallback and overrides,
// startup refusals; and run_veriflier_server end to end.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

#include "jetmon/common/build_info.hpp"
#include "jetmon/veriflier/client.hpp"
#include "jetmon/veriflier/server.hpp"
#include "support/process.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using namespace jetmon::veriflier;
using jetmon::config::environment_from;
using jetmon::test::TempDir;

namespace {

std::string load_error(const jetmon::config::Environment& env) {
  try {
    load_server_config(env);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("veriflier: config file keys auth_token and port", "[veriflier]") {
  TempDir dir;
  const std::string path =
      dir.write_file("veriflier.json", R"({"auth_token":"tok","port":"7900","hostname":"x"})");
  const ServerConfig cfg = load_server_config(environment_from({{"VERIFLIER_CONFIG", path}}));
  CHECK(cfg.from_file);
  CHECK(cfg.config_path == path);
  CHECK(cfg.auth_token == "tok");
  CHECK(cfg.port == "7900");
}

TEST_CASE("veriflier: grpc_port is the alias of port, keys match case-insensitively",
          "[veriflier]") {
  TempDir dir;
  std::string path = dir.write_file("a.json", R"({"Auth_Token":"tok","GRPC_PORT":"7801"})");
  ServerConfig cfg = load_server_config(environment_from({{"VERIFLIER_CONFIG", path}}));
  CHECK(cfg.auth_token == "tok");
  CHECK(cfg.port == "7801");

  path = dir.write_file("b.json", R"({"auth_token":"tok","port":"7802","grpc_port":"7801"})");
  cfg = load_server_config(environment_from({{"VERIFLIER_CONFIG", path}}));
  CHECK(cfg.port == "7802");

  path = dir.write_file("c.json", R"({"auth_token":"tok","port":null,"grpc_port":"7801"})");
  cfg = load_server_config(environment_from({{"VERIFLIER_CONFIG", path}}));
  CHECK(cfg.port == "7801");
}

TEST_CASE("veriflier: environment overrides the file", "[veriflier]") {
  TempDir dir;
  const std::string path = dir.write_file("v.json", R"({"auth_token":"file","port":"7900"})");
  ServerConfig cfg = load_server_config(environment_from(
      {{"VERIFLIER_CONFIG", path}, {"VERIFLIER_AUTH_TOKEN", "env"}, {"VERIFLIER_PORT", "7901"},
       {"VERIFLIER_GRPC_PORT", "7902"}}));
  CHECK(cfg.auth_token == "env");
  CHECK(cfg.port == "7901");

  cfg = load_server_config(
      environment_from({{"VERIFLIER_CONFIG", path}, {"VERIFLIER_GRPC_PORT", "7902"}}));
  CHECK(cfg.auth_token == "file");
  CHECK(cfg.port == "7902");
}

TEST_CASE("veriflier: without the file the environment is the config, port 7803 by default",
          "[veriflier]") {
  TempDir dir;
  const std::string missing = dir.path() + "/nope.json";
  ServerConfig cfg = load_server_config(
      environment_from({{"VERIFLIER_CONFIG", missing}, {"VERIFLIER_AUTH_TOKEN", "t"}}));
  CHECK_FALSE(cfg.from_file);
  CHECK(cfg.auth_token == "t");
  CHECK(cfg.port == "7803");

  cfg = load_server_config(environment_from({{"VERIFLIER_CONFIG", missing},
                                             {"VERIFLIER_AUTH_TOKEN", "t"},
                                             {"VERIFLIER_GRPC_PORT", "7805"}}));
  CHECK(cfg.port == "7805");

  // The default path is relative to the working directory.
  if (!std::filesystem::exists("config/veriflier.json")) {
    CHECK(load_error(environment_from({})) ==
          "VERIFLIER_AUTH_TOKEN is not set; refusing to start with no authentication");
  }
}

TEST_CASE("veriflier: startup refusals", "[veriflier]") {
  TempDir dir;
  auto with_file = [&dir](const std::string& json,
                          std::map<std::string, std::string, std::less<>> extra = {}) {
    extra["VERIFLIER_CONFIG"] = dir.write_file("cfg.json", json);
    return load_error(environment_from(std::move(extra)));
  };
  CHECK(with_file(R"({"auth_token":"t"})") == "VERIFLIER_PORT is not set");
  CHECK(with_file(R"({"auth_token":"t","port":"","grpc_port":""})") == "VERIFLIER_PORT is not set");
  CHECK(with_file(R"({"port":"7803"})") ==
        "VERIFLIER_AUTH_TOKEN is not set; refusing to start with no authentication");
  CHECK(with_file(R"({"port":"7803","auth_token":""})") ==
        "VERIFLIER_AUTH_TOKEN is not set; refusing to start with no authentication");
  CHECK(with_file(R"({"port":"http","auth_token":"t"})") ==
        R"(VERIFLIER_PORT: invalid port "http" (want 0-65535))");
  CHECK(with_file(R"({"port":"65536","auth_token":"t"})") ==
        R"(VERIFLIER_PORT: invalid port "65536" (want 0-65535))");
  CHECK(with_file(R"({"port":"7803","auth_token":"t"})", {{"VERIFLIER_PORT", " 1"}}) ==
        R"(VERIFLIER_PORT: invalid port " 1" (want 0-65535))");

  const std::string path = dir.path() + "/cfg.json";
  CHECK(with_file(R"({"port":7803,"auth_token":"t"})") ==
        "load config: " + path + ": port: expected string, got number");
  CHECK(with_file(R"({"port":"7803","auth_token":true})") ==
        "load config: " + path + ": auth_token: expected string, got bool");
  CHECK(with_file(R"(["port"])") ==
        "load config: " + path + ": top level must be a JSON object, got array");
  CHECK(with_file(R"({"port":)").rfind("load config: " + path + ": ", 0) == 0);
  CHECK(with_file("").rfind("load config: " + path + ": ", 0) == 0);
}

TEST_CASE("veriflier: run_veriflier_server refuses a bad config with exit code 1",
          "[veriflier]") {
  TempDir dir;
  std::atomic<bool> stop{false};
  std::ostringstream err;
  const int code = run_veriflier_server(
      environment_from({{"VERIFLIER_CONFIG", dir.path() + "/missing.json"}}), stop, err);
  CHECK(code == 1);
  CHECK(err.str() ==
        "veriflier: VERIFLIER_AUTH_TOKEN is not set; refusing to start with no authentication\n");
}

TEST_CASE("veriflier: run_veriflier_server serves until asked to stop", "[veriflier]") {
  using namespace std::chrono_literals;
  TempDir dir;
  const std::string path = dir.write_file("v.json", R"({"auth_token":"tok","port":"0"})");
  jetmon::test::LogCapture logs;
  std::atomic<bool> stop{false};
  std::ostringstream err;
  int code = -1;
  std::thread service([&] {
    code = run_veriflier_server(environment_from({{"VERIFLIER_CONFIG", path}}), stop, err);
  });

  // The port is only known from the log line.
  int port = 0;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (port == 0 && std::chrono::steady_clock::now() < until) {
    for (const std::string& line : logs.lines()) {
      const auto at = line.find("starting on :");
      if (at != std::string::npos) port = std::stoi(line.substr(at + 13));
    }
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(port > 0);
  const StatusProbe probe = probe_status(jetmon::test::verifier_at(port));
  CHECK(probe.ok);
  CHECK(probe.version == jetmon::build_info().version);

  stop = true;
  service.join();
  CHECK(code == 0);
  CHECK(err.str().empty());
  CHECK(logs.contains("veriflier2: shutdown complete"));
}
