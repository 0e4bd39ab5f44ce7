#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "jetmon/config/config.hpp"
#include "jetmon/db/retry.hpp"
#include "jetmon/delivery/queue_metrics.hpp"

// The `jetmon-deliverer` verbs other than running (dashboard-fleet.md §7.4): `validate-config`
// and `delivery-check`, with Go's flag syntax (rollout/flags.hpp), and the unknown-verb rule.
// `version` and `--help` stay with the app's CLI11 parser.
namespace jetmon::ops {

// Everything the verbs take from the outside; tests replace any part.
struct DelivererContext {
  config::Environment env;
  std::function<std::string()> hostname;
  db::Sleeper sleeper;  // between the 3 DB connect attempts; empty: real sleeps

  static DelivererContext process();  // environment, OS hostname, real sleeps
};

// True for a first argument this module answers: any word that is not a flag and not `version`
// (so `validate-config`, `delivery-check` and unknown verbs).
bool is_deliverer_verb(std::string_view word);

// Runs `args` (argv after the program name; args[0] is the verb). Unknown verb → stderr
// `unknown command "<x>" (want: version, validate-config, delivery-check)`, exit 2. Returns the
// exit code (0 ok, 1 failed check, 2 usage).
int run_deliverer_verb(const std::vector<std::string>& args, const DelivererContext& context, std::ostream& out,
                       std::ostream& err);

// ---- the parts, for tests -------------------------------------------------------------------

struct DelivererValidateOptions {
  std::string host;  // --host; empty: the OS hostname
  bool require_owner_match = false;
  bool require_email_delivery = false;
  bool require_api_disabled = false;
};

struct DeliveryCheckOptions {
  std::string host;
  std::string since = "15m";
  delivery::QueueThresholds thresholds;
  bool json = false;
};

// Parses the flags after the verb. On a usage error returns false with `error` set (the text
// after "FAIL "); -h/--help sets `help`.
struct VerbParse {
  bool ok = false;
  bool help = false;
  std::string error;
  std::string usage;  // "usage: jetmon-deliverer <verb> …" plus the flag defaults
};
VerbParse parse_validate_flags(const std::vector<std::string>& args, DelivererValidateOptions& options);
VerbParse parse_delivery_check_flags(const std::vector<std::string>& args, DeliveryCheckOptions& options);

int run_deliverer_validate_config(const DelivererValidateOptions& options, const DelivererContext& context,
                                  std::ostream& out, std::ostream& err);
int run_delivery_check(const DeliveryCheckOptions& options, const DelivererContext& context, std::ostream& out,
                       std::ostream& err);

// The JSON document of `delivery-check --output=json` (2-space indent, keys in the §7.4 order;
// owner_message and failures omitted when empty). Exposed for the unit tests.
struct DeliveryCheckResult {
  std::string host;
  delivery::QueueSnapshot snapshot;
  std::string owner_level;  // "INFO" or "WARN"
  std::string owner_message;
  std::vector<std::string> failures;
};
std::string delivery_check_json(const DeliveryCheckResult& result);

}  // namespace jetmon::ops
