#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "jetmon/config/config.hpp"

using jetmon::config::Config;
using jetmon::config::Warning;

namespace {

// A config whose email transport delivers, so only the bind warning can appear.
Config delivering_config() {
  Config config;
  config.auth_token = "t";
  config.email_transport = "smtp";
  config.smtp_host = "mail";
  config.smtp_port = 25;
  return config;
}

std::string bind_warning(const std::string& shown) {
  return "DASHBOARD_BIND_ADDR=\"" + shown +
         "\" exposes the unauthenticated host dashboard; restrict access to trusted operator "
         "networks";
}

}  // namespace

TEST_CASE("config warnings: loopback bind addresses stay silent") {
  const auto addr = GENERATE(as<std::string>{}, "127.0.0.1", "127.5.6.7", "127.255.255.255", "::1",
                             "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost",
                             "LOCALHOST.", "LocalHost", "foo.localhost", "a.b.LOCALHOST.", "",
                             "   ", " 127.0.0.1 ", " [::1] ");
  CAPTURE(addr);
  CHECK(jetmon::config::is_loopback_bind_addr(addr));
  Config config = delivering_config();
  config.dashboard_bind_addr = addr;
  CHECK(jetmon::config::warnings(config).empty());
}

TEST_CASE("config warnings: non-loopback bind addresses warn with the exact text") {
  const auto [addr, shown] = GENERATE(table<std::string, std::string>({
      {"0.0.0.0", "0.0.0.0"},
      {"::", "::"},
      {"[::]", "[::]"},
      {"10.0.0.1", "10.0.0.1"},
      {"192.168.1.20", "192.168.1.20"},
      {"example.com", "example.com"},
      {"localhost.example.com", "localhost.example.com"},
      {"notlocalhost", "notlocalhost"},
      {"128.0.0.1", "128.0.0.1"},
      {"127.0.0.01", "127.0.0.01"},  // not an IP literal (leading zero), so a hostname
      {"::2", "::2"},
      {"::1%lo", "::1%lo"},
      {" 0.0.0.0 ", "0.0.0.0"},  // shown trimmed
      {"we\"ird", "we\\\"ird"},  // shown Go-quoted
  }));
  CAPTURE(addr);
  CHECK_FALSE(jetmon::config::is_loopback_bind_addr(addr));
  Config config = delivering_config();
  config.dashboard_bind_addr = addr;
  CHECK(jetmon::config::warnings(config) ==
        std::vector<Warning>{{"DASHBOARD_BIND_ADDR", bind_warning(shown)}});
}

TEST_CASE("config warnings: no bind warning when the dashboard is disabled") {
  Config config = delivering_config();
  config.dashboard_bind_addr = "0.0.0.0";
  config.dashboard_port = 0;
  CHECK(jetmon::config::warnings(config).empty());
}

TEST_CASE("config warnings: the stub email transport warns") {
  const auto [transport, label] = GENERATE(table<std::string, std::string>({
      {"stub", "stub"},
      {"", "stub"},
  }));
  Config config;
  config.auth_token = "t";
  config.email_transport = transport;
  CHECK(jetmon::config::warnings(config) ==
        std::vector<Warning>{
            {"EMAIL_TRANSPORT",
             "email_transport=" + label +
                 "; alert-contact emails will be logged but not delivered"}});
}

TEST_CASE("config warnings: wpcom transport does not warn") {
  Config config;
  config.auth_token = "t";
  config.email_transport = "wpcom";
  config.wpcom_email_endpoint = "https://e.example/send";
  CHECK(jetmon::config::warnings(config).empty());
}

TEST_CASE("config warnings: email comes before the dashboard bind") {
  Config config;
  config.auth_token = "t";
  config.dashboard_bind_addr = "0.0.0.0";
  const auto found = jetmon::config::warnings(config);
  REQUIRE(found.size() == 2);
  CHECK(found[0].key == "EMAIL_TRANSPORT");
  CHECK(found[1] == Warning{"DASHBOARD_BIND_ADDR", bind_warning("0.0.0.0")});
}
