#include "jetmon/ops/validate_config.hpp"

#include <fmt/format.h>

#include <ostream>

#include "jetmon/common/text.hpp"
#include "jetmon/ops/delivery_owner.hpp"
#include "jetmon/ops/rollout_hints.hpp"

namespace jetmon::ops {
namespace {

void print_hint(std::ostream& out, std::string_view key, const std::string& command) {
  if (!command.empty()) out << "INFO rollout_" << key << "=" << command << "\n";
}

}  // namespace

int run_validate_config(const ValidateConfigContext& context, std::ostream& out,
                        std::ostream& err) {
  config::Config cfg;
  config::DbSettings db;
  try {
    cfg = config::load_file(config::config_path_from_env(context.env));
    db = config::db_settings_from_env(context.env);
  } catch (const std::exception& e) {
    err << "FAIL config parse: " << e.what() << "\n";
    return 1;
  }
  out << "PASS config parse\n";

  try {
    context.check_db(db);
  } catch (const std::exception& e) {
    err << "FAIL db connect: " << e.what() << "\n";
    return 1;
  }
  out << "PASS db connect\n";

  out << "INFO legacy_status_projection="
      << (cfg.legacy_status_projection_enable ? "enabled" : "disabled") << "\n";
  out << "INFO bucket_ownership=" << cfg.bucket_ownership_label() << "\n";

  const RolloutCommands hints = rollout_commands(cfg);
  print_hint(out, "static_plan", hints.static_plan);
  print_hint(out, "preflight", hints.preflight);
  print_hint(out, "activity_check", hints.activity);
  print_hint(out, "cutover_check", hints.cutover);
  print_hint(out, "rollback_check", hints.rollback);
  print_hint(out, "state_report", hints.state_report);
  print_hint(out, "drift_report", hints.drift_report);

  const std::string transport = cfg.email_transport.empty() ? "stub" : cfg.email_transport;
  out << "INFO email_transport=" << transport << "\n";
  for (const config::Warning& warning : config::warnings(cfg)) {
    out << "WARN " << warning.message << "\n";
  }

  const DeliveryOwnerDecision owner = monitor_delivery_owner(cfg, context.hostname);
  out << (owner.warning ? "WARN " : "INFO ") << owner.message << "\n";

  for (std::size_t i = 0; i < cfg.verifiers.size(); ++i) {
    const config::Verifier& v = cfg.verifiers[i];
    out << fmt::format("INFO veriflier {} at {}:{}\n", go_quote(v.display_name(i)), v.host,
                       v.effective_port());
  }
  if (cfg.verifiers.empty()) out << "WARN no verifliers configured; every escalation confirms down\n";

  out << "\nvalidation passed\n";
  return 0;
}

}  // namespace jetmon::ops
