// Bad input to a check: every row gives a classified result with a clear error text, quickly,
// never a crash or a hang.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "unit/check/check_test_helpers.hpp"
#include "jetmon/check/engine.hpp"
#include "support/fixture_site.hpp"

using namespace jetmon::check;
using namespace jetmon::test;
using std::chrono::milliseconds;

namespace {

using E = ErrorCode;

struct UrlRow {
  std::string name;
  std::string url;  // "{site}" becomes http://127.0.0.1:<fixture port>
  E code;
  int http_code;
  std::string error_contains;  // empty: no error text
  std::string site_saw;        // the fixture saw a request head containing this
};

std::string replace_site(std::string url, const std::string& site) {
  const std::string marker = "{site}";
  if (const auto at = url.find(marker); at != std::string::npos) url.replace(at, marker.size(), site);
  return url;
}

}  // namespace

TEST_CASE("malformed and unusual URLs give classified results", "[check][engine]") {
  FixtureSite site(SiteBehaviour{});
  site.route("/auth", [] {
    SiteBehaviour b;
    b.echo_request = true;
    return b;
  }());
  const std::string base = site.url("");
  const std::string long_path = "/" + std::string(320, 'a');
  const std::vector<UrlRow> rows = {
      {"empty", "", E::connect, 0, "empty URL", ""},
      {"only spaces", "   ", E::connect, 0, "URL contains spaces or control characters", ""},
      {"no scheme", "127.0.0.1/some/page", E::connect, 0, "malformed URL", ""},
      {"host:port without a scheme", "localhost:8080/", E::connect, 0, "malformed URL", ""},
      {"ftp scheme", "ftp://127.0.0.1/file", E::connect, 0, "unsupported protocol scheme \"ftp\"", ""},
      {"file scheme", "file:///etc/passwd", E::connect, 0, "unsupported protocol scheme \"file\"", ""},
      {"javascript scheme", "javascript:alert(1)", E::connect, 0, "", ""},
      {"scheme only", "http://", E::connect, 0, "", ""},
      {"space inside", "{site}/a page", E::connect, 0, "URL contains spaces or control characters", ""},
      {"leading space", " {site}/", E::connect, 0, "URL contains spaces or control characters", ""},
      {"header injection attempt", "{site}/\r\nX-Evil: 1", E::connect, 0,
       "URL contains spaces or control characters", ""},
      {"port out of range", "http://127.0.0.1:99999/", E::connect, 0, "malformed URL", ""},
      {"upper-case scheme works", "HTTP://127.0.0.1" + base.substr(base.rfind(':')) + "/", E::none, 200, "", ""},
      {"300+ characters work", "{site}" + long_path, E::none, 200, "", "GET " + long_path + " HTTP/1.1"},
      {"9000 characters are rejected", "{site}/" + std::string(9000, 'b'), E::connect, 0,
       "characters, longer than 8192", ""},
      {"IDN host (full-width localhost)", "http://\xEF\xBD\x8C\xEF\xBD\x8F\xEF\xBD\x83\xEF\xBD\x81\xEF\xBD\x8C"
                                          "\xEF\xBD\x88\xEF\xBD\x8F\xEF\xBD\x93\xEF\xBD\x94" +
                                              base.substr(base.rfind(':')) + "/",
       E::none, 200, "", ""},
      {"credentials in the URL are sent as Basic auth", "http://user:secret@127.0.0.1" +
                                                            base.substr(base.rfind(':')) + "/auth",
       E::none, 200, "", "Authorization: Basic dXNlcjpzZWNyZXQ=\r\n"},
  };
  for (const UrlRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      CheckRequest request;
      request.url = replace_site(row.url, base);
      request.timeout_seconds = 2;
      const auto started = std::chrono::steady_clock::now();
      const CheckResult r = run_check(request, test_engine_options());
      INFO("error text: " << r.error);
      CHECK(elapsed_since(started) < milliseconds(1500) + kSchedulingSlack);
      CHECK(r.url == request.url);
      CHECK(static_cast<int>(r.error_code) == static_cast<int>(row.code));
      CHECK(r.http_code == row.http_code);
      CHECK(r.success == (row.code == E::none));
      CHECK(r.is_failure() == (row.code != E::none));
      if (row.code == E::none) {
        CHECK(r.error.empty());
        CHECK(r.failure_class == FailureClass::success);
      } else {
        CHECK_FALSE(r.error.empty());
        CHECK(r.error.size() <= 300);
        CHECK(r.failure_class == FailureClass::intermittent);
        CHECK(r.rtt_ms == 0);
        if (!row.error_contains.empty()) CHECK_THAT(r.error, Catch::Contains(row.error_contains));
      }
      if (!row.site_saw.empty()) {
        const auto heads = site.request_heads();
        REQUIRE_FALSE(heads.empty());
        CHECK_THAT(heads.back(), Catch::Contains(row.site_saw));
      }
    }
  }
}

