#include "jetmon/service/monitor_service.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "jetmon/check/engine.hpp"
#include "jetmon/dashboard/server.hpp"
#include "jetmon/dashboard/state.hpp"
#include "jetmon/health/probes.hpp"
#include "jetmon/health/writer.hpp"
#include "jetmon/service/heartbeat_publisher.hpp"
#include "jetmon/service/monitor_heartbeat.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/ops/delivery_owner.hpp"
#include "jetmon/schedule/result_writer.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/metrics/memory.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "jetmon/notify/wpcom.hpp"
#include "jetmon/service/detection_metrics.hpp"
#include "jetmon/service/incident_worker.hpp"
#include "jetmon/veriflier/client.hpp"
#include "jetmon/common/thread_name.hpp"

namespace jetmon::service {

std::string write_pid_file(const std::string& path) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return "create " + parent.string() + ": " + ec.message();
    ::chmod(parent.c_str(), 0755);
  }
  std::ofstream out(path, std::ios::trunc);
  out << ::getpid() << "\n";
  out.close();
  if (!out) return "write " + path + ": " + std::strerror(errno);
  ::chmod(path.c_str(), 0644);
  return {};
}

namespace {

notify::CheckEntry entry_of(const incident::WpcomCheck& c) {
  return notify::CheckEntry{c.host, c.success, c.rtt_ms, c.http_code};
}

notify::Notice notice_of(const incident::NotifyWpcom& n) {
  notify::Notice notice;
  notice.blog_id = n.blog_id;
  notice.monitor_url = n.monitor_url;
  notice.status_id = n.status_id;
  notice.last_check = n.last_check;
  notice.last_status_change = n.last_status_change;
  notice.status_type = n.status_type;
  notice.local = entry_of(n.local);
  for (const auto& v : n.verifliers) notice.verifliers.push_back(entry_of(v));
  return notice;
}

// Every configured Veriflier's answer for one escalation (monitor.md §5.2 step 3), all sharing
// the request id, each bounded by the site timeout + 5 s.
std::vector<incident::VeriflierVote> ask_verifliers(const config::Config& cfg, metrics::Sink& sink,
                                                    const incident::EscalateToVerifliers& escalation,
                                                    const schedule::Site& site,
                                                    const std::atomic<bool>& cancel) {
  const check::CheckRequest check = schedule::check_request_for(site, cfg.net_comms_timeout);
  veriflier::SiteCheckRequest request;
  request.blog_id = static_cast<std::int64_t>(site.blog_id);
  request.url = site.monitor_url;
  request.timeout_seconds = check.timeout_seconds;
  request.keyword = site.check_keyword;
  if (!check.headers.empty()) {
    request.custom_headers.emplace();
    for (const auto& [name, value] : check.headers) (*request.custom_headers)[name] = value;
  }
  request.redirect_policy = std::string(check::redirect_policy_name(site.redirect_policy));
  request.request_id = escalation.request_id;
  const auto deadline = std::chrono::steady_clock::now() + veriflier::escalation_timeout(check.timeout_seconds);
  std::vector<incident::VeriflierVote> votes;
  std::vector<VeriflierCall> calls;
  veriflier::ClientOptions client_options;
  client_options.cancel = &cancel;
  for (const veriflier::VerifierVote& v : veriflier::ask_all(cfg.verifiers, request, deadline, client_options)) {
    calls.push_back({v.address, v.ok, v.reply.success, v.duration});
    incident::VeriflierVote vote;
    vote.address = v.address;
    vote.replied = v.ok;
    vote.host = v.reply.host;
    vote.success = v.reply.success;
    vote.http_code = v.reply.http_code;
    vote.error_code = v.reply.error_code;
    vote.rtt_ms = v.reply.rtt_ms;
    vote.error = v.error;
    votes.push_back(std::move(vote));
  }
  emit_veriflier_metrics(sink, calls);
  return votes;
}

}  // namespace

