#include <catch2/catch.hpp>

#include "jetmon/check/classify.hpp"

using namespace jetmon::check;
using namespace std::chrono;

namespace {

const system_clock::time_point kNow = sys_days{2026y / 11 / 28} + 12h;
const std::optional<system_clock::time_point> kNoCert;
const std::optional<system_clock::time_point> kValidCert = kNow + days{90};
const std::optional<system_clock::time_point> kExpiredCert = kNow - seconds{1};

struct Row {
  const char* name;
  TransportOutcome transport;
  int http_code;
  std::optional<system_clock::time_point> cert;
  TlsVersion tls;
  bool keyword_required;
  bool keyword_found;
  ErrorCode code;
  bool success;
  FailureClass failure_class;
  bool failure;
};

}  // namespace

TEST_CASE("classify follows the evaluation order of monitor.md 4.2 and the classes of 4.4", "[check]") {
  using T = TransportOutcome;
  using E = ErrorCode;
  using F = FailureClass;
  using V = TlsVersion;
  auto row = GENERATE(values<Row>({
      // name, transport, http, cert, tls, kw required, kw found -> code, success, class, failure
      {"plain 200", T::completed, 200, kNoCert, V::none, false, false, E::none, true, F::success, false},
      {"200 over TLS 1.3", T::completed, 200, kValidCert, V::tls1_3, false, false, E::none, true, F::success, false},
      {"3xx not followed is success", T::completed, 304, kNoCert, V::none, false, false, E::none, true, F::success, false},
      {"request build error", T::build_error, 0, kNoCert, V::none, false, false, E::connect, false, F::intermittent, true},
      {"timeout before headers", T::timeout, 0, kNoCert, V::none, false, false, E::timeout, false, F::intermittent, true},
      {"redirect refused", T::redirect_error, 0, kNoCert, V::none, false, false, E::redirect, false, F::redirect, true},
      {"tls handshake failure", T::tls_error, 0, kNoCert, V::none, false, false, E::ssl, false, F::https, true},
      {"untrusted cert still reports expiry", T::tls_error, 0, kExpiredCert, V::tls1_2, false, false, E::ssl, false, F::https, true},
      {"connection refused", T::connect_error, 0, kNoCert, V::none, false, false, E::connect, false, F::intermittent, true},
      {"expired cert on completed response", T::completed, 200, kExpiredCert, V::tls1_2, false, false, E::tls_expired, false, F::https, true},
      {"expired wins over keyword", T::completed, 200, kExpiredCert, V::tls1_2, true, false, E::tls_expired, false, F::https, true},
      {"TLS 1.0 is advisory", T::completed, 200, kValidCert, V::tls1_0, false, false, E::tls_deprecated, true, F::success, false},
      {"TLS 1.1 is advisory", T::completed, 200, kValidCert, V::tls1_1, false, false, E::tls_deprecated, true, F::success, false},
      {"TLS 1.1 with a 500", T::completed, 500, kValidCert, V::tls1_1, false, false, E::tls_deprecated, false, F::server, true},
      {"keyword missing on 200", T::completed, 200, kNoCert, V::none, true, false, E::keyword, false, F::intermittent, true},
      {"keyword missing beats TLS 1.1", T::completed, 200, kValidCert, V::tls1_1, true, false, E::keyword, false, F::intermittent, true},
      {"keyword found", T::completed, 200, kNoCert, V::none, true, true, E::none, true, F::success, false},
      {"keyword missing on 404", T::completed, 404, kNoCert, V::none, true, false, E::keyword, false, F::client, true},
      {"403 is blocked", T::completed, 403, kNoCert, V::none, false, false, E::none, false, F::blocked, true},
      {"404 is client", T::completed, 404, kNoCert, V::none, false, false, E::none, false, F::client, true},
      {"400 is client", T::completed, 400, kNoCert, V::none, false, false, E::none, false, F::client, true},
      {"500 is server", T::completed, 500, kNoCert, V::none, false, false, E::none, false, F::server, true},
      {"503 is server", T::completed, 503, kNoCert, V::none, false, false, E::none, false, F::server, true},
      {"599 is server", T::completed, 599, kNoCert, V::none, false, false, E::none, false, F::server, true},
      {"status 0 on completed", T::completed, 0, kNoCert, V::none, false, false, E::none, false, F::intermittent, true},
      {"1xx final status", T::completed, 101, kNoCert, V::none, false, false, E::none, true, F::success, false},
  }));
  INFO(row.name);
  Observation o;
  o.transport = row.transport;
  o.http_code = row.http_code;
  o.cert_not_after = row.cert;
  o.tls_version = row.tls;
  o.keyword_required = row.keyword_required;
  o.keyword_found = row.keyword_found;
  o.now = kNow;
  const Classification c = classify(o);
  CHECK(c.error_code == row.code);
  CHECK(c.success == row.success);
  CHECK(c.failure_class == row.failure_class);
  CHECK(is_failure(c.success, c.error_code) == row.failure);
}

TEST_CASE("failure class precedence of 4.4: https and timeout outrank HTTP status") {
  CHECK(failure_class_of(false, ErrorCode::ssl, 403) == FailureClass::https);
  CHECK(failure_class_of(false, ErrorCode::tls_expired, 500) == FailureClass::https);
  CHECK(failure_class_of(false, ErrorCode::timeout, 500) == FailureClass::intermittent);
  CHECK(failure_class_of(false, ErrorCode::redirect, 403) == FailureClass::redirect);
  CHECK(failure_class_of(true, ErrorCode::tls_deprecated, 200) == FailureClass::success);
}

TEST_CASE("names used in metrics and JSON") {
  CHECK(failure_class_name(FailureClass::blocked) == "blocked");
  CHECK(failure_class_name(FailureClass::https) == "https");
  CHECK(tls_version_name(TlsVersion::tls1_2) == "TLSv1.2");
  CHECK(tls_version_name(TlsVersion::none).empty());
}
