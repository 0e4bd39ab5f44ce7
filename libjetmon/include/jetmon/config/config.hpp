#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// The monitor/deliverer config file (JSON, monitor.md §1), the DB environment, and the
// reloadable snapshot holder. docs/configuration.md describes every key.
namespace jetmon::config {

struct BucketRange {
  int min;
  int max;
  bool operator==(const BucketRange&) const = default;
};

struct Verifier {
  std::string name;
  std::string host;
  std::string port;
  std::string grpc_port;  // deprecated alias of port, used when port is empty
  std::string auth_token;

  std::string effective_port() const;
  // "name", or "verifier #<index>" when unnamed; used in messages and probe names.
  std::string display_name(std::size_t index) const;
  // "host:effective_port"
  std::string address() const;

  bool operator==(const Verifier&) const = default;
};

struct Config {
  int num_workers = 60;
  int dataset_size = 100;
  int min_time_between_rounds_sec = 300;
  int net_comms_timeout = 10;
  bool use_variable_check_intervals = false;
  int num_of_checks = 3;
  int peer_offline_limit = 3;
  int alert_cooldown_minutes = 30;
  int worker_max_mem_mb = 53;
  bool statsd_send_mem_usage = false;
  bool legacy_status_projection_enable = true;  // DB_UPDATES_ENABLE is folded in by parse()

  int bucket_total = 1000;
  int bucket_target = 500;
  int bucket_heartbeat_grace_sec = 600;
  std::optional<int> pinned_bucket_min;
  std::optional<int> pinned_bucket_max;
  std::optional<int> bucket_no_min;  // v1 names of the pinned pair
  std::optional<int> bucket_no_max;

  std::vector<Verifier> verifiers;
  std::string auth_token;
  int stats_update_interval_ms = 10000;

  int dashboard_port = 8080;
  std::string dashboard_bind_addr = "127.0.0.1";
  int debug_port = 6060;
  int api_port = 0;
  std::string delivery_owner_host;

  std::string email_transport = "stub";
  std::string email_from = "jetmon@noreply.invalid";
  std::string wpcom_email_endpoint;
  std::string wpcom_email_auth_token;
  std::string smtp_host;
  int smtp_port = 0;
  std::string smtp_username;
  std::string smtp_password;
  bool smtp_use_tls = false;

  // Product decision 6: endpoints the Go service hard-codes.
  std::string statsd_addr = "statsd:8125";
  std::string wpcom_notify_url =
      "https://public-api.wordpress.com/wpcom/v2/jetpack-monitor/status-change";
  // Alert contacts: the PagerDuty Events v2 endpoint (Go hard-codes it; tests point it at a stub).
  std::string pagerduty_events_url = "https://events.pagerduty.com/v2/enqueue";

  // Unused by Go; used here (decision 2: timed local retries; decision 7: log output).
  int time_between_checks_sec = 30;
  std::string log_format = "text";

  // Accepted for v1 compatibility, no effect.
  bool debug = false;
  int num_to_process = 40;
  int batch_size = 32;
  int veriflier_batch_size = 200;
  int sql_update_batch = 1;
  int db_config_updates_min = 10;
  int time_between_notices_min = 59;

  // PINNED_BUCKET_* when both are set, else BUCKET_NO_* when both are set.
  std::optional<BucketRange> pinned_range() const;
  // "pinned range=<min>-<max>" or "dynamic jetmon_hosts".
  std::string bucket_ownership_label() const;
  // Trimmed DASHBOARD_BIND_ADDR; blank means 127.0.0.1.
  std::string effective_dashboard_bind_addr() const;
  // The site's own timeout when > 0, else NET_COMMS_TIMEOUT, else 10.
  int check_timeout_seconds(int site_timeout) const;
  // EMAIL_TRANSPORT with blank shown as "stub".
  std::string email_transport_label() const;
  // True only for smtp and wpcom; stub just logs.
  bool email_transport_delivers() const;
  // One "host:port|auth_token" per Veriflier, in order; clients are rebuilt only when this changes.
  std::vector<std::string> verifier_client_keys() const;

