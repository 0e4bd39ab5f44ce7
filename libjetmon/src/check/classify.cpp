#include "jetmon/check/classify.hpp"

namespace jetmon::check {

Classification classify(const Observation& o) {
  Classification c;
  switch (o.transport) {
    case TransportOutcome::completed: break;
    case TransportOutcome::build_error:
    case TransportOutcome::connect_error: c.error_code = ErrorCode::connect; break;
    case TransportOutcome::timeout: c.error_code = ErrorCode::timeout; break;
    case TransportOutcome::redirect_error: c.error_code = ErrorCode::redirect; break;
    case TransportOutcome::tls_error: c.error_code = ErrorCode::ssl; break;
  }
  if (o.transport == TransportOutcome::completed) {
    if (o.cert_not_after && *o.cert_not_after < o.now) {
      c.error_code = ErrorCode::tls_expired;
    } else {
      if (o.tls_version == TlsVersion::tls1_0 || o.tls_version == TlsVersion::tls1_1) {
        c.error_code = ErrorCode::tls_deprecated;
      }
      if (o.keyword_required && !o.keyword_found) {
        c.error_code = ErrorCode::keyword;
      } else {
        c.success = o.http_code > 0 && o.http_code < 400;
      }
    }
  }
  c.failure_class = failure_class_of(c.success, c.error_code, o.http_code);
  return c;
}

FailureClass failure_class_of(bool success, ErrorCode code, int http_code) {
  if (success) return FailureClass::success;
  if (code == ErrorCode::ssl || code == ErrorCode::tls_expired) return FailureClass::https;
  if (code == ErrorCode::timeout) return FailureClass::intermittent;
  if (code == ErrorCode::redirect) return FailureClass::redirect;
  if (http_code == 403) return FailureClass::blocked;
  if (http_code >= 500) return FailureClass::server;
  if (http_code >= 400) return FailureClass::client;
  return FailureClass::intermittent;
}

bool is_failure(bool success, ErrorCode code) {
  return !success || (code != ErrorCode::none && code != ErrorCode::tls_deprecated);
}

std::string_view failure_class_name(FailureClass failure_class) {
  switch (failure_class) {
    case FailureClass::success: return "success";
    case FailureClass::https: return "https";
    case FailureClass::intermittent: return "intermittent";
    case FailureClass::redirect: return "redirect";
    case FailureClass::blocked: return "blocked";
    case FailureClass::server: return "server";
    case FailureClass::client: return "client";
  }
  return "intermittent";
}

std::string_view tls_version_name(TlsVersion version) {
  switch (version) {
    case TlsVersion::none: return "";
    case TlsVersion::tls1_0: return "TLSv1.0";
    case TlsVersion::tls1_1: return "TLSv1.1";
    case TlsVersion::tls1_2: return "TLSv1.2";
    case TlsVersion::tls1_3: return "TLSv1.3";
    case TlsVersion::other: return "other";
  }
  return "";
}

}  // namespace jetmon::check
