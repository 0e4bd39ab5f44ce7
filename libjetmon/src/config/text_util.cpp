#include "config/text_util.hpp"

#include "jetmon/common/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace jetmon::config::detail {

namespace {

bool has_space_or_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
}

bool is_port_number(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc{} && ptr == end && value >= 1 && value <= 65535 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool is_host_port(std::string_view address) {
  if (has_space_or_control(address)) return false;
  std::string_view host;
  std::string_view port;
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return false;
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return false;  // bare IPv6 needs brackets
  }
  return !host.empty() && host.find_first_of("[]") == std::string_view::npos &&
         is_port_number(port);
}

bool is_http_url(std::string_view url) {
  if (has_space_or_control(url)) return false;
  std::string_view rest;
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (url.size() >= scheme.size() &&
        jetmon::equals_ignore_ascii_case(url.substr(0, scheme.size()), scheme)) {
      rest = url.substr(scheme.size());
      break;
    }
  }
  const auto authority = rest.substr(0, rest.find_first_of("/?#"));
  const auto at = authority.rfind('@');
  const auto host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  return !host.empty() && !host.starts_with(':');
}

}  // namespace jetmon::config::detail
