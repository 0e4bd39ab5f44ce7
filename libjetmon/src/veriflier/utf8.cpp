#include "veriflier/utf8.hpp"

#include <fmt/format.h>

namespace jetmon::veriflier {

std::string valid_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    std::size_t len = 0;
    unsigned second_lo = 0x80, second_hi = 0xBF;
    if (b0 < 0x80) {
      len = 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) second_lo = 0xA0;  // no overlong forms
      if (b0 == 0xED) second_hi = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) second_lo = 0x90;
      if (b0 == 0xF4) second_hi = 0x8F;  // nothing above U+10FFFF
    }
    bool ok = len > 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(in[i + k]);
      ok = k == 1 ? (b >= second_lo && b <= second_hi) : (b >= 0x80 && b <= 0xBF);
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");  // one U+FFFD per bad byte, like Go
      i += 1;
    }
  }
  return out;
}

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
