// Encoding of the Veriflier wire format (exact bytes), request ids, and the conversions between
// the wire and the check engine.
#include <catch2/catch.hpp>

#include <cctype>
#include <limits>
#include <set>
#include <string>

#include "jetmon/veriflier/wire.hpp"

using namespace jetmon::veriflier;
using jetmon::check::CheckRequest;
using jetmon::check::CheckResult;
using jetmon::check::ErrorCode;
using jetmon::check::RedirectPolicy;

namespace {

SiteCheckRequest sample_site() {
  SiteCheckRequest s;
  s.blog_id = 42;
  s.url = "https://example.com/";
  s.timeout_seconds = 10;
  s.keyword = "";
  s.redirect_policy = "follow";
  s.request_id = "00112233445566778899aabbccddeeff";
  return s;
}

bool is_lower_hex(const std::string& text) {
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("veriflier: request JSON has Go's PascalCase names in Go's field order", "[veriflier]") {
  CHECK(encode_request({{sample_site()}}) ==
        R"({"sites":[{"BlogID":42,"URL":"https://example.com/","TimeoutSeconds":10,)"
        R"("Keyword":"","CustomHeaders":null,"RedirectPolicy":"follow",)"
        R"("RequestID":"00112233445566778899aabbccddeeff"}]})");
  CHECK(encode_request({}) == R"({"sites":[]})");
}

TEST_CASE("veriflier: custom headers are a JSON object with sorted names", "[veriflier]") {
  SiteCheckRequest s = sample_site();
  s.keyword = "Welcome";
  s.redirect_policy = "fail";
  s.custom_headers = std::map<std::string, std::string>{{"X-Token", "abc"}, {"Host", "h.test"}};
  CHECK(encode_request({{s}}) ==
        R"({"sites":[{"BlogID":42,"URL":"https://example.com/","TimeoutSeconds":10,)"
        R"("Keyword":"Welcome","CustomHeaders":{"Host":"h.test","X-Token":"abc"},)"
        R"("RedirectPolicy":"fail","RequestID":"00112233445566778899aabbccddeeff"}]})");
  s.custom_headers = std::map<std::string, std::string>{};
  CHECK(encode_request({{s}}).find(R"("CustomHeaders":{},)") != std::string::npos);
}

TEST_CASE("veriflier: response JSON has Go's PascalCase names in Go's field order",
          "[veriflier]") {
  SiteCheckResult r;
  r.blog_id = 42;
  r.url = "https://example.com/";
  r.host = "vf1.example";
  r.success = false;
  r.http_code = 503;
  r.error_code = 0;
  r.rtt_ms = 1234;
  r.request_id = "abc";
  SiteCheckResult ok = r;
  ok.success = true;
  ok.http_code = 200;
  ok.rtt_ms = 7;
  CHECK(encode_response({{r, ok}}) ==
        R"({"results":[{"BlogID":42,"URL":"https://example.com/","Host":"vf1.example",)"
        R"("Success":false,"HTTPCode":503,"ErrorCode":0,"RTTMs":1234,"RequestID":"abc"},)"
        R"({"BlogID":42,"URL":"https://example.com/","Host":"vf1.example","Success":true,)"
        R"("HTTPCode":200,"ErrorCode":0,"RTTMs":7,"RequestID":"abc"}]})");
  CHECK(encode_response({}) == R"({"results":[]})");
}

TEST_CASE("veriflier: status JSON", "[veriflier]") {
  CHECK(encode_status("1.2.3") == R"({"status":"OK","version":"1.2.3"})");
  CHECK(encode_status("") == R"({"status":"OK","version":""})");
}

TEST_CASE("veriflier: strings are escaped and invalid UTF-8 becomes U+FFFD", "[veriflier]") {
  SiteCheckRequest s = sample_site();
  s.url = "https://e.test/?q=\"a\\b\"\n\t\x01";
  s.keyword = "caf\xC3\xA9 \xFF end";  // valid é, then a stray byte
  s.request_id = "r";
  const std::string json = encode_request({{s}});
  CHECK(json.find(R"("URL":"https://e.test/?q=\"a\\b\"\n\t\u0001")") != std::string::npos);
  CHECK(json.find("\"Keyword\":\"caf\xC3\xA9 \xEF\xBF\xBD end\"") != std::string::npos);
}

TEST_CASE("veriflier: requests and responses survive a round trip", "[veriflier]") {
  SiteCheckRequest a = sample_site();
  a.blog_id = std::numeric_limits<std::int64_t>::max();
  a.timeout_seconds = std::numeric_limits<std::int32_t>::min();
  a.custom_headers = std::map<std::string, std::string>{{"A", ""}, {"User-Agent", "ü/1"}};
  SiteCheckRequest b = sample_site();
  b.blog_id = std::numeric_limits<std::int64_t>::min();
  b.timeout_seconds = std::numeric_limits<std::int32_t>::max();
  b.url = "http://[::1]:8080/päth?x=1&y=\"2\"";
  b.keyword = "<b>&</b>";
  const CheckBatchRequest request{{a, b}};
  const auto decoded = decode_request(encode_request(request));
  REQUIRE(decoded.ok());
  CHECK(decoded.value == request);

  SiteCheckResult r;
  r.blog_id = -1;
  r.url = "u";
  r.host = "h";
  r.success = true;
  r.http_code = std::numeric_limits<std::int32_t>::max();
  r.error_code = 7;
  r.rtt_ms = std::numeric_limits<std::int64_t>::min();
  r.request_id = "ts-1";
  const CheckBatchResponse response{{r, SiteCheckResult{}}};
  const auto back = decode_response(encode_response(response));
  REQUIRE(back.ok());
  CHECK(back.value == response);
}

TEST_CASE("veriflier: request ids are 16 random bytes in lowercase hex", "[veriflier]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_request_id();
    CHECK(id.size() == 32);
    CHECK(is_lower_hex(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
  CHECK(format_request_id({0x00, 0x01, 0x0a, 0x10, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff, 0x12, 0x34,
                           0x56, 0x78, 0x9a, 0xbc}) == "00010a107f80abcdefff123456789abc");
}

TEST_CASE("veriflier: the fallback request id is ts-<unix nanos>", "[veriflier]") {
  const std::chrono::system_clock::time_point at{std::chrono::nanoseconds(1714471200123456789LL)};
  CHECK(fallback_request_id(at) == "ts-1714471200123456789");
}

TEST_CASE("veriflier: the monitor's check in wire form", "[veriflier]") {
  CheckRequest c;
  c.blog_id = 77;
  c.url = "https://site.test/";
  c.timeout_seconds = 25;
  c.redirect_policy = RedirectPolicy::alert;
  SiteCheckRequest s = to_wire(c, "rid");
  CHECK(s.blog_id == 77);
  CHECK(s.url == "https://site.test/");
  CHECK(s.timeout_seconds == 25);
  CHECK(s.keyword.empty());
  CHECK_FALSE(s.custom_headers.has_value());
  CHECK(s.redirect_policy == "alert");
  CHECK(s.request_id == "rid");
  CHECK(encode_request({{s}}).find(R"("Keyword":"","CustomHeaders":null,)") != std::string::npos);

  c.keyword = "ok";
  c.headers = {{"X-A", "1"}, {"X-B", "2"}, {"X-A", "3"}};
  s = to_wire(c, "rid");
  CHECK(s.keyword == "ok");
  REQUIRE(s.custom_headers.has_value());
  CHECK(*s.custom_headers == std::map<std::string, std::string>{{"X-A", "3"}, {"X-B", "2"}});
}

TEST_CASE("veriflier: a wire site as the check engine's request", "[veriflier]") {
  SiteCheckRequest s = sample_site();
  s.blog_id = -5;
  s.keyword = "kw";
  s.timeout_seconds = 0;
  s.custom_headers = std::map<std::string, std::string>{{"User-Agent", "x"}};
  for (const auto& [text, policy] :
       std::vector<std::pair<std::string, RedirectPolicy>>{{"follow", RedirectPolicy::follow},
                                                           {"alert", RedirectPolicy::alert},
                                                           {"fail", RedirectPolicy::fail},
                                                           {"FAIL", RedirectPolicy::fail},
                                                           {"", RedirectPolicy::follow},
                                                           {"bogus", RedirectPolicy::follow}}) {
    s.redirect_policy = text;
    CHECK(to_check_request(s).redirect_policy == policy);
  }
  const CheckRequest c = to_check_request(s);
  CHECK(c.url == s.url);
  CHECK(c.keyword == "kw");
  CHECK(c.timeout_seconds == 0);  // the engine reads <=0 as 10 s
  CHECK(c.headers == std::vector<std::pair<std::string, std::string>>{{"User-Agent", "x"}});
  CHECK(static_cast<std::int64_t>(c.blog_id) == -5);
}

TEST_CASE("veriflier: a reply echoes the request's BlogID, URL and RequestID", "[veriflier]") {
  SiteCheckRequest s = sample_site();
  s.blog_id = -9;
  CheckResult result;
  result.blog_id = 123;  // whatever the engine says, the reply echoes the request
  result.url = "something else";
  result.http_code = 404;
  result.error_code = ErrorCode::keyword;
  result.success = false;
  result.rtt_ms = 88;
  const SiteCheckResult r = to_wire_result(s, result, "vf.host");
  CHECK(r.blog_id == -9);
  CHECK(r.url == s.url);
  CHECK(r.host == "vf.host");
  CHECK_FALSE(r.success);
  CHECK(r.http_code == 404);
  CHECK(r.error_code == 5);
  CHECK(r.rtt_ms == 88);
  CHECK(r.request_id == s.request_id);
}
