#include "jetmon/dashboard/server.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "jetmon/common/text.hpp"
#include "jetmon/dashboard/summary.hpp"
#include "veriflier/task_queue.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::dashboard {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; base-uri 'none'; connect-src 'self'; form-action 'none'; "
    "frame-ancestors 'none'; object-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'";
constexpr const char* kTooManyClients = "too many dashboard event clients";
// Bytes one request may make us read (request line, headers, any body); httplib bounds each
// header line to 8 KiB but not their number.
constexpr std::size_t kMaxRequestBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 8 * 1024;
// Requests served on one connection before it is closed (the Keep-Alive "max" httplib reports).
constexpr std::size_t kKeepAliveMaxRequests = 100;

// The routes and what they allow (§1.3 with the [later] hardening).
const std::map<std::string, std::string, std::less<>>& route_methods() {
  static const std::map<std::string, std::string, std::less<>> routes{
      {"/", "GET, HEAD"},          {"/events", "GET"},          {"/api/state", "GET, HEAD"},
      {"/api/health", "GET, HEAD"}, {"/api/host", "GET, HEAD"},
  };
  return routes;
}

void set_security_headers(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
}

void reply_text(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  set_security_headers(res);
  res.set_content(std::string(message) + "\n", "text/plain; charset=utf-8");
}

std::string_view error_text(int status) {
  switch (status) {
    case 400: return "bad request";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    default: return status >= 500 ? "internal error" : "request failed";
  }
}

int millis_until(SteadyClock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000LL * 3600));
}

// poll() one descriptor; > 0 ready, 0 timeout, < 0 error (EINTR retried).
int poll_one(int fd, short events, int timeout_ms, short* revents = nullptr) {
  pollfd p{fd, events, 0};
  const auto deadline = SteadyClock::now() + milliseconds(timeout_ms);
  for (;;) {
    const int r = ::poll(&p, 1, millis_until(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (revents != nullptr) *revents = p.revents;
    return r;
  }
}

std::pair<std::string, int> socket_address(int fd, bool peer) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int r = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                     : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (r != 0) return {"", -1};
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
    return {text, ntohs(a->sin_port)};
  }
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
    return {text, ntohs(a->sin6_port)};
  }
  return {"", -1};
}

// One accepted connection. Owned by exactly one of: the poller (idle), a pool job (serving).
struct Conn {
  int fd = -1;
  std::string remote_ip;
  int remote_port = -1;
  std::string local_ip;
  int local_port = -1;
  std::string buffered;  // bytes read past the end of the last request (pipelining)
  std::size_t buffered_pos = 0;
  SteadyClock::time_point idle_deadline;
  bool close_after_response = false;  // set by a handler: end the connection after replying
  std::size_t requests = 0;
};

// The connection being served on this worker thread (handlers run on it synchronously).
thread_local Conn* t_conn = nullptr;

// Ends the current connection after this response (and says so to the client).
void close_after(httplib::Response& res) {
  res.set_header("Connection", "close");
  if (t_conn != nullptr) t_conn->close_after_response = true;
}

