#include "jetmon/service/delivery_runtime.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "jetmon/common/log.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/delivery/webhook_sender.hpp"

namespace jetmon::service {

struct DeliveryRuntime::Impl {
  std::string process;
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<delivery::WebhookSender> webhook_sender;
  std::unique_ptr<delivery::RowSender> alert_sender;
  std::unique_ptr<delivery::DeliveryWorkers> workers;
  bool stopped = false;
};

DeliveryRuntime::DeliveryRuntime(const db::ConnectOptions& connect, const config::Config& config,
                                 const AlertSenderFactory& alert_sender, delivery::WorkerOptions options,
                                 std::string_view process)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.process = std::string(process);
  const std::size_t in_flight = std::max<std::size_t>(1, options.max_in_flight);
  db::PoolOptions pool_options;
  pool_options.max_open = 4 * in_flight + 6;  // two families: lookups + outcome writes, claims, dispatch
  pool_options.max_idle = 2 * in_flight + 2;
  s.pool = std::make_unique<db::Pool>(connect, pool_options);
  s.webhook_sender = std::make_unique<delivery::WebhookSender>(*s.pool);
  if (alert_sender) s.alert_sender = alert_sender(*s.pool, config);
  if (!s.alert_sender) {
    log::warn("{}: alert-contact delivery is off in this process; alert contacts are neither "
              "dispatched nor sent",
              s.process);
  }
  s.workers = std::make_unique<delivery::DeliveryWorkers>(*s.pool, s.webhook_sender.get(), s.alert_sender.get(),
                                                          std::move(options));
}

DeliveryRuntime::~DeliveryRuntime() { stop(); }

void DeliveryRuntime::start() { impl_->workers->start(); }

void DeliveryRuntime::stop() {
  Impl& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  const std::size_t cut = s.workers->stop();
  if (cut > 0) log::warn("{}: {} send(s) cut short; they are retried after their lease", s.process, cut);
}

}  // namespace jetmon::service
