#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace jetmon::check {

// Why a monitor URL cannot be requested, or nullopt when it can: it must be an absolute http or
// https URL with a host, at most kMaxUrlLength characters, without spaces or control characters.
std::optional<std::string> url_problem(std::string_view url);

// The same rule applied to a redirect target (absolute URL produced by libcurl).
bool is_http_url(std::string_view url);

// True when the URL's host is an IPv4 or IPv6 literal (no name resolution happens).
bool has_ip_literal_host(std::string_view url);

// The absolute URL a Location header value points to, resolved against the URL of the response
// that carried it (a relative reference keeps the base's scheme, host and port); nullopt when
// either cannot be parsed.
std::optional<std::string> resolve_location(std::string_view base, std::string_view location);

// RFC 7230 token characters only.
bool is_valid_header_name(std::string_view name);
// No CR, LF or NUL (header injection).
bool is_valid_header_value(std::string_view value);

}  // namespace jetmon::check
