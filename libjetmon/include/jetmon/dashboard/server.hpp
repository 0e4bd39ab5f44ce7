#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jetmon/common/log.hpp"
#include "jetmon/dashboard/state.hpp"
#include "jetmon/health/entry.hpp"

// The host dashboard HTTP server (dashboard-fleet.md §1.1-§1.7, §4; docs/dashboard.md):
//
//   /            GET, HEAD   the host page (self-contained HTML)
//   /events      GET         SSE: the current state on connect, then one event per publish
//   /api/state   GET, HEAD   the state object
//   /api/health  GET, HEAD   the dependency health list (null before the first probe)
//   /api/host    GET, HEAD   {state, health, summary}
//   wrong method → 405 + Allow; unknown path → 404; security headers on page/JSON/404/405.
//
// Connections are served by a fixed pool of max_event_clients + general_threads workers. An
// SSE stream holds one worker for its lifetime, at most max_event_clients streams exist (the
// next gets 503), so general_threads workers are always left for the page and the JSON routes.
// Idle keep-alive connections hold no worker: one poller thread watches them.
namespace jetmon::dashboard {

using Logger = std::function<void(log::Level level, std::string_view message)>;

struct ServerOptions {
  std::string bind_address;  // DASHBOARD_BIND_ADDR; blank → 127.0.0.1
  int port = 8080;           // 0: any free port (tests); see Server::port()
  std::size_t max_event_clients = 32;  // concurrent /events streams
  std::size_t event_buffer = 16;       // events queued per stream; newer ones are dropped
  std::size_t general_threads = 8;     // workers left for everything but /events
  std::size_t max_connections = 512;   // open connections; more are closed at once
  // Every read of one request (line, headers, a body we do not want) must finish within this
  // from the moment the request starts (Go's ReadHeaderTimeout); also the wait for the first
  // request of a new connection.
  std::chrono::seconds read_header_timeout{5};
  std::chrono::seconds idle_timeout{120};  // keep-alive wait between requests
  // Each socket write waits at most this long for room (a client that stops reading loses its
  // stream after it); not a limit on a stream's lifetime.
  std::chrono::seconds write_timeout{30};
  Logger logger;  // empty: jetmon::log
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; returns once connections are accepted.
  // Throws std::runtime_error ("listen on 127.0.0.1:8080: Address already in use") when the
  // address cannot be bound. Call at most once.
  void start();

  // The bound port (after start()).
  int port() const;
  // "<bind address>:<port>" as bound ("[::1]:8080" for IPv6).
  std::string address() const;

  // A new state (and, when the probes ran, a new health list; nullopt keeps the last one).
  // Safe from any thread; never waits for a client: each stream gets the event in its own
  // bounded buffer, or misses it when that buffer is full.
  void publish(const DashboardState& state,
               std::optional<health::HealthList> health = std::nullopt);

  // Open /events streams.
  std::size_t event_clients() const;

  // Stops accepting, ends every stream and connection (idle, streaming or stuck), joins the
  // threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The monitor's entry point: nullptr when dashboard_port is 0 (disabled) or when the bind fails
// (logged "dashboard: <err>"; the caller keeps running). Logs "dashboard: listening on <url>".
std::unique_ptr<Server> start_dashboard(int dashboard_port, const std::string& bind_address,
                                        Logger logger = {});

// The host page (§4): self-contained HTML, CSS and JavaScript.
std::string_view host_page_html();

}  // namespace jetmon::dashboard