  bool operator==(const Config&) const = default;
};

// what() is the full operator-facing text, e.g. "parse config: NUM_WORKERS: expected integer,
// got string"; detail() is the same without the stage prefix.
class ConfigError : public std::runtime_error {
 public:
  enum class Stage {
    open,         // "open config: "    file unreadable
    parse,        // "parse config: "   broken JSON or a wrong value type
    invalid,      // "invalid config: " a validation rule failed
    environment,  // "invalid environment: " a bad DB_* variable
  };

  ConfigError(Stage stage, const std::string& detail);

  Stage stage() const noexcept { return stage_; }
  const std::string& detail() const noexcept { return detail_; }

  static std::string_view prefix(Stage stage);

 private:
  Stage stage_;
  std::string detail_;
};

// Parses and validates a config document. Throws ConfigError (parse or invalid).
Config parse(std::string_view json_text);
// Reads and parses a file. Throws ConfigError ("open config: <path>: <reason>", parse, invalid).
Config load_file(const std::string& path);

// The first failing validation rule (monitor.md §1.3 order, then the C++ additions), without
// the "invalid config: " prefix; nullopt when the config is valid.
std::optional<std::string> validate(const Config& config);

struct Warning {
  std::string key;      // the config key the warning is about, e.g. "DASHBOARD_BIND_ADDR"
  std::string message;  // without any "WARN" prefix
  bool operator==(const Warning&) const = default;
};
// Advisory findings on a valid config, in the order validate-config prints them: the stub
// email transport, then a non-loopback dashboard bind (only when DASHBOARD_PORT > 0).
std::vector<Warning> warnings(const Config& config);

// localhost, *.localhost or a loopback IP after the dashboard-fleet.md §1.2 normalization
// (trim, blank → 127.0.0.1, strip [ ], lower-case, drop one trailing dot).
bool is_loopback_bind_addr(std::string_view addr);

// Describes the accepted keys; the parser, the sample config and the docs follow this list.
enum class KeyType { integer, boolean, string, integer_or_null, verifier_list };
enum class Reload { hot, start, none };
enum class KeyStatus { active, deprecated_alias, legacy_no_effect };
struct KeySpec {
  std::string_view name;
  KeyType type;
  Reload reload;
  KeyStatus status;
};
std::span<const KeySpec> key_specs();

// Looks up an environment variable; an empty value counts as unset.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();
// A fixed environment (tests, tools).
Environment environment_from(std::map<std::string, std::string, std::less<>> values);

// JETMON_CONFIG, else "config/config.json" (relative to the working directory).
std::string config_path_from_env(const Environment& env);
// JETMON_PID_FILE, else "/run/jetmon2/jetmon2.pid".
std::string pid_file_path_from_env(const Environment& env);

struct DbSettings {
  std::string host = "localhost";
  int port = 3306;
  std::string user = "root";
  std::string password;
  std::string name = "jetmon_db";
  bool operator==(const DbSettings&) const = default;
};
// DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME. Throws ConfigError (environment) naming
// DB_PORT when it is not an integer in 1..65535.
DbSettings db_settings_from_env(const Environment& env);

// Holds the current immutable config snapshot; readers keep the shared_ptr they got for as long
// as they need a consistent view (e.g. one round), a reload swaps in a new one.
class ConfigStore {
 public:
  // Throws std::invalid_argument when initial is null.
  explicit ConfigStore(std::shared_ptr<const Config> initial);

  std::shared_ptr<const Config> current() const;

  // Loads and validates path. On success swaps the snapshot and returns nullopt; on failure
  // keeps the previous snapshot and returns the error text (ConfigError::what()).
  std::optional<std::string> reload(const std::string& path);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Config> current_;
};

}  // namespace jetmon::config
