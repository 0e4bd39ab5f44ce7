#include "common/http_post.hpp"

#include <algorithm>

namespace jetmon::http {
namespace {

struct Transfer {
  std::string* body = nullptr;
  bool body_capped = false;
  const std::atomic<bool>* abort = nullptr;
};

// Keeps at most kMaxResponseBody bytes; past that the transfer stops (the status line is known).
size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  const std::size_t room = kMaxResponseBody - std::min(kMaxResponseBody, t->body->size());
  if (n > room) {
    t->body->append(data, room);
    t->body_capped = true;
    return 0;  // CURLE_WRITE_ERROR
  }
  t->body->append(data, n);
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

HttpPoster& thread_poster(const std::atomic<bool>* abort) {
  thread_local HttpPoster poster;
  poster.set_abort(abort);
  return poster;
}

PostResponse HttpPoster::post(const std::string& url, const std::vector<std::string>& headers,
                              const std::string& body, std::chrono::milliseconds timeout,
                              std::chrono::milliseconds connect_timeout) {
  PostResponse result;
  if (!easy_) easy_.reset(curl_easy_init());
  if (!easy_) {
    result.error = "curl_easy_init failed";
    return result;
  }
  CURL* h = easy_.get();
  curl_easy_reset(h);  // keeps the connection cache (keep-alive) and the TLS session

  check::CurlSlist header_list;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next != nullptr) {
      (void)header_list.release();
      header_list.reset(next);
    }
  };
  for (const auto& line : headers) add_header(line);
  add_header("Expect:");  // no 100-continue round trip

  Transfer transfer;
  transfer.body = &result.body;
  transfer.abort = abort_;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  if (connect_timeout.count() > 0)
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);  // verify against the CA bundle only (see check/engine)
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);  // `header_list` is freed on return
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);

  result.body_capped = transfer.body_capped;
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && transfer.body_capped && code > 0)) {
    result.error = rc == CURLE_ABORTED_BY_CALLBACK ? std::string("aborted")
                   : error_buffer[0] != '\0'       ? std::string(error_buffer)
                                                   : std::string(curl_easy_strerror(rc));
    result.body.clear();
    easy_.reset();  // a half-done transfer: do not reuse the connection
    return result;
  }
  if (transfer.body_capped) easy_.reset();  // the rest of the body was never read
  result.transport_ok = true;
  result.status = code;
  return result;
}

}  // namespace jetmon::http
