#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/check/check.hpp"

// The Veriflier wire format (monitor.md §7): JSON over plain HTTP, PascalCase field names,
// compatible with the Go Verifliers and monitors. Encoding always writes the exact Go field
// names in Go's field order; decoding matches names case-insensitively, as Go's encoding/json
// does. docs/veriflier.md has the details.
namespace jetmon::veriflier {

// Ceiling of a /check request body and of any Veriflier response body we read.
inline constexpr std::size_t kMaxBodyBytes = 10 * 1024 * 1024;

// One site of a POST /check request ("sites" item).
struct SiteCheckRequest {
  std::int64_t blog_id = 0;          // BlogID
  std::string url;                   // URL
  std::int32_t timeout_seconds = 0;  // TimeoutSeconds: the site's timeout; <=0 means 10 s
  std::string keyword;               // Keyword: "" when the site has none
  // CustomHeaders: nullopt is sent as null; names are unique and sorted (a Go map).
  std::optional<std::map<std::string, std::string>> custom_headers;
  std::string redirect_policy;  // RedirectPolicy as sent: "follow", "alert", "fail" (or "")
  std::string request_id;       // RequestID, echoed by the Veriflier

  bool operator==(const SiteCheckRequest&) const = default;
};

// One site of the /check response ("results" item).
struct SiteCheckResult {
  std::int64_t blog_id = 0;     // BlogID
  std::string url;              // URL
  std::string host;             // Host: the Veriflier's hostname
  bool success = false;         // Success
  std::int32_t http_code = 0;   // HTTPCode
  std::int32_t error_code = 0;  // ErrorCode (monitor.md §4.2)
  std::int64_t rtt_ms = 0;      // RTTMs
  std::string request_id;       // RequestID (echo)

  bool operator==(const SiteCheckResult&) const = default;
};

struct CheckBatchRequest {
  std::vector<SiteCheckRequest> sites;
  bool operator==(const CheckBatchRequest&) const = default;
};

struct CheckBatchResponse {
  std::vector<SiteCheckResult> results;
  bool operator==(const CheckBatchResponse&) const = default;
};

// {"sites":[{"BlogID":…,"URL":…,"TimeoutSeconds":…,"Keyword":…,"CustomHeaders":…|null,
// "RedirectPolicy":…,"RequestID":…}]} without a trailing newline. Text that is not valid UTF-8
// is sent with U+FFFD in place of the bad bytes (as Go does).
std::string encode_request(const CheckBatchRequest& request);
// {"results":[{"BlogID":…,"URL":…,"Host":…,"Success":…,"HTTPCode":…,"ErrorCode":…,"RTTMs":…,
// "RequestID":…}]} without a trailing newline.
std::string encode_response(const CheckBatchResponse& response);
// The /status body without a trailing newline: {"status":"OK","version":"<version>"}.
std::string encode_status(std::string_view version);

// A decoded body, or why it could not be decoded.
template <typename T>
struct Decoded {
  T value{};
  std::string error;  // empty on success, else e.g. `sites[0].BlogID: expected int64, got string`

  bool ok() const { return error.empty(); }
  // "decode: <error>", the text of the server's 400 response.
  std::string message() const { return "decode: " + error; }
};

// Go's encoding/json rules: field names match case-insensitively (ASCII), unknown fields are
// ignored, null leaves a field at its zero value, integers must be integer literals that fit
// the field (no fraction or exponent), a wrong JSON type is an error, and the body must hold a
// single JSON value (trailing whitespace only). A `null` body decodes to an empty batch.
// Bodies larger than kMaxBodyBytes are refused.
Decoded<CheckBatchRequest> decode_request(std::string_view body);
Decoded<CheckBatchResponse> decode_response(std::string_view body);
// The "version" string of a /status body; "" when the body is not an object or has none.
std::string decode_status_version(std::string_view body);

// A fresh request id: 16 random bytes as 32 lowercase hex digits; "ts-<unix nanos>" when the
// system has no randomness to give.
std::string new_request_id();
std::string format_request_id(const std::array<std::uint8_t, 16>& bytes);
std::string fallback_request_id(std::chrono::system_clock::time_point now);

// Monitor side: the wire form of a check the monitor would run itself. Keyword "" when none,
// TimeoutSeconds as given, custom headers as a map (null when there are none; a later duplicate
// name wins), the redirect policy by name.
SiteCheckRequest to_wire(const check::CheckRequest& request, std::string request_id);

// Veriflier side: what the check engine runs for a wire site. A negative BlogID is carried as
// its two's complement (the reply echoes the wire BlogID, not this value); an unknown or empty
// RedirectPolicy means follow; header names or values the engine cannot send are dropped there.
check::CheckRequest to_check_request(const SiteCheckRequest& site);

// Veriflier side: the reply for one site from the engine's result. BlogID, URL and RequestID
// come from the request, so they echo exactly what the monitor sent.
SiteCheckResult to_wire_result(const SiteCheckRequest& site, const check::CheckResult& result,
                               std::string host);

}  // namespace jetmon::veriflier
