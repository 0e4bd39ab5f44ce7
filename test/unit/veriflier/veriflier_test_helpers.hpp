#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "jetmon/common/log.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/veriflier/server.hpp"
#include "unit/check/check_test_helpers.hpp"

// Loopback helpers for the Veriflier tests: a raw HTTP exchange (to send what no well-behaved
// client sends), a canned HTTP server that records what it was sent, a port that refuses
// connections, and a running Veriflier server.
namespace jetmon::test {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

inline sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

inline Fd connect_loopback(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw std::runtime_error("socket failed");
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  const sockaddr_in addr = loopback(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
  }
  return fd;
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

struct RawResponse {
  bool complete = false;  // a full response (head and Content-Length body) was read
  int status = 0;
  std::string head;
  std::string body;
  bool closed = false;  // the server closed the connection after it

  std::string header(std::string_view name) const {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
      const std::size_t end = head.find("\r\n", pos + 2);
      const std::string line = head.substr(pos + 2, end - pos - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos && equals_ignore_ascii_case(line.substr(0, colon), name)) {
        std::size_t v = colon + 1;
        while (v < line.size() && line[v] == ' ') ++v;
        return line.substr(v);
      }
      pos = end;
    }
    return {};
  }
};

// Reads one response (head, then a Content-Length body); with `expect_close`, also waits for
// the server to close the connection.
inline RawResponse read_response(int fd, bool expect_close) {
  RawResponse r;
  std::string data;
  char buffer[16384];
  std::size_t body_start = std::string::npos;
  std::size_t body_length = 0;
  for (;;) {
    if (body_start == std::string::npos) {
      const std::size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        r.head = data.substr(0, end + 2);
        body_start = end + 4;
        if (r.head.size() > 12) r.status = std::atoi(r.head.c_str() + 9);
        const std::string length = r.header("Content-Length");
        body_length = length.empty() ? 0 : std::stoul(length);
      }
    }
    if (body_start != std::string::npos && data.size() >= body_start + body_length) {
      r.complete = true;
      r.body = data.substr(body_start, body_length);
      if (!expect_close) return r;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      r.closed = n == 0;
      return r;
    }
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

// Sends `request` as is on a new connection and reads the reply.
inline RawResponse raw_http(int port, std::string_view request, bool expect_close = true) {
  Fd fd = connect_loopback(port);
  send_all(fd.get(), request);
  return read_response(fd.get(), expect_close);
}

// A port on 127.0.0.1 that refuses connections: bound (so nothing else takes it), not listening.
class RefusingPort {
 public:
  RefusingPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr = loopback(0);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("bind failed");
    }
    socklen_t len = sizeof(addr);
    getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  int port() const { return port_; }

 private:
  Fd fd_;
  int port_ = 0;
};

// One-thread HTTP server on loopback: reads each request (head + Content-Length body), records
// it, answers with `response` (raw bytes, after `delay`) and closes the connection.
class CannedServer {
 public:
  explicit CannedServer(std::string response,
                        std::chrono::milliseconds delay = std::chrono::milliseconds(0))
      : response_(std::move(response)), delay_(delay) {
    listen_fd_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int yes = 1;
    setsockopt(listen_fd_.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    sockaddr_in addr = loopback(0);
    if (::bind(listen_fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_.get(), 16) != 0) {
      throw std::runtime_error("canned server: bind/listen failed");
    }
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;

  int port() const { return port_; }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  static std::string http(int status, std::string_view body,
                          std::string_view content_type = "application/json") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " +
           std::string(content_type) + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + std::string(body);
  }

 private:
  bool wait_readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) > 0;
  }

  void serve() {
    while (!stop_) {
      if (!wait_readable(listen_fd_.get(), 20)) continue;
      Fd conn(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.get() < 0) continue;
      std::string data;
      char buffer[16384];
      std::size_t need = std::string::npos;
      while (!stop_ && (need == std::string::npos || data.size() < need)) {
        if (!wait_readable(conn.get(), 20)) continue;
        const ssize_t n = ::recv(conn.get(), buffer, sizeof(buffer), 0);
        if (n <= 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
        const std::size_t end = data.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          RawResponse head;
          head.head = data.substr(0, end + 2);
          const std::string length = head.header("Content-Length");
          need = end + 4 + (length.empty() ? 0 : std::stoul(length));
        }
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(data);
      }
      const auto until = std::chrono::steady_clock::now() + delay_;
      while (!stop_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (!stop_) send_all(conn.get(), response_);
    }
  }

  std::string response_;
  std::chrono::milliseconds delay_;
  Fd listen_fd_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// Counts what the server reports to its observer.
class CountingObserver : public veriflier::ServerObserver {
 public:
  void on_checks_received(std::size_t sites) override {
    batches += 1;
    sites_received += sites;
  }
  void on_checks_duration(std::chrono::milliseconds duration) override {
    durations += 1;
    last_duration_ms = duration.count();
  }
  void on_auth_rejected() override { auth_rejected += 1; }

  std::atomic<int> batches{0};
  std::atomic<std::size_t> sites_received{0};
  std::atomic<int> durations{0};
  std::atomic<long long> last_duration_ms{-1};
  std::atomic<int> auth_rejected{0};
};

inline constexpr const char* kTestToken = "s3cret-token";
inline constexpr const char* kTestHost = "vf-test-host";
inline constexpr const char* kTestVersion = "9.9.9-test";

inline veriflier::ServerOptions test_server_options(
    std::shared_ptr<veriflier::ServerObserver> observer = nullptr) {
  veriflier::ServerOptions o;
  o.auth_token = kTestToken;
  o.bind_address = "127.0.0.1";
  o.port = 0;
  o.hostname = kTestHost;
  o.version = kTestVersion;
  o.engine = test_engine_options(20);
  o.http_threads = 4;
  o.observer = std::move(observer);
  return o;
}

// A started Veriflier server on 127.0.0.1 (any free port).
class RunningVeriflier {
 public:
  explicit RunningVeriflier(veriflier::ServerOptions options = test_server_options())
      : server_(std::move(options)) {
    server_.start();
  }
  veriflier::Server& server() { return server_; }
  int port() const { return server_.port(); }
  config::Verifier verifier(std::string name = "local", std::string token = kTestToken) const {
    config::Verifier v;
    v.name = std::move(name);
    v.host = "127.0.0.1";
    v.port = std::to_string(port());
    v.auth_token = std::move(token);
    return v;
  }

 private:
  veriflier::Server server_;
};

inline config::Verifier verifier_at(int port, std::string name = "v",
                                    std::string token = kTestToken) {
  config::Verifier v;
  v.name = std::move(name);
  v.host = "127.0.0.1";
  v.port = std::to_string(port);
  v.auth_token = std::move(token);
  return v;
}

// Captures log lines for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() {
    log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { log::set_sink({}); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool contains(std::string_view text) const {
    for (const std::string& line : lines()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace jetmon::test
