#pragma once

#include <string>
#include <string_view>

namespace jetmon {

// Quotes like Go's %q (double quotes, backslash escapes, \xNN for other control bytes), the
// form the operator-facing tools print for string values: key="value".
std::string go_quote(std::string_view text);

// Trims ASCII whitespace from both ends.
std::string_view trim(std::string_view text);

// The words of `text` (split on ASCII whitespace) joined by single spaces, like Go's
// strings.Join(strings.Fields(s), " "): one line for a tool's output or an HTTP body.
std::string collapse_whitespace(std::string_view text);

std::string to_lower_ascii(std::string_view text);
std::string to_upper_ascii(std::string_view text);

bool equals_ignore_ascii_case(std::string_view a, std::string_view b);

// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace jetmon
