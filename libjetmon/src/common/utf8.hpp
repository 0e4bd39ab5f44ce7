#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// UTF-8 helpers for text that goes into utf8mb4 columns and JSON metadata.
namespace jetmon {

// Every byte sequence that is not well-formed UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// The first `max_chars` characters of well-formed UTF-8 text (a VARCHAR(n) counts characters, not
// bytes); a multi-byte character is never split. Each malformed byte counts as one character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_chars);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a well-formed
// multi-byte character (malformed bytes count as one byte each).
std::string_view utf8_prefix_bytes(std::string_view text, std::size_t max_bytes);

}  // namespace jetmon
