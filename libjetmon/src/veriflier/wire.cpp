#include "jetmon/veriflier/wire.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/random.h>

#include <cerrno>

#include "veriflier/utf8.hpp"

namespace jetmon::veriflier {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void key(JsonWriter& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}

void string_value(JsonWriter& w, std::string_view value) {
  const std::string clean = valid_utf8(value);
  w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
}

void string_field(JsonWriter& w, std::string_view name, std::string_view value) {
  key(w, name);
  string_value(w, value);
}

std::string take(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string encode_request(const CheckBatchRequest& request) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  key(w, "sites");
  w.StartArray();
  for (const SiteCheckRequest& site : request.sites) {
    // Go's field order of veriflier.CheckRequest.
    w.StartObject();
    key(w, "BlogID");
    w.Int64(site.blog_id);
    string_field(w, "URL", site.url);
    key(w, "TimeoutSeconds");
    w.Int(site.timeout_seconds);
    string_field(w, "Keyword", site.keyword);
    key(w, "CustomHeaders");
    if (site.custom_headers) {
      // A Go map is written with its keys sorted bytewise; std::map already is. Two names
      // that differ only in invalid UTF-8 bytes could collide after cleaning; both are kept.
      w.StartObject();
      for (const auto& [name, value] : *site.custom_headers) {
        const std::string clean = valid_utf8(name);
        w.Key(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
        string_value(w, value);
      }
      w.EndObject();
    } else {
      w.Null();
    }
    string_field(w, "RedirectPolicy", site.redirect_policy);
    string_field(w, "RequestID", site.request_id);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return take(buffer);
}

std::string encode_response(const CheckBatchResponse& response) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  key(w, "results");
  w.StartArray();
  for (const SiteCheckResult& r : response.results) {
    // Go's field order of veriflier.CheckResult.
    w.StartObject();
    key(w, "BlogID");
    w.Int64(r.blog_id);
    string_field(w, "URL", r.url);
    string_field(w, "Host", r.host);
    key(w, "Success");
    w.Bool(r.success);
    key(w, "HTTPCode");
    w.Int(r.http_code);
    key(w, "ErrorCode");
    w.Int(r.error_code);
    key(w, "RTTMs");
    w.Int64(r.rtt_ms);
    string_field(w, "RequestID", r.request_id);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return take(buffer);
}

std::string encode_status(std::string_view version) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();  // a Go map[string]string: keys sorted
  string_field(w, "status", "OK");
  string_field(w, "version", version);
  w.EndObject();
  return take(buffer);
}

std::string format_request_id(const std::array<std::uint8_t, 16>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (const std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

std::string fallback_request_id(std::chrono::system_clock::time_point now) {
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  return "ts-" + std::to_string(nanos);
}

std::string new_request_id() {
  std::array<std::uint8_t, 16> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fallback_request_id(std::chrono::system_clock::now());
    filled += static_cast<std::size_t>(n);
  }
  return format_request_id(bytes);
}

SiteCheckRequest to_wire(const check::CheckRequest& request, std::string request_id) {
  SiteCheckRequest site;
  site.blog_id = static_cast<std::int64_t>(request.blog_id);
  site.url = request.url;
  site.timeout_seconds = request.timeout_seconds;
  site.keyword = request.keyword;
  if (!request.headers.empty()) {
    std::map<std::string, std::string> headers;
    for (const auto& [name, value] : request.headers) headers[name] = value;
    site.custom_headers = std::move(headers);
  }
  site.redirect_policy = std::string(check::redirect_policy_name(request.redirect_policy));
  site.request_id = std::move(request_id);
  return site;
}

check::CheckRequest to_check_request(const SiteCheckRequest& site) {
  check::CheckRequest request;
  request.blog_id = static_cast<std::uint64_t>(site.blog_id);
  request.url = site.url;
  request.timeout_seconds = site.timeout_seconds;
  request.keyword = site.keyword;
  if (site.custom_headers) {
    request.headers.reserve(site.custom_headers->size());
    for (const auto& [name, value] : *site.custom_headers) request.headers.emplace_back(name, value);
  }
  request.redirect_policy = check::parse_redirect_policy(site.redirect_policy);
  return request;
}

SiteCheckResult to_wire_result(const SiteCheckRequest& site, const check::CheckResult& result,
                               std::string host) {
  SiteCheckResult r;
  r.blog_id = site.blog_id;
  r.url = site.url;
  r.host = std::move(host);
  r.success = result.success;
  r.http_code = static_cast<std::int32_t>(result.http_code);
  r.error_code = static_cast<std::int32_t>(result.error_code);
  r.rtt_ms = result.rtt_ms;
  r.request_id = site.request_id;
  return r;
}

}  // namespace jetmon::veriflier
