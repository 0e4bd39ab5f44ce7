#pragma once

#include <chrono>
#include <optional>

#include "jetmon/check/classify.hpp"

// Reads the leaf certificate's expiry and the negotiated TLS version out of OpenSSL, both on
// success (from the connection, in libcurl's pre-request callback) and when verification fails
// (from the verify callback installed on the SSL_CTX), so an expired or untrusted certificate
// still reports its expiry.
namespace jetmon::check {

struct TlsCapture {
  std::optional<std::chrono::system_clock::time_point> cert_not_after;
  TlsVersion version = TlsVersion::none;
};

// CURLOPT_SSL_CTX_FUNCTION body: allows TLS 1.0/1.1 handshakes (so they can be reported as
// deprecated, code 7) and installs the verify callback that fills `capture`.
// Returns a CURLcode as int.
int prepare_ssl_ctx(void* ssl_ctx, TlsCapture* capture);

// From a live connection (CURLINFO_TLS_SSL_PTR internals, an SSL*).
void capture_from_ssl(void* ssl, TlsCapture& capture);

}  // namespace jetmon::check
