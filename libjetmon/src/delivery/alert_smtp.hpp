#pragma once

#include <atomic>
#include <chrono>
#include <string>

// Sends one message over SMTP with libcurl (dashboard-fleet.md §8.5, EMAIL_TRANSPORT=smtp).
namespace jetmon::delivery::alert {

struct SmtpSettings {
  std::string host;
  int port = 0;
  std::string username;
  std::string password;
  bool use_tls = false;  // STARTTLS required; only then AUTH PLAIN is sent (with a username)
};

struct SmtpResult {
  bool ok = false;
  long code = 0;       // the last SMTP reply code (0 when none arrived)
  std::string error;   // libcurl's error text, or "aborted"
};

// `from` and `to` may be "Name <addr>"; the envelope uses the bare address. `message` is the full
// RFC 5322 text with CRLF line ends. Without use_tls, STARTTLS is still used when offered (like
// Go's net/smtp) but no credentials are ever sent. `timeout` bounds the whole session.
SmtpResult smtp_send(const SmtpSettings& settings, const std::string& from, const std::string& to,
                     const std::string& message, std::chrono::milliseconds timeout,
                     const std::atomic<bool>* abort);

}  // namespace jetmon::delivery::alert
