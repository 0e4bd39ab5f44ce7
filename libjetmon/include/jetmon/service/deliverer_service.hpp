#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "jetmon/config/config.hpp"
#include "jetmon/delivery/alert_sender.hpp"
#include "jetmon/delivery/workers.hpp"
#include "jetmon/service/delivery_runtime.hpp"

// `jetmon-deliverer` with no arguments (dashboard-fleet.md §7; docs/delivery.md): config, database,
// single-owner activation, the process-health row and the delivery workers. The caller owns the
// signals: it logs and ignores SIGHUP and calls shutdown() on SIGINT/SIGTERM.
namespace jetmon::service {

struct DelivererOptions {
  config::Environment env;
  std::string hostname;
  int db_connect_attempts = 10;                        // §7.1
  std::chrono::milliseconds heartbeat_interval{10000};  // §6.4: fixed 10 s
  std::string statsd_address = "statsd:8125";           // §7.1: fixed
  delivery::WorkerOptions workers;                      // stop_grace bounds the wait for sends
  AlertSenderFactory alert_sender = delivery::make_alert_row_sender;
};

class DelivererService {
 public:
  explicit DelivererService(DelivererOptions options);
  ~DelivererService();  // shutdown()
  DelivererService(const DelivererService&) = delete;
  DelivererService& operator=(const DelivererService&) = delete;

  // Loads and validates the config (JETMON_CONFIG, default config/config.json), connects (up to
  // db_connect_attempts, backoff 1 s doubling to 30 s), decides activation once and logs it,
  // publishes the first heartbeat (`running` when active, else `idle`) and starts the workers
  // when active. Throws std::exception with the reason when the service cannot start.
  void start();

  // §7.3: stop the heartbeat loop and publish `stopping`, stop the workers (waiting up to the
  // grace for in-flight sends), mark the row `stopped`, log `jetmon-deliverer: shutdown complete`.
  // Idempotent.
  void shutdown();

  bool workers_enabled() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jetmon::service
