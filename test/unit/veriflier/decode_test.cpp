// Decoding of Veriflier bodies with Go's encoding/json rules: case-insensitive names, zero
// values for what is missing or null, exact integer rules, clear errors for wrong types.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "jetmon/veriflier/wire.hpp"

using namespace jetmon::veriflier;

namespace {

std::string request_error(std::string_view body) {
  const auto d = decode_request(body);
  return d.ok() ? std::string("<ok>") : d.error;
}

std::string response_error(std::string_view body) {
  const auto d = decode_response(body);
  return d.ok() ? std::string("<ok>") : d.error;
}

}  // namespace

TEST_CASE("veriflier: decoding matches field names case-insensitively, like Go", "[veriflier]") {
  const auto d = decode_request(
      R"({"SITES":[{"blogid":7,"url":"https://a.test/","TIMEOUTSECONDS":3,"KeyWord":"k",)"
      R"("customheaders":{"X-A":"1"},"redirectPolicy":"fail","requestid":"r1"}]})");
  REQUIRE(d.ok());
  REQUIRE(d.value.sites.size() == 1);
  const SiteCheckRequest& s = d.value.sites[0];
  CHECK(s.blog_id == 7);
  CHECK(s.url == "https://a.test/");
  CHECK(s.timeout_seconds == 3);
  CHECK(s.keyword == "k");
  REQUIRE(s.custom_headers.has_value());
  CHECK(*s.custom_headers == std::map<std::string, std::string>{{"X-A", "1"}});
  CHECK(s.redirect_policy == "fail");
  CHECK(s.request_id == "r1");

  const auto r = decode_response(
      R"({"Results":[{"blogID":1,"Url":"u","HOST":"h","success":true,"httpcode":200,)"
      R"("errorcode":0,"rttms":12,"requestID":"x"}]})");
  REQUIRE(r.ok());
  REQUIRE(r.value.results.size() == 1);
  CHECK(r.value.results[0] ==
        SiteCheckResult{1, "u", "h", true, 200, 0, 12, "x"});
}

TEST_CASE("veriflier: missing and null fields keep their zero values", "[veriflier]") {
  auto d = decode_request(R"({"sites":[{}]})");
  REQUIRE(d.ok());
  REQUIRE(d.value.sites.size() == 1);
  CHECK(d.value.sites[0] == SiteCheckRequest{});

  d = decode_request(
      R"({"sites":[{"BlogID":null,"URL":null,"TimeoutSeconds":null,"Keyword":null,)"
      R"("CustomHeaders":null,"RedirectPolicy":null,"RequestID":null}, null]})");
  REQUIRE(d.ok());
  REQUIRE(d.value.sites.size() == 2);
  CHECK(d.value.sites[0] == SiteCheckRequest{});
  CHECK(d.value.sites[1] == SiteCheckRequest{});

  for (const char* empty : {"{}", R"({"sites":null})", "null", R"({"sites":[]})", " null \n"}) {
    INFO(empty);
    d = decode_request(empty);
    CHECK(d.ok());
    CHECK(d.value.sites.empty());
  }

  const auto r = decode_response(R"({"results":[{"Success":null}]})");
  REQUIRE(r.ok());
  CHECK(r.value.results == std::vector<SiteCheckResult>{SiteCheckResult{}});
}

TEST_CASE("veriflier: unknown fields are skipped whatever they hold", "[veriflier]") {
  const auto d = decode_request(
      R"({"extra":{"a":[1,{"b":[null,true]}],"sites":"not this one"},"Version":2,)"
      R"("sites":[{"Nested":{"x":[1,2,{"y":null}]},"BlogID":1,"Other":[[]],"URL":"u"}],)"
      R"("trailer":[{"sites":[]}]})");
  REQUIRE(d.ok());
  REQUIRE(d.value.sites.size() == 1);
  CHECK(d.value.sites[0].blog_id == 1);
  CHECK(d.value.sites[0].url == "u");

  std::string deep = R"({"junk":)";
  deep += std::string(100000, '[') + std::string(100000, ']');
  deep += R"(,"sites":[{"BlogID":3}]})";
  const auto nested = decode_request(deep);
  REQUIRE(nested.ok());
  CHECK(nested.value.sites.at(0).blog_id == 3);
}

