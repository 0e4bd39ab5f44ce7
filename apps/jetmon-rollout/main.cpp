// jetmon-rollout: the read-only rollout gates. Thin wiring only; behaviour lives in libjetmon.
#include <iostream>

#include "cli_support.hpp"
#include "jetmon/common/host.hpp"
#include "jetmon/config/config.hpp"
#include "jetmon/ops/database.hpp"
#include "jetmon/ops/validate_config.hpp"

namespace {
constexpr int kValidateConfigDbAttempts = 3;
}

int main(int argc, char** argv) {
  CLI::App app{"Jetmon rollout gates (read-only checks for moving hosts from v1 to v2)",
               "jetmon-rollout"};
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
