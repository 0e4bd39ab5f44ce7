#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

// The JSON metadata of events and transitions (monitor.md §6.2, §6.3). Each shape is serialized
// with exactly the keys named by its fields, in field order.
namespace jetmon::incident {

// An http event's opening failure: {http_code, error_code, rtt_ms, url}.
struct CheckMetadata {
  int http_code = 0;
  int error_code = 0;
  std::int64_t rtt_ms = 0;
  std::string url;
  bool operator==(const CheckMetadata&) const = default;
};

// One Veriflier reply inside VerifierConfirmedMetadata: {host, success, http_code, rtt_ms}.
struct VerifierResultMetadata {
  std::string host;
  bool success = false;
  int http_code = 0;
  std::int64_t rtt_ms = 0;
  bool operator==(const VerifierResultMetadata&) const = default;
};

// Quorum met: {verifier_results: [...], verifier_confirmed: <reply count>}.
struct VerifierConfirmedMetadata {
  std::vector<VerifierResultMetadata> verifier_results;
  int verifier_confirmed = 0;
  bool operator==(const VerifierConfirmedMetadata&) const = default;
};

// Quorum missed: {verifier_quorum, verifier_healthy, verifier_disagreed, verifier_confirmed}.
struct FalseAlarmMetadata {
  int verifier_quorum = 0;
  int verifier_healthy = 0;
  int verifier_disagreed = 0;
  int verifier_confirmed = 0;
  bool operator==(const FalseAlarmMetadata&) const = default;
};

// tls_expiry events: {days_until, expires_at} with expires_at as RFC 3339 UTC ("…Z").
struct TlsExpiryMetadata {
  std::int64_t days_until = 0;
  std::chrono::sys_seconds expires_at{};
  bool operator==(const TlsExpiryMetadata&) const = default;
};

// monostate: no metadata (SQL NULL).
using Metadata = std::variant<std::monostate, CheckMetadata, VerifierConfirmedMetadata,
                              FalseAlarmMetadata, TlsExpiryMetadata>;

// Compact JSON text of the metadata; nullopt for monostate. Strings that are not valid UTF-8 have
// the bad bytes replaced by U+FFFD, so the text always fits a JSON column.
std::optional<std::string> metadata_json(const Metadata& metadata);

}  // namespace jetmon::incident
