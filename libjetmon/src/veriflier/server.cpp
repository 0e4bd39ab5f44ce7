#include "jetmon/veriflier/server.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "jetmon/common/build_info.hpp"
#include "jetmon/common/host.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/veriflier/wire.hpp"
#include "veriflier/task_queue.hpp"
#include "veriflier/utf8.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::veriflier {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Like Go's http.Error: plain text with a trailing newline.
void reply_text(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(std::string(message) + "\n", "text/plain; charset=utf-8");
}

// "Connection: close", unless the request already says so (httplib then adds it itself).
// cpp-httplib 0.11 decides keep-alive from the request alone: this only asks the client to
// close, and the server side ends when it does.
void ask_client_to_close(const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value("Connection") != "close" && !res.has_header("Connection")) {
    res.set_header("Connection", "close");
  }
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

// Bodies longer than this are skipped by httplib itself (read and dropped without buffering,
// answered 413) before a handler sees them; /check keeps at most kMaxBodyBytes of the rest.
constexpr std::size_t kMaxBodyRead = 2 * kMaxBodyBytes;

int socket_local_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

// The accepted TCP connections of a listener on `port` in this process. cpp-httplib does not
// expose its connections, so the descriptor table is the only way to cut the ones a client
// keeps open. This races with httplib closing (and the process reusing) a descriptor between
// the check and the shutdown(), so it is only a last resort at the end of a failed drain.
std::vector<int> accepted_sockets(int port) {
  std::vector<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  const int dir_fd = dirfd(dir);
  while (const dirent* entry = readdir(dir)) {
    int fd = -1;
    const std::string_view name(entry->d_name);
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
    if (fd == dir_fd) continue;
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    int listening = 0;
    int type = 0;
    socklen_t len = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening) continue;
    len = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    if (socket_local_port(fd) != port) continue;
    fds.push_back(fd);
  }
  closedir(dir);
  return fds;
}

// Waits for the engine's callbacks of one batch; shared with them so a late callback is safe.
struct BatchWait {
  std::mutex mutex;
  std::condition_variable done;
  std::size_t remaining = 0;
  std::vector<check::CheckResult> results;
};

