// The monitor side: ask_all against real, down, slow and misbehaving Verifliers; what goes on
// the wire; the /status probe.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>

#include "jetmon/veriflier/client.hpp"
#include "jetmon/veriflier/wire.hpp"
#include "support/fixture_site.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using namespace jetmon::veriflier;
using namespace jetmon::test;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

SiteCheckRequest site(std::string url, std::string request_id = "shared-id") {
  SiteCheckRequest s;
  s.blog_id = 1234;
  s.url = std::move(url);
  s.timeout_seconds = 3;
  s.redirect_policy = "follow";
  s.request_id = std::move(request_id);
  return s;
}

std::string body_of(const std::string& request) {
  const auto end = request.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : request.substr(end + 4);
}

}  // namespace

TEST_CASE("veriflier: escalation timeout is the site timeout plus 5 s", "[veriflier][client]") {
  CHECK(escalation_timeout(10) == 15s);
  CHECK(escalation_timeout(30) == 35s);
  CHECK(escalation_timeout(0) == 15s);
  CHECK(escalation_timeout(-4) == 15s);
}

TEST_CASE("veriflier: ask_all returns every Veriflier's outcome by the deadline",
          "[veriflier][client]") {
  FixtureSite target;  // answers 200
  RunningVeriflier healthy;
  RefusingPort down;
  SiteBehaviour hang;
  hang.header_delay = 30s;
  FixtureSite slow(hang);  // reads the request, then says nothing

  jetmon::config::Verifier unnamed = verifier_at(slow.port(), "");
  jetmon::config::Verifier no_host;
  no_host.name = "broken";
  no_host.port = "7803";
  const std::vector<jetmon::config::Verifier> verifiers = {healthy.verifier("healthy"),
                                                   verifier_at(down.port(), "down"), unnamed,
                                                   no_host};
  const auto start = SteadyClock::now();
  const auto deadline = start + 1500ms;
  const std::vector<VerifierVote> votes = ask_all(verifiers, site(target.url("/")), deadline);
  const auto elapsed = SteadyClock::now() - start;
  CHECK(elapsed >= 1400ms);
  CHECK(elapsed < 2000ms);  // returns at the deadline, not at the slow one's leisure
  REQUIRE(votes.size() == 4);

  CHECK(votes[0].name == "healthy");
  CHECK(votes[0].address == "127.0.0.1:" + std::to_string(healthy.port()));
  CHECK(votes[0].ok);
  CHECK(votes[0].error.empty());
  CHECK(votes[0].http_status == 200);
  CHECK(votes[0].reply.success);
  CHECK(votes[0].reply.http_code == 200);
  CHECK(votes[0].reply.blog_id == 1234);
  CHECK(votes[0].reply.host == kTestHost);
  CHECK(votes[0].reply.request_id == "shared-id");
  CHECK_FALSE(votes[0].confirms_down());
  CHECK(votes[0].duration < 1400ms);

  CHECK(votes[1].name == "down");
  CHECK_FALSE(votes[1].ok);
  CHECK(votes[1].error.rfind("veriflier request failed: ", 0) == 0);
  CHECK(votes[1].http_status == 0);

  CHECK(votes[2].name == "verifier #2");
  CHECK_FALSE(votes[2].ok);
  CHECK(votes[2].error.rfind("veriflier request failed: ", 0) == 0);
  CHECK(votes[2].duration >= 1400ms);

  CHECK(votes[3].name == "broken");
  CHECK_FALSE(votes[3].ok);
  CHECK(votes[3].error == "host or port is not configured");

  for (const auto& vote : votes) CHECK(vote.request_id == "shared-id");
}

TEST_CASE("veriflier: ask_all gives up on requests still running once cancel is set",
          "[veriflier][client]") {
  FixtureSite target;
  SiteBehaviour hang;
  hang.header_delay = 30s;
  FixtureSite silent(hang);  // reads the request, then says nothing
  std::atomic<bool> cancel{true};
  ClientOptions options;
  options.cancel = &cancel;
  const std::vector<VerifierVote> votes =
      ask_all({verifier_at(silent.port(), "silent")}, site(target.url("/")), SteadyClock::now() + 30s, options);
  REQUIRE(votes.size() == 1);
  CHECK_FALSE(votes[0].ok);
  CHECK(votes[0].error == "veriflier request failed: cancelled");
}

