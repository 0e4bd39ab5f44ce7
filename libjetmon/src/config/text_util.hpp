#pragma once

#include <string>
#include <string_view>

// Small text helpers private to the config module.
namespace jetmon::config::detail {

std::string_view trim_ascii(std::string_view text);
std::string lower_ascii(std::string_view text);
bool equals_ignore_ascii_case(std::string_view a, std::string_view b);
// Go's %q for the strings the config module prints (ASCII escapes; UTF-8 passes through).
std::string go_quote(std::string_view text);
// "host:port" or "[v6]:port" with a non-empty host and a port in 1..65535.
bool is_host_port(std::string_view address);
// An absolute http:// or https:// URL with a non-empty authority and no spaces or controls.
bool is_http_url(std::string_view url);

}  // namespace jetmon::config::detail
