#include "notify/http_post.hpp"

#include <fmt/format.h>

namespace jetmon::notify {
namespace {

struct Transfer {
  std::size_t body_bytes = 0;
  bool body_capped = false;
  const std::atomic<bool>* abort = nullptr;
};

// The response body is ignored; at most kMaxResponseBody bytes are read, then the transfer stops.
size_t on_body(char*, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (t->body_bytes + n > kMaxResponseBody) {
    t->body_capped = true;
    return 0;  // CURLE_WRITE_ERROR; the status line is already known
  }
  t->body_bytes += n;
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* t = static_cast<const Transfer*>(user);
  return (t->abort != nullptr && t->abort->load()) ? 1 : 0;
}

}  // namespace

HttpPoster::HttpPoster(const std::atomic<bool>* abort) : abort_(abort) {
  check::ensure_curl_global_init();
}

PostResult HttpPoster::post(const std::string& url, std::string_view bearer_token,
                            const std::string& body, std::chrono::milliseconds timeout) {
  PostResult result;
  if (!easy_) easy_.reset(curl_easy_init());
  if (!easy_) {
    result.error = "post notification: curl_easy_init failed";
    return result;
  }
  CURL* h = easy_.get();
  curl_easy_reset(h);  // keeps the connection cache (keep-alive) and the TLS session

  check::CurlSlist headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  add_header("Content-Type: application/json");
  add_header(fmt::format("Authorization: Bearer {}", bearer_token));
  add_header("Expect:");  // no 100-continue round trip

  Transfer transfer;
  transfer.abort = abort_;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);  // `headers` is freed on return
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);

  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && transfer.body_capped && code > 0)) {
    const std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : curl_easy_strerror(rc);
    result.error = fmt::format("post notification: {}", rc == CURLE_ABORTED_BY_CALLBACK ? "aborted" : detail);
    if (rc == CURLE_WRITE_ERROR) easy_.reset();  // a half-read response: do not reuse the connection
    return result;
  }
  if (transfer.body_capped) easy_.reset();  // the rest of the body was never read
  result.http_code = code;
  if (code >= 400 || code <= 0) {
    result.error = fmt::format("wpcom returned {}", code);
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace jetmon::notify
