#include "notify/http_post.hpp"

#include <fmt/format.h>

namespace jetmon::notify {
namespace {

struct Transfer {
  std::string body;
  bool body_capped = false;
  const std::atomic<bool>* abort = nullptr;
};

// Keeps at most kMaxResponseBody bytes of the response body, then stops the transfer.
size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (t->body.size() + n > kMaxResponseBody) {
    t->body.append(data, kMaxResponseBody - t->body.size());
    t->body_capped = true;
    return 0;  // CURLE_WRITE_ERROR; the status line is already known
  }
  t->body.append(data, n);
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

PostResponse HttpPoster::send(const PostRequest& request) {
  PostResponse result;
  if (!easy_) easy_.reset(curl_easy_init());
  if (!easy_) {
    result.transport_error = "curl_easy_init failed";
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
  for (const std::string& line : request.headers) add_header(line);
  add_header("Expect:");  // no 100-continue round trip

  Transfer transfer;
  transfer.abort = abort_;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  if (request.connect_timeout.count() > 0) {
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  }
  // The system CA bundle only: Debian's libcurl would also scan CAPATH on every handshake.
  curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
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
    result.transport_error = rc == CURLE_ABORTED_BY_CALLBACK ? "aborted" : detail;
    easy_.reset();  // a failed or half-read transfer: do not reuse the connection
    return result;
  }
  if (transfer.body_capped) easy_.reset();  // the rest of the body was never read
  result.status_code = code;
  result.body = std::move(transfer.body);
  result.body_truncated = transfer.body_capped;
  return result;
}

PostResult HttpPoster::post(const std::string& url, std::string_view bearer_token,
                            const std::string& body, std::chrono::milliseconds timeout) {
  PostRequest request;
  request.url = url;
  request.headers.push_back(fmt::format("Authorization: Bearer {}", bearer_token));
  request.body = body;
  request.timeout = timeout;
  const PostResponse response = send(request);
  PostResult result;
  if (!response.transport_error.empty()) {
    result.error = fmt::format("post notification: {}", response.transport_error);
    return result;
  }
  result.http_code = response.status_code;
  if (response.status_code >= 400 || response.status_code <= 0) {
    result.error = fmt::format("wpcom returned {}", response.status_code);
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace jetmon::notify
