#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// A small SMTP server on 127.0.0.1:<ephemeral> for the alert-contact email tests. It speaks the
// part of RFC 5321 libcurl uses (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT), never
// offers STARTTLS, and stores every message it accepts. One thread per connection; the destructor
// closes everything and joins every thread.
namespace jetmon::test {

class SmtpSink {
 public:
  struct Options {
    bool offer_auth = true;  // EHLO advertises "AUTH PLAIN"
    int data_reply = 250;    // the reply to the end of DATA (e.g. 554 to refuse the message)
    bool silent = false;     // accept connections but never send the greeting (a hung server)
  };
  struct Message {
    std::string ehlo;
    std::string mail_from;               // the MAIL FROM argument, e.g. "<a@b>"
    std::vector<std::string> rcpt_to;    // RCPT TO arguments
    std::string data;                    // the message text, dot-unstuffed, without the final "."
    std::string auth;                    // the AUTH line as received ("" when none)
  };

  explicit SmtpSink(Options options);
  SmtpSink() : SmtpSink(Options{}) {}
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  std::vector<Message> messages() const;
  // Every command line received on any connection, in order (AUTH lines included).
  std::vector<std::string> commands() const;
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  void accept_loop();
  void serve(int fd);

  Options options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Message> messages_;
  std::vector<std::string> commands_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
};

}  // namespace jetmon::test
