#pragma once

#include <string>
#include <string_view>

namespace jetmon {

// Escapes text for the inside of a JSON string literal (quotes, backslash, control characters);
// malformed UTF-8 becomes U+FFFD, so the result is always valid JSON text.
std::string json_escape(std::string_view text);

}  // namespace jetmon
