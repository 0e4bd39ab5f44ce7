// jetmon2: the monitor. Thin wiring only; every behaviour lives in libjetmon.
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
  CLI::App app{"Jetmon uptime monitor", "jetmon2"};
  jetmon::apps::add_version_flag(app, "jetmon2");
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "Print the version line");
  auto* migrate = app.add_subcommand("migrate", "Apply the schema migrations (DB_* environment)");
  auto* validate = app.add_subcommand(
      "validate-config", "Check the config file (JETMON_CONFIG) and the database connection");

  if (auto code = jetmon::apps::parse_command_line(app, argc, argv)) return *code;

  const jetmon::config::Environment env = jetmon::config::process_environment();
  if (*version) {
    std::cout << jetmon::version_line("jetmon2") << "\n";
    return 0;
  }
  if (*migrate) return jetmon::ops::run_migrate(env, std::cout, std::cerr);
  if (*validate) {
    jetmon::ops::ValidateConfigContext context;
    context.env = env;
    context.hostname = jetmon::os_hostname();
    context.check_db = [](const jetmon::config::DbSettings& settings) {
      jetmon::ops::check_db_connect(settings, kValidateConfigDbAttempts);
    };
    return jetmon::ops::run_validate_config(context, std::cout, std::cerr);
  }
  return jetmon::apps::usage_error(app, "a subcommand is required (the monitor service is not in this build yet)");
}
