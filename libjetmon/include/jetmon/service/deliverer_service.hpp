#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "jetmon/config/config.hpp"
#include "jetmon/delivery/alert_sender.hpp"
#include "jetmon/delivery/row.hpp"
#include "jetmon/delivery/workers.hpp"

namespace jetmon::db {
class Pool;
struct ConnectOptions;
}

// `jetmon-deliverer` with no arguments (dashboard-fleet.md §7; docs/delivery.md): config, database,
// single-owner activation, the process-health row and the delivery workers. The caller owns the
// signals: it logs and ignores SIGHUP and calls shutdown() on SIGINT/SIGTERM.
namespace jetmon::service {

// Builds the alert-contact family's sender on the delivering process's pool (the default is the
// real one; tests inject their own). Empty, or returning null: that family does not run.
using AlertSenderFactory =
    std::function<std::unique_ptr<delivery::RowSender>(db::Pool& pool, const config::Config& config)>;

// The delivery workers with their own connection pool and senders, as jetmon-deliverer and an
// embedded jetmon2 run them: the webhook family always, the alert family when `alert_sender`
// builds a sender (otherwise it logs, prefixed by `process`, that alert-contact delivery is off).
class DeliveryRuntime {
 public:
  DeliveryRuntime(const db::ConnectOptions& connect, const config::Config& config,
                  const AlertSenderFactory& alert_sender, delivery::WorkerOptions options,
                  std::string_view process);
  ~DeliveryRuntime();  // stop()
  DeliveryRuntime(const DeliveryRuntime&) = delete;
  DeliveryRuntime& operator=(const DeliveryRuntime&) = delete;

  void start();
  // DeliveryWorkers::stop(), logging the sends cut short. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

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