// httplib::Stream over a Conn: reads bounded by the request deadline and a byte budget,
// writes bounded per call by the write timeout. Non-blocking socket calls behind poll(), so a
// shutdown() from stop() ends any wait at once.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(Conn& conn, SteadyClock::time_point read_deadline, milliseconds write_timeout)
      : conn_(conn), read_deadline_(read_deadline), write_timeout_(write_timeout) {}

  bool is_readable() const override {
    return conn_.buffered_pos < conn_.buffered.size() ||
           poll_one(conn_.fd, POLLIN, millis_until(read_deadline_)) > 0;
  }
  bool is_writable() const override {
    return poll_one(conn_.fd, POLLOUT, static_cast<int>(write_timeout_.count())) > 0;
  }

  ssize_t read(char* ptr, std::size_t size) override {
    if (size == 0) return 0;
    if (conn_.buffered_pos >= conn_.buffered.size()) {
      conn_.buffered.clear();
      conn_.buffered_pos = 0;
      if (bytes_read_ >= kMaxRequestBytes) return -1;
      for (;;) {
        if (poll_one(conn_.fd, POLLIN, millis_until(read_deadline_)) <= 0) return -1;
        char buf[4096];
        const ssize_t n = ::recv(conn_.fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (n <= 0) return n;
        bytes_read_ += static_cast<std::size_t>(n);
        conn_.buffered.assign(buf, static_cast<std::size_t>(n));
        break;
      }
    }
    const std::size_t n = std::min(size, conn_.buffered.size() - conn_.buffered_pos);
    std::memcpy(ptr, conn_.buffered.data() + conn_.buffered_pos, n);
    conn_.buffered_pos += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    std::size_t sent = 0;
    while (sent < size) {
      if (poll_one(conn_.fd, POLLOUT, static_cast<int>(write_timeout_.count())) <= 0) return -1;
      const ssize_t n = ::send(conn_.fd, ptr + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n <= 0) return -1;
      sent += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(sent);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = conn_.remote_ip;
    port = conn_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = conn_.local_ip;
    port = conn_.local_port;
  }
  socket_t socket() const override { return conn_.fd; }

  bool has_buffered() const { return conn_.buffered_pos < conn_.buffered.size(); }

 private:
  Conn& conn_;
  SteadyClock::time_point read_deadline_;
  milliseconds write_timeout_;
  std::size_t bytes_read_ = 0;
};

// httplib runs its accept loop and hands each socket to process_and_close_socket() through
// the task queue; this one runs that call inline on the accept thread, and the override only
// adopts the socket (it never blocks).
class InlineTaskQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

// One /events stream.
struct EventClient {
  std::deque<std::string> queue;
  bool closed = false;
};

std::string event_line(const DashboardState& state) { return "data: " + state_json(state) + "\n\n"; }

}  // namespace

struct Server::Impl {
  // httplib::Server with our own connection handling: idle connections wait in one poller
  // thread, requests run on the worker pool, every socket can be cut on stop.
  class Http final : public httplib::Server {
   public:
    explicit Http(Impl& owner) : owner_(owner) {}
    bool serve_request(httplib::Stream& strm, bool last, bool& connection_closed) {
      return process_request(strm, last, connection_closed, nullptr);
    }

   private:
    bool process_and_close_socket(socket_t sock) override {
      owner_.adopt(sock);
      return true;
    }
    Impl& owner_;
  };

