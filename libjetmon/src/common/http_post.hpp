#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "check/curl_handles.hpp"

// One JSON POST at a time over a reused libcurl easy handle (keep-alive), for the notifier's
// worker thread only.
namespace jetmon::notify {

struct PostResult {
  bool ok = false;     // a response with status < 400
  long http_code = 0;  // 0 when no response arrived
  std::string error;   // "wpcom returned <code>" or "post notification: <transport error>"
};

inline constexpr std::size_t kMaxResponseBody = 4096;  // read at most this much, then stop

class HttpPoster {
 public:
  // `abort` (may be null) is polled during the transfer; when it turns true the send is abandoned.
  explicit HttpPoster(const std::atomic<bool>* abort = nullptr);
  PostResult post(const std::string& url, std::string_view bearer_token, const std::string& body,
                  std::chrono::milliseconds timeout);

 private:
  const std::atomic<bool>* abort_;
  check::CurlEasy easy_;
};

}  // namespace jetmon::notify
