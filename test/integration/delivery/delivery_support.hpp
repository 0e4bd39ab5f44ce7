#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "jetmon/db/connection.hpp"
#include "jetmon/delivery/rules.hpp"
#include "support/http_receiver.hpp"

namespace jetmon::test {

// What the delivery tests and bench/delivery_bench share besides the receiver
// (support/http_receiver.hpp): the transition they insert and the receiver's signature check.

// Verifies X-Jetmon-Signature the way a receiver would: t=<unix>,v1=<hex HMAC of "<t>.<body>">.
inline bool signature_ok(const HttpReceiver::Request& r, const std::string& secret) {
  const std::string sig = r.header("X-Jetmon-Signature");
  const auto comma = sig.find(",v1=");
  if (!sig.starts_with("t=") || comma == std::string::npos) return false;
  const std::string t = sig.substr(2, comma - 2);
  const std::string v1 = sig.substr(comma + 4);
  const long long ts = std::stoll(t);
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  if (now - ts > 300 || ts - now > 300) return false;
  return v1 == delivery::hmac_sha256_hex(secret, t + "." + r.body);
}

// One jetmon_event_transitions row (event_id = blog * 10, state_before 'Up'); returns its id.
inline std::uint64_t add_transition(db::Connection& c, std::uint64_t blog, const std::string& reason = "opened",
                                    int before = 0, int after = 4, const std::string& state = "Down") {
  return c.exec("INSERT INTO jetmon_event_transitions (event_id, blog_id, severity_before, severity_after, "
                "state_before, state_after, reason) VALUES (?, ?, ?, ?, 'Up', ?, ?)",
                {blog * 10, blog, before, after, state, reason})
      .last_insert_id;
}

}  // namespace jetmon::test
