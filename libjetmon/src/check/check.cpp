#include "jetmon/check/check.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <mutex>
#include <stdexcept>

#include "check/curl_handles.hpp"
#include "check/url.hpp"
#include "jetmon/common/text.hpp"

namespace jetmon::check {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

RedirectPolicy parse_redirect_policy(std::string_view text) {
  const std::string lower = to_lower_ascii(trim(text));
  if (lower == "fail") return RedirectPolicy::fail;
  if (lower == "alert") return RedirectPolicy::alert;
  return RedirectPolicy::follow;
}

std::string_view redirect_policy_name(RedirectPolicy policy) {
  switch (policy) {
    case RedirectPolicy::follow: return "follow";
    case RedirectPolicy::alert: return "alert";
    case RedirectPolicy::fail: return "fail";
  }
  return "follow";
}

std::vector<std::pair<std::string, std::string>> parse_custom_headers(std::string_view json) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (trim(json).empty()) return headers;
  rapidjson::Document doc;
  // The whole text must be one JSON value, as for Go's json.Unmarshal: trailing garbage makes
  // it invalid (whitespace is fine).
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return headers;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    if (!it->value.IsString()) continue;
    std::string name(it->name.GetString(), it->name.GetStringLength());
    std::string value(it->value.GetString(), it->value.GetStringLength());
    if (!is_valid_header_name(name) || !is_valid_header_value(value)) continue;
    headers.emplace_back(std::move(name), std::move(value));
  }
  return headers;
}

std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string name(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  if (!is_valid_header_name(name) || !is_valid_header_value(value)) return std::nullopt;
  return std::make_pair(std::move(name), std::move(value));
}

}  // namespace jetmon::check
