#include "veriflier/utf8.hpp"

#include <fmt/format.h>

namespace jetmon::veriflier {

std::string printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\x{:02x}", b);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace jetmon::veriflier