  explicit Impl(ServerOptions o) : options(std::move(o)), http(*this) {
    if (options.max_event_clients == 0) options.max_event_clients = 1;
    if (options.general_threads == 0) options.general_threads = 1;
    if (options.max_connections == 0) options.max_connections = 1;
    std::string_view bind = jetmon::trim(options.bind_address);
    if (bind.size() >= 2 && bind.front() == '[' && bind.back() == ']') {
      bind = bind.substr(1, bind.size() - 2);  // "[::1]" → "::1"
    }
    options.bind_address = bind.empty() ? std::string("127.0.0.1") : std::string(bind);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) throw std::runtime_error(fmt::format("eventfd: {}", std::strerror(errno)));
  }

  ~Impl() {
    stop();
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void log(log::Level level, std::string_view message) const {
    if (options.logger) {
      options.logger(level, message);
    } else {
      log::write(level, message);
    }
  }

  // ---- routes ------------------------------------------------------------------------------

  void configure() {
    http.new_task_queue = [] { return new InlineTaskQueue(); };
    http.set_keep_alive_timeout(static_cast<time_t>(options.idle_timeout.count()));
    http.set_keep_alive_max_count(kKeepAliveMaxRequests);
    http.set_payload_max_length(kMaxBodyBytes);
    http.set_tcp_nodelay(true);
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second monitor
    // bind the same port and silently share its traffic.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      const auto route = route_methods().find(req.path);
      const bool has_body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
      if (route == route_methods().end()) {
        reply_text(res, 404, "404 page not found");
        if (has_body) close_after(res);
        return httplib::Server::HandlerResponse::Handled;
      }
      const bool allowed = req.method == "GET" || (req.method == "HEAD" && route->first != "/events");
      if (!allowed) {
        reply_text(res, 405, "method not allowed");
        res.set_header("Allow", route->second);
        // The body (if any) was not read: end the connection instead of parsing it.
        close_after(res);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.status = 200;
      set_security_headers(res);
      res.set_content(std::string(host_page_html()), "text/html; charset=utf-8");
    });
    http.Get("/api/state", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mutex);
      reply_json(res, state_body(state));
    });
    http.Get("/api/health", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mutex);
      reply_json(res, health_body(health));
    });
    http.Get("/api/host", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mutex);
      reply_json(res, host_body(state, health));
    });
    http.Get("/events", [this](const httplib::Request&, httplib::Response& res) { open_stream(res); });
    // What httplib answers itself (malformed request 400, body too large 413, URI too long
    // 414, …) gets a plain-text body and the security headers.
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          reply_text(res, res.status, error_text(res.status));
          close_after(res);
          return httplib::Server::HandlerResponse::Handled;
        }));
    http.set_exception_handler(
        [this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          try {
            if (ep) std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            log(log::Level::error, fmt::format("dashboard: request failed: {}", e.what()));
          } catch (...) {
            log(log::Level::error, "dashboard: request failed");
          }
          reply_text(res, 500, "internal error");
        });
  }

  static void reply_json(httplib::Response& res, std::string body) {
    res.status = 200;
    set_security_headers(res);
    res.set_content(std::move(body), "application/json");
  }

  void open_stream(httplib::Response& res) {
    auto client = std::make_shared<EventClient>();
    {
      std::lock_guard lock(mutex);
      if (stopping || clients.size() >= options.max_event_clients) {
        reply_text(res, 503, kTooManyClients);
        return;
      }
      client->queue.push_back(event_line(state));
      clients.insert(client);
    }
    const int fd = t_conn != nullptr ? t_conn->fd : -1;
    res.status = 200;
    res.set_header("Cache-Control", "no-cache, no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Connection", "keep-alive");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, client, fd](std::size_t, httplib::DataSink& sink) {
          std::string event;
          {
            std::unique_lock lock(mutex);
            for (;;) {
              if (stopping || client->closed) return false;
              if (!client->queue.empty()) break;
              // Wake now and then to notice a client that went away between events.
              clients_cv.wait_for(lock, milliseconds(500));
              if (client->queue.empty() && fd >= 0 && peer_gone(fd)) return false;
            }
            event = std::move(client->queue.front());
            client->queue.pop_front();
          }
          return sink.write(event.data(), event.size());
        },
        [this, client](bool) {
          std::lock_guard lock(mutex);
          client->closed = true;
          clients.erase(client);
        });
  }

  // A stream's client closed its end (or the connection broke).
  static bool peer_gone(int fd) {
    short revents = 0;
    if (poll_one(fd, POLLIN | POLLRDHUP, 0, &revents) <= 0) return false;
    if ((revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return true;
    char byte;
    const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0;
  }

  void publish(const DashboardState& new_state, std::optional<health::HealthList> new_health) {
    const std::string line = event_line(new_state);
    std::lock_guard lock(mutex);
    state = new_state;
    if (new_health) health = std::move(new_health);
    for (const auto& client : clients) {
      if (client->queue.size() < options.event_buffer) client->queue.push_back(line);
    }
    clients_cv.notify_all();
  }

  // ---- connections -------------------------------------------------------------------------

  // Called on the accept thread for every new socket.
  void adopt(int fd) {
    {
      std::lock_guard lock(conn_mutex);
      if (stopping || open_fds.size() >= options.max_connections) {
        ::close(fd);
        return;
      }
      open_fds.insert(fd);
    }
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    std::tie(conn->remote_ip, conn->remote_port) = socket_address(fd, true);
    std::tie(conn->local_ip, conn->local_port) = socket_address(fd, false);
    to_poller(std::move(conn), options.read_header_timeout);
  }

  void close_conn(std::unique_ptr<Conn> conn) {
    std::lock_guard lock(conn_mutex);
    open_fds.erase(conn->fd);
    ::close(conn->fd);
  }

  void to_poller(std::unique_ptr<Conn> conn, std::chrono::seconds wait) {
    conn->idle_deadline = SteadyClock::now() + wait;
    {
      std::lock_guard lock(conn_mutex);
      if (!poller_stopped) {
        incoming.push_back(std::move(conn));
        conn = nullptr;
      }
    }
    if (conn) {
      close_conn(std::move(conn));
      return;
    }
    wake_poller();
  }

  void wake_poller() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd, &one, sizeof(one));
  }

  void poll_loop() {
    std::vector<std::unique_ptr<Conn>> idle;
    std::vector<pollfd> fds;
    for (;;) {
      {
        std::lock_guard lock(conn_mutex);
        for (auto& c : incoming) idle.push_back(std::move(c));
        incoming.clear();
        if (stopping) {
          poller_stopped = true;
          break;
        }
      }
      const auto now = SteadyClock::now();
      auto next = now + std::chrono::seconds(1);
      fds.assign(1, pollfd{wake_fd, POLLIN, 0});
      for (const auto& c : idle) {
        fds.push_back(pollfd{c->fd, POLLIN | POLLRDHUP, 0});
        next = std::min(next, c->idle_deadline);
      }
      const int r = ::poll(fds.data(), fds.size(), millis_until(next));
      if (r < 0 && errno != EINTR) {
        log(log::Level::error, fmt::format("dashboard: poll: {}", std::strerror(errno)));
        std::this_thread::sleep_for(milliseconds(10));
      }
      if (fds[0].revents != 0) {
        std::uint64_t value = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake_fd, &value, sizeof(value));
      }
      const auto after = SteadyClock::now();
      std::vector<std::unique_ptr<Conn>> still_idle;
      for (std::size_t i = 0; i < idle.size(); ++i) {
        const short revents = r > 0 ? fds[i + 1].revents : 0;
        if (revents != 0) {
          enqueue_serve(std::move(idle[i]));
        } else if (after >= idle[i]->idle_deadline) {
          close_conn(std::move(idle[i]));
        } else {
          still_idle.push_back(std::move(idle[i]));
        }
      }
      idle.swap(still_idle);
    }
    for (auto& c : idle) close_conn(std::move(c));
  }

  void enqueue_serve(std::unique_ptr<Conn> conn) {
    // std::function needs a copyable callable: hand the raw pointer over and re-own it.
    Conn* raw = conn.release();
    pool->enqueue([this, raw] { serve(std::unique_ptr<Conn>(raw)); });
  }

  // On a pool worker: the request(s) the connection has ready, then back to the poller.
  void serve(std::unique_ptr<Conn> conn) {
    for (;;) {
      if (stopping) break;
      conn->close_after_response = false;
      bool connection_closed = false;
      bool ok = false;
      {
        ConnStream strm(*conn, SteadyClock::now() + options.read_header_timeout,
                        std::chrono::duration_cast<milliseconds>(options.write_timeout));
        t_conn = conn.get();
        try {
          const bool last = ++conn->requests >= kKeepAliveMaxRequests;
          ok = http.serve_request(strm, last, connection_closed);
          if (last) connection_closed = true;
        } catch (const std::exception& e) {
          log(log::Level::error, fmt::format("dashboard: connection failed: {}", e.what()));
        } catch (...) {
          log(log::Level::error, "dashboard: connection failed");
        }
        t_conn = nullptr;
      }
      if (!ok || connection_closed || conn->close_after_response || stopping) break;
      if (conn->buffered_pos < conn->buffered.size()) continue;  // a pipelined request
      to_poller(std::move(conn), options.idle_timeout);
      return;
    }
    close_conn(std::move(conn));
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  // "<host>:<port>", IPv6 literals in brackets.
  std::string address(int port) const {
    const std::string& host = options.bind_address;
    return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                               : fmt::format("{}:{}", host, port);
  }

  void start() {
    if (started) throw std::logic_error("dashboard server: start() called twice");
    configure();
    errno = 0;
    if (options.port == 0) {
      const int p = http.bind_to_any_port(options.bind_address);
      if (p > 0) bound_port = p;
    } else if (http.bind_to_port(options.bind_address, options.port)) {
      bound_port = options.port;
    }
    if (bound_port <= 0) {
      const int saved = errno;
      throw std::runtime_error(
          fmt::format("listen on {}: {}", address(options.port),
                      saved != 0 ? std::strerror(saved) : "cannot bind"));
    }
    started = true;
    const std::size_t threads = options.max_event_clients + options.general_threads;
    pool = std::make_unique<veriflier::BoundedTaskQueue>(threads, options.max_connections + 1);
    poller = start_named_thread("jm-dash-poll", [this] { poll_loop(); });
    listener = start_named_thread("jm-dash-http", [this] {
      try {
        http.listen_after_bind();
      } catch (const std::exception& e) {
        log(log::Level::error, fmt::format("dashboard: listener failed: {}", e.what()));
      }
      listener_done = true;
    });
    // stop() is a no-op for cpp-httplib until the accept loop runs; wait for it.
    const auto until = SteadyClock::now() + std::chrono::seconds(5);
    while (!http.is_running() && !listener_done && SteadyClock::now() < until) {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }

  void stop() {
    std::lock_guard stop_lock(stop_mutex);
    if (stopped) return;
    stopped = true;
    {
      std::scoped_lock lock(mutex, conn_mutex);
      stopping = true;
    }
    clients_cv.notify_all();
    if (!started) return;
    http.stop();
    if (listener.joinable()) listener.join();
    {
      // Ends every wait on a connection being served (reads, writes, streams); the descriptors
      // stay open until their owner closes them, so none can be reused meanwhile.
      std::lock_guard lock(conn_mutex);
      for (const int fd : open_fds) ::shutdown(fd, SHUT_RDWR);
    }
    wake_poller();
    if (poller.joinable()) poller.join();
    pool->shutdown();
  }

  ServerOptions options;
  Http http;
  int wake_fd = -1;
  int bound_port = 0;
  bool started = false;
  std::atomic<bool> stopping{false};
  std::atomic<bool> listener_done{false};

  mutable std::mutex mutex;  // state, health, clients
  std::condition_variable clients_cv;
  DashboardState state;
  std::optional<health::HealthList> health;
  std::set<std::shared_ptr<EventClient>> clients;

  std::mutex conn_mutex;  // open_fds, incoming, poller_stopped
  std::set<int> open_fds;
  std::vector<std::unique_ptr<Conn>> incoming;
  bool poller_stopped = false;

  std::unique_ptr<veriflier::BoundedTaskQueue> pool;
  std::thread poller;
  std::thread listener;
  std::mutex stop_mutex;
  bool stopped = false;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() = default;

void Server::start() { impl_->start(); }

int Server::port() const { return impl_->bound_port; }

std::string Server::address() const { return impl_->address(impl_->bound_port); }

void Server::publish(const DashboardState& state, std::optional<health::HealthList> health) {
  impl_->publish(state, std::move(health));
}

std::size_t Server::event_clients() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->clients.size();
}

void Server::stop() { impl_->stop(); }

std::unique_ptr<Server> start_dashboard(int dashboard_port, const std::string& bind_address,
                                        Logger logger) {
  const auto write = [&](log::Level level, const std::string& message) {
    if (logger) {
      logger(level, message);
    } else {
      log::write(level, message);
    }
  };
  if (dashboard_port <= 0) return nullptr;
  ServerOptions options;
  options.port = dashboard_port;
  options.bind_address = bind_address;
  options.logger = logger;
  std::unique_ptr<Server> server;
  try {
    server = std::make_unique<Server>(options);
    server->start();
  } catch (const std::exception& e) {
    write(log::Level::error, fmt::format("dashboard: {}", e.what()));
    return nullptr;
  }
  write(log::Level::info, fmt::format("dashboard: listening on http://{}/", server->address()));
  return server;
}

}  // namespace jetmon::dashboard
