#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

// One plain-HTTP GET with timeouts and a ceiling on the body, for the tools that ask a local
// dashboard for its state (`jetmon2 status`, the rollout gates' dashboard section).
namespace jetmon::dashboard {

struct GetTimeouts {
  std::chrono::seconds connect{5};
  std::chrono::seconds read{10};
  std::chrono::seconds write{5};
};

struct GetResult {
  std::optional<int> status;  // nullopt: no HTTP answer (see error)
  std::string error;          // transport error text when there is no status
  std::string body;           // at most max_body bytes
  bool too_large = false;     // the body passed max_body; the transfer was cut
};

// GET http://<host>:<port><path>. `host` as it goes into a URL ("[::1]" for IPv6 literals).
GetResult http_get(const std::string& host, int port, const std::string& path, const GetTimeouts& timeouts,
                   std::size_t max_body);

}  // namespace jetmon::dashboard
