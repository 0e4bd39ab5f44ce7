#pragma once

#include <string>

#include "jetmon/check/check.hpp"

// How `jetmon2 check` prints one result.
namespace jetmon::check {

// One JSON object, no trailing newline, keys in this order: url, final_url, http_code,
// error_code, success, failure_class, dns_ms, tcp_ms, tls_ms, ttfb_ms, rtt_ms, ssl_expiry
// ("YYYY-MM-DD" in UTC, or null), tls_version ("TLSv1.3"…, or null), redirects, error (string,
// "" when there is none). Bytes that are not valid UTF-8 are replaced by U+FFFD.
std::string check_result_json(const CheckResult& result);

// A short human-readable summary, several "label: value" lines, ending with a newline.
std::string check_result_text(const CheckResult& result);

}  // namespace jetmon::check
