#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>

#include "jetmon/notify/wpcom.hpp"

using namespace std::chrono_literals;
using jetmon::notify::CheckEntry;
using jetmon::notify::Notice;

namespace {

std::chrono::system_clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

Notice down_notice() {
  Notice n;
  n.blog_id = 123456789;
  n.monitor_url = "https://example.com/";
  n.status_id = jetmon::notify::kStatusConfirmedDown;
  n.last_check = utc(2026, 4, 30, 10, 42, 15) + 734ms;  // sub-second part is truncated
  n.last_status_change = utc(2026, 4, 30, 10, 42, 21);
  n.status_type = "server";
  n.local = CheckEntry{"jetmon-host-1", false, 1234, 503};
  return n;
}

}  // namespace

TEST_CASE("notify: timestamps are UTC, whole seconds, Z suffix") {
  CHECK(jetmon::notify::format_utc_timestamp(utc(2026, 4, 30, 10, 42, 15) + 999ms) == "2026-04-30T10:42:15Z");
  CHECK(jetmon::notify::format_utc_timestamp(utc(1999, 12, 31, 23, 59, 59)) == "1999-12-31T23:59:59Z");
  CHECK(jetmon::notify::format_utc_timestamp(std::chrono::system_clock::time_point{}) == "1970-01-01T00:00:00Z");
}

TEST_CASE("notify: payload of a down notice without Veriflier replies") {
  CHECK(jetmon::notify::build_payload(down_notice()) ==
        R"({"blog_id":123456789,"monitor_url":"https://example.com/","status_id":2,)"
        R"("last_check":"2026-04-30T10:42:15Z","last_status_change":"2026-04-30T10:42:21Z",)"
        R"("status_type":"server","checks":[{"type":1,"host":"jetmon-host-1","status":0,"rtt":1234,"code":503}]})");
}

TEST_CASE("notify: payload of a down notice with one Veriflier reply") {
  Notice n = down_notice();
  n.verifliers = {CheckEntry{"veriflier-eu", false, 987, 503}};
  CHECK(jetmon::notify::build_payload(n) ==
        R"({"blog_id":123456789,"monitor_url":"https://example.com/","status_id":2,)"
        R"("last_check":"2026-04-30T10:42:15Z","last_status_change":"2026-04-30T10:42:21Z",)"
        R"("status_type":"server","checks":[{"type":1,"host":"jetmon-host-1","status":0,"rtt":1234,"code":503},)"
        R"({"type":2,"host":"veriflier-eu","status":0,"rtt":987,"code":503}]})");
}

TEST_CASE("notify: payload of a down notice with three Veriflier replies, one disagreeing") {
  Notice n = down_notice();
  n.status_type = "intermittent";
  n.local = CheckEntry{"jetmon-host-1", false, 0, 0};
  n.verifliers = {CheckEntry{"v1", false, 10001, 0}, CheckEntry{"v2", true, 220, 200},
                  CheckEntry{"v3", false, 15000, 0}};
  CHECK(jetmon::notify::build_payload(n) ==
        R"({"blog_id":123456789,"monitor_url":"https://example.com/","status_id":2,)"
        R"("last_check":"2026-04-30T10:42:15Z","last_status_change":"2026-04-30T10:42:21Z",)"
        R"("status_type":"intermittent","checks":[{"type":1,"host":"jetmon-host-1","status":0,"rtt":0,"code":0},)"
        R"({"type":2,"host":"v1","status":0,"rtt":10001,"code":0},)"
        R"({"type":2,"host":"v2","status":1,"rtt":220,"code":200},)"
        R"({"type":2,"host":"v3","status":0,"rtt":15000,"code":0}]})");
}

TEST_CASE("notify: payload of a recovery carries the local entry only") {
  Notice n;
  n.blog_id = 42;
  n.monitor_url = "http://shop.example.org/?a=1&b=<2>";
  n.status_id = jetmon::notify::kStatusRunning;
  n.last_check = utc(2026, 5, 1, 0, 0, 0);
  n.last_status_change = utc(2026, 5, 1, 0, 0, 1);
  n.status_type = "success";
  n.local = CheckEntry{"jetmon-host-1", true, 87, 200};
  n.verifliers = {CheckEntry{"v1", true, 1, 200}};  // ignored for a recovery
  CHECK(jetmon::notify::build_payload(n) ==
        R"({"blog_id":42,"monitor_url":"http://shop.example.org/?a=1\u0026b=\u003c2\u003e","status_id":1,)"
        R"("last_check":"2026-05-01T00:00:00Z","last_status_change":"2026-05-01T00:00:01Z",)"
        R"("status_type":"success","checks":[{"type":1,"host":"jetmon-host-1","status":1,"rtt":87,"code":200}]})");
}

TEST_CASE("notify: JSON strings are escaped as Go's encoding/json does") {
  struct Row {
    std::string in;
    std::string out;
  };
  const Row rows[] = {
      {"plain", R"("plain")"},
      {"quote\" back\\slash", R"("quote\" back\\slash")"},
      {"a\nb\rc\td", R"("a\nb\rc\td")"},
      {std::string("nul\0x", 5) + "\x01\x1f", R"("nul\u0000x\u0001\u001f")"},
      {"<script>&amp;", R"("\u003cscript\u003e\u0026amp;")"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},  // kept as UTF-8
      {"line\xe2\x80\xa8sep\xe2\x80\xa9", R"("line\u2028sep\u2029")"},
      {"bad\xff byte", R"("bad\ufffd byte")"},
      {"cut \xc3", R"("cut \ufffd")"},
      {"overlong \xc0\xaf", R"("overlong \ufffd\ufffd")"},
      {"surrogate \xed\xa0\x80", R"("surrogate \ufffd\ufffd\ufffd")"},
      {"/slash", R"("/slash")"},
      {"del\x7f", "\"del\x7f\""},
  };
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(jetmon::notify::json_string(r.in) == r.out);
  }
}

TEST_CASE("notify: notice key is a SHA-256 of host and payload") {
  const std::string p = jetmon::notify::build_payload(down_notice());
  const std::string k = jetmon::notify::notice_key("jetmon-host-1", p);
  CHECK(k.size() == 64);
  CHECK(k.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(jetmon::notify::notice_key("jetmon-host-1", p) == k);  // stable
  CHECK(jetmon::notify::notice_key("jetmon-host-2", p) != k);  // per host
  Notice later = down_notice();
  later.last_status_change += 1s;  // another transition of the same blog
  CHECK(jetmon::notify::notice_key("jetmon-host-1", jetmon::notify::build_payload(later)) != k);
  // Known vector: printf 'h\n{}' | sha256sum
  CHECK(jetmon::notify::notice_key("h", "{}") ==
        "f6274c9fc0722e3732c064f9bc43aba0a3d889640766e4682087ccfc0fc93d7b");
}

TEST_CASE("notify: probe result of the wpcom dependency") {
  using jetmon::notify::ProbeResult;
  using jetmon::notify::wpcom_probe_result;
  CHECK(wpcom_probe_result(false, 0) == ProbeResult{"green", ""});
  CHECK(wpcom_probe_result(false, 3) == ProbeResult{"amber", "queued notifications=3"});
  CHECK(wpcom_probe_result(true, 0) == ProbeResult{"red", "circuit open, queued notifications=0"});
  CHECK(wpcom_probe_result(true, 12) == ProbeResult{"red", "circuit open, queued notifications=12"});
  CHECK(jetmon::notify::probe_wpcom(nullptr) == ProbeResult{"red", "wpcom client is not initialized"});
}
