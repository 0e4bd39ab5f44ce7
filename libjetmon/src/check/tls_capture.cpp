#include "check/tls_capture.hpp"

#include <curl/curl.h>
#include <openssl/asn1.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <mutex>

namespace jetmon::check {
namespace {

int capture_index() {
  static int index = -1;
  static std::once_flag once;
  std::call_once(once, [] { index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr); });
  return index;
}

std::optional<std::chrono::system_clock::time_point> not_after_of(const X509* cert) {
  if (cert == nullptr) return std::nullopt;
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  if (not_after == nullptr) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(not_after, &tm) != 1) return std::nullopt;
  const std::time_t seconds = timegm(&tm);
  return std::chrono::system_clock::from_time_t(seconds);
}

TlsVersion version_of(const SSL* ssl) {
  switch (SSL_version(ssl)) {
    case TLS1_VERSION: return TlsVersion::tls1_0;
    case TLS1_1_VERSION: return TlsVersion::tls1_1;
    case TLS1_2_VERSION: return TlsVersion::tls1_2;
    case TLS1_3_VERSION: return TlsVersion::tls1_3;
    default: return TlsVersion::other;
  }
}

int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return preverify_ok;
  auto* capture = static_cast<TlsCapture*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), capture_index()));
  if (capture != nullptr) {
    if (auto expiry = not_after_of(X509_STORE_CTX_get0_cert(store))) capture->cert_not_after = expiry;
    capture->version = version_of(ssl);
  }
  return preverify_ok;
}

}  // namespace

int prepare_ssl_ctx(void* ssl_ctx, TlsCapture* capture) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  // Debian's OpenSSL refuses TLS < 1.2 above security level 0; level 0 lets the handshake
  // finish so the check can report "deprecated TLS" instead of a handshake failure.
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_ex_data(ctx, capture_index(), capture);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), verify_callback);
  return CURLE_OK;
}

void capture_from_ssl(void* ssl_ptr, TlsCapture& capture) {
  auto* ssl = static_cast<SSL*>(ssl_ptr);
  if (ssl == nullptr) return;
  capture.version = version_of(ssl);
  if (auto expiry = not_after_of(SSL_get0_peer_certificate(ssl))) capture.cert_not_after = expiry;
}

}  // namespace jetmon::check
