#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "jetmon/check/engine.hpp"
#include "jetmon/config/config.hpp"

// Veriflier side of the protocol (monitor.md §7): what `jetmon2 veriflier` runs.
//
//   POST /check   Bearer token (exact match) → runs each site through the check engine
//                 → 200 {"results":[…]} in request order
//   /check, other methods → 405 "method not allowed"; bad token → 401 "unauthorized";
//                 body > 10 MiB → 413 "request body too large"; bad JSON → 400 "decode: …"
//   /status       any method, no auth → 200 {"status":"OK","version":"<build version>"}
//
// docs/veriflier.md describes the threads, timeouts and shutdown.
namespace jetmon::veriflier {

// Hooks for the metrics module (verifier.* StatsD names of monitor.md §9.1). Called from HTTP
// worker threads, possibly several at once; must be thread-safe and must not block. An
// exception thrown here is logged and ignored.
class ServerObserver {
 public:
  virtual ~ServerObserver() = default;
  // After a /check batch was answered with 200: verifier.checks.received.count (+sites) and
  // the verifier.checks.duration.timer timing (request start → results ready).
  virtual void on_checks_received(std::size_t /*sites*/) {}
  virtual void on_checks_duration(std::chrono::milliseconds /*duration*/) {}
  // A /check request with a missing or wrong token: verifier.auth.rejected.count.
  virtual void on_auth_rejected() {}
};

struct ServerOptions {
  std::string auth_token;    // required: the server refuses to start without one
  std::string bind_address;  // "" : every interface (IPv6 and IPv4, else IPv4 only)
  int port = 7803;           // 0: any free port (see Server::port())
  std::string hostname;      // "Host" of every result; "" : the OS hostname
  std::string version;       // /status version; "" : the build version ("dev" if none)
  check::EngineOptions engine{.max_in_flight = 100, .max_pending = 100'000, .ca_file = {}};
  // Requests served at once; more connections wait their turn. Each monitor asks up to 32
  // escalations at once (IncidentWorkerDeps::max_escalations_at_once), so this serves four
  // monitors escalating together without a request waiting past its deadline.
  std::size_t http_threads = 128;
  // A site's TimeoutSeconds above this is cut down to it, so one request cannot pin a worker
  // for hours (the monitor gives up after its own timeout + 5 s anyway).
  int max_check_timeout_seconds = 120;
  // HTTP timeouts (Go: ReadHeaderTimeout 5 s, ReadTimeout 30 s, WriteTimeout 35 s,
  // IdleTimeout 120 s). cpp-httplib applies read/write timeouts per socket operation, so
  // `read_timeout` bounds every wait for request bytes (head and body) and `body_timeout` is
  // the total budget of the body; `write_timeout` bounds every send of the response.
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds write_timeout{35};
  // Keep-alive wait between requests, for clients that ignore the "Connection: close" every
  // response carries.
  std::chrono::seconds idle_timeout{120};
  std::shared_ptr<ServerObserver> observer;  // may be null
};

class Server {
 public:
  // Throws std::invalid_argument when auth_token is empty.
  explicit Server(ServerOptions options);
  ~Server();  // stop(0) when still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; returns once connections are accepted.
  // Throws std::runtime_error when the address cannot be bound. Call at most once.
  void start();

  // The bound port (after start()).
  int port() const;

  // Graceful stop (SIGINT/SIGTERM): stops accepting, lets requests in progress finish for up
  // to `drain`, then cancels the checks still running (their batches get 503 "veriflier
  // shutting down") and cuts the connections clients still hold open. Every response asks
  // the client to close, so no connection is left idle in normal operation. Returns true
  // when everything finished within `drain`. Idempotent; not from a handler thread.
  bool stop(std::chrono::milliseconds drain = std::chrono::seconds(30));

  struct Impl;  // src/veriflier/server.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

// What `jetmon2 veriflier` reads (monitor.md §7): the JSON file at VERIFLIER_CONFIG (default
// config/veriflier.json) with string keys auth_token, port, grpc_port (alias of port, matched
// case-insensitively like Go); when the file cannot be opened, the environment only, with the
// port defaulting to 7803. Then VERIFLIER_AUTH_TOKEN overrides the token and VERIFLIER_PORT,
// else VERIFLIER_GRPC_PORT, overrides the port.
struct ServerConfig {
  std::string config_path;
  bool from_file = false;  // false: the file could not be opened (environment only)
  std::string auth_token;
  std::string port;  // as configured (a string, as in Go)
};

// Throws std::runtime_error with the operator-facing text:
//   "load config: <path>: <reason>"     unreadable or malformed file, or a non-string value
//   "VERIFLIER_PORT is not set"          neither port nor grpc_port anywhere
//   "VERIFLIER_AUTH_TOKEN is not set; refusing to start with no authentication"
//   "VERIFLIER_PORT: invalid port \"<x>\" (want 0-65535)"
ServerConfig load_server_config(const config::Environment& env);

// The whole `jetmon2 veriflier` service: loads the config, starts the server on every
// interface, logs "veriflier2 <version> starting on :<port>", then waits until
// `stop_requested` becomes true (poll it from a signal handler flag; it is checked every
// 100 ms) and stops with a 30 s drain, logging "veriflier2: shutdown complete". Returns the
// exit code: 0 after a clean stop, 1 when the config is invalid or the port cannot be bound
// (the reason is printed on `err` as "veriflier: <reason>").
int run_veriflier_server(const config::Environment& env, const std::atomic<bool>& stop_requested,
                         std::ostream& err, std::shared_ptr<ServerObserver> observer = nullptr);

}  // namespace jetmon::veriflier
