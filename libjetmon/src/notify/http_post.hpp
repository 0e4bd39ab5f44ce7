#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "check/curl_handles.hpp"

// One JSON POST at a time over a reused libcurl easy handle (keep-alive), for one thread at a
// time: the notifier's worker and the delivery senders (webhooks, alert-contact transports).
namespace jetmon::notify {

inline constexpr std::size_t kMaxResponseBody = 4096;  // read at most this much, then stop

// A POST with `Content-Type: application/json`, the extra header lines and the body as given.
struct PostRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines
  std::string_view body;
  std::chrono::milliseconds timeout{30000};          // the whole transfer
  std::chrono::milliseconds connect_timeout{0};      // 0: bounded by `timeout` only
};

// What came back. `transport_error` non-empty: no usable response (`status_code` 0). Otherwise
// the status and at most kMaxResponseBody bytes of the body (the rest is never read: the
// transfer stops there, so an endless body cannot hold the sender).
struct PostResponse {
  long status_code = 0;
  std::string body;
  bool body_truncated = false;
  std::string transport_error;  // libcurl's text, or "aborted" when `abort` turned true
};

struct PostResult {
  bool ok = false;     // a response with status < 400
  long http_code = 0;  // 0 when no response arrived
  std::string error;   // "wpcom returned <code>" or "post notification: <transport error>"
};

class HttpPoster {
 public:
  // `abort` (may be null) is polled during the transfer; when it turns true the send is abandoned.
  explicit HttpPoster(const std::atomic<bool>* abort = nullptr);
  PostResult post(const std::string& url, std::string_view bearer_token, const std::string& body,
                  std::chrono::milliseconds timeout);
  // The general form: any headers, the response body kept (capped).
  PostResponse send(const PostRequest& request);

 private:
  const std::atomic<bool>* abort_;
  check::CurlEasy easy_;
};

}  // namespace jetmon::notify
