#pragma once

#include <string>
#include <string_view>

namespace jetmon::veriflier {

// `in` with every byte sequence that is not well-formed UTF-8 replaced by U+FFFD, as Go's
// encoding/json writes strings. Returns the input unchanged (one copy) when it is valid.
std::string valid_utf8(std::string_view in);

// For log lines: control bytes (< 0x20, 0x7f) become \xNN so a URL cannot split a line.
std::string printable(std::string_view in);

}  // namespace jetmon::veriflier
