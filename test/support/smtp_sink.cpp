#include "support/smtp_sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string_view>

namespace jetmon::test {
namespace {

constexpr std::size_t kMaxLine = 64 * 1024;
constexpr std::size_t kMaxMessage = 4 * 1024 * 1024;

bool starts_with_ci(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = line[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

SmtpSink::SmtpSink(Options options) : options_(options) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("smtp sink: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("smtp sink: bind failed");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

SmtpSink::~SmtpSink() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_) t.join();
  for (int fd : fds_) ::close(fd);
  ::close(listen_fd_);
}

std::vector<SmtpSink::Message> SmtpSink::messages() const {
  std::lock_guard lock(mu_);
  return messages_;
}

std::vector<std::string> SmtpSink::commands() const {
  std::lock_guard lock(mu_);
  return commands_;
}

bool SmtpSink::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
}

void SmtpSink::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void SmtpSink::serve(int fd) {
  std::string buffer;
  // One CRLF-terminated line; false on end of stream, error, shutdown or an overlong line.
  auto read_line = [&](std::string& line) {
    for (;;) {
      const auto eol = buffer.find("\r\n");
      if (eol != std::string::npos) {
        line = buffer.substr(0, eol);
        buffer.erase(0, eol + 2);
        return true;
      }
      if (buffer.size() > kMaxLine || stopping_) return false;
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, 50);
      if (ready == 0) continue;
      if (ready < 0 && errno == EINTR) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  };
  auto reply = [&](std::string_view text) {
    std::string out(text);
    out += "\r\n";
    std::string_view rest = out;
    while (!rest.empty()) {
      const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  };
  auto record = [&](const std::string& line) {
    std::lock_guard lock(mu_);
    commands_.push_back(line);
  };

  if (options_.silent) {
    while (!stopping_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char chunk[256];
        if (::recv(fd, chunk, sizeof chunk, 0) <= 0) return;
      }
    }
    return;
  }

  reply("220 smtp-sink.test ESMTP ready");
  Message current;
  std::string line;
  while (read_line(line)) {
    record(line);
    if (starts_with_ci(line, "EHLO")) {
      current.ehlo = line.size() > 5 ? line.substr(5) : "";
      reply("250-smtp-sink.test");
      if (options_.offer_auth) reply("250-AUTH PLAIN");
      reply("250 8BITMIME");
    } else if (starts_with_ci(line, "HELO")) {
      current.ehlo = line.size() > 5 ? line.substr(5) : "";
      reply("250 smtp-sink.test");
    } else if (starts_with_ci(line, "AUTH")) {
      current.auth = line;
      reply("235 2.7.0 Authentication successful");
    } else if (starts_with_ci(line, "MAIL FROM:")) {
      current.mail_from = line.substr(10);
      current.rcpt_to.clear();
      current.data.clear();
      reply("250 2.1.0 Ok");
    } else if (starts_with_ci(line, "RCPT TO:")) {
      current.rcpt_to.push_back(line.substr(8));
      reply("250 2.1.5 Ok");
    } else if (starts_with_ci(line, "DATA")) {
      reply("354 End data with <CR><LF>.<CR><LF>");
      std::string data;
      std::string body_line;
      bool complete = false;
      while (read_line(body_line)) {
        if (body_line == ".") {
          complete = true;
          break;
        }
        if (!body_line.empty() && body_line.front() == '.') body_line.erase(0, 1);  // dot-unstuffing
        if (data.size() < kMaxMessage) data += body_line + "\r\n";
      }
      if (!complete) return;
      if (options_.data_reply == 250) {
        current.data = std::move(data);
        {
          std::lock_guard lock(mu_);
          messages_.push_back(current);
        }
        cv_.notify_all();
        reply("250 2.0.0 Ok: queued");
      } else {
        reply(std::to_string(options_.data_reply) + " 5.7.1 Message rejected by the sink");
      }
    } else if (starts_with_ci(line, "RSET") || starts_with_ci(line, "NOOP")) {
      reply("250 2.0.0 Ok");
    } else if (starts_with_ci(line, "QUIT")) {
      reply("221 2.0.0 Bye");
      return;
    } else {
      reply("502 5.5.2 Command not recognized");
    }
  }
}

}  // namespace jetmon::test
