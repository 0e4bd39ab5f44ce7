#include "jetmon/service/deliverer_service.hpp"

#include <unistd.h>

#include <mutex>

#include "jetmon/common/log.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/health/probes.hpp"
#include "jetmon/health/writer.hpp"
#include "jetmon/metrics/memory.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/ops/delivery_owner.hpp"
#include "jetmon/service/heartbeat_publisher.hpp"
#include "jetmon/service/monitor_heartbeat.hpp"

namespace jetmon::service {

struct DelivererService::Impl {
  DelivererOptions options;
  std::shared_ptr<const config::Config> config;
  config::DbSettings db_settings;
  bool workers_enabled = false;
  MonitorIdentity identity;
  std::unique_ptr<metrics::StatsdClient> statsd;
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<health::PoolPinger> pinger;
  std::unique_ptr<health::ProcessHealthWriter> health_writer;
  std::unique_ptr<DeliveryRuntime> workers;
  std::unique_ptr<HeartbeatPublisher> heartbeat;
  std::once_flag shutdown_once;
  bool started = false;

  void deliver(std::string_view lifecycle, const health::HealthList& health) {
    const auto row = deliverer_health_row(health, lifecycle, workers_enabled, config->delivery_owner_host,
                                          identity, metrics::read_memory_figures(),
                                          std::chrono::system_clock::now());
    if (auto error = health_writer->heartbeat(row)) log::warn("process health: {}", *error);
  }

  void mark_stopped() {
    if (auto error = health_writer->mark_stopped(health::process_id(options.hostname, health::kProcessDeliverer))) {
      log::warn("process health: {}", *error);
    }
  }
};

DelivererService::DelivererService(DelivererOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

DelivererService::~DelivererService() { shutdown(); }

void DelivererService::start() {
  Impl& s = *impl_;
  const std::string path = config::config_path_from_env(s.options.env);
  s.config = std::make_shared<const config::Config>(config::load_file(path));
  log::set_format(s.config->log_format == "json" ? log::Format::json : log::Format::text);
  log::info("config: email_transport={}", s.config->email_transport_label());

  s.db_settings = config::db_settings_from_env(s.options.env);
  const db::ConnectOptions connect = ops::connect_options(s.db_settings);
  {
    db::Connection probe = db::connect_with_retry(connect, s.options.db_connect_attempts);
    probe.ping();
  }

  // §7.2: decided once, at startup.
  const ops::DeliveryOwnerDecision owner = ops::deliverer_delivery_owner(*s.config, s.options.hostname);
  if (owner.warning) {
    log::warn("{}", owner.message);
  } else {
    log::info("config: {}", owner.message);
  }
  s.workers_enabled = owner.workers_enabled;

  s.statsd = std::make_unique<metrics::StatsdClient>(s.options.statsd_address, s.options.hostname);
  if (!s.statsd->available()) log::warn("statsd: {}; no metrics for the rest of this process", s.statsd->error());
  db::PoolOptions pool_options;  // the mysql probe's pings; the workers have a pool of their own
  pool_options.max_open = 2;
  pool_options.max_idle = 1;
  s.pool = std::make_unique<db::Pool>(connect, pool_options);
  s.pinger = std::make_unique<health::PoolPinger>(*s.pool);
  s.health_writer = std::make_unique<health::ProcessHealthWriter>(connect);
  s.identity.host_id = s.options.hostname;
  s.identity.pid = static_cast<std::uint32_t>(::getpid());
  s.identity.build = health::build_identity();
  s.identity.started_at = std::chrono::system_clock::now();

  HeartbeatHooks hooks;
  hooks.probe = [&s] {
    health::DelivererProbeInputs in;
    in.mysql = s.pinger->function();
    in.statsd = s.statsd.get();
    return health::probe_deliverer_dependencies(in);
  };
  hooks.deliver = [&s](std::string_view lifecycle, const health::HealthList& health, bool) {
    s.deliver(lifecycle, health);
  };
  hooks.mark_stopped = [&s] { s.mark_stopped(); };
  const std::string steady(s.workers_enabled ? health::kStateRunning : health::kStateIdle);
  s.heartbeat = std::make_unique<HeartbeatPublisher>(std::move(hooks), s.options.heartbeat_interval, steady);

  if (s.workers_enabled) {
    s.workers = std::make_unique<DeliveryRuntime>(connect, *s.config, s.options.alert_sender, s.options.workers,
                                                  "jetmon-deliverer");
  }
  s.started = true;
  s.heartbeat->start();
  if (s.workers) s.workers->start();
  log::info("jetmon-deliverer: started on host {} ({})", s.options.hostname,
            s.workers_enabled ? "delivering" : "idle");
}

void DelivererService::shutdown() {
  Impl& s = *impl_;
  std::call_once(s.shutdown_once, [&s] {
    if (!s.started) return;
    log::info("jetmon-deliverer: shutting down");
    s.heartbeat->begin_shutdown();
    if (s.workers) s.workers->stop();
    s.heartbeat->finish_shutdown();
    log::info("jetmon-deliverer: shutdown complete");
  });
}

bool DelivererService::workers_enabled() const noexcept { return impl_->workers_enabled; }

}  // namespace jetmon::service
