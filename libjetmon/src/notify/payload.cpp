// The pure parts of the WPCOM notifier: payload, idempotency key, circuit breaker, probe.
#include <openssl/evp.h>

#include <fmt/format.h>

#include <ctime>
#include <memory>
#include <stdexcept>

#include "jetmon/notify/wpcom.hpp"

namespace jetmon::notify {

std::string format_utc_timestamp(std::chrono::system_clock::time_point time) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(time);
  const std::time_t t = static_cast<std::time_t>(secs.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when it is invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    const int c1 = cont(1);
    if (c1 < 0) return 0;
    cp = static_cast<char32_t>(((b0 & 0x1F) << 6) | c1);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const int c1 = cont(1), c2 = c1 < 0 ? -1 : cont(2);
    if (c1 < 0 || c2 < 0) return 0;
    cp = static_cast<char32_t>(((b0 & 0x0F) << 12) | (c1 << 6) | c2);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong or surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const int c1 = cont(1), c2 = c1 < 0 ? -1 : cont(2), c3 = c2 < 0 ? -1 : cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return 0;
    cp = static_cast<char32_t>(((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

std::string json_string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    const std::size_t len = utf8_sequence_length(text, i, cp);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (len == 1) {
      const char c = text[i];
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '<':
        case '>':
        case '&':
          out += "\\u00";
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            out += "\\u00";
            out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
            out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
          } else {
            out.push_back(c);
          }
      }
    } else if (cp == 0x2028) {
      out += "\\u2028";
    } else if (cp == 0x2029) {
      out += "\\u2029";
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

namespace {

void append_check(std::string& out, int type, const CheckEntry& check) {
  out += fmt::format(R"({{"type":{},"host":{},"status":{},"rtt":{},"code":{}}})", type,
                     json_string(check.host), check.success ? 1 : 0, check.rtt_ms, check.http_code);
}

}  // namespace

std::string build_payload(const Notice& notice) {
  std::string out = fmt::format(
      R"({{"blog_id":{},"monitor_url":{},"status_id":{},"last_check":"{}","last_status_change":"{}","status_type":{},"checks":[)",
      notice.blog_id, json_string(notice.monitor_url), notice.status_id,
      format_utc_timestamp(notice.last_check), format_utc_timestamp(notice.last_status_change),
      json_string(notice.status_type));
  append_check(out, 1, notice.local);
  if (notice.status_id != kStatusRunning) {
    for (const auto& v : notice.verifliers) {
      out.push_back(',');
      append_check(out, 2, v);
    }
  }
  out += "]}";
  return out;
}

std::string notice_key(std::string_view host_id, std::string_view payload) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const char sep = '\n';
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), host_id.data(), host_id.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), &sep, 1) != 1 ||
      EVP_DigestUpdate(ctx.get(), payload.data(), payload.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    throw std::runtime_error("sha256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

// ---- breaker --------------------------------------------------------------------------------------

CircuitBreaker::CircuitBreaker(int threshold, std::chrono::milliseconds open_for)
    : threshold_(threshold < 1 ? 1 : threshold), open_for_(open_for) {}

CircuitBreaker::Decision CircuitBreaker::admit(Clock::time_point now) {
  if (!open_) return Decision::send;
  if (now - opened_at_ <= open_for_) return Decision::queue;
  open_ = false;  // the first notice after open_for closes the circuit
  failures_ = 0;
  return Decision::send;
}

bool CircuitBreaker::record_failure(Clock::time_point now) {
  ++failures_;
  if (!open_ && failures_ >= threshold_) {
    open_ = true;
    opened_at_ = now;
    return true;
  }
  return false;
}

void CircuitBreaker::record_success() { failures_ = 0; }

void CircuitBreaker::reopen(Clock::time_point now) {
  open_ = true;
  opened_at_ = now;
}

std::optional<CircuitBreaker::Clock::time_point> CircuitBreaker::open_until() const {
  if (!open_) return std::nullopt;
  return opened_at_ + open_for_;
}

// ---- probe ----------------------------------------------------------------------------------------

ProbeResult wpcom_probe_result(bool circuit_open, std::int64_t queue_depth) {
  if (circuit_open) return {"red", fmt::format("circuit open, queued notifications={}", queue_depth)};
  if (queue_depth > 0) return {"amber", fmt::format("queued notifications={}", queue_depth)};
  return {"green", ""};
}

}  // namespace jetmon::notify
