#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "incident/audit_metadata.hpp"
#include "common/utf8.hpp"
#include "jetmon/incident/metadata.hpp"

using namespace jetmon::incident;
using jetmon::utf8_prefix;
using jetmon::valid_utf8;
using namespace std::chrono;

TEST_CASE("incident: event metadata has exactly the keys of monitor.md 6.2 and 6.3", "[incident]") {
  struct Row {
    const char* name;
    Metadata metadata;
    std::optional<std::string> json;
  };
  auto row = GENERATE(values<Row>({
      {"none", std::monostate{}, std::nullopt},
      {"first failure", CheckMetadata{503, 0, 84, "https://example.com/"},
       R"({"http_code":503,"error_code":0,"rtt_ms":84,"url":"https://example.com/"})"},
      {"quorum met",
       VerifierConfirmedMetadata{{{"v1", false, 500, 120}, {"v2", true, 200, 80}}, 2},
       R"({"verifier_results":[{"host":"v1","success":false,"http_code":500,"rtt_ms":120},)"
       R"({"host":"v2","success":true,"http_code":200,"rtt_ms":80}],"verifier_confirmed":2})"},
      {"quorum met without verifliers", VerifierConfirmedMetadata{{}, 0},
       R"({"verifier_results":[],"verifier_confirmed":0})"},
      {"quorum missed", FalseAlarmMetadata{2, 2, 1, 1},
       R"({"verifier_quorum":2,"verifier_healthy":2,"verifier_disagreed":1,"verifier_confirmed":1})"},
      {"tls expiry",
       TlsExpiryMetadata{7, sys_days{2026y / 12 / 5} + 13h + 4min + 5s},
       R"({"days_until":7,"expires_at":"2026-12-05T13:04:05Z"})"},
      {"tls expiry, already expired",
       TlsExpiryMetadata{-3, sys_days{2026y / 1 / 2}},
       R"({"days_until":-3,"expires_at":"2026-01-02T00:00:00Z"})"},
  }));
  INFO(row.name);
  CHECK(metadata_json(row.metadata) == row.json);
}

TEST_CASE("incident: metadata strings are escaped and made valid UTF-8", "[incident]") {
  CHECK(metadata_json(CheckMetadata{0, 2, 0, "https://x/\"q\"\\\n"}) ==
        R"({"http_code":0,"error_code":2,"rtt_ms":0,"url":"https://x/\"q\"\\\n"})");
  CHECK(metadata_json(CheckMetadata{0, 2, 0, "https://b\xff/"}) ==
        "{\"http_code\":0,\"error_code\":2,\"rtt_ms\":0,\"url\":\"https://b\xEF\xBF\xBD/\"}");
}

TEST_CASE("incident: audit metadata follows monitor.md 5.1 and 5.2", "[incident]") {
  LocalCheck failure;
  failure.http_code = 503;
  failure.error_code = jetmon::check::ErrorCode::none;
  failure.rtt_ms = 84;
  CHECK(retry_dispatched_metadata(failure, 1, 3, 42) ==
        R"({"http_code":503,"error_code":0,"rtt_ms":84,"attempt":1,"of":3,"event_id":42})");
  failure.http_code = 0;
  failure.error_code = jetmon::check::ErrorCode::timeout;
  CHECK(retry_dispatched_metadata(failure, 2, 3, std::nullopt) ==
        R"({"http_code":0,"error_code":1,"rtt_ms":84,"attempt":2,"of":3,"event_id":null})");
  CHECK(escalation_metadata(2, "abc") == R"({"verifier_count":2,"request_id":"abc"})");
  VeriflierVote vote;
  vote.replied = true;
  vote.http_code = 500;
  vote.error_code = 0;
  vote.rtt_ms = 12;
  vote.success = false;
  CHECK(veriflier_reply_metadata(vote, "abc") ==
        R"({"http_code":500,"error_code":0,"rtt_ms":12,"success":false,"request_id":"abc"})");
}

TEST_CASE("incident: utf8_prefix counts characters and never splits one", "[incident]") {
  struct Row {
    const char* name;
    std::string text;
    std::size_t max_chars;
    std::string expected;
  };
  auto row = GENERATE(values<Row>({
      {"short text untouched", "abc", 10, "abc"},
      {"ascii cut", "abcdef", 3, "abc"},
      {"zero", "abc", 0, ""},
      {"two-byte characters count once", "\xC3\xA9\xC3\xA9\xC3\xA9", 2, "\xC3\xA9\xC3\xA9"},
      {"four-byte emoji counts once", "\xF0\x9F\x9A\x80x", 1, "\xF0\x9F\x9A\x80"},
      {"a malformed byte counts as one", "\xFF" "ab", 2, "\xFF" "a"},
      {"truncated sequence at the end", "a\xE6\x97", 5, "a\xE6\x97"},
  }));
  INFO(row.name);
  CHECK(std::string(utf8_prefix(row.text, row.max_chars)) == row.expected);
}

TEST_CASE("incident: valid_utf8 replaces malformed bytes only", "[incident]") {
  CHECK(valid_utf8("h\xC3\xA9llo \xF0\x9F\x9A\x80") == "h\xC3\xA9llo \xF0\x9F\x9A\x80");
  CHECK(valid_utf8("a\xC0\xAFz") == "a\xEF\xBF\xBD\xEF\xBF\xBDz");  // overlong
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}
