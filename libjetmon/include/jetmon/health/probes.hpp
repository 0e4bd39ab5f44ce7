#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/health/entry.hpp"
#include "jetmon/veriflier/client.hpp"

namespace jetmon::db {
class Pool;
}
namespace jetmon::metrics {
class StatsdClient;
}
namespace jetmon::notify {
class WpcomNotifier;
}

// The dependency probes (dashboard-fleet.md §3 for the monitor, §7.3 for the deliverer;
// docs/health.md). Each returns one HealthEntry (the Veriflier probe one per Veriflier) and takes
// what it looks at as an argument, so tests can hand it real parts or stand-ins. Probes block
// the calling thread for at most kProbeTimeout each: run them on the publish routine's thread,
// never on the check loop's. None of them throws.
namespace jetmon::health {

inline constexpr std::chrono::milliseconds kProbeTimeout{2000};

// ---- mysql ----------------------------------------------------------------------------------------

// Answers nullopt when the database answered a ping, else the error text.
using PingFunction = std::function<std::optional<std::string>()>;

// Pings the monitor's pool: leases a connection (a pooled one is pinged by the pool itself before
// it is handed out, a new one is opened) and pings it, on a thread of its own so the caller waits
// at most `bound` ("timed out after 2000 ms" when the pool or the server hangs). The pool must
// outlive the pinger.
class PoolPinger {
 public:
  explicit PoolPinger(db::Pool& pool, std::chrono::milliseconds bound = kProbeTimeout);
  ~PoolPinger();  // waits for a ping in flight
  PoolPinger(const PoolPinger&) = delete;
  PoolPinger& operator=(const PoolPinger&) = delete;

  std::optional<std::string> ping();
  // A PingFunction bound to this pinger (which must outlive it).
  PingFunction function();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `mysql`: an empty `ping` (no pool) → red "database pool is not initialized"; otherwise the
// ping is timed: green + latency, or red + latency + the driver error.
HealthEntry probe_mysql(const PingFunction& ping, std::chrono::system_clock::time_point checked_at);

// ---- wpcom ----------------------------------------------------------------------------------------

// What the wpcom probe reads from the notifier.
struct WpcomFigures {
  bool circuit_open = false;
  std::int64_t queue_depth = 0;
};
// The notifier's current figures; nullopt for a null notifier.
std::optional<WpcomFigures> wpcom_figures(const notify::WpcomNotifier* notifier);

// `wpcom`: nullopt (no client) → red "wpcom client is not initialized"; circuit open → red
// "circuit open, queued notifications=<n>"; queue > 0 → amber "queued notifications=<n>";
// else green (texts from notify::probe_wpcom / wpcom_probe_result).
HealthEntry probe_wpcom(const std::optional<WpcomFigures>& figures,
                        std::chrono::system_clock::time_point checked_at);

// ---- statsd ---------------------------------------------------------------------------------------

// `statsd`: no client, or a client whose address never resolved → amber
// "statsd client is not initialized"; else green (metrics::probe_statsd).
HealthEntry probe_statsd(const metrics::StatsdClient* client,
                         std::chrono::system_clock::time_point checked_at);

// ---- disk -----------------------------------------------------------------------------------------

// `disk:<dir>` (the name uses `dir` as given, e.g. "disk:logs"): `dir` must exist
// ("stat <dir>: <OS error>"), be a directory ("<dir> is not a directory") and allow creating and
// deleting a temporary file named .jetmon-health-XXXXXX ("open <dir>/.jetmon-health-*:
// <OS error>", "remove <file>: <OS error>"); any failure is red with that text, else green.
HealthEntry probe_disk(const std::filesystem::path& dir, std::chrono::system_clock::time_point checked_at);

// ---- verifliers -----------------------------------------------------------------------------------

// "veriflier:<name>", or "veriflier:<host>:<port>" when the name is empty.
std::string veriflier_entry_name(const config::Verifier& verifier);

// Pure: the entry for one Veriflier from what its GET /status said. Missing host/port → red
// "host or port is not configured" (no latency); not ok → red + latency + the error; ok → green +
// latency, the name gaining " (<version>)" when the body carried a non-empty version.
HealthEntry veriflier_entry(const config::Verifier& verifier, const veriflier::StatusProbe& probe,
                            std::chrono::system_clock::time_point checked_at);

struct VeriflierProbeOptions {
  std::chrono::milliseconds timeout = kProbeTimeout;  // per Veriflier
  veriflier::ClientOptions client;
};

// One entry per configured Veriflier, probed one after the other (GET /status, 2 s each); none
// configured → a single `verifliers` entry, amber "no verifliers configured".
HealthList probe_verifliers(const std::vector<config::Verifier>& verifiers,
                            std::chrono::system_clock::time_point checked_at,
                            const VeriflierProbeOptions& options = {});

// ---- the lists ------------------------------------------------------------------------------------

// What the monitor's publish routine probes (§3). Every pointer may be null (that probe then
// reports its "not initialized" entry); the pointed-to objects must outlive the call.
struct MonitorProbeInputs {
  PingFunction mysql;                             // empty: no database pool
  const notify::WpcomNotifier* wpcom = nullptr;
  const metrics::StatsdClient* statsd = nullptr;
  std::filesystem::path logs_dir = "logs";        // relative to the working directory
  std::filesystem::path stats_dir = "stats";
  std::vector<config::Verifier> verifiers;        // the current (SIGHUP-reloaded) config's VERIFIERS
  VeriflierProbeOptions veriflier;
  // The checked_at of every entry of one run (taken once, before the first probe); empty: now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Runs the probes one after the other in the §3 order: mysql, wpcom, statsd, disk:logs,
// disk:stats, then the Verifliers. Blocks up to 2 s per probe.
HealthList probe_monitor_dependencies(const MonitorProbeInputs& inputs);

// What the deliverer probes (§7.3).
struct DelivererProbeInputs {
  PingFunction mysql;
  const metrics::StatsdClient* statsd = nullptr;
  std::function<std::chrono::system_clock::time_point()> clock;
};

// mysql, statsd.
HealthList probe_deliverer_dependencies(const DelivererProbeInputs& inputs);

}  // namespace jetmon::health
