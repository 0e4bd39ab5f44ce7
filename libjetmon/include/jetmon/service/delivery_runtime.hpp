#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "jetmon/config/config.hpp"
#include "jetmon/delivery/row.hpp"
#include "jetmon/delivery/workers.hpp"

namespace jetmon::db {
class Pool;
struct ConnectOptions;
}

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

}  // namespace jetmon::service