TEST_CASE("veriflier: ask_all sends one site as Go's JSON with the Bearer token",
          "[veriflier][client]") {
  CannedServer a(CannedServer::http(
      200, R"({"results":[{"BlogID":1234,"URL":"u","Host":"a","Success":false,)"
           R"("HTTPCode":500,"ErrorCode":0,"RTTMs":15,"RequestID":"x"}]})"));
  CannedServer b(CannedServer::http(200, R"({"results":[{"success":true,"httpcode":200}]})"));
  SiteCheckRequest s = site("https://site.test/");
  s.request_id.clear();  // ask_all makes one, shared by both
  s.custom_headers = std::map<std::string, std::string>{{"X-A", "1"}};
  const auto votes = ask_all({verifier_at(a.port(), "a", "token-a"),
                              verifier_at(b.port(), "b", "token-b")},
                             s, SteadyClock::now() + 5s);
  REQUIRE(votes.size() == 2);
  const std::string id = votes[0].request_id;
  CHECK(id.size() == 32);
  CHECK(votes[1].request_id == id);

  CHECK(votes[0].ok);
  CHECK(votes[0].confirms_down());
  CHECK(votes[0].reply.http_code == 500);
  CHECK(votes[0].reply.rtt_ms == 15);
  CHECK(votes[1].ok);
  CHECK(votes[1].reply.success);
  CHECK_FALSE(votes[1].confirms_down());

  const auto sent_a = a.requests();
  const auto sent_b = b.requests();
  REQUIRE(sent_a.size() == 1);
  REQUIRE(sent_b.size() == 1);
  const std::string& request = sent_a[0];
  CHECK(request.rfind("POST /check HTTP/1.1\r\n", 0) == 0);
  CHECK(request.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  CHECK(request.find("\r\nAuthorization: Bearer token-a\r\n") != std::string::npos);
  CHECK(sent_b[0].find("\r\nAuthorization: Bearer token-b\r\n") != std::string::npos);
  CHECK(body_of(request) ==
        R"({"sites":[{"BlogID":1234,"URL":"https://site.test/","TimeoutSeconds":3,)"
        R"("Keyword":"","CustomHeaders":{"X-A":"1"},"RedirectPolicy":"follow",)"
        R"("RequestID":")" + id + R"("}]})");
  CHECK(body_of(sent_b[0]) == body_of(request));
}

TEST_CASE("veriflier: ask_all turns bad replies into errors", "[veriflier][client]") {
  CannedServer unauthorized(CannedServer::http(401, "unauthorized\n", "text/plain"));
  CannedServer server_error(CannedServer::http(500, "oops"));
  CannedServer garbage(CannedServer::http(200, "<html>not json</html>"));
  CannedServer wrong_type(CannedServer::http(200, R"({"results":[{"Success":"yes"}]})"));
  CannedServer empty(CannedServer::http(200, R"({"results":[]})"));
  CannedServer null_results(CannedServer::http(200, R"({"results":null})"));
  CannedServer huge(CannedServer::http(200, std::string(kMaxBodyBytes + 1, ' ')));
  const auto votes = ask_all(
      {verifier_at(unauthorized.port()), verifier_at(server_error.port()),
       verifier_at(garbage.port()), verifier_at(wrong_type.port()), verifier_at(empty.port()),
       verifier_at(null_results.port()), verifier_at(huge.port())},
      site("http://x.test/"), SteadyClock::now() + 10s);
  REQUIRE(votes.size() == 7);
  for (const auto& vote : votes) CHECK_FALSE(vote.ok);
  CHECK(votes[0].error == "veriflier returned 401");
  CHECK(votes[0].http_status == 401);
  CHECK(votes[1].error == "veriflier returned 500");
  CHECK(votes[2].error.rfind("decode veriflier response: ", 0) == 0);
  CHECK(votes[2].http_status == 200);
  CHECK(votes[3].error ==
        "decode veriflier response: results[0].Success: expected bool, got string");
  CHECK(votes[4].error == "veriflier returned no results");
  CHECK(votes[5].error == "veriflier returned no results");
  CHECK(votes[6].error == "veriflier request failed: response larger than 10485760 bytes");
}

TEST_CASE("veriflier: ask_one and an empty list", "[veriflier][client]") {
  CHECK(ask_all({}, site("http://x.test/"), SteadyClock::now() + 1s).empty());
  RefusingPort down;
  const auto vote = ask_one(verifier_at(down.port()), site("http://x.test/"),
                            SteadyClock::now() + 2s);
  CHECK_FALSE(vote.ok);
  CHECK(vote.error.rfind("veriflier request failed: ", 0) == 0);

  // A deadline already past: no hang, an error.
  CannedServer never(CannedServer::http(200, R"({"results":[{}]})"), 5s);
  const auto late = ask_one(verifier_at(never.port()), site("http://x.test/"),
                            SteadyClock::now() - 1s);
  CHECK_FALSE(late.ok);
}

TEST_CASE("veriflier: grpc_port is used when port is empty", "[veriflier][client]") {
  RunningVeriflier vf;
  jetmon::config::Verifier v = vf.verifier();
  v.grpc_port = v.port;
  v.port.clear();
  FixtureSite target;
  const auto vote = ask_one(v, site(target.url("/")), SteadyClock::now() + 10s);
  CHECK(vote.ok);
  CHECK(vote.address == "127.0.0.1:" + std::to_string(vf.port()));
}

TEST_CASE("veriflier: a wrong token is a 401 from the real server", "[veriflier][client]") {
  RunningVeriflier vf;
  FixtureSite target;
  const auto vote = ask_one(vf.verifier("v", "not-the-token"), site(target.url("/")),
                            SteadyClock::now() + 10s);
  CHECK_FALSE(vote.ok);
  CHECK(vote.error == "veriflier returned 401");
}

TEST_CASE("veriflier: probe_status reads GET /status", "[veriflier][client]") {
  RunningVeriflier vf;
  StatusProbe p = probe_status(vf.verifier());
  CHECK(p.ok);
  CHECK(p.http_status == 200);
  CHECK(p.version == kTestVersion);
  CHECK(p.error.empty());
  CHECK(p.latency < 2s);

  // No auth is sent or needed.
  p = probe_status(vf.verifier("v", ""));
  CHECK(p.ok);

  CannedServer unavailable(CannedServer::http(503, "down"));
  p = probe_status(verifier_at(unavailable.port()));
  CHECK_FALSE(p.ok);
  CHECK(p.http_status == 503);
  CHECK(p.error == "veriflier status returned 503");

  CannedServer no_json(CannedServer::http(200, "OK", "text/plain"));
  p = probe_status(verifier_at(no_json.port()));
  CHECK(p.ok);
  CHECK(p.version.empty());

  CannedServer request_log(CannedServer::http(200, R"({"status":"OK","version":"go-1"})"));
  p = probe_status(verifier_at(request_log.port()));
  CHECK(p.version == "go-1");
  REQUIRE(request_log.requests().size() == 1);
  CHECK(request_log.requests()[0].rfind("GET /status HTTP/1.1\r\n", 0) == 0);
  CHECK(request_log.requests()[0].find("Authorization") == std::string::npos);

  RefusingPort down;
  p = probe_status(verifier_at(down.port()));
  CHECK_FALSE(p.ok);
  CHECK_FALSE(p.error.empty());

  jetmon::config::Verifier missing;
  missing.host = "127.0.0.1";
  p = probe_status(missing);
  CHECK_FALSE(p.ok);
  CHECK(p.error == "host or port is not configured");

  CannedServer slow(CannedServer::http(200, "{}"), 5s);
  const auto start = SteadyClock::now();
  p = probe_status(verifier_at(slow.port()), 300ms);
  CHECK_FALSE(p.ok);
  CHECK(SteadyClock::now() - start < 1s);
}
