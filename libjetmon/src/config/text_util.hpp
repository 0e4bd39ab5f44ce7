#pragma once

#include <string>
#include <string_view>

// Address checks private to the config module (general text helpers: jetmon/common/text.hpp).
namespace jetmon::config::detail {

// "host:port" or "[v6]:port" with a non-empty host and a port in 1..65535.
bool is_host_port(std::string_view address);
// An absolute http:// or https:// URL with a non-empty authority and no spaces or controls.
bool is_http_url(std::string_view url);

}  // namespace jetmon::config::detail