template <typename F>
void notify_observer(const std::shared_ptr<ServerObserver>& observer, F&& call) {
  if (!observer) return;
  try {
    call(*observer);
  } catch (const std::exception& e) {
    log::warn("veriflier: metrics observer failed: {}", e.what());
  } catch (...) {
    log::warn("veriflier: metrics observer failed");
  }
}

}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)) {
    if (options.auth_token.empty()) {
      throw std::invalid_argument(
          "VERIFLIER_AUTH_TOKEN is not set; refusing to start with no authentication");
    }
    hostname = options.hostname.empty() ? os_hostname() : options.hostname;
    if (options.version.empty()) options.version = build_info().version;
    if (options.version.empty()) options.version = "dev";
    expected_authorization = "Bearer " + options.auth_token;
    engine = std::make_unique<check::Engine>(options.engine);
  }

  ~Impl() { stop(milliseconds(0)); }

  void configure() {
    const std::size_t threads = options.http_threads == 0 ? 1 : options.http_threads;
    http.new_task_queue = [threads] { return new BoundedTaskQueue(threads, threads * 4); };
    http.set_read_timeout(options.read_timeout);
    http.set_write_timeout(options.write_timeout);
    http.set_keep_alive_timeout(static_cast<time_t>(options.idle_timeout.count()));
    http.set_keep_alive_max_count(1000);
    http.set_tcp_nodelay(true);
    // /check enforces kMaxBodyBytes itself and drops the excess up to kMaxBodyRead, so that a
    // 413 does not leave a half-read body on a keep-alive connection.
    http.set_payload_max_length(kMaxBodyRead);
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second
    // Veriflier bind the same port and silently share its traffic.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    // /status: any method, no auth. /check: POST only. Each method gets a handler (rather
    // than a pre-routing answer) so httplib reads any request body before we reply.
    const auto status = [this](const httplib::Request&, httplib::Response& res) {
      res.status = 200;
      res.set_content(encode_status(options.version) + "\n", "application/json");
    };
    const auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
      reply_text(res, 405, "method not allowed");
    };
    http.Get("/status", status);  // GET and HEAD
    http.Post("/status", status);
    http.Put("/status", status);
    http.Patch("/status", status);
    http.Delete("/status", status);
    http.Options("/status", status);
    http.Get("/check", not_allowed);
    http.Put("/check", not_allowed);
    http.Patch("/check", not_allowed);
    http.Delete("/check", not_allowed);
    http.Options("/check", not_allowed);
    // Every response asks the client to close the connection (Go's and libcurl's clients do).
    // cpp-httplib holds a worker thread per open connection and cannot close idle ones on
    // stop, so connections that nobody reuses keep shutdown prompt and workers free. (The
    // client reconnects per escalation, which is what the C++ client does anyway.)
    http.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      ask_client_to_close(req, res);
    });
    // What httplib answers itself (no route: 404; malformed request: 400; …) gets a Go-like
    // text body.
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      switch (res.status) {
        case 404: reply_text(res, 404, "404 page not found"); break;
        case 413: reply_text(res, 413, "request body too large"); break;
        case 400: reply_text(res, 400, "bad request"); break;
        default: return httplib::Server::HandlerResponse::Unhandled;
      }
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.Post("/check", [this](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader) {
      try {
        handle_check(req, res, reader);
      } catch (const std::exception& e) {
        log::error("veriflier: /check failed: {}", e.what());
        reply_text(res, 500, "internal error");
        ask_client_to_close(req, res);
      }
    });
    http.set_expect_100_continue_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
          return expect_continue(req, res);
        });
    http.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
          reply_text(res, 500, "internal error");
          ask_client_to_close(req, res);
        });
  }

  bool authorized(const httplib::Request& req) const {
    return constant_time_equal(req.get_header_value("Authorization"), expected_authorization);
  }

  // Content-Length as a number; nullopt when absent, malformed or chunked (unknown length).
  static std::optional<std::uint64_t> declared_length(const httplib::Request& req) {
    if (req.has_header("Transfer-Encoding")) return std::nullopt;
    const std::string text = req.get_header_value("Content-Length");
    if (text.empty()) return std::uint64_t{0};
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec == std::errc::result_out_of_range) return UINT64_MAX;
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return length;
  }

  // "Expect: 100-continue": refuse a POST /check with a bad token or an oversized declared
  // body before the client sends the body at all. The client must then not send it (it is
  // asked to close the connection, since a body sent anyway would be read as a request).
  int expect_continue(const httplib::Request& req, httplib::Response& res) {
    if (req.path != "/check" || req.method != "POST") return 100;
    if (!authorized(req)) {
      notify_observer(options.observer, [](ServerObserver& o) { o.on_auth_rejected(); });
      reply_text(res, 401, "unauthorized");
      ask_client_to_close(req, res);
      return 401;
    }
    if (const auto declared = declared_length(req); declared && *declared > kMaxBodyBytes) {
      reply_text(res, 413, "request body too large");
      ask_client_to_close(req, res);
      return 413;
    }
    return 100;
  }

  void handle_check(const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader) {
    const auto request_started = SteadyClock::now();

    // The whole body is read in one pass, whatever the answer will be, so a client that keeps
    // the connection anyway stays in step: kept up to kMaxBodyBytes for an authorized request,
    // dropped otherwise. A declared length over kMaxBodyRead is skipped (read and dropped) by
    // httplib before this handler is called; the reader then reports failure.
    const bool token_ok = authorized(req);
    const std::optional<std::uint64_t> declared = declared_length(req);
    std::string body;
    bool too_large = declared && *declared > kMaxBodyBytes;
    bool too_slow = false;
    const auto body_deadline = request_started + options.body_timeout;
    const bool read_ok = reader([&](const char* data, std::size_t length) {
      if (SteadyClock::now() > body_deadline) {
        too_slow = true;
        return false;
      }
      if (!token_ok || too_large) return true;
      if (body.size() + length > kMaxBodyBytes) {
        too_large = true;
        std::string().swap(body);
        return true;
      }
      body.append(data, length);
      return true;
    });
    if (!token_ok) {
      notify_observer(options.observer, [](ServerObserver& o) { o.on_auth_rejected(); });
      reply_text(res, 401, "unauthorized");
      return;
    }
    if (too_large) {
      reply_text(res, 413, "request body too large");
      return;
    }
    if (!read_ok) {
      reply_text(res, 400,
                 too_slow ? fmt::format("decode: request body not received within {} s",
                                        options.body_timeout.count())
                          : std::string("decode: could not read the request body"));
      return;
    }

    Decoded<CheckBatchRequest> decoded = decode_request(body);
    body = std::string();  // the sites hold what is needed
    if (!decoded.ok()) {
      reply_text(res, 400, decoded.message());
      return;
    }
    const std::vector<SiteCheckRequest>& sites = decoded.value.sites;

    std::optional<std::string> refusal;
    CheckBatchResponse response = run_batch(sites, refusal);
    if (refusal) {
      reply_text(res, 503, *refusal);
      return;
    }
    const auto elapsed = duration_cast<milliseconds>(SteadyClock::now() - request_started);
    notify_observer(options.observer, [&](ServerObserver& o) {
      o.on_checks_received(sites.size());
      o.on_checks_duration(elapsed);
    });
    res.status = 200;
    res.set_content(encode_response(response) + "\n", "application/json");
  }

  // Every site goes to the shared engine at once; results keep the request order. On refusal
  // (engine full or stopping) or cancellation (shutdown), `refusal` says why and nothing is
  // returned.
  CheckBatchResponse run_batch(const std::vector<SiteCheckRequest>& sites,
                               std::optional<std::string>& refusal) {
    auto wait = std::make_shared<BatchWait>();
    wait->results.resize(sites.size());
    wait->remaining = sites.size();
    bool refused = false;
    for (std::size_t i = 0; i < sites.size(); ++i) {
      const SiteCheckRequest& site = sites[i];
      log::info("check blog_id={} request_id={} url={}", site.blog_id, printable(site.request_id),
                printable(site.url));
      check::CheckRequest request = to_check_request(site);
      if (request.timeout_seconds > options.max_check_timeout_seconds) {
        request.timeout_seconds = options.max_check_timeout_seconds;
      }
      const bool accepted = !refused && engine->submit(std::move(request),
                                                       [wait, i](check::CheckResult&& result) {
                                                         std::lock_guard lock(wait->mutex);
                                                         wait->results[i] = std::move(result);
                                                         if (--wait->remaining == 0) {
                                                           wait->done.notify_all();
                                                         }
                                                       });
      if (!accepted) {
        refused = true;
        std::lock_guard lock(wait->mutex);
        --wait->remaining;
      }
    }
    std::unique_lock lock(wait->mutex);
    wait->done.wait(lock, [&] { return wait->remaining == 0; });

    bool cancelled = false;
    for (const check::CheckResult& r : wait->results) cancelled = cancelled || r.cancelled;
    if (refused || cancelled) {
      refusal = stopping.load() || cancelled ? "veriflier shutting down" : "veriflier overloaded";
      return {};
    }
    CheckBatchResponse response;
    response.results.reserve(sites.size());
    for (std::size_t i = 0; i < sites.size(); ++i) {
      response.results.push_back(to_wire_result(sites[i], wait->results[i], hostname));
    }
    return response;
  }

  void start() {
    if (is_started) throw std::logic_error("veriflier server: start() called twice");
    configure();
    std::vector<std::string> hosts;
    if (options.bind_address.empty()) {
      hosts = {"::", "0.0.0.0"};
    } else {
      hosts = {options.bind_address};
    }
    std::string failure;
    for (const std::string& host : hosts) {
      errno = 0;
      if (options.port == 0) {
        const int p = http.bind_to_any_port(host);
        if (p > 0) bound_port = p;
      } else if (http.bind_to_port(host, options.port)) {
        bound_port = options.port;
      }
      if (bound_port > 0) break;
      const int saved = errno;
      failure = fmt::format("listen on {}: {}",
                            host.find(':') != std::string::npos
                                ? fmt::format("[{}]:{}", host, options.port)
                                : fmt::format("{}:{}", host, options.port),
                            saved != 0 ? std::strerror(saved) : "cannot bind");
    }
    if (bound_port <= 0) throw std::runtime_error(failure);

    is_started = true;
    listener = start_named_thread("jm-vfy-http", [this] {
      try {
        http.listen_after_bind();
      } catch (const std::exception& e) {
        log::error("veriflier: listener failed: {}", e.what());
      } catch (...) {
        log::error("veriflier: listener failed");
      }
      std::lock_guard lock(listener_mutex);
      listener_done = true;
      listener_cv.notify_all();
    });
    // stop() is a no-op for cpp-httplib until the accept loop runs; wait for it.
    const auto until = SteadyClock::now() + std::chrono::seconds(5);
    while (!http.is_running() && SteadyClock::now() < until) {
      {
        std::lock_guard lock(listener_mutex);
        if (listener_done) break;
      }
      std::this_thread::sleep_for(milliseconds(1));
    }
  }

  // Last resort: cuts every accepted connection still open (see accepted_sockets()).
  void cut_connections() {
    for (const int fd : accepted_sockets(bound_port)) ::shutdown(fd, SHUT_RDWR);
  }

  bool wait_listener(SteadyClock::time_point until) {
    std::unique_lock lock(listener_mutex);
    return listener_cv.wait_until(lock, until, [this] { return listener_done; });
  }

  bool stop(milliseconds drain) {
    std::lock_guard stop_lock(stop_mutex);
    if (stopped) return stop_result;
    stopped = true;
    stopping = true;
    bool clean = true;
    if (is_started) {
      const auto drain_until = SteadyClock::now() + drain;
      http.stop();
      if (!wait_listener(drain_until)) {
        clean = false;
        // Out of time: cancel the checks (their batches answer 503), give the handlers a
        // moment to write that, then cut the connections clients still hold open.
        engine->stop(milliseconds(0));
        if (!wait_listener(SteadyClock::now() + std::chrono::seconds(1))) cut_connections();
      }
      if (listener.joinable()) listener.join();
    }
    clean = engine->stop(milliseconds(0)) && clean;
    stop_result = clean;
    return clean;
  }

  ServerOptions options;
  std::string hostname;
  std::string expected_authorization;
  std::unique_ptr<check::Engine> engine;
  httplib::Server http;
  int bound_port = 0;
  bool is_started = false;
  std::atomic<bool> stopping{false};

  std::thread listener;
  std::mutex listener_mutex;
  std::condition_variable listener_cv;
  bool listener_done = false;

  std::mutex stop_mutex;
  bool stopped = false;
  bool stop_result = true;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() = default;

void Server::start() { impl_->start(); }

int Server::port() const { return impl_->bound_port; }

bool Server::stop(std::chrono::milliseconds drain) { return impl_->stop(drain); }

}  // namespace jetmon::veriflier
