#include "check/url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>

#include "check/curl_handles.hpp"
#include "jetmon/check/check.hpp"
#include "jetmon/common/text.hpp"

namespace jetmon::check {
namespace {

struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};
using CurlString = std::unique_ptr<char, CurlFree>;

}  // namespace

std::optional<std::string> url_problem(std::string_view url) {
  if (url.empty()) return "empty URL";
  if (url.size() > kMaxUrlLength) {
    return fmt::format("URL is {} characters, longer than {}", url.size(), kMaxUrlLength);
  }
  for (char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return "URL contains spaces or control characters";
  }
  ensure_curl_global_init();
  CurlUrl handle(curl_url());
  if (!handle) return "out of memory parsing URL";
  const std::string text(url);
  const CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) return fmt::format("malformed URL: {}", curl_url_strerror(rc));
  char* raw_scheme = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_SCHEME, &raw_scheme, 0) != CURLUE_OK) {
    return "URL has no scheme";
  }
  CurlString scheme(raw_scheme);
  const std::string lower = to_lower_ascii(scheme.get());
  if (lower != "http" && lower != "https") {
    return fmt::format("unsupported protocol scheme \"{}\"", lower);
  }
  char* raw_host = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_HOST, &raw_host, 0) != CURLUE_OK) {
    return "URL has no host";
  }
  CurlString host(raw_host);
  if (host.get()[0] == '\0') return "URL has no host";
  return std::nullopt;
}

bool is_http_url(std::string_view url) { return !url_problem(url).has_value(); }

bool has_ip_literal_host(std::string_view url) {
  ensure_curl_global_init();
  CurlUrl handle(curl_url());
  if (!handle) return false;
  const std::string text(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return false;
  }
  char* raw_host = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_HOST, &raw_host, 0) != CURLUE_OK) return false;
  CurlString host(raw_host);
  std::string_view h(host.get());
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
    const auto zone = h.find('%');
    if (zone != std::string_view::npos) h = h.substr(0, zone);
  }
  const std::string literal(h);
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, literal.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, literal.c_str(), buffer) == 1;
}

std::optional<std::string> resolve_location(std::string_view base, std::string_view location) {
  ensure_curl_global_init();
  CurlUrl handle(curl_url());
  if (!handle) return std::nullopt;
  const std::string base_text(base);
  const std::string location_text(location);
  // The flags libcurl itself uses when it follows a redirect: spaces are allowed and encoded.
  const unsigned int flags = CURLU_NON_SUPPORT_SCHEME | CURLU_ALLOW_SPACE | CURLU_URLENCODE;
  if (curl_url_set(handle.get(), CURLUPART_URL, base_text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
      curl_url_set(handle.get(), CURLUPART_URL, location_text.c_str(), flags) != CURLUE_OK) {
    return std::nullopt;
  }
  char* raw = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_URL, &raw, 0) != CURLUE_OK) return std::nullopt;
  CurlString resolved(raw);
  return std::string(resolved.get());
}

bool is_valid_header_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  constexpr std::string_view kTokenSymbols = "!#$%&'*+-.^_`|~";
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && kTokenSymbols.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool is_valid_header_value(std::string_view value) {
  if (value.size() > 8192) return false;
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

}  // namespace jetmon::check
