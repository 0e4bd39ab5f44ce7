#include "jetmon/check/report.hpp"

#include "common/utf8.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>
#include <optional>
#include <string_view>

namespace jetmon::check {
namespace {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::none: return "none";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::connect: return "connect";
    case ErrorCode::ssl: return "ssl";
    case ErrorCode::redirect: return "redirect";
    case ErrorCode::keyword: return "keyword";
    case ErrorCode::tls_expired: return "tls expired";
    case ErrorCode::tls_deprecated: return "tls deprecated";
  }
  return "unknown";
}

std::optional<std::string> utc_date(const std::optional<std::chrono::system_clock::time_point>& when) {
  if (!when) return std::nullopt;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(*when);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return std::nullopt;
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

}  // namespace

std::string check_result_json(const CheckResult& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto string = [&w](std::string_view key, std::string_view value) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    const std::string clean = valid_utf8(value);
    w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
  };
  auto number = [&w](std::string_view key, std::int64_t value) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.Int64(value);
  };
  auto nullable = [&](std::string_view key, const std::optional<std::string>& value) {
    if (value) {
      string(key, *value);
    } else {
      w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      w.Null();
    }
  };
  w.StartObject();
  string("url", r.url);
  string("final_url", r.final_url);
  number("http_code", r.http_code);
  number("error_code", static_cast<int>(r.error_code));
  w.Key("success");
  w.Bool(r.success);
  string("failure_class", failure_class_name(r.failure_class));
  number("dns_ms", r.dns_ms);
  number("tcp_ms", r.tcp_ms);
  number("tls_ms", r.tls_ms);
  number("ttfb_ms", r.ttfb_ms);
  number("rtt_ms", r.rtt_ms);
  nullable("ssl_expiry", utc_date(r.cert_not_after));
  nullable("tls_version", r.tls_version == TlsVersion::none
                              ? std::nullopt
                              : std::optional<std::string>(tls_version_name(r.tls_version)));
  number("redirects", r.redirects);
  string("error", r.error);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string check_result_text(const CheckResult& r) {
  std::string out;
  out += fmt::format("url:        {}\n", r.url);
  if (r.redirects > 0 || (!r.final_url.empty() && r.final_url != r.url)) {
    out += fmt::format("final url:  {} ({} redirect{})\n", r.final_url, r.redirects,
                       r.redirects == 1 ? "" : "s");
  }
  out += fmt::format("result:     {}, HTTP {}, error code {} ({}), class {}\n",
                     r.is_failure() ? "FAILURE" : "ok", r.http_code, static_cast<int>(r.error_code),
                     error_code_name(r.error_code), failure_class_name(r.failure_class));
  out += fmt::format("timings:    dns {} ms, tcp {} ms, tls {} ms, ttfb {} ms, rtt {} ms\n", r.dns_ms,
                     r.tcp_ms, r.tls_ms, r.ttfb_ms, r.rtt_ms);
  if (r.tls_version != TlsVersion::none || r.cert_not_after) {
    const auto expiry = utc_date(r.cert_not_after);
    out += fmt::format("tls:        {}, certificate expires {}\n",
                       r.tls_version == TlsVersion::none ? "handshake incomplete"
                                                         : tls_version_name(r.tls_version),
                       expiry ? *expiry : "unknown");
  }
  if (!r.error.empty()) out += fmt::format("error:      {}\n", r.error);
  return out;
}

}  // namespace jetmon::check
