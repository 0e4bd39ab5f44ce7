#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "jetmon/config/config.hpp"
#include "jetmon/delivery/workers.hpp"
#include "jetmon/delivery/alert_sender.hpp"
#include "jetmon/service/delivery_runtime.hpp"
#include "jetmon/schedule/orchestrator.hpp"

namespace jetmon::service {

struct MonitorOptions {
  config::Environment env;
  std::string hostname;
  int db_connect_attempts = 10;                     // monitor.md §1.4: serve
  std::chrono::milliseconds drain_grace{20000};     // in-flight checks may finish within this
  // The embedded delivery workers (when ops::monitor_delivery_owner enables them).
  delivery::WorkerOptions delivery_workers;
  AlertSenderFactory alert_sender = delivery::make_alert_row_sender;
};

// `jetmon2` (serve): the startup order of monitor.md §10.3 and the drain of §10.2. The caller
// owns signals: it calls reload() on SIGHUP and shutdown() on SIGINT/SIGTERM, and enforces the
// 30 s hard exit.
class MonitorService {
 public:
  explicit MonitorService(MonitorOptions options);
  ~MonitorService();
  MonitorService(const MonitorService&) = delete;
  MonitorService& operator=(const MonitorService&) = delete;

  // Loads the config, connects, writes the PID file, claims buckets and starts the round loop on
  // its own thread. Throws std::runtime_error with the reason when the service cannot start.
  void start();

  // SIGHUP: reload and validate the config; a bad one is rejected and the old one kept.
  // Returns the log line it wrote ("config reloaded" / "config reload failed: …").
  std::string reload();

  // SIGINT/SIGTERM: stop new work, let in-flight checks finish within the grace (their results
  // are written), mark the lease draining then release it, remove the PID file. Idempotent.
  void shutdown();

  schedule::OrchestratorSnapshot snapshot() const;
  std::size_t retry_queue_size() const;
  std::shared_ptr<const config::Config> current_config() const;
  // True while the embedded delivery workers run (the heartbeat's delivery_workers_enabled).
  bool delivery_workers_running() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes "<pid>\n" (mode 0644), creating the parent directory (0755). Returns an error text, or
// an empty string on success.
std::string write_pid_file(const std::string& path);

}  // namespace jetmon::service