TEST_CASE("zero and negative timeouts mean 10 seconds", "[check][engine]") {
  // The site answers after 500 ms: a zero or negative deadline taken literally would time out.
  SiteBehaviour slow;
  slow.body = "slow but fine";
  slow.header_delay = milliseconds(500);
  FixtureSite site(slow);
  for (const int timeout : {0, -1, -30}) {
    DYNAMIC_SECTION("timeout_seconds = " << timeout) {
      CheckRequest request;
      request.url = site.url("/");
      request.timeout_seconds = timeout;
      request.keyword = "fine";
      const CheckResult r = run_check(request, test_engine_options());
      INFO("error text: " << r.error);
      CHECK(r.error_code == ErrorCode::none);
      CHECK(r.http_code == 200);
      CHECK(r.success);
      CHECK(r.rtt_ms >= 490);
    }
  }
}

TEST_CASE("parse_custom_headers: a JSON object of strings, anything else is no headers", "[check]") {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  struct Row {
    const char* name;
    std::string json;
    Headers expected;
  };
  const std::vector<Row> rows = {
      {"empty text", "", {}},
      {"blank text", "  \n", {}},
      {"not JSON", "{not json", {}},
      {"truncated object", R"({"X-A": "1")", {}},
      {"trailing garbage after the object", R"({"X-A": "1"} junk)", {}},
      {"two objects", R"({"X-A": "1"}{"X-B": "2"})", {}},
      {"array", R"([["X-A", "1"]])", {}},
      {"string", R"("X-A: 1")", {}},
      {"null", "null", {}},
      {"number", "42", {}},
      {"empty object", "{}", {}},
      {"one header", R"({"X-A": "1"})", {{"X-A", "1"}}},
      {"surrounding whitespace", " \t{\"X-A\": \"1\"}\n ", {{"X-A", "1"}}},
      {"order kept", R"({"X-B": "2", "X-A": "1"})", {{"X-B", "2"}, {"X-A", "1"}}},
      {"non-string values skipped", R"({"X-N": 1, "X-T": true, "X-O": {}, "X-Z": null, "X-S": "s"})", {{"X-S", "s"}}},
      {"empty value kept", R"({"X-Empty": ""})", {{"X-Empty", ""}}},
      {"unicode value kept", "{\"X-U\": \"caf\\u00e9\"}", {{"X-U", "caf\xC3\xA9"}}},
      {"CR/LF in a value dropped", R"({"X-A": "1\r\nX-Evil: 2", "X-B": "ok"})", {{"X-B", "ok"}}},
      {"space in a name dropped", R"({"Bad Name": "v", "X-B": "ok"})", {{"X-B", "ok"}}},
      {"colon in a name dropped", R"({"X-A:": "v"})", {}},
      {"empty name dropped", R"({"": "v"})", {}},
      {"User-Agent allowed", R"({"User-Agent": "mine/1"})", {{"User-Agent", "mine/1"}}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(parse_custom_headers(row.json) == row.expected); }
  }
}

TEST_CASE("headers from invalid custom_headers JSON leave the defaults in place", "[check][engine]") {
  SiteBehaviour echo;
  echo.echo_request = true;
  FixtureSite site(echo);
  CheckRequest request;
  request.url = site.url("/");
  request.headers = parse_custom_headers(R"({"User-Agent": "mine/1"} trailing)");
  request.keyword = "User-Agent: jetmon/2.0 (Jetpack Site Uptime Monitor by WordPress.com)\r\n";
  const CheckResult r = run_check(request, test_engine_options());
  INFO("error text: " << r.error);
  CHECK(r.error_code == ErrorCode::none);
  CHECK(r.success);
}