struct MonitorService::Impl {
  MonitorOptions options;
  std::string config_path;
  std::string pid_file;
  std::unique_ptr<config::ConfigStore> store;
  config::DbSettings db_settings;
  std::unique_ptr<check::Engine> engine;
  std::unique_ptr<schedule::ResultWriter> writer;
  std::unique_ptr<schedule::Orchestrator> orchestrator;
  std::unique_ptr<IncidentWorker> incidents;
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<metrics::StatsdClient> statsd;
  std::unique_ptr<notify::WpcomNotifier> notifier;
  std::unique_ptr<dashboard::Server> dashboard;
  std::unique_ptr<health::PoolPinger> pinger;
  std::unique_ptr<health::ProcessHealthWriter> health_writer;
  std::unique_ptr<HeartbeatPublisher> heartbeat;
  MonitorIdentity identity;
  // The embedded delivery workers (dashboard-fleet.md §7.1): their own pool, senders and loops.
  std::unique_ptr<DeliveryRuntime> delivery_workers;
  // Runtime truth for the dashboard and the row: the workers run now.
  std::atomic<bool> delivery_workers_running{false};
  std::thread loop;
  std::once_flag shutdown_once;
  bool pid_written = false;

  db::Connection connect() const {
    db::ConnectOptions o = ops::connect_options(db_settings);
    return db::Connection(o);
  }

  // monitor.md §3.6/§9.1/§9.2 after a non-empty round: round metrics, memory gauges, stats files.
  void after_round(const schedule::OrchestratorSnapshot& snap) {
    const auto cfg = store->current();
    metrics::Sink& sink = *statsd;
    sink.timing("round.complete.time", std::chrono::milliseconds(snap.rounds.round_duration_ms));
    sink.gauge("worker.queue.active", static_cast<std::int64_t>(snap.in_flight));
    sink.gauge("worker.queue.queue_size", static_cast<std::int64_t>(snap.queue_depth));
    sink.gauge("retry.queue.size", static_cast<std::int64_t>(incidents->retry_queue_size()));
    sink.gauge("round.sps.count", snap.rounds.sites_per_sec);
    sink.count("round.sites.count", static_cast<std::int64_t>(snap.rounds.last_round_checked));
    if (cfg->statsd_send_mem_usage) metrics::emit_memory_gauges(sink, metrics::read_memory_figures());
    metrics::write_stats_files_if_statsd_up(
        statsd.get(), metrics::StatsFileValues{snap.rounds.sites_per_sec,
                                               static_cast<std::int64_t>(snap.queue_depth),
                                               static_cast<std::int64_t>(snap.rounds.results_total)});
  }

  // §5 step 3-4: one state for the dashboard and the process-health row. Runs on the publisher's
  // thread (or the caller of start/shutdown), never on the check loop's.
  void deliver_heartbeat(std::string_view lifecycle, const health::HealthList& health, bool refreshed) {
    const auto cfg = store->current();
    dashboard::StateInputs in;
    in.config = cfg.get();
    in.worker_count = static_cast<std::int64_t>(engine->max_in_flight());
    in.orchestrator = orchestrator->snapshot();
    in.retry_queue_size = static_cast<std::int64_t>(incidents->retry_queue_size());
    in.wpcom_circuit_open = notifier->wpcom_circuit_open();
    in.wpcom_queue_depth = notifier->wpcom_queue_depth();
    in.memory = metrics::read_memory_figures();
    in.delivery_workers_enabled = delivery_workers_running.load();
    in.hostname = options.hostname;
    in.now = std::chrono::system_clock::now();
    const dashboard::DashboardState state = dashboard::build_state(in);
    if (dashboard) dashboard->publish(state, refreshed ? std::optional(health) : std::nullopt);
    if (auto error = health_writer->heartbeat(monitor_health_row(state, health, lifecycle, *cfg, identity))) {
      log::warn("process health: {}", *error);
    }
  }

  health::HealthList probe_dependencies() {
    const auto cfg = store->current();
    health::MonitorProbeInputs in;
    in.mysql = pinger->function();
    in.wpcom = notifier.get();
    in.statsd = statsd.get();
    in.verifiers = cfg->verifiers;
    return health::probe_monitor_dependencies(in);
  }

  void mark_stopped() {
    if (auto error = health_writer->mark_stopped(health::process_id(options.hostname, health::kProcessMonitor))) {
      log::warn("process health: {}", *error);
    }
  }

  void log_config(const config::Config& cfg) const {
    log::info("config: legacy_status_projection={}",
              cfg.legacy_status_projection_enable ? "enabled" : "disabled");
    log::info("config: bucket_ownership={}", cfg.bucket_ownership_label());
    log::info("config: email_transport={}", cfg.email_transport_label());
    for (const config::Warning& w : config::warnings(cfg)) log::warn("{}", w.message);
  }
};

