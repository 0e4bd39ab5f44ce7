#include "jetmon/ops/deliverer_cli.hpp"

#include <fmt/format.h>

#include <optional>
#include <ostream>

#include "jetmon/common/host.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/db/connection.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/ops/delivery_owner.hpp"
#include "jetmon/rollout/flags.hpp"
#include "rollout/json_writer.hpp"

namespace jetmon::ops {
namespace {

constexpr int kDbAttempts = 3;
constexpr const char* kValidateUsage =
    "usage: jetmon-deliverer validate-config [--host=H] [--require-owner-match] [--require-email-delivery] "
    "[--require-api-disabled]";
constexpr const char* kCheckUsage =
    "usage: jetmon-deliverer delivery-check [--host=H] [--since=15m] [--max-pending=N] [--max-due=N] "
    "[--max-abandoned=N] [--max-failed=N] [--require-recent-delivery] [--require-recent-webhook-delivery] "
    "[--require-recent-alert-delivery] [--output=text|json]";

// The FlagSet outcome as a VerbParse: positionals are a usage error too.
VerbParse finish_parse(rollout::FlagSet& flags, const std::vector<std::string>& args, const char* usage) {
  VerbParse result;
  result.usage = std::string(usage) + "\n\n" + flags.defaults();
  const rollout::FlagSet::Result parsed = flags.parse(args);
  if (parsed.outcome == rollout::FlagSet::Outcome::help) {
    result.help = true;
    return result;
  }
  if (parsed.outcome == rollout::FlagSet::Outcome::error) {
    result.error = parsed.error;
    return result;
  }
  if (!parsed.positionals.empty()) {
    std::string words;
    for (const std::string& word : parsed.positionals) words += (words.empty() ? "" : " ") + word;
    result.error = "unexpected arguments: " + words;
    return result;
  }
  result.ok = true;
  return result;
}

// --host (trimmed) when given, else the OS hostname (trimmed); may be empty.
std::string deliverer_host(std::string_view flag, const DelivererContext& context) {
  const std::string_view given = trim(flag);
  if (!given.empty()) return std::string(given);
  return std::string(trim(context.hostname ? context.hostname() : std::string()));
}

struct Bootstrap {
  config::Config config;
  db::Connection connection;
};

// Config (fully validated) and a database session (3 attempts). The failure text on error.
std::optional<Bootstrap> bootstrap(const DelivererContext& context, std::string& error, std::ostream* progress) {
  config::Config cfg;
  config::DbSettings settings;
  try {
    cfg = config::load_file(config::config_path_from_env(context.env));
    settings = config::db_settings_from_env(context.env);
  } catch (const std::exception& e) {
    error = std::string("config parse: ") + e.what();
    return std::nullopt;
  }
  if (progress) *progress << "PASS config parse\n";
  try {
    db::Connection connection = db::connect_with_retry(connect_options(settings), kDbAttempts,
                                                       context.sleeper ? context.sleeper : db::real_sleeper());
    connection.ping();
    if (progress) *progress << "PASS db connect\n";
    return Bootstrap{std::move(cfg), std::move(connection)};
  } catch (const std::exception& e) {
    error = std::string("db connect: ") + e.what();
    return std::nullopt;
  }
}

std::string owner_line(const DeliveryOwnerDecision& owner) {
  return std::string(owner.warning ? "WARN " : "INFO ") + owner.message;
}

void write_metrics(rapidjson::PrettyWriter<rapidjson::StringBuffer>& w, const delivery::QueueMetrics& m) {
  w.StartObject();
  w.Key("kind");
  rollout::write_json_string(w, m.kind);
  const std::pair<const char*, std::int64_t> fields[] = {
      {"pending", m.pending},
      {"due_now", m.due_now},
      {"future_retry", m.future_retry},
      {"delivered_since", m.delivered_since},
      {"abandoned_since", m.abandoned_since},
      {"failed_since", m.failed_since},
      {"oldest_pending_age_sec", m.oldest_pending_age_sec},
      {"oldest_due_age_sec", m.oldest_due_age_sec},
  };
  for (const auto& [key, value] : fields) {
    w.Key(key);
    w.Int64(value);
  }
  w.EndObject();
}

}  // namespace

DelivererContext DelivererContext::process() {
  return {config::process_environment(), [] { return os_hostname(); }, {}};
}

bool is_deliverer_verb(std::string_view word) { return !word.starts_with('-') && word != "version"; }

VerbParse parse_validate_flags(const std::vector<std::string>& args, DelivererValidateOptions& o) {
  rollout::FlagSet flags("validate-config");
  flags.add_string("host", &o.host, "deliverer host id (default: the OS hostname)");
  flags.add_bool("require-owner-match", &o.require_owner_match, "fail unless DELIVERY_OWNER_HOST is this host");
  flags.add_bool("require-email-delivery", &o.require_email_delivery,
                 "fail unless EMAIL_TRANSPORT delivers email (smtp or wpcom)");
  flags.add_bool("require-api-disabled", &o.require_api_disabled, "fail unless API_PORT is 0");
  return finish_parse(flags, args, kValidateUsage);
}

VerbParse parse_delivery_check_flags(const std::vector<std::string>& args, DeliveryCheckOptions& o) {
  int max_pending = -1;
  int max_due = -1;
  int max_abandoned = -1;
  int max_failed = -1;
  std::string output = "text";
  rollout::FlagSet flags("delivery-check");
  flags.add_string("host", &o.host, "deliverer host id (default: the OS hostname)");
  flags.add_string("since", &o.since, "window for the *_since counts: a duration or an RFC3339 time");
  flags.add_int("max-pending", &max_pending, "fail when pending rows exceed this (-1 off)");
  flags.add_int("max-due", &max_due, "fail when due rows exceed this (-1 off)");
  flags.add_int("max-abandoned", &max_abandoned, "fail when rows abandoned since --since exceed this (-1 off)");
  flags.add_int("max-failed", &max_failed, "fail when rows failed since --since exceed this (-1 off)");
  flags.add_bool("require-recent-delivery", &o.thresholds.require_recent_delivery,
                 "fail unless some row was delivered since --since");
  flags.add_bool("require-recent-webhook-delivery", &o.thresholds.require_recent_webhook_delivery,
                 "fail unless a webhook row was delivered since --since");
  flags.add_bool("require-recent-alert-delivery", &o.thresholds.require_recent_alert_delivery,
                 "fail unless an alert-contact row was delivered since --since");
  flags.add_string("output", &output, "text or json");
  VerbParse result = finish_parse(flags, args, kCheckUsage);
  if (!result.ok) return result;
  result.ok = false;
  const std::pair<const char*, int> maxima[] = {
      {"max-pending", max_pending}, {"max-due", max_due}, {"max-abandoned", max_abandoned}, {"max-failed", max_failed}};
  for (const auto& [name, value] : maxima) {
    if (value < -1) {
      result.error = fmt::format("--{} must be >= -1 (-1 disables it), got {}", name, value);
      return result;
    }
  }
  const std::string mode = to_lower_ascii(trim(output));
  if (mode != "text" && mode != "json") {
    result.error = "--output must be text or json";
    return result;
  }
  // The value's shape is checked now; the cutoff itself is taken against the database clock.
  const delivery::SinceResolution since = delivery::resolve_queue_since(o.since, db::DateTime::now());
  if (!since.error.empty()) {
    result.error = since.error;
    return result;
  }
  o.thresholds.max_pending = max_pending;
  o.thresholds.max_due = max_due;
  o.thresholds.max_abandoned = max_abandoned;
  o.thresholds.max_failed = max_failed;
  o.json = mode == "json";
  result.ok = true;
  return result;
}

int run_deliverer_validate_config(const DelivererValidateOptions& options, const DelivererContext& context,
                                  std::ostream& out, std::ostream& err) {
  std::string error;
  const auto boot = bootstrap(context, error, &out);
  if (!boot) {
    err << "FAIL " << error << "\n";
    return 1;
  }
  const config::Config& cfg = boot->config;
  const std::string host = deliverer_host(options.host, context);
  if (host.empty()) {
    err << "FAIL validated host id is empty\n";
    return 1;
  }
  out << "INFO deliverer_host=" << go_quote(host) << "\n";

  out << "INFO email_transport=" << cfg.email_transport_label() << "\n";
  if (!cfg.email_transport_delivers()) {
    if (options.require_email_delivery) {
      err << fmt::format("FAIL EMAIL_TRANSPORT={} does not deliver email; set smtp or wpcom\n",
                         go_quote(cfg.email_transport_label()));
      return 1;
    }
    for (const config::Warning& warning : config::warnings(cfg)) {
      if (warning.key == "EMAIL_TRANSPORT") out << "WARN " << warning.message << "\n";
    }
  }

  if (cfg.api_port > 0) {
    if (options.require_api_disabled) {
      err << fmt::format("FAIL API_PORT={} must be 0 for standalone deliverer config\n", cfg.api_port);
      return 1;
    }
    out << fmt::format("WARN api_port={}; standalone deliverer ignores API_PORT, confirm this is a "
                       "process-specific config\n",
                       cfg.api_port);
  } else {
    out << "PASS api_port=disabled\n";
  }

  if (options.require_owner_match) {
    const std::string_view owner = trim(cfg.delivery_owner_host);
    if (owner.empty()) {
      err << fmt::format("FAIL DELIVERY_OWNER_HOST must be set to {} for single-owner deliverer rollout\n",
                         go_quote(host));
      return 1;
    }
    if (owner != host) {
      err << fmt::format("FAIL DELIVERY_OWNER_HOST={} does not match deliverer host {}\n", go_quote(owner),
                         go_quote(host));
      return 1;
    }
  }
  out << owner_line(deliverer_delivery_owner(cfg, host)) << "\n";
  out << "\nvalidation passed\n";
  return 0;
}

std::string delivery_check_json(const DeliveryCheckResult& r, bool with_snapshot) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("ok");
  w.Bool(r.failures.empty());
  w.Key("host");
  rollout::write_json_string(w, r.host);
  if (with_snapshot) {
    w.Key("generated_at");
    rollout::write_json_string(w, delivery::format_seconds(r.snapshot.now));
    w.Key("since");
    rollout::write_json_string(w, delivery::format_seconds(r.snapshot.cutoff));
  }
  if (!r.owner_level.empty()) {
    w.Key("owner_level");
    rollout::write_json_string(w, r.owner_level);
  }
  if (!r.owner_message.empty()) {
    w.Key("owner_message");
    rollout::write_json_string(w, r.owner_message);
  }
  if (with_snapshot) {
    w.Key("tables");
    w.StartArray();
    write_metrics(w, r.snapshot.webhook);
    write_metrics(w, r.snapshot.alert);
    w.EndArray();
    w.Key("total");
    write_metrics(w, r.snapshot.total);
  }
  if (!r.failures.empty()) {
    w.Key("failures");
    w.StartArray();
    for (const std::string& failure : r.failures) rollout::write_json_string(w, failure);
    w.EndArray();
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string delivery_check_json(const DeliveryCheckResult& result) { return delivery_check_json(result, true); }

int run_delivery_check(const DeliveryCheckOptions& options, const DelivererContext& context, std::ostream& out,
                       std::ostream& err) {
  DeliveryCheckResult result;
  result.host = deliverer_host(options.host, context);
  // A failure before the queues were read: FAIL on stderr, or a JSON document without metrics.
  const auto fail_early = [&](std::string message) {
    result.failures.push_back(std::move(message));
    if (options.json) {
      out << delivery_check_json(result, false) << "\n";
    } else {
      err << "FAIL " << result.failures.back() << "\n";
    }
    return 1;
  };

  std::string error;
  auto boot = bootstrap(context, error, options.json ? nullptr : &out);
  if (!boot) return fail_early(error);
  if (result.host.empty()) return fail_early("validated host id is empty");
  const DeliveryOwnerDecision owner = deliverer_delivery_owner(boot->config, result.host);
  result.owner_level = owner.warning ? "WARN" : "INFO";
  result.owner_message = owner.message;
  try {
    result.snapshot = delivery::read_queue_snapshot(boot->connection, options.since);
  } catch (const std::exception& e) {
    return fail_early(std::string("delivery queue query: ") + e.what());
  }
  const std::string since_text = delivery::format_seconds(result.snapshot.cutoff);
  result.failures = delivery::evaluate_thresholds(options.thresholds, result.snapshot, since_text);

  if (options.json) {
    out << delivery_check_json(result) << "\n";
  } else {
    out << "INFO deliverer_host=" << go_quote(result.host) << "\n"
        << "INFO delivery_check_generated_at=" << delivery::format_seconds(result.snapshot.now) << "\n"
        << "INFO delivery_check_since=" << since_text << "\n"
        << owner_line(owner) << "\n"
        << delivery::format_queue_table(result.snapshot);
    if (result.failures.empty()) out << "PASS delivery_check=ok\n";
    out.flush();
    for (const std::string& failure : result.failures) err << "FAIL " << failure << "\n";
  }
  return result.failures.empty() ? 0 : 1;
}

int run_deliverer_verb(const std::vector<std::string>& args, const DelivererContext& context, std::ostream& out,
                       std::ostream& err) {
  const std::string verb = args.empty() ? std::string() : args.front();
  const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  VerbParse parsed;
  if (verb == "validate-config") {
    DelivererValidateOptions options;
    parsed = parse_validate_flags(rest, options);
    if (parsed.ok) return run_deliverer_validate_config(options, context, out, err);
  } else if (verb == "delivery-check") {
    DeliveryCheckOptions options;
    parsed = parse_delivery_check_flags(rest, options);
    if (parsed.ok) return run_delivery_check(options, context, out, err);
  } else {
    err << fmt::format("unknown command {} (want: version, validate-config, delivery-check)\n", go_quote(verb));
    return 2;
  }
  if (parsed.help) {
    out << parsed.usage;
    return 0;
  }
  err << parsed.usage << "FAIL " << parsed.error << "\n";
  return 2;
}

}  // namespace jetmon::ops
