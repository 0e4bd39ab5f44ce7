// The Veriflier server on loopback: routes, auth, body limits, decode errors, real checks
// through the engine, observer hooks and shutdown.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "jetmon/veriflier/client.hpp"
#include "jetmon/veriflier/server.hpp"
#include "jetmon/veriflier/wire.hpp"
#include "support/fixture_site.hpp"
#include "unit/veriflier/veriflier_test_helpers.hpp"

using namespace jetmon::veriflier;
using namespace jetmon::test;
using namespace std::chrono_literals;

namespace {

std::string post_check(std::string_view body, std::string_view authorization,
                       std::string_view extra_headers = "") {
  std::string request = "POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  request += "Content-Type: application/json\r\n";
  if (!authorization.empty()) request += "Authorization: " + std::string(authorization) + "\r\n";
  request += std::string(extra_headers);
  request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  request += body;
  return request;
}

std::string bearer() { return std::string("Bearer ") + kTestToken; }

SiteCheckRequest site_for(std::int64_t blog_id, std::string url, std::string request_id) {
  SiteCheckRequest s;
  s.blog_id = blog_id;
  s.url = std::move(url);
  s.timeout_seconds = 5;
  s.redirect_policy = "follow";
  s.request_id = std::move(request_id);
  return s;
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace

TEST_CASE("veriflier: /status answers any method without auth", "[veriflier][server]") {
  RunningVeriflier vf;
  for (const char* method : {"GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    INFO(method);
    // (cpp-httplib answers 400 to a POST, PUT or PATCH without Content-Length; clients send
    // "Content-Length: 0" for an empty body.)
    const RawResponse r = raw_http(vf.port(), std::string(method) +
                                                  " /status HTTP/1.1\r\nHost: x\r\n"
                                                  "Content-Length: 0\r\nConnection: close\r\n\r\n");
    CHECK(r.status == 200);
    CHECK(r.body == std::string(R"({"status":"OK","version":")") + kTestVersion + "\"}\n");
    CHECK(r.header("Content-Type") == "application/json");
  }
  const RawResponse head =
      raw_http(vf.port(), "HEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(head.status == 200);
}

TEST_CASE("veriflier: /check takes POST only (405), other paths are 404", "[veriflier][server]") {
  RunningVeriflier vf;
  RawResponse r = raw_http(vf.port(), "GET /check HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                                          bearer() + "\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 405);
  CHECK(r.body == "method not allowed\n");
  CHECK(r.header("Content-Type") == "text/plain; charset=utf-8");

  // A body sent with the wrong method is read and dropped: the connection stays in step.
  Fd fd = connect_loopback(vf.port());
  send_all(fd.get(), "PUT /check HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  r = read_response(fd.get(), false);
  CHECK(r.status == 405);
  send_all(fd.get(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(read_response(fd.get(), false).status == 200);
  send_all(fd.get(), "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  CHECK(read_response(fd.get(), false).status == 404);
  send_all(fd.get(), "DELETE /status HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  CHECK(read_response(fd.get(), false).status == 200);

  r = raw_http(vf.port(), "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 404);
  CHECK(r.body == "404 page not found\n");
  r = raw_http(vf.port(), "GET /check/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 404);
}

TEST_CASE("veriflier: /check needs exactly 'Bearer <token>' (401)", "[veriflier][server]") {
  auto observer = std::make_shared<CountingObserver>();
  RunningVeriflier vf(test_server_options(observer));
  const std::string body = R"({"sites":[]})";
  for (const std::string& auth :
       {std::string(), std::string("Bearer wrong"), std::string("bearer ") + kTestToken,
        bearer() + "x", std::string("Bearer"), std::string(kTestToken),
        std::string("Basic ") + kTestToken}) {
    INFO(auth);
    const RawResponse r = raw_http(vf.port(), post_check(body, auth));
    CHECK(r.status == 401);
    CHECK(r.body == "unauthorized\n");
  }
  CHECK(observer->auth_rejected == 7);
  CHECK(observer->batches == 0);

  const RawResponse ok = raw_http(vf.port(), post_check(body, bearer()));
  CHECK(ok.status == 200);
  CHECK(ok.body == "{\"results\":[]}\n");
  CHECK(ok.header("Content-Type") == "application/json");
  CHECK(observer->batches == 1);
  CHECK(observer->auth_rejected == 7);
}

TEST_CASE("veriflier: /check bodies over 10 MiB get 413", "[veriflier][server]") {
  RunningVeriflier vf;
  const std::string big(11 * 1024 * 1024, ' ');

  SECTION("declared length, body sent anyway") {
    const RawResponse r = raw_http(vf.port(), post_check(big, bearer()));
    CHECK(r.status == 413);
    CHECK(r.body == "request body too large\n");
  }
  SECTION("the body is dropped, the connection stays usable") {
    Fd fd = connect_loopback(vf.port());
    std::string request = post_check(big, bearer());
    request.erase(request.find("Connection: close\r\n"), 19);
    send_all(fd.get(), request);
    CHECK(read_response(fd.get(), false).status == 413);
    send_all(fd.get(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(fd.get(), false).status == 200);
  }
  SECTION("a declared length far over the limit is skipped by httplib") {
    const std::string huge(25 * 1024 * 1024, ' ');
    const RawResponse r = raw_http(vf.port(), post_check(huge, bearer()));
    CHECK(r.status == 413);
    CHECK(r.body == "request body too large\n");
  }
  SECTION("chunked, no declared length") {
    std::string request = "POST /check HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer() +
                          "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    const std::size_t chunk = 1024 * 1024;
    for (std::size_t sent = 0; sent < big.size(); sent += chunk) {
      request += fmt::format("{:x}\r\n", chunk) + std::string(chunk, ' ') + "\r\n";
    }
    request += "0\r\n\r\n";
    const RawResponse r = raw_http(vf.port(), request);
    CHECK(r.status == 413);
    CHECK(r.body == "request body too large\n");
  }
  SECTION("Expect: 100-continue is refused before the body is sent") {
    Fd fd = connect_loopback(vf.port());
    send_all(fd.get(), "POST /check HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer() +
                           "\r\nContent-Length: " + std::to_string(big.size()) +
                           "\r\nExpect: 100-continue\r\n\r\n");
    const RawResponse r = read_response(fd.get(), false);
    CHECK(r.status == 413);
  }
  SECTION("exactly 10 MiB is read and decoded") {
    std::string body = R"({"sites":[],"pad":")";
    body += std::string(kMaxBodyBytes - body.size() - 2, 'x') + "\"}";
    REQUIRE(body.size() == kMaxBodyBytes);
    const RawResponse r = raw_http(vf.port(), post_check(body, bearer()));
    CHECK(r.status == 200);
    CHECK(r.body == "{\"results\":[]}\n");
  }
  SECTION("an unauthorized huge body is not read: 401") {
    const RawResponse r = raw_http(vf.port(), post_check(big, "Bearer nope"));
    CHECK(r.status == 401);
  }
}

TEST_CASE("veriflier: undecodable /check bodies get 400 decode: …", "[veriflier][server]") {
  RunningVeriflier vf;
  RawResponse r = raw_http(vf.port(), post_check("garbage!", bearer()));
  CHECK(r.status == 400);
  CHECK(r.body.rfind("decode: ", 0) == 0);

  r = raw_http(vf.port(), post_check(R"({"sites":[{"BlogID":"12"}]})", bearer()));
  CHECK(r.status == 400);
  CHECK(r.body == "decode: sites[0].BlogID: expected int64, got string\n");

  r = raw_http(vf.port(), post_check("", bearer()));
  CHECK(r.status == 400);
  CHECK(r.body == "decode: EOF\n");

  r = raw_http(vf.port(), post_check("[1,2]", bearer()));
  CHECK(r.status == 400);
  CHECK(r.body == "decode: body must be a JSON object, got array\n");
}

TEST_CASE("veriflier: a batch runs through the check engine, results in request order",
          "[veriflier][server]") {
  SiteBehaviour ok;
  ok.body = "<html>welcome home</html>";
  FixtureSite site(ok);
  SiteBehaviour slow = ok;
  slow.header_delay = 400ms;
  site.route("/slow", slow);
  SiteBehaviour missing;
  missing.status = 404;
  site.route("/missing", missing);

  auto observer = std::make_shared<CountingObserver>();
  LogCapture logs;
  RunningVeriflier vf(test_server_options(observer));

  SiteCheckRequest with_keyword = site_for(4, site.url("/"), "rid-4");
  with_keyword.keyword = "absent-word";
  const CheckBatchRequest batch{{site_for(1, site.url("/slow"), "rid-1"),
                                 site_for(-2, site.url("/"), "rid-2"),
                                 site_for(3, site.url("/missing"), "rid-3"), with_keyword}};
  const RawResponse r = raw_http(vf.port(), post_check(encode_request(batch), bearer()));
  REQUIRE(r.status == 200);
  REQUIRE(r.body.back() == '\n');
  const auto decoded = decode_response(r.body);
  REQUIRE(decoded.ok());
  const auto& results = decoded.value.results;
  REQUIRE(results.size() == 4);

  CHECK(results[0].blog_id == 1);
  CHECK(results[0].request_id == "rid-1");
  CHECK(results[0].success);
  CHECK(results[0].http_code == 200);
  CHECK(results[0].rtt_ms >= 350);

  CHECK(results[1].blog_id == -2);
  CHECK(results[1].url == site.url("/"));
  CHECK(results[1].request_id == "rid-2");
  CHECK(results[1].success);
  CHECK(results[1].error_code == 0);

  CHECK(results[2].blog_id == 3);
  CHECK_FALSE(results[2].success);
  CHECK(results[2].http_code == 404);
  CHECK(results[2].error_code == 0);

  CHECK(results[3].blog_id == 4);
  CHECK_FALSE(results[3].success);
  CHECK(results[3].http_code == 200);
  CHECK(results[3].error_code == 5);  // keyword

  for (const auto& result : results) CHECK(result.host == kTestHost);

  CHECK(observer->batches == 1);
  CHECK(observer->sites_received == 4);
  CHECK(observer->durations == 1);
  CHECK(observer->last_duration_ms >= 350);
  CHECK(logs.contains("check blog_id=1 request_id=rid-1 url=" + site.url("/slow")));
  CHECK(logs.contains("check blog_id=-2 request_id=rid-2 url=" + site.url("/")));
  // The sites ran concurrently: the whole batch took about as long as its slowest site.
  CHECK(observer->last_duration_ms < 2000);
}

TEST_CASE("veriflier: a batch checks a site that is down", "[veriflier][server]") {
  RefusingPort closed;
  RunningVeriflier vf;
  const auto vote = ask_one(vf.verifier(),
                            site_for(9, "http://127.0.0.1:" + std::to_string(closed.port()) + "/",
                                     "rid-9"),
                            std::chrono::steady_clock::now() + 10s);
  REQUIRE(vote.ok);
  CHECK(vote.reply.blog_id == 9);
  CHECK_FALSE(vote.reply.success);
  CHECK(vote.reply.error_code == 2);  // connect
  CHECK(vote.reply.host == kTestHost);
  CHECK(vote.confirms_down());
}

TEST_CASE("veriflier: log lines cannot be split by a URL", "[veriflier][server]") {
  LogCapture logs;
  RunningVeriflier vf;
  const RawResponse r = raw_http(
      vf.port(),
      post_check(R"({"sites":[{"BlogID":5,"URL":"http://x.invalid/\nINJECTED","RequestID":"a\rb"}]})",
                 bearer()));
  CHECK(r.status == 200);
  CHECK(logs.contains(R"(check blog_id=5 request_id=a\x0db url=http://x.invalid/\x0aINJECTED)"));
}

TEST_CASE("veriflier: server options are checked", "[veriflier][server]") {
  CHECK_THROWS_AS(Server(ServerOptions{}), std::invalid_argument);

  RunningVeriflier first;
  ServerOptions same = test_server_options();
  same.port = first.port();
  Server second(same);
  CHECK_THROWS_WITH(second.start(), Catch::Matchers::StartsWith("listen on 127.0.0.1:"));
}

TEST_CASE("veriflier: every response asks the client to close the connection",
          "[veriflier][server]") {
  RunningVeriflier vf;
  const std::vector<std::string> requests = {
      "GET /status HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /check HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
      "POST /check HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer() +
          "\r\nContent-Length: 2\r\n\r\n{}",
      "POST /check HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer() +
          "\r\nContent-Length: 1\r\n\r\n{",
      "POST /check HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer() +
          "\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n",
      "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  };
  for (const std::string& request : requests) {
    INFO(request);
    Fd fd = connect_loopback(vf.port());
    send_all(fd.get(), request);
    const RawResponse r = read_response(fd.get(), false);
    CHECK(r.complete);
    CHECK(r.header("Connection") == "close");
    CHECK(r.head.find("Connection: close\r\nConnection") == std::string::npos);  // once only
  }
}

#ifndef __SANITIZE_THREAD__  // cut_connections() races with httplib's close() by design
TEST_CASE("veriflier: stop cuts a connection a client keeps open past the drain time",
          "[veriflier][server]") {
  RunningVeriflier vf;
  Fd idle = connect_loopback(vf.port());
  send_all(idle.get(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
  const RawResponse first = read_response(idle.get(), false);
  REQUIRE(first.status == 200);  // asked to close, but this client keeps the connection
  std::this_thread::sleep_for(200ms);  // the server is now waiting for its next request

  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(vf.server().stop(300ms));
  CHECK(since(start) < 3s);
  char byte = 0;
  CHECK(::recv(idle.get(), &byte, 1, 0) == 0);  // closed by the server
}
#endif

TEST_CASE("veriflier: stop is immediate when clients close their connections",
          "[veriflier][server]") {
  RunningVeriflier vf;
  FixtureSite target;
  CHECK(probe_status(vf.verifier()).ok);
  CHECK(ask_one(vf.verifier(), site_for(1, target.url("/"), "x"),
                std::chrono::steady_clock::now() + 10s)
            .ok);
  const auto start = std::chrono::steady_clock::now();
  CHECK(vf.server().stop(30s));
  CHECK(since(start) < 2s);
}

TEST_CASE("veriflier: stop lets a batch in progress finish", "[veriflier][server]") {
  SiteBehaviour slow;
  slow.header_delay = 1000ms;
  FixtureSite site(slow);
  RunningVeriflier vf;
  auto vote = std::async(std::launch::async, [&] {
    return ask_one(vf.verifier(), site_for(1, site.url("/"), "drain"),
                   std::chrono::steady_clock::now() + 10s);
  });
  std::this_thread::sleep_for(300ms);
  const auto start = std::chrono::steady_clock::now();
  CHECK(vf.server().stop(30s));
  CHECK(since(start) >= 400ms);
  const VerifierVote v = vote.get();
  CHECK(v.ok);
  CHECK(v.reply.success);
  // New connections are refused once stopped.
  CHECK_FALSE(probe_status(vf.verifier(), 500ms).ok);
}

TEST_CASE("veriflier: stop cancels what is still running after the drain time",
          "[veriflier][server]") {
  SiteBehaviour stuck;
  stuck.header_delay = 20s;
  FixtureSite site(stuck);
  RunningVeriflier vf;
  auto vote = std::async(std::launch::async, [&] {
    SiteCheckRequest s = site_for(1, site.url("/"), "cut");
    s.timeout_seconds = 30;
    return ask_one(vf.verifier(), s, std::chrono::steady_clock::now() + 20s);
  });
  std::this_thread::sleep_for(300ms);
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(vf.server().stop(500ms));
  CHECK(since(start) < 3s);
  const VerifierVote v = vote.get();
  CHECK_FALSE(v.ok);
  CHECK(v.error == "veriflier returned 503");
}