MonitorService::MonitorService(MonitorOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

MonitorService::~MonitorService() { shutdown(); }

void MonitorService::start() {
  Impl& s = *impl_;
  s.config_path = config::config_path_from_env(s.options.env);
  auto cfg = std::make_shared<const config::Config>(config::load_file(s.config_path));
  log::set_format(cfg->log_format == "json" ? log::Format::json : log::Format::text);
  s.store = std::make_unique<config::ConfigStore>(cfg);
  s.log_config(*cfg);

  s.db_settings = config::db_settings_from_env(s.options.env);
  {
    db::Connection probe = db::connect_with_retry(ops::connect_options(s.db_settings),
                                                  s.options.db_connect_attempts);
    probe.ping();
  }

  s.pid_file = config::pid_file_path_from_env(s.options.env);
  if (std::string error = write_pid_file(s.pid_file); !error.empty()) {
    log::warn("pid file: {}", error);
  } else {
    s.pid_written = true;
  }

  s.statsd = std::make_unique<metrics::StatsdClient>(cfg->statsd_addr, s.options.hostname);
  if (!s.statsd->available()) {
    log::warn("statsd: {}; no metrics for the rest of this process", s.statsd->error());
  }
  s.pool = std::make_unique<db::Pool>(ops::connect_options(s.db_settings));
  notify::NotifierOptions notifier_options;
  notifier_options.url = cfg->wpcom_notify_url;
  notifier_options.auth_token = cfg->auth_token;
  notifier_options.host_id = s.options.hostname;
  s.notifier = std::make_unique<notify::WpcomNotifier>(*s.pool, *s.statsd, notifier_options);
  s.notifier->start();

  check::EngineOptions engine_options;
  engine_options.max_in_flight = static_cast<std::size_t>(std::max(1, cfg->num_workers));
  s.engine = std::make_unique<check::Engine>(engine_options);
  if (cfg->verifiers.empty()) log::warn("no verifliers configured; every escalation confirms down");

  s.writer = std::make_unique<schedule::ResultWriter>([&s] { return s.connect(); });
  IncidentWorkerDeps incident_deps;
  incident_deps.connect = [&s] { return s.connect(); };
  incident_deps.config = s.store.get();
  incident_deps.hostname = s.options.hostname;
  incident_deps.submit_retry = [&s](const schedule::Site& site) {
    return s.orchestrator && s.orchestrator->submit_retry(site);
  };
  incident_deps.owns_bucket = [&s](int bucket_no) {
    return !s.orchestrator || s.orchestrator->owns_bucket(bucket_no);
  };
  incident_deps.ask_verifliers = [&s](const incident::EscalateToVerifliers& escalation,
                                      const schedule::Site& site, const std::atomic<bool>& cancel) {
    return ask_verifliers(*s.store->current(), *s.statsd, escalation, site, cancel);
  };
  incident_deps.metrics = s.statsd.get();
  incident_deps.notify = [&s](const incident::NotifyWpcom& n) { s.notifier->submit(notice_of(n)); };
  s.incidents = std::make_unique<IncidentWorker>(std::move(incident_deps));
  schedule::OrchestratorDeps deps;
  deps.config = s.store.get();
  deps.engine = s.engine.get();
  deps.writer = s.writer.get();
  deps.connect = [&s] { return s.connect(); };
  deps.host_id = s.options.hostname;
  deps.metrics = s.statsd.get();
  deps.on_result = [&s](const schedule::Site& site, const check::CheckResult& result) {
    if (!s.incidents->post(site, result)) {
      log::error("incident queue full: result of blog_id={} not escalated", site.blog_id);
    }
  };
  deps.on_round_complete = [&s](const schedule::OrchestratorSnapshot& snap) { s.after_round(snap); };
  s.orchestrator = std::make_unique<schedule::Orchestrator>(std::move(deps));
  const schedule::Ownership own = s.orchestrator->claim_initial();
  if (own.pinned) {
    log::info("orchestrator: using pinned buckets {}-{} (dynamic bucket ownership disabled)",
              own.range.min, own.range.max);
  } else {
    log::info("orchestrator: dynamic buckets {}-{} ({} active hosts)", own.range.min, own.range.max,
              own.active_hosts);
    if (own.over_target) {
      log::warn("orchestrator: {} host(s) x BUCKET_TARGET={} < BUCKET_TOTAL={}; ranges spread past "
                "the target so no bucket is unowned",
                own.active_hosts, cfg->bucket_target, cfg->bucket_total);
    }
  }
  s.dashboard = dashboard::start_dashboard(cfg->dashboard_port, cfg->effective_dashboard_bind_addr());
  const ops::DeliveryOwnerDecision owner = ops::monitor_delivery_owner(*cfg, s.options.hostname);
  if (owner.warning) {
    log::warn("{}", owner.message);
  } else {
    log::info("config: {}", owner.message);
  }

  if (owner.workers_enabled) {
    s.delivery_workers = std::make_unique<DeliveryRuntime>(ops::connect_options(s.db_settings), *cfg,
                                                           s.options.alert_sender, s.options.delivery_workers,
                                                           "jetmon2");
    s.delivery_workers->start();
    s.delivery_workers_running = true;
  }

  s.identity.host_id = s.options.hostname;
  s.identity.pid = static_cast<std::uint32_t>(::getpid());
  s.identity.build = health::build_identity();
  s.identity.started_at = std::chrono::system_clock::now();
  s.pinger = std::make_unique<health::PoolPinger>(*s.pool);
  s.health_writer = std::make_unique<health::ProcessHealthWriter>(ops::connect_options(s.db_settings));
  HeartbeatHooks hooks;
  hooks.probe = [&s] { return s.probe_dependencies(); };
  hooks.deliver = [&s](std::string_view lifecycle, const health::HealthList& health, bool refreshed) {
    s.deliver_heartbeat(lifecycle, health, refreshed);
  };
  hooks.mark_stopped = [&s] { s.mark_stopped(); };
  s.heartbeat = std::make_unique<HeartbeatPublisher>(
      std::move(hooks), std::chrono::milliseconds(std::max(1, cfg->stats_update_interval_ms)));
  s.heartbeat->start();

  s.loop = start_named_thread("jm-scheduler", [&s] { s.orchestrator->run(); });
  log::info("jetmon2: monitoring started on host {}", go_quote(s.options.hostname));
}

std::string MonitorService::reload() {
  Impl& s = *impl_;
  if (!s.store) return "config reload ignored: service not started";
  if (auto error = s.store->reload(s.config_path)) {
    const std::string line = "config reload failed: " + *error;
    log::error("{}", line);
    return line;
  }
  const auto cfg = s.store->current();
  log::set_format(cfg->log_format == "json" ? log::Format::json : log::Format::text);
  log::info("config reloaded");
  return "config reloaded";
}

void MonitorService::shutdown() {
  Impl& s = *impl_;
  std::call_once(s.shutdown_once, [&s] {
    if (!s.orchestrator) return;
    log::info("jetmon2: shutting down");
    if (s.heartbeat) s.heartbeat->begin_shutdown();
    if (s.delivery_workers) {
      s.delivery_workers->stop();
      s.delivery_workers_running = false;
    }
    s.orchestrator->stop();
    if (s.loop.joinable()) s.loop.join();
    try {
      s.orchestrator->drain_lease();
    } catch (const std::exception& e) {
      log::warn("lease: marking draining failed: {}", e.what());
    }
    if (!s.engine->stop(s.options.drain_grace)) log::warn("check engine: loop did not close cleanly");
    s.incidents->stop(std::chrono::seconds(5));
    s.notifier->stop();
    const std::size_t lost = s.writer->stop(std::chrono::seconds(5));
    if (lost > 0) log::error("{} check results were not written", lost);
    try {
      s.orchestrator->release_lease();
    } catch (const std::exception& e) {
      log::warn("lease: release failed: {}", e.what());
    }
    if (s.heartbeat) s.heartbeat->finish_shutdown();
    if (s.dashboard) s.dashboard->stop();
    if (s.pid_written) std::filesystem::remove(s.pid_file);
    log::info("jetmon2: shutdown complete");
  });
}

schedule::OrchestratorSnapshot MonitorService::snapshot() const {
  return impl_->orchestrator ? impl_->orchestrator->snapshot() : schedule::OrchestratorSnapshot{};
}

std::size_t MonitorService::retry_queue_size() const {
  return impl_->incidents ? impl_->incidents->retry_queue_size() : 0;
}

bool MonitorService::delivery_workers_running() const { return impl_->delivery_workers_running.load(); }

std::shared_ptr<const config::Config> MonitorService::current_config() const {
  return impl_->store ? impl_->store->current() : nullptr;
}

}  // namespace jetmon::service
