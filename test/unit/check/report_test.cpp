#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <string>

#include "jetmon/check/report.hpp"

using namespace jetmon::check;
using namespace std::chrono;

namespace {

CheckResult tls_success() {
  CheckResult r;
  r.url = "https://example.com/";
  r.final_url = "https://www.example.com/";
  r.http_code = 200;
  r.error_code = ErrorCode::none;
  r.success = true;
  r.failure_class = FailureClass::success;
  r.dns_ms = 3;
  r.tcp_ms = 12;
  r.tls_ms = 25;
  r.ttfb_ms = 40;
  r.rtt_ms = 95;
  r.cert_not_after = sys_days{2027y / 3 / 9} + 23h + 59min + 59s;
  r.tls_version = TlsVersion::tls1_3;
  r.redirects = 1;
  return r;
}

CheckResult refused() {
  CheckResult r;
  r.url = "http://127.0.0.1:1/";
  r.final_url = "http://127.0.0.1:1/";
  r.error_code = ErrorCode::connect;
  r.failure_class = FailureClass::intermittent;
  r.error = "Couldn't connect to server: Failed to connect to 127.0.0.1 port 1";
  return r;
}

}  // namespace

TEST_CASE("check_result_json prints one object with every field", "[check][report]") {
  const std::string json = check_result_json(tls_success());
  CHECK(json ==
        R"({"url":"https://example.com/","final_url":"https://www.example.com/","http_code":200,)"
        R"("error_code":0,"success":true,"failure_class":"success","dns_ms":3,"tcp_ms":12,"tls_ms":25,)"
        R"("ttfb_ms":40,"rtt_ms":95,"ssl_expiry":"2027-03-09","tls_version":"TLSv1.3","redirects":1,)"
        R"("error":""})");
}

TEST_CASE("check_result_json: nulls for a result without TLS, and the error text", "[check][report]") {
  const std::string json = check_result_json(refused());
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  CHECK(doc.MemberCount() == 15);
  CHECK(doc["http_code"].GetInt() == 0);
  CHECK(doc["error_code"].GetInt() == 2);
  CHECK(doc["success"].IsFalse());
  CHECK(std::string(doc["failure_class"].GetString()) == "intermittent");
  CHECK(doc["ssl_expiry"].IsNull());
  CHECK(doc["tls_version"].IsNull());
  CHECK(doc["redirects"].GetInt() == 0);
  CHECK(std::string(doc["error"].GetString()) == refused().error);
}

TEST_CASE("check_result_json: an expired certificate on a failed handshake keeps its date", "[check][report]") {
  CheckResult r = refused();
  r.error_code = ErrorCode::ssl;
  r.failure_class = FailureClass::https;
  r.cert_not_after = sys_days{2020y / 1 / 31} + 0s;  // midnight UTC is still that day
  r.tls_version = TlsVersion::tls1_2;
  r.error = "SSL peer certificate or SSH remote key was not OK: certificate has expired";
  const std::string json = check_result_json(r);
  CHECK_THAT(json, Catch::Contains(R"("error_code":3,)"));
  CHECK_THAT(json, Catch::Contains(R"("failure_class":"https",)"));
  CHECK_THAT(json, Catch::Contains(R"("ssl_expiry":"2020-01-31","tls_version":"TLSv1.2",)"));
}

TEST_CASE("check_result_json escapes and repairs strings", "[check][report]") {
  CheckResult r = refused();
  r.url = "http://example.com/\"quoted\"\\path";
  r.final_url = "http://b\xC3\xBC" "cher.example/";  // valid UTF-8 stays as it is
  r.error = std::string("bad \xFF byte, tab\t, nul ") + '\0' + " end";
  const std::string json = check_result_json(r);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str(), json.size());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["url"].GetString()) == r.url);
  CHECK(std::string(doc["final_url"].GetString()) == r.final_url);
  CHECK(std::string(doc["error"].GetString(), doc["error"].GetStringLength()) ==
        std::string("bad \xEF\xBF\xBD byte, tab\t, nul ") + '\0' + " end");
  CHECK_THAT(json, Catch::Contains(R"(\"quoted\"\\path)"));
  CHECK_THAT(json, Catch::Contains(R"(\t, nul \u0000 end)"));
}

TEST_CASE("check_result_text summarises a result in a few lines", "[check][report]") {
  CHECK(check_result_text(tls_success()) ==
        "url:        https://example.com/\n"
        "final url:  https://www.example.com/ (1 redirect)\n"
        "result:     ok, HTTP 200, error code 0 (none), class success\n"
        "timings:    dns 3 ms, tcp 12 ms, tls 25 ms, ttfb 40 ms, rtt 95 ms\n"
        "tls:        TLSv1.3, certificate expires 2027-03-09\n");

  CHECK(check_result_text(refused()) ==
        "url:        http://127.0.0.1:1/\n"
        "result:     FAILURE, HTTP 0, error code 2 (connect), class intermittent\n"
        "timings:    dns 0 ms, tcp 0 ms, tls 0 ms, ttfb 0 ms, rtt 0 ms\n"
        "error:      Couldn't connect to server: Failed to connect to 127.0.0.1 port 1\n");

  CheckResult deprecated = tls_success();
  deprecated.final_url = deprecated.url;
  deprecated.redirects = 0;
  deprecated.error_code = ErrorCode::tls_deprecated;
  deprecated.tls_version = TlsVersion::tls1_1;
  deprecated.error = "deprecated TLS version TLSv1.1";
  const std::string text = check_result_text(deprecated);
  CHECK_THAT(text, Catch::Contains("result:     ok, HTTP 200, error code 7 (tls deprecated), class success\n"));
  CHECK_THAT(text, Catch::Contains("tls:        TLSv1.1, certificate expires 2027-03-09\n"));
  CHECK_THAT(text, Catch::Contains("error:      deprecated TLS version TLSv1.1\n"));
  CHECK_THAT(text, !Catch::Contains("final url"));
}