TEST_CASE("veriflier: wrong JSON types are rejected with the field's path", "[veriflier]") {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {R"({"sites":[{"BlogID":"1"}]})", "sites[0].BlogID: expected int64, got string"},
      {R"({"sites":[{"BlogID":true}]})", "sites[0].BlogID: expected int64, got bool"},
      {R"({"sites":[{},{"URL":5}]})", "sites[1].URL: expected string, got number"},
      {R"({"sites":[{"TimeoutSeconds":false}]})",
       "sites[0].TimeoutSeconds: expected int32, got bool"},
      {R"({"sites":[{"TimeoutSeconds":[10]}]})",
       "sites[0].TimeoutSeconds: expected int32, got array"},
      {R"({"sites":[{"Keyword":{}}]})", "sites[0].Keyword: expected string, got object"},
      {R"({"sites":[{"RequestID":[]}]})", "sites[0].RequestID: expected string, got array"},
      {R"({"sites":[{"redirectpolicy":1}]})",
       "sites[0].RedirectPolicy: expected string, got number"},
      {R"({"sites":[{"CustomHeaders":[]}]})",
       "sites[0].CustomHeaders: expected object of strings, got array"},
      {R"({"sites":[{"CustomHeaders":"X-A: 1"}]})",
       "sites[0].CustomHeaders: expected object of strings, got string"},
      {R"({"sites":[{"CustomHeaders":{"X-A":"1","X-B":2}}]})",
       R"(sites[0].CustomHeaders["X-B"]: expected string, got number)"},
      {R"({"sites":[{"CustomHeaders":{"X":{"y":"z"}}}]})",
       R"(sites[0].CustomHeaders["X"]: expected string, got object)"},
      {R"({"sites":{}})", "sites: expected array, got object"},
      {R"({"sites":"all"})", "sites: expected array, got string"},
      {R"({"Sites":1})", "sites: expected array, got number"},
      {R"({"sites":[1]})", "sites[0]: expected object, got number"},
      {R"({"sites":[{},"x"]})", "sites[1]: expected object, got string"},
      {R"({"sites":[[]]})", "sites[0]: expected object, got array"},
  };
  for (const auto& [body, error] : rows) {
    INFO(body);
    CHECK(request_error(body) == error);
  }
  const auto failed = decode_request(R"({"sites":[{"BlogID":"1"}]})");
  CHECK(failed.message() == "decode: sites[0].BlogID: expected int64, got string");
  CHECK(failed.value.sites.empty());  // nothing half-decoded is handed out

  CHECK(response_error(R"({"results":[{"Success":"true"}]})") ==
        "results[0].Success: expected bool, got string");
  CHECK(response_error(R"({"results":[{"Success":1}]})") ==
        "results[0].Success: expected bool, got number");
  CHECK(response_error(R"({"results":[{"HTTPCode":"200"}]})") ==
        "results[0].HTTPCode: expected int32, got string");
  CHECK(response_error(R"({"results":{"BlogID":1}})") ==
        "results: expected array, got object");
}

TEST_CASE("veriflier: integers follow Go's rules (range, no fraction, no exponent)",
          "[veriflier]") {
  auto blog_id = [](std::string literal) {
    return decode_request(R"({"sites":[{"BlogID":)" + literal + "}]}");
  };
  CHECK(blog_id("9223372036854775807").value.sites.at(0).blog_id == INT64_MAX);
  CHECK(blog_id("-9223372036854775808").value.sites.at(0).blog_id == INT64_MIN);
  CHECK(blog_id("-42").value.sites.at(0).blog_id == -42);
  CHECK(blog_id("-0").value.sites.at(0).blog_id == 0);
  CHECK(blog_id("9223372036854775808").error ==
        "sites[0].BlogID: cannot unmarshal number 9223372036854775808 into int64");
  CHECK(blog_id("-9223372036854775809").error ==
        "sites[0].BlogID: cannot unmarshal number -9223372036854775809 into int64");
  CHECK(blog_id("1.5").error == "sites[0].BlogID: cannot unmarshal number 1.5 into int64");
  CHECK(blog_id("1.0").error == "sites[0].BlogID: cannot unmarshal number 1.0 into int64");
  CHECK(blog_id("1e3").error == "sites[0].BlogID: cannot unmarshal number 1e3 into int64");
  CHECK(blog_id("1E+2").error == "sites[0].BlogID: cannot unmarshal number 1E+2 into int64");
  const auto huge = blog_id(std::string(200, '9'));
  CHECK(huge.error == "sites[0].BlogID: cannot unmarshal number " + std::string(64, '9') +
                          " into int64");  // the literal is cut at 64 characters

  auto timeout = [](std::string literal) {
    return decode_request(R"({"sites":[{"TimeoutSeconds":)" + literal + "}]}");
  };
  CHECK(timeout("2147483647").value.sites.at(0).timeout_seconds == INT32_MAX);
  CHECK(timeout("-2147483648").value.sites.at(0).timeout_seconds == INT32_MIN);
  CHECK(timeout("-5").value.sites.at(0).timeout_seconds == -5);
  CHECK(timeout("2147483648").error ==
        "sites[0].TimeoutSeconds: cannot unmarshal number 2147483648 into int32");
  CHECK(timeout("-2147483649").error ==
        "sites[0].TimeoutSeconds: cannot unmarshal number -2147483649 into int32");

  CHECK(response_error(R"({"results":[{"RTTMs":1e2}]})") ==
        "results[0].RTTMs: cannot unmarshal number 1e2 into int64");
  CHECK(response_error(R"({"results":[{"ErrorCode":4294967296}]})") ==
        "results[0].ErrorCode: cannot unmarshal number 4294967296 into int32");
}

