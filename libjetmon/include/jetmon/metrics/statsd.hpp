#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/check/classify.hpp"

// StatsD over UDP and the legacy stats files (monitor.md §9.1, §9.2; docs/metrics.md).
namespace jetmon::metrics {

// Where metrics go. Code that emits metrics takes a Sink&, so tests can record the names.
// Implementations are thread-safe and never throw.
class Sink {
 public:
  virtual ~Sink() = default;

  virtual void count(std::string_view name, std::int64_t value) = 0;   // "|c"
  virtual void gauge(std::string_view name, std::int64_t value) = 0;   // "|g"
  // "|ms". A negative duration is skipped (monitor.md §9.1).
  virtual void timing(std::string_view name, std::chrono::milliseconds duration) = 0;

  void increment(std::string_view name) { count(name, 1); }
  // Time from `start` to `now`; skipped when `start` is the zero time point or lies after `now`.
  void timing_since(std::string_view name, std::chrono::system_clock::time_point start,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
};

// Drops everything.
class NullSink final : public Sink {
 public:
  void count(std::string_view, std::int64_t) override {}
  void gauge(std::string_view, std::int64_t) override {}
  void timing(std::string_view, std::chrono::milliseconds) override {}
};
Sink& null_sink();

// Keeps every metric as "<name>:<value>|<type>" (no prefix, no newline), in emission order; for
// tests of code that emits metrics.
class RecordingSink final : public Sink {
 public:
  void count(std::string_view name, std::int64_t value) override;
  void gauge(std::string_view name, std::int64_t value) override;
  void timing(std::string_view name, std::chrono::milliseconds duration) override;

  std::vector<std::string> lines() const;
  // Sum of the counter values recorded under `name` (0 when none).
  std::int64_t counter(std::string_view name) const;
  void clear();

 private:
  void add(std::string line);
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// "com.jetpack.jetmon.<hostname with '.' and '-' replaced by '_'>"; an empty hostname is "unknown".
std::string statsd_prefix(std::string_view hostname);

// The <seg> placeholder: a Veriflier host:port, lower-cased, each run of characters outside
// [a-z0-9] replaced by one '_', leading and trailing '_' trimmed ("veriflier:7803" →
// "veriflier_7803"). A result that would be empty is "unknown".
std::string veriflier_segment(std::string_view host_port);

// The <class> placeholder: the failure class name of monitor.md §4.4 ("server", "https", …).
std::string_view class_segment(check::FailureClass failure_class);

// The <s> placeholder of the WPCOM metrics: status id 0 → "down", 1 → "running",
// 2 → "confirmed_down", anything else → "unknown".
std::string_view status_segment(int status_id);

// Replaces every occurrence of `placeholder` (e.g. "<seg>") in `pattern` with `value`:
// with_placeholder("verifier.host.<seg>.rpc.duration", "<seg>", veriflier_segment(addr)).
std::string with_placeholder(std::string_view pattern, std::string_view placeholder,
                             std::string_view value);

// The datagram for one metric: "<prefix>.<name>:<value>|<type>\n". Characters of `name` that
// would break the line protocol (':', '|', CR, LF, NUL) become '_'.
std::string format_datagram(std::string_view prefix, std::string_view name, std::int64_t value,
                            std::string_view type);

// The StatsD client. The address ("host:port", STATSD_ADDR, default "statsd:8125") is resolved
// once, by the constructor. When that fails (the name does not resolve, a malformed address, no
// socket) a warning is logged and available() is false for the life of the object: every send is
// then a no-op. Sends are non-blocking single datagrams on a connected UDP socket; a full socket
// buffer or an ICMP error drops the metric. Nothing here throws; safe from any thread.
class StatsdClient final : public Sink {
 public:
  StatsdClient(std::string_view address, std::string_view hostname);
  ~StatsdClient() override;
  StatsdClient(const StatsdClient&) = delete;
  StatsdClient& operator=(const StatsdClient&) = delete;

  bool available() const noexcept { return fd_ >= 0; }
  // Why the client is unavailable ("" when available).
  const std::string& error() const noexcept { return error_; }
  const std::string& prefix() const noexcept { return prefix_; }
  const std::string& address() const noexcept { return address_; }

  void count(std::string_view name, std::int64_t value) override;
  void gauge(std::string_view name, std::int64_t value) override;
  void timing(std::string_view name, std::chrono::milliseconds duration) override;

  std::uint64_t sent() const noexcept { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  void send(std::string_view name, std::int64_t value, std::string_view type);

  std::string address_;
  std::string prefix_;
  std::string error_;
  int fd_ = -1;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

// The `statsd` dependency probe (monitor.md §11): green, or amber
// "statsd client is not initialized" when there is no client or it is unavailable.
struct ProbeResult {
  std::string status;  // "green", "amber" or "red"
  std::string error;   // empty when green
  bool operator==(const ProbeResult&) const = default;
};
ProbeResult probe_statsd(const StatsdClient* client);

// ---- stats files (monitor.md §9.2) ----------------------------------------------------------------

struct StatsFileValues {
  std::int64_t sites_per_sec = 0;  // stats/sitespersec: last round's sites/sec
  std::int64_t sites_queue = 0;    // stats/sitesqueue: queue depth at round end
  std::int64_t totals = 0;         // stats/totals: cumulative results processed
};

// Replaces `path` with "<value>\n", mode 0644, atomically (a temporary file in the same
// directory, then rename). Returns the error text, or nullopt on success.
std::optional<std::string> write_integer_file(const std::filesystem::path& path, std::int64_t value);

// Writes the three files under `dir` (default "stats", relative to the working directory; the
// directory is not created). Returns the first error text, or nullopt when all three were written.
std::optional<std::string> write_stats_files(const StatsFileValues& values,
                                             const std::filesystem::path& dir = "stats");

// The end-of-round call: writes the files only while StatsD is up (client non-null and available),
// logs a warning on failure. Returns true when the files were written.
bool write_stats_files_if_statsd_up(const StatsdClient* client, const StatsFileValues& values,
                                    const std::filesystem::path& dir = "stats");

}  // namespace jetmon::metrics
