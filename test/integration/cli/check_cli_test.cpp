// `jetmon2 check URL` as an operator runs it: JSON keys, exit codes, flags reaching the request.
#include <catch2/catch.hpp>

#include <algorithm>

#include "support/fixture_site.hpp"
#include "support/process.hpp"

using jetmon::test::FixtureSite;
using jetmon::test::run_command;
using jetmon::test::SiteBehaviour;

TEST_CASE("jetmon2 check --json prints one object with every key and exits 0 on success", "[cli][check]") {
  SiteBehaviour site;
  site.body = "hello jetmon keyword";
  FixtureSite fixture(site);
  auto r = run_command({JETMON2_BIN, "check", fixture.url("/"), "--keyword", "jetmon keyword", "--json"});
  CHECK(r.exit_code == 0);
  REQUIRE(r.out.starts_with("{\"url\":\"" + fixture.url("/") + "\""));
  CHECK(r.out.ends_with("}\n"));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  for (const char* key : {"\"http_code\":200", "\"error_code\":0", "\"success\":true",
                          "\"failure_class\":\"success\"", "\"dns_ms\":", "\"tcp_ms\":", "\"tls_ms\":",
                          "\"ttfb_ms\":", "\"rtt_ms\":", "\"ssl_expiry\":null", "\"tls_version\":null",
                          "\"redirects\":0", "\"error\":\"\""}) {
    INFO(key);
    CHECK(r.out.find(key) != std::string::npos);
  }
}

TEST_CASE("jetmon2 check exits 1 for a failing site and says why", "[cli][check]") {
  SiteBehaviour site;
  site.status = 503;
  FixtureSite fixture(site);
  auto r = run_command({JETMON2_BIN, "check", fixture.url("/"), "--json"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("\"http_code\":503") != std::string::npos);
  CHECK(r.out.find("\"failure_class\":\"server\"") != std::string::npos);

  auto keyword = run_command({JETMON2_BIN, "check", fixture.url("/"), "--keyword", "absent"});
  CHECK(keyword.exit_code == 1);
  CHECK(keyword.out.find("FAILURE") != std::string::npos);
}

TEST_CASE("jetmon2 check applies --redirect-policy and --header", "[cli][check]") {
  SiteBehaviour redirecting;
  redirecting.redirect_hops = 2;
  FixtureSite fixture(redirecting);
  auto follow = run_command({JETMON2_BIN, "check", fixture.url("/"), "--json"});
  CHECK(follow.exit_code == 0);
  CHECK(follow.out.find("\"redirects\":2") != std::string::npos);
  auto fail = run_command({JETMON2_BIN, "check", fixture.url("/"), "--redirect-policy", "fail", "--json"});
  CHECK(fail.exit_code == 1);
  CHECK(fail.out.find("\"error_code\":4") != std::string::npos);

  SiteBehaviour echo;
  echo.echo_request = true;
  FixtureSite echo_site(echo);
  auto headers = run_command({JETMON2_BIN, "check", "--header", "X-Jetmon-Test: one", echo_site.url("/"),
                              "--header", "User-Agent: custom-agent", "--keyword", "X-Jetmon-Test: one"});
  CHECK(headers.exit_code == 0);
  auto agent = run_command({JETMON2_BIN, "check", echo_site.url("/"), "--header",
                            "User-Agent: custom-agent", "--keyword", "User-Agent: custom-agent"});
  CHECK(agent.exit_code == 0);
}

TEST_CASE("jetmon2 check rejects bad flags with usage and exit 2", "[cli][check]") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"check"},
           {"check", "http://127.0.0.1/", "--timeout", "0"},
           {"check", "http://127.0.0.1/", "--timeout", "-5"},
           {"check", "http://127.0.0.1/", "--redirect-policy", "sometimes"},
           {"check", "http://127.0.0.1/", "--header", "no colon here"},
           {"check", "http://127.0.0.1/", "--bogus"}}) {
    std::vector<std::string> argv{JETMON2_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("Usage:") != std::string::npos);
  }
}

TEST_CASE("jetmon2 check classifies a malformed URL instead of failing to run", "[cli][check]") {
  auto r = run_command({JETMON2_BIN, "check", "ftp://example.invalid/", "--json"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("\"error_code\":2") != std::string::npos);
  CHECK(r.out.find("unsupported protocol scheme") != std::string::npos);
}
