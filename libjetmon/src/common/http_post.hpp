#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "check/curl_handles.hpp"

// One HTTP POST at a time over a reused libcurl easy handle (keep-alive). Shared by the WPCOM
// notifier, the webhook sender and the alert-contact transports; the caller decides what a status
// means.
namespace jetmon::http {

inline constexpr std::size_t kMaxResponseBody = 4096;  // read at most this much, then stop

struct PostResponse {
  bool transport_ok = false;  // a status line arrived (any status)
  long status = 0;            // HTTP status; 0 when no response arrived
  std::string body;           // the first kMaxResponseBody bytes of the response body
  bool body_capped = false;   // the body was longer and the rest was never read
  std::string error;          // when !transport_ok: libcurl's error text, or "aborted"
};

class HttpPoster {
 public:
  // `abort` (may be null) is polled during the transfer; when it turns true the send is abandoned.
  explicit HttpPoster(const std::atomic<bool>* abort = nullptr);

  // Polls `abort` (may be null) during later sends instead of the one given before.
  void set_abort(const std::atomic<bool>* abort) { abort_ = abort; }

  // POST `body` to `url` with the given header lines ("Name: value"). `timeout` bounds the whole
  // transfer (connect, send, response); `connect_timeout` (0: none of its own) bounds the connect
  // and TLS handshake. Never throws for transport problems.
  PostResponse post(const std::string& url, const std::vector<std::string>& headers,
                    const std::string& body, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds connect_timeout = std::chrono::milliseconds{0});

 private:
  const std::atomic<bool>* abort_;
  check::CurlEasy easy_;
};

// The calling thread's poster, polling `abort` during its next send. Senders that run on a pool
// of threads (webhooks, alert contacts) use it so that a receiver keeping connections alive gets
// the next delivery from the same thread on the same connection and TLS session, instead of a
// new handshake per delivery.
HttpPoster& thread_poster(const std::atomic<bool>* abort);

}  // namespace jetmon::http
