// jetmon-rollout: the read-only rollout gates. Thin wiring only; behaviour lives in libjetmon.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_support.hpp"
#include "jetmon/common/host.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/ops/validate_config.hpp"
#include "jetmon/rollout/cli.hpp"

namespace {
constexpr int kValidateConfigDbAttempts = 3;

// `jetmon-rollout <sub> …` is `jetmon2 rollout <sub> …`: every word that is not one of this
// program's own commands or flags goes to the rollout dispatcher (which answers an unknown word
// with `unknown rollout subcommand`, exit 1, and no word at all with the rollout usage line).
bool is_rollout_invocation(int argc, char** argv) {
  if (argc < 2) return true;
  const std::string_view first = argv[1];
  return !first.starts_with('-') && first != "version" && first != "validate-config";
}
}  // namespace

int main(int argc, char** argv) {
  if (is_rollout_invocation(argc, argv)) {
    jetmon::rollout::Context context = jetmon::rollout::Context::process();
    return jetmon::rollout::run_rollout(std::vector<std::string>(argv + 1, argv + argc),
                                        jetmon::rollout::Invocation::jetmon_rollout(), context, std::cout, std::cerr);
  }
  CLI::App app{"Jetmon rollout gates (read-only checks for moving hosts from v1 to v2)",
               "jetmon-rollout"};
  app.footer(
      "Rollout gates: jetmon-rollout <guided|rehearsal-plan|host-preflight|static-plan-check|pinned-check|"
      "cutover-check|rollback-check|dynamic-check|activity-check|projection-drift|state-report> [flags]\n"
      "(the same as `jetmon2 rollout <sub>`; `jetmon-rollout <sub> -h` lists a gate's flags)");
  jetmon::apps::add_version_flag(app, "jetmon-rollout");
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "Print the version line");
  auto* validate = app.add_subcommand(
      "validate-config", "Same as `jetmon2 validate-config`, so a runbook needs one binary");

  if (auto code = jetmon::apps::parse_command_line(app, argc, argv)) return *code;

  if (*version) {
    std::cout << jetmon::version_line("jetmon-rollout") << "\n";
    return 0;
  }
  if (*validate) {
    jetmon::ops::ValidateConfigContext context;
    context.env = jetmon::config::process_environment();
    context.hostname = jetmon::os_hostname();
    context.check_db = [](const jetmon::config::DbSettings& settings) {
      jetmon::ops::check_db_connect(settings, kValidateConfigDbAttempts);
    };
    return jetmon::ops::run_validate_config(context, std::cout, std::cerr);
  }
  return jetmon::apps::usage_error(app, "a subcommand is required");
}
