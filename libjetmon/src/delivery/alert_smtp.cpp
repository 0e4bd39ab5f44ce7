#include "delivery/alert_smtp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "check/curl_handles.hpp"

namespace jetmon::delivery::alert {
namespace {

struct Upload {
  const std::string* data = nullptr;
  std::size_t offset = 0;
  const std::atomic<bool>* abort = nullptr;
};

size_t on_read(char* buffer, size_t size, size_t nitems, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * nitems, u->data->size() - u->offset);
  std::memcpy(buffer, u->data->data() + u->offset, n);
  u->offset += n;
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* u = static_cast<const Upload*>(user);
  return (u->abort != nullptr && u->abort->load()) ? 1 : 0;
}

// "Name <addr>" → "<addr>"; a bare address gets the brackets.
std::string envelope_address(const std::string& address) {
  const auto open = address.rfind('<');
  const auto close = address.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return address.substr(open, close - open + 1);
  }
  return fmt::format("<{}>", address);
}

}  // namespace

SmtpResult smtp_send(const SmtpSettings& settings, const std::string& from, const std::string& to,
                     const std::string& message, std::chrono::milliseconds timeout,
                     const std::atomic<bool>* abort) {
  SmtpResult result;
  check::ensure_curl_global_init();
  check::CurlEasy easy(curl_easy_init());
  if (!easy) {
    result.error = "curl_easy_init failed";
    return result;
  }
  CURL* h = easy.get();
  const bool v6 = settings.host.find(':') != std::string::npos;
  const std::string url =
      fmt::format("smtp://{}{}{}:{}", v6 ? "[" : "", settings.host, v6 ? "]" : "", settings.port);
  const std::string mail_from = envelope_address(from);
  check::CurlSlist rcpt(curl_slist_append(nullptr, envelope_address(to).c_str()));
  if (!rcpt) {
    result.error = "curl_slist_append failed";
    return result;
  }

  Upload upload{&message, 0, abort};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, &on_read);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_USE_SSL, settings.use_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
  if (settings.use_tls && !settings.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, settings.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings.password.c_str());
    curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN");
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &upload);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

  const CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.code);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    result.error = rc == CURLE_ABORTED_BY_CALLBACK ? std::string("aborted")
                   : error_buffer[0] != '\0'       ? std::string(error_buffer)
                                                   : std::string(curl_easy_strerror(rc));
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace jetmon::delivery::alert
