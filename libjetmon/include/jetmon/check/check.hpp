#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jetmon/check/classify.hpp"

// What goes into one check and what comes out (monitor.md §4).
namespace jetmon::check {

enum class RedirectPolicy { follow, alert, fail };

// "follow" for NULL/empty/unknown values, as the monitor treats the column.
RedirectPolicy parse_redirect_policy(std::string_view text);
std::string_view redirect_policy_name(RedirectPolicy policy);

inline constexpr std::string_view kUserAgent =
    "jetmon/2.0 (Jetpack Site Uptime Monitor by WordPress.com)";
inline constexpr std::size_t kKeywordScanLimit = 1024 * 1024;  // bytes of decoded body
inline constexpr int kMaxRedirects = 10;
inline constexpr std::size_t kMaxUrlLength = 8192;

struct CheckRequest {
  std::uint64_t blog_id = 0;
  std::string url;
  int timeout_seconds = 10;  // one deadline for DNS, connect, TLS, headers and body; <=0 means 10
  std::string keyword;       // empty: the body is not read
  // Each replaces any default header of the same name (so User-Agent can be overridden).
  std::vector<std::pair<std::string, std::string>> headers;
  RedirectPolicy redirect_policy = RedirectPolicy::follow;
  // The site failed its last check, so this one may well wait out its whole timeout: it runs
  // outside the in-flight ceiling from the start, as a lingering check does (still under the
  // engine's hard cap and its slow capacity), so it never holds a slot a healthy site could use.
  bool expect_slow = false;
  // With expect_slow: a step due now (a local retry) rather than a round's check. It takes the
  // next free place in the slow capacity, ahead of the round's slow checks waiting for one. (Not
  // past the capacity: in a mass outage thousands of retries fall due at once.)
  bool urgent = false;
};

// custom_headers column: a JSON object of strings. Invalid JSON gives no headers; non-string
// values are skipped; header names or values with CR/LF are dropped (they cannot be sent safely).
std::vector<std::pair<std::string, std::string>> parse_custom_headers(std::string_view json);

// "Name: value" (as typed on a command line) -> {name, value}; nullopt when the name is not a
// valid header token or the value holds CR/LF.
std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line);

struct CheckResult {
  std::uint64_t blog_id = 0;
  std::string url;
  std::string final_url;  // after redirects
  int http_code = 0;
  ErrorCode error_code = ErrorCode::none;
  bool success = false;
  FailureClass failure_class = FailureClass::intermittent;
  // Phase timings of the last hop, milliseconds, truncated; 0 when a phase did not happen.
  std::int64_t dns_ms = 0;
  std::int64_t tcp_ms = 0;
  std::int64_t tls_ms = 0;
  std::int64_t ttfb_ms = 0;
  std::int64_t rtt_ms = 0;  // request start -> final response headers (includes redirects)
  std::optional<std::chrono::system_clock::time_point> cert_not_after;  // leaf certificate
  TlsVersion tls_version = TlsVersion::none;
  int redirects = 0;
  std::string error;  // short text; empty on success
  std::chrono::system_clock::time_point started_at{};
  bool cancelled = false;  // the engine shut down before the check finished; discard it

  bool is_failure() const { return check::is_failure(success, error_code); }
};

}  // namespace jetmon::check
