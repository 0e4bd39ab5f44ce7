#pragma once

#include <chrono>
#include <optional>
#include <string_view>

// The pure decision part of a check: from what the transport saw to the stored error code,
// success flag and failure class (monitor.md §4.2, §4.4, §4.5).
namespace jetmon::check {

// Stored in jetmon_check_history.error_code and sent over the Veriflier wire.
enum class ErrorCode : int {
  none = 0,
  timeout = 1,         // deadline passed before response headers
  connect = 2,         // any other transport error, including a request that could not be built
  ssl = 3,             // TLS handshake or certificate verification failed
  redirect = 4,        // redirect refused (policy fail) or more than 10 hops
  keyword = 5,         // keyword not found in the first 1 MiB of the body
  tls_expired = 6,     // leaf certificate already expired on a completed response
  tls_deprecated = 7,  // negotiated TLS 1.0 or 1.1; advisory, not a failure
};

enum class FailureClass { success, https, intermittent, redirect, blocked, server, client };

// How the transfer ended, before any HTTP-level judgement.
enum class TransportOutcome {
  completed,       // a response was received (headers at least)
  build_error,     // the request could not be built (bad URL, bad scheme, …)
  timeout,
  redirect_error,
  tls_error,
  connect_error,   // DNS, refused, reset, garbage instead of HTTP, …
};

enum class TlsVersion { none, tls1_0, tls1_1, tls1_2, tls1_3, other };

struct Observation {
  TransportOutcome transport = TransportOutcome::completed;
  int http_code = 0;
  std::optional<std::chrono::system_clock::time_point> cert_not_after;
  TlsVersion tls_version = TlsVersion::none;
  bool keyword_required = false;
  bool keyword_found = false;
  std::chrono::system_clock::time_point now{};
};

struct Classification {
  ErrorCode error_code = ErrorCode::none;
  bool success = false;
  FailureClass failure_class = FailureClass::intermittent;
};

Classification classify(const Observation& observation);

// §4.4, first match wins.
FailureClass failure_class_of(bool success, ErrorCode code, int http_code);

// §4.5: not successful, or any code other than none and tls_deprecated.
bool is_failure(bool success, ErrorCode code);

std::string_view failure_class_name(FailureClass failure_class);
std::string_view tls_version_name(TlsVersion version);  // "TLSv1.2", "" for none

}  // namespace jetmon::check