TEST_CASE("veriflier: a body must be one JSON object", "[veriflier]") {
  CHECK(request_error("[]") == "body must be a JSON object, got array");
  CHECK(request_error(R"([{"BlogID":1}])") == "body must be a JSON object, got array");
  CHECK(request_error(R"("sites")") == "body must be a JSON object, got string");
  CHECK(request_error("12") == "body must be a JSON object, got number");
  CHECK(request_error("true") == "body must be a JSON object, got bool");
  CHECK(response_error("[]") == "body must be a JSON object, got array");

  CHECK(request_error("") == "EOF");
  CHECK(request_error(" \r\n\t") == "EOF");
  CHECK(decode_request("").message() == "decode: EOF");

  CHECK(request_error("garbage!") == "Invalid value. (at byte 0)");
  CHECK(request_error(R"({"sites":[)").find("(at byte 10)") != std::string::npos);
  CHECK(request_error(R"({"sites":[{"BlogID":1,}]})").find("(at byte") != std::string::npos);
  CHECK(request_error(R"({'sites':[]})").find("(at byte 1)") != std::string::npos);

  CHECK(request_error(R"({"sites":[]} {"sites":[]})") ==
        "invalid data after the top-level value (at byte 12)");
  CHECK(request_error(std::string(R"({"sites":[]})") + '\0' + "x") ==
        "invalid data after the top-level value (at byte 12)");
  CHECK(request_error("{\"sites\":[]}\r\n  ") == "<ok>");
}

TEST_CASE("veriflier: repeated keys: the last value wins, as in Go", "[veriflier]") {
  const auto d = decode_request(
      R"({"sites":[{"BlogID":1}],"sites":[{"BlogID":2,"blogid":3,"URL":"a","url":"b",)"
      R"("CustomHeaders":{"A":"1"},"customheaders":{"B":"2","A":"3"}}]})");
  REQUIRE(d.ok());
  REQUIRE(d.value.sites.size() == 1);
  CHECK(d.value.sites[0].blog_id == 3);
  CHECK(d.value.sites[0].url == "b");
  // Go decodes a repeated map key into the map it already has.
  CHECK(*d.value.sites[0].custom_headers ==
        std::map<std::string, std::string>{{"A", "3"}, {"B", "2"}});

  const auto nulled = decode_request(R"({"sites":[{"CustomHeaders":{"A":"1"},"CustomHeaders":null}]})");
  REQUIRE(nulled.ok());
  CHECK_FALSE(nulled.value.sites[0].custom_headers.has_value());
  const auto null_value = decode_request(R"({"sites":[{"CustomHeaders":{"A":null}}]})");
  REQUIRE(null_value.ok());
  CHECK(*null_value.value.sites[0].custom_headers ==
        std::map<std::string, std::string>{{"A", ""}});
}

TEST_CASE("veriflier: bodies over 10 MiB are not decoded", "[veriflier]") {
  std::string body = R"({"sites":[],"pad":")";
  body += std::string(kMaxBodyBytes - body.size() - 2, 'x');
  body += "\"}";
  REQUIRE(body.size() == kMaxBodyBytes);
  CHECK(decode_request(body).ok());
  body.insert(body.size() - 2, "x");
  CHECK(request_error(body) == "body larger than 10485760 bytes");
  CHECK(response_error(body) == "body larger than 10485760 bytes");
}

TEST_CASE("veriflier: the version of a /status body", "[veriflier]") {
  CHECK(decode_status_version(R"({"status":"OK","version":"1.2.3"})") == "1.2.3");
  CHECK(decode_status_version(R"({"VERSION":"x"})") == "x");
  CHECK(decode_status_version("{\"status\":\"OK\",\"version\":\"v\"}\n") == "v");
  CHECK(decode_status_version(R"({"status":"OK"})").empty());
  CHECK(decode_status_version(R"({"version":1})").empty());
  CHECK(decode_status_version("[]").empty());
  CHECK(decode_status_version("OK").empty());
  CHECK(decode_status_version("").empty());
}
