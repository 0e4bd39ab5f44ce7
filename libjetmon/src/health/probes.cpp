#include "jetmon/health/probes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "health/bounded_worker.hpp"
#include "jetmon/db/pool.hpp"
#include "jetmon/metrics/statsd.hpp"
#include "jetmon/notify/wpcom.hpp"

namespace jetmon::health {

namespace {

using std::chrono::system_clock;

HealthEntry entry(std::string name, std::string status, std::string error,
                  system_clock::time_point checked_at, std::int64_t latency_ms = 0) {
  HealthEntry e;
  e.name = std::move(name);
  e.status = std::move(status);
  e.last_error = std::move(error);
  e.latency_ms = latency_ms;
  e.checked_at = checked_at;
  return e;
}

std::int64_t millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

system_clock::time_point now_from(const std::function<system_clock::time_point()>& clock) {
  return clock ? clock() : system_clock::now();
}

}  // namespace

// ---- mysql ----------------------------------------------------------------------------------------

struct PoolPinger::Impl {
  db::Pool* pool;
  std::chrono::milliseconds bound;
  detail::BoundedWorker worker;
};

PoolPinger::PoolPinger(db::Pool& pool, std::chrono::milliseconds bound) : impl_(std::make_unique<Impl>()) {
  impl_->pool = &pool;
  impl_->bound = bound;
}

PoolPinger::~PoolPinger() = default;

std::optional<std::string> PoolPinger::ping() {
  try {
    db::Pool* pool = impl_->pool;
    return detail::BoundedWorker::error_text(
        impl_->worker.run(
            [pool]() -> std::optional<std::string> {
              // acquire() pings an idle connection before handing it out, and a new one is
              // checked with a round trip when it opens: getting a lease is the probe.
              db::Pool::Lease lease = pool->acquire();
              return std::nullopt;
            },
            impl_->bound),
        impl_->bound);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

PingFunction PoolPinger::function() {
  return [this] { return ping(); };
}

HealthEntry probe_mysql(const PingFunction& ping, system_clock::time_point checked_at) {
  if (!ping) return entry("mysql", "red", "database pool is not initialized", checked_at);
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::string> error;
  try {
    error = ping();
  } catch (const std::exception& e) {
    error = std::string(e.what());
  } catch (...) {
    error = std::string("unknown error");
  }
  const std::int64_t latency = millis(std::chrono::steady_clock::now() - start);
  if (error) return entry("mysql", "red", std::move(*error), checked_at, latency);
  return entry("mysql", "green", "", checked_at, latency);
}

// ---- wpcom / statsd -------------------------------------------------------------------------------

std::optional<WpcomFigures> wpcom_figures(const notify::WpcomNotifier* notifier) {
  if (notifier == nullptr) return std::nullopt;
  return WpcomFigures{notifier->wpcom_circuit_open(), notifier->wpcom_queue_depth()};
}

HealthEntry probe_wpcom(const std::optional<WpcomFigures>& figures, system_clock::time_point checked_at) {
  notify::ProbeResult r = figures ? notify::wpcom_probe_result(figures->circuit_open, figures->queue_depth)
                                  : notify::probe_wpcom(nullptr);
  return entry("wpcom", std::move(r.status), std::move(r.error), checked_at);
}

HealthEntry probe_statsd(const metrics::StatsdClient* client, system_clock::time_point checked_at) {
  metrics::ProbeResult r = metrics::probe_statsd(client);
  return entry("statsd", std::move(r.status), std::move(r.error), checked_at);
}

// ---- disk -----------------------------------------------------------------------------------------

namespace {

// nullopt when `dir` is a directory in which a file can be created and removed.
std::optional<std::string> writable_dir_error(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  struct stat st {};
  if (::stat(d.c_str(), &st) != 0) return fmt::format("stat {}: {}", d, std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return fmt::format("{} is not a directory", d);
  std::string name = (dir / ".jetmon-health-XXXXXX").string();
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return fmt::format("open {}: {}", (dir / ".jetmon-health-*").string(), std::strerror(errno));
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(name.c_str());
    return fmt::format("close {}: {}", name, std::strerror(saved));
  }
  if (::unlink(name.c_str()) != 0) return fmt::format("remove {}: {}", name, std::strerror(errno));
  return std::nullopt;
}

}  // namespace

HealthEntry probe_disk(const std::filesystem::path& dir, system_clock::time_point checked_at) {
  std::string name = "disk:" + dir.string();
  std::optional<std::string> error;
  try {
    error = writable_dir_error(dir);
  } catch (const std::exception& e) {  // allocation only
    error = std::string(e.what());
  }
  if (error) return entry(std::move(name), "red", std::move(*error), checked_at);
  return entry(std::move(name), "green", "", checked_at);
}

// ---- verifliers -----------------------------------------------------------------------------------

std::string veriflier_entry_name(const config::Verifier& verifier) {
  return "veriflier:" + (verifier.name.empty() ? verifier.address() : verifier.name);
}

HealthEntry veriflier_entry(const config::Verifier& verifier, const veriflier::StatusProbe& probe,
                            system_clock::time_point checked_at) {
  std::string name = veriflier_entry_name(verifier);
  const std::int64_t latency = probe.latency.count();
  if (!probe.ok) return entry(std::move(name), "red", probe.error, checked_at, latency);
  if (!probe.version.empty()) name += fmt::format(" ({})", probe.version);
  return entry(std::move(name), "green", "", checked_at, latency);
}

HealthList probe_verifliers(const std::vector<config::Verifier>& verifiers,
                            system_clock::time_point checked_at, const VeriflierProbeOptions& options) {
  HealthList out;
  if (verifiers.empty()) {
    out.push_back(entry("verifliers", "amber", "no verifliers configured", checked_at));
    return out;
  }
  out.reserve(verifiers.size());
  for (const config::Verifier& v : verifiers) {
    veriflier::StatusProbe p;
    try {
      p = veriflier::probe_status(v, options.timeout, options.client);
    } catch (const std::exception& e) {
      p = {};
      p.error = e.what();
    }
    out.push_back(veriflier_entry(v, p, checked_at));
  }
  return out;
}

// ---- the lists ------------------------------------------------------------------------------------

HealthList probe_monitor_dependencies(const MonitorProbeInputs& in) {
  const system_clock::time_point now = now_from(in.clock);
  HealthList out;
  out.push_back(probe_mysql(in.mysql, now));
  out.push_back(probe_wpcom(wpcom_figures(in.wpcom), now));
  out.push_back(probe_statsd(in.statsd, now));
  out.push_back(probe_disk(in.logs_dir, now));
  out.push_back(probe_disk(in.stats_dir, now));
  for (HealthEntry& e : probe_verifliers(in.verifiers, now, in.veriflier)) out.push_back(std::move(e));
  return out;
}

HealthList probe_deliverer_dependencies(const DelivererProbeInputs& in) {
  const system_clock::time_point now = now_from(in.clock);
  return {probe_mysql(in.mysql, now), probe_statsd(in.statsd, now)};
}

}  // namespace jetmon::health
