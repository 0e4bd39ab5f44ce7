#pragma once

#include <string>
#include <string_view>

#include "common/utf8.hpp"  // valid_utf8

namespace jetmon::veriflier {

// For log lines: control bytes (< 0x20, 0x7f) become \xNN so a URL cannot split a line.
std::string printable(std::string_view in);

}  // namespace jetmon::veriflier
